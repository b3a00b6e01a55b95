/**
 * An in-process worker on its own queue of the shared Redis, and helpers to
 * push tasks and read what came back.
 */
import { pino, type Logger } from 'pino';
import type { Redis } from 'ioredis';

import { startWorker } from '../../src/cli/run-command.js';
import { resolveWorkerConfig, type WorkerConfigInput } from '../../src/config.js';
import type { TaskResult } from '../../src/protocol/result.js';
import type { Worker } from '../../src/worker/worker.js';
import { SHARED_REDIS_URL, uniqueQueue, waitFor } from '../support/redis.js';

export interface TestWorker {
  worker: Worker;
  queue: string;
  results: string;
  channel: string;
  sessionResults: string;
  sessionChannel: string;
  stop: () => Promise<void>;
}

/** `logger` receives the worker's log lines; silent unless given. */
export async function startTestWorker(
  label: string,
  input: WorkerConfigInput,
  logger: Logger = pino({ level: 'silent' }),
): Promise<TestWorker> {
  const queue = input.queue ?? uniqueQueue(label);
  const results = `{${queue}}:test-results`;
  const channel = `{${queue}}:test-channel`;
  const sessionResults = `{${queue}}:test-session-results`;
  const sessionChannel = `{${queue}}:test-session-channel`;
  const config = resolveWorkerConfig({
    redisUrl: SHARED_REDIS_URL,
    queue,
    results,
    channel,
    sessionResults,
    sessionChannel,
    blockTimeoutMs: 300,
    heartbeatIntervalMs: 500,
    heartbeatTtlMs: 2000,
    redeliveryIntervalMs: 500,
    ...input,
  });
  const { worker, stop } = await startWorker(config, logger);
  return { worker, queue, results, channel, sessionResults, sessionChannel, stop };
}

export async function push(
  redis: Redis,
  queue: string,
  tasks: Array<object | string>,
): Promise<void> {
  if (tasks.length === 0) return;
  await redis.rpush(queue, ...tasks.map((t) => (typeof t === 'string' ? t : JSON.stringify(t))));
}

export async function readResults(redis: Redis, list: string, count: number, timeoutMs = 60_000) {
  await waitFor(
    `${count} results on ${list}`,
    async () => (await redis.llen(list)) >= count,
    timeoutMs,
  );
  const raw = await redis.lrange(list, 0, -1);
  return raw.map((item) => JSON.parse(item) as TaskResult);
}

export function byId(results: TaskResult[]): Map<string, TaskResult> {
  return new Map(results.map((r) => [r.task_id, r]));
}
