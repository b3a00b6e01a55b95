/**
 * Every log line about a task names it by the task_id it was answered under,
 * wherever the producer put the key (Python's sort_keys, Go structs with
 * TaskID further down) and whichever of duplicate keys JSON.parse keeps. An
 * item with no id is named by its fingerprint, in a field of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { capturingLogger } from '../queue/fixture.js';
import { cleanQueue, connect, waitFor } from '../support/redis.js';
import { byId, push, readResults, startTestWorker, type TestWorker } from './support.js';

describe('worker: the task_id in log lines', () => {
  const redis = connect();
  const { logger, lines } = capturingLogger();
  let worker: TestWorker;

  beforeAll(async () => {
    worker = await startTestWorker('log-task-id', { engine: 'noop' }, logger);
  });
  afterAll(async () => {
    await worker.stop();
    await cleanQueue(redis, worker.queue);
    redis.disconnect();
  });

  const linesSaying = (msg: string) => lines.filter((line) => line.msg === msg);

  it('is the parsed task_id, not the first key and not the first of duplicates', async () => {
    await push(redis, worker.queue, [
      '{"audio_b64":"AAAA","task_id":"d1"}',
      '{"encoding":"ogg","audio_b64":"AAAA","task_id":"f1"}',
      '{"task_id":"c15","task_id":"c15b","audio_b64":"AAAA"}',
    ]);
    const results = byId(await readResults(redis, worker.results, 3, 10_000));
    expect([...results.keys()].sort()).toEqual(['c15b', 'd1', 'f1']);
    await waitFor('the log lines', async () => linesSaying('task done').length >= 2, 5_000);

    expect(linesSaying('task done').map((line) => line.task_id)).toEqual(
      expect.arrayContaining(['d1', 'c15b']),
    );
    expect(linesSaying('task failed: UNSUPPORTED_ENCODING').map((line) => line.task_id)).toEqual([
      'f1',
    ]);
    const named = lines.filter((line) => line.task_id !== undefined).map((line) => line.task_id);
    expect(named).not.toContain('c15');
    expect(named.every((id) => /^(d1|f1|c15b)$/.test(String(id)))).toBe(true);
  });

  it('is absent for an item without one, which is named by its fingerprint', async () => {
    await push(redis, worker.queue, ['not json {']);
    const [dead] = await waitFor('the dead letter', async () => {
      const found = linesSaying('unreadable task dead-lettered');
      return found.length > 0 ? found : undefined;
    });
    expect(dead!.task_id).toBeUndefined();
    expect(dead!.task_fingerprint).toMatch(/^[0-9a-f]{40}$/);
  });
});
