/**
 * Python RQ's queues and workers, as RQ itself registers them.
 *
 * A queue `<name>` waits on the list `rq:queue:<name>` (job ids, not tasks;
 * the job bodies are pickled hashes), is listed in the set `rq:queues` once
 * something was enqueued, and is gone from Redis while empty. A worker is a
 * hash `rq:worker:<name>` with a TTL, whose `queues` field names the queues
 * it listens on, and is a member of `rq:workers`. So an idle RQ worker on an
 * empty queue is visible only through its own hash: the queues are collected
 * from the workers too.
 */
import type { RedisClient } from '../queue/redis.js';
import type { ForeignQueue, ForeignWorker } from './facts.js';
import { keyTypeIs, listDepth, setMembers } from './redis-reads.js';
import { scanKeys } from './scan.js';

const QUEUE_PREFIX = 'rq:queue:';
const WORKER_PREFIX = 'rq:worker:';

interface RqWorker extends ForeignWorker {
  queues: string[];
}

export async function inspectRq(redis: RedisClient): Promise<ForeignQueue[]> {
  const workers = await rqWorkers(redis);
  const names = new Set<string>();
  for (const key of await setMembers(redis, 'rq:queues')) {
    if (key.startsWith(QUEUE_PREFIX)) names.add(key.slice(QUEUE_PREFIX.length));
  }
  for (const key of await scanKeys(redis, { match: `${QUEUE_PREFIX}*`, type: 'list' })) {
    names.add(key.slice(QUEUE_PREFIX.length));
  }
  for (const worker of workers) for (const name of worker.queues) names.add(name);

  const queues = await Promise.all(
    [...names].sort().map(async (name): Promise<ForeignQueue> => {
      const key = QUEUE_PREFIX + name;
      return {
        dialect: 'rq',
        name,
        key,
        depth: await listDepth(redis, key),
        workers: workers
          .filter((worker) => worker.queues.includes(name))
          .map(({ queues: _queues, ...worker }) => worker),
      };
    }),
  );
  return queues;
}

/** Workers whose hash still exists (RQ lets a dead worker's hash expire). */
async function rqWorkers(redis: RedisClient): Promise<RqWorker[]> {
  const keys = new Set(await setMembers(redis, 'rq:workers'));
  for (const key of await scanKeys(redis, { match: `${WORKER_PREFIX}*`, type: 'hash' })) {
    keys.add(key);
  }
  const workers = await Promise.all(
    [...keys].sort().map(async (key): Promise<RqWorker | undefined> => {
      if (!key.startsWith(WORKER_PREFIX) || !(await keyTypeIs(redis, key, 'hash'))) {
        return undefined;
      }
      const fields = await redis.hgetall(key);
      const pid = Number(fields.pid);
      return {
        name: key.slice(WORKER_PREFIX.length),
        queues: (fields.queues ?? '').split(',').filter((name) => name !== ''),
        ...(fields.hostname && { host: fields.hostname }),
        ...(Number.isInteger(pid) && pid > 0 && { pid }),
        ...(fields.state && { state: fields.state }),
      };
    }),
  );
  return workers.filter((worker): worker is RqWorker => worker !== undefined);
}
