/**
 * Answers a task through Redis: the result onto a list the backend can block
 * on, the same JSON on a channel for live updates, the final state in the
 * task's status key, the chunk in its session, and the task off this
 * worker's processing list.
 *
 * Every answer goes through answer-script.ts, whose set-if-absent guard makes
 * the first final result of a task its only one: a duplicate delivery that
 * finishes later is acknowledged without publishing.
 *
 * On a single Redis (standalone or Sentinel) that script does everything in
 * one atomic step.
 *
 * On a Cluster one script cannot span slots: the status key, the session
 * keys, the processing list and the delivery counts share the queue's slot
 * (they carry its hash tag), but the result list (the default one or a
 * task's reply_to), the session result list and the channels may live
 * anywhere. There the publish is three ordered steps, each safe to repeat,
 * and a crash between any two loses nothing:
 *
 *   (a) claim: the script on the queue's slot sets the status key, records the
 *       chunk in its session and writes a pending marker
 *       `{queue}:publishing:<task_id>` naming the list the result goes to and
 *       the session messages still to send; unless the status key already
 *       holds another final result, in which case that answer stands and
 *       this one is dropped.
 *   (b) deliver: RPUSH the result onto its list, PUBLISH it on the channel,
 *       and send the session messages.
 *   (c) acknowledge: LREM from the processing list, HDEL the delivery count
 *       and DEL the pending marker, in one MULTI on the queue's slot.
 *
 * - Crash before (a): nothing was written; the task is redelivered and runs
 *   again, as on a single Redis.
 * - Crash after (a), before (c): the task is still on a processing list, so it
 *   is redelivered; the status key is final, so the runner treats it as a
 *   repeat, and acknowledgeRepeat finds the pending marker, does (b) with what
 *   the marker holds, then (c). Nothing is lost. If the crash came after (b),
 *   the result is delivered twice: the one window where a repeat answer is
 *   possible (consumers already key results by task_id; see
 *   docs/protocol.md, Delivery).
 * - A repeat without a pending marker was delivered in full: it is only
 *   acknowledged.
 *
 * The marker is what "delivered" means, and only the (c) that follows a (b)
 * deletes it: a worker whose claim lost, or a repeat that finds no marker,
 * acknowledges without touching it, so it never erases another worker's
 * unfinished delivery. It exists only while a publish is unfinished, and
 * expires with the status key.
 */
import { Cluster, type ChainableCommander } from 'ioredis';

import type { TaskResult } from '../protocol/result.js';
import { serializeResult } from '../protocol/result.js';
import { chunkEntry } from '../sessions/chunk-entry.js';
import { sessionDeliveryCommands, type SessionTargets } from '../sessions/delivery.js';
import { outgoingFromReply, type OutgoingSessionMessage } from '../sessions/messages.js';
import type { QueueConsumer } from '../queue/consumer.js';
import type { QueueKeys } from '../queue/keys.js';
import { taskFingerprint, type QueueItem } from '../queue/queue-item.js';
import type { RedisClient } from '../queue/redis.js';
import { LuaScript } from '../queue/lua-script.js';
import { ANSWER_SCRIPT } from './answer-script.js';

export const PROCESSING = 'processing';
const FINAL_STATUSES = new Set(['done', 'failed', 'expired']);
const answerScript = new LuaScript(ANSWER_SCRIPT);

export interface PublisherOptions {
  redis: RedisClient;
  keys: QueueKeys;
  consumer: QueueConsumer;
  /** The default result list. */
  results: string;
  channel: string;
  /** Where session messages go. */
  sessions: SessionTargets;
  /** Leave segments flagged as likely hallucinated out of session transcripts. */
  withholdSuspectText: boolean;
  statusTtlMs: number;
}

export interface PublishExtras {
  /** The task's own result list instead of the default one. */
  replyTo?: string;
  /** The chunk's start on its session's time line, when the task said. */
  offsetMs?: number;
}

/** {1, kind, json, ...} when this result is the answer, {0} when another stood. */
type ScriptReply = [number, ...string[]];

/** A final result already published for a task_id, and the delivery it answered. */
export interface PriorAnswer {
  result: TaskResult;
  fingerprint: string | undefined;
}

export interface PublishOutcome {
  published: boolean;
  sessionMessages: number;
}

/** What a pending marker holds: where the result goes, and what else is left to send. */
interface PendingDelivery {
  list: string;
  session: OutgoingSessionMessage[];
}

export class ResultPublisher {
  constructor(private readonly options: PublisherOptions) {}

  /**
   * The task's final result if one was already published, with the
   * fingerprint of the delivery it answered (undefined for a result stored
   * before fingerprints were kept). Same slot, so one MGET reads both.
   */
  async priorAnswer(taskId: string): Promise<PriorAnswer | undefined> {
    const { redis, keys } = this.options;
    const [stored, fingerprint] = await redis.mget(keys.status(taskId), keys.answered(taskId));
    const result = parseFinal(stored ?? null);
    return result === undefined ? undefined : { result, fingerprint: fingerprint ?? undefined };
  }

  async markProcessing(taskId: string): Promise<void> {
    const { redis, keys, statusTtlMs } = this.options;
    await redis.set(keys.status(taskId), PROCESSING, 'PX', statusTtlMs);
  }

  /**
   * Publishes `result` as the answer to the task `raw` (the item exactly as
   * the queue held it) and acknowledges the task. `published` is false when
   * another final result already stood: nothing was published, and the task
   * was acknowledged all the same. `sessionMessages` counts the session
   * messages the chunk produced: none for a chunk of a session that had
   * already ended, or whose index another task had already answered.
   */
  async publish(
    result: TaskResult,
    raw: QueueItem,
    extras: PublishExtras = {},
  ): Promise<PublishOutcome> {
    const { redis, keys, consumer, results, channel, sessions, statusTtlMs } = this.options;
    const json = serializeResult(result);
    const list = extras.replyTo ?? results;
    const taskId = result.task_id;
    const session = sessionArgs(result, extras.offsetMs, this.options.withholdSuspectText);
    const claimKeys = [
      keys.status(taskId),
      keys.publishing(taskId),
      keys.firstSeen,
      keys.session(result.session_id ?? ''),
      keys.sessionStatus(result.session_id ?? ''),
      keys.openSessions,
    ];
    const args = [json, statusTtlMs, list, taskId, ...session, Date.now()];
    const fingerprint = taskFingerprint(raw);

    if (!(redis instanceof Cluster)) {
      const inlineKeys = [
        ...claimKeys,
        list,
        consumer.processingKey,
        keys.deliveries,
        sessions.results,
        keys.answered(taskId),
      ];
      const inlineArgs = [...args, channel, sessions.channel, raw, fingerprint];
      const reply = (await answerScript.run(redis, inlineKeys, inlineArgs)) as ScriptReply;
      consumer.forget(raw, fingerprint);
      return { published: reply[0] === 1, sessionMessages: (reply.length - 1) / 2 };
    }

    const reply = (await answerScript.run(
      redis,
      [...claimKeys, keys.answered(taskId)],
      [...args, fingerprint],
    )) as ScriptReply;
    if (reply[0] !== 1) {
      // Another answer stands; its own publish (or its redelivery) delivers it.
      await this.acknowledge(raw);
      return { published: false, sessionMessages: 0 };
    }
    const sessionMessages = outgoingFromReply(reply.slice(1) as string[]);
    await this.deliver({ list, session: sessionMessages }, json);
    await this.acknowledge(raw, taskId);
    return { published: true, sessionMessages: sessionMessages.length };
  }

  /**
   * Acknowledges a repeat delivery of a task that already has its answer. On
   * a Cluster it first finishes a publish that was interrupted after its
   * claim (a pending marker for `taskId` exists): the stored result and the
   * session messages go where the marker says, then the marker goes with the
   * acknowledgement.
   */
  async acknowledgeRepeat(raw: QueueItem, taskId: string): Promise<void> {
    const { redis, keys } = this.options;
    if (redis instanceof Cluster) {
      // Same slot, so one MGET reads both as of one moment.
      const [stored, marker] = await redis.mget(keys.status(taskId), keys.publishing(taskId));
      const pending = parsePending(marker ?? null);
      if (pending !== undefined && parseFinal(stored ?? null) !== undefined) {
        await this.deliver(pending, stored!);
        await this.acknowledge(raw, taskId);
        return;
      }
    }
    await this.acknowledge(raw);
  }

  /**
   * Tells the producer of a different task under an already answered
   * task_id, on its reply_to list only: the result list, the channel and the
   * status key keep the first answer, which consumers key by task_id and
   * this one would overwrite. Without a reply_to it is only acknowledged.
   * `raw` is left out when the task was already acknowledged.
   */
  async refuseDuplicate(
    result: TaskResult,
    replyTo: string | undefined,
    raw?: QueueItem,
  ): Promise<void> {
    const { redis } = this.options;
    const json = serializeResult(result);
    if (raw === undefined || redis instanceof Cluster) {
      // On a Cluster the reply list may live on another node: pushed first,
      // so a crash before the acknowledgement repeats the answer, never loses it.
      if (replyTo !== undefined) await redis.rpush(replyTo, json);
      if (raw !== undefined) await this.acknowledge(raw);
      return;
    }
    const transaction = redis.multi();
    if (replyTo !== undefined) transaction.rpush(replyTo, json);
    await execOrThrow(this.options.consumer.ackCommands(transaction, raw), 'the refusal');
  }

  /** Step (b) on a Cluster: the result, its channel and the session messages, each where it lives. */
  private async deliver(pending: PendingDelivery, json: string): Promise<void> {
    const { redis, channel, sessions } = this.options;
    await redis.rpush(pending.list, json);
    await redis.publish(channel, json);
    if (pending.session.length === 0) return;
    // Not one MULTI: the session list and the channel may be on different nodes.
    for (const message of pending.session) {
      await execOrThrow(
        sessionDeliveryCommands(redis.pipeline(), sessions, [message]),
        'a session message',
      );
    }
  }

  /**
   * Step (c): off the processing list, delivery count gone, and, when
   * `delivered` names a task whose result this call has just delivered, its
   * pending marker with them.
   */
  private async acknowledge(raw: QueueItem, delivered?: string): Promise<void> {
    const { redis, keys, consumer } = this.options;
    const transaction = consumer.ackCommands(redis.multi(), raw);
    if (delivered !== undefined) transaction.del(keys.publishing(delivered));
    await execOrThrow(transaction, 'the acknowledgement transaction');
  }
}

/** Session id, chunk index, is final, entry: empty when the result is not a session's chunk. */
function sessionArgs(
  result: TaskResult,
  offsetMs: number | undefined,
  withholdSuspect: boolean,
): string[] {
  if (result.session_id === undefined || result.chunk_index === undefined) {
    return ['', '0', '0', ''];
  }
  return [
    result.session_id,
    String(result.chunk_index),
    result.is_final === true ? '1' : '0',
    JSON.stringify(chunkEntry(result, { offsetMs, withholdSuspect })),
  ];
}

function parsePending(marker: string | null): PendingDelivery | undefined {
  if (marker === null) return undefined;
  try {
    const parsed = JSON.parse(marker) as { list?: unknown; session?: unknown };
    if (typeof parsed.list !== 'string') return undefined;
    const session = Array.isArray(parsed.session) ? (parsed.session as string[]) : [];
    return { list: parsed.list, session: outgoingFromReply(session) };
  } catch {
    return undefined;
  }
}

function parseFinal(stored: string | null): TaskResult | undefined {
  if (stored === null || stored === PROCESSING) return undefined;
  try {
    const parsed = JSON.parse(stored) as TaskResult;
    return FINAL_STATUSES.has(parsed.status) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function execOrThrow(transaction: ChainableCommander, what: string): Promise<void> {
  const replies = await transaction.exec();
  if (replies === null) throw new Error(`${what} was discarded`);
  const failure = replies.find(([error]) => error !== null);
  if (failure) throw failure[0]!;
}
