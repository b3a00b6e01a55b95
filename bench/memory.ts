/**
 * Part 4: resident memory of a loaded model, and what each extra decoding
 * state adds. Each figure comes from fresh processes (memory-probe.ts): one
 * with a single state and one with several, in the same run, so the cost
 * of a state is their difference divided by the states added.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import type { ProbeRequest, ProbeResult } from './memory-probe.js';
import { PROJECT_ROOT, threadsPerState } from './options.js';
import { summarize, type Summary } from './stats.js';

const run = promisify(execFile);
const PROBE = path.join(PROJECT_ROOT, 'bench', 'memory-probe.ts');
const MIB = 1024 * 1024;

export interface MemorySetup {
  modelPath: string;
  /** A short chunk each state decodes once. */
  chunkPath: string;
  /** The states of the larger probe; at least 2. */
  states: number;
  threads: number;
  runs: number;
}

export interface MemorySection {
  model: string;
  comparedStates: number;
  /** Resident MiB that loadModel() adds (weights and one idle state). */
  modelLoadedMiB: Summary;
  /** Resident MiB of the model with one state after it has decoded. */
  modelWithOneStateMiB: Summary;
  /** Resident MiB each state beyond the first adds, after decoding. */
  perExtraStateMiB: Summary;
  /**
   * Peak resident MiB of the whole probe process with one state: the
   * TypeScript loader's and Node's own peaks included, so in the JSON only.
   */
  peakProcessMiB: Summary;
  backend: string;
  /** GPU MiB of the process with one state, and per extra state; null off the GPU. */
  gpu: { oneStateMiB: Summary; perExtraStateMiB: Summary } | null;
}

export async function benchMemory(setup: MemorySetup): Promise<MemorySection> {
  const many = Math.max(2, setup.states);
  const pairs: { one: ProbeResult; many: ProbeResult }[] = [];
  for (let i = 0; i < setup.runs; i++) {
    const one = await probe(setup, 1);
    pairs.push({ one, many: await probe(setup, many) });
  }
  const mib = (over: (pair: { one: ProbeResult; many: ProbeResult }) => number) =>
    summarize(pairs.map((pair) => over(pair) / MIB));
  const gpuKnown = pairs.every((pair) => pair.one.gpuMiB !== null && pair.many.gpuMiB !== null);
  return {
    model: setup.modelPath,
    comparedStates: many,
    modelLoadedMiB: mib(({ one }) => one.loadedRss - one.baseRss),
    modelWithOneStateMiB: mib(({ one }) => one.decodedRss - one.baseRss),
    perExtraStateMiB: mib(
      (pair) =>
        (pair.many.decodedRss - pair.many.baseRss - (pair.one.decodedRss - pair.one.baseRss)) /
        (many - 1),
    ),
    peakProcessMiB: mib(({ one }) => one.peakRss),
    backend: pairs[0]!.one.backend,
    gpu: gpuKnown
      ? {
          oneStateMiB: summarize(pairs.map(({ one }) => one.gpuMiB!)),
          perExtraStateMiB: summarize(
            pairs.map((pair) => (pair.many.gpuMiB! - pair.one.gpuMiB!) / (many - 1)),
          ),
        }
      : null,
  };
}

async function probe(setup: MemorySetup, states: number): Promise<ProbeResult> {
  const request: ProbeRequest = {
    modelPath: setup.modelPath,
    states,
    threads: threadsPerState(setup.threads, states),
    chunkPath: setup.chunkPath,
  };
  // tsx resolves from the project root, where it is a dev dependency.
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', PROBE, JSON.stringify(request)],
    { cwd: PROJECT_ROOT, maxBuffer: 1024 * 1024 },
  );
  const lastLine = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(lastLine) as ProbeResult;
}
