import { describe, expect, it } from 'vitest';

import { assessSegments, type AssessableSegment } from '../../src/quality/assess.js';
import {
  DEFAULT_QUALITY_THRESHOLDS,
  qualityThresholdsSchema,
  resolveQualityThresholds,
} from '../../src/quality/thresholds.js';

function segment(overrides: Partial<AssessableSegment>): AssessableSegment {
  return {
    startMs: 0,
    endMs: 1000,
    text: ' hello world',
    noSpeechProb: 0.01,
    avgLogprob: -0.2,
    tokens: 2,
    ...overrides,
  };
}

describe('assessSegments', () => {
  it('reports each segment with three decimals, in snake_case', () => {
    const { segments } = assessSegments([
      segment({ text: 'hello world', noSpeechProb: 0.0123456, avgLogprob: -0.98765 }),
    ]);
    expect(segments).toEqual([
      {
        no_speech_prob: 0.012,
        avg_logprob: -0.988,
        compression_ratio: 0.579, // 11 / 19
        repetition_loop: false,
        likely_hallucination: false,
      },
    ]);
  });

  it('flags a repetition loop made on purpose', () => {
    const { segments, summary } = assessSegments([
      segment({ text: ' Go home.' }),
      segment({ startMs: 1000, endMs: 3000, text: ' the cat the cat the cat the cat' }),
    ]);
    expect(segments[1]).toMatchObject({ repetition_loop: true, likely_hallucination: true });
    expect(segments[0]!.likely_hallucination).toBe(false);
    expect(summary).toMatchObject({
      repetition_loop: true,
      likely_hallucination: true,
      suspect_segments: 1,
    });
  });

  it('flags a text that compresses past maxCompressionRatio', () => {
    const text = ' I am going to the store.'.repeat(8); // a loop of six words: too long for the n-gram check
    const [assessed] = assessSegments([segment({ text })]).segments;
    expect(assessed!.repetition_loop).toBe(false);
    expect(assessed!.compression_ratio).toBeGreaterThan(2.4);
    expect(assessed!.likely_hallucination).toBe(true);
  });

  it('flags no speech only together with low confidence, as whisper does', () => {
    const [unsure, sure] = assessSegments([
      segment({ noSpeechProb: 0.9, avgLogprob: -1.5 }),
      segment({ noSpeechProb: 0.9, avgLogprob: -0.3 }),
    ]).segments;
    expect(unsure!.likely_hallucination).toBe(true);
    expect(sure!.likely_hallucination).toBe(false);
  });

  it('applies the given thresholds to the rounded numbers', () => {
    const input = [segment({ noSpeechProb: 0.5004, avgLogprob: -0.5004 })];
    const strict = { maxCompressionRatio: 2.4, minAvgLogprob: -0.5, noSpeechProb: 0.5 };
    expect(assessSegments(input, strict).segments[0]!.likely_hallucination).toBe(false);
    const stricter = { ...strict, noSpeechProb: 0.4 };
    expect(assessSegments(input, stricter).segments[0]!.likely_hallucination).toBe(false);
    const strictest = { ...stricter, minAvgLogprob: -0.4 };
    expect(assessSegments(input, strictest).segments[0]!.likely_hallucination).toBe(true);
  });

  it('summarises: duration-weighted no-speech, token-weighted log probability, whole-text ratio', () => {
    const { summary } = assessSegments([
      segment({
        startMs: 0,
        endMs: 3000,
        noSpeechProb: 0.1,
        avgLogprob: -0.5,
        tokens: 1,
        text: 'hello',
      }),
      segment({
        startMs: 3000,
        endMs: 4000,
        noSpeechProb: 0.5,
        avgLogprob: -0.1,
        tokens: 3,
        text: ' world',
      }),
    ]);
    expect(summary).toEqual({
      no_speech_prob: 0.2, // (0.1 * 3 + 0.5 * 1) / 4
      avg_logprob: -0.2, // (-0.5 * 1 + -0.1 * 3) / 4
      compression_ratio: 0.579, // "hello world": 11 / 19
      repetition_loop: false,
      likely_hallucination: false,
      suspect_segments: 0,
    });
  });

  it('catches a loop spread over several short segments', () => {
    const thanks = [0, 1, 2, 3].map((i) =>
      segment({ startMs: i * 1000, endMs: (i + 1) * 1000, text: ' Thank you.' }),
    );
    const { segments, summary } = assessSegments(thanks);
    expect(segments.every((s) => !s.likely_hallucination)).toBe(true);
    expect(summary).toMatchObject({ repetition_loop: true, likely_hallucination: true });
    expect(summary.suspect_segments).toBe(0);
  });

  it('judges nothing for a chunk without segments', () => {
    expect(assessSegments([])).toEqual({
      segments: [],
      summary: {
        no_speech_prob: 0,
        avg_logprob: 0,
        compression_ratio: 0,
        repetition_loop: false,
        likely_hallucination: false,
        suspect_segments: 0,
      },
    });
  });

  it('falls back to plain means when segments have no duration or tokens, and never emits -0 or NaN', () => {
    const { summary, segments } = assessSegments([
      segment({ startMs: 500, endMs: 500, noSpeechProb: 0.2, avgLogprob: -0.0001, tokens: 0 }),
      segment({ startMs: 500, endMs: 500, noSpeechProb: 0.4, avgLogprob: Number.NaN, tokens: 0 }),
    ]);
    expect(summary.no_speech_prob).toBe(0.3);
    expect(Object.is(segments[0]!.avg_logprob, 0)).toBe(true);
    expect(segments[1]!.avg_logprob).toBe(0);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });
});

describe('quality thresholds', () => {
  it("defaults to whisper's own", () => {
    expect(DEFAULT_QUALITY_THRESHOLDS).toEqual({
      maxCompressionRatio: 2.4,
      minAvgLogprob: -1,
      noSpeechProb: 0.6,
    });
    expect(resolveQualityThresholds()).toEqual(DEFAULT_QUALITY_THRESHOLDS);
    expect(qualityThresholdsSchema.parse({ noSpeechProb: 0.8 })).toEqual({
      ...DEFAULT_QUALITY_THRESHOLDS,
      noSpeechProb: 0.8,
    });
  });

  it('rejects out-of-range and unknown thresholds, naming them', () => {
    expect(() => resolveQualityThresholds({ noSpeechProb: 1.5 })).toThrow(
      /quality threshold 'noSpeechProb'.*got 1\.5/,
    );
    expect(() => resolveQualityThresholds({ minAvgLogprob: 0.5 })).toThrow(RangeError);
    expect(() => resolveQualityThresholds({ maxCompressionRatio: 0 })).toThrow(
      /maxCompressionRatio/,
    );
    expect(() =>
      resolveQualityThresholds({ maxCompresionRatio: 3 } as unknown as Record<string, number>),
    ).toThrow(/maxCompresionRatio/);
  });
});
