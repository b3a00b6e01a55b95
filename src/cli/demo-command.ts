/**
 * `asr-worker demo`: the main job end to end on one machine. A private
 * redis-server (unless --redis), a worker with the default model (unless
 * --model), real speech pushed as a backend would push it, each result
 * printed as it arrives, then everything shut down.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import { resolveWorkerConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createRedisClient } from '../queue/redis.js';
import { collectResults, chunkTasks, describeResult, fileTask, pushTasks } from './producer.js';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';
import { startWorker } from './run-command.js';

export interface DemoFlags {
  model?: string;
  redis?: string;
}

const SPOKEN = 'one two three four five. start music, stop, go left, go right.';

function jfkSample(): string {
  const require = createRequire(import.meta.url);
  const tree = path.join(path.dirname(require.resolve('nodejs-whisper/package.json')), 'cpp');
  return path.join(tree, 'whisper.cpp', 'samples', 'jfk.mp3');
}

/** Speech made on the spot with espeak-ng, when it is installed. */
function synthesise(dir: string): string | undefined {
  const file = path.join(dir, 'espeak.wav');
  const made = spawnSync('espeak-ng', ['-v', 'en-us', '-s', '140', '-w', file, SPOKEN]);
  return made.status === 0 ? file : undefined;
}

export async function demoCommand(flags: DemoFlags): Promise<void> {
  const logger = createLogger({ level: process.env.ASR_LOG_LEVEL ?? 'warn' });
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'asr-demo-'));
  let privateRedis: PrivateRedis | undefined;
  if (!flags.redis) {
    privateRedis = await startPrivateRedis();
    console.log(`started a private redis-server on port ${privateRedis.port}`);
  }
  const redisUrl = flags.redis ?? privateRedis!.url;
  const queue = flags.redis ? `asr_demo:${randomUUID()}` : 'asr_chunk_queue';

  const config = resolveWorkerConfig({
    redisUrl,
    queue,
    model: flags.model,
    concurrency: 2,
    heartbeatIntervalMs: 1000,
    heartbeatTtlMs: 3000,
  });
  const { stop } = await startWorker(config, logger);
  const redis = createRedisClient(redisUrl, 'commands', logger);

  try {
    const replyTo = `asr_demo_reply:${randomUUID()}`;
    const jfk = jfkSample();
    const tasks = [
      fileTask(jfk, { reply_to: replyTo }),
      ...(await chunkTasks(jfk, 4, { reply_to: replyTo })),
    ];
    const spoken = synthesise(scratch);
    if (spoken) tasks.push(fileTask(spoken, { reply_to: replyTo }));
    else console.log('(espeak-ng not installed: skipping synthesised speech)');

    console.log(
      `model: ${config.model ?? 'the default generated model (random weights: expect noise, not words)'}`,
    );
    console.log(
      `pushing ${tasks.length} tasks onto '${queue}' (jfk.mp3 whole, in 4 s chunks${spoken ? ', espeak-ng speech' : ''})\n`,
    );
    await pushTasks(redis, queue, tasks);

    const results = await collectResults(redis, replyTo, tasks.length, 300_000, (result) =>
      console.log(describeResult(result)),
    );
    await redis.del(replyTo);
    if (results.length < tasks.length) throw new Error('not every result arrived within 5 minutes');
    if (!config.model) {
      console.log('\nFor real words: asr-worker demo --model path/to/ggml-base.en.bin');
    }
  } finally {
    await redis.quit().catch(() => redis.disconnect());
    await stop();
    await privateRedis?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
