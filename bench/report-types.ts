/** The whole benchmark report, as written to results.json. */
import type { EngineSection } from './engine-throughput.js';
import type { EventLoopSection } from './event-loop.js';
import type { MemorySection } from './memory.js';
import type { QueueSection } from './queue-overhead.js';

export interface BenchMeta {
  startedAt: string;
  durationSeconds: number;
  mode: 'full' | 'smoke';
  runs: number;
  host: { cpu: string; cores: number; memoryGiB: number; platform: string };
  /** 1-minute load average before and after: other work on the host skews figures. */
  loadAverage: { before: number; after: number };
  node: string;
  backend: string;
  whisper: string;
  threads: number;
  states: number[];
  chunkSeconds: number[];
}

export interface BenchReport {
  meta: BenchMeta;
  engine: EngineSection[];
  queue: QueueSection | null;
  eventLoop: EventLoopSection[];
  memory: MemorySection[];
}
