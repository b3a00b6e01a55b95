/**
 * `asr-worker demo`: the main job end to end on one machine. A private
 * redis-server (unless --redis), a worker with the bundled model (unless
 * --model), speech synthesised in the model's vocabulary pushed as a backend
 * would push it, each result printed beside what was said; then a recording
 * cut into chunks of one session, taken by two workers and assembled by the
 * pool into one transcript; then everything shut down.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import { DEFAULTS, resolveWorkerConfig } from '../config.js';
import { createLogger } from '../logger.js';
import type { TaskResult } from '../protocol/result.js';
import { createRedisClient } from '../queue/redis.js';
import { BUNDLED_MODEL_PATH } from '../worker/engine-factory.js';
import { runSessionDemo, sessionRecording } from './demo-session.js';
import { demoUtterances, wordsOf, type DemoUtterance } from './demo-speech.js';
import { chunkTasks, collectResults, describeResult, fileTask, pushTasks } from './producer.js';
import type { OutgoingTask } from './producer.js';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';
import { startWorker } from './run-command.js';

export interface DemoFlags {
  model?: string;
  redis?: string;
}

const RESULTS_TIMEOUT_MS = 300_000;
const WORKER_IDS = ['demo-worker-1', 'demo-worker-2'];

function jfkSample(): string {
  const require = createRequire(import.meta.url);
  const tree = path.join(path.dirname(require.resolve('nodejs-whisper/package.json')), 'cpp');
  return path.join(tree, 'whisper.cpp', 'samples', 'jfk.mp3');
}

export async function demoCommand(flags: DemoFlags): Promise<void> {
  // The demo prints what matters itself; the worker's own warnings (a fresh
  // queue key that does not exist yet) would only interleave with it.
  const logger = createLogger({ level: process.env.ASR_LOG_LEVEL ?? 'error' });
  const replyTo = `asr_demo_reply:${randomUUID()}`;
  // Made first: without espeak-ng there is nothing to start Redis for.
  const utterances = await demoUtterances({ reply_to: replyTo });
  const recording = await sessionRecording();
  const extraTasks = flags.model ? await realSpeechTasks(replyTo) : [];

  let privateRedis: PrivateRedis | undefined;
  if (!flags.redis) {
    privateRedis = await startPrivateRedis();
    console.log(`started a private redis-server on port ${privateRedis.port}`);
  }
  const redisUrl = flags.redis ?? privateRedis!.url;
  const queue = flags.redis ? `asr_demo:${randomUUID()}` : 'asr_chunk_queue';
  const sessionResults = flags.redis ? `asr_demo_sessions:${randomUUID()}` : undefined;

  // Two workers, as two processes on two machines would be: one decode at a
  // time each, sharing the cores between them.
  const stops: Array<() => Promise<void>> = [];
  const redis = createRedisClient(redisUrl, 'commands', logger);
  try {
    for (const workerId of WORKER_IDS) {
      const config = resolveWorkerConfig({
        redisUrl,
        queue,
        model: flags.model,
        workerId,
        concurrency: 1,
        threads: Math.max(1, Math.floor(os.availableParallelism() / WORKER_IDS.length)),
        heartbeatIntervalMs: 1000,
        heartbeatTtlMs: 3000,
        sessionResults,
      });
      stops.push((await startWorker(config, logger)).stop);
    }

    console.log(`model: ${flags.model ?? `${BUNDLED_MODEL_PATH} (bundled; knows forty words)`}`);
    console.log(`workers: ${WORKER_IDS.join(', ')}`);
    const tasks = [...utterances.map((u) => u.task), ...extraTasks];
    console.log(`pushing ${tasks.length} tasks onto '${queue}'\n`);
    await pushTasks(redis, queue, tasks);

    const said = new Map(utterances.map((u) => [u.task.task_id, u]));
    const results = await collectResults(redis, replyTo, tasks.length, RESULTS_TIMEOUT_MS, (r) =>
      console.log(describeDemoResult(r, said.get(r.task_id))),
    );
    if (results.length < tasks.length) {
      throw new Error(`only ${results.length} of ${tasks.length} results arrived in 5 minutes`);
    }
    console.log(`\n${summary(results, said)}`);

    await runSessionDemo(redis, recording, {
      queue,
      replyTo,
      sessionResults: sessionResults ?? DEFAULTS.sessionResults,
      resultsTimeoutMs: RESULTS_TIMEOUT_MS,
    });
    if (!flags.model) console.log(REAL_MODEL_HINT);
  } finally {
    await redis.del(replyTo, ...(sessionResults ? [sessionResults] : [])).catch(() => 0);
    await redis.quit().catch(() => redis.disconnect());
    for (const stop of stops) await stop().catch(() => undefined);
    await privateRedis?.stop();
  }
}

/** A real model also gets real speech: jfk.mp3 whole, and cut into a session of chunks. */
async function realSpeechTasks(replyTo: string): Promise<OutgoingTask[]> {
  const jfk = jfkSample();
  return [
    fileTask(jfk, { reply_to: replyTo }),
    ...(await chunkTasks(jfk, 4, { reply_to: replyTo })),
  ];
}

function describeDemoResult(result: TaskResult, utterance: DemoUtterance | undefined): string {
  if (utterance === undefined) return describeResult(result);
  if (result.status !== 'done') return `  ✗ said "${utterance.said}": ${describeResult(result)}`;

  const heard = wordsOf(result.text ?? '').join(' ');
  const mark = heard === utterance.said ? '✓' : '✗';
  const seconds = ((result.audio_ms ?? 0) / 1000).toFixed(1);
  const decodeMs = result.timings?.decode_ms.toFixed(0) ?? '?';
  return (
    `  ${mark} said  "${utterance.said}"  (${utterance.how})\n` +
    `    heard "${heard}"  [${seconds} s of audio, decoded in ${decodeMs} ms]`
  );
}

function summary(results: TaskResult[], said: Map<string, DemoUtterance>): string {
  const judged = results.filter((r) => said.has(r.task_id));
  const exact = judged.filter(
    (r) => r.status === 'done' && wordsOf(r.text ?? '').join(' ') === said.get(r.task_id)!.said,
  );
  return `${exact.length} of ${judged.length} synthesised phrases transcribed word for word.`;
}

const REAL_MODEL_HINT = `
The bundled model knows only digits and command words (models/README.md).
For real speech, give the worker a whisper model, for example ggml-base.en.bin
from https://huggingface.co/ggerganov/whisper.cpp:

  asr-worker demo --model path/to/ggml-base.en.bin
  asr-worker run --model path/to/ggml-base.en.bin`;
