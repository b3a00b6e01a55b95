/**
 * Closes a session whose chunks stopped arriving: once nothing was recorded
 * for the idle time, the session becomes `incomplete` and one terminal
 * message lists the chunks that never got a result, so no UI waits forever.
 *
 * The idle check runs inside the script, so a chunk recorded between the
 * sweeper's look and this call keeps the session open, and two sweepers
 * running at once close it once.
 *
 * KEYS: session hash, session status key, open sessions (sorted set).
 * ARGV: session id, now (ms), idle time (ms), status TTL (ms), most missing
 * indices to list.
 * Returns the incomplete message, or false when the session stays open (its
 * score is refreshed) or is already closed or gone (it leaves the set).
 */
import { LUA_JSON_HELPERS } from './lua-json.js';

export const EXPIRE_SESSION_SCRIPT = `${LUA_JSON_HELPERS}
local hash, status_key, open_sessions = KEYS[1], KEYS[2], KEYS[3]
local sid, now, idle = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

local state = redis.call('HGET', hash, 'state')
if state ~= 'open' then
  redis.call('ZREM', open_sessions, sid)
  return false
end
local seen = tonumber(redis.call('HGET', hash, 'seen') or '0')
if now - seen < idle then
  redis.call('ZADD', open_sessions, seen, sid)
  return false
end

local final = tonumber(redis.call('HGET', hash, 'final') or '')
local last = final or tonumber(redis.call('HGET', hash, 'max') or '0')
local stable = tonumber(redis.call('HGET', hash, 'stable') or '0')
local missing, limit, truncated = {}, tonumber(ARGV[5]), false
for i = stable, last do
  if redis.call('HEXISTS', hash, 'c:' .. i) == 0 then
    if #missing == limit then
      truncated = true
      break
    end
    missing[#missing + 1] = json_int(i)
  end
end

local message = '{"version":1,"type":"session_incomplete","session_id":' .. cjson.encode(sid) ..
  ',"state":"incomplete","missing_chunks":' .. json_array(missing) ..
  ',"missing_truncated":' .. tostring(truncated) ..
  ',"final_received":' .. tostring(final ~= nil) ..
  ',"stable_chunks":' .. json_int(stable) ..
  ',"chunks_received":' .. json_int(tonumber(redis.call('HGET', hash, 'received') or '0')) ..
  ',"text":' .. cjson.encode(redis.call('HGET', hash, 'text') or '') ..
  ',"idle_ms":' .. json_int(now - seen) ..
  ',"finished_at":' .. json_int(now) .. '}'

redis.call('HSET', hash, 'state', 'incomplete')
redis.call('SET', status_key, message, 'PX', tonumber(ARGV[4]))
redis.call('ZREM', open_sessions, sid)
return message
`;
