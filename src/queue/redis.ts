/**
 * Builds the worker's Redis connections from a URL. There are two kinds, and
 * they are configured differently on purpose: a blocking connection that only
 * ever waits in BLMOVE (or BLPOP) for the next task, and a commands
 * connection for everything else (results, acknowledgements, heartbeats,
 * redelivery). Mixing them would put every publish behind a block of up to
 * MAX_BLOCKING_COMMAND_MS.
 *
 * URLs reach logs and error messages only through redactRedisUrl.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

export type RedisRole = 'blocking' | 'commands';

/**
 * The longest a blocking command may wait on the server. The consumer caps its
 * block timeout here, so a shutdown or a reconnect never waits behind a longer
 * block, and the blocking connection's socket timeout is derived from it.
 */
export const MAX_BLOCKING_COMMAND_MS = 5_000;

const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * Delay before reconnect attempt `attempt` (1-based): doubling from 100 ms,
 * capped at 5 s, plus up to 10 % jitter so that many workers that lost the
 * same Redis do not all knock at the same instant. It never gives up: a
 * worker without Redis has nothing else to do, and giving up would leave a
 * healthy-looking process that listens on nothing.
 */
export function reconnectDelayMs(attempt: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 16);
  const baseMs = Math.min(RECONNECT_FIRST_MS * 2 ** exponent, RECONNECT_MAX_MS);
  return Math.round(baseMs * (1 + Math.random() * 0.1));
}

/**
 * The settings that differ by role. Each is a decision; see the comments.
 *
 * Blocking connection:
 * - maxRetriesPerRequest 0: a command in flight when the connection drops is
 *   rejected at once. With null (wait forever) together with
 *   autoResendUnfulfilledCommands false, ioredis 5 drops the command on
 *   reconnect without ever settling its promise, so take() would hang for good
 *   (checked against ioredis 5.11.1; 1 or 2 retries hang the same way when
 *   the reconnect succeeds in time). The rejection is the truthful answer: the
 *   BLMOVE may or may not have run, and the consumer reconciles its
 *   processing list before it blocks again. The worker loop retries take()
 *   with its own backoff.
 * - autoResendUnfulfilledCommands false: a BLMOVE that was in flight when the
 *   connection dropped may already have moved a task whose reply was lost.
 *   Resending it would move a second task and hand that one over, while the
 *   first sits in our processing list with nobody working on it, and with a
 *   live heartbeat no other worker recovers it either. A resent BLPOP (the
 *   pre-6.2 fallback) would lose the first task outright. A resend would also
 *   stretch take() past its block timeout, across the whole outage. (With
 *   maxRetriesPerRequest 0 nothing is left to resend; this states the intent
 *   and keeps it so if the retry count is ever raised.)
 * - enableOfflineQueue true: a take() issued while reconnecting waits for the
 *   connection instead of failing in a tight loop; it was never sent, so it is
 *   either sent once when the connection is ready or rejected at the next
 *   failed attempt, never sent twice.
 * - socketTimeout: a connection that goes silent (a dead peer behind a NAT, no
 *   FIN) would otherwise keep a BLMOVE waiting forever. No reply can take
 *   longer than the longest block, so silence beyond that plus a margin means
 *   the socket is dead.
 *
 * Commands connection:
 * - maxRetriesPerRequest 3: a command waits through a short blip (about
 *   1.5 s of reconnect attempts) and then fails, so the caller (which retries
 *   with its own backoff, or leaves the task for redelivery) learns that Redis
 *   is gone instead of piling up results in memory.
 * - autoResendUnfulfilledCommands true (the default, set explicitly): every
 *   write here is harmless to repeat (results carry the task id, LREM/HDEL/SET
 *   are idempotent, a repeated HINCRBY only overcounts a delivery), and
 *   transactions are never resent: ioredis aborts an unfinished MULTI on close.
 *   With false, a command in flight at a reconnect would never settle, as
 *   above.
 * - enableOfflineQueue true: commands issued during a blip are sent once the
 *   connection is back, within the retry limit above.
 * - socketTimeout 30 s: no command the worker sends runs for long; silence
 *   that long means a dead socket, and a publish must not hang on it.
 */
function roleOptions(role: RedisRole): RedisOptions {
  if (role === 'blocking') {
    return {
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      enableOfflineQueue: true,
      socketTimeout: MAX_BLOCKING_COMMAND_MS + 10_000,
    };
  }
  return {
    maxRetriesPerRequest: 3,
    autoResendUnfulfilledCommands: true,
    enableOfflineQueue: true,
    socketTimeout: 30_000,
  };
}

/**
 * Connects to the Redis at `url` (redis:// or rediss://, with optional
 * user, password and database number). The connection starts at once.
 */
export function createRedis(url: string, role: RedisRole, logger: Logger): Redis {
  const redacted = redactRedisUrl(url);
  const log = logger.child({ redis: redacted, redis_role: role });
  const redis = new Redis({
    ...redisOptionsFromUrl(url),
    ...roleOptions(role),
    // Both roles: visible in CLIENT LIST, so an operator (and the doctor
    // command) can tell this worker's connections from the producer's.
    connectionName: `asr-worker:${role}`,
    // Connect now, so a wrong URL or password shows at startup, not at the
    // first task.
    lazyConnect: false,
    retryStrategy: reconnectDelayMs,
    // After a failover, the old primary answers writes with READONLY. Reconnect
    // so a DNS name or proxy leads to the new primary; the failed command is
    // not resent (the caller retries), which matters for a BLMOVE.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
    // TCP keepalive: keeps idle connections through NATs and load balancers
    // and lets the OS notice a dead peer.
    keepAlive: 10_000,
    // commandTimeout stays unset: it rejects the promise while the command may
    // still run on the server, so a retried write would run twice; a dead
    // socket is caught by socketTimeout instead.
  });

  // Without a listener, an 'error' event would crash the process; ioredis
  // emits one for every failed (re)connect attempt and reconnects by itself.
  redis.on('error', (error: Error) => {
    log.warn({ err: error }, 'redis connection error');
  });
  redis.on('ready', () => {
    log.info('redis connection ready');
  });
  redis.on('reconnecting', (delayMs: number) => {
    log.debug({ delayMs }, 'redis reconnecting');
  });
  return redis;
}

/**
 * Turns a URL into connection options. This is the seam for other
 * deployments: Sentinel (redis-sentinel://, which is not a standard scheme)
 * would map to ioredis' `sentinels` and `name` here; Cluster needs a
 * different client class, so it would get its own factory next to
 * createRedis.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const redacted = redactRedisUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Node's URL error carries the input, password included: do not chain it.
    throw new Error(
      `invalid Redis URL '${redacted}': expected redis://[user:password@]host[:port][/db]`,
    );
  }

  switch (parsed.protocol) {
    case 'redis:':
    case 'rediss:':
      break;
    default:
      throw new Error(
        `unsupported Redis URL scheme '${parsed.protocol}' in '${redacted}': ` +
          'use redis:// or rediss:// (Sentinel and Cluster URLs are not supported yet)',
      );
  }
  if (parsed.search !== '') {
    // Silently ignoring an option someone meant to set is worse than refusing it.
    throw new Error(`query parameters are not supported in the Redis URL '${redacted}'`);
  }
  if (parsed.hostname === '') {
    throw new Error(`the Redis URL '${redacted}' has no host`);
  }

  const options: RedisOptions = {
    // new URL keeps IPv6 brackets; the socket wants the bare address.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db: databaseOf(parsed.pathname, redacted),
  };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  // Node's TLS sets SNI and checks the certificate against the host name.
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}

function databaseOf(pathname: string, redacted: string): number {
  const db = pathname.replace(/^\//, '');
  if (db === '') return 0;
  if (!/^\d+$/.test(db)) {
    throw new Error(`the database in the Redis URL '${redacted}' must be a number, not '${db}'`);
  }
  return Number(db);
}

/**
 * The URL with its secret replaced by `***`, fit for a log line or an error
 * message: `redis://user:secret@host` becomes `redis://user:***@host`, and
 * `redis://:secret@host` becomes `redis://:***@host`. A lone user part
 * (`redis://word@host`) is masked whole: some clients read it as the
 * password, and a log line is the wrong place to find out which. Works on the
 * text, so the rest of the URL is shown exactly as written, and strings that
 * do not parse as URLs are still masked.
 */
export function redactRedisUrl(url: string): string {
  const schemeEnd = url.indexOf('://');
  const authorityStart = schemeEnd === -1 ? 0 : schemeEnd + 3;
  const rest = url.slice(authorityStart);
  // The last '@' ends the user part: passwords written with a raw '@' or '/'
  // are masked whole rather than half shown.
  const at = rest.lastIndexOf('@');
  if (at === -1) return url;
  const userInfo = rest.slice(0, at);
  const colon = userInfo.indexOf(':');
  const masked = colon === -1 ? '***' : `${userInfo.slice(0, colon)}:***`;
  return url.slice(0, authorityStart) + masked + rest.slice(at);
}
