/**
 * Run in a fresh process by memory.ts: loads one model with a given number
 * of decoding states, decodes a chunk on every state at once, and prints
 * what the process holds at each step as one JSON line. A fresh process
 * per figure, because memory freed inside a process is rarely given back.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { loadAddon } from '../src/engine/binding.js';
import { loadModel } from '../src/engine/model.js';

export interface ProbeRequest {
  modelPath: string;
  states: number;
  threads: number;
  chunkPath: string;
}

export interface ProbeResult {
  /** Resident bytes with the addon loaded and no model. */
  baseRss: number;
  /** After loadModel(). */
  loadedRss: number;
  /** After a decode on every state. */
  decodedRss: number;
  /** The process's peak resident bytes. */
  peakRss: number;
  backend: string;
  /**
   * GPU memory used after decoding less what was used before loadModel(),
   * in MiB (the CUDA context included), where nvidia-smi can tell. Device
   * wide rather than per process, because inside a container nvidia-smi
   * often cannot see process ids: other GPU work at the time would count.
   */
  gpuMiB: number | null;
}

const MB_PER_KB = 1024;

async function probe(request: ProbeRequest): Promise<ProbeResult> {
  const audio = readFileSync(request.chunkPath);
  const { addon } = loadAddon();
  const onGpu = addon.versions.backend !== 'cpu';
  const gpuBefore = onGpu ? gpuMemoryUsed() : null;
  const baseRss = settledRss();
  const model = await loadModel(request.modelPath, {
    states: request.states,
    threads: request.threads,
  });
  const loadedRss = settledRss();
  const decodes = Array.from({ length: request.states }, () =>
    model.transcribe(audio, { language: 'en', beamSize: 1, bestOf: 1 }),
  );
  await Promise.all(decodes);
  const decodedRss = settledRss();
  const backend = model.info().backend;
  const gpuAfter = onGpu ? gpuMemoryUsed() : null;
  const gpuMiB = gpuBefore === null || gpuAfter === null ? null : gpuAfter - gpuBefore;
  await model.close();
  return {
    baseRss,
    loadedRss,
    decodedRss,
    peakRss: process.resourceUsage().maxRSS * MB_PER_KB,
    backend,
    gpuMiB,
  };
}

/** Resident bytes after a full collection, so JS garbage does not count. */
function settledRss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage.rss();
}

/** MiB in use on the first GPU, from nvidia-smi, or null where it cannot say. */
function gpuMemoryUsed(): number | null {
  try {
    const csv = execFileSync(
      'nvidia-smi',
      ['--id=0', '--query-gpu=memory.used', '--format=csv,noheader,nounits'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const used = Number(csv.trim());
    return Number.isFinite(used) ? used : null;
  } catch {
    return null;
  }
}

const request = JSON.parse(process.argv[2] ?? '') as ProbeRequest;
console.log(JSON.stringify(await probe(request)));
