/**
 * Redis going away under a running worker: connections killed while a take
 * is blocked and while results are being published, and the server itself
 * restarted. The worker reconnects by itself and no task is lost. These run
 * on a private redis-server so the shared one is never disturbed.
 */
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startPrivateRedis, type PrivateRedis } from '../../src/cli/private-redis.js';
import { startWorker } from '../../src/cli/run-command.js';
import { resolveWorkerConfig } from '../../src/config.js';
import type { TaskResult } from '../../src/protocol/result.js';
import { connect, waitFor } from '../support/redis.js';

const QUEUE = 'asr_chunk_queue';
const RESULTS = 'asr_result_queue';

function tasks(prefix: string, count: number): string[] {
  const audio = Buffer.alloc(640).toString('base64');
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      task_id: `${prefix}${i}`,
      audio_b64: audio,
      encoding: 'pcm_s16le',
      sample_rate: 16000,
    }),
  );
}

async function answeredIds(redis: Redis, prefix: string): Promise<Set<string>> {
  const all = await redis.lrange(RESULTS, 0, -1);
  return new Set(
    all.map((r) => (JSON.parse(r) as TaskResult).task_id).filter((id) => id.startsWith(prefix)),
  );
}

describe('worker: Redis faults', () => {
  let server: PrivateRedis;
  let admin: Redis;
  let stopWorker: () => Promise<void>;

  beforeAll(async () => {
    server = await startPrivateRedis();
    admin = connect(server.url);
    const config = resolveWorkerConfig({
      redisUrl: server.url,
      engine: 'noop',
      concurrency: 8,
      blockTimeoutMs: 500,
      heartbeatIntervalMs: 500,
      heartbeatTtlMs: 2000,
      redeliveryIntervalMs: 500,
    });
    ({ stop: stopWorker } = await startWorker(config, pino({ level: 'silent' })));
  });

  afterAll(async () => {
    await stopWorker();
    admin.disconnect();
    await server.stop();
  });

  async function killWorkerConnections(): Promise<void> {
    await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
  }

  it('resumes after its connections are killed while a take is blocked', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    await killWorkerConnections();
    await admin.rpush(QUEUE, ...tasks('blocked-', 20));
    await waitFor('20 answers', async () => (await answeredIds(admin, 'blocked-')).size === 20);
  });

  it('loses nothing when connections are killed while results are published', async () => {
    const count = 2000;
    await admin.rpush(QUEUE, ...tasks('storm-', count));
    for (let i = 0; i < 20; i++) {
      await killWorkerConnections();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    await waitFor(
      'every answer',
      async () => (await answeredIds(admin, 'storm-')).size === count,
      60_000,
    );
    const statuses = await admin.mget(
      ...Array.from({ length: count }, (_, i) => `{${QUEUE}}:task:storm-${i}`),
    );
    expect(statuses.every((s) => s !== null && JSON.parse(s).status === 'done')).toBe(true);
    await waitFor('empty processing lists', async () => {
      const lists = await admin.keys(`{${QUEUE}}:processing:*`);
      const lengths = await Promise.all(lists.map((key) => admin.llen(key)));
      return lengths.every((n) => n === 0);
    });
  });

  it('resumes after the Redis server restarts', async () => {
    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    server = await startPrivateRedis(server.port);
    admin.disconnect();
    admin = connect(server.url);

    await admin.rpush(QUEUE, ...tasks('restart-', 10));
    await waitFor(
      '10 answers',
      async () => (await answeredIds(admin, 'restart-')).size === 10,
      30_000,
    );
  });
});
