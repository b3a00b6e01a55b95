/**
 * The BLPOP fallback for Redis older than 6.2, against a fake connection: no
 * old Redis needed.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';

import { hasBlmove, parseRedisVersion, QueueConsumer } from '../../src/queue/consumer.js';
import { queueKeys } from '../../src/queue/keys.js';
import { capturingLogger } from './fixture.js';

const keys = queueKeys('asr_chunk_queue');

function infoFor(version: string): string {
  return `# Server\r\nredis_version:${version}\r\nredis_git_sha1:00000000\r\nredis_mode:standalone\r\n`;
}

function fakeRedis(overrides: Record<string, unknown>) {
  const fake = {
    info: vi.fn(async () => infoFor('7.2.4')),
    // Items are read as bytes, so one that is not UTF-8 can be acknowledged exactly.
    lrangeBuffer: vi.fn(async () => []),
    blmoveBuffer: vi.fn(async () => null),
    blpopBuffer: vi.fn(async () => [Buffer.from(keys.queue), Buffer.from('task')]),
    hincrby: vi.fn(async () => 1),
    // A server that has not seen the script yet: the consumer sends it whole,
    // and the batch take finds nothing waiting, so the consumer blocks.
    callBuffer: vi.fn(async (command: string) => {
      if (command === 'evalsha') throw new Error('NOSCRIPT No matching script. Please use EVAL.');
      return [];
    }),
    ...overrides,
  };
  return { fake, redis: fake as unknown as Redis };
}

describe('parseRedisVersion and hasBlmove', () => {
  it('reads the version from INFO server text', () => {
    expect(parseRedisVersion(infoFor('7.0.15'))).toEqual([7, 0, 15]);
    expect(parseRedisVersion(infoFor('6.2'))).toEqual([6, 2, 0]);
    expect(parseRedisVersion('# Server\r\nredis_mode:standalone\r\n')).toBeUndefined();
  });

  it('knows BLMOVE arrived in 6.2', () => {
    expect(hasBlmove([6, 2, 0])).toBe(true);
    expect(hasBlmove([7, 0, 0])).toBe(true);
    expect(hasBlmove([6, 0, 16])).toBe(false);
    expect(hasBlmove([5, 0, 7])).toBe(false);
  });
});

describe('QueueConsumer version detection', () => {
  it('uses BLMOVE on 6.2 and later', async () => {
    const { fake, redis } = fakeRedis({ info: vi.fn(async () => infoFor('6.2.14')) });
    const consumer = new QueueConsumer({ redis, keys, workerId: 'w' });
    await consumer.init();
    expect(consumer.atMostOnce).toBe(false);
    expect(await consumer.take()).toBeNull();
    expect(fake.blmoveBuffer).toHaveBeenCalledWith(
      keys.queue,
      keys.processing('w'),
      'LEFT',
      'LEFT',
      2,
    );
    expect(fake.blpopBuffer).not.toHaveBeenCalled();
  });

  it('falls back to BLPOP before 6.2 and says delivery is at-most-once', async () => {
    const { fake, redis } = fakeRedis({ info: vi.fn(async () => infoFor('6.0.16')) });
    const consumer = new QueueConsumer({ redis, keys, workerId: 'w', blockTimeoutMs: 1_500 });
    await consumer.init();
    expect(consumer.atMostOnce).toBe(true);
    expect(await consumer.take()).toEqual({ raw: 'task', attempt: 1 });
    // Whole seconds, rounded up: Redis before 6.0 takes no fractions.
    expect(fake.blpopBuffer).toHaveBeenCalledWith(keys.queue, 2);
    expect(fake.blmoveBuffer).not.toHaveBeenCalled();
    expect(fake.hincrby).not.toHaveBeenCalled();
  });

  it('detects the version once', async () => {
    const { fake, redis } = fakeRedis({});
    const consumer = new QueueConsumer({ redis, keys, workerId: 'w' });
    await consumer.init();
    await consumer.init();
    await consumer.take();
    await consumer.take();
    expect(fake.info).toHaveBeenCalledTimes(1);
    expect(fake.info).toHaveBeenCalledWith('server');
  });

  it('switches to BLPOP when BLMOVE turns out to be unknown', async () => {
    const { logger, lines } = capturingLogger();
    const { fake, redis } = fakeRedis({
      // A server that hides INFO (ACL) and lacks BLMOVE.
      info: vi.fn(async () => {
        throw new Error("NOPERM this user has no permissions to run the 'info' command");
      }),
      blmoveBuffer: vi.fn(async () => {
        throw new Error("ERR unknown command 'BLMOVE', with args beginning with: ");
      }),
    });
    const consumer = new QueueConsumer({ redis, keys, workerId: 'w', logger });
    await consumer.init();
    expect(consumer.atMostOnce).toBe(false);
    expect(await consumer.take()).toEqual({ raw: 'task', attempt: 1 });
    expect(consumer.atMostOnce).toBe(true);
    expect(await consumer.take()).toEqual({ raw: 'task', attempt: 1 });
    expect(fake.blmoveBuffer).toHaveBeenCalledTimes(1);
    expect(lines.some((line) => String(line.msg).includes('at-most-once'))).toBe(true);
  });

  it('switches to BLPOP when a script finds no LMOVE', async () => {
    const { fake, redis } = fakeRedis({
      info: vi.fn(async () => {
        throw new Error("NOPERM this user has no permissions to run the 'info' command");
      }),
      callBuffer: vi.fn(async () => {
        throw new Error('ERR user_script:4: Unknown Redis command called from script');
      }),
    });
    const consumer = new QueueConsumer({ redis, keys, workerId: 'w' });
    expect(await consumer.takeUpTo(4)).toEqual([{ raw: 'task', attempt: 1 }]);
    expect(consumer.atMostOnce).toBe(true);
    expect(fake.blmoveBuffer).not.toHaveBeenCalled();
  });

  it('passes other BLMOVE errors on and reconciles before the next block', async () => {
    const blmove = vi
      .fn()
      .mockRejectedValueOnce(new Error('Connection is closed.'))
      .mockResolvedValue(null);
    const { fake, redis } = fakeRedis({ blmoveBuffer: blmove });
    const consumer = new QueueConsumer({ redis, keys, workerId: 'w' });
    await expect(consumer.take()).rejects.toThrow('Connection is closed.');
    expect(consumer.atMostOnce).toBe(false);
    expect(await consumer.take()).toBeNull();
    // Once at start, once after the failure.
    expect(fake.lrangeBuffer).toHaveBeenCalledTimes(2);
  });

  it('validates the block timeout', () => {
    const { redis } = fakeRedis({});
    for (const blockTimeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new QueueConsumer({ redis, keys, workerId: 'w', blockTimeoutMs })).toThrow(
        RangeError,
      );
    }
    expect(new QueueConsumer({ redis, keys, workerId: 'w' }).blockTimeoutMs).toBe(2_000);
    expect(
      new QueueConsumer({ redis, keys, workerId: 'w', blockTimeoutMs: 9_000 }).blockTimeoutMs,
    ).toBe(5_000);
  });
});
