/**
 * Answers a task through Redis: the result onto a list the backend can block
 * on, the same JSON on a channel for live updates, the final state in the
 * task's status key, and the task off this worker's processing list.
 *
 * On a single Redis (standalone or Sentinel) all of it is one MULTI, so a
 * result is never published without the task being acknowledged or the other
 * way round.
 *
 * On a Cluster one MULTI cannot span slots: the status key, the processing
 * list and the delivery counts share the queue's slot (they carry its hash
 * tag), but the result list (the default one or a task's reply_to) and the
 * channel may live anywhere. There the publish is three ordered steps, each
 * safe to repeat, and a crash between any two loses nothing:
 *
 *   (a) claim: one script on the queue's slot sets the status key to the
 *       result and, with it, a pending marker `{queue}:publishing:<task_id>`
 *       holding the list the result goes to; unless the status key already
 *       holds another final result, in which case that answer stands and
 *       this one is dropped.
 *   (b) deliver: RPUSH the result onto its list, PUBLISH it on the channel.
 *   (c) acknowledge: LREM from the processing list, HDEL the delivery count
 *       and DEL the pending marker, in one MULTI on the queue's slot.
 *
 * - Crash before (a): nothing was written; the task is redelivered and runs
 *   again, as on a single Redis.
 * - Crash after (a), before (c): the task is still on a processing list, so it
 *   is redelivered; the status key is final, so the runner treats it as a
 *   repeat, and acknowledgeRepeat finds the pending marker, does (b) with the
 *   stored result and the list named in the marker, then (c). Nothing is lost.
 *   If the crash came after (b), the result is delivered twice: the one
 *   window where a repeat answer is possible (consumers already key results
 *   by task_id; see docs/protocol.md, Delivery).
 * - A repeat without a pending marker was delivered in full: it is only
 *   acknowledged.
 *
 * The marker is what "delivered" means, and only the (c) that follows a (b)
 * deletes it: a worker whose claim lost, or a repeat that finds no marker,
 * acknowledges without touching it, so it never erases another worker's
 * unfinished delivery. It lives in the queue's slot so that (a) and (c) can
 * write it atomically with the status key and the acknowledgement, exists
 * only while a publish is unfinished, and expires with the status key.
 */
import { Cluster, type ChainableCommander } from 'ioredis';

import type { TaskResult } from '../protocol/result.js';
import { serializeResult } from '../protocol/result.js';
import type { QueueConsumer } from '../queue/consumer.js';
import type { QueueKeys } from '../queue/keys.js';
import type { RedisClient } from '../queue/redis.js';

export const PROCESSING = 'processing';
const FINAL_STATUSES = new Set(['done', 'failed', 'expired']);

/**
 * Step (a) on a Cluster. KEYS: status key, pending marker. ARGV: result JSON,
 * TTL (ms), the list the result goes to. Returns 1 when this result is the
 * task's answer (written now, or written by this same call before: a retried
 * publish sends the identical JSON), 0 when another final result holds the
 * status key. Its final statuses are FINAL_STATUSES.
 */
const CLAIM_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then
  local ok, stored = pcall(cjson.decode, current)
  if ok and type(stored) == 'table' and
      (stored.status == 'done' or stored.status == 'failed' or stored.status == 'expired') then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
return 1
`;

export interface PublisherOptions {
  redis: RedisClient;
  keys: QueueKeys;
  consumer: QueueConsumer;
  /** The default result list. */
  results: string;
  channel: string;
  statusTtlMs: number;
}

export class ResultPublisher {
  constructor(private readonly options: PublisherOptions) {}

  /** The task's final result if one was already published (a repeat delivery). */
  async finalResult(taskId: string): Promise<TaskResult | undefined> {
    const stored = await this.options.redis.get(this.options.keys.status(taskId));
    return parseFinal(stored);
  }

  async markProcessing(taskId: string): Promise<void> {
    const { redis, keys, statusTtlMs } = this.options;
    await redis.set(keys.status(taskId), PROCESSING, 'PX', statusTtlMs);
  }

  async publish(result: TaskResult, raw: string, replyTo?: string): Promise<void> {
    const { redis, keys, consumer, results, channel, statusTtlMs } = this.options;
    const json = serializeResult(result);
    const list = replyTo ?? results;

    if (redis instanceof Cluster) {
      const taskId = result.task_id;
      const claimed = await redis.eval(
        CLAIM_SCRIPT,
        2,
        keys.status(taskId),
        keys.publishing(taskId),
        json,
        statusTtlMs,
        list,
      );
      if (claimed !== 1) {
        // Another answer stands; its own publish (or its redelivery) delivers it.
        await this.acknowledge(raw);
        return;
      }
      await this.deliver(list, json);
      await this.acknowledge(raw, taskId);
      return;
    }

    const transaction = redis.multi();
    transaction.rpush(list, json);
    transaction.publish(channel, json);
    transaction.set(keys.status(result.task_id), json, 'PX', statusTtlMs);
    consumer.ackCommands(transaction, raw);
    await execOrThrow(transaction, 'the result transaction');
  }

  /**
   * Acknowledges a repeat delivery of a task that already has its answer. On
   * a Cluster it first finishes a publish that was interrupted after its
   * claim (a pending marker for `taskId` exists): the stored result goes to
   * the list the marker names, then the marker goes with the acknowledgement.
   */
  async acknowledgeRepeat(raw: string, taskId: string): Promise<void> {
    const { redis, keys } = this.options;
    if (redis instanceof Cluster) {
      // Same slot, so one MGET reads both as of one moment.
      const [stored, list] = await redis.mget(keys.status(taskId), keys.publishing(taskId));
      if (list !== null && list !== undefined && parseFinal(stored ?? null) !== undefined) {
        await this.deliver(list, stored!);
        await this.acknowledge(raw, taskId);
        return;
      }
    }
    await this.acknowledge(raw);
  }

  /** Step (b) on a Cluster: the result list and the channel, each where it lives. */
  private async deliver(list: string, json: string): Promise<void> {
    const { redis, channel } = this.options;
    await redis.rpush(list, json);
    await redis.publish(channel, json);
  }

  /**
   * Step (c): off the processing list, delivery count gone, and, when
   * `delivered` names a task whose result this call has just delivered, its
   * pending marker with them.
   */
  private async acknowledge(raw: string, delivered?: string): Promise<void> {
    const { redis, keys, consumer } = this.options;
    const transaction = consumer.ackCommands(redis.multi(), raw);
    if (delivered !== undefined) transaction.del(keys.publishing(delivered));
    await execOrThrow(transaction, 'the acknowledgement transaction');
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
