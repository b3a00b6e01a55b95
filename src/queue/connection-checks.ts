/**
 * What the commands check about a connection before trusting it, and the
 * words they use when it fails: ioredis's own messages name its settings,
 * not what went wrong.
 */
import { Redis } from 'ioredis';

import type { RedisClient } from './redis.js';

/** The last connect error each client saw, for explaining a later failure. */
const lastConnectError = new WeakMap<RedisClient, Error>();

/** Keeps the client's connect errors (ECONNREFUSED, auth) to explain failures with. */
export function rememberConnectErrors(redis: RedisClient): void {
  redis.on('error', (error: Error) => lastConnectError.set(redis, error));
}

export class RedisDatabaseError extends Error {
  override readonly name = 'RedisDatabaseError';
  readonly code = 'REDIS_DATABASE_MISSING';
}

/**
 * Makes sure a connection is on the database its URL names. ioredis selects
 * it on every connect, but when Redis refuses (an index past its `databases`
 * setting) ioredis only emits an error and goes on with database 0, where a
 * worker would take other people's tasks and a producer push to the wrong
 * place: the silent mismatch this project exists to prevent.
 */
export async function assertDatabase(redis: RedisClient): Promise<void> {
  // A Cluster has database 0 only; its URL cannot name another.
  if (!(redis instanceof Redis)) return;
  const db = redis.options.db ?? 0;
  if (db === 0) return;

  try {
    await redis.select(db);
  } catch (error) {
    throw new RedisDatabaseError(
      `database ${db} does not exist on this Redis (it answered: ${(error as Error).message}); ` +
        "its 'databases' setting allows fewer. Use a database it has, or raise 'databases'.",
    );
  }
}

/**
 * The error to show a person: when ioredis gave up on a command because the
 * connection never came up, one that says so and why (the connect error);
 * any other error as it is.
 */
export function explainRedisFailure(redis: RedisClient, error: unknown): Error {
  const gaveUp = (error as { name?: string } | null)?.name === 'MaxRetriesPerRequestError';
  if (!gaveUp) return error as Error;

  const cause = lastConnectError.get(redis);
  return Object.assign(new Error(`Redis did not answer${cause ? ` (${cause.message})` : ''}`), {
    code: 'REDIS_UNREACHABLE',
  });
}
