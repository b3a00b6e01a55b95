/**
 * Several worker processes on one queue, a few thousand tasks: every task is
 * answered, exactly once in its status key, none lost, none left behind.
 * The no-op engine keeps this about the queue, not about decoding.
 */
import { afterAll, describe, expect, it } from 'vitest';

import type { TaskResult } from '../../src/protocol/result.js';
import { cleanQueue, connect, uniqueQueue, waitFor, SHARED_REDIS_URL } from '../support/redis.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const WORKERS = 3;
const TASKS = 3000;

describe('worker: many processes, many tasks', () => {
  const redis = connect();
  const queue = uniqueQueue('many');
  const results = `{${queue}}:test-results`;
  const workers: WorkerProcess[] = [];

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await cleanQueue(redis, queue);
    redis.disconnect();
  });

  it('answers every task exactly once and leaves nothing in processing', async () => {
    const args = ['--redis', SHARED_REDIS_URL, '--queue', queue, '--results', results];
    args.push('--channel', `{${queue}}:ch`, '--engine', 'noop', '--concurrency', '8');
    workers.push(
      ...(await Promise.all(Array.from({ length: WORKERS }, () => startWorkerProcess(args)))),
    );

    const audio = Buffer.alloc(3200).toString('base64');
    for (let start = 0; start < TASKS; start += 500) {
      const batch = Array.from({ length: 500 }, (_, i) =>
        JSON.stringify({
          task_id: `t${start + i}`,
          audio_b64: audio,
          encoding: 'pcm_s16le',
          sample_rate: 16000,
        }),
      );
      await redis.rpush(queue, ...batch);
    }

    await waitFor('every result', async () => (await redis.llen(results)) >= TASKS, 90_000);
    const answered = (await redis.lrange(results, 0, -1)).map((r) => JSON.parse(r) as TaskResult);
    const ids = new Set(answered.map((r) => r.task_id));
    expect(ids.size).toBe(TASKS);
    expect(answered.every((r) => r.status === 'done')).toBe(true);
    // Work was shared: more than one worker answered.
    expect(new Set(answered.map((r) => r.worker_id)).size).toBeGreaterThan(1);

    const statuses = await redis.mget(
      ...Array.from({ length: TASKS }, (_, i) => `{${queue}}:task:t${i}`),
    );
    expect(statuses.filter((s) => s !== null && JSON.parse(s).status === 'done')).toHaveLength(
      TASKS,
    );
    expect(await redis.llen(queue)).toBe(0);

    const processing = await redis.keys(`{${queue}}:processing:*`);
    for (const key of processing) expect(await redis.llen(key)).toBe(0);

    for (const w of workers) w.child.kill('SIGTERM');
    const exits = await Promise.all(workers.map((w) => w.exited));
    expect(exits.map((e) => e.code)).toEqual(Array(WORKERS).fill(0));
    // A clean exit removes the heartbeat.
    expect(await redis.keys(`{${queue}}:worker:*`)).toEqual([]);
  });
});
