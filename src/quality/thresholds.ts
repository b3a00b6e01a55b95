/**
 * When a segment counts as likely hallucinated, with whisper's own defaults
 * (the fallback thresholds of OpenAI's transcribe()).
 */
import { z } from 'zod';

export interface QualityThresholds {
  /** A text compressing better than this repeats itself. Default 2.4. */
  maxCompressionRatio: number;
  /** Together with noSpeechProb: a mean token log probability below this is unsure. Default -1. */
  minAvgLogprob: number;
  /** Together with minAvgLogprob: a no-speech probability above this is suspect. Default 0.6. */
  noSpeechProb: number;
}

export const DEFAULT_QUALITY_THRESHOLDS: Readonly<QualityThresholds> = Object.freeze({
  maxCompressionRatio: 2.4,
  minAvgLogprob: -1,
  noSpeechProb: 0.6,
});

/** Any subset of the thresholds; what is left out takes its default. */
export const qualityThresholdsSchema = z.strictObject({
  maxCompressionRatio: z
    .number()
    .positive()
    .default(DEFAULT_QUALITY_THRESHOLDS.maxCompressionRatio),
  minAvgLogprob: z.number().max(0).default(DEFAULT_QUALITY_THRESHOLDS.minAvgLogprob),
  noSpeechProb: z.number().min(0).max(1).default(DEFAULT_QUALITY_THRESHOLDS.noSpeechProb),
});

export type QualityThresholdsInput = z.input<typeof qualityThresholdsSchema>;

/**
 * Fills in defaults and checks ranges. Throws a RangeError that names the
 * threshold, what it must be and what came.
 */
export function resolveQualityThresholds(input: QualityThresholdsInput = {}): QualityThresholds {
  const result = qualityThresholdsSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = issue.path.join('.') || 'thresholds';
  const received = issue.path.length > 0 ? (input as Record<string, unknown>)[name] : input;
  throw new RangeError(
    `quality threshold '${name}': ${issue.message.replace(/^[^:]*:\s*/, '')}, got ${String(received)}`,
  );
}
