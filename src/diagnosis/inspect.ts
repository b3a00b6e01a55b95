/**
 * Gathers every fact the doctor judges, from one database, in one pass plus a
 * second look at the lists after a short sampling window, so that a list that
 * grows (a backlog nobody takes, results nobody pops) shows as growing.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type { RedisClient } from '../queue/redis.js';
import type { DoctorFacts, LiveWorker, QueueFacts } from './facts.js';
import { inspectForeignDialects } from './foreign-dialects.js';
import { inspectQueue } from './inspect-queue.js';
import { sampleAgain } from './lists.js';
import { inspectChannels, inspectResultLists } from './results.js';
import { scanKeys } from './scan.js';
import { findLiveWorkers } from './workers.js';

export interface InspectOptions {
  /** The Redis URL, already redacted: facts are printed. */
  redis: string;
  queue: string;
  results: string;
  channel: string;
  /** How long to watch the lists for growth; 0 for a single look. */
  sampleMs: number;
}

/** Our queue families leave these keys behind even when the queue is empty. */
const LEFTOVER_KEY = /^\{(.*)\}:(?:processing:.*|dead)$/;

export async function inspectDatabase(
  redis: RedisClient,
  options: InspectOptions,
): Promise<DoctorFacts> {
  const startedMs = Date.now();
  const workers = await findLiveWorkers(redis);
  const results = await inspectResultLists(redis, options.results, workers);
  const notQueues = results.map((list) => list.key);

  const queues: QueueFacts[] = [];
  for (const queue of await ourQueues(redis, options.queue, workers)) {
    queues.push(await inspectQueue(redis, queue, { workers, notQueues }));
  }
  const foreign = await inspectForeignDialects(redis);
  const channels = await inspectChannels(redis, options.channel, workers);

  const leftMs = options.sampleMs - (Date.now() - startedMs);
  if (leftMs > 0) await sleep(leftMs);
  const sampled = options.sampleMs > 0;

  return {
    redis: options.redis,
    checkedAtMs: Date.now(),
    sampleMs: sampled ? Date.now() - startedMs : 0,
    configuredQueue: options.queue,
    queues: sampled ? await Promise.all(queues.map((q) => resampleQueue(redis, q))) : queues,
    results: sampled ? await Promise.all(results.map((r) => sampleAgain(redis, r))) : results,
    channels,
    foreign,
  };
}

/**
 * The configured queue first, then every queue that has live workers or that
 * left processing or dead-letter lists behind.
 */
async function ourQueues(
  redis: RedisClient,
  configured: string,
  workers: LiveWorker[],
): Promise<string[]> {
  const names = new Set([configured, ...workers.map((worker) => worker.queue)]);
  const leftovers = await Promise.all([
    scanKeys(redis, { match: '{*}:processing:*', type: 'list' }),
    scanKeys(redis, { match: '{*}:dead', type: 'list' }),
  ]);
  for (const key of leftovers.flat()) {
    const queue = LEFTOVER_KEY.exec(key)?.[1];
    if (queue) names.add(queue);
  }
  const [first, ...others] = [...names];
  return [first!, ...others.sort()];
}

async function resampleQueue(redis: RedisClient, queue: QueueFacts): Promise<QueueFacts> {
  const [list, dead] = await Promise.all([
    sampleAgain(redis, queue.list),
    sampleAgain(redis, queue.dead),
  ]);
  return { ...queue, list, dead };
}
