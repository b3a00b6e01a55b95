/**
 * Each segment carries whisper's numbers for judging it: the no-speech
 * probability of its window, and the mean log probability of its text
 * tokens with how many there were. The mean is checked against whisper.cpp's
 * own CLI, whose full JSON lists every token with its probability.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadModel, type Model, type Segment } from '../../src/index.js';
import { MICRO_MODEL, REFERENCE_CLI, speechSets, testModel } from '../support/fixtures.js';
import { REFERENCE_OPTIONS } from '../support/reference-cli.js';
import { phrase, spokenForms } from '../support/spoken-words.js';

/** English-only models number their special tokens from end-of-text, 50256. */
const FIRST_SPECIAL_TOKEN = 50256;

interface CliToken {
  id: number;
  p: number;
}

/** Per segment: the CLI's text tokens (ids below end-of-text). */
function cliTextTokens(modelPath: string, audioPath: string): CliToken[][] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'asr-cli-'));
  try {
    const prefix = path.join(dir, 'out');
    execFileSync(
      REFERENCE_CLI,
      ['-m', modelPath, '-f', audioPath, '-t', '2', '-l', 'en', '-bs', '1', '-bo', '1'].concat([
        '-nf',
        '-ojf',
        '-of',
        prefix,
        '-np',
      ]),
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const json = JSON.parse(readFileSync(`${prefix}.json`, 'utf8')) as {
      transcription: Array<{ tokens: CliToken[] }>;
    };
    return json.transcription.map((s) => s.tokens.filter((t) => t.id < FIRST_SPECIAL_TOKEN));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectPlausible(segment: Segment): void {
  expect(segment.noSpeechProb).toBeGreaterThanOrEqual(0);
  expect(segment.noSpeechProb).toBeLessThanOrEqual(1);
  expect(Number.isFinite(segment.avgLogprob)).toBe(true);
  expect(segment.avgLogprob).toBeLessThanOrEqual(0);
  expect(Number.isInteger(segment.tokens)).toBe(true);
  if (segment.tokens === 0) expect(segment.avgLogprob).toBe(0);
}

describe('segment quality numbers (the bundled micro model)', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(MICRO_MODEL, { states: 1 });
  });
  afterAll(() => model.close());

  it('are in range for real speech, with at least one text token per segment', async () => {
    const wav = spokenForms(phrase('quality', 'yes no hello world')).wav16kMono;
    const result = await model.transcribe(readFileSync(wav), REFERENCE_OPTIONS);
    expect(result.segments.length).toBeGreaterThan(0);
    for (const segment of result.segments) {
      expectPlausible(segment);
      expect(segment.tokens).toBeGreaterThanOrEqual(1);
    }
    // The model knows these words: it is sure of them, and hears speech.
    expect(result.segments[0]!.avgLogprob).toBeGreaterThan(-1);
    expect(result.segments[0]!.noSpeechProb).toBeLessThan(0.5);
  });

  it("match whisper.cpp's CLI: mean ln(p) over the same text tokens", async () => {
    const wav = spokenForms(phrase('quality-cli', 'open the music and play it')).wav16kMono;
    const expected = cliTextTokens(MICRO_MODEL, wav);
    const result = await model.transcribe(readFileSync(wav), REFERENCE_OPTIONS);

    expect(result.segments.map((s) => s.tokens)).toEqual(expected.map((t) => t.length));
    result.segments.forEach((segment, i) => {
      const logs = expected[i]!.map((token) => Math.log(token.p));
      const mean = logs.length > 0 ? logs.reduce((a, b) => a + b, 0) / logs.length : 0;
      expect(segment.avgLogprob).toBeCloseTo(mean, 3);
    });
  });
});

describe('segment quality numbers (random weights)', () => {
  it('are in range whatever the decoder makes of the audio', async () => {
    const model = await loadModel(await testModel('test'), { states: 1 });
    try {
      for (const set of speechSets()) {
        const result = await model.transcribe(readFileSync(set.wav16k), REFERENCE_OPTIONS);
        result.segments.forEach(expectPlausible);
      }
    } finally {
      await model.close();
    }
  });
});
