/**
 * Hand-written facts for the judgement tests: a database described in a few
 * lines, with everything not mentioned empty.
 */
import type {
  DoctorFacts,
  ForeignQueue,
  LiveWorker,
  QueueFacts,
} from '../../src/diagnosis/facts.js';

export const NOW_MS = 1_800_000_000_000;

export function worker(queue: string, id: string, extra: Partial<LiveWorker> = {}): LiveWorker {
  return { key: `{${queue}}:worker:${id}`, workerId: id, queue, host: 'h1', pid: 42, ...extra };
}

export function queueFacts(key: string, extra: Partial<QueueFacts> = {}): QueueFacts {
  return {
    list: { key, type: 'none', depth: 0, grewBy: 0 },
    workers: [],
    processing: [],
    dead: { key: `{${key}}:dead`, type: 'none', depth: 0, grewBy: 0 },
    similarBacklogs: [],
    ...extra,
  };
}

export function backlog(key: string, depth: number, extra: Partial<QueueFacts> = {}): QueueFacts {
  return queueFacts(key, { list: { key, type: 'list', depth, grewBy: 0 }, ...extra });
}

export function rqQueue(name: string, workers: string[], depth = 0): ForeignQueue {
  return {
    dialect: 'rq',
    name,
    key: `rq:queue:${name}`,
    depth,
    workers: workers.map((id, i) => ({ name: id, host: 'h2', pid: 100 + i, state: 'idle' })),
  };
}

export function database(extra: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    redis: 'redis://127.0.0.1:6379',
    checkedAtMs: NOW_MS,
    sampleMs: 2000,
    configuredQueue: 'asr_chunk_queue',
    queues: [queueFacts('asr_chunk_queue')],
    results: [{ key: 'asr_result_queue', type: 'none', depth: 0, grewBy: 0, workers: 0 }],
    channels: [{ name: 'asr_results', subscribers: 0 }],
    foreign: [],
    ...extra,
  };
}
