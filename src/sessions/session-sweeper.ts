/**
 * Closes sessions whose chunks stopped arriving. Every worker runs one; the
 * expiry script decides under Redis's lock, so running many at once closes
 * each session once.
 */
import type { Logger } from 'pino';

import type { QueueKeys } from '../queue/keys.js';
import type { RedisClient } from '../queue/redis.js';
import { sessionDeliveryCommands, type SessionTargets } from './delivery.js';
import { EXPIRE_SESSION_SCRIPT } from './expiry-script.js';

/** Sessions looked at per sweep; the rest wait for the next one. */
const SWEEP_BATCH = 100;
/** The most missing chunk indices an incomplete message lists. */
const MAX_MISSING_LISTED = 1_000;

export interface SessionSweeperOptions {
  redis: RedisClient;
  keys: QueueKeys;
  targets: SessionTargets;
  idleMs: number;
  intervalMs: number;
  statusTtlMs: number;
  logger: Logger;
}

export class SessionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: SessionSweeperOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweepLogged().finally(() => {
        this.running = undefined;
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Closes every session idle for longer than idleMs; returns how many it closed. */
  async sweep(now = Date.now()): Promise<number> {
    const { redis, keys, targets, idleMs, statusTtlMs, logger } = this.options;
    const idle = await redis.zrangebyscore(
      keys.openSessions,
      '-inf',
      now - idleMs,
      'LIMIT',
      0,
      SWEEP_BATCH,
    );

    let closed = 0;
    for (const sessionId of idle) {
      const message = (await redis.eval(
        EXPIRE_SESSION_SCRIPT,
        3,
        keys.session(sessionId),
        keys.sessionStatus(sessionId),
        keys.openSessions,
        sessionId,
        now,
        idleMs,
        statusTtlMs,
        MAX_MISSING_LISTED,
      )) as string | null;
      if (message === null) continue;

      const delivery = sessionDeliveryCommands(redis.pipeline(), targets, [
        { terminal: true, json: message },
      ]);
      await delivery.exec();
      closed++;
      logger.warn(
        { session_id: sessionId, idle_ms: idleMs },
        'session closed as incomplete: its chunks stopped arriving',
      );
    }
    return closed;
  }

  private async sweepLogged(): Promise<void> {
    try {
      await this.sweep();
    } catch (error) {
      // The next sweep tries again; sessions stay in the set until closed.
      this.options.logger.warn({ err: error }, 'session sweep failed; retrying at the next one');
    }
  }
}
