/**
 * Tests against the shared Redis never see each other's keys: each gets a
 * queue key of its own, and every key carrying its hash tag is deleted after.
 */
import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';

import { startPrivateRedis, type PrivateRedis } from '../../src/cli/private-redis.js';

export const SHARED_REDIS_URL = process.env.ASR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueQueue(label: string): string {
  return `test:${label}:${randomUUID().slice(0, 8)}`;
}

export function connect(url = SHARED_REDIS_URL): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  redis.on('error', () => undefined);
  return redis;
}

/** Deletes every key matching the glob `pattern` (SCAN, never KEYS). */
export async function deleteKeysMatching(redis: Redis, pattern: string): Promise<void> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (found.length > 0) await redis.del(...found);
}

/** Deletes the queue, `extraKeys` and every key under the queue's hash tag. */
export async function cleanQueue(
  redis: Redis,
  queue: string,
  extraKeys: string[] = [],
): Promise<void> {
  await redis.del(queue, ...extraKeys);
  await deleteKeysMatching(redis, `{${queue}}*`);
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

/** A private redis-server that wants a password, for tests of refused ones. */
export async function startRedisWithPassword(password: string): Promise<PrivateRedis> {
  return startPrivateRedis(undefined, { extraArgs: ['--requirepass', password], password });
}
