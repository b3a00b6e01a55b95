/**
 * The energy gate: a chunk whose RMS level is below the floor (-60 dBFS by
 * default) is answered at once, with no decoding state taken and whisper
 * never run; anything louder is decoded as before. Every result reports the
 * level it measured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadModel, type Model, type Transcription } from '../../src/index.js';
import { MICRO_MODEL } from '../support/fixtures.js';
import { bytes, concat, F32, noise, scaleTo, silence, spoken } from '../support/level-audio.js';

const OPTIONS = { ...F32, threads: 2 } as const;

function expectSkippedAsSilence(result: Transcription): void {
  expect(result.skipped).toBe('silence');
  expect(result.text).toBe('');
  expect(result.segments).toEqual([]);
  expect(result.timings.decodeMs).toBe(0);
  expect(result.speech).toBeUndefined();
}

function expectDecoded(result: Transcription): void {
  expect(result.skipped).toBeUndefined();
  expect(result.timings.decodeMs).toBeGreaterThan(0);
}

describe('silence gate', () => {
  let model: Model;
  let speech: Float32Array;

  beforeAll(async () => {
    model = await loadModel(MICRO_MODEL, { states: 1 });
    speech = spoken('gate', 'one two three go');
  });
  afterAll(() => model.close());

  it('skips digital silence without decoding, reporting its level as null', async () => {
    const result = await model.transcribe(bytes(silence(2)), OPTIONS);
    expectSkippedAsSilence(result);
    expect(result.levelDbfs).toBeNull();
    expect(result.audioMs).toBe(2000);
    expect(result.language).toBe('en');
  });

  it('skips near-silence: -80 dBFS noise, and 16-bit audio one step from zero', async () => {
    const hiss = await model.transcribe(bytes(noise(-80, 2)), OPTIONS);
    expectSkippedAsSilence(hiss);
    expect(hiss.levelDbfs).toBeCloseTo(-80, 1);

    // ±1 in 16-bit PCM: about -90 dBFS, the quietest a 16-bit line gets without being zero.
    const lsb = Buffer.alloc(32000);
    for (let i = 0; i < 16000; i++) lsb.writeInt16LE(i % 2 === 0 ? 1 : -1, i * 2);
    const quiet = await model.transcribe(lsb, { ...OPTIONS, encoding: 'pcm_s16le' });
    expectSkippedAsSilence(quiet);
    expect(quiet.levelDbfs).toBeCloseTo(-90.3, 1);
  });

  it('decodes speech at a normal level, and reports the level', async () => {
    const result = await model.transcribe(bytes(speech), OPTIONS);
    expectDecoded(result);
    expect(result.text.trim()).not.toBe('');
    expect(result.levelDbfs).toBeGreaterThan(-35);
    expect(result.levelDbfs).toBeLessThan(-10);
  });

  it('measures RMS in dBFS: a sine of amplitude 0.5 is at -9.03', async () => {
    const sine = Float32Array.from(
      { length: 16000 },
      (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 16000),
    );
    const result = await model.transcribe(bytes(sine), OPTIONS);
    expect(result.levelDbfs).toBeCloseTo(20 * Math.log10(0.5 / Math.SQRT2), 2);
  });

  it('moves the decision with the floor option', async () => {
    const hiss = bytes(noise(-80, 2));
    expectDecoded(await model.transcribe(hiss, { ...OPTIONS, silenceFloorDbfs: -90 }));

    const loud = await model.transcribe(bytes(speech), { ...OPTIONS, silenceFloorDbfs: -10 });
    expectSkippedAsSilence(loud);
    expect(loud.levelDbfs).toBeLessThan(-10);

    const quietSpeech = bytes(scaleTo(speech, -55));
    expectDecoded(await model.transcribe(quietSpeech, OPTIONS));
    expectSkippedAsSilence(
      await model.transcribe(quietSpeech, { ...OPTIONS, silenceFloorDbfs: -50 }),
    );
  });

  it('decodes everything, digital silence included, with the gate off (-Infinity)', async () => {
    const result = await model.transcribe(bytes(silence(1)), {
      ...OPTIONS,
      silenceFloorDbfs: -Infinity,
    });
    expectDecoded(result);
    expect(result.levelDbfs).toBeNull();
  });

  it('judges the whole chunk: a little speech in a long silence is still heard', async () => {
    const mostlySilent = concat(silence(5), speech, silence(5));
    const result = await model.transcribe(bytes(mostlySilent), OPTIONS);
    expectDecoded(result);
    expect(result.levelDbfs).toBeLessThan(-25);
  });
});
