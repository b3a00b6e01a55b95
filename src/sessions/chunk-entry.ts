/**
 * What a session keeps of one chunk's result: only what the assembled
 * transcript needs. Segments flagged as likely hallucinated stay in the
 * chunk's own result but are left out here, so the session's text carries
 * what was heard, not what the decoder made up over noise.
 */
import type { TaskResult } from '../protocol/result.js';

export interface ChunkEntry {
  status: TaskResult['status'];
  /** The kept segments' text, or the chunk's text when nothing was withheld. */
  text: string;
  audio_ms: number;
  /** Where the chunk starts on the session's time line, when the producer said. */
  offset_ms?: number;
  /** [start_ms, end_ms, text] within the chunk, kept segments only. */
  segments: Array<[number, number, string]>;
  withheld: number;
}

export interface ChunkEntryOptions {
  offsetMs?: number | undefined;
  /** False keeps every segment, flagged or not. */
  withholdSuspect: boolean;
}

export function chunkEntry(result: TaskResult, options: ChunkEntryOptions): ChunkEntry {
  const { offsetMs, withholdSuspect } = options;
  const segments = result.segments ?? [];
  const kept = withholdSuspect
    ? segments.filter((segment) => segment.likely_hallucination !== true)
    : segments;
  const withheld = segments.length - kept.length;
  return {
    status: result.status,
    text: withheld === 0 ? (result.text ?? '') : kept.map((segment) => segment.text).join(''),
    audio_ms: result.audio_ms ?? 0,
    ...(offsetMs !== undefined && { offset_ms: offsetMs }),
    segments: kept.map((segment) => [segment.start_ms, segment.end_ms, segment.text]),
    withheld,
  };
}
