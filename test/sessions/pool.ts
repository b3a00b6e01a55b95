/**
 * Several in-process workers on one queue of the shared Redis, each with a
 * scripted engine, and a listener on the session channel.
 */
import { pino, type Logger } from 'pino';
import type { Redis } from 'ioredis';

import { resolveWorkerConfig, type WorkerConfigInput } from '../../src/config.js';
import type { SessionMessage } from '../../src/sessions/messages.js';
import { createRedisClient, type RedisClient } from '../../src/queue/redis.js';
import { Worker } from '../../src/worker/worker.js';
import { cleanQueue, connect, SHARED_REDIS_URL, uniqueQueue, waitFor } from '../support/redis.js';
import { ScriptedEngine } from './scripted-engine.js';

const silent = pino({ level: 'silent' });

export interface Pool {
  queue: string;
  results: string;
  sessionResults: string;
  workers: Worker[];
  engines: ScriptedEngine[];
  /** Every message seen on the session channel, in order. */
  channelMessages: SessionMessage[];
  /** The terminal session messages pushed so far. */
  terminal(): Promise<SessionMessage[]>;
  stop(): Promise<void>;
}

export async function startPool(
  label: string,
  size: number,
  input: WorkerConfigInput = {},
  logger: Logger = silent,
): Promise<Pool> {
  const queue = uniqueQueue(label);
  const results = `{${queue}}:results`;
  const sessionChannel = `{${queue}}:session-channel`;
  const sessionResults = `{${queue}}:session-results`;
  const admin = connect();
  const subscriber = connect();
  const channelMessages: SessionMessage[] = [];
  subscriber.on('message', (_channel: string, json: string) => {
    channelMessages.push(JSON.parse(json) as SessionMessage);
  });
  await subscriber.subscribe(sessionChannel);

  const workers: Worker[] = [];
  const engines: ScriptedEngine[] = [];
  const connections: RedisClient[] = [];
  for (let i = 0; i < size; i++) {
    const config = resolveWorkerConfig({
      redisUrl: SHARED_REDIS_URL,
      queue,
      results,
      channel: `{${queue}}:channel`,
      sessionChannel,
      sessionResults,
      workerId: `${label}-${i}`,
      blockTimeoutMs: 200,
      heartbeatIntervalMs: 500,
      heartbeatTtlMs: 2000,
      redeliveryIntervalMs: 500,
      sessionSweepIntervalMs: 100,
      ...input,
    });
    const engine = new ScriptedEngine();
    const blocking = createRedisClient(SHARED_REDIS_URL, 'blocking', silent);
    const commands = createRedisClient(SHARED_REDIS_URL, 'commands', silent);
    const worker = new Worker({ config, engine, logger, blocking, commands });
    await worker.start();
    workers.push(worker);
    engines.push(engine);
    connections.push(blocking, commands);
  }

  return {
    queue,
    results,
    sessionResults,
    workers,
    engines,
    channelMessages,
    terminal: async () =>
      (await admin.lrange(sessionResults, 0, -1)).map((json) => JSON.parse(json) as SessionMessage),
    stop: async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      for (const connection of connections) connection.disconnect();
      subscriber.disconnect();
      await cleanQueue(admin, queue);
      admin.disconnect();
    },
  };
}

export async function waitForTerminal(
  pool: Pool,
  count: number,
  timeoutMs = 20_000,
): Promise<SessionMessage[]> {
  return waitFor(
    `${count} terminal session messages`,
    async () => {
      const messages = await pool.terminal();
      return messages.length >= count && messages;
    },
    timeoutMs,
  );
}

export async function waitForResults(redis: Redis, list: string, count: number): Promise<void> {
  await waitFor(`${count} results`, async () => (await redis.llen(list)) >= count, 20_000);
}
