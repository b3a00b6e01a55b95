/**
 * `asr-worker enqueue <files...>`: what a backend does, from the shell.
 */
import { randomUUID } from 'node:crypto';

import { assertQueueType } from '../health/queue-probe.js';
import { createLogger } from '../logger.js';
import {
  assertDatabase,
  assertReachable,
  explainRedisFailure,
} from '../queue/connection-checks.js';
import { closeNow, createRedisClient } from '../queue/redis.js';
import {
  chunkTasks,
  collectResults,
  describeResult,
  fileTask,
  pushTasks,
  type OutgoingTask,
} from './producer.js';

export interface EnqueueFlags {
  redis: string;
  queue: string;
  connectTimeoutMs: number;
  chunkSeconds?: number;
  wait?: boolean;
  waitTimeoutMs: number;
  language?: string;
}

export async function enqueueCommand(files: string[], flags: EnqueueFlags): Promise<void> {
  // A key of spaces is legal in Redis, but no worker can be started on it.
  if (flags.queue.trim() === '') throw new Error(`--queue must name a key, got "${flags.queue}"`);
  const logger = createLogger({ level: 'warn' });
  const redis = createRedisClient(flags.redis, 'commands', logger);
  const replyTo = flags.wait ? `asr_enqueue_reply:${randomUUID()}` : undefined;
  const extra: Partial<OutgoingTask> = {
    ...(flags.language && { language: flags.language }),
    ...(replyTo && { reply_to: replyTo }),
  };

  try {
    await assertReachable(redis, flags.connectTimeoutMs);
    await assertDatabase(redis);
    // RPUSH onto a string or a stream fails with Redis's bare WRONGTYPE.
    assertQueueType(flags.queue, await redis.type(flags.queue));
    const tasks: OutgoingTask[] = [];
    const fileOf = new Map<string, string>();
    for (const file of files) {
      const made = flags.chunkSeconds
        ? await chunkTasks(file, flags.chunkSeconds, extra)
        : [fileTask(file, extra)];
      for (const task of made) fileOf.set(task.task_id, file);
      tasks.push(...made);
    }
    await pushTasks(redis, flags.queue, tasks);
    console.log(`pushed ${tasks.length} task(s) onto '${flags.queue}'`);
    for (const task of tasks) console.log(`  ${task.task_id}  ${fileOf.get(task.task_id)}`);

    if (replyTo) {
      const results = await collectResults(redis, replyTo, tasks.length, flags.waitTimeoutMs, (r) =>
        console.log(`${fileOf.get(r.task_id) ?? '?'}: ${describeResult(r)}`),
      );
      await redis.del(replyTo);
      const failed = results.filter((r) => r.status !== 'done').length;
      if (failed > 0) process.exitCode = 1;
      if (results.length < tasks.length) {
        throw new Error(
          `${tasks.length - results.length} result(s) did not arrive within ${flags.waitTimeoutMs} ms: ` +
            `is a worker listening on '${flags.queue}'?`,
        );
      }
    }
  } catch (error) {
    // After a failure Redis may not be answering at all, and QUIT would wait
    // on it; every push that was made has been answered either way.
    closeNow(redis);
    throw explainRedisFailure(redis, error);
  }
  await redis.quit().catch(() => redis.disconnect());
}
