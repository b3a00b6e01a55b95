/**
 * A reply_to naming the worker's own queue (or any key the workers keep for
 * it) would lose the result: pushed onto the queue, it is taken back as a
 * task and, its status key already final, acknowledged without a word. The
 * task is refused instead, on the default result list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cleanQueue, connect } from '../support/redis.js';
import { byId, push, readResults, startTestWorker, type TestWorker } from './support.js';

describe('worker: a reply_to naming one of its own keys', () => {
  const redis = connect();
  let worker: TestWorker;

  beforeAll(async () => {
    worker = await startTestWorker('reply-to-own', { engine: 'noop' });
  });
  afterAll(async () => {
    await worker.stop();
    await cleanQueue(redis, worker.queue);
    redis.disconnect();
  });

  it('is refused with INVALID_TASK on the default result list, naming the field', async () => {
    const { keys } = worker.worker;
    const { sessionResults } = worker;
    await push(redis, worker.queue, [
      { task_id: 'c18', audio_b64: 'AAAA', reply_to: worker.queue },
      { task_id: 'c19', audio_b64: 'AAAA', reply_to: keys.processing(worker.worker.workerId) },
      // Rejected for its audio; the failure must not go to the queue either.
      { task_id: 'c20', reply_to: worker.queue },
      // Backends block on it for terminal session messages, not chunk results.
      { task_id: 'c21', audio_b64: 'AAAA', reply_to: sessionResults },
    ]);

    const results = byId(await readResults(redis, worker.results, 4, 10_000));
    expect(results.get('c18')).toMatchObject({
      status: 'failed',
      error: {
        code: 'INVALID_TASK',
        message: `field 'reply_to' must name a list of the producer's own, not the task queue, got "${worker.queue}"`,
      },
    });
    expect(results.get('c19')).toMatchObject({
      status: 'failed',
      error: { code: 'INVALID_TASK', message: expect.stringContaining('not a processing list') },
    });
    expect(results.get('c20')).toMatchObject({
      status: 'failed',
      error: { code: 'INVALID_TASK', message: expect.stringContaining('audio') },
    });
    expect(results.get('c21')).toMatchObject({
      status: 'failed',
      error: { code: 'INVALID_TASK', message: expect.stringContaining('the session result list') },
    });
    expect(await redis.llen(sessionResults)).toBe(0);
    expect(JSON.parse((await redis.get(keys.status('c18')))!)).toMatchObject({
      status: 'failed',
    });
    expect(await redis.llen(worker.queue)).toBe(0);
    expect(worker.worker.counts.repeats).toBe(0);
  });
});
