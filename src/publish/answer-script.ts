/**
 * The one script that makes a result a task's answer. It claims the task's
 * status key unless another final result already holds it (the
 * set-if-absent guard: of two deliveries of one task finishing at once, only
 * the first publishes), keeps the fingerprint of the delivery it answers
 * beside it (so a later delivery of the same task_id can be told a repeat,
 * or a different task under a reused id), drops the task's first-seen time,
 * and records the chunk in its session (sessions/record-script.ts), all
 * atomically.
 *
 * Two modes, told apart by the number of keys:
 *
 * - inline (a single Redis, 11 keys): the script also pushes and publishes the
 *   result and the session messages and acknowledges the task. One round
 *   trip, and nothing can happen in between.
 * - claim only (a Cluster, 7 keys, all in the queue's slot): the result list,
 *   the channel's node and the session list may be elsewhere, so the script
 *   writes a pending marker naming what is left to deliver, and the publisher
 *   delivers and acknowledges in separate steps (see publisher.ts).
 *
 * KEYS: status, pending marker, first-seen hash, session hash, session status,
 *       open sessions; inline also: result list, processing list, deliveries,
 *       session result list; last, in both: the answered fingerprint.
 * ARGV: result JSON, TTL (ms), result list name, task id, session id ('' when
 *       the result belongs to no session), chunk index, is final ('1'/'0'),
 *       chunk entry JSON, now (ms); inline also: channel, session channel,
 *       raw task; last, in both: the task's fingerprint.
 * Returns {0} when another final result stands (inline: the task is
 * acknowledged all the same), or {1, kind, json, kind, json, ...} with the
 * session messages this answer produced.
 */
import { RECORD_CHUNK_LUA } from '../sessions/record-script.js';

/** The inline mode is told apart by its key count. */
const INLINE_KEY_COUNT = 11;

export const ANSWER_SCRIPT = `${RECORD_CHUNK_LUA}
local FINAL = {done = true, failed = true, expired = true}

local function holds_final(stored)
  if not stored then return false end
  local ok, decoded = pcall(cjson.decode, stored)
  return ok and type(decoded) == 'table' and FINAL[decoded.status] == true
end

local inline = #KEYS == ${INLINE_KEY_COUNT}
local answered, fingerprint = KEYS[#KEYS], ARGV[#ARGV]
local function acknowledge()
  redis.call('LREM', KEYS[8], -1, ARGV[12])
  redis.call('HDEL', KEYS[9], fingerprint)
end

local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] and holds_final(current) then
  if inline then acknowledge() end
  return {0}
end

local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('SET', answered, fingerprint, 'PX', ttl)
redis.call('HDEL', KEYS[3], ARGV[4])
local messages = {}
if ARGV[5] ~= '' then
  messages = record_chunk(KEYS[4], KEYS[5], KEYS[6], ARGV[5], tonumber(ARGV[6]),
    ARGV[7] == '1', ARGV[8], tonumber(ARGV[9]), ttl)
end

if inline then
  redis.call('RPUSH', KEYS[7], ARGV[1])
  redis.call('PUBLISH', ARGV[10], ARGV[1])
  for i = 1, #messages, 2 do
    redis.call('PUBLISH', ARGV[11], messages[i + 1])
    if messages[i] == 't' then redis.call('RPUSH', KEYS[10], messages[i + 1]) end
  end
  acknowledge()
else
  local pending = {}
  for i = 1, #messages do pending[i] = cjson.encode(messages[i]) end
  redis.call('SET', KEYS[2], '{"list":' .. cjson.encode(ARGV[3]) ..
    ',"session":[' .. table.concat(pending, ',') .. ']}', 'PX', ttl)
end
return {1, unpack(messages)}
`;
