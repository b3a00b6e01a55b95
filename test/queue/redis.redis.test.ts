import { afterEach, describe, expect, it } from 'vitest';

import { createRedis, MAX_BLOCKING_COMMAND_MS } from '../../src/queue/redis.js';
import { capturingLogger, queueFixture, REDIS_URL, sleep, type QueueFixture } from './fixture.js';

describe('createRedis', () => {
  let fx: QueueFixture | undefined;
  afterEach(() => fx?.cleanup());

  it('names each connection by its role and sets the role’s retry rules', async () => {
    fx = queueFixture();
    const blocking = fx.connect('blocking');
    const commands = fx.connect('commands');
    expect(await blocking.client('GETNAME')).toBe('asr-worker:blocking');
    expect(await commands.client('GETNAME')).toBe('asr-worker:commands');

    expect(blocking.options.maxRetriesPerRequest).toBe(0);
    expect(blocking.options.autoResendUnfulfilledCommands).toBe(false);
    expect(blocking.options.socketTimeout).toBeGreaterThan(MAX_BLOCKING_COMMAND_MS);
    expect(commands.options.maxRetriesPerRequest).toBe(3);
    expect(commands.options.autoResendUnfulfilledCommands).toBe(true);
    for (const redis of [blocking, commands]) {
      expect(redis.options.lazyConnect).toBe(false);
      expect(redis.options.enableOfflineQueue).toBe(true);
    }
  });

  it('logs connection errors with the password hidden, and keeps retrying', async () => {
    const { logger, lines } = capturingLogger();
    // Nothing listens on port 1.
    const redis = createRedis('redis://user:hunter2@127.0.0.1:1/0', 'commands', logger);
    try {
      await sleep(500);
      const errors = lines.filter((line) => line.msg === 'redis connection error');
      expect(errors.length).toBeGreaterThan(1);
      expect(errors[0]!.redis).toBe('redis://user:***@127.0.0.1:1/0');
      expect(JSON.stringify(lines)).not.toContain('hunter2');
      expect(redis.status).not.toBe('end');
    } finally {
      redis.disconnect();
    }
  });

  it('says when it is ready, without the password', async () => {
    const { logger, lines } = capturingLogger();
    const redis = createRedis(REDIS_URL, 'commands', logger);
    try {
      await redis.ping();
      const ready = lines.find((line) => line.msg === 'redis connection ready');
      expect(ready).toMatchObject({ redis: REDIS_URL, redis_role: 'commands' });
    } finally {
      await redis.quit();
    }
  });
});
