/**
 * Workers die and get stopped mid-task; tasks do not get lost.
 * - kill -9 during a decode: another worker finds the task once the dead
 *   one's heartbeat expires, and answers it (attempt 2).
 * - SIGTERM with tasks in flight: the process exits 0 within the drain
 *   timeout, and every task is either answered or still queued.
 */
import { readFileSync } from 'node:fs';

import { afterEach, describe, expect, it } from 'vitest';

import type { TaskResult } from '../../src/protocol/result.js';
import { speechSets, testModel } from '../support/fixtures.js';
import { cleanQueue, connect, SHARED_REDIS_URL, uniqueQueue, waitFor } from '../support/redis.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

/**
 * About a minute of speech as raw PCM: seconds of decoding, time to act
 * mid-task. With random weights whisper retries each window at higher
 * temperatures, so one decode takes 20 to 60 s on two busy cores: the waits
 * below allow for several.
 */
function longTask(taskId: string): string {
  const jfk = readFileSync(speechSets()[0]!.s16le);
  const audio = Buffer.concat(Array(6).fill(jfk)).toString('base64');
  return JSON.stringify({
    task_id: taskId,
    audio_b64: audio,
    encoding: 'pcm_s16le',
    sample_rate: 16000,
  });
}

describe('worker: crashes and shutdown', () => {
  const redis = connect();
  const started: WorkerProcess[] = [];
  let queue = '';

  afterEach(async () => {
    for (const w of started.splice(0)) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await cleanQueue(redis, queue);
  });

  async function worker(extra: string[] = []): Promise<WorkerProcess> {
    const args = ['--redis', SHARED_REDIS_URL, '--queue', queue, '--results', `{${queue}}:results`];
    args.push(
      '--channel',
      `{${queue}}:ch`,
      '--model',
      await testModel('test'),
      '--concurrency',
      '1',
    );
    args.push('--heartbeat-ttl-ms', '2000', '--heartbeat-interval-ms', '500');
    args.push('--redelivery-interval-ms', '500', ...extra);
    const process = await startWorkerProcess(args);
    started.push(process);
    return process;
  }

  it('redelivers the task of a worker killed with SIGKILL to another worker', async () => {
    queue = uniqueQueue('kill9');
    const doomed = await worker();
    await redis.rpush(queue, longTask('survivor'));
    await waitFor(
      'the task to be taken',
      async () => (await redis.get(`{${queue}}:task:survivor`)) === 'processing',
    );
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    await worker();
    const [, json] = (await redis.blpop(`{${queue}}:results`, 240))!;
    const result = JSON.parse(json) as TaskResult;
    expect(result).toMatchObject({ task_id: 'survivor', status: 'done', attempt: 2 });
    expect(result.audio_ms).toBeGreaterThan(60_000);
  }, 300_000);

  it('exits 0 within the drain timeout on SIGTERM and loses no task', async () => {
    queue = uniqueQueue('sigterm');
    const w = await worker(['--drain-timeout-ms', '1000']);
    const ids = ['a', 'b'];
    await redis.rpush(queue, ...ids.map(longTask));
    await waitFor(
      'a task in flight',
      async () => (await redis.get(`{${queue}}:task:a`)) === 'processing',
    );

    const signalledAt = Date.now();
    w.child.kill('SIGTERM');
    const exit = await w.exited;
    expect(exit.code).toBe(0);
    // The drain timeout, plus one capped blocking wait and the shutdown itself.
    expect(Date.now() - signalledAt).toBeLessThan(1000 + 5000);

    const answered = await redis.llen(`{${queue}}:results`);
    const queued = await redis.llen(queue);
    const processingKeys = await redis.keys(`{${queue}}:processing:*`);
    let leftInProcessing = 0;
    for (const key of processingKeys) leftInProcessing += await redis.llen(key);
    expect(answered + queued + leftInProcessing).toBe(ids.length);
    // Its heartbeat is gone, so the next worker recovers what it left at once.
    expect(await redis.keys(`{${queue}}:worker:*`)).toEqual([]);

    await worker();
    await waitFor(
      'every task answered',
      async () => (await redis.llen(`{${queue}}:results`)) >= ids.length,
      240_000,
    );
  }, 360_000);
});
