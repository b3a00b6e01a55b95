/**
 * Part 3: how late the event loop runs while every decoding state is busy.
 * Decodes run on native threads, so the loop should stay free for Redis
 * traffic and timers; this measures it with Node's own histogram
 * (perf_hooks.monitorEventLoopDelay), sampled every millisecond.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { loadModel, type Model } from '../src/engine/model.js';
import { threadsPerState } from './options.js';
import type { Chunk } from './speech.js';
import { summarize, type Summary } from './stats.js';

export interface EventLoopSetup {
  modelPath: string;
  chunks: Chunk[];
  states: number;
  threads: number;
  runs: number;
  durationMs: number;
}

export interface EventLoopSection {
  model: string;
  states: number;
  /** Chunks decoded per run, to show the engine was working throughout. */
  decodesPerRun: Summary;
  delayMs: { p50: Summary; p99: Summary; max: Summary };
}

const RESOLUTION_MS = 1;
const NS_PER_MS = 1e6;

export async function benchEventLoop(setup: EventLoopSetup): Promise<EventLoopSection> {
  const audio = setup.chunks.map((chunk) => readFileSync(chunk.path));
  const model = await loadModel(setup.modelPath, {
    states: setup.states,
    threads: threadsPerState(setup.threads, setup.states),
  });
  const runs: { p50: number; p99: number; max: number; decodes: number }[] = [];
  try {
    for (let run = 0; run < setup.runs; run++) {
      runs.push(await oneRun(model, audio, setup));
    }
  } finally {
    await model.close();
  }
  return {
    model: setup.modelPath,
    states: setup.states,
    decodesPerRun: summarize(runs.map((run) => run.decodes)),
    delayMs: {
      p50: summarize(runs.map((run) => run.p50)),
      p99: summarize(runs.map((run) => run.p99)),
      max: summarize(runs.map((run) => run.max)),
    },
  };
}

async function oneRun(model: Model, audio: Buffer[], setup: EventLoopSetup) {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const deadline = performance.now() + setup.durationMs;
  let next = 0;
  let decodes = 0;
  // One loop per state keeps every state busy until the time is up; the
  // last decodes may run past it and are measured too.
  const busy = async () => {
    while (performance.now() < deadline) {
      const bytes = audio[next++ % audio.length]!;
      await model.transcribe(bytes, { language: 'en', beamSize: 1, bestOf: 1 });
      decodes++;
    }
  };
  histogram.enable();
  await Promise.all(Array.from({ length: setup.states }, busy));
  histogram.disable();
  return {
    p50: histogram.percentile(50) / NS_PER_MS,
    p99: histogram.percentile(99) / NS_PER_MS,
    max: histogram.max / NS_PER_MS,
    decodes,
  };
}
