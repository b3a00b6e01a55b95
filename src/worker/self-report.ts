/**
 * What a worker says about itself: the start-up banner and the heartbeat's
 * JSON. Both come from the same facts, so an operator reading one and
 * `asr-worker doctor` reading the other see the same names.
 */
import os from 'node:os';

import { Redis } from 'ioredis';
import type { Logger } from 'pino';

import type { WorkerConfig } from '../config.js';
import { Model } from '../engine/model.js';
import type { Transcriber } from '../engine/transcriber.js';
import {
  bannerFields,
  bannerMessage,
  type BannerFacts,
  type EngineFacts,
} from '../health/banner.js';
import { packageVersion } from '../health/version.js';
import type { RedisClient } from '../queue/redis.js';

/** What the heartbeat key holds; `asr-worker doctor` reads it. */
export interface HeartbeatFields extends Record<string, unknown> {
  host: string;
  pid: number;
  queue: string;
  database: number;
  results: string;
  channel: string;
  model: string;
  backend: string;
  version: string;
  started_at: number;
  tasks_done: number;
  tasks_failed: number;
  tasks_expired: number;
  last_task_at: number | null;
}

export function heartbeatInfo(
  config: WorkerConfig,
  model: string,
  backend: string,
  redis: RedisClient,
): HeartbeatFields {
  return {
    host: os.hostname(),
    pid: process.pid,
    queue: config.queue,
    database: databaseOf(redis),
    results: config.results,
    channel: config.channel,
    model,
    backend,
    version: packageVersion(),
    started_at: Date.now(),
    tasks_done: 0,
    tasks_failed: 0,
    tasks_expired: 0,
    last_task_at: null,
  };
}

export function logBanner(logger: Logger, facts: BannerFacts): void {
  logger.info(bannerFields(facts), bannerMessage(facts));
  if (facts.queueType === 'none') {
    logger.warn(
      { queue: facts.queue },
      `queue key '${facts.queue}' does not exist yet: producers have not pushed, ` +
        'or they push to another key (asr-worker doctor compares them)',
    );
  }
}

/** What the banner and metrics say about the engine. */
export function engineFacts(engine: Transcriber): EngineFacts {
  if (!(engine instanceof Model)) {
    return { model: engine.name, backend: 'none', device: 'none', states: engine.capacity };
  }
  const info = engine.info();
  return {
    model: engine.name,
    modelPath: info.path,
    // whisper.cpp names the shapes of OpenAI's models; any other is 'unknown'.
    modelShape: info.type === 'unknown' ? 'custom shape' : info.type,
    backend: info.backend,
    addonPath: info.addonPath,
    // The engine factory loads on the default device, GPU 0, when it uses one.
    device: info.useGpu ? 'gpu 0' : 'cpu',
    threads: info.threads,
    states: info.states,
  };
}

/** The database number in use; a Cluster has only 0. */
export function databaseOf(redis: RedisClient): number {
  return redis instanceof Redis ? (redis.options.db ?? 0) : 0;
}
