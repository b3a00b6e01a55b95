/**
 * One task from raw item to outcome: parse it, skip it if it was already
 * answered, fetch its audio, transcribe, and say what to do with it. The
 * runner decides; the worker writes.
 */

import { EngineError } from '../engine/engine-error.js';
import type { Transcriber } from '../engine/transcriber.js';
import type { ResultErrorCode } from '../protocol/codes.js';
import {
  doneResult,
  expiredResult,
  failedResult,
  type TaskResult,
  type UsedPrompt,
} from '../protocol/result.js';
import { describeValue } from '../protocol/schema-errors.js';
import {
  decodeAudioB64,
  parsedTaskId,
  parseTask,
  type Task,
  type TaskEcho,
  type TaskParse,
} from '../protocol/task.js';
import type { PriorAnswer, ResultPublisher } from '../publish/publisher.js';
import type { QueueKeys } from '../queue/keys.js';
import { describeOwnKey } from '../queue/own-keys.js';
import { itemText, taskFingerprint, type QueueItem } from '../queue/queue-item.js';
import type { RedisClient } from '../queue/redis.js';
import { sessionContext } from '../sessions/session-context.js';
import { assessTranscription, type QualityThresholds } from './quality-of.js';
import { resultCodeFor } from './result-codes.js';

export type Outcome =
  | {
      kind: 'answer';
      result: TaskResult;
      replyTo: string | undefined;
      /** The chunk's start on its session's time line, when the task said. */
      offsetMs: number | undefined;
      /** Producer's enqueued_at to our take; only when the task carried enqueued_at. */
      queueWaitMs?: number;
    }
  | { kind: 'dead'; reason: string; message: string; taskId?: string }
  | { kind: 'repeat'; taskId: string }
  /** A different task under a task_id already answered: told on its reply_to, if any. */
  | { kind: 'duplicate'; result: TaskResult; replyTo: string | undefined }
  /** Stopped by shutdown: stays in the processing list for redelivery. */
  | { kind: 'leave'; taskId: string };

/** A task, or what is known of one: its id, and whatever of its fields are valid. */
type AnsweredTask = Pick<Task, 'task_id'> & Partial<Task>;

export interface RunnerOptions {
  redis: RedisClient;
  keys: QueueKeys;
  engine: Transcriber;
  publisher: ResultPublisher;
  workerId: string;
  maxPayloadBytes: number;
  maxAudioSeconds: number;
  taskTimeoutMs: number;
  /** Older tasks are answered `expired`; undefined: no limit. */
  maxTaskAgeMs: number | undefined;
  /** How much of the session's transcript becomes the prompt; 0: none. */
  sessionContextChars: number;
  silenceFloorDbfs: number;
  quality: QualityThresholds;
  /** The list of terminal session messages: a backend blocks on it, so no reply_to may name it. */
  sessionResults: string;
}

export class TaskRunner {
  constructor(private readonly options: RunnerOptions) {}

  /** The item read as a task. Pure: the worker reads it once, and logs under the id it has. */
  parse(raw: QueueItem): TaskParse {
    const parsed = parseTask(itemText(raw), { maxPayloadBytes: this.options.maxPayloadBytes });
    return typeof raw === 'string' ? parsed : notUtf8(parsed);
  }

  /** `parsed` is parse(raw); `raw` is kept to tell a repeat delivery from a reused task_id. */
  async run(
    raw: QueueItem,
    parsed: TaskParse,
    attempt: number,
    shutdown: AbortSignal,
  ): Promise<Outcome> {
    const startedAt = Date.now();
    if (!parsed.ok) {
      if (parsed.taskId === undefined) {
        return { kind: 'dead', reason: parsed.code, message: parsed.message };
      }
      const task = { task_id: parsed.taskId, ...this.deliverable(parsed.echo) };
      return this.failure(task, attempt, parsed.code, parsed.message);
    }

    const task = parsed.task;
    const ownKey = this.ownKeyNamed(task.reply_to);
    if (ownKey !== undefined) {
      // Answered on the default result list: on the named one it would be lost.
      const message =
        `field 'reply_to' must name a list of the producer's own, not ${ownKey}, ` +
        `got ${describeValue(task.reply_to)}`;
      return this.failure({ ...task, reply_to: undefined }, attempt, 'INVALID_TASK', message);
    }
    const prior = await this.options.publisher.priorAnswer(task.task_id);
    if (prior !== undefined) return this.answeredBefore(task, raw, prior, attempt);
    await this.options.publisher.markProcessing(task.task_id);
    if (await this.tooOld(task, startedAt)) return this.expiry(task, attempt);

    const audio = await this.fetchAudio(task);
    if ('code' in audio) return this.failure(task, attempt, audio.code, audio.message);
    const prompt = await this.promptFor(task);
    return this.transcribe(task, audio.bytes, prompt, attempt, startedAt, shutdown);
  }

  /**
   * A task whose id already has a final result: the same delivery again (a
   * redelivery, a producer that pushed it twice) is a repeat, acknowledged
   * in silence; a different task under the same id is told so. A result
   * stored without a fingerprint is taken for a repeat.
   */
  answeredBefore(
    task: AnsweredTask,
    raw: QueueItem,
    prior: PriorAnswer,
    attempt: number,
  ): Extract<Outcome, { kind: 'repeat' | 'duplicate' }> {
    const { fingerprint, result } = prior;
    if (fingerprint === undefined || fingerprint === taskFingerprint(raw)) {
      return { kind: 'repeat', taskId: task.task_id };
    }
    const { workerId, engine } = this.options;
    const message =
      `task_id ${describeValue(task.task_id)} was already answered (${result.status}) for a ` +
      'different task; task ids must be unique per task. The first answer stands in the ' +
      'status key; send a new task_id to have this task transcribed';
    return {
      kind: 'duplicate',
      replyTo: task.reply_to,
      result: failedResult(task, {
        code: 'DUPLICATE_TASK_ID',
        message,
        workerId,
        attempt,
        model: engine.name,
      }),
    };
  }

  /**
   * Past the maximum age, by the producer's enqueued_at or, without one, by
   * when the pool first took the task (kept across redeliveries).
   */
  private async tooOld(task: Task, now: number): Promise<boolean> {
    const { maxTaskAgeMs, redis, keys } = this.options;
    if (maxTaskAgeMs === undefined) return false;
    if (task.enqueued_at !== undefined) return now - task.enqueued_at > maxTaskAgeMs;

    const [, firstSeen] = (await redis
      .multi()
      .hsetnx(keys.firstSeen, task.task_id, now)
      .hget(keys.firstSeen, task.task_id)
      .exec())!;
    return now - Number(firstSeen?.[1] ?? now) > maxTaskAgeMs;
  }

  /** The task's own prompt wins; else the session's transcript so far, when it can be trusted. */
  private async promptFor(task: Task): Promise<UsedPrompt | undefined> {
    if (task.prompt !== undefined) return { source: 'task', text: task.prompt };
    if (task.session_id === undefined || task.chunk_index === undefined) return undefined;

    const { redis, keys, sessionContextChars } = this.options;
    const text = await sessionContext(
      redis,
      keys,
      task.session_id,
      task.chunk_index,
      sessionContextChars,
    );
    return text === undefined ? undefined : { source: 'session', text };
  }

  private async fetchAudio(
    task: Task,
  ): Promise<{ bytes: Buffer } | { code: ResultErrorCode; message: string }> {
    if (task.audio_b64 !== undefined) {
      const bytes = decodeAudioB64(task.audio_b64);
      if (bytes === undefined) return { code: 'INVALID_TASK', message: 'audio_b64 is not base64' };
      return { bytes };
    }

    const key = task.audio_key!;
    let bytes: Buffer | null;
    try {
      bytes = await this.options.redis.getBuffer(key);
    } catch (error) {
      // The producer named a list, hash or set: no retry will make it audio.
      const wrongType = error instanceof Error && error.message.startsWith('WRONGTYPE');
      if (!wrongType) throw error;
      const type = await this.options.redis.type(key);
      return {
        code: 'AUDIO_NOT_FOUND',
        message: `key '${key.slice(0, 200)}' holds a ${type}, not audio bytes`,
      };
    }
    if (bytes === null) {
      return { code: 'AUDIO_NOT_FOUND', message: `no audio at key '${key.slice(0, 200)}'` };
    }
    if (bytes.length > this.options.maxPayloadBytes) {
      return {
        code: 'PAYLOAD_TOO_LARGE',
        message: `audio at '${key.slice(0, 200)}' is ${bytes.length} bytes, the limit is ${this.options.maxPayloadBytes}`,
      };
    }
    return { bytes };
  }

  private async transcribe(
    task: Task,
    audio: Buffer,
    prompt: UsedPrompt | undefined,
    attempt: number,
    startedAt: number,
    shutdown: AbortSignal,
  ): Promise<Outcome> {
    const { engine, workerId } = this.options;
    try {
      const decoded = await engine.transcribe(audio, {
        encoding: task.encoding,
        ...(task.sample_rate !== undefined && { sampleRate: task.sample_rate }),
        channels: task.channels,
        ...(task.language !== undefined && { language: task.language }),
        ...(task.translate !== undefined && { translate: task.translate }),
        ...(prompt !== undefined && { prompt: prompt.text }),
        silenceFloorDbfs: this.options.silenceFloorDbfs,
        maxAudioSeconds: this.options.maxAudioSeconds,
        timeoutMs: this.options.taskTimeoutMs,
        signal: shutdown,
      });
      const result = { ...decoded, segments: withinAudio(decoded.segments, decoded.audioMs) };
      const queueWaitMs =
        task.enqueued_at === undefined ? undefined : Math.max(0, startedAt - task.enqueued_at);
      const queuedMs = queueWaitMs ?? 0;
      return {
        kind: 'answer',
        replyTo: task.reply_to,
        offsetMs: task.offset_ms,
        ...(queueWaitMs !== undefined && { queueWaitMs }),
        result: doneResult(task, {
          text: result.text,
          segments: result.segments,
          ...assessTranscription(result, this.options.quality),
          ...(prompt !== undefined && { prompt }),
          language: result.language,
          audioMs: result.audioMs,
          queuedMs,
          decodeMs: result.timings.decodeMs,
          totalMs: Date.now() - startedAt,
          model: engine.name,
          workerId,
          attempt,
        }),
      };
    } catch (error) {
      if (shutdown.aborted) return { kind: 'leave', taskId: task.task_id };
      if (!(error instanceof EngineError)) throw error;
      return this.failure(task, attempt, resultCodeFor(error.code), error.message);
    }
  }

  /** What a reply_to is to this worker's queue (own-keys.ts), or undefined when it is the producer's. */
  private ownKeyNamed(replyTo: string | undefined): string | undefined {
    if (replyTo === undefined) return undefined;
    if (replyTo === this.options.sessionResults) return 'the session result list';
    return describeOwnKey(this.options.keys, replyTo);
  }

  /** The echo of a rejected task, less a reply_to that names one of the queue's own keys. */
  private deliverable(echo: TaskEcho = {}): TaskEcho {
    return this.ownKeyNamed(echo.reply_to) === undefined ? echo : { ...echo, reply_to: undefined };
  }

  private failure(
    task: AnsweredTask,
    attempt: number,
    code: ResultErrorCode,
    message: string,
  ): Outcome {
    const { workerId, engine } = this.options;
    return {
      kind: 'answer',
      replyTo: task.reply_to,
      offsetMs: task.offset_ms,
      result: failedResult(task, { code, message, workerId, attempt, model: engine.name }),
    };
  }

  private expiry(task: Task, attempt: number): Outcome {
    const { workerId, engine } = this.options;
    return {
      kind: 'answer',
      replyTo: task.reply_to,
      offsetMs: task.offset_ms,
      result: expiredResult(task, { workerId, attempt, model: engine.name }),
    };
  }
}

/**
 * whisper times segments in 10 ms steps of its padded input, so the last one
 * may end a few tens of milliseconds past the audio. Results put segments on
 * the chunk's (and the session's) time line, where that would overlap the
 * next chunk: clamp them to the audio.
 */
function withinAudio<T extends { startMs: number; endMs: number }>(
  segments: readonly T[],
  audioMs: number,
): T[] {
  return segments.map((segment) => ({
    ...segment,
    startMs: Math.min(segment.startMs, audioMs),
    endMs: Math.min(segment.endMs, audioMs),
  }));
}

/**
 * A task that is not UTF-8 text (a Latin-1 byte, say) read as UTF-8 has each
 * bad byte replaced by U+FFFD: transcribing it would answer a task the
 * producer never sent, under a task_id that may not be theirs. It is refused;
 * answered when its task_id came through intact, dead-lettered (byte for
 * byte) otherwise.
 */
function notUtf8(lossy: TaskParse): TaskParse {
  const taskId = parsedTaskId(lossy);
  const intact = taskId !== undefined && !taskId.includes('\uFFFD');
  return {
    ok: false,
    code: 'INVALID_TASK',
    message: 'the task is not UTF-8 text: send its JSON encoded as UTF-8',
    ...(intact && { taskId }),
  };
}
