/**
 * What `asr-worker doctor` learned from one Redis database, as plain values.
 *
 * The inspection modules fill these in; the judgement reads only these, so it
 * can be tested with hand-written objects and no Redis at all. Times are
 * milliseconds since the Unix epoch, durations are in milliseconds.
 */

/** What TYPE answered; 'none' when the key does not exist. */
export type KeyType = 'none' | 'list' | 'string' | 'hash' | 'set' | 'zset' | 'stream' | string;

/** One of our workers, from its heartbeat key. Only `queue` is required there. */
export interface LiveWorker {
  /** The heartbeat key: `{<queue>}:worker:<workerId>`. */
  key: string;
  workerId: string;
  queue: string;
  host?: string;
  pid?: number;
  database?: number;
  model?: string;
  backend?: string;
  version?: string;
  results?: string;
  channel?: string;
  startedAt?: number;
  tasksDone?: number;
  tasksFailed?: number;
  lastTaskAt?: number;
}

/** A worker's processing list: tasks it took and has not answered yet. */
export interface ProcessingList {
  key: string;
  workerId: string;
  depth: number;
  /** False when the worker's heartbeat is gone: nobody works on these tasks. */
  workerAlive: boolean;
}

/** A list measured twice, at the start and the end of the sampling window. */
export interface SampledList {
  key: string;
  type: KeyType;
  depth: number;
  /** depth minus the depth at the start of the window (0 without a window). */
  grewBy: number;
}

/** A list (other than the queue) whose name looks like the queue's and holds tasks. */
export interface SimilarBacklog {
  key: string;
  depth: number;
  /** How many of our workers listen on it. */
  workers: number;
}

export interface QueueFacts {
  /** The queue key itself, as SampledList: 'none' type means it does not exist. */
  list: SampledList;
  /** enqueued_at of the task at the head (the oldest), when it carries one. */
  oldestEnqueuedAt?: number;
  workers: LiveWorker[];
  processing: ProcessingList[];
  dead: SampledList & { newestReason?: string };
  similarBacklogs: SimilarBacklog[];
}

export interface ResultListFacts extends SampledList {
  /** Live workers that publish here. */
  workers: number;
}

export interface ChannelFacts {
  name: string;
  /** PUBSUB NUMSUB, summed over every node; undefined when it could not be asked. */
  subscribers?: number;
}

export type Dialect = 'rq' | 'celery' | 'bullmq';

export const DIALECT_NAMES: Record<Dialect, string> = {
  rq: 'RQ',
  celery: 'Celery',
  bullmq: 'BullMQ',
};

/** A worker of another queueing library, as that library registers it. */
export interface ForeignWorker {
  name: string;
  host?: string;
  pid?: number;
  state?: string;
}

/** A queue of another library: RQ, Celery (kombu) or BullMQ. */
export interface ForeignQueue {
  dialect: Dialect;
  /** The queue's name in that library (`asr-queue`). */
  name: string;
  /** The list its jobs wait on (`rq:queue:asr-queue`). */
  key: string;
  depth: number;
  /** Workers listening on it; undefined when the library does not register them. */
  workers?: ForeignWorker[];
}

export interface DoctorFacts {
  /** The Redis URL with its password masked. */
  redis: string;
  /** When the inspection finished. */
  checkedAtMs: number;
  /** How long the lists were watched for growth; 0 for a single look. */
  sampleMs: number;
  /** The queue the doctor was asked about (--queue). */
  configuredQueue: string;
  /** The configured queue first, then every other queue of ours found in the database. */
  queues: QueueFacts[];
  results: ResultListFacts[];
  channels: ChannelFacts[];
  foreign: ForeignQueue[];
}
