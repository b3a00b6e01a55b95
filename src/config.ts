/**
 * The worker's settings: defaults, then what the user gave (flags or
 * environment), validated once. Units are in the names.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';

import { z } from 'zod';

import { ConfigError } from './config-error.js';
import { MIN_SILENCE_FLOOR_DBFS } from './engine/options.js';
import { heartbeatTimingProblem } from './queue/heartbeat.js';

export const DEFAULTS = {
  redisUrl: 'redis://127.0.0.1:6379',
  connectTimeoutMs: 10_000,
  queue: 'asr_chunk_queue',
  results: 'asr_result_queue',
  channel: 'asr_results',
  maxPayloadBytes: 25 * 1024 * 1024,
  maxAudioSeconds: 600,
  taskTimeoutMs: 120_000,
  drainTimeoutMs: 30_000,
  blockTimeoutMs: 2_000,
  statusTtlMs: 24 * 3600 * 1000,
  heartbeatTtlMs: 15_000,
  heartbeatIntervalMs: 5_000,
  redeliveryIntervalMs: 15_000,
  maxDeliveries: 3,
  httpHost: '127.0.0.1',
  stallCheckIntervalMs: 5_000,
  stallAfterMs: 30_000,
  maxTaskWaitMs: 120_000,
  sessionChannel: 'asr_sessions',
  sessionResults: 'asr_session_results',
  sessionIdleMs: 5 * 60 * 1000,
  sessionSweepIntervalMs: 5_000,
  silenceFloorDbfs: -60,
  maxCompressionRatio: 2.4,
  minAvgLogprob: -1,
  maxNoSpeechProb: 0.6,
  withholdSuspectText: true,
} as const;

/**
 * The port `asr-worker run` serves /healthz, /readyz and /metrics on (the
 * port commonly used by Prometheus exporters of this kind). Not in DEFAULTS:
 * see httpPort below.
 */
export const DEFAULT_HTTP_PORT = 9464;

/**
 * How much of a session's transcript becomes the next chunk's prompt when the
 * user does not say. Not in DEFAULTS: with the bundled micro model it is 0
 * (see sessionContextChars below).
 */
export const DEFAULT_SESSION_CONTEXT_CHARS = 200;

const positiveInt = z.number().int().positive();

const configSchema = z
  .strictObject({
    redisUrl: z
      .string()
      .regex(
        /^rediss?(\+(sentinel|cluster))?:\/\//i,
        'a redis://, redis+sentinel:// or redis+cluster:// URL (rediss for TLS)',
      ),
    /** Start-up gives up when Redis has not connected and answered a PING within this long. */
    connectTimeoutMs: positiveInt.max(2 ** 31 - 1),
    queue: z.string().min(1),
    results: z.string().min(1),
    channel: z.string().min(1),
    model: z.string().min(1).optional(),
    engine: z.enum(['whisper', 'noop']),
    concurrency: positiveInt.max(64).optional(),
    threads: positiveInt.max(256).optional(),
    useGpu: z.boolean(),
    workerId: z.string().regex(/^[\w.:-]{1,128}$/, 'letters, digits and . _ : - only'),
    maxPayloadBytes: positiveInt,
    maxAudioSeconds: z.number().positive(),
    taskTimeoutMs: positiveInt.max(2 ** 31 - 1),
    drainTimeoutMs: positiveInt,
    blockTimeoutMs: positiveInt.max(5_000),
    statusTtlMs: positiveInt,
    heartbeatTtlMs: positiveInt,
    heartbeatIntervalMs: positiveInt,
    redeliveryIntervalMs: positiveInt,
    maxDeliveries: positiveInt.max(100),
    /**
     * Where /healthz, /readyz and /metrics are served; absent means no HTTP
     * server. Only the run command defaults it (to DEFAULT_HTTP_PORT): a
     * worker embedded in another program (the demo, tests with several
     * workers in one process) must not claim a fixed port it did not ask for.
     * 0 picks a free port; Worker.httpPort tells which.
     */
    httpPort: z.number().int().min(0).max(65_535).optional(),
    httpHost: z.string().min(1),
    /** How often the queue is looked at for a stall. */
    stallCheckIntervalMs: positiveInt,
    /** Tasks waiting, a slot free, and nothing taken for this long: stalled. */
    stallAfterMs: positiveInt,
    /** The oldest task (by its enqueued_at) waited this long while a slot was free: stalled. */
    maxTaskWaitMs: positiveInt,
    /** Tasks older than this (from enqueued_at, else first taken) are answered `expired`; absent: no limit. */
    maxTaskAgeMs: positiveInt.optional(),
    /** Every session message is published here. */
    sessionChannel: z.string().min(1),
    /** Each session's terminal message (complete or incomplete) is pushed here. */
    sessionResults: z.string().min(1),
    /** A session with no chunk recorded for this long is closed as incomplete. */
    sessionIdleMs: positiveInt,
    sessionSweepIntervalMs: positiveInt,
    /**
     * How much of a session's transcript becomes the next chunk's prompt; 0
     * turns it off. Absent: DEFAULT_SESSION_CONTEXT_CHARS, or 0 with the
     * bundled micro model, which was trained without preceding text and
     * answers a prompt with nonsense (models/README.md).
     */
    sessionContextChars: z.number().int().min(0).max(4096).optional(),
    /** Chunks quieter than this (RMS, dBFS) are answered without decoding; -Infinity turns it off. */
    silenceFloorDbfs: z.union(
      [z.number().min(MIN_SILENCE_FLOOR_DBFS).max(0), z.literal(Number.NEGATIVE_INFINITY)],
      { error: `a dBFS level from ${MIN_SILENCE_FLOOR_DBFS} to 0, or -Infinity for no gate` },
    ),
    /** Silero VAD model (ggml) for whisper.cpp's voice activity detection; absent: none. */
    vadModel: z.string().min(1).optional(),
    maxCompressionRatio: z.number().positive(),
    minAvgLogprob: z.number().max(0),
    maxNoSpeechProb: z.number().min(0).max(1),
    /** Leave segments flagged as likely hallucinated out of the session transcript. */
    withholdSuspectText: z.boolean(),
  })
  .superRefine((c, context) => {
    const problem = heartbeatTimingProblem(c.heartbeatTtlMs, c.heartbeatIntervalMs);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });

export type WorkerConfig = z.output<typeof configSchema>;
export type WorkerConfigInput = Partial<WorkerConfig>;

export { ConfigError };

export function defaultWorkerId(): string {
  return `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function resolveWorkerConfig(input: WorkerConfigInput = {}): WorkerConfig {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const result = configSchema.safeParse({
    ...DEFAULTS,
    engine: 'whisper',
    useGpu: true,
    workerId: defaultWorkerId(),
    ...defined,
  });
  if (result.success) return result.data;

  const issue = result.error.issues[0]!;
  // A rule across settings names them itself, by their flags.
  if (issue.code === 'custom') throw new ConfigError(issue.message);
  const name = issue.path.join('.') || 'config';
  throw new ConfigError(`${flagOfSetting(name) ?? `setting '${name}'`}: ${issue.message}`);
}

/** Settings whose flag is not their name in kebab case; null: set in code only. */
const FLAG_EXCEPTIONS: Record<string, string | null> = {
  redisUrl: '--redis',
  useGpu: '--no-gpu',
  withholdSuspectText: '--keep-suspect-text',
  blockTimeoutMs: null,
  statusTtlMs: null,
  sessionSweepIntervalMs: null,
};

/** The `asr-worker run` flag that sets `name`, so errors speak the user's words. */
export function flagOfSetting(name: string): string | undefined {
  if (name in FLAG_EXCEPTIONS) return FLAG_EXCEPTIONS[name] ?? undefined;
  return `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** The prompt length a worker with this config uses; see sessionContextChars. */
export function sessionContextChars(config: WorkerConfig): number {
  if (config.sessionContextChars !== undefined) return config.sessionContextChars;
  const bundledModel = config.engine === 'whisper' && config.model === undefined;
  return bundledModel ? 0 : DEFAULT_SESSION_CONTEXT_CHARS;
}
