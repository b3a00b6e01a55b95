/**
 * Builds the answer to a task in the shape of schemas/result.v1.json. Every
 * result goes through these builders, so each one names its task, its worker
 * and its attempt, and a consumer can tell a repeated answer from a new one.
 */
import type { ResultErrorCode } from './codes.js';
import type { Task } from './task.js';

/** How far a segment can be trusted; see docs/quality.md. */
export interface SegmentQuality {
  no_speech_prob: number;
  avg_logprob: number;
  compression_ratio: number;
  repetition_loop: boolean;
  likely_hallucination: boolean;
}

export interface ResultSegment extends Partial<SegmentQuality> {
  start_ms: number;
  end_ms: number;
  text: string;
}

/**
 * The chunk as a whole (docs/quality.md). no_speech_prob: the segments'
 * values weighted by their duration. avg_logprob: weighted by their tokens
 * (the mean over every text token). compression_ratio and repetition_loop:
 * of the whole text, so a loop made of several short segments ("Thank you."
 * four times) counts. likely_hallucination: any suspect segment, or a whole
 * text that loops or compresses past the limit. With no segments (a skipped
 * chunk) every number is 0 and every flag false: there is nothing to judge.
 */
export interface ChunkQuality extends SegmentQuality {
  /** Segments flagged likely_hallucination. */
  suspect_segments: number;
}

/** Why the decoder did not run on a chunk that was answered `done`. */
export type SkipReason = 'silence' | 'no_speech';

/** The context the decoder was given, and where it came from. */
export interface UsedPrompt {
  /** `task`: the task's own prompt; `session`: the session's transcript before this chunk. */
  source: 'task' | 'session';
  text: string;
}

export interface TaskResult {
  version: 1;
  task_id: string;
  status: 'done' | 'failed' | 'expired';
  session_id?: string;
  chunk_index?: number;
  is_final?: boolean;
  text?: string;
  segments?: ResultSegment[];
  language?: string;
  audio_ms?: number;
  quality?: ChunkQuality;
  skipped?: SkipReason;
  /** Speech found by the voice activity detector, in ms from the chunk's start. */
  speech?: Array<{ start_ms: number; end_ms: number }>;
  /** The chunk's RMS level in dBFS; absent for digital silence. */
  level_dbfs?: number;
  prompt?: UsedPrompt;
  timings?: { queued_ms: number; decode_ms: number; total_ms: number };
  model?: string;
  worker_id: string;
  attempt: number;
  error?: { code: ResultErrorCode; message: string };
  finished_at: number;
}

/** What a result says about the task it answers. */
type AnsweredTask = Pick<Task, 'task_id'> & Partial<Task>;

/** Who answered, which delivery this was, and when. */
export interface ExpiredResultInput {
  workerId: string;
  attempt: number;
  model?: string;
  now?: number;
}

export interface DoneResultInput {
  text: string;
  segments: Array<{ startMs: number; endMs: number; text: string }>;
  /** Per segment, in the same order, and the summary; absent for the no-op engine. */
  quality?: { segments: SegmentQuality[]; summary: ChunkQuality };
  skipped?: SkipReason;
  speech?: Array<{ startMs: number; endMs: number }>;
  levelDbfs?: number | null;
  prompt?: UsedPrompt;
  language: string;
  audioMs: number;
  queuedMs: number;
  decodeMs: number;
  totalMs: number;
  model: string;
  workerId: string;
  attempt: number;
  now?: number;
}

export interface FailedResultInput extends ExpiredResultInput {
  code: ResultErrorCode;
  message: string;
}

export function doneResult(task: Task, input: DoneResultInput): TaskResult {
  return {
    ...head(task, 'done'),
    text: input.text,
    segments: input.segments.map((segment, i) => ({
      start_ms: wholeMs(segment.startMs),
      end_ms: wholeMs(segment.endMs),
      text: segment.text,
      ...input.quality?.segments[i],
    })),
    language: input.language,
    audio_ms: wholeMs(input.audioMs),
    ...(input.quality !== undefined && { quality: input.quality.summary }),
    ...(input.skipped !== undefined && { skipped: input.skipped }),
    ...(input.speech !== undefined && {
      speech: input.speech.map((span) => ({
        start_ms: wholeMs(span.startMs),
        end_ms: wholeMs(span.endMs),
      })),
    }),
    ...(typeof input.levelDbfs === 'number' &&
      Number.isFinite(input.levelDbfs) && { level_dbfs: Math.round(input.levelDbfs * 10) / 10 }),
    ...(input.prompt !== undefined && { prompt: input.prompt }),
    timings: {
      queued_ms: wholeMs(input.queuedMs),
      decode_ms: wholeMs(input.decodeMs),
      total_ms: wholeMs(input.totalMs),
    },
    model: input.model,
    ...tail(input),
  };
}

export function failedResult(task: AnsweredTask, input: FailedResultInput): TaskResult {
  return {
    ...head(task, 'failed'),
    error: { code: input.code, message: input.message },
    ...(input.model !== undefined && { model: input.model }),
    ...tail(input),
  };
}

/** The answer to a task that waited in the queue longer than the worker accepts. */
export function expiredResult(task: AnsweredTask, input: ExpiredResultInput): TaskResult {
  return {
    ...head(task, 'expired'),
    ...(input.model !== undefined && { model: input.model }),
    ...tail(input),
  };
}

export function serializeResult(result: TaskResult): string {
  return JSON.stringify(result);
}

// Fields first that a person reading a result in redis-cli looks for first.
function head(
  task: AnsweredTask,
  status: TaskResult['status'],
): Pick<TaskResult, 'version' | 'task_id' | 'status' | 'session_id' | 'chunk_index' | 'is_final'> {
  return {
    version: 1,
    task_id: task.task_id,
    status,
    ...(task.session_id !== undefined && { session_id: task.session_id }),
    ...(task.chunk_index !== undefined && { chunk_index: task.chunk_index }),
    ...(task.is_final !== undefined && { is_final: task.is_final }),
  };
}

function tail(
  input: ExpiredResultInput,
): Pick<TaskResult, 'worker_id' | 'attempt' | 'finished_at'> {
  return {
    worker_id: input.workerId,
    attempt: input.attempt,
    finished_at: wholeMs(input.now ?? Date.now()),
  };
}

/**
 * Milliseconds as a whole, non-negative number. Whole, because consumers in Go
 * decode these into int64 and a fraction would fail their whole result;
 * non-negative, because queued time is measured against the producer's clock,
 * which may run ahead of ours. A non-finite input (a bug upstream) becomes 0
 * rather than `null` in the JSON.
 */
function wholeMs(value: number): number {
  return Number.isFinite(value) ? Math.max(0, Math.round(value)) : 0;
}
