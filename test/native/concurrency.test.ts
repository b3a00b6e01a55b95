/**
 * Decoding runs off the event loop: timers keep firing while whisper works,
 * calls run side by side on their own states, and concurrency changes
 * nothing about the text a chunk gets.
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadModel, type Model } from '../../src/index.js';
import { JFK_MP3, speechSets, testModel } from '../support/fixtures.js';

const OPTIONS = { threads: 1, beamSize: 1, bestOf: 1, temperatureIncrement: 0 } as const;

describe('concurrency', () => {
  const STATES = 3;
  let model: Model;
  let jfk: Buffer;
  let espeak: Buffer;

  beforeAll(async () => {
    model = await loadModel(await testModel('test'), { states: STATES });
    jfk = readFileSync(JFK_MP3);
    espeak = readFileSync(speechSets()[1]!.wav16k);
  });
  afterAll(() => model.close());

  it('keeps the event loop turning while a transcription runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    try {
      await model.transcribe(Buffer.concat([jfk, jfk]), OPTIONS);
    } finally {
      clearInterval(timer);
    }
    const elapsedMs = performance.now() - started;
    // A blocked loop would fire at most once. Allow timer slack of 4x.
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsedMs / 5 / 4));
    expect(ticks).toBeGreaterThan(2);
  });

  it('runs one call per state at the same time, and queues the rest', async () => {
    const calls = Array.from({ length: STATES + 2 }, () => model.transcribe(jfk, OPTIONS));
    await new Promise((resolve) => setImmediate(resolve));
    expect(model.stats()).toEqual({ running: STATES, waiting: 2 });

    const results = await Promise.all(calls);
    expect(model.stats()).toEqual({ running: 0, waiting: 0 });
    // The queued calls waited for a state; the first ones did not.
    const queued = results.map((r) => r.timings.queuedMs).sort((a, b) => a - b);
    expect(queued[STATES]!).toBeGreaterThan(queued[0]!);
  });

  it('gives the same text alone and under concurrency (no cross-talk)', async () => {
    const aloneJfk = await model.transcribe(jfk, OPTIONS);
    const aloneEspeak = await model.transcribe(espeak, OPTIONS);
    expect(aloneJfk.text).not.toEqual(aloneEspeak.text);

    const mixed = await Promise.all(
      Array.from({ length: 6 }, (_, i) => model.transcribe(i % 2 ? espeak : jfk, OPTIONS)),
    );
    mixed.forEach((result, i) => {
      const alone = i % 2 ? aloneEspeak : aloneJfk;
      expect(result.text).toBe(alone.text);
      expect(result.segments).toEqual(alone.segments);
    });
  });
});
