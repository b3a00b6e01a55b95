/**
 * Reads that never throw WRONGTYPE: keys of other programs can hold anything,
 * and one odd key must not stop the whole inspection.
 */
import type { RedisClient } from '../queue/redis.js';

export async function keyTypeIs(redis: RedisClient, key: string, type: string): Promise<boolean> {
  return (await redis.type(key)) === type;
}

/** LLEN, or 0 when the key is missing or not a list. */
export async function listDepth(redis: RedisClient, key: string): Promise<number> {
  return (await keyTypeIs(redis, key, 'list')) ? redis.llen(key) : 0;
}

/** ZCARD, or 0 when the key is missing or not a sorted set. */
export async function sortedSetSize(redis: RedisClient, key: string): Promise<number> {
  return (await keyTypeIs(redis, key, 'zset')) ? redis.zcard(key) : 0;
}

/** SMEMBERS, or nothing when the key is missing or not a set. */
export async function setMembers(redis: RedisClient, key: string): Promise<string[]> {
  return (await keyTypeIs(redis, key, 'set')) ? redis.smembers(key) : [];
}
