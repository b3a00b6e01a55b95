/**
 * Takes tasks off the queue list on a connection of its own.
 *
 * Producers RPUSH onto the tail; we take from the head (FIFO) with LMOVE in a
 * script when tasks are waiting (several per round trip) and with BLMOVE when
 * the queue is empty. Both put the task on this worker's processing list in
 * the same step, so a worker that dies mid-task leaves it where redelivery
 * finds it (at-least-once). A task leaves the processing list only when it is
 * answered (ack, or ackCommands inside the publisher's MULTI) or
 * dead-lettered.
 *
 * Tasks are opaque items here (queue-item.ts): the queue layer knows Redis,
 * not the schema. Every item is read as bytes, so one that is not UTF-8 is
 * still acknowledged by its exact bytes.
 *
 * One consumer per worker id, and take() is not reentrant: the processing
 * list is reconciled against what this object handed out, which only works if
 * it is the only one taking for that list.
 */
import type { ChainableCommander } from 'ioredis';
import type { Logger } from 'pino';

import type { QueueKeys } from './keys.js';
import { LuaScript } from './lua-script.js';
import { itemFromReply, taskFingerprint, type QueueItem } from './queue-item.js';
import { MAX_BLOCKING_COMMAND_MS, type RedisClient } from './redis.js';

export const DEFAULT_BLOCK_TIMEOUT_MS = 2_000;
export const MAX_BLOCK_TIMEOUT_MS = MAX_BLOCKING_COMMAND_MS;

export interface QueueConsumerOptions {
  /** A connection dedicated to blocking (createRedis(url, 'blocking', ...)). */
  redis: RedisClient;
  keys: QueueKeys;
  workerId: string;
  /** How long one take() waits for a task; default 2000, capped at 5000. */
  blockTimeoutMs?: number;
  logger?: Logger;
}

export interface Delivery {
  /** The task exactly as the producer pushed it: a string when it is UTF-8, else its bytes. */
  raw: QueueItem;
  /** 1 on the first delivery; higher when the task comes back after a failure. */
  attempt: number;
}

/** [major, minor, patch] from INFO text, or undefined when it has none. */
export function parseRedisVersion(info: string): [number, number, number] | undefined {
  const match = /^redis_version:(\d+)\.(\d+)(?:\.(\d+))?/m.exec(info);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

/** BLMOVE (and LMOVE) arrived in Redis 6.2. */
export function hasBlmove(version: readonly [number, number, number]): boolean {
  const [major, minor] = version;
  return major > 6 || (major === 6 && minor >= 2);
}

function isUnknownCommand(error: unknown): boolean {
  // "unknown command 'BLMOVE'" from the server, "Unknown Redis command" from
  // a script calling LMOVE.
  return error instanceof Error && /unknown (redis )?command/i.test(error.message);
}

/** The most tasks one round trip takes when the queue has a backlog. */
export const MAX_BATCH = 32;

/**
 * Takes up to ARGV[1] tasks without blocking, and counts each delivery, in
 * one round trip: with a backlog, a worker with free slots fills them at the
 * cost of one command instead of two per task. Returns task, attempt and
 * fingerprint for each: the fingerprint is the same SHA-1 that
 * taskFingerprint computes, so a large task is not hashed again in Node.
 */
const TAKE_BATCH_SCRIPT = `
local taken = {}
for i = 1, tonumber(ARGV[1]) do
  local raw = redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'LEFT')
  if not raw then break end
  local fingerprint = redis.sha1hex(raw)
  taken[#taken + 1] = raw
  taken[#taken + 1] = redis.call('HINCRBY', KEYS[3], fingerprint, 1)
  taken[#taken + 1] = fingerprint
end
return taken
`;

const takeBatchScript = new LuaScript(TAKE_BATCH_SCRIPT);

export class QueueConsumer {
  /** The block timeout in effect, after the cap. */
  readonly blockTimeoutMs: number;

  private readonly redis: RedisClient;
  private readonly keys: QueueKeys;
  private readonly processing: string;
  private readonly logger: Logger | undefined;

  private initialized = false;
  private useBlpop = false;
  private taking = false;
  /**
   * Set when this object's view of the processing list may be wrong: at
   * start (a previous process with the same worker id may have left tasks)
   * and after any failed take (a BLMOVE whose reply was lost has moved a task
   * nobody is working on). The next take() reads the list first.
   */
  private reconcileNeeded = true;
  /** Tasks found on the processing list that nobody is working on. */
  private reclaimed: QueueItem[] = [];
  /** Fingerprint -> how many copies this object handed out and not yet acked. */
  private readonly handedOut = new Map<string, number>();

  constructor(options: QueueConsumerOptions) {
    const requestedMs = options.blockTimeoutMs ?? DEFAULT_BLOCK_TIMEOUT_MS;
    // 0 would mean "block forever" to Redis: a shutdown would never get in.
    if (!Number.isFinite(requestedMs) || requestedMs <= 0) {
      throw new RangeError(`blockTimeoutMs must be a positive number, got ${requestedMs}`);
    }
    if (options.workerId === '') throw new RangeError('workerId must not be empty');
    this.blockTimeoutMs = Math.min(requestedMs, MAX_BLOCK_TIMEOUT_MS);
    this.redis = options.redis;
    this.keys = options.keys;
    this.processing = options.keys.processing(options.workerId);
    this.logger = options.logger;
  }

  /**
   * True when the server has no BLMOVE (older than 6.2) and tasks are taken
   * with BLPOP: a worker that dies mid-task then loses that task. Known after
   * init(); the caller should warn loudly.
   */
  get atMostOnce(): boolean {
    return this.useBlpop;
  }

  /** Detects the server version once. take() calls it if nobody did. */
  async init(): Promise<void> {
    if (this.initialized) return;
    let info: string | undefined;
    try {
      info = await this.redis.info('server');
    } catch (error) {
      // INFO can be renamed or denied by ACL; BLMOVE is then tried, and an
      // unknown-command reply switches to BLPOP at the first take.
      this.logger?.debug({ err: error }, 'INFO server failed; assuming BLMOVE exists');
    }
    const version = info === undefined ? undefined : parseRedisVersion(info);
    if (version && !hasBlmove(version)) this.useBlpop = true;
    this.initialized = true;
  }

  /**
   * The next task, or null when none arrived within blockTimeoutMs. Rejects
   * when Redis fails; the caller retries (with backoff) and loses nothing.
   */
  async take(): Promise<Delivery | null> {
    return (await this.takeUpTo(1))[0] ?? null;
  }

  /**
   * Between one and `max` tasks when some are waiting (at most MAX_BATCH),
   * or none when nothing arrived within blockTimeoutMs. Ask only for as many
   * as will be worked on at once: every task returned is on this worker's
   * processing list until acknowledged.
   */
  async takeUpTo(max: number): Promise<Delivery[]> {
    if (this.taking) throw new Error('QueueConsumer.take() is already running');
    this.taking = true;
    try {
      await this.init();
      const wanted = Math.max(1, Math.min(Math.floor(max), MAX_BATCH));
      if (this.useBlpop) return present(await this.takeWithBlpop());
      return await this.takeWithBlmove(wanted);
    } finally {
      this.taking = false;
    }
  }

  /** This worker's processing list, for a script that acknowledges a task itself (then call forget). */
  get processingKey(): string {
    return this.processing;
  }

  /** Appends the acknowledgement to the caller's MULTI (or pipeline) and returns it. */
  ackCommands(pipeline: ChainableCommander, raw: QueueItem): ChainableCommander {
    const fingerprint = taskFingerprint(raw);
    this.forgetFingerprint(fingerprint);
    // From the tail: tasks are pushed onto the head and mostly finish in the
    // order they were taken, so the one to remove is usually the first
    // compared. From the head, Redis would compare the task (often hundreds
    // of kilobytes) with every newer one in flight.
    return pipeline.lrem(this.processing, -1, raw).hdel(this.keys.deliveries, fingerprint);
  }

  /**
   * Acknowledges a task on its own: off the processing list, its count gone.
   * Runs on `via` (give it the commands connection): on the consumer's own
   * blocking connection it would wait behind a BLMOVE in flight.
   */
  async ack(raw: QueueItem, via: RedisClient = this.redis): Promise<void> {
    const replies = await this.ackCommands(via.multi(), raw).exec();
    if (replies === null) throw new Error('the acknowledgement transaction was discarded');
    const failure = replies.find(([error]) => error !== null);
    if (failure) throw failure[0]!;
  }

  /**
   * Bookkeeping only: call after a task this consumer handed out left the
   * processing list by another route (deadLetter, the publisher's answer
   * script). ack and ackCommands do it
   * themselves. Skipping it costs a few bytes until the next reconcile.
   */
  forget(raw: QueueItem, fingerprint = taskFingerprint(raw)): void {
    this.forgetFingerprint(fingerprint);
  }

  private forgetFingerprint(fingerprint: string): void {
    const count = this.handedOut.get(fingerprint) ?? 0;
    if (count <= 1) this.handedOut.delete(fingerprint);
    else this.handedOut.set(fingerprint, count - 1);
  }

  private async takeWithBlmove(wanted: number): Promise<Delivery[]> {
    try {
      if (this.reconcileNeeded) await this.reconcile();
      const reclaimed = this.reclaimed.shift();
      if (reclaimed !== undefined) return [await this.deliver(reclaimed)];

      const waiting = await this.takeWaiting(wanted);
      if (waiting.length > 0) return waiting;

      const bytes = await this.redis.blmoveBuffer(
        this.keys.queue,
        this.processing,
        'LEFT',
        'LEFT',
        this.blockTimeoutMs / 1000,
      );
      if (bytes === null) return [];
      return [await this.deliver(itemFromReply(bytes))];
    } catch (error) {
      if (isUnknownCommand(error)) {
        this.switchToBlpop();
        return present(await this.takeWithBlpop());
      }
      // Whatever we were doing may have half happened (a task moved, its
      // reply lost): look at the processing list before blocking again.
      this.reconcileNeeded = true;
      this.reclaimed = [];
      throw error;
    }
  }

  /** Tasks already waiting, moved and counted by one script; none when the queue is empty. */
  private async takeWaiting(wanted: number): Promise<Delivery[]> {
    const reply = (await takeBatchScript.runBuffer(
      this.redis,
      [this.keys.queue, this.processing, this.keys.deliveries],
      [wanted],
    )) as Array<Buffer | number>;

    const deliveries: Delivery[] = [];
    for (let i = 0; i < reply.length; i += 3) {
      this.handOut(String(reply[i + 2]));
      deliveries.push({ raw: itemFromReply(reply[i] as Buffer), attempt: Number(reply[i + 1]) });
    }
    return deliveries;
  }

  /**
   * Counts the delivery. The count needs the task in hand (its fingerprint),
   * so it is a second round trip; if it fails, the task stays on the
   * processing list unaccounted for and the next reconcile hands it out.
   */
  private async deliver(raw: QueueItem): Promise<Delivery> {
    const fingerprint = taskFingerprint(raw);
    const attempt = await this.redis.hincrby(this.keys.deliveries, fingerprint, 1);
    this.handOut(fingerprint);
    return { raw, attempt };
  }

  private handOut(fingerprint: string): void {
    this.handedOut.set(fingerprint, (this.handedOut.get(fingerprint) ?? 0) + 1);
  }

  /**
   * Compares the processing list with what this object handed out. Anything
   * extra (left by a previous process with this worker id, or moved by a
   * BLMOVE whose reply never arrived) is handed out again, oldest first.
   * Entries for tasks no longer on the list are dropped, so the bookkeeping
   * heals itself.
   */
  private async reconcile(): Promise<void> {
    // Newest first: BLMOVE pushes onto the head.
    const onList = await this.redis.lrangeBuffer(this.processing, 0, -1);
    const unmatched = new Map(this.handedOut);
    const matched = new Map<string, number>();
    const extra: QueueItem[] = [];
    for (let i = onList.length - 1; i >= 0; i--) {
      const raw = itemFromReply(onList[i]!);
      const fingerprint = taskFingerprint(raw);
      const left = unmatched.get(fingerprint) ?? 0;
      if (left > 0) {
        unmatched.set(fingerprint, left - 1);
        matched.set(fingerprint, (matched.get(fingerprint) ?? 0) + 1);
      } else {
        extra.push(raw);
      }
    }
    this.handedOut.clear();
    for (const [fingerprint, count] of matched) this.handedOut.set(fingerprint, count);
    this.reclaimed = extra;
    this.reconcileNeeded = false;
    if (extra.length > 0) {
      this.logger?.warn(
        { processing: this.processing, tasks: extra.length },
        'found tasks on this worker’s processing list that nobody is working on; taking them again',
      );
    }
  }

  private switchToBlpop(): void {
    this.useBlpop = true;
    this.logger?.warn(
      'this Redis has no BLMOVE: falling back to BLPOP, so a worker that dies mid-task ' +
        'loses that task (at-most-once delivery)',
    );
  }

  /**
   * Redis before 6.2. BLPOP removes the task from Redis entirely, so there is
   * no processing list and no delivery count (every delivery is the first
   * and only one). Before 6.0 the timeout must be whole seconds.
   */
  private async takeWithBlpop(): Promise<Delivery | null> {
    const timeoutSeconds = Math.max(1, Math.ceil(this.blockTimeoutMs / 1000));
    const popped = await this.redis.blpopBuffer(this.keys.queue, timeoutSeconds);
    if (popped === null) return null;
    return { raw: itemFromReply(popped[1]), attempt: 1 };
  }
}

function present(delivery: Delivery | null): Delivery[] {
  return delivery === null ? [] : [delivery];
}
