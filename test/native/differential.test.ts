/**
 * The addon must give exactly what whisper.cpp's own CLI gives for the same
 * model, audio and greedy settings: same text, same segment times. Raw PCM
 * is compared with the CLI reading the same samples from a WAV file.
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadModel, type Model, type Segment } from '../../src/index.js';
import { MICRO_MODEL, speechSets, testModel } from '../support/fixtures.js';
import { REFERENCE_OPTIONS, runReferenceCli } from '../support/reference-cli.js';

// Random weights test the plumbing on any shape; the micro model, whose
// output follows the audio, makes a wrong sample or rate visible.
/** What the CLI's JSON shows of a segment; the quality numbers are checked in segment-quality.test.ts. */
function timesAndText(segments: Segment[]) {
  return segments.map(({ startMs, endMs, text }) => ({ startMs, endMs, text }));
}

const MODELS = [
  { name: 'generated test model', path: () => testModel('test') },
  { name: 'bundled micro model', path: async () => MICRO_MODEL },
];

describe.each(MODELS)('addon against whisper.cpp CLI, $name', ({ path }) => {
  let modelPath: string;
  let model: Model;

  beforeAll(async () => {
    modelPath = await path();
    model = await loadModel(modelPath, { states: 1 });
  });

  afterAll(() => model?.close());

  for (const set of speechSets()) {
    describe(set.name, () => {
      it('matches the CLI on MP3', async () => {
        const expected = runReferenceCli(modelPath, set.mp3, REFERENCE_OPTIONS.threads);
        const result = await model.transcribe(readFileSync(set.mp3), {
          ...REFERENCE_OPTIONS,
          encoding: 'mp3',
        });
        expect(
          expected
            .map((s) => s.text)
            .join('')
            .trim(),
        ).not.toBe('');
        expect(timesAndText(result.segments)).toEqual(expected);
      });

      it('matches the CLI on a 16 kHz WAV', async () => {
        const expected = runReferenceCli(modelPath, set.wav16k, REFERENCE_OPTIONS.threads);
        const result = await model.transcribe(readFileSync(set.wav16k), {
          ...REFERENCE_OPTIONS,
          encoding: 'wav',
        });
        expect(expected.length).toBeGreaterThan(0);
        expect(timesAndText(result.segments)).toEqual(expected);
      });

      it('matches the CLI on raw s16le and f32le PCM', async () => {
        const expected = runReferenceCli(modelPath, set.wav16k, REFERENCE_OPTIONS.threads);
        const pcm = { ...REFERENCE_OPTIONS, sampleRate: 16000, channels: 1 };

        const s16 = await model.transcribe(readFileSync(set.s16le), {
          ...pcm,
          encoding: 'pcm_s16le',
        });
        const f32 = await model.transcribe(readFileSync(set.f32le), {
          ...pcm,
          encoding: 'pcm_f32le',
        });

        expect(timesAndText(s16.segments)).toEqual(expected);
        expect(timesAndText(f32.segments)).toEqual(expected);
      });
    });
  }
});
