/**
 * The worker (TypeScript) and orphan recovery (Lua) write the raw item of a
 * dead-letter entry the same way: text as it is, anything else as base64,
 * both cut to 64 KiB. The Lua side is checked against the TypeScript side
 * on the edge cases of UTF-8 validity.
 */
import { isUtf8 } from 'node:buffer';

import { afterAll, describe, expect, it } from 'vitest';

import { DEAD_RAW_LUA, DEAD_RAW_MAX_BYTES, deadRaw } from '../../src/queue/dead-raw.js';
import { itemFromReply } from '../../src/queue/queue-item.js';
import { connect } from '../support/redis.js';

const IN_LUA = `${DEAD_RAW_LUA}
local raw, raw_encoding, raw_truncated = dead_raw(ARGV[1])
return cjson.encode({raw = raw, raw_encoding = raw_encoding, raw_truncated = raw_truncated})
`;

const bytes = (...values: number[]) => Buffer.from(values);

const CASES: Array<[string, Buffer]> = [
  ['ASCII', Buffer.from('{"task_id":"a/b"}')],
  ['two-, three- and four-byte characters', Buffer.from('é € 𝄞 音声')],
  ['the highest code point', bytes(0xf4, 0x8f, 0xbf, 0xbf)],
  ['a pickled job', bytes(0x80, 0x04, 0x95, 0x7b, 0x7d, 0xff)],
  ['Latin-1 text', Buffer.from('caf\xe9', 'latin1')],
  ['a lone continuation byte', bytes(0x61, 0x80)],
  ['an overlong encoding', bytes(0xc0, 0x80)],
  ['an overlong three-byte encoding', bytes(0xe0, 0x80, 0x80)],
  ['a surrogate', bytes(0xed, 0xa0, 0x80)],
  ['a code point above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80)],
  ['a sequence cut short at the end', bytes(0x61, 0xe2, 0x82)],
  ['text over 64 KiB', Buffer.from('€'.repeat(30_000))],
  ['bytes over 64 KiB', Buffer.concat([bytes(0xff), Buffer.alloc(DEAD_RAW_MAX_BYTES, 0x41)])],
];

describe('dead-letter raw, in TypeScript and in Lua', () => {
  const redis = connect();
  afterAll(() => redis.disconnect());

  it.each(CASES)('agree on %s', async (_name, item) => {
    const inLua = JSON.parse((await redis.eval(IN_LUA, 0, item)) as string) as unknown;
    expect(inLua).toEqual(deadRaw(itemFromReply(item)));
  });

  it('keep an item that is not UTF-8 as the base64 of its bytes', () => {
    const item = bytes(0x80, 0x04, 0x95, 0xff);
    expect(isUtf8(item)).toBe(false);
    expect(deadRaw(itemFromReply(item))).toEqual({
      raw: item.toString('base64'),
      raw_encoding: 'base64',
    });
  });
});
