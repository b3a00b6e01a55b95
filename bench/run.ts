/**
 * `npm run bench`: measures the four parts the benchmark issue asks for,
 * on generated models of the real tiny.en and base.en shapes unless given
 * models, and writes results.json, results.md and results.svg.
 */
import os from 'node:os';
import path from 'node:path';

import { loadAddon } from '../src/engine/binding.js';
import { ensureRandomModel, type ShapeName } from '../src/tools/random-model.js';
import { benchEngine, type EngineSection } from './engine-throughput.js';
import { benchEventLoop, type EventLoopSection } from './event-loop.js';
import { benchMemory, type MemorySection } from './memory.js';
import { parseBenchArgs, PROJECT_ROOT, USAGE, type BenchOptions } from './options.js';
import { benchQueue } from './queue-overhead.js';
import { renderMarkdown, writeReport } from './report.js';
import type { BenchReport } from './report-types.js';
import { speechChunks, speechPcm } from './speech.js';
import { ensureReferenceCli } from './whisper-cli.js';

const GENERATED_DIR = path.join(PROJECT_ROOT, 'models', 'generated');

async function main(): Promise<void> {
  let options: BenchOptions | 'help';
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    // A wrong flag is the user's to fix: the message and the usage, no stack.
    console.error(`bench: ${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  const report = await runBench(options);
  const files = writeReport(options.outDir, report);
  console.log(renderMarkdown(report));
  console.log(`written: ${files.json}, ${files.markdown}, ${files.svg}`);
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = new Date();
  const loadBefore = os.loadavg()[0]!;
  const { addon } = loadAddon();
  const backend = addon.versions.backend;
  const models = options.models ?? (await defaultModels(options.smoke));
  const audioDir = path.join(options.outDir, 'audio');
  const chunks = speechChunks(audioDir, options.sizes.chunkSeconds);
  const shortest = [...chunks].sort((a, b) => a.seconds - b.seconds)[0]!;
  const maxStates = Math.max(...options.states);
  const has = (part: string) => options.parts.includes(part as BenchOptions['parts'][number]);

  const engine: EngineSection[] = [];
  const eventLoop: EventLoopSection[] = [];
  const memory: MemorySection[] = [];
  if (has('engine')) {
    const cli = ensureReferenceCli(backend);
    for (const modelPath of models) {
      engine.push(
        await step(`engine throughput, ${path.basename(modelPath)}`, () =>
          benchEngine({ ...options, modelPath, chunks, cli }),
        ),
      );
    }
  }
  const queue = has('queue')
    ? await step('queue overhead', () =>
        benchQueue({
          speech: speechPcm(audioDir, 3),
          runs: options.runs,
          tasksSmall: options.sizes.queueTasksSmall,
          tasksRealistic: options.sizes.queueTasksRealistic,
          latencyTasks: options.sizes.latencyTasks,
        }),
      )
    : null;
  for (const modelPath of models) {
    const name = path.basename(modelPath);
    if (has('event-loop')) {
      eventLoop.push(
        await step(`event-loop delay, ${name}`, () =>
          benchEventLoop({
            ...options,
            modelPath,
            chunks,
            states: maxStates,
            durationMs: options.sizes.eventLoopMs,
          }),
        ),
      );
    }
    if (has('memory')) {
      memory.push(
        await step(`memory, ${name}`, () =>
          benchMemory({ ...options, modelPath, chunkPath: shortest.path, states: maxStates }),
        ),
      );
    }
  }

  return {
    meta: {
      startedAt: started.toISOString(),
      durationSeconds: (Date.now() - started.getTime()) / 1000,
      mode: options.smoke ? 'smoke' : 'full',
      runs: options.runs,
      host: {
        cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
        cores: os.availableParallelism(),
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        platform: `${os.platform()} ${os.arch()}`,
      },
      loadAverage: { before: loadBefore, after: os.loadavg()[0]! },
      node: process.versions.node,
      backend,
      whisper: addon.versions.whisper,
      threads: options.threads,
      states: options.states,
      chunkSeconds: options.sizes.chunkSeconds,
    },
    engine,
    queue,
    eventLoop,
    memory,
  };
}

/**
 * Random-weight models of the real tiny.en and base.en shapes: the same
 * work per chunk as OpenAI's weights, without a download. Smoke mode uses
 * the tiny test shape so the whole run takes seconds.
 */
async function defaultModels(smoke: boolean): Promise<string[]> {
  const shapes: ShapeName[] = smoke ? ['test'] : ['tiny.en', 'base.en'];
  const models: string[] = [];
  for (const shape of shapes) models.push(await ensureRandomModel(GENERATED_DIR, shape, 1));
  return models;
}

/** Runs one part, saying on stderr what it is doing and how long it took. */
async function step<T>(what: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  console.error(`bench: ${what}...`);
  const value = await work();
  console.error(`bench: ${what} took ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return value;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
