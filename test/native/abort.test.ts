/**
 * A timeout or an abort stops the native decode itself (through whisper's
 * abort callback), promptly, and the model stays usable.
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EngineError, loadModel, type Model } from '../../src/index.js';
import { JFK_MP3, testModel } from '../support/fixtures.js';

describe('abort and timeout', () => {
  let model: Model;
  let long: Buffer;
  let fullMs: number;

  beforeAll(async () => {
    model = await loadModel(await testModel('test'), { states: 1 });
    // 33 s of speech: several 30 s windows of work for the decoder.
    const jfk = readFileSync(JFK_MP3);
    long = Buffer.concat([jfk, jfk, jfk]);
    const full = await model.transcribe(long, { threads: 2, encoding: 'mp3' });
    fullMs = full.timings.totalMs;
  });
  afterAll(() => model.close());

  it('stops a long decode at its timeout and the next call works', async () => {
    const timeoutMs = Math.max(20, Math.round(fullMs / 10));
    const started = performance.now();
    const error = await model
      .transcribe(long, { threads: 2, encoding: 'mp3', timeoutMs })
      .catch((e: unknown) => e);
    const elapsedMs = performance.now() - started;

    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('TIMEOUT');
    // Stopped well before the decode would have finished on its own.
    expect(elapsedMs).toBeLessThan(fullMs / 2 + timeoutMs);

    const next = await model.transcribe(readFileSync(JFK_MP3), { threads: 2 });
    expect(next.audioMs).toBeCloseTo(11000, -2);
  });

  it('frees the state of an aborted call for the call waiting behind it', async () => {
    const controller = new AbortController();
    const first = model.transcribe(long, { signal: controller.signal, threads: 2 });
    const second = model.transcribe(readFileSync(JFK_MP3), { threads: 2 });
    controller.abort();

    await expect(first).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(second).resolves.toMatchObject({ language: 'en' });
  });
});
