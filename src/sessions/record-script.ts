/**
 * The Lua that records one chunk's terminal result in its session, run inside
 * the publisher's answer script so that the chunk's result and its place in
 * the session are written in one atomic step: two workers finishing chunks of
 * the same session at once see each other's writes in order, and a repeat
 * delivery of a chunk changes nothing.
 *
 * The session hash (keys.session) holds:
 *   c:<index>   the chunk's entry (chunk-entry.ts), written once
 *   o:<index>   the chunk's offset on the session's time line, once stable
 *   stable      how many chunks from 0 have terminal results, with no gap
 *   stable_ms   where the next stable chunk starts on the time line
 *   text        the transcript of the stable chunks, in index order
 *   received    how many distinct chunks have terminal results
 *   max         the highest index received
 *   final       the final chunk's index, once it has arrived
 *   state       open, complete or incomplete
 *   seen        the last time a chunk was recorded (ms)
 *
 * record_chunk returns the session messages to deliver, as a flat list of
 * kind, JSON pairs: kind 'u' is an update (channel only), 't' a terminal
 * message (channel and the session result list).
 */
import { LUA_JSON_HELPERS } from './lua-json.js';

export const RECORD_CHUNK_LUA = `${LUA_JSON_HELPERS}
local function update_message(sid, h, now)
  local final = h.final and json_int(h.final) or 'null'
  return '{"version":1,"type":"session_update","session_id":' .. cjson.encode(sid) ..
    ',"state":"open","stable_chunks":' .. json_int(h.stable) ..
    ',"stable_ms":' .. json_int(h.stable_ms) ..
    ',"chunks_received":' .. json_int(h.received) ..
    ',"final_index":' .. final ..
    ',"text":' .. cjson.encode(h.text) ..
    ',"updated_at":' .. json_int(now) .. '}'
end

local function complete_message(hash, sid, h, now)
  local segments, failed, withheld = {}, {}, 0
  for i = 0, h.final do
    local entry = cjson.decode(redis.call('HGET', hash, 'c:' .. i))
    local offset = tonumber(redis.call('HGET', hash, 'o:' .. i))
    if entry.status ~= 'done' then failed[#failed + 1] = json_int(i) end
    withheld = withheld + (tonumber(entry.withheld) or 0)
    for _, s in ipairs(entry.segments) do
      segments[#segments + 1] = '{"chunk_index":' .. json_int(i) ..
        ',"start_ms":' .. json_int(s[1] + offset) ..
        ',"end_ms":' .. json_int(s[2] + offset) ..
        ',"text":' .. cjson.encode(s[3]) .. '}'
    end
  end
  return '{"version":1,"type":"session_complete","session_id":' .. cjson.encode(sid) ..
    ',"state":"complete","chunks":' .. json_int(h.final + 1) ..
    ',"audio_ms":' .. json_int(h.stable_ms) ..
    ',"text":' .. cjson.encode(h.text) ..
    ',"segments":' .. json_array(segments) ..
    ',"unanswered_chunks":' .. json_array(failed) ..
    ',"withheld_segments":' .. json_int(withheld) ..
    ',"finished_at":' .. json_int(now) .. '}'
end

-- Moves the stable prefix forward over every chunk that now has no gap
-- before it, giving each its offset and appending its text; never past the
-- final chunk.
local function advance(hash, h)
  while h.final == nil or h.stable <= h.final do
    local raw = redis.call('HGET', hash, 'c:' .. h.stable)
    if not raw then return end
    local entry = cjson.decode(raw)
    if type(entry.offset_ms) == 'number' then h.stable_ms = entry.offset_ms end
    redis.call('HSET', hash, 'o:' .. h.stable, h.stable_ms)
    h.stable_ms = h.stable_ms + entry.audio_ms
    local piece = trim(entry.text)
    if piece ~= '' then
      h.text = (h.text == '') and piece or (h.text .. ' ' .. piece)
    end
    h.stable = h.stable + 1
  end
end

local function record_chunk(hash, status_key, open_sessions, sid, index, is_final, entry, now, ttl)
  local state = redis.call('HGET', hash, 'state')
  if state == 'complete' or state == 'incomplete' then return {} end
  -- A chunk past the final one (a second final among them) has no place in
  -- the session: left out, and the worker warns. Chunks recorded past it
  -- before the final one arrived stay out of the transcript too.
  local known_final = tonumber(redis.call('HGET', hash, 'final') or '')
  if known_final and index > known_final then return {} end
  if redis.call('HSETNX', hash, 'c:' .. index, entry) == 0 then return {} end

  if is_final then redis.call('HSETNX', hash, 'final', index) end
  local h = {
    stable = tonumber(redis.call('HGET', hash, 'stable') or '0'),
    stable_ms = tonumber(redis.call('HGET', hash, 'stable_ms') or '0'),
    text = redis.call('HGET', hash, 'text') or '',
    received = redis.call('HINCRBY', hash, 'received', 1),
    final = tonumber(redis.call('HGET', hash, 'final') or ''),
  }
  advance(hash, h)
  local max = math.max(index, tonumber(redis.call('HGET', hash, 'max') or '0'))
  redis.call('HSET', hash, 'stable', h.stable, 'stable_ms', h.stable_ms, 'text', h.text,
    'max', max, 'seen', now, 'state', 'open')
  redis.call('PEXPIRE', hash, ttl)

  local messages = {'u', update_message(sid, h, now)}
  local latest = messages[2]
  if h.final and h.stable > h.final then
    latest = complete_message(hash, sid, h, now)
    messages[3], messages[4] = 't', latest
    redis.call('HSET', hash, 'state', 'complete')
    redis.call('ZREM', open_sessions, sid)
  else
    redis.call('ZADD', open_sessions, now, sid)
  end
  redis.call('SET', status_key, latest, 'PX', ttl)
  return messages
end
`;
