/**
 * A task that keeps killing workers is not tried forever: once its delivery
 * count reaches the limit it goes to the dead-letter list with its history,
 * while a task with deliveries to spare is requeued and answered.
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';

import { startWorker } from '../../src/cli/run-command.js';
import { resolveWorkerConfig } from '../../src/config.js';
import { taskFingerprint } from '../../src/queue/queue-item.js';
import { queueKeys } from '../../src/queue/keys.js';
import { cleanQueue, connect, SHARED_REDIS_URL, uniqueQueue, waitFor } from '../support/redis.js';

describe('worker: poison tasks', () => {
  const redis = connect();
  const queue = uniqueQueue('poison');
  const keys = queueKeys(queue);
  const results = `{${queue}}:results`;

  afterAll(async () => {
    await cleanQueue(redis, queue);
    redis.disconnect();
  });

  it('dead-letters a task delivered the maximum number of times, and retries one that was not', async () => {
    const audio = Buffer.alloc(640).toString('base64');
    const poison = JSON.stringify({
      task_id: 'poison',
      audio_b64: audio,
      encoding: 'pcm_s16le',
      sample_rate: 16000,
    });
    const unlucky = JSON.stringify({
      task_id: 'unlucky',
      audio_b64: audio,
      encoding: 'pcm_s16le',
      sample_rate: 16000,
    });

    // A worker that died (no heartbeat) holding both: one delivered 3 times, one once.
    const ghost = keys.processing('ghost-worker');
    await redis.rpush(ghost, poison, unlucky);
    await redis.hset(keys.deliveries, taskFingerprint(poison), 3, taskFingerprint(unlucky), 1);

    const config = resolveWorkerConfig({
      redisUrl: SHARED_REDIS_URL,
      queue,
      results,
      channel: `{${queue}}:ch`,
      engine: 'noop',
      maxDeliveries: 3,
      blockTimeoutMs: 300,
    });
    const { stop } = await startWorker(config, pino({ level: 'silent' }));
    try {
      const [, json] = (await redis.blpop(results, 20))!;
      expect(JSON.parse(json)).toMatchObject({ task_id: 'unlucky', status: 'done', attempt: 2 });

      const dead = await waitFor('the dead letter', async () => {
        const entries = await redis.lrange(keys.dead, 0, -1);
        return entries.length > 0 ? entries.map((e) => JSON.parse(e)) : undefined;
      });
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({
        reason: 'POISON',
        raw: poison,
        deliveries: 3,
        worker_id: 'ghost-worker',
      });
      expect(await redis.exists(ghost)).toBe(0);
    } finally {
      await stop();
    }
  });
});
