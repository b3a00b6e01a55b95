/**
 * The main job end to end through the real addon: tasks in every supported
 * encoding go in through Redis, and each result carries its task id, the
 * audio length as received, and exactly what the engine says for the same
 * audio called directly.
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadModel, type Model } from '../../src/index.js';
import type { TranscribeOptions } from '../../src/engine/options.js';
import { MICRO_MODEL, speechFlac, speechSets } from '../support/fixtures.js';
import { cleanQueue, connect } from '../support/redis.js';
import { byId, push, readResults, startTestWorker, type TestWorker } from './support.js';

describe('worker: every encoding end to end', () => {
  const redis = connect();
  let worker: TestWorker;
  let direct: Model;
  let modelPath: string;

  beforeAll(async () => {
    // The micro model's words follow the audio, so a mix-up shows.
    modelPath = MICRO_MODEL;
    worker = await startTestWorker('encodings', { model: modelPath, concurrency: 2, threads: 1 });
    direct = await loadModel(modelPath, { threads: 1 });
  });

  afterAll(async () => {
    await worker.stop();
    await direct.close();
    await cleanQueue(redis, worker.queue, ['audio-key:' + worker.queue]);
    redis.disconnect();
  });

  it('answers WAV, MP3, FLAC, raw PCM and audio_key tasks like the engine does', async () => {
    const speech = speechSets()[1]!;
    const audioKey = 'audio-key:' + worker.queue;
    await redis.set(audioKey, readFileSync(speech.wav16k));

    const forms: Array<{ id: string; file: string; task: object; options: TranscribeOptions }> = [
      { id: 'wav', file: speech.wav16k, task: { encoding: 'wav' }, options: { encoding: 'wav' } },
      { id: 'mp3', file: speech.mp3, task: { encoding: 'mp3' }, options: { encoding: 'mp3' } },
      { id: 'flac', file: speechFlac(), task: { encoding: 'flac' }, options: { encoding: 'flac' } },
      {
        id: 's16',
        file: speech.s16le,
        task: { encoding: 'pcm_s16le', sample_rate: 16000 },
        options: { encoding: 'pcm_s16le', sampleRate: 16000 },
      },
      {
        id: 'f32',
        file: speech.f32le,
        task: { encoding: 'pcm_f32le', sample_rate: 16000, channels: 1 },
        options: { encoding: 'pcm_f32le', sampleRate: 16000 },
      },
    ];

    await push(redis, worker.queue, [
      ...forms.map((f) => ({
        task_id: f.id,
        audio_b64: readFileSync(f.file).toString('base64'),
        ...f.task,
      })),
      { task_id: 'key', audio_key: audioKey, session_id: 's1', chunk_index: 3, is_final: true },
    ]);
    const results = byId(await readResults(redis, worker.results, forms.length + 1));

    for (const form of forms) {
      const expected = await direct.transcribe(readFileSync(form.file), form.options);
      const result = results.get(form.id)!;
      expect(result).toMatchObject({ status: 'done', task_id: form.id, text: expected.text });
      expect(result.audio_ms).toBeCloseTo(expected.audioMs, 0);
      expect(result.segments).toMatchObject(
        expected.segments.map((s) => ({
          start_ms: s.startMs,
          end_ms: s.endMs,
          text: s.text,
          no_speech_prob: expect.any(Number),
          avg_logprob: expect.any(Number),
        })),
      );
    }

    const byKey = results.get('key')!;
    expect(byKey).toMatchObject({
      status: 'done',
      session_id: 's1',
      chunk_index: 3,
      is_final: true,
    });
    expect(byKey.text).toBe(results.get('wav')!.text);

    // The status key holds the final result; nothing is left in processing.
    const status = JSON.parse((await redis.get(worker.worker.keys.status('wav')))!);
    expect(status).toMatchObject({ task_id: 'wav', status: 'done' });
    const processing = worker.worker.keys.processing(worker.worker.workerId);
    expect(await redis.llen(processing)).toBe(0);
  });
});
