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
  redis.on('error', (error: Error) => {
    // ioredis emits its giving up on a command as an error too: a result of
    // the connect error, which is the one worth telling. So is the EPIPE or
    // reset that follows when another service closes on a Redis handshake.
    if (error.name === 'MaxRetriesPerRequestError') return;
    const before = lastConnectError.get(redis);
    if (before !== undefined && isProtocolError(before) && isSocketAftermath(error)) return;
    lastConnectError.set(redis, error);
  });
}

/** Redis could not be reached, or never answered. */
export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError';
  readonly code = 'REDIS_UNREACHABLE';
}

/** Redis answered, but refused the user or password the URL gave (or that it gave none). */
export class RedisAuthError extends Error {
  override readonly name = 'RedisAuthError';
  readonly code = 'REDIS_AUTH_FAILED';
}

export class RedisDatabaseError extends Error {
  override readonly name = 'RedisDatabaseError';
  readonly code = 'REDIS_DATABASE_MISSING';
}

/**
 * Resolves once Redis answers a PING; rejects with REDIS_UNREACHABLE when it
 * has not within `timeoutMs`, or at once with what it refused. The bound is
 * the point: a server that accepts the connection and then stays silent (a
 * proxy without a backend, a wrong port on a busy host) gives ioredis no
 * connect error, only a socket timeout now and then, after which it
 * reconnects for good, and a command would wait with it.
 */
export async function assertReachable(redis: RedisClient, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(noAnswer(redis, timeoutMs)), timeoutMs);
  });
  // While the client tries, its socket or reconnect timer keeps the process
  // alive; once the caller has given up on it (closeNow, after another check
  // failed), a PING left in its offline queue never settles, and this timer
  // alone must not hold the exit.
  timer!.unref();
  try {
    await Promise.race([redis.ping(), timeout]);
  } catch (error) {
    throw explainRedisFailure(redis, error);
  } finally {
    clearTimeout(timer);
  }
}

function noAnswer(redis: RedisClient, timeoutMs: number): Error {
  const cause = lastConnectError.get(redis);
  return (
    authFailure(cause) ??
    new RedisUnreachableError(
      `Redis did not answer within ${timeoutMs} ms (--connect-timeout-ms)` +
        (cause ? `; the last connection error was: ${connectErrorWords(cause)}` : ''),
    )
  );
}

/**
 * ioredis's words for a connect error, except the one it gets when the port
 * is another service's: "Protocol error, got "H" as reply type byte. Please
 * report this." is an HTTP server answering, not an ioredis bug.
 */
const PROTOCOL_ERROR = /^Protocol error, got (".*?") as reply type byte/;

function isProtocolError(error: Error): boolean {
  return PROTOCOL_ERROR.test(error.message);
}

function isSocketAftermath(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EPIPE' || code === 'ECONNRESET' || /\b(EPIPE|ECONNRESET)\b/.test(error.message);
}

function connectErrorWords(error: Error): string {
  const reply = PROTOCOL_ERROR.exec(error.message);
  if (reply === null) return error.message;
  return (
    `the server does not speak Redis's protocol (its first byte was ${reply[1]}): ` +
    "is the URL's port another service's, an HTTP one say?"
  );
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
    const explained = explainRedisFailure(redis, error);
    // Only Redis's own refusal of SELECT says the database is missing; a
    // refused password or a lost connection fails SELECT too.
    const selectRefused = explained === error && (error as Error).name === 'ReplyError';
    if (!selectRefused) throw explained;
    throw new RedisDatabaseError(
      `database ${db} does not exist on this Redis (it answered: ${(error as Error).message}); ` +
        "its 'databases' setting allows fewer. Use a database it has, or raise 'databases'.",
    );
  }
}

/**
 * The error to show a person: a refused user or password as REDIS_AUTH_FAILED
 * (whether the command itself got the refusal or gave up after it); when
 * ioredis gave up on a command because the connection never came up, one
 * that says so and why (the connect error); any other error as it is.
 */
export function explainRedisFailure(redis: RedisClient, error: unknown): Error {
  const gaveUp = (error as { name?: string } | null)?.name === 'MaxRetriesPerRequestError';
  const cause = gaveUp ? lastConnectError.get(redis) : undefined;
  const refused = authFailure(error) ?? authFailure(cause);
  if (refused) return refused;
  if (!gaveUp) return error as Error;
  return new RedisUnreachableError(
    `Redis did not answer${cause ? ` (${connectErrorWords(cause)})` : ''}`,
  );
}

/**
 * Redis's ways of refusing credentials: WRONGPASS (ACLs, Redis 6 and later),
 * "invalid password" (requirepass before 6), NOAUTH (a password is required
 * and none was given, or it was refused before this command).
 */
const AUTH_REFUSED = /^(WRONGPASS|NOAUTH)\b|^ERR invalid (username-)?password/i;

function authFailure(error: unknown): RedisAuthError | undefined {
  if (error instanceof RedisAuthError) return error;
  const message = (error as { message?: unknown } | null | undefined)?.message;
  if (typeof message !== 'string' || !AUTH_REFUSED.test(message)) return undefined;
  // Redis's answer never quotes the password, so it is safe to pass on.
  return new RedisAuthError(
    `Redis refused the user or password in the URL (it answered: ${message}); ` +
      "check the URL's user:password part against the server's requirepass or ACL users",
  );
}
