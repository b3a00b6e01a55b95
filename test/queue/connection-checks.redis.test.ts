/**
 * A connection that is not where its URL says must stop a command before it
 * does anything: a database Redis refused would otherwise be database 0, and
 * a Redis that never answered gets ioredis's words about a retry setting.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';

import { freePort } from '../../src/cli/private-redis.js';
import { assertDatabase, explainRedisFailure } from '../../src/queue/connection-checks.js';
import { createRedis } from '../../src/queue/redis.js';
import { connect, SHARED_REDIS_URL, uniqueQueue } from '../support/redis.js';
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
