/**
 * Celery's queues on its Redis broker (kombu's Redis transport).
 *
 * A queue is a list named exactly like the queue (`celery` by default) holding
 * kombu's message envelopes, and each exchange has a set
 * `_kombu.binding.<exchange>` whose members name the bound queues. Celery does
 * not register its workers in Redis (its remote-control bindings outlive the
 * workers), so the workers of a Celery queue are reported as unknown.
 */
import type { RedisClient } from '../queue/redis.js';
import type { ForeignQueue } from './facts.js';
import { keyTypeIs, listDepth, setMembers } from './redis-reads.js';
import { scanKeys } from './scan.js';

const BINDING_PREFIX = '_kombu.binding.';
/** kombu separates routing key, pattern and queue in a binding with these two bytes. */
const BINDING_SEPARATOR = '\x06\x16';
const DEFAULT_QUEUE = 'celery';

export async function inspectCelery(redis: RedisClient): Promise<ForeignQueue[]> {
  const names = new Set<string>();
  for (const binding of await scanKeys(redis, { match: `${BINDING_PREFIX}*`, type: 'set' })) {
    for (const member of await setMembers(redis, binding)) {
      const queue = member.split(BINDING_SEPARATOR).at(-1) ?? '';
      if (isTaskQueue(queue)) names.add(queue);
    }
  }
  if (await keyTypeIs(redis, DEFAULT_QUEUE, 'list')) names.add(DEFAULT_QUEUE);

  return Promise.all(
    [...names].sort().map(async (name) => ({
      dialect: 'celery' as const,
      name,
      key: name,
      depth: await listDepth(redis, name),
    })),
  );
}

/** Remote-control (pidbox) and event queues carry no jobs. */
function isTaskQueue(name: string): boolean {
  return name !== '' && !name.endsWith('.pidbox') && !name.startsWith('celeryev.');
}
