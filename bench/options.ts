/**
 * The benchmark's command line: which models, how many runs, which parts,
 * and the sizes each mode uses. A full run is sized to take about ten
 * minutes on two cores; smoke mode takes seconds and exists so the test
 * suite can run every part end to end.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const PARTS = ['engine', 'queue', 'event-loop', 'memory'] as const;
export type Part = (typeof PARTS)[number];

/** How big each part is; the two modes differ only here. */
export interface Sizes {
  /** Lengths of the real-speech chunks the engine decodes, in seconds. */
  chunkSeconds: number[];
  /** Tasks per throughput run through Redis, small and realistic payloads. */
  queueTasksSmall: number;
  queueTasksRealistic: number;
  /** Tasks sent one at a time per latency run. */
  latencyTasks: number;
  /** How long the engine is kept fully busy per event-loop run. */
  eventLoopMs: number;
}

export interface BenchOptions {
  /** Model files; absent means the generated tiny.en and base.en shapes. */
  models: string[] | undefined;
  runs: number;
  smoke: boolean;
  outDir: string;
  /** Decoding-state counts the engine runs with; threads are split between them. */
  states: number[];
  /** Threads for one decode on its own (and for whisper-cli). */
  threads: number;
  parts: Part[];
  sizes: Sizes;
}

const FULL: Sizes = {
  // Two 2 s chunks: the 'auto' window goal is stated for 2 s chunks. Five
  // chunks keep a run near ten minutes on two cores: each full-window
  // decode costs the same 30 s encoder pass whatever the chunk's length.
  chunkSeconds: [1, 2, 2, 5, 10],
  queueTasksSmall: 2000,
  queueTasksRealistic: 300,
  latencyTasks: 200,
  eventLoopMs: 4000,
};

const SMOKE: Sizes = {
  chunkSeconds: [1, 2],
  queueTasksSmall: 100,
  queueTasksRealistic: 20,
  latencyTasks: 20,
  eventLoopMs: 500,
};

export const USAGE = `npm run bench -- [options]

  --model <path>     a whisper ggml model; repeat or comma-separate for several
                     (default: random-weight models of the tiny.en and base.en
                     shapes, generated into models/generated/)
  --runs <n>         runs per figure; each figure is their median (default 3)
  --quick, --smoke   seconds-long mode with tiny sizes (default runs: 2)
  --states <list>    decoding states to measure, e.g. 1,2,4 (default 1,2)
  --threads <n>      threads for a lone decode and for whisper-cli
                     (default: all cores, ${os.availableParallelism()} here; 1 in smoke mode)
  --parts <list>     some of ${PARTS.join(',')} (default: all)
  --out <dir>        where results go (default bench/results)
  --help`;

export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      model: { type: 'string', multiple: true },
      runs: { type: 'string' },
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      states: { type: 'string' },
      threads: { type: 'string' },
      parts: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';

  const smoke = values.quick || values.smoke;
  const models = values.model?.flatMap(splitList).map((m) => path.resolve(m));
  return {
    models: models && models.length > 0 ? models : undefined,
    runs: values.runs === undefined ? (smoke ? 2 : 3) : positiveInt('--runs', values.runs),
    smoke,
    outDir: path.resolve(values.out ?? path.join(PROJECT_ROOT, 'bench', 'results')),
    states: values.states === undefined ? [1, 2] : parseStates(values.states),
    threads:
      values.threads === undefined
        ? defaultThreads(smoke)
        : positiveInt('--threads', values.threads),
    parts: values.parts === undefined ? [...PARTS] : parseParts(values.parts),
    sizes: smoke ? SMOKE : FULL,
  };
}

/**
 * All cores for a real run. Smoke mode checks the plumbing, not speed, and
 * runs beside other tests: ggml's threads wait on each other by spinning,
 * so two threads on two busy cores can be many times slower than one.
 */
function defaultThreads(smoke: boolean): number {
  return smoke ? 1 : os.availableParallelism();
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function positiveInt(flag: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new Error(`${flag}: expected a whole number of at least 1, got "${value}"`);
  }
  return parsed;
}

function parseStates(value: string): number[] {
  const states = splitList(value).map((item) => positiveInt('--states', item));
  if (states.length === 0) throw new Error('--states: expected a list such as 1,2');
  return [...new Set(states)].sort((a, b) => a - b);
}

function parseParts(value: string): Part[] {
  const parts = splitList(value);
  for (const part of parts) {
    if (!(PARTS as readonly string[]).includes(part)) {
      throw new Error(`--parts: expected some of ${PARTS.join(', ')}, got "${part}"`);
    }
  }
  return parts as Part[];
}

/** Threads per decode when `states` decodes share the cores. */
export function threadsPerState(totalThreads: number, states: number): number {
  return Math.max(1, Math.floor(totalThreads / states));
}
