/**
 * Decoding runs off the event loop: timers keep firing while whisper works,
 * calls run side by side on their own states, and concurrency changes
 * nothing about the text a chunk gets.
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadModel, type Model, type Transcription } from '../../src/index.js';
import { JFK_MP3, MICRO_MODEL, speechSets, testModel } from '../support/fixtures.js';

const OPTIONS = { threads: 1, beamSize: 1, bestOf: 1, temperatureIncrement: 0 } as const;

describe('concurrency', () => {
  const STATES = 3;
  let model: Model;
  let jfk: Buffer;

  beforeAll(async () => {
    model = await loadModel(await testModel('test'), { states: STATES });
    jfk = readFileSync(JFK_MP3);
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
});

describe('no cross-talk (the bundled micro model)', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(MICRO_MODEL, { states: 3 });
  });
  afterAll(() => model.close());

  it('gives the same text alone and under concurrency', async () => {
    const speech = speechSets().map((set) => readFileSync(set.wav16k));
    const alone: Transcription[] = [];
    for (const audio of speech) alone.push(await model.transcribe(audio, OPTIONS));
    expect(alone[0]!.text).not.toEqual(alone[1]!.text);

    const mixed = await Promise.all(
      Array.from({ length: 9 }, (_, i) => model.transcribe(speech[i % 2]!, OPTIONS)),
    );
    mixed.forEach((result, i) => {
      expect(result.text).toBe(alone[i % 2]!.text);
      expect(result.segments).toEqual(alone[i % 2]!.segments);
    });
  });
});
