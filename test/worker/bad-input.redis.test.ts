/**
 * Nothing is dropped silently: a task whose id can be read gets a failed
 * result with a stable code (on its reply_to list when it names one); an
 * item without a readable id goes to the dead-letter list with the reason.
 * The worker keeps serving after each.
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { speechSets, testModel } from '../support/fixtures.js';
import { cleanQueue, connect, waitFor } from '../support/redis.js';
import { byId, push, readResults, startTestWorker, type TestWorker } from './support.js';

describe('worker: bad input', () => {
  const redis = connect();
  let worker: TestWorker;
  const wav = () => readFileSync(speechSets()[1]!.wav16k).toString('base64');

  beforeAll(async () => {
    worker = await startTestWorker('bad-input', {
      model: await testModel('test'),
      concurrency: 1,
      maxPayloadBytes: 400_000,
    });
  });
  afterAll(async () => {
    await worker.stop();
    await cleanQueue(redis, worker.queue);
    redis.disconnect();
  });

  it('answers each bad task with its code and keeps serving', async () => {
    const replyTo = `{${worker.queue}}:private-reply`;
    await redis.hset(`{${worker.queue}}:a-hash`, 'not', 'audio');
    const cases: Array<[object, string]> = [
      [{ task_id: 'no-audio' }, 'INVALID_TASK'],
      [{ task_id: 'both-audio', audio_b64: wav(), audio_key: 'k' }, 'INVALID_TASK'],
      [{ task_id: 'bad-b64', audio_b64: '***not base64***' }, 'INVALID_TASK'],
      [{ task_id: 'wrong-type', audio_b64: wav(), chunk_index: 'three' }, 'INVALID_TASK'],
      [{ task_id: 'pcm-no-rate', audio_b64: wav(), encoding: 'pcm_s16le' }, 'INVALID_TASK'],
      [{ task_id: 'ogg', audio_b64: wav(), encoding: 'ogg' }, 'UNSUPPORTED_ENCODING'],
      [{ task_id: 'dangling', audio_key: `{${worker.queue}}:nothing-here` }, 'AUDIO_NOT_FOUND'],
      [{ task_id: 'not-bytes', audio_key: `{${worker.queue}}:a-hash` }, 'AUDIO_NOT_FOUND'],
      [
        { task_id: 'garbage', audio_b64: Buffer.from('x'.repeat(3000)).toString('base64') },
        'AUDIO_INVALID',
      ],
      [
        { task_id: 'huge', audio_b64: Buffer.alloc(500_000).toString('base64') },
        'PAYLOAD_TOO_LARGE',
      ],
      [{ task_id: 'reply', reply_to: replyTo }, 'INVALID_TASK'],
    ];
    await push(redis, worker.queue, [
      ...cases.map(([task]) => task),
      { task_id: 'ok', audio_b64: wav() },
    ]);

    const results = byId(await readResults(redis, worker.results, cases.length));
    for (const [task, code] of cases) {
      const id = (task as { task_id: string }).task_id;
      if (id === 'reply') continue;
      expect(results.get(id), id).toMatchObject({ status: 'failed', error: { code } });
    }
    const [, replied] = (await redis.blpop(replyTo, 10))!;
    expect(JSON.parse(replied)).toMatchObject({
      task_id: 'reply',
      error: { code: 'INVALID_TASK' },
    });
    expect(results.get('ok')).toMatchObject({ status: 'done' });
    await redis.del(replyTo);
  });

  it('dead-letters items without a readable task id, with the reason and the raw item', async () => {
    const items = ['not json {', '[1,2,3]', '{"task_id": 5, "audio_b64": "AAAA"}'];
    await push(redis, worker.queue, items);
    const dead = await waitFor('three dead letters', async () => {
      const entries = await redis.lrange(worker.worker.keys.dead, 0, -1);
      return entries.length >= 3 ? entries.map((e) => JSON.parse(e)) : undefined;
    });
    expect(dead.map((e) => e.raw)).toEqual(items);
    for (const entry of dead) expect(entry.reason).toBe('INVALID_TASK');
    expect(await redis.llen(worker.worker.keys.processing(worker.worker.workerId))).toBe(0);
  });

  it('does not decode or publish a task again when its final result exists', async () => {
    const task = JSON.stringify({ task_id: 'twice', audio_b64: wav() });
    const before = await redis.llen(worker.results);
    await push(redis, worker.queue, [task]);
    await readResults(redis, worker.results, before + 1);
    await push(redis, worker.queue, [task]);
    await waitFor('the repeat to be acknowledged', async () => worker.worker.counts.repeats >= 1);

    const all = await redis.lrange(worker.results, 0, -1);
    expect(all.filter((r) => JSON.parse(r).task_id === 'twice')).toHaveLength(1);
  });
});
