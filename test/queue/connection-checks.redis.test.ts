/**
 * A connection that is not where its URL says must stop a command before it
 * does anything: a database Redis refused would otherwise be database 0, a
 * Redis that never answered gets ioredis's words about a retry setting (or
 * keeps the command waiting for good), and a refused password must be called
 * that, whatever database the URL names.
 */
import { once } from 'node:events';
import net from 'node:net';

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';

import { freePort, type PrivateRedis } from '../../src/cli/private-redis.js';
import { startWorker } from '../../src/cli/run-command.js';
import { resolveWorkerConfig } from '../../src/config.js';
import {
  assertDatabase,
  assertReachable,
  explainRedisFailure,
} from '../../src/queue/connection-checks.js';
import { closeNow, createRedis, createRedisClient } from '../../src/queue/redis.js';
import {
  connect,
  SHARED_REDIS_URL,
  startRedisWithPassword,
  uniqueQueue,
  waitFor,
} from '../support/redis.js';
import { startSilentServer, type SilentServer } from '../support/silent-server.js';
import { startTestWorker } from '../worker/support.js';

const SILENT = pino({ level: 'silent' });
/** Past any 'databases' setting a test Redis runs with (the default is 16). */
const MISSING_DB = 9_999;

describe('the database a URL names', () => {
  let shared: Redis;
  beforeAll(() => {
    shared = connect();
  });
  afterAll(() => shared.quit());

  it('is accepted when Redis has it', async () => {
    const redis = createRedis(`${SHARED_REDIS_URL}/3`, 'commands', SILENT);
    try {
      await expect(assertDatabase(redis)).resolves.toBeUndefined();
    } finally {
      redis.disconnect();
    }
  });

  it('is refused with REDIS_DATABASE_MISSING when Redis has not', async () => {
    const redis = createRedis(`${SHARED_REDIS_URL}/${MISSING_DB}`, 'commands', SILENT);
    try {
      await expect(assertDatabase(redis)).rejects.toMatchObject({
        code: 'REDIS_DATABASE_MISSING',
        message: expect.stringContaining(`database ${MISSING_DB} does not exist`),
      });
    } finally {
      redis.disconnect();
    }
  });

  it('stops a worker from starting, and it takes nothing from database 0', async () => {
    const queue = uniqueQueue('missing-db');
    await shared.rpush(queue, JSON.stringify({ task_id: 'db0-task', audio_b64: '' }));
    try {
      await expect(
        startTestWorker('missing-db', {
          queue,
          redisUrl: `${SHARED_REDIS_URL}/${MISSING_DB}`,
          engine: 'noop',
        }),
      ).rejects.toMatchObject({ code: 'REDIS_DATABASE_MISSING' });
      expect(await shared.llen(queue)).toBe(1);
      expect(await shared.keys(`{${queue}}*`)).toEqual([]);
    } finally {
      await shared.del(queue);
    }
  });
});

describe('a Redis that never answers', () => {
  it('is explained with the connect error, as REDIS_UNREACHABLE', async () => {
    const port = await freePort();
    const redis = createRedis(`redis://127.0.0.1:${port}`, 'commands', SILENT);
    try {
      const failure = await redis.ping().catch((error: unknown) => error);
      const explained = explainRedisFailure(redis, failure);

      expect(explained).toMatchObject({ code: 'REDIS_UNREACHABLE' });
      expect(explained.message).toBe(
        `Redis did not answer (connect ECONNREFUSED 127.0.0.1:${port})`,
      );
    } finally {
      redis.disconnect();
    }
  });

  it('leaves other errors as they are', () => {
    const redis = createRedis(SHARED_REDIS_URL, 'commands', SILENT);
    const other = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    try {
      expect(explainRedisFailure(redis, other)).toBe(other);
    } finally {
      redis.disconnect();
    }
  });
});

/** `work`, or a rejection after `ms`: a check that hangs fails the test quickly instead. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

describe('another service on the Redis port', () => {
  it('is called that, not an ioredis protocol error', async () => {
    const http = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const { port } = http.address() as net.AddressInfo;
    const redis = createRedis(`redis://127.0.0.1:${port}`, 'commands', SILENT);
    try {
      await expect(assertReachable(redis, 1_000)).rejects.toMatchObject({
        code: 'REDIS_UNREACHABLE',
        message: expect.stringContaining(
          `the server does not speak Redis's protocol (its first byte was "H")`,
        ),
      });
    } finally {
      closeNow(redis);
      http.close();
    }
  });
});

describe('a Redis that accepts the connection and never answers', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(() => silent.close());

  it('fails the reachability check with REDIS_UNREACHABLE once the timeout passes', async () => {
    const redis = createRedis(silent.url, 'commands', SILENT);
    try {
      const startedMs = Date.now();
      await expect(within(5_000, assertReachable(redis, 300))).rejects.toMatchObject({
        code: 'REDIS_UNREACHABLE',
        message: 'Redis did not answer within 300 ms (--connect-timeout-ms)',
      });
      expect(Date.now() - startedMs).toBeLessThan(2_000);
    } finally {
      closeNow(redis);
    }
  });

  // A Sentinel or Cluster client has connections of its own besides the
  // one closeNow is given: to the sentinel it asks for the primary, to the
  // node it reads the slot map from.
  it.each(['url', 'sentinelUrl', 'clusterUrl'] as const)(
    'closes every connection a client given up on opened, at once (%s)',
    async (kind) => {
      const server = await startSilentServer();
      const redis = createRedisClient(server[kind], 'commands', SILENT);
      try {
        await expect(within(5_000, assertReachable(redis, 300))).rejects.toMatchObject({
          code: 'REDIS_UNREACHABLE',
        });
        expect(server.openConnections()).toBeGreaterThan(0);
        closeNow(redis);
        await waitFor('the connections to close', async () => server.openConnections() === 0, 500);
      } finally {
        closeNow(redis);
        await server.close();
      }
    },
  );

  /** A no-op worker pointed at the silent server. */
  function silentWorkerConfig(label: string, connectTimeoutMs: number) {
    return resolveWorkerConfig({
      redisUrl: silent.url,
      queue: uniqueQueue(label),
      engine: 'noop',
      connectTimeoutMs,
    });
  }

  it('stops a worker from starting within the connect timeout', async () => {
    const config = silentWorkerConfig('silent', 500);
    await expect(within(5_000, startWorker(config, SILENT))).rejects.toMatchObject({
      code: 'REDIS_UNREACHABLE',
      message: expect.stringContaining('did not answer within 500 ms'),
    });
  });

  it('ends the start-up at once when it is aborted (SIGTERM), with the abort reason', async () => {
    const config = silentWorkerConfig('silent-abort', 60_000);
    const controller = new AbortController();
    const reason = new Error('stopped by SIGTERM');
    setTimeout(() => controller.abort(reason), 200);
    await expect(within(3_000, startWorker(config, SILENT, controller.signal))).rejects.toBe(
      reason,
    );
  });
});

describe('a password Redis refuses', () => {
  const secret = 'not-the-password-5e1f';
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await startRedisWithPassword('the-right-one');
  });
  afterAll(() => server?.stop());

  /** The checks' errors for a URL with the wrong password on database `db`. */
  async function refusals(db: number): Promise<Error[]> {
    const redis = createRedis(
      `redis://:${secret}@127.0.0.1:${server.port}/${db}`,
      'commands',
      SILENT,
    );
    const failure = (check: Promise<void>) =>
      check.then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    try {
      const reachable = await failure(assertReachable(redis, 5_000));
      // Database 0 needs no SELECT, so only another database has this check fail.
      const database = db === 0 ? [] : [await failure(assertDatabase(redis))];
      return [reachable, ...database].map((error) => error ?? new Error('no error'));
    } finally {
      closeNow(redis);
    }
  }

  it('is REDIS_AUTH_FAILED on any database, never a missing database', async () => {
    const errors = [...(await refusals(0)), ...(await refusals(1))];
    expect(errors).toHaveLength(3);
    for (const error of errors) {
      expect(error).toMatchObject({ code: 'REDIS_AUTH_FAILED' });
      expect(error.message).toContain('Redis refused the user or password in the URL');
      expect(error.message).toContain('WRONGPASS');
      expect(error.message).not.toContain(secret);
    }
  });

  it('stops a worker from starting with REDIS_AUTH_FAILED', async () => {
    const config = resolveWorkerConfig({
      redisUrl: `redis://:${secret}@127.0.0.1:${server.port}/1`,
      queue: uniqueQueue('wrong-password'),
      engine: 'noop',
    });
    const error = (await startWorker(config, SILENT).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'REDIS_AUTH_FAILED' });
    expect(error.message).not.toContain(secret);
  });

  it('leaves no connection open when a start-up fails after connecting', async () => {
    const url = `redis://:the-right-one@127.0.0.1:${server.port}`;
    const probe = createRedis(url, 'commands', SILENT);
    const clients = async () =>
      Number(/connected_clients:(\d+)/.exec(await probe.info('clients'))![1]);
    try {
      const before = await clients();
      const valid = resolveWorkerConfig({
        redisUrl: url,
        queue: uniqueQueue('late'),
        engine: 'noop',
      });
      // Past the config's checks, as any failure after the connections exist.
      const config = { ...valid, heartbeatTtlMs: 1 };
      await expect(startWorker(config, SILENT)).rejects.toMatchObject({
        code: 'WORKER_START_FAILED',
      });
      await waitFor(
        'the worker connections to close',
        async () => (await clients()) === before,
        2_000,
      );
    } finally {
      probe.disconnect();
    }
  });
});
