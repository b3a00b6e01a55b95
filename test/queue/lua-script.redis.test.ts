import { afterAll, describe, expect, it } from 'vitest';

import { LuaScript } from '../../src/queue/lua-script.js';
import { connect } from '../support/redis.js';

describe('LuaScript', () => {
  const redis = connect();
  afterAll(() => redis.disconnect());

  it('sends the whole script only when Redis does not have it, then its SHA-1', async () => {
    // A script no other test loads, so flushing nothing else matters.
    const script = new LuaScript(`return {KEYS[1], ARGV[1], '${Math.random()}'}`);
    expect(await redis.script('EXISTS', script.sha)).toEqual([0]);

    const first = (await script.run(redis, ['k'], ['a'])) as string[];
    expect(first.slice(0, 2)).toEqual(['k', 'a']);
    expect(await redis.script('EXISTS', script.sha)).toEqual([1]);
    expect(((await script.run(redis, ['k2'], [7])) as string[]).slice(0, 2)).toEqual(['k2', '7']);
  });

  it('passes script errors on', async () => {
    const failing = new LuaScript(`return redis.call('INCR', KEYS[1]) -- ${Math.random()}`);
    await redis.set('lua-script-test:text', 'not a number');
    await expect(failing.run(redis, ['lua-script-test:text'], [])).rejects.toThrow(
      /not an integer/,
    );
    await redis.del('lua-script-test:text');
  });
});
