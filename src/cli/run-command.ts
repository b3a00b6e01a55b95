/**
 * `asr-worker run`: one worker process until SIGINT or SIGTERM.
 */
import type { Logger } from 'pino';

import { resolveWorkerConfig, type WorkerConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { explainRedisFailure } from '../queue/connection-checks.js';
import { createRedisClient, redactRedisUrl } from '../queue/redis.js';
import { createEngine } from '../worker/engine-factory.js';
import { Worker } from '../worker/worker.js';

export interface RunFlags {
  redis: string;
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

/** Starts a worker and returns it with a stop() that also closes its resources. */
export async function startWorker(
  config: WorkerConfig,
  logger: Logger,
): Promise<{ worker: Worker; stop: () => Promise<void> }> {
  const log = logger.child({ worker_id: config.workerId });
  log.info({ redis: redactRedisUrl(config.redisUrl), queue: config.queue }, 'starting');

  const engine = await createEngine(config, log);
  const blocking = createRedisClient(config.redisUrl, 'blocking', log);
  const commands = createRedisClient(config.redisUrl, 'commands', log);
  const worker = new Worker({ config, engine, logger: log, blocking, commands });
  try {
    await worker.start();
  } catch (error) {
    // Nothing half-started may keep the process alive: a supervisor sees the
    // exit and restarts the worker once Redis is back.
    blocking.disconnect();
    commands.disconnect();
    await engine.close();
    const explained = explainRedisFailure(commands, error);
    const code = (explained as { code?: unknown }).code;
    throw new WorkerStartError(
      typeof code === 'string' ? code : 'WORKER_START_FAILED',
      `could not start (Redis at ${redactRedisUrl(config.redisUrl)}): ${explained.message}`,
    );
  }

  const stop = async () => {
    await worker.stop();
    blocking.disconnect();
    await commands.quit().catch(() => commands.disconnect());
    await engine.close();
  };
  return { worker, stop };
}

export async function runCommand(flags: RunFlags): Promise<void> {
  const logger = createLogger({ level: flags.logLevel });
  const config = configFromFlags(flags);
  // Listening before start-up: a SIGTERM while the model loads (a rolling
  // deploy replacing a worker that just started) ends it cleanly, with 0.
  const signalled = firstSignal(logger);
  const { stop } = await startWorker(config, logger);

  await signalled;
  await stop();
}

function firstSignal(logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'signal received');
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
