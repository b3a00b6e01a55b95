/**
 * The composition root: wires the engine, the queue and the publisher, and
 * owns the loop. It takes a task only when a decoding slot is free (so it
 * never holds tasks it cannot start), answers each exactly once per
 * delivery, and on shutdown stops taking at once, lets running tasks finish
 * within the drain timeout, and leaves anything unfinished recoverable.
 */
import type { Logger } from 'pino';

import { sessionContextChars, type WorkerConfig } from '../config.js';
import { findSimilarBacklogs } from '../diagnosis/similar-keys.js';
import { errorSummary } from '../logger.js';
import type { Transcriber } from '../engine/transcriber.js';
import type { EngineFacts } from '../health/banner.js';
import { HealthMonitor } from '../health/monitor.js';
import { assertQueueType, sampleQueue, type QueueSample } from '../health/queue-probe.js';
import { packageVersion } from '../health/version.js';
import { ResultPublisher } from '../publish/publisher.js';
import { parsedTaskId } from '../protocol/task.js';
import { leadingTaskId } from '../protocol/task-id.js';
import { assertDatabase } from '../queue/connection-checks.js';
import { QueueConsumer } from '../queue/consumer.js';
import { Heartbeat } from '../queue/heartbeat.js';
import { queueKeys, type QueueKeys } from '../queue/keys.js';
import { itemText, taskFingerprint, type QueueItem } from '../queue/queue-item.js';
import { deadLetter, POISON_REASON, recoverOrphans } from '../queue/redelivery.js';
import { redactRedisUrl, type RedisClient } from '../queue/redis.js';
import { SessionSweeper } from '../sessions/session-sweeper.js';
import {
  databaseOf,
  engineFacts,
  heartbeatInfo,
  logBanner,
  type HeartbeatFields,
} from './self-report.js';
import { describeStall, StallDetector } from './stall-detector.js';
import { TaskRunner, type Outcome } from './task-runner.js';

export interface WorkerDeps {
  config: WorkerConfig;
  engine: Transcriber;
  logger: Logger;
  /** A connection used only for the blocking take. */
  blocking: RedisClient;
  /** A connection for everything else. */
  commands: RedisClient;
}

export interface WorkerCounts {
  done: number;
  failed: number;
  expired: number;
  deadLettered: number;
  repeats: number;
}

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5_000;

export class Worker {
  readonly keys: QueueKeys;
  readonly workerId: string;
  readonly counts: WorkerCounts = { done: 0, failed: 0, expired: 0, deadLettered: 0, repeats: 0 };

  private readonly consumer: QueueConsumer;
  private readonly publisher: ResultPublisher;
  private readonly runner: TaskRunner;
  private readonly heartbeat: Heartbeat<HeartbeatFields>;
  private readonly engineFacts: EngineFacts;
  private readonly monitor: HealthMonitor;
  private readonly stallDetector: StallDetector;
  private readonly sessionSweeper: SessionSweeper;
  /** When a task was last taken, or a slot came back to a full worker. */
  private takingSinceMs = Date.now();
  private readonly abortRunning = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private freeSlots: number;
  private wakeLoop: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private redeliveryTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;

  constructor(private readonly deps: WorkerDeps) {
    const { config, engine, logger, blocking, commands } = deps;
    this.keys = queueKeys(config.queue);
    this.workerId = config.workerId;
    this.freeSlots = Math.min(config.concurrency ?? engine.capacity, engine.capacity);
    this.consumer = new QueueConsumer({
      redis: blocking,
      keys: this.keys,
      workerId: config.workerId,
      blockTimeoutMs: config.blockTimeoutMs,
    });
    this.publisher = new ResultPublisher({
      redis: commands,
      keys: this.keys,
      consumer: this.consumer,
      results: config.results,
      channel: config.channel,
      sessions: { channel: config.sessionChannel, results: config.sessionResults },
      withholdSuspectText: config.withholdSuspectText,
      statusTtlMs: config.statusTtlMs,
    });
    this.sessionSweeper = new SessionSweeper({
      redis: commands,
      keys: this.keys,
      targets: { channel: config.sessionChannel, results: config.sessionResults },
      idleMs: config.sessionIdleMs,
      // A short idle time is looked at often enough to be kept within a quarter.
      intervalMs: Math.min(config.sessionSweepIntervalMs, Math.max(100, config.sessionIdleMs / 4)),
      statusTtlMs: config.statusTtlMs,
      logger,
    });
    this.runner = new TaskRunner({
      redis: commands,
      keys: this.keys,
      engine,
      publisher: this.publisher,
      workerId: config.workerId,
      maxPayloadBytes: config.maxPayloadBytes,
      maxAudioSeconds: config.maxAudioSeconds,
      taskTimeoutMs: config.taskTimeoutMs,
      maxTaskAgeMs: config.maxTaskAgeMs,
      sessionContextChars: sessionContextChars(config),
      silenceFloorDbfs: config.silenceFloorDbfs,
      sessionResults: config.sessionResults,
      quality: {
        maxCompressionRatio: config.maxCompressionRatio,
        minAvgLogprob: config.minAvgLogprob,
        noSpeechProb: config.maxNoSpeechProb,
      },
    });
    this.engineFacts = engineFacts(engine);
    this.heartbeat = new Heartbeat({
      redis: commands,
      keys: this.keys,
      workerId: config.workerId,
      ttlMs: config.heartbeatTtlMs,
      intervalMs: config.heartbeatIntervalMs,
      logger,
      info: heartbeatInfo(config, engine.name, this.engineFacts.backend, commands),
    });
    this.monitor = this.createMonitor();
    this.stallDetector = new StallDetector({
      queue: config.queue,
      checkIntervalMs: config.stallCheckIntervalMs,
      stallAfterMs: config.stallAfterMs,
      maxTaskWaitMs: config.maxTaskWaitMs,
      sample: (key) => this.sample(key),
      similarBacklogs: () =>
        findSimilarBacklogs(commands, config.queue, { exclude: [config.results] }),
      freeSlots: () => this.freeSlots,
      takingSinceMs: () => this.takingSinceMs,
      onChange: (stall) => this.monitor.metrics.setStalled(stall !== undefined),
      logger,
    });
  }

  /** The port /healthz, /readyz and /metrics answer on; undefined without HTTP. */
  get httpPort(): number | undefined {
    return this.monitor.port;
  }

  /** The worker's metrics registry (what /metrics serves). */
  get metrics() {
    return this.monitor.metrics;
  }

  private createMonitor(): HealthMonitor {
    const { config, logger, blocking, commands } = this.deps;
    const monitor = new HealthMonitor({
      identity: {
        queue: config.queue,
        model: this.engineFacts.model,
        backend: this.engineFacts.backend,
        version: packageVersion(),
      },
      httpPort: config.httpPort,
      httpHost: config.httpHost,
      logger,
    });
    monitor.watchRedis('blocking', blocking);
    monitor.watchRedis('commands', commands);
    // The engine is loaded before the worker exists; it closes only after stop().
    monitor.readiness.add('model', () =>
      this.stopped === undefined ? { ok: true } : { ok: false, detail: 'model closing' },
    );
    monitor.readiness.add('stall', () => {
      const stall = this.stallDetector.stall;
      return stall === undefined ? { ok: true } : { ok: false, detail: describeStall(stall) };
    });
    monitor.readiness.add('draining', () =>
      this.stopping ? { ok: false, detail: 'stopping: taking no new tasks' } : { ok: true },
    );
    return monitor;
  }

  /** On failure nothing is left running (HTTP closed, no heartbeat). */
  async start(): Promise<void> {
    try {
      await this.startOnce();
    } catch (error) {
      clearInterval(this.redeliveryTimer);
      await this.monitor.close();
      throw error;
    }
  }

  private async startOnce(): Promise<void> {
    const { config, logger, commands } = this.deps;
    // First, so a port clash fails before this worker registers anywhere.
    await this.monitor.listen();
    // Both connections on the database the URL names, or none at all.
    await assertDatabase(commands);
    await assertDatabase(this.deps.blocking);
    // A key of the wrong type would never hold a task: a producer writes
    // elsewhere or in another dialect, and waiting on it would look healthy.
    const queue = await sampleQueue(commands, config.queue);
    assertQueueType(config.queue, queue.type);
    await this.consumer.init();
    if (this.consumer.atMostOnce) {
      logger.warn(
        'this Redis is older than 6.2 and has no BLMOVE: falling back to BLPOP, so a ' +
          'worker that dies mid-task loses that task (at-most-once delivery)',
      );
    }
    await this.heartbeat.start();
    await this.recover();
    this.redeliveryTimer = setInterval(() => void this.recover(), config.redeliveryIntervalMs);
    this.redeliveryTimer.unref();

    logBanner(logger, {
      redis: redactRedisUrl(config.redisUrl),
      database: databaseOf(commands),
      queue: config.queue,
      queueType: queue.type,
      queueDepth: queue.depth,
      results: config.results,
      channel: config.channel,
      sessionResults: config.sessionResults,
      sessionChannel: config.sessionChannel,
      contextChars: sessionContextChars(config),
      silenceFloorDbfs: Number.isFinite(config.silenceFloorDbfs) ? config.silenceFloorDbfs : 'off',
      ...(config.vadModel !== undefined && { vadModel: config.vadModel }),
      engine: this.engineFacts,
      slots: this.freeSlots,
      version: packageVersion(),
      ...(this.monitor.url !== undefined && { http: this.monitor.url }),
    });
    this.takingSinceMs = Date.now();
    this.loop = this.fetchLoop();
    this.stallDetector.start();
    void this.stallDetector.check();
    this.sessionSweeper.start();
  }

  /** A look at a list for the stall check; our own queue's also feeds the metrics. */
  private async sample(key: string): Promise<QueueSample> {
    const sample = await sampleQueue(this.deps.commands, key);
    if (key === this.keys.queue) {
      const { oldestEnqueuedAtMs } = sample;
      const ageSeconds =
        oldestEnqueuedAtMs === undefined
          ? undefined
          : Math.max(0, Date.now() - oldestEnqueuedAtMs) / 1000;
      this.monitor.metrics.queueSampled(sample.depth, ageSeconds);
    }
    return sample;
  }

  /** Idempotent: stop taking, drain, abort what is left, release Redis. */
  stop(): Promise<void> {
    this.stopped ??= this.stopOnce();
    return this.stopped;
  }

  private async stopOnce(): Promise<void> {
    const { config, logger } = this.deps;
    this.stopping = true;
    this.wakeLoop?.();
    logger.info({ inFlight: this.inFlight.size }, 'stopping: no new tasks, draining');

    await this.loop;
    const drained = await settleWithin([...this.inFlight], config.drainTimeoutMs);
    if (!drained) {
      logger.warn(
        { inFlight: this.inFlight.size, drainTimeoutMs: config.drainTimeoutMs },
        "drain timeout passed: aborting running tasks; they stay on this worker's processing " +
          'list, and another worker recovers them once this one has exited',
      );
      this.abortRunning.abort();
      await Promise.allSettled([...this.inFlight]);
    }

    clearInterval(this.redeliveryTimer);
    await this.stallDetector.stop();
    await this.sessionSweeper.stop();
    await this.heartbeat.stop().catch((error: unknown) => {
      logger.warn(
        { err: errorSummary(error) },
        'could not remove the heartbeat; it expires on its own',
      );
    });
    await this.monitor.close();
    logger.info(this.counts, 'stopped');
  }

  private async fetchLoop(): Promise<void> {
    let backoffMs = RETRY_FIRST_MS;
    while (!this.stopping) {
      await this.slotFree();
      if (this.stopping) break;

      let taken;
      try {
        taken = await this.consumer.takeUpTo(this.freeSlots);
        backoffMs = RETRY_FIRST_MS;
      } catch (error) {
        if (this.stopping) break;
        this.deps.logger.warn(
          { err: errorSummary(error), retryInMs: backoffMs },
          connectionLost(error)
            ? 'taking a task failed: the Redis connection is down; retrying as it reconnects'
            : 'taking a task failed',
        );
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, RETRY_MAX_MS);
        continue;
      }
      if (taken.length > 0) this.takingSinceMs = Date.now();
      for (const { raw, attempt } of taken) {
        if (attempt > 1) this.monitor.metrics.redelivered();
        this.dispatch(raw, attempt);
      }
    }
  }

  private slotFree(): Promise<void> {
    if (this.freeSlots > 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.wakeLoop = resolve;
    });
  }

  private dispatch(raw: QueueItem, attempt: number): void {
    this.freeSlots--;
    const task = this.handle(raw, attempt).finally(() => {
      this.inFlight.delete(task);
      this.monitor.metrics.setInFlight(this.inFlight.size);
      // A full worker could not take; its idle time counts from now.
      if (this.freeSlots === 0) this.takingSinceMs = Date.now();
      this.freeSlots++;
      const wake = this.wakeLoop;
      this.wakeLoop = undefined;
      wake?.();
    });
    this.inFlight.add(task);
    this.monitor.metrics.setInFlight(this.inFlight.size);
  }

  private async handle(raw: QueueItem, attempt: number): Promise<void> {
    const parsed = this.runner.parse(raw);
    // The id the task is answered under; for an item that is not JSON, the
    // one its start names (leadingTaskId agrees with JSON.parse wherever
    // that reads one, so it adds nothing for a JSON object).
    const taskId = parsedTaskId(parsed) ?? leadingTaskId(itemText(raw));
    const logger = this.deps.logger.child(
      taskId === undefined ? { task_fingerprint: taskFingerprint(raw) } : { task_id: taskId },
    );
    const { maxDeliveries } = this.deps.config;
    // A task that keeps coming back without an answer (it may be what kills
    // workers) is set aside instead of being tried forever.
    const outcome: Outcome | undefined =
      attempt > maxDeliveries
        ? {
            kind: 'dead',
            reason: POISON_REASON,
            message: `delivered ${attempt} times without an answer (limit ${maxDeliveries})`,
          }
        : await this.retrying(logger, 'running a task', () =>
            this.runner.run(raw, parsed, attempt, this.abortRunning.signal),
          );
    if (outcome === undefined) return;
    await this.retrying(logger, 'answering a task', () =>
      this.settle(raw, outcome, taskId, logger),
    );
  }

  /** `logger` already carries the task's id. */
  private async settle(
    raw: QueueItem,
    outcome: Outcome,
    taskId: string | undefined,
    logger: Logger,
  ): Promise<void> {
    const { config, commands } = this.deps;
    switch (outcome.kind) {
      case 'answer': {
        const { replyTo, offsetMs } = outcome;
        const { published, sessionMessages } = await this.publisher.publish(outcome.result, raw, {
          ...(replyTo !== undefined && { replyTo }),
          ...(offsetMs !== undefined && { offsetMs }),
        });
        if (!published) {
          await this.lostTo(raw, outcome, logger);
          break;
        }
        const { session_id: sessionId, chunk_index: chunkIndex } = outcome.result;
        if (sessionId !== undefined && chunkIndex !== undefined && sessionMessages === 0) {
          warnChunkLeftOut(sessionId, chunkIndex, logger);
        }
        const { status, error, timings } = outcome.result;
        this.countAnswer(outcome);
        const line = { status, error, timings, attempt: outcome.result.attempt };
        if (error) logger.warn(line, `task failed: ${error.code}`);
        else if (status === 'expired') logger.info(line, 'task expired: not decoded');
        else logger.info(line, 'task done');
        break;
      }
      case 'dead':
        await deadLetter(
          commands,
          this.keys,
          {
            reason: outcome.reason,
            message: outcome.message,
            raw,
            workerId: config.workerId,
            ...deadTaskId(outcome.taskId ?? taskId),
            statusTtlMs: config.statusTtlMs,
          },
          this.keys.processing(config.workerId),
        );
        this.consumer.forget(raw);
        this.counts.deadLettered++;
        this.monitor.metrics.deadLettered(outcome.reason);
        logger.warn(
          { reason: outcome.reason, detail: outcome.message },
          'unreadable task dead-lettered',
        );
        break;
      case 'repeat':
        await this.publisher.acknowledgeRepeat(raw, outcome.taskId);
        this.countRepeat();
        logger.info('repeat delivery of an answered task; acknowledged');
        break;
      case 'duplicate':
        await this.publisher.refuseDuplicate(outcome.result, outcome.replyTo, raw);
        this.countDuplicate(outcome, logger);
        break;
      case 'leave':
        logger.info('left for redelivery (shutting down)');
        break;
    }
  }

  /**
   * Another delivery of this task_id answered first, and this one was
   * acknowledged: a repeat, or a different task under a reused id, which is
   * told so like one that arrives after the answer.
   */
  private async lostTo(
    raw: QueueItem,
    outcome: Extract<Outcome, { kind: 'answer' }>,
    logger: Logger,
  ): Promise<void> {
    const { result, replyTo } = outcome;
    const prior = await this.publisher.priorAnswer(result.task_id);
    const { session_id, chunk_index, is_final } = result;
    const task = { task_id: result.task_id, session_id, chunk_index, is_final, reply_to: replyTo };
    const verdict = prior && this.runner.answeredBefore(task, raw, prior, result.attempt);
    if (verdict?.kind === 'duplicate') {
      await this.publisher.refuseDuplicate(verdict.result, verdict.replyTo);
      this.countDuplicate(verdict, logger);
      return;
    }
    this.countRepeat();
    logger.info('another delivery of this task answered first; acknowledged without publishing');
  }

  private countDuplicate(outcome: Extract<Outcome, { kind: 'duplicate' }>, logger: Logger): void {
    this.counts.failed++;
    this.monitor.metrics.failed('DUPLICATE_TASK_ID', undefined);
    logger.warn(
      { reply_to: outcome.replyTo ?? null },
      outcome.replyTo === undefined
        ? 'task_id reused for a different task: the first answer stands, and this task names ' +
            'no reply_to to be told on; acknowledged'
        : 'task_id reused for a different task: the first answer stands; this task was ' +
            'answered DUPLICATE_TASK_ID on its reply_to',
    );
  }

  private countRepeat(): void {
    this.counts.repeats++;
    this.monitor.metrics.repeat();
  }

  private countAnswer(outcome: Extract<Outcome, { kind: 'answer' }>): void {
    const { result, queueWaitMs } = outcome;
    const waitSeconds = queueWaitMs === undefined ? undefined : queueWaitMs / 1000;
    if (result.status === 'done') {
      this.counts.done++;
      this.monitor.metrics.done({
        audioSeconds: (result.audio_ms ?? 0) / 1000,
        decodeSeconds: (result.timings?.decode_ms ?? 0) / 1000,
        skipped: result.skipped !== undefined,
        ...(waitSeconds !== undefined && { queueWaitSeconds: waitSeconds }),
      });
    } else if (result.status === 'expired') {
      // Not a failure of this worker: the task outlived its deadline in the queue.
      this.counts.expired++;
      this.monitor.metrics.expired(waitSeconds);
    } else {
      this.counts.failed++;
      this.monitor.metrics.failed(result.error?.code ?? result.status, waitSeconds);
    }
    this.heartbeat.merge({
      tasks_done: this.counts.done,
      tasks_failed: this.counts.failed,
      tasks_expired: this.counts.expired,
      last_task_at: result.finished_at,
    });
  }

  /**
   * Redis going away must not lose a task: the step is retried with backoff
   * until it works. Once the worker is aborting, the task is left in the
   * processing list, where redelivery finds it.
   */
  private async retrying<T>(
    logger: Logger,
    what: string,
    step: () => Promise<T>,
  ): Promise<T | undefined> {
    let backoffMs = RETRY_FIRST_MS;
    for (;;) {
      try {
        return await step();
      } catch (error) {
        if (this.abortRunning.signal.aborted) return undefined;
        logger.warn({ err: errorSummary(error), retryInMs: backoffMs }, `${what} failed; retrying`);
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, RETRY_MAX_MS);
      }
    }
  }

  private async recover(): Promise<void> {
    const { commands, config, logger } = this.deps;
    try {
      const recovered = await recoverOrphans(commands, this.keys, {
        maxDeliveries: config.maxDeliveries,
        statusTtlMs: config.statusTtlMs,
        logger,
      });
      this.monitor.metrics.recoveredDeadLettered(recovered.deadLettered, POISON_REASON);
      if (recovered.requeued || recovered.deadLettered) {
        logger.warn(recovered, 'recovered tasks from workers that stopped without answering');
      }
    } catch (error) {
      logger.warn({ err: errorSummary(error) }, 'redelivery check failed; it runs again shortly');
    }
  }
}

function deadTaskId(taskId: string | undefined): { taskId?: string } {
  return taskId === undefined ? {} : { taskId };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function settleWithin(tasks: Promise<unknown>[], timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const settled = Promise.allSettled(tasks).then(() => true as const);
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * ioredis's answer to a command sent while its connection is down (the
 * blocking connection does not queue commands): its own message talks about
 * a retry setting, which would send a person on call the wrong way.
 */
function connectionLost(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'MaxRetriesPerRequestError';
}

/**
 * A chunk whose result was published but that its session did not take:
 * the session had already ended (complete, or incomplete after its idle
 * time), another task had already answered the same chunk_index, or it lies
 * past the final chunk. The producer's chunking is off; the transcript will
 * not show this chunk.
 */
function warnChunkLeftOut(sessionId: string, chunkIndex: number, logger: Logger): void {
  logger.warn(
    { session_id: sessionId, chunk_index: chunkIndex },
    `chunk ${chunkIndex} of session '${sessionId}' was left out of the session: the session ` +
      'had already ended, another task had already answered this chunk_index, or it lies ' +
      'past the final chunk; its own result was published',
  );
}
