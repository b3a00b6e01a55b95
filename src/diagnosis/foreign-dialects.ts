/**
 * Queues of other queueing libraries in the same database. Their workers read
 * their library's own job envelope from their own keys; none of them can take
 * a plain JSON task off our queue, which is the mismatch behind the incident.
 */
import type { RedisClient } from '../queue/redis.js';
import { inspectBullmq } from './dialect-bullmq.js';
import { inspectCelery } from './dialect-celery.js';
import { inspectRq } from './dialect-rq.js';
import type { ForeignQueue } from './facts.js';

export async function inspectForeignDialects(redis: RedisClient): Promise<ForeignQueue[]> {
  const [rq, celery, bullmq] = await Promise.all([
    inspectRq(redis),
    inspectCelery(redis),
    inspectBullmq(redis),
  ]);
  return [...rq, ...celery, ...bullmq];
}
