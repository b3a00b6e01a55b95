import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  MAX_BLOCK_TIMEOUT_MS,
  QueueConsumer,
  type QueueConsumerOptions,
} from '../../src/queue/consumer.js';
import { taskFingerprint } from '../../src/queue/queue-item.js';
import { capturingLogger, queueFixture, sleep, type QueueFixture } from './fixture.js';

describe('QueueConsumer against Redis', () => {
  let fx: QueueFixture;
  let blocking: Redis;
  let commands: Redis;

  function consumer(options: Partial<QueueConsumerOptions> = {}): QueueConsumer {
    return new QueueConsumer({
      redis: blocking,
      keys: fx.keys,
      workerId: 'w1',
      blockTimeoutMs: 200,
      ...options,
    });
  }

  beforeEach(() => {
    fx = queueFixture();
    blocking = fx.connect('blocking');
    commands = fx.connect('commands');
  });
  afterEach(() => fx.cleanup());

  it('takes in FIFO order and keeps each task on its processing list', async () => {
    await commands.rpush(fx.keys.queue, 'a', 'b', 'c');
    const c = consumer();
    await c.init();
    expect(c.atMostOnce).toBe(false);

    const taken = [await c.take(), await c.take(), await c.take()];
    expect(taken).toEqual([
      { raw: 'a', attempt: 1 },
      { raw: 'b', attempt: 1 },
      { raw: 'c', attempt: 1 },
    ]);
    expect(await commands.llen(fx.keys.queue)).toBe(0);
    // Newest at the head: BLMOVE ... LEFT LEFT.
    expect(await commands.lrange(fx.keys.processing('w1'), 0, -1)).toEqual(['c', 'b', 'a']);
    expect(await commands.hget(fx.keys.deliveries, taskFingerprint('a'))).toBe('1');
  });

  it('takes as many waiting tasks as asked for in one go, counting each, FIFO', async () => {
    await commands.rpush(fx.keys.queue, 'a', 'b', 'c', 'd', 'e', 'a');
    const c = consumer();

    expect(await c.takeUpTo(4)).toEqual([
      { raw: 'a', attempt: 1 },
      { raw: 'b', attempt: 1 },
      { raw: 'c', attempt: 1 },
      { raw: 'd', attempt: 1 },
    ]);
    // A duplicate of a task in hand is counted as its second delivery.
    expect(await c.takeUpTo(10)).toEqual([
      { raw: 'e', attempt: 1 },
      { raw: 'a', attempt: 2 },
    ]);
    expect(await c.takeUpTo(10)).toEqual([]);

    expect(await commands.lrange(fx.keys.processing('w1'), 0, -1)).toEqual([
      'a', 'e', 'd', 'c', 'b', 'a',
    ]); // prettier-ignore
    expect(await commands.hget(fx.keys.deliveries, taskFingerprint('a'))).toBe('2');
    expect(await commands.hget(fx.keys.deliveries, taskFingerprint('e'))).toBe('1');

    // What was taken in a batch is acknowledged like anything else.
    for (const raw of ['a', 'b', 'c', 'd', 'e', 'a']) await c.ack(raw, commands);
    expect(await commands.llen(fx.keys.processing('w1'))).toBe(0);
    expect(await commands.hlen(fx.keys.deliveries)).toBe(0);
  });

  it('counts attempts across deliveries of the same task', async () => {
    await commands.rpush(fx.keys.queue, 'again');
    const c = consumer();
    expect(await c.take()).toEqual({ raw: 'again', attempt: 1 });
    // As redelivery would: back to the queue, taken again.
    await commands.lmove(fx.keys.processing('w1'), fx.keys.queue, 'LEFT', 'LEFT');
    c.forget('again');
    expect(await c.take()).toEqual({ raw: 'again', attempt: 2 });
    expect(await commands.hget(fx.keys.deliveries, taskFingerprint('again'))).toBe('2');
  });

  it('acknowledges inside the caller’s MULTI, together with the result', async () => {
    await commands.rpush(fx.keys.queue, 'x', 'y');
    const c = consumer();
    await c.take();
    await c.take();

    const results = `${fx.keys.queue}:results`;
    const transaction = commands.multi().rpush(results, 'answer for x');
    expect(c.ackCommands(transaction, 'x')).toBe(transaction);
    const replies = await transaction.exec();
    expect(replies?.every(([error]) => error === null)).toBe(true);

    expect(await commands.lrange(fx.keys.processing('w1'), 0, -1)).toEqual(['y']);
    expect(await commands.hexists(fx.keys.deliveries, taskFingerprint('x'))).toBe(0);
    expect(await commands.lrange(results, 0, -1)).toEqual(['answer for x']);
  });

  it('acknowledges on its own', async () => {
    await commands.rpush(fx.keys.queue, 'solo');
    const c = consumer();
    await c.take();
    await c.ack('solo', commands);
    expect(await commands.exists(fx.keys.processing('w1'))).toBe(0);
    expect(await commands.hlen(fx.keys.deliveries)).toBe(0);
  });

  it('returns null when nothing arrives within the block timeout', async () => {
    const c = consumer({ blockTimeoutMs: 300 });
    const startedMs = Date.now();
    expect(await c.take()).toBeNull();
    const elapsedMs = Date.now() - startedMs;
    expect(elapsedMs).toBeGreaterThanOrEqual(250);
    expect(elapsedMs).toBeLessThan(2_000);
  });

  it('wakes as soon as a task arrives', async () => {
    const c = consumer({ blockTimeoutMs: 5_000 });
    await c.init();
    const taking = c.take();
    await sleep(100);
    const pushedMs = Date.now();
    await commands.rpush(fx.keys.queue, 'late');
    expect(await taking).toEqual({ raw: 'late', attempt: 1 });
    expect(Date.now() - pushedMs).toBeLessThan(1_000);
  });

  it('caps the block timeout so shutdown never waits long', { timeout: 15_000 }, async () => {
    const c = consumer({ blockTimeoutMs: 60_000 });
    expect(c.blockTimeoutMs).toBe(MAX_BLOCK_TIMEOUT_MS);
    await c.init();
    const startedMs = Date.now();
    expect(await c.take()).toBeNull();
    const elapsedMs = Date.now() - startedMs;
    expect(elapsedMs).toBeGreaterThanOrEqual(MAX_BLOCK_TIMEOUT_MS - 100);
    expect(elapsedMs).toBeLessThan(MAX_BLOCK_TIMEOUT_MS + 1_500);
  });

  it('refuses a concurrent take on the same consumer', async () => {
    const c = consumer({ blockTimeoutMs: 300 });
    const first = c.take();
    await expect(c.take()).rejects.toThrow(/already running/);
    expect(await first).toBeNull();
  });

  it('hands out tasks a previous process with the same worker id left, oldest first', async () => {
    const { logger, lines } = capturingLogger();
    // 'first' was taken first, so it sits at the tail.
    await commands.lpush(fx.keys.processing('w1'), 'first', 'second');
    await commands.hset(fx.keys.deliveries, taskFingerprint('first'), 1);
    await commands.rpush(fx.keys.queue, 'queued');

    const c = consumer({ logger });
    expect(await c.take()).toEqual({ raw: 'first', attempt: 2 });
    expect(await c.take()).toEqual({ raw: 'second', attempt: 1 });
    expect(await c.take()).toEqual({ raw: 'queued', attempt: 1 });
    expect(await c.take()).toBeNull();
    expect(await commands.lrange(fx.keys.processing('w1'), 0, -1)).toEqual([
      'queued',
      'second',
      'first',
    ]);
    expect(lines.some((line) => String(line.msg).includes('nobody is working on'))).toBe(true);
  });

  it('fails a take at once when its connection drops, then hands out a task whose reply was lost', async () => {
    await commands.rpush(fx.keys.queue, 'busy');
    const c = consumer({ blockTimeoutMs: 1_000 });
    expect(await c.take()).toEqual({ raw: 'busy', attempt: 1 });

    const clientId = await blocking.client('ID');
    const taking = c.take();
    await sleep(200);
    // As if the server had run the BLMOVE and the reply died with the socket.
    await commands.lpush(fx.keys.processing('w1'), 'lost');
    const killedMs = Date.now();
    await commands.client('KILL', 'ID', clientId);
    await expect(taking).rejects.toThrow();
    expect(Date.now() - killedMs).toBeLessThan(1_000);

    // 'busy' is still being worked on and is not handed out twice; 'lost' is.
    expect(await c.take()).toEqual({ raw: 'lost', attempt: 1 });
    expect(await c.take()).toBeNull();
    await c.ack('busy');
    await c.ack('lost');
    expect(await commands.exists(fx.keys.processing('w1'))).toBe(0);
  });

  describe('an item that is not UTF-8', () => {
    // A pickled job: bytes no UTF-8 decoder can keep.
    const binary = Buffer.from([0x80, 0x04, 0x95, ...Buffer.from('{"task_id":"z1"}'), 0xff]);

    it('is handed out as its exact bytes, counted as the scripts count it, and acknowledged', async () => {
      const c = consumer();
      await c.init();
      await commands.rpush(fx.keys.queue, binary); // taken by the batch script
      const [waiting] = await c.takeUpTo(4);
      const blocked = c.take(); // taken by BLMOVE
      await sleep(50);
      await commands.rpush(fx.keys.queue, binary);
      const moved = await blocked;

      for (const delivery of [waiting, moved]) expect(delivery?.raw).toEqual(binary);
      expect([waiting?.attempt, moved?.attempt]).toEqual([1, 2]);
      expect(taskFingerprint(binary)).toBe(
        await commands.eval('return redis.sha1hex(ARGV[1])', 0, binary),
      );
      expect(await commands.hget(fx.keys.deliveries, taskFingerprint(binary))).toBe('2');

      await c.ack(waiting!.raw, commands);
      await c.ack(moved!.raw, commands);
      expect(await commands.exists(fx.keys.processing('w1'), fx.keys.deliveries)).toBe(0);
    });

    it('is handed out again, as bytes, when a previous process left it on the list', async () => {
      await commands.lpush(fx.keys.processing('w1'), binary);
      const c = consumer();
      expect(await c.take()).toEqual({ raw: binary, attempt: 1 });
      await c.ack(binary, commands);
      expect(await commands.exists(fx.keys.processing('w1'))).toBe(0);
    });
  });
});
