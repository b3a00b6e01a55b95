/**
 * whisper.cpp's voice activity detector, loaded once with the model from a
 * generated Silero-shaped file. The 'loudness' weights make the network a
 * loudness detector (src/tools/random-vad-model.ts), so where it finds speech
 * can be checked; the 'random' weights only prove a different file runs.
 */
import { readFileSync, writeFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EngineError, loadModel, type Model, type Transcription } from '../../src/index.js';
import { ensureRandomVadModel } from '../../src/tools/random-vad-model.js';
import { fixture, FIXTURES_DIR, MICRO_MODEL, testModel } from '../support/fixtures.js';
import { bytes, concat, F32, noise, silence, spoken } from '../support/level-audio.js';

const OPTIONS = { ...F32, threads: 2 } as const;

/** Spans in order, apart, each inside the audio and not empty. */
function expectWellFormedSpeech(result: Transcription): void {
  const speech = result.speech!;
  expect(Array.isArray(speech)).toBe(true);
  let previousEnd = 0;
  for (const span of speech) {
    expect(span.startMs).toBeGreaterThanOrEqual(previousEnd);
    expect(span.endMs).toBeGreaterThan(span.startMs);
    expect(span.endMs).toBeLessThanOrEqual(result.audioMs);
    previousEnd = span.endMs;
  }
}

describe('voice activity detection (loudness weights)', () => {
  let model: Model;
  let words: Float32Array;

  beforeAll(async () => {
    const vadModelPath = await ensureRandomVadModel(FIXTURES_DIR, 'loudness');
    model = await loadModel(MICRO_MODEL, { states: 2, vadModelPath });
    words = spoken('vad', 'one two three');
  });
  afterAll(() => model.close());

  it('says it has a detector', () => {
    expect(model.info().vad).toBe(true);
  });

  it('finds speech where it is, and decodes the chunk', async () => {
    const audio = concat(silence(1), words, silence(1));
    const result = await model.transcribe(bytes(audio), OPTIONS);

    expectWellFormedSpeech(result);
    expect(result.speech!.length).toBeGreaterThanOrEqual(1);
    // One second of silence on each side; the detector pads its spans by
    // 30 ms and scores 32 ms windows.
    expect(result.speech![0]!.startMs).toBeGreaterThanOrEqual(900);
    expect(result.speech!.at(-1)!.endMs).toBeLessThanOrEqual(result.audioMs - 900);
    expect(result.skipped).toBeUndefined();
    expect(result.text.trim()).not.toBe('');
    expect(result.timings.vadMs).toBeGreaterThan(0);
    expect(result.timings.decodeMs).toBeGreaterThan(0);
  });

  it('keeps two utterances apart when a long pause separates them', async () => {
    const audio = concat(silence(0.5), words, silence(2), words, silence(0.5));
    const result = await model.transcribe(bytes(audio), OPTIONS);
    expectWellFormedSpeech(result);
    const [first, second] = [result.speech![0]!, result.speech!.at(-1)!];
    expect(result.speech!.length).toBeGreaterThanOrEqual(2);
    expect(second.startMs - first.endMs).toBeGreaterThan(1500);
  });

  it('skips a chunk with no speech without decoding it', async () => {
    // Above the -60 dBFS silence floor, below what the detector calls speech.
    const result = await model.transcribe(bytes(noise(-50, 3)), OPTIONS);
    expect(result).toMatchObject({ skipped: 'no_speech', text: '', segments: [], speech: [] });
    expect(result.levelDbfs).toBeCloseTo(-50, 1);
    expect(result.timings.decodeMs).toBe(0);
    expect(result.timings.vadMs).toBeGreaterThan(0);
  });

  it('lets the silence gate answer first: no detector run, no speech field', async () => {
    const result = await model.transcribe(bytes(silence(2)), OPTIONS);
    expect(result.skipped).toBe('silence');
    expect(result.speech).toBeUndefined();
    expect(result.timings.vadMs).toBe(0);
  });

  it('keeps memory flat over hundreds of detector runs', async () => {
    // A leak of each call's 16 kHz copy (192 kB for 3 s) would add over 50 MB.
    const audio = bytes(noise(-50, 3));
    const run = async (count: number) => {
      for (let i = 0; i < count; i += 2) {
        await Promise.all([model.transcribe(audio, OPTIONS), model.transcribe(audio, OPTIONS)]);
      }
    };
    await run(20);
    const before = process.memoryUsage().rss;
    await run(300);
    expect((process.memoryUsage().rss - before) / 2 ** 20).toBeLessThan(20);
  });

  it('gives concurrent calls a detector each, with the same answers', async () => {
    const audio = bytes(concat(silence(1), words, silence(1)));
    const alone = await model.transcribe(audio, OPTIONS);
    const together = await Promise.all([1, 2, 3, 4].map(() => model.transcribe(audio, OPTIONS)));
    for (const result of together) expect(result.speech).toEqual(alone.speech);
  });
});

describe('voice activity detection (random weights)', () => {
  it('loads and runs another detector, with consistent answers', async () => {
    const vadModelPath = await ensureRandomVadModel(FIXTURES_DIR, 'random', 3);
    const model = await loadModel(await testModel('test'), { vadModelPath });
    try {
      const words = spoken('vad', 'one two three');
      const result = await model.transcribe(bytes(concat(silence(1), words)), OPTIONS);
      expectWellFormedSpeech(result);
      if (result.speech!.length === 0) {
        expect(result).toMatchObject({ skipped: 'no_speech', segments: [] });
      } else {
        expect(result.skipped).toBeUndefined();
      }
    } finally {
      await model.close();
    }
  });
});

describe('VAD model errors', () => {
  let whisperModel: string;
  let goodVad: Buffer;

  beforeAll(async () => {
    whisperModel = await testModel('test');
    goodVad = readFileSync(await ensureRandomVadModel(FIXTURES_DIR, 'loudness'));
  });

  async function loadError(vadModelPath: string): Promise<EngineError> {
    const error = await loadModel(whisperModel, { vadModelPath }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }

  function damaged(name: string, make: (copy: Buffer) => Buffer): string {
    const path = fixture(`broken-vad-${name}.bin`);
    writeFileSync(path, make(Buffer.from(goodVad)));
    return path;
  }

  it('MODEL_NOT_FOUND for a missing file or a directory, naming the VAD model', async () => {
    const missing = await loadError(fixture('no-such-vad.bin'));
    expect(missing.code).toBe('MODEL_NOT_FOUND');
    expect(missing.message).toBe(`no VAD model file at '${fixture('no-such-vad.bin')}'`);
    expect(missing.stack).toContain('vad.test.ts');

    const directory = await loadError(FIXTURES_DIR);
    expect(directory.code).toBe('MODEL_NOT_FOUND');
    expect(directory.message).toContain('is a directory, not a VAD model file');
  });

  // Offsets: magic 0, type length 4, "silero-16k" 8..18, version 18..30,
  // window 30, context 34, encoder depth 38, first layer 42.
  const flaws: Array<[string, (copy: Buffer) => Buffer, RegExp]> = [
    ['a wrong magic number', (b) => (b.writeUInt32LE(0x12345678, 0), b), /wrong magic/],
    ['a huge type length', (b) => (b.writeInt32LE(1 << 30, 4), b), /model type has a length/],
    ['three encoder layers', (b) => (b.writeInt32LE(3, 38), b), /encoder depth is 3/],
    ['another window', (b) => (b.writeInt32LE(256, 30), b), /window is 256/],
    ['a truncated tensor', (b) => b.subarray(0, b.length - 100), /truncated/],
    ['no tensors at all', (b) => b.subarray(0, 42 + 4 * 12 + 4 * 4), /is missing \(15 in all\)/],
    ['a tensor too many', (b) => Buffer.concat([b, b.subarray(42 + 64)]), /unexpected or repeated/],
  ];
  for (const [flaw, make, message] of flaws) {
    it(`MODEL_INVALID for a file with ${flaw}`, async () => {
      const path = damaged(flaw.replaceAll(' ', '-'), make);
      const error = await loadError(path);
      expect(error.code).toBe('MODEL_INVALID');
      expect(error.message).toContain(`VAD model file '${path}'`);
      expect(error.message).toMatch(message);
    });
  }

  it('MODEL_INVALID for a whisper model given as the VAD model, then a good pair loads', async () => {
    const error = await loadError(whisperModel);
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('this is a whisper speech model');

    const vadModelPath = await ensureRandomVadModel(FIXTURES_DIR, 'loudness');
    const model = await loadModel(whisperModel, { vadModelPath });
    expect(model.info().vad).toBe(true);
    await model.close();
  });
});
