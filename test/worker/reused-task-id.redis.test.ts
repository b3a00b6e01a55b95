/**
 * A task_id is the idempotency key: a repeat delivery of an answered task
 * (the same bytes) is acknowledged in silence, but a different task sent
 * under an id already answered is told so on its reply_to, instead of
 * leaving its producer blocked there forever. The first answer stands.
 */
import { afterEach, describe, expect, it } from 'vitest';

import type { TaskResult } from '../../src/protocol/result.js';
import { capturingLogger } from '../queue/fixture.js';
import { cleanQueue, connect, uniqueQueue, waitFor } from '../support/redis.js';
import { push, readResults, startTestWorker, type TestWorker } from './support.js';

// Audio of different lengths, so the two tasks' results differ too (two
// byte-identical results count as one answer published twice).
const SHORT = Buffer.alloc(3200).toString('base64');
const LONG = Buffer.alloc(6400).toString('base64');

describe('worker: a task_id used again', () => {
  const redis = connect();
  let worker: TestWorker;
  let lines: Record<string, unknown>[];

  async function start(concurrency = 1): Promise<TestWorker> {
    const captured = capturingLogger();
    lines = captured.lines;
    worker = await startTestWorker('reused-id', { engine: 'noop', concurrency }, captured.logger);
    return worker;
  }

  afterEach(async () => {
    await worker.stop();
    await cleanQueue(redis, worker.queue);
  });

  const popReply = async (list: string): Promise<TaskResult> => {
    const popped = await redis.blpop(list, 10);
    expect(popped, `a result on ${list}`).not.toBeNull();
    return JSON.parse(popped![1]) as TaskResult;
  };

  it('answers a different task under an answered id with DUPLICATE_TASK_ID on its reply_to', async () => {
    const { queue, results, worker: w } = await start();
    const replyTo = `{${queue}}:reuse_reply`;
    await push(redis, queue, [{ task_id: 'k4', audio_b64: SHORT }]);
    const [first] = await readResults(redis, results, 1, 10_000);
    expect(first).toMatchObject({ task_id: 'k4', status: 'done' });

    await push(redis, queue, [{ task_id: 'k4', audio_b64: LONG, reply_to: replyTo }]);
    expect(await popReply(replyTo)).toMatchObject({
      task_id: 'k4',
      status: 'failed',
      error: { code: 'DUPLICATE_TASK_ID', message: expect.stringContaining('task_id "k4"') },
    });
    // The first answer stands everywhere else.
    expect(await redis.llen(results)).toBe(1);
    expect(JSON.parse((await redis.get(w.keys.status('k4')))!)).toEqual(first);
    expect(
      lines.some(
        (line) => line.level === 40 && line.task_id === 'k4' && /reused/.test(String(line.msg)),
      ),
    ).toBe(true);
    expect(await redis.exists(w.keys.processing(w.workerId))).toBe(0);
  });

  it('warns, and answers nothing, for a different task without a reply_to', async () => {
    const { queue, results, worker: w } = await start();
    await push(redis, queue, [{ task_id: 'k6', audio_b64: SHORT }]);
    await readResults(redis, results, 1, 10_000);
    await push(redis, queue, [{ task_id: 'k6', audio_b64: LONG }]);
    await waitFor('the warning', async () =>
      lines.some((line) => line.level === 40 && line.task_id === 'k6'),
    );
    expect(await redis.llen(results)).toBe(1);
    expect(w.counts.repeats).toBe(0);
  });

  it('stays silent for a repeat delivery of the same task', async () => {
    const { queue, worker: w } = await start();
    const replyTo = `{${queue}}:repeat_reply`;
    const task = JSON.stringify({ task_id: 'k5', audio_b64: SHORT, reply_to: replyTo });
    await push(redis, queue, [task]);
    expect(await popReply(replyTo)).toMatchObject({ task_id: 'k5', status: 'done' });
    await push(redis, queue, [task]);
    await waitFor('the repeat', async () => w.counts.repeats >= 1);
    expect(await redis.llen(replyTo)).toBe(0);
    expect(lines.some((line) => line.level === 40 && line.task_id === 'k5')).toBe(false);
  });

  it('tells the loser when two different tasks with one id are worked on at once', async () => {
    const queue = uniqueQueue('reused-race');
    const replyA = `{${queue}}:reply-a`;
    const replyB = `{${queue}}:reply-b`;
    // Queued before the worker starts, so one take hands out both.
    await push(redis, queue, [
      { task_id: 'k7', audio_b64: SHORT, reply_to: replyA },
      { task_id: 'k7', audio_b64: LONG, reply_to: replyB },
    ]);
    const captured = capturingLogger();
    lines = captured.lines;
    worker = await startTestWorker(
      'reused-race',
      { engine: 'noop', concurrency: 2, queue },
      captured.logger,
    );
    const [a, b] = await Promise.all([popReply(replyA), popReply(replyB)]);
    const statuses = [a.error?.code ?? a.status, b.error?.code ?? b.status].sort();
    expect(statuses).toEqual(['DUPLICATE_TASK_ID', 'done']);
  });
});
