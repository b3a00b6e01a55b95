/**
 * Per-segment and per-chunk quality, ready for the wire (snake_case, numbers
 * rounded to three decimals). The rule is whisper's own: a segment is likely
 * hallucinated when it loops, when it compresses better than
 * maxCompressionRatio, or when whisper thought its window held no speech
 * (no_speech_prob above noSpeechProb) and was unsure of the words it wrote
 * anyway (avg_logprob below minAvgLogprob). Decisions use the rounded
 * numbers, so a reader re-applying the rule to the wire gets the same flags.
 */
import type { Segment } from '../engine/model.js';
import type { ChunkQuality, SegmentQuality } from '../protocol/result.js';
import { compressionRatio } from './compression-ratio.js';
import { hasRepetitionLoop } from './repetition.js';
import { DEFAULT_QUALITY_THRESHOLDS, type QualityThresholds } from './thresholds.js';

export type { QualityThresholds };

/** What the engine reports per segment. */
export type AssessableSegment = Segment;

export type { ChunkQuality, SegmentQuality };

export interface QualityAssessment {
  segments: SegmentQuality[];
  summary: ChunkQuality;
}

export function assessSegments(
  segments: readonly AssessableSegment[],
  thresholds: QualityThresholds = DEFAULT_QUALITY_THRESHOLDS,
): QualityAssessment {
  const assessed = segments.map((segment) => assessSegment(segment, thresholds));
  return { segments: assessed, summary: summarise(segments, assessed, thresholds) };
}

function assessSegment(segment: AssessableSegment, thresholds: QualityThresholds): SegmentQuality {
  const numbers = {
    no_speech_prob: round3(segment.noSpeechProb),
    avg_logprob: round3(segment.avgLogprob),
    compression_ratio: round3(compressionRatio(segment.text)),
  };
  const repetition_loop = hasRepetitionLoop(segment.text);
  return {
    ...numbers,
    repetition_loop,
    likely_hallucination:
      repetition_loop ||
      numbers.compression_ratio > thresholds.maxCompressionRatio ||
      (numbers.no_speech_prob > thresholds.noSpeechProb &&
        numbers.avg_logprob < thresholds.minAvgLogprob),
  };
}

function summarise(
  segments: readonly AssessableSegment[],
  assessed: readonly SegmentQuality[],
  thresholds: QualityThresholds,
): ChunkQuality {
  const text = segments.map((segment) => segment.text).join('');
  const compression_ratio = round3(compressionRatio(text));
  const repetition_loop = hasRepetitionLoop(text);
  const suspect_segments = assessed.filter((segment) => segment.likely_hallucination).length;
  return {
    no_speech_prob: round3(weightedMean(segments, (s) => s.noSpeechProb, durationMs)),
    avg_logprob: round3(
      weightedMean(
        segments,
        (s) => s.avgLogprob,
        (s) => s.tokens,
      ),
    ),
    compression_ratio,
    repetition_loop,
    likely_hallucination:
      suspect_segments > 0 || repetition_loop || compression_ratio > thresholds.maxCompressionRatio,
    suspect_segments,
  };
}

function durationMs(segment: AssessableSegment): number {
  return segment.endMs - segment.startMs;
}

/** Weighted mean; the plain mean when no weight is positive; 0 for no items. */
function weightedMean<T>(
  items: readonly T[],
  value: (item: T) => number,
  weight: (item: T) => number,
): number {
  let sum = 0;
  let total = 0;
  for (const item of items) {
    const w = Math.max(0, weight(item));
    sum += value(item) * w;
    total += w;
  }
  if (total > 0) return sum / total;
  if (items.length === 0) return 0;
  return items.reduce((acc, item) => acc + value(item), 0) / items.length;
}

/** Three decimals for the wire; non-finite becomes 0 so JSON stays numeric, -0 becomes 0. */
function round3(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.round(value * 1000) / 1000 || 0;
}
