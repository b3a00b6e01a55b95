/**
 * A list's type and depth, read twice: once when the doctor starts looking
 * and once at the end of its sampling window, so that growth shows.
 */
import type { RedisClient } from '../queue/redis.js';
import type { KeyType, SampledList } from './facts.js';

export async function readList(redis: RedisClient, key: string): Promise<SampledList> {
  const type = (await redis.type(key)) as KeyType;
  const depth = type === 'list' ? await redis.llen(key) : 0;
  return { key, type, depth, grewBy: 0 };
}

/** The list read again; grewBy is the change since `first` (negative when it shrank). */
export async function sampleAgain<T extends SampledList>(redis: RedisClient, first: T): Promise<T> {
  const now = await readList(redis, first.key);
  return { ...first, type: now.type, depth: now.depth, grewBy: now.depth - first.depth };
}
