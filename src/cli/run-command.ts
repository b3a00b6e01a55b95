/**
 * `asr-worker run`: one worker process until SIGINT or SIGTERM.
 */
import type { Logger } from 'pino';

import { resolveWorkerConfig, type WorkerConfig } from '../config.js';
import { createLogger } from '../logger.js';
import type { Transcriber } from '../engine/transcriber.js';
import { assertReachable, explainRedisFailure } from '../queue/connection-checks.js';
import { closeNow, createRedisClient, redactRedisUrl, type RedisClient } from '../queue/redis.js';
import { createEngine } from '../worker/engine-factory.js';
import { Worker } from '../worker/worker.js';

export interface RunFlags {
  redis: string;
  connectTimeoutMs: number;
  queue: string;
  results: string;
  channel: string;
  model?: string;
  engine: 'whisper' | 'noop';
  concurrency?: number;
  threads?: number;
  gpu: boolean;
  workerId?: string;
  maxPayloadBytes: number;
  maxAudioSeconds: number;
  taskTimeoutMs: number;
  drainTimeoutMs: number;
  maxDeliveries: number;
  heartbeatTtlMs: number;
  heartbeatIntervalMs: number;
  redeliveryIntervalMs: number;
  /** false with --no-http. */
  http: boolean;
  httpPort: number;
  httpHost: string;
  stallCheckIntervalMs: number;
  stallAfterMs: number;
  maxTaskWaitMs: number;
  maxTaskAgeMs?: number;
  sessionChannel: string;
  sessionResults: string;
  sessionIdleMs: number;
  sessionContextChars?: number;
  silenceFloorDbfs: number;
  vadModel?: string;
  maxCompressionRatio: number;
  minAvgLogprob: number;
  maxNoSpeechProb: number;
  keepSuspectText?: boolean;
  logLevel: string;
}

/**
 * Why a worker did not start. `code` is the cause's where it has one
 * (QUEUE_WRONG_TYPE, HTTP_PORT_IN_USE, a connection error's), so callers
 * branch on it and the command line prints it.
 */
export class WorkerStartError extends Error {
  override readonly name = 'WorkerStartError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function configFromFlags(flags: RunFlags): WorkerConfig {
  return resolveWorkerConfig({
    redisUrl: flags.redis,
    connectTimeoutMs: flags.connectTimeoutMs,
    queue: flags.queue,
    results: flags.results,
    channel: flags.channel,
    model: flags.model,
    engine: flags.engine,
    concurrency: flags.concurrency,
    threads: flags.threads,
    useGpu: flags.gpu,
    workerId: flags.workerId,
    maxPayloadBytes: flags.maxPayloadBytes,
    maxAudioSeconds: flags.maxAudioSeconds,
    taskTimeoutMs: flags.taskTimeoutMs,
    drainTimeoutMs: flags.drainTimeoutMs,
    maxDeliveries: flags.maxDeliveries,
    heartbeatTtlMs: flags.heartbeatTtlMs,
    heartbeatIntervalMs: flags.heartbeatIntervalMs,
    redeliveryIntervalMs: flags.redeliveryIntervalMs,
    httpPort: flags.http ? flags.httpPort : undefined,
    httpHost: flags.httpHost,
    stallCheckIntervalMs: flags.stallCheckIntervalMs,
    stallAfterMs: flags.stallAfterMs,
    maxTaskWaitMs: flags.maxTaskWaitMs,
    maxTaskAgeMs: flags.maxTaskAgeMs,
    sessionChannel: flags.sessionChannel,
    sessionResults: flags.sessionResults,
    sessionIdleMs: flags.sessionIdleMs,
    sessionContextChars: flags.sessionContextChars,
    silenceFloorDbfs: flags.silenceFloorDbfs,
    vadModel: flags.vadModel,
    maxCompressionRatio: flags.maxCompressionRatio,
    minAvgLogprob: flags.minAvgLogprob,
    maxNoSpeechProb: flags.maxNoSpeechProb,
    withholdSuspectText: flags.keepSuspectText !== true,
  });
}

/** A started worker, and a stop() that also closes what it runs on. */
export interface StartedWorker {
  worker: Worker;
  stop: () => Promise<void>;
}

/**
 * Starts a worker: connections, a PING answered on both within
 * config.connectTimeoutMs, the engine, then the worker itself. Whatever
 * fails, nothing it opened is left behind to keep the process alive: a
 * supervisor sees the exit and restarts the worker once Redis is back. An
 * abort of `signal` (SIGTERM during start-up) ends the wait for Redis at once
 * and rejects with the signal's reason.
 */
export async function startWorker(
  config: WorkerConfig,
  logger: Logger,
  signal?: AbortSignal,
): Promise<StartedWorker> {
  const log = logger.child({ worker_id: config.workerId });
  log.info({ redis: redactRedisUrl(config.redisUrl), queue: config.queue }, 'starting');

  // Redis before the engine: a wrong URL, password or host fails in seconds,
  // before a large model is read into memory.
  const blocking = createRedisClient(config.redisUrl, 'blocking', log);
  let commands: RedisClient | undefined;
  let engine: Transcriber | undefined;
  try {
    commands = createRedisClient(config.redisUrl, 'commands', log);
    const reachable = Promise.all([
      assertReachable(commands, config.connectTimeoutMs),
      assertReachable(blocking, config.connectTimeoutMs),
    ]);
    await unlessAborted(reachable, signal);
    engine = await createEngine(config, log);
    signal?.throwIfAborted();

    const worker = new Worker({ config, engine, logger: log, blocking, commands });
    await worker.start();
    return { worker, stop: stopper(worker, blocking, commands, engine) };
  } catch (error) {
    closeNow(blocking);
    if (commands) closeNow(commands);
    await engine?.close();
    if (signal?.aborted && error === signal.reason) throw error;
    throw startError(config, commands ?? blocking, error);
  }
}

function stopper(
  worker: Worker,
  blocking: RedisClient,
  commands: RedisClient,
  engine: Transcriber,
): () => Promise<void> {
  return async () => {
    await worker.stop();
    blocking.disconnect();
    await commands.quit().catch(() => commands.disconnect());
    await engine.close();
  };
}

function startError(config: WorkerConfig, redis: RedisClient, error: unknown): WorkerStartError {
  const explained = explainRedisFailure(redis, error);
  const code = (explained as { code?: unknown }).code;
  // A model, config or port error is no news about Redis: name it only when it is.
  const aboutRedis = typeof code !== 'string' || /^(REDIS|QUEUE)_/.test(code);
  const where = aboutRedis ? ` (Redis at ${redactRedisUrl(config.redisUrl)})` : '';
  return new WorkerStartError(
    typeof code === 'string' ? code : 'WORKER_START_FAILED',
    `could not start${where}: ${explained.message}`,
  );
}

/** `work`'s outcome, or the signal's reason as soon as it is aborted. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export async function runCommand(flags: RunFlags): Promise<void> {
  const logger = createLogger({ level: flags.logLevel });
  const config = configFromFlags(flags);
  // Listening before start-up: a SIGTERM then (a rolling deploy replacing a
  // worker that just started) ends it cleanly, with 0; at once while it
  // waits for Redis, once the model is in if it is loading one.
  const signals = stopSignals(logger);
  try {
    const { stop } = await startWorker(config, logger, signals.signal);
    await signals.received;
    await stop();
  } catch (error) {
    if (!signals.signal.aborted || error !== signals.signal.reason) throw error;
    logger.info('stopped during start-up');
  } finally {
    // After a failed start too: a listener left behind would keep SIGTERM
    // from ending the process.
    signals.release();
  }
}

/**
 * The first SIGINT or SIGTERM, as an aborted signal and a settled promise.
 * Only the first: a second one ends the process the default way.
 */
function stopSignals(logger: Logger) {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    logger.info({ signal: name }, 'signal received');
    release();
    controller.abort(new Error(`stopped by ${name}`));
  };
  const release = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const received = new Promise<void>((resolve) =>
    controller.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  return { signal: controller.signal, received, release };
}
