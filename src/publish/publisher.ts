/**
 * Answers a task through Redis: the result onto a list the backend can block
 * on, the same JSON on a channel for live updates, the final state in the
 * task's status key, and the task off this worker's processing list, all in
 * one MULTI, so a result is never published without the task being
 * acknowledged or the other way round.
 */
import type { Redis } from 'ioredis';

import type { TaskResult } from '../protocol/result.js';
import { serializeResult } from '../protocol/result.js';
import type { QueueConsumer } from '../queue/consumer.js';
import type { QueueKeys } from '../queue/keys.js';

export const PROCESSING = 'processing';
const FINAL_STATUSES = new Set(['done', 'failed', 'expired']);

export interface PublisherOptions {
  redis: Redis;
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
    if (stored === null || stored === PROCESSING) return undefined;
    try {
      const parsed = JSON.parse(stored) as TaskResult;
      return FINAL_STATUSES.has(parsed.status) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  async markProcessing(taskId: string): Promise<void> {
    const { redis, keys, statusTtlMs } = this.options;
    await redis.set(keys.status(taskId), PROCESSING, 'PX', statusTtlMs);
  }

  async publish(result: TaskResult, raw: string, replyTo?: string): Promise<void> {
    const { redis, keys, consumer, results, channel, statusTtlMs } = this.options;
    const json = serializeResult(result);

    const transaction = redis.multi();
    transaction.rpush(replyTo ?? results, json);
    transaction.publish(channel, json);
    transaction.set(keys.status(result.task_id), json, 'PX', statusTtlMs);
    consumer.ackCommands(transaction, raw);

    const replies = await transaction.exec();
    if (replies === null) throw new Error('the result transaction was discarded');
    const failure = replies.find(([error]) => error !== null);
    if (failure) throw failure[0]!;
  }

  /** Acknowledges a repeat delivery of a task that already has its answer. */
  async acknowledgeRepeat(raw: string): Promise<void> {
    const transaction = this.options.redis.multi();
    this.options.consumer.ackCommands(transaction, raw);
    await transaction.exec();
  }
}
