/**
 * Notices a queue that is not being served, the silent failure behind this
 * project (workers idle on one key, the backlog growing on another):
 *
 * - not taking: tasks wait on our queue, this worker has a free slot, and it
 *   took nothing for stallAfterMs;
 * - task waiting: the oldest task (by its enqueued_at) waited longer than
 *   maxTaskWaitMs while this worker had a free slot and took nothing for a
 *   whole check interval (a worker just started on an old backlog, or
 *   draining it, is not stalled);
 * - misrouted: our queue is empty or absent while a list whose name looks
 *   like it holds tasks that nobody took from for stallAfterMs (counted from
 *   the head task's enqueued_at when it has one, so a backlog pushed before
 *   we looked is judged by its real age);
 * - wrong type: the queue key was replaced by something that is not a list
 *   after start-up (start-up refuses it), so every take fails.
 *
 * A worker busy on every slot is never stalled: a backlog it cannot keep up
 * with is a capacity question (the queue-wait metrics show it), and a
 * readiness check failing on a busy pool would block rolling deployments
 * exactly when they are needed.
 *
 * Errors are logged when a stall starts (or changes), then again every
 * repeatMs while it lasts, and an info line when it ends.
 */
import type { Logger } from 'pino';

import type { ListBacklog } from '../diagnosis/similar-keys.js';
import type { QueueSample } from '../health/queue-probe.js';
import { errorSummary } from '../logger.js';

export type Stall =
  | { kind: 'wrong-type'; queue: string; queueType: string; code: 'QUEUE_WRONG_TYPE' }
  | { kind: 'not-taking'; queue: string; depth: number; idleMs: number }
  | { kind: 'task-waiting'; queue: string; depth: number; waitMs: number }
  | {
      kind: 'misrouted';
      queue: string;
      queueType: string;
      backlogKey: string;
      backlogDepth: number;
      untouchedMs: number;
    };

export interface StallThresholds {
  stallAfterMs: number;
  maxTaskWaitMs: number;
  checkIntervalMs: number;
}

export interface StallDetectorOptions extends StallThresholds {
  queue: string;
  /** How often a lasting stall is logged again; default 5 minutes. */
  repeatMs?: number;
  sample(key: string): Promise<QueueSample>;
  /** Lists named like the queue that hold tasks (findSimilarBacklogs). */
  similarBacklogs(): Promise<ListBacklog[]>;
  freeSlots(): number;
  /** When the worker last took a task, or last got a slot back after being full. */
  takingSinceMs(): number;
  onChange?(stall: Stall | undefined): void;
  logger: Logger;
  now?: () => number;
}

const DEFAULT_REPEAT_MS = 5 * 60_000;

/** The first two stall kinds, from one sample of our own queue. Pure. */
export function judgeOwnQueue(
  queue: string,
  sample: QueueSample,
  freeSlots: number,
  takingSinceMs: number,
  nowMs: number,
  thresholds: StallThresholds,
): Stall | undefined {
  if (sample.type !== 'list' && sample.type !== 'none') {
    return { kind: 'wrong-type', queue, queueType: sample.type, code: 'QUEUE_WRONG_TYPE' };
  }
  if (sample.depth === 0 || freeSlots === 0) return undefined;
  const idleMs = nowMs - takingSinceMs;
  if (idleMs >= thresholds.stallAfterMs) {
    return { kind: 'not-taking', queue, depth: sample.depth, idleMs };
  }
  if (sample.oldestEnqueuedAtMs !== undefined && idleMs >= thresholds.checkIntervalMs) {
    const waitMs = nowMs - sample.oldestEnqueuedAtMs;
    if (waitMs >= thresholds.maxTaskWaitMs) {
      return { kind: 'task-waiting', queue, depth: sample.depth, waitMs };
    }
  }
  return undefined;
}

export function describeStall(stall: Stall): string {
  switch (stall.kind) {
    case 'wrong-type':
      return (
        `queue key '${stall.queue}' now holds a ${stall.queueType}, not a list: no task can be ` +
        'taken from it until the key is a list again (something other than producers wrote it)'
      );
    case 'not-taking':
      return (
        `queue '${stall.queue}' holds ${stall.depth} tasks and this worker has a free slot, ` +
        `but it took nothing for ${seconds(stall.idleMs)}: is its Redis connection stuck?`
      );
    case 'task-waiting':
      return (
        `the oldest task on '${stall.queue}' has waited ${seconds(stall.waitMs)} ` +
        `(${stall.depth} tasks waiting) while this worker has a free slot`
      );
    case 'misrouted': {
      const state = stall.queueType === 'none' ? 'absent' : 'empty';
      return (
        `listening on '${stall.queue}' (${state}) while '${stall.backlogKey}' holds ` +
        `${stall.backlogDepth} tasks nobody took for ${seconds(stall.untouchedMs)}: ` +
        `producers may be pushing to '${stall.backlogKey}'`
      );
    }
  }
}

interface Watched {
  headId: string | undefined;
  /** Since when the head has been the same task (its enqueued_at, on first sight). */
  sinceMs: number;
  /** When this head was first seen by us. */
  firstSeenMs: number;
  depth: number;
}

export class StallDetector {
  private current: Stall | undefined;
  private loggedAtMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private lastScanMs: number | undefined;
  /** Look-alike lists with tasks, and whether anyone takes from them. */
  private readonly watched = new Map<string, Watched>();
  private readonly now: () => number;
  private readonly repeatMs: number;

  constructor(private readonly options: StallDetectorOptions) {
    this.now = options.now ?? Date.now;
    this.repeatMs = options.repeatMs ?? DEFAULT_REPEAT_MS;
  }

  get stall(): Stall | undefined {
    return this.current;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.check(), this.options.checkIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
  }

  /** One look at the queue; checks never overlap. Never throws. */
  check(): Promise<void> {
    this.checking ??= this.checkOnce()
      .catch((error: unknown) => {
        // Redis being away is reported by the connection and by /readyz.
        this.options.logger.debug({ err: errorSummary(error) }, 'stall check failed');
      })
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    const { queue, logger } = this.options;
    const sample = await this.options.sample(queue);
    const nowMs = this.now();
    const own = judgeOwnQueue(
      queue,
      sample,
      this.options.freeSlots(),
      this.options.takingSinceMs(),
      nowMs,
      this.options,
    );
    const stall = own ?? (sample.depth === 0 ? await this.misrouted(sample.type) : undefined);
    if (sample.depth > 0) this.watched.clear();
    this.settle(stall, nowMs, logger);
  }

  /**
   * Rescans for look-alike lists every half stallAfterMs (a SCAN of the whole
   * database is not free); re-reads the known ones each check.
   */
  private async misrouted(queueType: string): Promise<Stall | undefined> {
    const { stallAfterMs, checkIntervalMs } = this.options;
    if (this.lastScanMs === undefined || this.now() - this.lastScanMs >= stallAfterMs / 2) {
      const found = new Set((await this.options.similarBacklogs()).map((list) => list.key));
      this.lastScanMs = this.now();
      for (const key of this.watched.keys()) if (!found.has(key)) this.watched.delete(key);
      for (const key of found) await this.watch(key);
    } else {
      for (const key of [...this.watched.keys()]) await this.watch(key);
    }

    let worst: Stall | undefined;
    for (const [key, seen] of this.watched) {
      // Seen unchanged for a whole check first: a served list's head moves.
      if (this.now() - seen.firstSeenMs < checkIntervalMs) continue;
      const untouchedMs = this.now() - seen.sinceMs;
      if (untouchedMs < stallAfterMs) continue;
      if (worst?.kind === 'misrouted' && worst.backlogDepth >= seen.depth) continue;
      worst = {
        kind: 'misrouted',
        queue: this.options.queue,
        queueType,
        backlogKey: key,
        backlogDepth: seen.depth,
        untouchedMs,
      };
    }
    return worst;
  }

  /**
   * Samples a look-alike list. Its clock starts at the head task's
   * enqueued_at when first seen, and restarts at now whenever the head
   * changes: someone took from it, so only waiting since then counts.
   */
  private async watch(key: string): Promise<void> {
    const sample = await this.options.sample(key);
    if (sample.depth === 0) {
      this.watched.delete(key);
      return;
    }
    const nowMs = this.now();
    const seen = this.watched.get(key);
    if (seen !== undefined && seen.headId === sample.headId) {
      this.watched.set(key, { ...seen, depth: sample.depth });
      return;
    }
    const enqueuedAtMs = seen === undefined ? sample.oldestEnqueuedAtMs : undefined;
    this.watched.set(key, {
      headId: sample.headId,
      sinceMs: Math.min(nowMs, enqueuedAtMs ?? nowMs),
      firstSeenMs: nowMs,
      depth: sample.depth,
    });
  }

  private settle(stall: Stall | undefined, nowMs: number, logger: Logger): void {
    const before = this.current;
    this.current = stall;
    if (stall === undefined) {
      if (before !== undefined) {
        logger.info({ stall: before.kind, queue: before.queue }, 'queue served again: ready');
        this.options.onChange?.(undefined);
      }
      return;
    }
    const changed = before === undefined || sameStall(before, stall) === false;
    if (changed || nowMs - this.loggedAtMs >= this.repeatMs) {
      const { kind, ...fields } = stall;
      logger.error({ stall: kind, ...fields }, describeStall(stall));
      this.loggedAtMs = nowMs;
    }
    if (changed) this.options.onChange?.(stall);
  }
}

function sameStall(a: Stall, b: Stall): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind !== 'misrouted' || a.backlogKey === (b as typeof a).backlogKey;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
