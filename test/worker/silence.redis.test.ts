/**
 * The silence gate seen from a producer: quiet chunks of a session come back
 * `done` and `skipped: 'silence'` with no decoding time, a spoken chunk is
 * decoded, and the session's transcript is the spoken chunk's text alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SessionComplete } from '../../src/sessions/messages.js';
import { bytes, noise, silence, spoken } from '../support/level-audio.js';
import { MICRO_MODEL } from '../support/fixtures.js';
import { cleanQueue, connect, waitFor } from '../support/redis.js';
import { byId, push, readResults, startTestWorker, type TestWorker } from './support.js';

function f32Task(id: string, index: number, samples: Float32Array, isFinal = false): object {
  return {
    task_id: id,
    session_id: 'quiet',
    chunk_index: index,
    is_final: isFinal,
    encoding: 'pcm_f32le',
    sample_rate: 16000,
    channels: 1,
    audio_b64: bytes(samples).toString('base64'),
  };
}

describe('worker: silent chunks', () => {
  const redis = connect();
  let worker: TestWorker;

  beforeAll(async () => {
    worker = await startTestWorker('silence', { model: MICRO_MODEL, concurrency: 1, threads: 1 });
  });

  afterAll(async () => {
    await worker.stop();
    await cleanQueue(redis, worker.queue);
    redis.disconnect();
  });

  it('answers digital silence and near-silence without decoding, and decodes speech', async () => {
    await push(redis, worker.queue, [
      f32Task('zeros', 0, silence(2)),
      f32Task('hiss', 1, noise(-80, 2)),
      f32Task('speech', 2, spoken('silence-worker', 'play music'), true),
    ]);
    const results = byId(await readResults(redis, worker.results, 3));

    const zeros = results.get('zeros')!;
    expect(zeros).toMatchObject({ status: 'done', skipped: 'silence', text: '', segments: [] });
    expect(zeros.level_dbfs).toBeUndefined();
    expect(zeros.timings!.decode_ms).toBe(0);

    const hiss = results.get('hiss')!;
    expect(hiss).toMatchObject({ status: 'done', skipped: 'silence', text: '' });
    expect(hiss.level_dbfs).toBeCloseTo(-80, 0);
    expect(hiss.timings!.decode_ms).toBe(0);

    const speech = results.get('speech')!;
    expect(speech.skipped).toBeUndefined();
    expect(speech.text!.trim().toLowerCase()).toBe('play music');
    expect(speech.level_dbfs).toBeGreaterThan(-40);
    expect(speech.timings!.decode_ms).toBeGreaterThan(0);

    const [completion] = await waitFor('the session to complete', async () => {
      const raw = await redis.lrange(worker.sessionResults, 0, -1);
      return raw.length > 0 && raw.map((item) => JSON.parse(item) as SessionComplete);
    });
    expect(completion).toMatchObject({ type: 'session_complete', chunks: 3 });
    expect(completion!.text).toBe(speech.text!.trim());
  });
});
