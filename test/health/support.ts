/**
 * A worker with its HTTP server on a free port, and helpers to read what
 * that server says.
 */
import type { Logger } from 'pino';
import { pino } from 'pino';

import { startWorker } from '../../src/cli/run-command.js';
import { resolveWorkerConfig, type WorkerConfigInput } from '../../src/config.js';
import type { Worker } from '../../src/worker/worker.js';
import { SHARED_REDIS_URL } from '../support/redis.js';

export interface HttpWorker {
  worker: Worker;
  base: string;
  stop: () => Promise<void>;
}

export async function startHttpWorker(
  input: WorkerConfigInput & { queue: string },
  logger: Logger = pino({ level: 'silent' }),
): Promise<HttpWorker> {
  const config = resolveWorkerConfig({
    redisUrl: SHARED_REDIS_URL,
    results: `{${input.queue}}:test-results`,
    channel: `{${input.queue}}:test-channel`,
    engine: 'noop',
    concurrency: 4,
    blockTimeoutMs: 300,
    heartbeatIntervalMs: 200,
    heartbeatTtlMs: 2000,
    redeliveryIntervalMs: 500,
    stallCheckIntervalMs: 100,
    httpPort: 0,
    ...input,
  });
  const { worker, stop } = await startWorker(config, logger);
  return { worker, base: `http://127.0.0.1:${worker.httpPort}`, stop };
}

export async function readyz(base: string): Promise<{ status: number; body: ReadyBody }> {
  const response = await fetch(`${base}/readyz`);
  return { status: response.status, body: (await response.json()) as ReadyBody };
}

export interface ReadyBody {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** Metric lines as `name{labels}` -> value. */
export async function scrape(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}
