/**
 * The facts about one of our queues: the list itself, the age of its oldest
 * task, the workers on it, their processing lists, its dead-letter list, and
 * lists with similar names that hold tasks.
 */
import { isUnixMillis } from '../protocol/enqueued-at.js';
import { queueKeys } from '../queue/keys.js';
import type { RedisClient } from '../queue/redis.js';
import type { LiveWorker, ProcessingList, QueueFacts, SimilarBacklog } from './facts.js';
import { readList } from './lists.js';
import { escapeGlob, scanKeys } from './scan.js';
import { findSimilarBacklogs } from './similar-keys.js';

/** Lists that keys.ts derives for some queue: never a producer's target. */
const OWN_KEY = /^\{.*\}:(dead|processing:.*)$/;

export interface InspectQueueOptions {
  /** Every live worker in the database, on any queue. */
  workers: LiveWorker[];
  /** Lists that are not task queues (result lists), never offered as "similar". */
  notQueues: readonly string[];
}

export async function inspectQueue(
  redis: RedisClient,
  queue: string,
  options: InspectQueueOptions,
): Promise<QueueFacts> {
  const keys = queueKeys(queue);
  const list = await readList(redis, queue);
  const oldestEnqueuedAt = list.depth > 0 ? await headEnqueuedAt(redis, queue) : undefined;
  const dead = await readList(redis, keys.dead);
  const newestReason = dead.depth > 0 ? await newestDeadReason(redis, keys.dead) : undefined;

  return {
    list,
    ...(oldestEnqueuedAt !== undefined && { oldestEnqueuedAt }),
    workers: options.workers.filter((worker) => worker.queue === queue),
    processing: await processingLists(redis, queue),
    dead: { ...dead, ...(newestReason !== undefined && { newestReason }) },
    similarBacklogs: await similarBacklogs(redis, queue, options),
  };
}

/**
 * enqueued_at of the task at the head of the list. Producers RPUSH onto the
 * tail and workers take from the head, so the head is the oldest. A value
 * the task schema refuses (seconds, say) gives no age: it is no time at all.
 */
async function headEnqueuedAt(redis: RedisClient, queue: string): Promise<number | undefined> {
  const head = await redis.lindex(queue, 0);
  if (head === null) return undefined;
  try {
    const task = JSON.parse(head) as { enqueued_at?: unknown };
    const at = task?.enqueued_at;
    return isUnixMillis(at) ? at : undefined;
  } catch {
    return undefined;
  }
}

/** "REASON: message" of the newest dead-letter entry (entries are appended at the tail). */
async function newestDeadReason(redis: RedisClient, dead: string): Promise<string | undefined> {
  const newest = await redis.lindex(dead, -1);
  if (newest === null) return undefined;
  try {
    const entry = JSON.parse(newest) as { reason?: unknown; message?: unknown };
    if (typeof entry?.reason !== 'string') return undefined;
    return typeof entry.message === 'string' ? `${entry.reason}: ${entry.message}` : entry.reason;
  } catch {
    return undefined;
  }
}

async function processingLists(redis: RedisClient, queue: string): Promise<ProcessingList[]> {
  const keys = queueKeys(queue);
  const prefix = keys.processing('');
  const found = await scanKeys(redis, { match: `${escapeGlob(prefix)}*`, type: 'list' });
  const lists = await Promise.all(
    found.map(async (key): Promise<ProcessingList> => {
      const workerId = key.slice(prefix.length);
      const [depth, alive] = await Promise.all([
        redis.llen(key),
        redis.exists(keys.heartbeat(workerId)),
      ]);
      return { key, workerId, depth, workerAlive: alive === 1 };
    }),
  );
  return lists.filter((l) => l.depth > 0).sort((a, b) => a.key.localeCompare(b.key));
}

async function similarBacklogs(
  redis: RedisClient,
  queue: string,
  options: InspectQueueOptions,
): Promise<SimilarBacklog[]> {
  const backlogs = await findSimilarBacklogs(redis, queue, { exclude: options.notQueues });
  return backlogs
    .filter(({ key }) => !OWN_KEY.test(key))
    .map(({ key, depth }) => ({
      key,
      depth,
      workers: options.workers.filter((worker) => worker.queue === key).length,
    }));
}
