/**
 * Items that are not UTF-8 (a pickled job pushed onto the wrong list, a
 * task with a Latin-1 byte) leave the processing list by their exact bytes:
 * a lossy string would match nothing there, and every worker after would
 * recover the item and handle it again.
 */
import { afterEach, describe, expect, it } from 'vitest';

import type { DeadLetterEntry } from '../../src/queue/redelivery.js';
import { cleanQueue, connect, waitFor } from '../support/redis.js';
import { readResults, startTestWorker, type TestWorker } from './support.js';

const PICKLED = Buffer.from([0x80, 0x04, 0x95, ...Buffer.from('{"task_id":"z1"}'), 0xff]);

/** `before` é `after`, the é in Latin-1 (one byte, 0xE9): not UTF-8. */
function withLatin1E(before: string, after: string): Buffer {
  return Buffer.concat([Buffer.from(before), Buffer.from([0xe9]), Buffer.from(after)]);
}

describe('worker: items that are not UTF-8', () => {
  const redis = connect();
  const started: TestWorker[] = [];

  async function start(queue: string | undefined, workerId: string): Promise<TestWorker> {
    const worker = await startTestWorker('binary', {
      engine: 'noop',
      workerId,
      ...(queue !== undefined && { queue }),
    });
    started.push(worker);
    return worker;
  }

  afterEach(async () => {
    for (const worker of started.splice(0)) {
      await worker.stop();
      await cleanQueue(redis, worker.queue);
    }
  });

  it('dead-letters a binary item exactly once and leaves no processing list behind', async () => {
    const first = await start(undefined, 'binary-1');
    const { keys } = first.worker;
    await redis.rpush(keys.queue, PICKLED);
    await waitFor('the dead letter', async () => (await redis.llen(keys.dead)) >= 1);
    await waitFor(
      'the processing list to go',
      async () => {
        return (await redis.exists(keys.processing('binary-1'))) === 0;
      },
      5_000,
    );
    await started.pop()!.stop();

    // A second worker finds nothing to recover, so nothing is dead-lettered again.
    const second = await start(first.queue, 'binary-2');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await redis.llen(keys.dead)).toBe(1);
    expect(second.worker.counts.deadLettered).toBe(0);
    expect(await redis.exists(keys.processing('binary-1'), keys.processing('binary-2'))).toBe(0);
    expect(await redis.exists(keys.deliveries)).toBe(0);

    const entry = JSON.parse((await redis.lindex(keys.dead, 0))!) as DeadLetterEntry;
    expect(entry).toMatchObject({ reason: 'INVALID_TASK', raw_encoding: 'base64' });
    expect(Buffer.from(entry.raw, 'base64')).toEqual(PICKLED);
  });

  it('refuses a task with a Latin-1 byte, answering it, and takes it off the processing list', async () => {
    const worker = await start(undefined, 'latin-1');
    const { keys } = worker.worker;
    const task = withLatin1E('{"task_id":"latin","audio_b64":"AAAA","prompt":"caf', '"}');
    await redis.rpush(keys.queue, task);

    const [result] = await readResults(redis, worker.results, 1, 10_000);
    expect(result).toMatchObject({
      task_id: 'latin',
      status: 'failed',
      error: { code: 'INVALID_TASK', message: expect.stringContaining('not UTF-8 text') },
    });
    await waitFor(
      'the processing list to go',
      async () => {
        return (await redis.exists(keys.processing('latin-1'))) === 0;
      },
      5_000,
    );
    expect(await redis.exists(keys.deliveries)).toBe(0);
  });

  it('dead-letters a task whose task_id is not UTF-8, rather than answer another id', async () => {
    const worker = await start(undefined, 'latin-id');
    const { keys } = worker.worker;
    const task = withLatin1E('{"task_id":"z', '3","audio_b64":"AAAA"}');
    await redis.rpush(keys.queue, task);

    await waitFor('a dead letter', async () => (await redis.llen(keys.dead)) === 1, 10_000);
    const entry = JSON.parse((await redis.lindex(keys.dead, 0))!) as DeadLetterEntry;
    expect(entry).toMatchObject({ reason: 'INVALID_TASK', raw_encoding: 'base64' });
    expect(Buffer.from(entry.raw, 'base64').equals(task)).toBe(true);
    expect(await redis.llen(worker.results)).toBe(0);
  });
});
