/**
 * What happens to tasks nobody will answer: those left on the processing list
 * of a worker that died (put back at the head of the queue, or dead-lettered
 * once they have been delivered too often), and those a worker cannot process
 * at all (dead-lettered with the reason). Nothing is ever dropped.
 */
import { Cluster, type ChainableCommander } from 'ioredis';
import type { Logger } from 'pino';

import { DEAD_RAW_LUA, deadRaw, type DeadRaw } from './dead-raw.js';
import { workerIdOf, type QueueKeys } from './keys.js';
import { taskFingerprint, type QueueItem } from './queue-item.js';
import type { RedisClient } from './redis.js';

export const POISON_REASON = 'POISON';
const DEFAULT_DEAD_STATUS_TTL_MS = 24 * 3600 * 1000;

/** How many tasks one script call moves: bounds the time Redis is held. */
const MOVE_BATCH = 100;
const SCAN_COUNT = 500;

export interface RecoverOptions {
  /** A task delivered this many times without an answer is dead-lettered. */
  maxDeliveries: number;
  /** How long a dead-lettered task's status key says so; default 24 hours. */
  statusTtlMs?: number;
  /** The reason written on those dead-letter entries; default 'POISON'. */
  deadReason?: string;
  logger?: Logger;
}

export interface RecoverResult {
  requeued: number;
  deadLettered: number;
  /** Processing lists this call moved at least one task from. */
  lists: string[];
}

/** A dead-letter list entry, as JSON on the list; `raw` and its flags as dead-raw.ts writes them. */
export interface DeadLetterEntry extends DeadRaw {
  reason: string;
  message: string;
  worker_id: string;
  task_id?: string;
  /** Only on entries written by recoverOrphans. */
  deliveries?: number;
  dead_at: number;
}

export interface DeadLetterInput {
  reason: string;
  message: string;
  /** The item exactly as the queue held it: removed from `processing` by these bytes. */
  raw: QueueItem;
  workerId: string;
  taskId?: string;
  /** With taskId: how long the task's status key says `dead_lettered`. */
  statusTtlMs?: number;
}

/**
 * Marks a task's status key `dead_lettered`, unless it already holds a final
 * result (done, failed, expired): a task answered once and dead-lettered on a
 * later delivery was answered. Drops the task's first-seen time too.
 * Not a final status for the repeat check: a task an operator pushes again
 * from the dead-letter list is decoded again.
 * KEYS: status, first-seen hash. ARGV: task id, reason, now (ms), TTL (ms).
 */
const MARK_DEAD_LUA = `
local function mark_dead(status_key, first_seen, task_id, reason, now, ttl)
  local current = redis.call('GET', status_key)
  if current and current ~= 'processing' then
    local ok, stored = pcall(cjson.decode, current)
    if ok and type(stored) == 'table' and
        (stored.status == 'done' or stored.status == 'failed' or stored.status == 'expired') then
      return
    end
  end
  redis.call('SET', status_key, cjson.encode({
    version = 1, task_id = task_id, status = 'dead_lettered', reason = reason,
    finished_at = tonumber(now),
  }), 'PX', ttl)
  redis.call('HDEL', first_seen, task_id)
end
`;

const MARK_DEAD_SCRIPT = `${MARK_DEAD_LUA}
mark_dead(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
`;

/**
 * Moves up to ARGV[2] tasks off a dead worker's processing list, each one
 * atomically, so a task is always in exactly one place, and two recoverers
 * running at once each move different tasks. The heartbeat is checked inside
 * the script: a worker that came back between the SCAN and now keeps its
 * list.
 *
 * Order: the processing list has the newest task at the head (BLMOVE pushes
 * there). Popping from its head and pushing onto the queue's head moves the
 * newest first, so the oldest lands at the very head and the queue reads
 * oldest..newest as they were taken. (Popping from the tail would reverse
 * them.)
 *
 * A dead-lettered task's entry keeps its raw item as dead-raw.ts says (base64
 * when it is not UTF-8), and its status key is marked (MARK_DEAD_LUA). The
 * status key's name is built here from the task's id, so it is not among
 * KEYS; it carries the queue's hash tag like every key here, so it lives in
 * the same slot.
 *
 * KEYS: processing, queue, dead, deliveries, heartbeat, first-seen hash.
 * ARGV: maxDeliveries, batch, worker id, now (ms), dead reason, status key
 * prefix, status TTL (ms).
 * Returns {requeued, deadLettered, left on the list}, or {-1, 0, 0} when the
 * worker is alive.
 */
const RECOVER_SCRIPT = `${MARK_DEAD_LUA}
${DEAD_RAW_LUA}
local function task_id_of(item)
  local ok, task = pcall(cjson.decode, item)
  if ok and type(task) == 'table' and type(task.task_id) == 'string' and task.task_id ~= '' then
    return task.task_id
  end
end

if redis.call('EXISTS', KEYS[5]) == 1 then
  return {-1, 0, 0}
end
local maxDeliveries = tonumber(ARGV[1])
local requeued, dead = 0, 0
for _ = 1, tonumber(ARGV[2]) do
  local item = redis.call('LPOP', KEYS[1])
  if not item then break end
  local fingerprint = redis.sha1hex(item)
  local deliveries = tonumber(redis.call('HGET', KEYS[4], fingerprint) or '0')
  if deliveries >= maxDeliveries then
    local raw, raw_encoding, raw_truncated = dead_raw(item)
    redis.call('RPUSH', KEYS[3], cjson.encode({
      reason = ARGV[5],
      message = 'delivered ' .. deliveries .. ' times without an answer',
      deliveries = deliveries,
      raw = raw,
      raw_encoding = raw_encoding,
      raw_truncated = raw_truncated,
      worker_id = ARGV[3],
      dead_at = tonumber(ARGV[4]),
    }))
    redis.call('HDEL', KEYS[4], fingerprint)
    local task_id = task_id_of(item)
    if task_id then
      mark_dead(ARGV[6] .. task_id, KEYS[6], task_id, ARGV[5], ARGV[4], ARGV[7])
    end
    dead = dead + 1
  else
    redis.call('LPUSH', KEYS[2], item)
    requeued = requeued + 1
  end
end
return {requeued, dead, redis.call('LLEN', KEYS[1])}
`;

/**
 * Finds the processing lists of workers without a live heartbeat and moves
 * their tasks back to the head of the queue (or to the dead-letter list once
 * delivered maxDeliveries times). Safe to run from every worker at once.
 */
export async function recoverOrphans(
  redis: RedisClient,
  keys: QueueKeys,
  options: RecoverOptions,
): Promise<RecoverResult> {
  const {
    maxDeliveries,
    statusTtlMs = DEFAULT_DEAD_STATUS_TTL_MS,
    deadReason = POISON_REASON,
    logger,
  } = options;
  if (!Number.isInteger(maxDeliveries) || maxDeliveries < 1) {
    throw new RangeError(`maxDeliveries must be a positive integer, got ${maxDeliveries}`);
  }

  const result: RecoverResult = { requeued: 0, deadLettered: 0, lists: [] };
  for (const processing of await scanKeys(redis, keys.processingPattern)) {
    const workerId = workerIdOf(processing, keys);
    if (workerId === undefined || processing !== keys.processing(workerId)) continue;

    let requeued = 0;
    let deadLettered = 0;
    try {
      for (;;) {
        const [moved, dead, left] = (await redis.eval(
          RECOVER_SCRIPT,
          6,
          processing,
          keys.queue,
          keys.dead,
          keys.deliveries,
          keys.heartbeat(workerId),
          keys.firstSeen,
          maxDeliveries,
          MOVE_BATCH,
          workerId,
          Date.now(),
          deadReason,
          keys.status(''),
          statusTtlMs,
        )) as [number, number, number];
        if (moved === -1) break;
        requeued += moved;
        deadLettered += dead;
        if (left === 0) break;
      }
    } catch (error) {
      // One odd key (a wrong type, say) must not stop recovery of the others.
      logger?.error({ err: error, processing }, 'could not recover a processing list');
    }

    if (requeued + deadLettered === 0) continue;
    result.requeued += requeued;
    result.deadLettered += deadLettered;
    result.lists.push(processing);
    logger?.warn(
      { dead_worker_id: workerId, processing, requeued, deadLettered },
      'moved tasks of a worker without a heartbeat back to the queue',
    );
    if (deadLettered > 0) {
      logger?.error(
        { dead_worker_id: workerId, dead: keys.dead, deadLettered, maxDeliveries },
        `tasks delivered ${maxDeliveries} times without an answer went to the dead-letter list`,
      );
    }
  }
  return result;
}

/**
 * Dead-letters a task with its reason, and (when `processing` is given)
 * takes it off that processing list and drops its delivery count, all in one
 * MULTI. Returns the entry written.
 */
export async function deadLetter(
  redis: RedisClient,
  keys: QueueKeys,
  entry: DeadLetterInput,
  processing?: string,
): Promise<DeadLetterEntry> {
  const transaction = redis.multi();
  const written = deadLetterCommands(transaction, keys, entry, processing);
  const replies = await transaction.exec();
  if (replies === null) throw new Error('the dead-letter transaction was discarded');
  const failure = replies.find(([error]) => error !== null);
  if (failure) throw failure[0]!;
  return written;
}

/** The same as deadLetter, appended to the caller's MULTI. */
export function deadLetterCommands(
  pipeline: ChainableCommander,
  keys: QueueKeys,
  entry: DeadLetterInput,
  processing?: string,
): DeadLetterEntry {
  const written: DeadLetterEntry = {
    reason: entry.reason,
    message: entry.message,
    ...deadRaw(entry.raw),
    worker_id: entry.workerId,
    ...(entry.taskId !== undefined && { task_id: entry.taskId }),
    dead_at: Date.now(),
  };
  // Appended at the tail like the queue: the list reads oldest..newest, and
  // LRANGE dead -10 -1 shows the latest.
  pipeline.rpush(keys.dead, JSON.stringify(written));
  if (entry.taskId !== undefined && entry.statusTtlMs !== undefined) {
    pipeline.eval(
      MARK_DEAD_SCRIPT,
      2,
      keys.status(entry.taskId),
      keys.firstSeen,
      entry.taskId,
      entry.reason,
      written.dead_at,
      entry.statusTtlMs,
    );
  }
  if (processing !== undefined) {
    pipeline.lrem(processing, 1, entry.raw).hdel(keys.deliveries, taskFingerprint(entry.raw));
  }
  return written;
}

/** Every key matching `pattern` (whose only wildcard is a trailing '*'). */
async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  // The prefix is the queue name, which may hold glob characters of its own.
  const match = escapeGlob(pattern.slice(0, -1)) + '*';
  const found = new Set<string>(); // SCAN may return a key more than once.
  // SCAN names no key, so a Cluster would send it to one random master;
  // every master is asked instead.
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
      for (const key of batch) found.add(key);
      cursor = next;
    } while (cursor !== '0');
  }
  return [...found];
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
