import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { resolveWorkerConfig } from '../../src/config.js';
import { Heartbeat } from '../../src/queue/heartbeat.js';
import { createRedis } from '../../src/queue/redis.js';
import {
  capturingLogger,
  queueFixture,
  REDIS_URL,
  silentLogger,
  sleep,
  type QueueFixture,
} from './fixture.js';

describe('Heartbeat', () => {
  let fx: QueueFixture;
  let commands: Redis;

  beforeEach(() => {
    fx = queueFixture();
    commands = fx.connect('commands');
  });
  afterEach(() => fx.cleanup());

  it('writes its info with a TTL, refreshes it, and removes it on stop', async () => {
    const heartbeat = new Heartbeat({
      redis: commands,
      keys: fx.keys,
      workerId: 'w1',
      info: { queue: fx.queue, pid: 42, state: 'running' },
      ttlMs: 600,
      intervalMs: 100,
      logger: silentLogger,
    });
    await heartbeat.start();
    const key = fx.keys.heartbeat('w1');
    expect(heartbeat.key).toBe(key);
    expect(JSON.parse((await commands.get(key))!)).toEqual({
      queue: fx.queue,
      pid: 42,
      state: 'running',
    });
    const ttlMs = await commands.pttl(key);
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(600);

    // Outlives its TTL because it is refreshed.
    await sleep(900);
    expect(await commands.pttl(key)).toBeGreaterThan(300);

    heartbeat.update({ state: 'draining' });
    await sleep(50);
    expect(JSON.parse((await commands.get(key))!)).toEqual({
      queue: fx.queue,
      pid: 42,
      state: 'draining',
    });

    await heartbeat.stop();
    expect(await commands.exists(key)).toBe(0);
    // And stays gone: no beat lands after the delete.
    await sleep(300);
    expect(await commands.exists(key)).toBe(0);
  });

  it('uses 15 s / 5 s by default and refuses a TTL under two intervals', () => {
    const base = { redis: commands, keys: fx.keys, workerId: 'w', info: {}, logger: silentLogger };
    const heartbeat = new Heartbeat(base);
    expect(heartbeat.ttlMs).toBe(15_000);
    expect(heartbeat.intervalMs).toBe(5_000);
    expect(() => new Heartbeat({ ...base, ttlMs: 9_999, intervalMs: 5_000 })).toThrow(RangeError);
    expect(() => new Heartbeat({ ...base, ttlMs: 1_000, intervalMs: 0 })).toThrow(RangeError);
    expect(() => new Heartbeat({ ...base, ttlMs: 10_000, intervalMs: 5_000 })).not.toThrow();
  });

  it("follows the same rule as the settings, at its edge, in the flags' words", () => {
    const base = { redis: commands, keys: fx.keys, workerId: 'w', info: {}, logger: silentLogger };
    const timing = (ttlMs: number, intervalMs: number) => ({
      heartbeatTtlMs: ttlMs,
      heartbeatIntervalMs: intervalMs,
    });
    // Exactly twice: what the README allows, and what both accept.
    const config = resolveWorkerConfig(timing(10_000, 5_000));
    expect(
      () =>
        new Heartbeat({
          ...base,
          ttlMs: config.heartbeatTtlMs,
          intervalMs: config.heartbeatIntervalMs,
        }),
    ).not.toThrow();

    const said = '--heartbeat-ttl-ms (9999) must be at least twice --heartbeat-interval-ms (5000)';
    expect(() => resolveWorkerConfig(timing(9_999, 5_000))).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining(said) }),
    );
    expect(() => new Heartbeat({ ...base, ttlMs: 9_999, intervalMs: 5_000 })).toThrow(said);
  });

  it('logs failed refreshes instead of throwing, and says when they work again', async () => {
    const { logger, lines } = capturingLogger();
    // A connection of its own, so the test can break it.
    const own = createRedis(REDIS_URL, 'commands', silentLogger);
    try {
      const heartbeat = new Heartbeat({
        redis: own,
        keys: fx.keys,
        workerId: 'w2',
        info: {},
        ttlMs: 250,
        intervalMs: 50,
        logger,
      });
      await heartbeat.start();
      // An outage, as the heartbeat sees it: every SET fails until lifted.
      const originalSet = own.set.bind(own);
      let failing = true;
      (own as unknown as { set: unknown }).set = (...args: unknown[]) =>
        failing
          ? Promise.reject(new Error('simulated outage'))
          : (originalSet as Function)(...args);

      await sleep(400);
      expect(lines.some((line) => line.msg === 'heartbeat refresh failed')).toBe(true);
      expect(lines.some((line) => String(line.msg).startsWith('heartbeat expired'))).toBe(true);
      failing = false;
      await sleep(150);
      expect(lines.some((line) => line.msg === 'heartbeat refresh works again')).toBe(true);
      expect(await commands.exists(fx.keys.heartbeat('w2'))).toBe(1);
      await heartbeat.stop();
      expect(await commands.exists(fx.keys.heartbeat('w2'))).toBe(0);
    } finally {
      own.disconnect();
    }
  });
});
