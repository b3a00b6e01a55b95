/**
 * A timeout or an abort stops the native decode itself (through whisper's
 * abort callback), before it would have finished, and the model stays
 * usable.
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeAudio, EngineError, loadModel, type Model } from '../../src/index.js';
import { JFK_MP3, testModel } from '../support/fixtures.js';

/**
 * Raw 16 kHz float PCM (no container, so no conversion time on the clock),
 * decoded greedily without temperature fallback: random weights fail
 * whisper's checks, and each fallback would decode the window again.
 */
const LONG_AUDIO = {
  encoding: 'pcm_f32le',
  sampleRate: 16000,
  threads: 2,
  temperatureIncrement: 0,
} as const;

describe('abort and timeout', () => {
  let model: Model;
  let long: Buffer;
  let fullMs: number;

  beforeAll(async () => {
    // The tiny.en shape: each encoder pass takes long enough that stopping
    // between passes is measurably sooner than finishing (the small test
    // shape decodes a whole window in a few milliseconds).
    model = await loadModel(await testModel('tiny.en'), { states: 1 });
    // 88 s of speech: three 30 s windows of work.
    const { samples } = await decodeAudio(readFileSync(JFK_MP3));
    const repeated = new Float32Array(samples.length * 8);
    for (let i = 0; i < 8; i++) repeated.set(samples, i * samples.length);
    long = Buffer.from(repeated.buffer);

    const full = await model.transcribe(long, LONG_AUDIO);
    expect(full.audioMs).toBeCloseTo(88_000, -3);
    fullMs = full.timings.totalMs;
  });
  afterAll(() => model.close());

  it('stops a long decode at its timeout and the next call works', async () => {
    const timeoutMs = Math.round(fullMs / 10);
    const started = performance.now();
    const error = await model
      .transcribe(long, { ...LONG_AUDIO, timeoutMs })
      .catch((e: unknown) => e);
    const elapsedMs = performance.now() - started;

    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('TIMEOUT');
    // The abort takes effect between whisper's steps, not at the instant the
    // timer fires; still, it must cut the decode well short.
    expect(elapsedMs).toBeLessThan(fullMs * 0.75);

    const next = await model.transcribe(readFileSync(JFK_MP3), { threads: 2 });
    expect(next.audioMs).toBeCloseTo(11000, -2);
  });

  it('frees the state of an aborted call for the call waiting behind it', async () => {
    const controller = new AbortController();
    const first = model.transcribe(long, { ...LONG_AUDIO, signal: controller.signal });
    const second = model.transcribe(readFileSync(JFK_MP3), { threads: 2 });
    controller.abort();

    await expect(first).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(second).resolves.toMatchObject({ language: 'en' });
  });
});
