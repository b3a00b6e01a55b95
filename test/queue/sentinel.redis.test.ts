/**
 * The worker through a Sentinel of its own (never the shared Redis): the URL
 * names only the Sentinel and the master name, so every answer proves the
 * worker asked the Sentinel where the primary is.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startWorker } from '../../src/cli/run-command.js';
import { resolveWorkerConfig } from '../../src/config.js';
import type { TaskResult } from '../../src/protocol/result.js';
import { queueKeys } from '../../src/queue/keys.js';
import type { Worker } from '../../src/worker/worker.js';
import { waitFor } from '../support/redis.js';
import { startSentinel, type Topology } from '../support/redis-topologies.js';

const silent = pino({ level: 'silent' });
const TASKS = 5;

describe('worker through Redis Sentinel', () => {
  let sentinel: Topology;
  let primary: Redis;
  let worker: Worker;
  let stopWorker: (() => Promise<void>) | undefined;
  const queue = 'sentinel-test-queue';
  const results = 'sentinel-test-results';
  const keys = queueKeys(queue);

  beforeAll(async () => {
    sentinel = await startSentinel();
    expect(sentinel.url).toMatch(/^redis\+sentinel:\/\/127\.0\.0\.1:\d+\/mymaster$/);
    primary = new Redis({ host: '127.0.0.1', port: sentinel.ports[0]!, maxRetriesPerRequest: 3 });
    primary.on('error', () => undefined);

    const config = resolveWorkerConfig({
      redisUrl: sentinel.url,
      engine: 'noop',
      queue,
      results,
      channel: 'sentinel-test-channel',
      workerId: 'sentinel-worker',
      blockTimeoutMs: 300,
      heartbeatIntervalMs: 500,
      heartbeatTtlMs: 2000,
      redeliveryIntervalMs: 500,
    });
    ({ worker, stop: stopWorker } = await startWorker(config, silent));
  }, 60_000);

  afterAll(async () => {
    await stopWorker?.();
    primary?.disconnect();
    await sentinel?.stop();
  });

  it('answers tasks on the primary the Sentinel names', async () => {
    const started = Date.now();
    const ids = Array.from({ length: TASKS }, (_, i) => `s${i}`);
    const audio = Buffer.alloc(3200).toString('base64');
    await primary.rpush(
      queue,
      ...ids.map((id) =>
        JSON.stringify({
          task_id: id,
          audio_b64: audio,
          encoding: 'pcm_s16le',
          sample_rate: 16000,
        }),
      ),
    );

    await waitFor('every result', async () => (await primary.llen(results)) >= TASKS, 30_000);
    const answered = (await primary.lrange(results, 0, -1)).map((r) => JSON.parse(r) as TaskResult);
    expect(answered.map((r) => r.task_id).sort()).toEqual(ids);
    expect(answered.every((r) => r.status === 'done')).toBe(true);
    const statuses = await primary.mget(...ids.map((id) => keys.status(id)));
    expect(statuses.every((s) => s !== null && JSON.parse(s).status === 'done')).toBe(true);
    expect(await primary.llen(keys.processing(worker.workerId))).toBe(0);

    // Both of the worker's connections reached the primary, by name.
    const clients = (await primary.client('LIST')) as string;
    expect(clients).toContain('name=asr-worker:blocking');
    expect(clients).toContain('name=asr-worker:commands');
    console.log(`sentinel: ${TASKS} tasks answered in ${Date.now() - started} ms`);
  });
});
