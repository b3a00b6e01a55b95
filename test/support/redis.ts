/**
 * Tests against the shared Redis never see each other's keys: each gets a
 * queue key of its own, and every key carrying its hash tag is deleted after.
 */
import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';

export const SHARED_REDIS_URL = process.env.ASR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueQueue(label: string): string {
  return `test:${label}:${randomUUID().slice(0, 8)}`;
}

export function connect(url = SHARED_REDIS_URL): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  redis.on('error', () => undefined);
  return redis;
}

/** Deletes the queue, its results and every key under its hash tag. */
export async function cleanQueue(
  redis: Redis,
  queue: string,
  extraKeys: string[] = [],
): Promise<void> {
  const keys = [queue, ...extraKeys];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `{${queue}}*`, 'COUNT', 500);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length > 0) await redis.del(...keys);
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
