/**
 * Turns what the engine measured about a chunk (per-segment probabilities,
 * its level, why it skipped the decoder) into the result's quality fields.
 */
import type { Transcription } from '../engine/model.js';
import type { DoneResultInput } from '../protocol/result.js';
import { assessSegments, type QualityThresholds } from '../quality/assess.js';

export type { QualityThresholds };

type QualityFields = Pick<DoneResultInput, 'quality' | 'skipped' | 'speech' | 'levelDbfs'>;

export function assessTranscription(
  transcription: Transcription,
  thresholds: QualityThresholds,
): QualityFields {
  const { segments, skipped, speech, levelDbfs } = transcription;
  return {
    quality: assessSegments(segments, thresholds),
    ...(skipped !== undefined && { skipped }),
    ...(speech !== undefined && { speech }),
    ...(levelDbfs !== undefined && { levelDbfs }),
  };
}
