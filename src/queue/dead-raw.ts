/**
 * How a dead-letter entry keeps the item it set aside, written twice (here
 * for the worker, in Lua for orphan recovery) so both kinds of entry read
 * the same:
 *
 * - an item that is UTF-8 text is `raw` as it is, cut at a character
 *   boundary when it is longer than DEAD_RAW_MAX_BYTES;
 * - any other item (a pickled job, Latin-1 text) could not sit in JSON
 *   unchanged, so `raw` is the base64 of its bytes (of the first
 *   DEAD_RAW_MAX_BYTES of them) and `raw_encoding` says `base64`.
 *
 * `raw_truncated: true` marks an entry that was cut.
 */
import type { QueueItem } from './queue-item.js';

/** Dead-letter entries keep at most this many bytes of the raw item. */
export const DEAD_RAW_MAX_BYTES = 64 * 1024;

export interface DeadRaw {
  raw: string;
  /** Present only when `raw` is the base64 of an item that is not UTF-8. */
  raw_encoding?: 'base64';
  /** Present (true) only when raw was cut to DEAD_RAW_MAX_BYTES. */
  raw_truncated?: true;
}

export function deadRaw(item: QueueItem, maxBytes = DEAD_RAW_MAX_BYTES): DeadRaw {
  if (typeof item !== 'string') {
    const truncated = item.length > maxBytes;
    return {
      raw: item.subarray(0, maxBytes).toString('base64'),
      raw_encoding: 'base64',
      ...(truncated && { raw_truncated: true as const }),
    };
  }
  const bytes = Buffer.from(item, 'utf8');
  if (bytes.length <= maxBytes) return { raw: item };
  let end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) to the start of a character.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return { raw: bytes.subarray(0, end).toString('utf8'), raw_truncated: true };
}

/**
 * The same in Lua: dead_raw(item) returns raw, raw_encoding, raw_truncated
 * (nil where absent, so cjson leaves the field out). Only non-ASCII runs are
 * walked byte by byte; a task of base64 audio is checked by one find.
 */
export const DEAD_RAW_LUA = `
local DEAD_RAW_MAX = ${DEAD_RAW_MAX_BYTES}
local B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

local function is_utf8(s)
  local i = string.find(s, '[\\128-\\255]')
  while i do
    local c = string.byte(s, i)
    local len, lo, hi = 0, 0x80, 0xBF
    if c >= 0xC2 and c <= 0xDF then len = 1
    elseif c >= 0xE0 and c <= 0xEF then
      len = 2
      if c == 0xE0 then lo = 0xA0 elseif c == 0xED then hi = 0x9F end
    elseif c >= 0xF0 and c <= 0xF4 then
      len = 3
      if c == 0xF0 then lo = 0x90 elseif c == 0xF4 then hi = 0x8F end
    else
      return false
    end
    for j = 1, len do
      local d = string.byte(s, i + j)
      if not d or d < lo or d > hi then return false end
      lo, hi = 0x80, 0xBF
    end
    i = string.find(s, '[\\128-\\255]', i + len + 1)
  end
  return true
end

local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = string.byte(s, i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local d = {math.floor(n / 262144), math.floor(n / 4096) % 64, math.floor(n / 64) % 64, n % 64}
    out[#out + 1] = B64:sub(d[1] + 1, d[1] + 1) .. B64:sub(d[2] + 1, d[2] + 1) ..
      (b and B64:sub(d[3] + 1, d[3] + 1) or '=') .. (c and B64:sub(d[4] + 1, d[4] + 1) or '=')
  end
  return table.concat(out)
end

local function dead_raw(item)
  local truncated = nil
  if not is_utf8(item) then
    if #item > DEAD_RAW_MAX then item, truncated = string.sub(item, 1, DEAD_RAW_MAX), true end
    return base64(item), 'base64', truncated
  end
  if #item <= DEAD_RAW_MAX then return item end
  local stop = DEAD_RAW_MAX
  -- Back up over continuation bytes to the start of a character.
  while stop > 0 and string.byte(item, stop + 1) >= 0x80 and string.byte(item, stop + 1) < 0xC0 do
    stop = stop - 1
  end
  return string.sub(item, 1, stop), nil, true
end
`;
