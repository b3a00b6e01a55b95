/**
 * A worker's sign of life: its heartbeat key holds a JSON description of the
 * worker and expires unless refreshed. recoverOrphans takes a worker's tasks
 * back only when this key is gone, so:
 *
 * - start() must have resolved before the first take (it writes the key
 *   once and throws if it cannot);
 * - stop() only after the worker's running tasks are answered or abandoned:
 *   once the key is gone, any task left on its processing list goes back to
 *   the queue.
 *
 * Use the commands connection: on the blocking one a beat would wait behind a
 * BLMOVE.
 */
import type { Logger } from 'pino';

import type { QueueKeys } from './keys.js';
import type { RedisClient } from './redis.js';

export const DEFAULT_HEARTBEAT_TTL_MS = 15_000;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;

export type HeartbeatInfo = Record<string, unknown>;

/**
 * The one rule for a heartbeat's timing, checked where the user sets it
 * (config.ts) and again here: the TTL is at least twice the interval, so one
 * missed beat (a slow Redis, a long GC pause) does not make a live worker look
 * dead and have its running tasks handed to someone else. Returns what is
 * wrong, in the flags' names, or undefined.
 */
export function heartbeatTimingProblem(ttlMs: number, intervalMs: number): string | undefined {
  if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) {
    return `--heartbeat-interval-ms must be a positive number of milliseconds, got ${intervalMs}`;
  }
  if (!(ttlMs >= 2 * intervalMs) || !Number.isFinite(ttlMs)) {
    return (
      `--heartbeat-ttl-ms (${ttlMs}) must be at least twice --heartbeat-interval-ms ` +
      `(${intervalMs}): raise the TTL to ${2 * intervalMs} or more, or lower the interval`
    );
  }
  return undefined;
}

export interface HeartbeatOptions<Info extends HeartbeatInfo> {
  redis: RedisClient;
  keys: QueueKeys;
  workerId: string;
  info: Info;
  /** How long the key lives without a refresh; default 15000. */
  ttlMs?: number;
  /** How often it is refreshed; default 5000. ttlMs must be at least twice this. */
  intervalMs?: number;
  logger: Logger;
}

export class Heartbeat<Info extends HeartbeatInfo = HeartbeatInfo> {
  readonly key: string;
  readonly ttlMs: number;
  readonly intervalMs: number;

  private readonly redis: RedisClient;
  private readonly logger: Logger;
  private info: Info;
  private timer: NodeJS.Timeout | undefined;
  /** The beat in progress, so beats never overlap and stop() can wait for it. */
  private beating: Promise<void> | undefined;
  /** A write arrived (update) while a beat was running: write again after it. */
  private dirty = false;
  private failingSinceMs: number | undefined;
  private stopped = false;

  constructor(options: HeartbeatOptions<Info>) {
    this.ttlMs = options.ttlMs ?? DEFAULT_HEARTBEAT_TTL_MS;
    this.intervalMs = options.intervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    const problem = heartbeatTimingProblem(this.ttlMs, this.intervalMs);
    if (problem !== undefined) throw new RangeError(problem);
    this.redis = options.redis;
    this.key = options.keys.heartbeat(options.workerId);
    this.info = { ...options.info };
    this.logger = options.logger;
  }

  /** Writes the key once (throwing if that fails), then refreshes it every intervalMs. */
  async start(): Promise<void> {
    if (this.timer !== undefined) return;
    this.stopped = false;
    await this.write();
    this.timer = setInterval(() => this.beat(), this.intervalMs);
    // The worker's own loop keeps the process alive, not its heartbeat.
    this.timer.unref();
  }

  /** Merges into the published info and writes it soon, without waiting for the next beat. */
  update(partialInfo: Partial<Info>): void {
    this.info = { ...this.info, ...partialInfo };
    if (this.timer !== undefined) this.beat();
  }

  /**
   * Merges into the published info for the next beat to write. For values
   * that change often (task counts): update() would write on every call.
   */
  merge(partialInfo: Partial<Info>): void {
    this.info = { ...this.info, ...partialInfo };
  }

  /**
   * Stops refreshing and deletes the key. If the delete fails, it rejects;
   * the key then expires within ttlMs anyway.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    // A SET landing after the DEL would bring the key back until it expires.
    await this.beating;
    await this.redis.del(this.key);
  }

  /** A refresh from the timer: never throws, never overlaps, logs failures. */
  private beat(): void {
    if (this.beating !== undefined) {
      this.dirty = true;
      return;
    }
    this.beating = this.write()
      .then(
        () => this.recovered(),
        (error: unknown) => this.failed(error),
      )
      .finally(() => {
        this.beating = undefined;
        if (this.dirty && !this.stopped) {
          this.dirty = false;
          this.beat();
        }
      });
  }

  private async write(): Promise<void> {
    await this.redis.set(this.key, JSON.stringify(this.info), 'PX', this.ttlMs);
  }

  private failed(error: unknown): void {
    const nowMs = Date.now();
    if (this.failingSinceMs === undefined) {
      this.failingSinceMs = nowMs;
      this.logger.warn({ err: error, key: this.key }, 'heartbeat refresh failed');
    } else if (nowMs - this.failingSinceMs >= this.ttlMs) {
      // Logged on every beat from here on: this is the state to notice.
      this.logger.error(
        { err: error, key: this.key, failingForMs: nowMs - this.failingSinceMs },
        'heartbeat expired: other workers may take back the tasks this one is running',
      );
    }
  }

  private recovered(): void {
    if (this.failingSinceMs === undefined) return;
    this.logger.info(
      { key: this.key, failedForMs: Date.now() - this.failingSinceMs },
      'heartbeat refresh works again',
    );
    this.failingSinceMs = undefined;
  }
}
