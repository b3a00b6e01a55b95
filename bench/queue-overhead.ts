/**
 * Part 2: what the worker's queue layer costs. The worker runs with the
 * built-in no-op engine against a private redis-server, so everything it
 * measures is Redis plus our code: taking (BLMOVE), parsing and validating
 * the task, decoding base64, publishing the result. The references are bare
 * pop loops on the same Redis in the same run, over the same task strings.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { startPrivateRedis, type PrivateRedis } from '../src/cli/private-redis.js';
import { startWorker } from '../src/cli/run-command.js';
import { resolveWorkerConfig } from '../src/config.js';
import {
  commandCalls,
  difference,
  KEYS,
  releaseBacklog,
  roundTrips,
  sleep,
  taskString,
  taskStrings,
  waitForBlockedClients,
} from './queue-redis.js';
import { ascending, percentile, summarize, type Summary } from './stats.js';

export interface QueueSetup {
  /** Raw 16 kHz mono s16le speech; payloads are cut from it. */
  speech: Buffer;
  runs: number;
  tasksSmall: number;
  tasksRealistic: number;
  latencyTasks: number;
}

export interface PayloadFigures {
  payload: string;
  /** Bytes of one task string (JSON with base64 audio). */
  taskBytes: number;
  tasksPerSecond: { worker: Summary; bareBlpop: Summary; bareBlmove: Summary };
  /** Redis commands the worker sends per task (INFO commandstats), blocking take included. */
  workerCommandsPerTask: Summary;
  /** Of those, calls per task by command, from the last run. */
  workerCommandMix: Record<string, number>;
  /** The worker's rate over the bare loop's, run by run. */
  workerVsBlpop: Summary;
  workerVsBlmove: Summary;
  /** Round trip of one task at a time: push, then block on its reply. */
  latencyMs: {
    worker: { p50: Summary; p99: Summary };
    bareEcho: { p50: Summary; p99: Summary };
    added: { p50: Summary; p99: Summary };
  };
}

export interface QueueSection {
  redisVersion: string;
  payloads: PayloadFigures[];
}

const SMALL_SECONDS = 0.1;
const REALISTIC_SECONDS = 3;

export async function benchQueue(setup: QueueSetup): Promise<QueueSection> {
  const redis = await startPrivateRedis();
  const admin = new Redis(redis.url);
  try {
    const info = await admin.info('server');
    const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    const payloads = [
      { name: `small (${SMALL_SECONDS} s)`, seconds: SMALL_SECONDS, tasks: setup.tasksSmall },
      {
        name: `realistic (${REALISTIC_SECONDS} s)`,
        seconds: REALISTIC_SECONDS,
        tasks: setup.tasksRealistic,
      },
    ];
    const figures: PayloadFigures[] = [];
    for (const payload of payloads) {
      const pcm = setup.speech.subarray(0, Math.round(payload.seconds * 16000) * 2);
      figures.push(await benchPayload(redis, admin, payload.name, pcm, payload.tasks, setup));
    }
    return { redisVersion, payloads: figures };
  } finally {
    admin.disconnect();
    await redis.stop();
  }
}

async function benchPayload(
  redis: PrivateRedis,
  admin: Redis,
  name: string,
  pcm: Buffer,
  tasks: number,
  setup: QueueSetup,
): Promise<PayloadFigures> {
  const rate = { worker: [] as number[], blpop: [] as number[], blmove: [] as number[] };
  const runCommands: Map<string, number>[] = [];
  const latency = { worker: [] as number[][], echo: [] as number[][] };
  for (let run = 0; run < setup.runs; run++) {
    const batch = taskStrings(pcm, tasks);
    rate.blpop.push(await bareRate(redis, admin, batch, 'blpop'));
    rate.blmove.push(await bareRate(redis, admin, batch, 'blmove'));
    const drained = await workerRate(redis, admin, batch);
    rate.worker.push(drained.tasksPerSecond);
    runCommands.push(perTask(drained.commands, batch.length));
    latency.echo.push(await echoLatency(redis, admin, pcm, setup.latencyTasks));
    latency.worker.push(await workerLatency(redis, admin, pcm, setup.latencyTasks));
  }

  const at = (samples: number[][], p: number) => samples.map((s) => percentile(ascending(s), p));
  const added = (p: number) => {
    const worker = at(latency.worker, p);
    const echo = at(latency.echo, p);
    return summarize(worker.map((ms, run) => ms - echo[run]!));
  };
  return {
    payload: name,
    taskBytes: Buffer.byteLength(taskString(pcm)),
    tasksPerSecond: {
      worker: summarize(rate.worker),
      bareBlpop: summarize(rate.blpop),
      bareBlmove: summarize(rate.blmove),
    },
    workerCommandsPerTask: summarize(runCommands.map((run) => sum(run.values()))),
    workerCommandMix: Object.fromEntries(runCommands.at(-1)!),
    workerVsBlpop: summarize(rate.worker.map((r, run) => r / rate.blpop[run]!)),
    workerVsBlmove: summarize(rate.worker.map((r, run) => r / rate.blmove[run]!)),
    latencyMs: {
      worker: { p50: summarize(at(latency.worker, 50)), p99: summarize(at(latency.worker, 99)) },
      bareEcho: { p50: summarize(at(latency.echo, 50)), p99: summarize(at(latency.echo, 99)) },
      added: { p50: added(50), p99: added(99) },
    },
  };
}

/** Tasks per second of a loop that only pops, one blocking call at a time. */
async function bareRate(
  redis: PrivateRedis,
  admin: Redis,
  batch: string[],
  command: 'blpop' | 'blmove',
): Promise<number> {
  await admin.flushall();
  const client = new Redis(redis.url);
  try {
    const pop = () =>
      command === 'blpop'
        ? client.blpop(KEYS.queue, 5)
        : client.blmove(KEYS.queue, KEYS.processing, 'LEFT', 'RIGHT', 5);
    const first = pop();
    const { start } = await releaseBacklog(admin, batch, 1);
    if ((await first) === null) throw new Error('the bare loop saw no task');
    for (let popped = 1; popped < batch.length; popped++) {
      if ((await pop()) === null) throw new Error(`the bare loop ran dry at ${popped}`);
    }
    return batch.length / ((performance.now() - start) / 1000);
  } finally {
    client.disconnect();
  }
}

/** Tasks per second of a whole worker (no-op engine) draining the same backlog. */
async function workerRate(
  redis: PrivateRedis,
  admin: Redis,
  batch: string[],
): Promise<{ tasksPerSecond: number; commands: Map<string, number> }> {
  await admin.flushall();
  const { worker, stop } = await startBenchWorker(redis.url);
  try {
    const { start, commandsBefore } = await releaseBacklog(admin, batch, 1);
    while (worker.counts.done + worker.counts.failed < batch.length) await sleep(1);
    const seconds = (performance.now() - start) / 1000;
    if (worker.counts.failed > 0) {
      throw new Error(`the worker failed ${worker.counts.failed} of ${batch.length} tasks`);
    }
    const commands = difference(await commandCalls(admin), commandsBefore);
    // Less our own two: the INFO that read the counts before, and RENAME.
    commands.set('info', (commands.get('info') ?? 0) - 1);
    commands.set('rename', (commands.get('rename') ?? 0) - 1);
    return { tasksPerSecond: batch.length / seconds, commands };
  } finally {
    await stop();
  }
}

/** Round trips through a loop that pops each task and pushes a reply: Redis alone. */
async function echoLatency(
  redis: PrivateRedis,
  admin: Redis,
  pcm: Buffer,
  count: number,
): Promise<number[]> {
  await admin.flushall();
  const echo = new Redis(redis.url);
  let running = true;
  const loop = (async () => {
    while (running) {
      const popped = await echo.blpop(KEYS.queue, 1);
      if (popped) await echo.rpush(KEYS.reply, 'done');
    }
  })().catch(() => undefined);
  try {
    await waitForBlockedClients(admin, 1);
    return await roundTrips(redis.url, pcm, count);
  } finally {
    running = false;
    echo.disconnect();
    await loop;
  }
}

/** Round trips through the worker: push one task, block on its reply_to list. */
async function workerLatency(
  redis: PrivateRedis,
  admin: Redis,
  pcm: Buffer,
  count: number,
): Promise<number[]> {
  await admin.flushall();
  const { stop } = await startBenchWorker(redis.url);
  try {
    await waitForBlockedClients(admin, 1);
    return await roundTrips(redis.url, pcm, count);
  } finally {
    await stop();
  }
}

function startBenchWorker(url: string) {
  const config = resolveWorkerConfig({
    redisUrl: url,
    queue: KEYS.queue,
    results: KEYS.results,
    channel: KEYS.channel,
    engine: 'noop',
    // stop() waits out the blocking take; the default 2 s would make each
    // of the many starts and stops here cost seconds. Takes that find
    // tasks, the only ones measured, return at once either way.
    blockTimeoutMs: 250,
  });
  return startWorker(config, pino({ level: 'silent' }));
}

/** Calls per task of each command the worker sent, leaving out those it did not. */
function perTask(commands: Map<string, number>, tasks: number): Map<string, number> {
  const mix = new Map<string, number>();
  for (const [name, calls] of commands) if (calls > 0) mix.set(name, calls / tasks);
  return mix;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
