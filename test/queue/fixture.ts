/**
 * Each test gets a queue key of its own (`test:<uuid>:asr_chunk_queue`), so
 * test files can run side by side against the shared Redis; cleanup deletes
 * every key holding that uuid (the queue and everything under its hash tag)
 * and closes the connections the test opened. Never FLUSHDB.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';

import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';

import { queueKeys, type QueueKeys } from '../../src/queue/keys.js';
import { createRedis, type RedisRole } from '../../src/queue/redis.js';
import { deleteKeysMatching, SHARED_REDIS_URL } from '../support/redis.js';

export { SHARED_REDIS_URL as REDIS_URL } from '../support/redis.js';

export const silentLogger: Logger = pino({ level: 'silent' });

export interface QueueFixture {
  id: string;
  queue: string;
  keys: QueueKeys;
  /** A connection closed by cleanup(). */
  connect(role?: RedisRole, logger?: Logger): Redis;
  cleanup(): Promise<void>;
}

export function queueFixture(queueName?: (id: string) => string): QueueFixture {
  const id = randomUUID();
  const queue = queueName ? queueName(id) : `test:${id}:asr_chunk_queue`;
  const opened: Redis[] = [];
  const connect = (role: RedisRole = 'commands', logger = silentLogger): Redis => {
    const redis = createRedis(SHARED_REDIS_URL, role, logger);
    opened.push(redis);
    return redis;
  };
  return {
    id,
    queue,
    keys: queueKeys(queue),
    connect,
    async cleanup() {
      await deleteKeysMatching(connect(), `*${id}*`);
      await Promise.all(opened.map((redis) => redis.quit().catch(() => redis.disconnect())));
    },
  };
}

/** A pino logger whose lines land in `lines`, parsed. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
