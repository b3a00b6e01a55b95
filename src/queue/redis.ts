/**
 * Builds the worker's Redis connections from a URL. There are two kinds, and
 * they are configured differently on purpose: a blocking connection that only
 * ever waits in BLMOVE (or BLPOP) for the next task, and a commands
 * connection for everything else (results, acknowledgements, heartbeats,
 * redelivery). Mixing them would put every publish behind a block of up to
 * MAX_BLOCKING_COMMAND_MS.
 *
 * Three deployments, told apart by the URL's scheme (ioredis supports all
 * three):
 *
 * - Standalone: `redis://[[user]:password@]host[:6379][/db]`, and
 *   `rediss://` for TLS.
 * - Sentinel: `redis+sentinel://[[user]:password@]host1[:26379][,host2[:26379]...]/<master-name>[/<db>]`,
 *   and `rediss+sentinel://` for TLS to the sentinels and the data nodes
 *   alike. The hosts are the sentinels; ioredis asks them for the current
 *   primary of `<master-name>` and again after a failover. The user and
 *   password are the data nodes' (the primary's); sentinels that want a
 *   password of their own get it as `?sentinelPassword=...` (percent-encoded),
 *   the only query parameter accepted anywhere.
 * - Cluster: `redis+cluster://[[user]:password@]host1[:6379][,host2[:6379]...]`,
 *   and `rediss+cluster://` for TLS. The hosts are seed nodes; the rest of the
 *   cluster is discovered from them. No database (Cluster has only 0).
 *
 * Standalone and Sentinel connections are ioredis `Redis` objects, a Cluster
 * connection is an ioredis `Cluster`; code that may get either takes a
 * RedisClient. On a Cluster, everything of one queue carries the queue key as
 * a hash tag (see keys.ts), so the blocking BLMOVE and every MULTI stay in one
 * slot; only the result list and channel may live elsewhere, which the
 * publisher handles.
 *
 * URLs reach logs and error messages only through redactRedisUrl.
 */
import { Cluster, Redis, SentinelConnector, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

import { ConfigError } from '../config-error.js';
import { errorSummary } from '../logger.js';
import { rememberConnectErrors } from './connection-checks.js';

export type RedisRole = 'blocking' | 'commands';

/** A connection to any of the three deployments: Standalone and Sentinel are a Redis, Cluster a Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * The longest a blocking command may wait on the server. The consumer caps its
 * block timeout here, so a shutdown or a reconnect never waits behind a longer
 * block, and the blocking connection's socket timeout is derived from it.
 */
export const MAX_BLOCKING_COMMAND_MS = 5_000;

const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * How long disconnect() waits for the server to close its side before
 * destroying the socket (ioredis's default is 2 s). A Redis that is there
 * closes at once; one that accepted the connection and went silent never
 * does, and a command giving up on it would wait that long, twice.
 */
const DISCONNECT_TIMEOUT_MS = 200;

/**
 * Sentinel only. The longest ioredis waits between two rounds over all the
 * sentinels when none answered (its own default too), and so the longest a
 * connection given up on during that wait holds the process: the wait is a
 * timer ioredis gives no way to cancel.
 */
const SENTINEL_RETRY_MAX_MS = 1_000;

/**
 * Sentinel only. How long a sentinel has to answer which node is the
 * primary. Without a limit ioredis waits for good on a sentinel that accepted
 * the connection and went silent, and never asks the next one.
 */
const SENTINEL_COMMAND_TIMEOUT_MS = 2_000;

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
 * Settings for every data-node connection, whatever the role and deployment.
 */
function nodeOptions(role: RedisRole) {
  return {
    // Visible in CLIENT LIST, so an operator (and the doctor command) can tell
    // this worker's connections from the producer's.
    connectionName: `asr-worker:${role}`,
    // TCP keepalive: keeps idle connections through NATs and load balancers
    // and lets the OS notice a dead peer.
    keepAlive: 10_000,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    // commandTimeout stays unset: it rejects the promise while the command may
    // still run on the server, so a retried write would run twice; a dead
    // socket is caught by socketTimeout instead.
  };
}

/**
 * Connects to the Standalone or Sentinel Redis at `url` (the forms are at the
 * top of this file). The connection starts at once. A Cluster URL is refused
 * with a clear message: a Cluster is a different client class, which callers
 * that can work with one get from createRedisClient.
 */
export function createRedis(url: string, role: RedisRole, logger: Logger): Redis {
  const redacted = redactRedisUrl(url);
  if (isClusterUrl(url)) {
    throw new ConfigError(
      `'${redacted}' is a Redis Cluster URL, which this command does not support; ` +
        'give it a redis://, rediss:// or redis+sentinel:// URL',
    );
  }
  const log = logger.child({ redis: redacted, redis_role: role });
  const urlOptions = redisOptionsFromUrl(url);
  const redis = new Redis({
    ...urlOptions,
    ...(urlOptions.sentinels && sentinelOptions()),
    ...roleOptions(role),
    ...nodeOptions(role),
    // Connect now, so a wrong URL or password shows at startup, not at the
    // first task.
    lazyConnect: false,
    retryStrategy: reconnectDelayMs,
    // After a failover, the old primary answers writes with READONLY. Reconnect
    // so a DNS name, a proxy or the sentinels lead to the new primary; the
    // failed command is not resent (the caller retries), which matters for a
    // BLMOVE.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  });

  // Without a listener, an 'error' event would crash the process; ioredis
  // emits one for every failed (re)connect attempt and reconnects by itself.
  redis.on('error', (error: Error) => {
    log.warn({ err: errorSummary(error) }, 'redis connection error');
  });
  rememberConnectErrors(redis);
  redis.on('ready', () => {
    log.info('redis connection ready');
  });
  redis.on('reconnecting', (delayMs: number) => {
    log.debug({ delayMs }, 'redis reconnecting');
  });
  clearSocketTimerOnClose(redis);
  return redis;
}

/**
 * The settings of a Sentinel connection's own connections to the sentinels;
 * each bounds how long a connection given up on can hold the process (see
 * closeNow).
 */
function sentinelOptions(): RedisOptions {
  return {
    Connector: ClosingSentinelConnector,
    sentinelRetryStrategy: (attempt: number) =>
      Math.min(reconnectDelayMs(attempt), SENTINEL_RETRY_MAX_MS),
    sentinelCommandTimeout: SENTINEL_COMMAND_TIMEOUT_MS,
  };
}

/**
 * ioredis's Sentinel connector (what it uses for a `sentinels` option), except
 * that disconnecting it also closes the connections it opened to the
 * sentinels. ioredis asks a sentinel for the primary over a connection of its
 * own that nothing outside the connector can reach, and closes it only once
 * the sentinel has answered: one that accepted the connection and went
 * silent kept it open, and the process alive, after the Redis it served was
 * disconnected. The failover detector's connections (off by default) are
 * made the same way and closed with them.
 *
 * The connections are created by the connector's connectToSentinel, which is
 * private: it is wrapped here because nothing public creates or exposes them.
 * Should a later ioredis rename it, the connector works as ioredis's own does,
 * and SENTINEL_COMMAND_TIMEOUT_MS still bounds how long a silent sentinel
 * holds the process.
 */
class ClosingSentinelConnector extends SentinelConnector {
  readonly #open = new Set<Redis>();

  // ioredis constructs it with the Redis's options, which hold the `sentinels`.
  constructor(options: unknown) {
    super(options as ConstructorParameters<typeof SentinelConnector>[0]);
    const self = this as unknown as { connectToSentinel?: ConnectToSentinel };
    const connectToSentinel = self.connectToSentinel;
    if (typeof connectToSentinel !== 'function') return;
    self.connectToSentinel = (endpoint, overrides) => {
      // Once disconnected, the connector may still start one more round over
      // the sentinels (after its retry wait); it then fails at once.
      const closed = !this.connecting;
      const client = connectToSentinel.call(this, endpoint, {
        // ioredis's 2 s default would keep a closed sentinel connection's
        // timer running that long (it disconnects them after every answer).
        disconnectTimeout: DISCONNECT_TIMEOUT_MS,
        ...overrides,
        ...(closed && { lazyConnect: true }),
      });
      if (closed) {
        client.disconnect();
        return client;
      }
      this.#open.add(client);
      client.once('end', () => this.#open.delete(client));
      return client;
    };
  }

  override disconnect(): void {
    super.disconnect();
    for (const client of this.#open) closeConnectionNow(client);
    this.#open.clear();
  }
}

type ConnectToSentinel = (endpoint: unknown, overrides?: RedisOptions) => Redis;

/**
 * Closes a connection at once, whatever state it is in: for one given up on
 * (a start-up that failed or was stopped), so that nothing it opened holds
 * the process open. disconnect() alone is not enough:
 *
 * - When the server accepted the connection but never answered, ioredis 5.11
 *   leaves its socketTimeout timer running after the socket closed (see
 *   clearSocketTimerOnClose), so the process would live on for up to
 *   socketTimeout (30 s); disconnect() also waits for the server's side of
 *   the close, which a silent server never sends.
 * - A Sentinel connection's connections to the sentinels are closed by its
 *   connector's disconnect (ClosingSentinelConnector), which this reaches.
 * - A Cluster's connections include every node it connected to and the
 *   connections it re-reads the slot map over, which Cluster#disconnect does
 *   not close (see trackClusterConnections).
 */
export function closeNow(redis: RedisClient): void {
  if (!(redis instanceof Cluster)) return closeConnectionNow(redis);
  const connections = new Set([...(clusterConnections.get(redis) ?? []), ...redis.nodes()]);
  redis.disconnect();
  for (const connection of connections) closeConnectionNow(connection);
}

function closeConnectionNow(connection: Redis): void {
  // Not once it has ended: disconnecting a closed socket again would leave
  // ioredis's disconnectTimeout timer running, waiting for a close event
  // that has already come.
  if (connection.status !== 'end') connection.disconnect();
  clearSocketTimer(connection);
  (connection.stream as NetStreamOrNone)?.destroy();
}

/**
 * Works around ioredis 5.11, which clears a connection's socketTimeout timer
 * only when data arrives, not when the socket closes (fixed upstream by
 * redis/ioredis#2148): a socket that closed with a command unanswered left
 * the timer running, which kept the process alive for up to socketTimeout,
 * and once the connection had reconnected, destroyed the new socket when it
 * fired and kept the new socket from getting a timer of its own until then.
 */
function clearSocketTimerOnClose(connection: Redis): void {
  connection.on('close', () => {
    // Only a timer of a socket that is closed; 'close' comes a tick later.
    if ((connection.stream as NetStreamOrNone)?.destroyed !== false) clearSocketTimer(connection);
  });
}

function clearSocketTimer(connection: Redis): void {
  // Not in ioredis's types; read defensively, it may be gone in a later
  // version. Reset too: ioredis arms a new timer only while there is none.
  const timers = connection as unknown as { socketTimeoutTimer?: NodeJS.Timeout };
  clearTimeout(timers.socketTimeoutTimer);
  timers.socketTimeoutTimer = undefined;
}

/** ioredis types `stream` as always there; before the first connect it is not. */
type NetStreamOrNone = Redis['stream'] | undefined;

/**
 * Connects to the Redis at `url`, any of the three forms: a Cluster URL gives
 * a Cluster, the others what createRedis gives. The connection starts at once.
 */
export function createRedisClient(url: string, role: RedisRole, logger: Logger): RedisClient {
  return isClusterUrl(url) ? createCluster(url, role, logger) : createRedis(url, role, logger);
}

/** True for `redis+cluster://` and `rediss+cluster://` URLs. */
export function isClusterUrl(url: string): boolean {
  return /^rediss?\+cluster:\/\//i.test(url);
}

/**
 * The role settings, split between the two levels of an ioredis Cluster.
 *
 * Per node (redisOptions): everything in roleOptions except
 * enableOfflineQueue, which ioredis sets on nodes itself. A node connection
 * never reconnects on its own (ioredis gives it no retryStrategy); the
 * Cluster object reconnects, re-reads the slot map and routes again.
 *
 * Cluster level:
 * - retryDelayOnFailover: what the Cluster does with a command whose node
 *   connection closed under it. By default it waits 100 ms and sends it
 *   again, possibly to another node: a resend, exactly what
 *   autoResendUnfulfilledCommands false forbids on the blocking connection
 *   (a BLMOVE whose reply was lost may already have moved a task). 0 makes
 *   the Cluster reject it instead, and the consumer reconciles its processing
 *   list, as on a standalone Redis. The commands connection keeps the resend:
 *   its writes are harmless to repeat (see roleOptions).
 *   Replies the server sends without running the command (MOVED, ASK,
 *   TRYAGAIN, CLUSTERDOWN) are followed or retried for both roles: nothing ran.
 * - enableOfflineQueue true, as for the roles above. Unlike a single Redis,
 *   a Cluster has no per-command retry limit: while the whole cluster is
 *   unreachable a command waits for it rather than failing after about
 *   1.5 s. The worker's steps tolerate that (a task in flight stays on its
 *   processing list, and its heartbeat expires if the outage is long).
 * - clusterRetryStrategy: the same never-ending backoff as a single Redis.
 * - scaleReads 'master': the worker reads what it just wrote (status keys);
 *   a replica may not have it yet.
 */
function clusterOptions(role: RedisRole, redisOptions: RedisOptions): ClusterOptions {
  const { enableOfflineQueue, ...perNode } = roleOptions(role);
  return {
    redisOptions: { ...redisOptions, ...perNode, ...nodeOptions(role) },
    enableOfflineQueue,
    retryDelayOnFailover: role === 'blocking' ? 0 : 100,
    clusterRetryStrategy: reconnectDelayMs,
    scaleReads: 'master',
    lazyConnect: false,
  };
}

function createCluster(url: string, role: RedisRole, logger: Logger): Cluster {
  const redacted = redactRedisUrl(url);
  const log = logger.child({ redis: redacted, redis_role: role });
  const { nodes, redisOptions } = clusterConfigFromUrl(url);
  const cluster = new Cluster(nodes, clusterOptions(role, redisOptions));
  trackClusterConnections(cluster);

  // As for a single Redis: an 'error' without a listener would crash the
  // process. 'node error' is one node's trouble; the Cluster routes around it.
  cluster.on('error', (error: Error) => {
    log.warn({ err: errorSummary(error) }, 'redis cluster error');
  });
  cluster.on('node error', (error: Error, node: string) => {
    log.warn({ err: errorSummary(error), node }, 'redis cluster node error');
  });
  rememberConnectErrors(cluster);
  cluster.on('ready', () => {
    log.info('redis cluster ready');
  });
  cluster.on('reconnecting', () => {
    log.debug('redis cluster reconnecting');
  });
  return cluster;
}

/** The connections of each Cluster that are not closed yet: see trackClusterConnections. */
const clusterConnections = new WeakMap<Cluster, Set<Redis>>();

/**
 * Keeps track of every connection a Cluster opens that is not closed yet, for
 * closeNow: its node connections ('+node'), and the connections it re-reads
 * the slot map over. For the latter the Cluster copies a node's connection
 * (Redis#duplicate, with its socketTimeout), asks CLUSTER SLOTS, and keeps no
 * reference to the copy: one to a server that never answers stayed open after
 * Cluster#disconnect, for up to slotsRefreshTimeout and then socketTimeout.
 * Wrapping the node's duplicate is the only way to see those copies.
 */
function trackClusterConnections(cluster: Cluster): void {
  const open = new Set<Redis>();
  clusterConnections.set(cluster, open);
  const track = (connection: Redis) => {
    open.add(connection);
    connection.once('end', () => open.delete(connection));
    clearSocketTimerOnClose(connection);
  };
  cluster.on('+node', (node: Redis) => {
    track(node);
    const duplicate = node.duplicate.bind(node);
    node.duplicate = (override) => {
      const copy = duplicate(override);
      track(copy);
      return copy;
    };
  });
}

const STANDALONE_FORM = 'redis://[user:password@]host[:port][/db]';
const SENTINEL_FORM =
  'redis+sentinel://[user:password@]host[:port][,host[:port]...]/master-name[/db]';
const CLUSTER_FORM = 'redis+cluster://[user:password@]host[:port][,host[:port]...]';

type Deployment = 'standalone' | 'sentinel' | 'cluster';

/** The deployment and TLS switch a URL's scheme names, or undefined. */
function schemeOf(url: string): { deployment: Deployment; tls: boolean } | undefined {
  const match = /^(rediss?)(?:\+(sentinel|cluster))?:\/\//i.exec(url);
  if (!match) return undefined;
  const deployment = (match[2]?.toLowerCase() ?? 'standalone') as Deployment;
  return { deployment, tls: match[1]!.toLowerCase() === 'rediss' };
}

/**
 * Turns a Standalone or Sentinel URL into the options of an ioredis Redis
 * (host and port, or sentinels and master name; user, password, database,
 * TLS). A Cluster URL is refused: see clusterConfigFromUrl.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const redacted = redactRedisUrl(url);
  const scheme = schemeOf(url);
  if (scheme?.deployment === 'sentinel') return sentinelOptionsFromUrl(url, scheme.tls);
  if (scheme?.deployment === 'cluster') {
    throw new Error(`'${redacted}' is a Redis Cluster URL: it takes clusterConfigFromUrl`);
  }

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Node's URL error carries the input, password included: do not chain it.
    throw new ConfigError(`invalid Redis URL '${redacted}': expected ${STANDALONE_FORM}`);
  }

  switch (parsed.protocol) {
    case 'redis:':
    case 'rediss:':
      break;
    default:
      throw new ConfigError(
        `unsupported Redis URL scheme '${parsed.protocol}' in '${redacted}': use redis:// or ` +
          'rediss:// (standalone), redis+sentinel:// or rediss+sentinel:// (Sentinel), ' +
          'redis+cluster:// or rediss+cluster:// (Cluster)',
      );
  }
  if (parsed.search !== '') {
    // Silently ignoring an option someone meant to set is worse than refusing it.
    throw new ConfigError(`query parameters are not supported in the Redis URL '${redacted}'`);
  }
  if (parsed.hostname === '') {
    throw new ConfigError(`the Redis URL '${redacted}' has no host`);
  }

  const options: RedisOptions = {
    // new URL keeps IPv6 brackets; the socket wants the bare address.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db: databaseOf(parsed.pathname, redacted),
  };
  if (parsed.username !== '') options.username = decodeOrThrow(parsed.username, redacted);
  if (parsed.password !== '') options.password = decodeOrThrow(parsed.password, redacted);
  // Node's TLS sets SNI and checks the certificate against the host name.
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}

/**
 * Sentinel: the hosts are sentinels, the first path segment the master name,
 * the optional second the database. The URL's user and password are the data
 * nodes' (ioredis sends them to the primary it is pointed at); the sentinels'
 * own password, where they have one, is the `sentinelPassword` query
 * parameter. With rediss+sentinel:// both the sentinels and the data nodes
 * are reached over TLS.
 */
function sentinelOptionsFromUrl(url: string, tls: boolean): RedisOptions {
  const redacted = redactRedisUrl(url);
  const parsed = parseMultiHostUrl(url, redacted, 26379, SENTINEL_FORM);
  const segments = parsed.path.replace(/^\//, '').split('/');
  const name = decodeOrThrow(segments[0]!, redacted);
  if (name === '') {
    throw new ConfigError(
      `the Sentinel URL '${redacted}' names no master: expected ${SENTINEL_FORM}`,
    );
  }
  if (segments.length > 2) {
    throw new ConfigError(
      `the Sentinel URL '${redacted}' has too many path segments: expected ${SENTINEL_FORM}`,
    );
  }

  const options: RedisOptions = {
    sentinels: parsed.hosts,
    name,
    db: databaseOf(segments[1] ?? '', redacted),
  };
  if (parsed.username !== undefined) options.username = parsed.username;
  if (parsed.password !== undefined) options.password = parsed.password;
  for (const [key, value] of parsed.query) {
    if (key !== 'sentinelPassword') {
      throw new ConfigError(
        `query parameter '${key}' is not supported in the Redis URL '${redacted}' ` +
          '(only sentinelPassword is)',
      );
    }
    options.sentinelPassword = value;
  }
  if (tls) {
    options.tls = {};
    options.sentinelTLS = {};
    options.enableTLSForSentinelMode = true;
  }
  return options;
}

export interface ClusterConfig {
  /** The seed nodes. */
  nodes: Array<{ host: string; port: number }>;
  /** What every node connection gets: user, password, TLS. */
  redisOptions: RedisOptions;
}

/**
 * Turns a `redis+cluster://` or `rediss+cluster://` URL into seed nodes and
 * per-node options. With TLS, each node's certificate is checked against the
 * address the cluster announces for it.
 */
export function clusterConfigFromUrl(url: string): ClusterConfig {
  const redacted = redactRedisUrl(url);
  const scheme = schemeOf(url);
  if (scheme?.deployment !== 'cluster') {
    throw new Error(`'${redacted}' is not a Redis Cluster URL: expected ${CLUSTER_FORM}`);
  }
  const parsed = parseMultiHostUrl(url, redacted, 6379, CLUSTER_FORM);
  if (!['', '/', '/0'].includes(parsed.path)) {
    throw new ConfigError(
      `the Cluster URL '${redacted}' names a database: Redis Cluster has only database 0`,
    );
  }
  for (const [key] of parsed.query) {
    throw new ConfigError(
      `query parameter '${key}' is not supported in the Redis URL '${redacted}'`,
    );
  }
  const redisOptions: RedisOptions = {};
  if (parsed.username !== undefined) redisOptions.username = parsed.username;
  if (parsed.password !== undefined) redisOptions.password = parsed.password;
  if (scheme.tls) redisOptions.tls = {};
  return { nodes: parsed.hosts, redisOptions };
}

interface MultiHostUrl {
  username: string | undefined;
  password: string | undefined;
  hosts: Array<{ host: string; port: number }>;
  /** The path as written, still percent-encoded. */
  path: string;
  /** Decoded query parameters, in order. */
  query: Array<[string, string]>;
}

/**
 * Splits a URL whose authority lists several hosts, which Node's URL parser
 * refuses (`h1:26379,h2:26379` is not a host and port). The split follows the
 * URL standard: the authority ends at the first '/', '?' or '#', and its last
 * '@' ends the user part, so reserved characters in a password must be
 * percent-encoded. The query is decoded with decodeURIComponent, so a '+'
 * stays a '+'.
 */
function parseMultiHostUrl(
  url: string,
  redacted: string,
  defaultPort: number,
  form: string,
): MultiHostUrl {
  const invalid = (why: string) =>
    new ConfigError(`invalid Redis URL '${redacted}': ${why}; expected ${form}`);
  const match = /^[a-z+]+:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?$/i.exec(url);
  if (!match) throw invalid('it does not parse');
  const [, authority = '', path = '', search, fragment] = match;
  if (fragment !== undefined) throw invalid('a fragment (#) has no meaning here');

  const at = authority.lastIndexOf('@');
  const userInfo = at === -1 ? undefined : authority.slice(0, at);
  const hostList = authority.slice(at + 1);
  let username: string | undefined;
  let password: string | undefined;
  if (userInfo !== undefined) {
    const colon = userInfo.indexOf(':');
    const user = colon === -1 ? userInfo : userInfo.slice(0, colon);
    // A lone user part is a user name, as Node's URL reads it for redis://.
    if (user !== '') username = decodeOrThrow(user, redacted);
    if (colon !== -1 && colon < userInfo.length - 1) {
      password = decodeOrThrow(userInfo.slice(colon + 1), redacted);
    }
  }

  if (hostList === '') throw invalid('no host');
  const hosts = hostList.split(',').map((entry) => {
    const parts = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/i.exec(entry);
    const port = parts?.[3] === undefined ? defaultPort : Number(parts[3]);
    if (!parts || port < 1 || port > 65535) {
      throw invalid(`'${entry}' is not a host[:port]`);
    }
    return { host: parts[1] ?? parts[2]!, port };
  });

  const query: Array<[string, string]> = [];
  for (const pair of (search ?? '').split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decodeOrThrow(equals === -1 ? pair : pair.slice(0, equals), redacted);
    const value = equals === -1 ? '' : decodeOrThrow(pair.slice(equals + 1), redacted);
    query.push([key, value]);
  }
  return { username, password, hosts, path, query };
}

function decodeOrThrow(text: string, redacted: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // The URIError would carry nothing secret, but nothing useful either.
    throw new ConfigError(`invalid percent-encoding in the Redis URL '${redacted}'`);
  }
}

function databaseOf(pathname: string, redacted: string): number {
  const db = pathname.replace(/^\//, '');
  if (db === '') return 0;
  if (!/^\d+$/.test(db)) {
    throw new ConfigError(
      `the database in the Redis URL '${redacted}' must be a number, not '${db}'`,
    );
  }
  return Number(db);
}

/**
 * The URL with its secrets replaced by `***`, fit for a log line or an error
 * message: `redis://user:secret@host` becomes `redis://user:***@host`, and
 * `redis://:secret@host` becomes `redis://:***@host`. A lone user part
 * (`redis://word@host`) is masked whole: some clients read it as the
 * password, and a log line is the wrong place to find out which. Query
 * parameters named like a secret (`?sentinelPassword=...`) are masked too.
 * Works on the text, so the rest of the URL is shown exactly as written, a
 * Sentinel or Cluster URL's host list included, and strings that do not parse
 * as URLs are still masked.
 */
export function redactRedisUrl(url: string): string {
  const schemeEnd = url.indexOf('://');
  const authorityStart = schemeEnd === -1 ? 0 : schemeEnd + 3;
  const masks: Array<[number, number]> = [];

  // The last '@' ends the user part: passwords written with a raw '@' or '/'
  // are masked whole rather than half shown.
  const at = url.lastIndexOf('@');
  if (at >= authorityStart) {
    const colon = url.indexOf(':', authorityStart);
    masks.push([colon !== -1 && colon < at ? colon + 1 : authorityStart, at]);
  }
  // Found on the original text, not after the step above: a raw '@' in a
  // query value would otherwise leave the value's tail shown.
  for (const param of url.matchAll(/[?&]([^=&#?]*)=([^&#]*)/g)) {
    if (!/pass|secret|token/i.test(param[1]!)) continue;
    const end = param.index! + param[0].length;
    masks.push([end - param[2]!.length, end]);
  }
  if (masks.length === 0) return url;

  masks.sort((a, b) => a[0] - b[0]);
  let out = '';
  let shownFrom = 0;
  for (const [start, end] of masks) {
    if (start < shownFrom) {
      // Overlaps the previous mask: widen it.
      if (end > shownFrom) shownFrom = end;
      continue;
    }
    out += url.slice(shownFrom, start) + '***';
    shownFrom = end;
  }
  return out + url.slice(shownFrom);
}
