/**
 * Part 1: how fast the addon decodes real speech, against whisper.cpp's CLI
 * on the same chunks and model in the same run: the CLI over all chunks in
 * one process (the limit the addon should reach) and the CLI spawned once
 * per chunk (what a worker that shells out does). Also the 'auto' encoder
 * window against the full 30 s one, and the model's load time.
 */
import { readFileSync } from 'node:fs';

import { loadModel, type Model, type Transcription } from '../src/engine/model.js';
import type { TranscribeOptions } from '../src/engine/options.js';
import { threadsPerState } from './options.js';
import type { Chunk } from './speech.js';
import { summarize, timed, type Summary } from './stats.js';
import { runCli } from './whisper-cli.js';

/** Greedy, no temperature fallback, English: what the CLI flags ask of whisper-cli. */
const ENGINE_OPTIONS = {
  language: 'en',
  beamSize: 1,
  bestOf: 1,
  temperatureIncrement: 0,
  timestamps: true,
} as const satisfies TranscribeOptions;

export interface EngineSetup {
  modelPath: string;
  chunks: Chunk[];
  states: number[];
  threads: number;
  runs: number;
  cli: string;
}

/** One line of the throughput table. */
export interface ThroughputRow {
  label: string;
  states: number;
  threadsPerState: number;
  window: 'full' | 'auto';
  includesLoad: boolean;
  /** Seconds of audio decoded per second of wall time. */
  audioSecondsPerSecond: Summary;
  /** Wall time over audio time: below 1 is faster than real time. */
  realTimeFactor: Summary;
}

export interface EngineRatios {
  /** whisper-cli's wall over the addon's (load and all chunks, states 1): above 1, the addon is faster. */
  vsCliOneProcess: Summary;
  /** whisper-cli spawned per chunk over the addon's decode of the same chunks (model resident). */
  vsCliPerChunk: Summary;
  /** The same, with the addon on the 'auto' window (the CLI keeps its default full one). */
  vsCliPerChunkAuto: Summary;
  /** Full-window decode time over 'auto' window, all chunks. */
  autoVsFullAll: Summary;
  /** The same on the 2 s chunks only; undefined when the set has none. */
  autoVsFull2s: Summary | undefined;
}

export interface EngineSection {
  model: string;
  chunkCount: number;
  audioSeconds: number;
  /** loadModel() to a usable model, per states count. */
  loadMs: { states: number; ms: Summary }[];
  rows: ThroughputRow[];
  ratios: EngineRatios;
  /**
   * Transcript characters of all chunks in the last run, per window. The
   * decoder's work follows the transcript's length; when the two differ a
   * lot (random weights tend to repeat on short windows), the window ratio
   * measures different decoder work, not only the encoder's saving.
   */
  transcriptChars: { full: number; auto: number };
}

/** What one run measures, before runs are summarised. */
interface RunFigures {
  loadMs: Map<number, number>;
  /** Wall ms of all chunks, per pass name. */
  wallMs: Map<string, number>;
  /** Native ms (convert + decode) of the 2 s chunks, full and auto. */
  twoSecondMs: { full: number; auto: number };
  /** Characters of transcript over all chunks, full and auto window. */
  transcriptChars: { full: number; auto: number };
}

export async function benchEngine(setup: EngineSetup): Promise<EngineSection> {
  const audio = setup.chunks.map((chunk) => readFileSync(chunk.path));
  const figures: RunFigures[] = [];
  for (let run = 0; run < setup.runs; run++) {
    figures.push(await oneRun(setup, audio, run));
  }
  return summarizeRuns(setup, figures);
}

/**
 * One run of every pass. Odd runs take the CLI first, so that load from
 * elsewhere on the host, which comes and goes, does not always fall on the
 * same side of a comparison.
 */
async function oneRun(setup: EngineSetup, audio: Buffer[], run: number): Promise<RunFigures> {
  const figures: RunFigures = {
    loadMs: new Map(),
    wallMs: new Map(),
    twoSecondMs: { full: 0, auto: 0 },
    transcriptChars: { full: 0, auto: 0 },
  };
  if (run % 2 === 1) await cliPasses(setup, figures);
  await addonPasses(setup, audio, figures);
  if (run % 2 === 0) await cliPasses(setup, figures);
  return figures;
}

async function addonPasses(setup: EngineSetup, audio: Buffer[], figures: RunFigures) {
  const baseStates = setup.states[0]!;
  for (const states of setup.states) {
    const threads = threadsPerState(setup.threads, states);
    const load = await timed(() => loadModel(setup.modelPath, { states, threads }));
    const model = load.value;
    try {
      figures.loadMs.set(states, load.ms);
      const full = await timed(() => decodeAll(model, audio, 0));
      figures.wallMs.set(`full-${states}`, full.ms);
      if (states !== baseStates) continue;

      const auto = await timed(() => decodeAll(model, audio, 'auto'));
      figures.wallMs.set(`auto-${states}`, auto.ms);
      figures.twoSecondMs = {
        full: nativeMsOfLength(setup.chunks, full.value, 2),
        auto: nativeMsOfLength(setup.chunks, auto.value, 2),
      };
      figures.transcriptChars = { full: textLength(full.value), auto: textLength(auto.value) };
    } finally {
      await model.close();
    }
  }
}

async function cliPasses(setup: EngineSetup, figures: RunFigures) {
  const files = setup.chunks.map((chunk) => chunk.path);
  figures.wallMs.set('cli-one', await runCli(setup.cli, setup.modelPath, setup.threads, files));
  let perChunkMs = 0;
  for (const file of files) {
    perChunkMs += await runCli(setup.cli, setup.modelPath, setup.threads, [file]);
  }
  figures.wallMs.set('cli-each', perChunkMs);
}

/** Every chunk at once: the model queues them for its free states. */
function decodeAll(model: Model, audio: Buffer[], audioCtx: 0 | 'auto'): Promise<Transcription[]> {
  return Promise.all(
    audio.map((bytes) => model.transcribe(bytes, { ...ENGINE_OPTIONS, audioCtx })),
  );
}

/** Time spent in native code (not waiting for a state) on chunks of `seconds`. */
function nativeMsOfLength(chunks: Chunk[], results: Transcription[], seconds: number): number {
  let ms = 0;
  results.forEach((result, index) => {
    if (chunks[index]!.seconds === seconds) {
      ms += result.timings.convertMs + result.timings.decodeMs;
    }
  });
  return ms;
}

function textLength(results: Transcription[]): number {
  return results.reduce((sum, result) => sum + result.text.length, 0);
}

function summarizeRuns(setup: EngineSetup, figures: RunFigures[]): EngineSection {
  const audioSeconds = setup.chunks.reduce((sum, chunk) => sum + chunk.seconds, 0);
  const base = setup.states[0]!;
  const wall = (pass: string) => figures.map((run) => run.wallMs.get(pass)!);
  const load = (states: number) => figures.map((run) => run.loadMs.get(states)!);
  const row = (
    label: string,
    states: number,
    window: 'full' | 'auto',
    includesLoad: boolean,
    wallMs: number[],
  ): ThroughputRow => ({
    label,
    states,
    threadsPerState: threadsPerState(setup.threads, states),
    window,
    includesLoad,
    audioSecondsPerSecond: summarize(wallMs.map((ms) => audioSeconds / (ms / 1000))),
    realTimeFactor: summarize(wallMs.map((ms) => ms / 1000 / audioSeconds)),
  });

  const addonWithLoad = figures.map(
    (run) => run.loadMs.get(base)! + run.wallMs.get(`full-${base}`)!,
  );
  const rows = [
    ...setup.states.map((states) => row('addon', states, 'full', false, wall(`full-${states}`))),
    row('addon', base, 'auto', false, wall(`auto-${base}`)),
    row('addon, load + all chunks', base, 'full', true, addonWithLoad),
    row('whisper-cli, all chunks in one process', 1, 'full', true, wall('cli-one')),
    row('whisper-cli, one process per chunk', 1, 'full', true, wall('cli-each')),
  ];
  // Ratios pair the figures of one run with each other, never across runs.
  const pairs = (over: (run: RunFigures) => number) => summarize(figures.map(over));
  const hasTwoSecond = setup.chunks.some((chunk) => chunk.seconds === 2);
  return {
    model: setup.modelPath,
    chunkCount: setup.chunks.length,
    audioSeconds,
    loadMs: setup.states.map((states) => ({ states, ms: summarize(load(states)) })),
    rows,
    transcriptChars: figures.at(-1)!.transcriptChars,
    ratios: {
      vsCliOneProcess: pairs(
        (run) =>
          run.wallMs.get('cli-one')! / (run.loadMs.get(base)! + run.wallMs.get(`full-${base}`)!),
      ),
      vsCliPerChunk: pairs((run) => run.wallMs.get('cli-each')! / run.wallMs.get(`full-${base}`)!),
      vsCliPerChunkAuto: pairs(
        (run) => run.wallMs.get('cli-each')! / run.wallMs.get(`auto-${base}`)!,
      ),
      autoVsFullAll: pairs(
        (run) => run.wallMs.get(`full-${base}`)! / run.wallMs.get(`auto-${base}`)!,
      ),
      autoVsFull2s: hasTwoSecond
        ? pairs((run) => run.twoSecondMs.full / run.twoSecondMs.auto)
        : undefined,
    },
  };
}
