import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { QueueConsumer } from '../../src/queue/consumer.js';
import { DEAD_RAW_MAX_BYTES } from '../../src/queue/dead-raw.js';
import { taskFingerprint, type QueueItem } from '../../src/queue/queue-item.js';
import { deadLetter, recoverOrphans, type DeadLetterEntry } from '../../src/queue/redelivery.js';
import { capturingLogger, queueFixture, type QueueFixture } from './fixture.js';

describe('recoverOrphans', () => {
  let fx: QueueFixture;
  let commands: Redis;

  beforeEach(() => {
    fx = queueFixture();
    commands = fx.connect('commands');
  });
  afterEach(() => fx.cleanup());

  /** Takes `count` tasks as worker `workerId` would. */
  async function takeAs(workerId: string, count: number): Promise<QueueItem[]> {
    const consumer = new QueueConsumer({
      redis: fx.connect('blocking'),
      keys: fx.keys,
      workerId,
      blockTimeoutMs: 100,
    });
    const taken: QueueItem[] = [];
    for (let i = 0; i < count; i++) {
      const delivery = await consumer.take();
      if (delivery) taken.push(delivery.raw);
    }
    return taken;
  }

  async function drain(): Promise<string[]> {
    return commands.lrange(fx.keys.queue, 0, -1);
  }

  it('puts a dead worker’s tasks back at the head of the queue, in the order they were taken', async () => {
    await commands.rpush(fx.keys.queue, 'a', 'b', 'c', 'd', 'e');
    expect(await takeAs('dead', 3)).toEqual(['a', 'b', 'c']);
    expect(await drain()).toEqual(['d', 'e']);

    const result = await recoverOrphans(commands, fx.keys, { maxDeliveries: 5 });
    expect(result).toEqual({ requeued: 3, deadLettered: 0, lists: [fx.keys.processing('dead')] });
    expect(await drain()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(await commands.exists(fx.keys.processing('dead'))).toBe(0);

    // Taken again in the same order, and the attempt count goes on.
    const again = new QueueConsumer({
      redis: fx.connect('blocking'),
      keys: fx.keys,
      workerId: 'next',
      blockTimeoutMs: 100,
    });
    expect(await again.take()).toEqual({ raw: 'a', attempt: 2 });
    expect(await again.take()).toEqual({ raw: 'b', attempt: 2 });
    expect(await again.take()).toEqual({ raw: 'c', attempt: 2 });
    expect(await again.take()).toEqual({ raw: 'd', attempt: 1 });
  });

  it('leaves a worker with a live heartbeat alone', async () => {
    await commands.rpush(fx.keys.queue, 'live-1', 'live-2', 'dead-1');
    await takeAs('alive', 2);
    await takeAs('gone', 1);
    await commands.set(fx.keys.heartbeat('alive'), '{}', 'PX', 10_000);

    const result = await recoverOrphans(commands, fx.keys, { maxDeliveries: 5 });
    expect(result).toEqual({ requeued: 1, deadLettered: 0, lists: [fx.keys.processing('gone')] });
    expect(await commands.lrange(fx.keys.processing('alive'), 0, -1)).toEqual(['live-2', 'live-1']);
    expect(await drain()).toEqual(['dead-1']);
  });

  it('does nothing when there is nothing to recover', async () => {
    expect(await recoverOrphans(commands, fx.keys, { maxDeliveries: 3 })).toEqual({
      requeued: 0,
      deadLettered: 0,
      lists: [],
    });
  });

  it('dead-letters a task delivered maxDeliveries times, with the reason', async () => {
    const { logger, lines } = capturingLogger();
    const poison = '{"task_id":"t-1","text":"tâche ✓ 音声"}';
    await commands.rpush(fx.keys.queue, 'fine', poison);
    await takeAs('crashy', 2);
    // Two earlier deliveries ended the same way.
    await commands.hincrby(fx.keys.deliveries, taskFingerprint(poison), 2);

    const beforeMs = Date.now();
    const result = await recoverOrphans(commands, fx.keys, { maxDeliveries: 3, logger });
    expect(result).toEqual({
      requeued: 1,
      deadLettered: 1,
      lists: [fx.keys.processing('crashy')],
    });
    expect(await drain()).toEqual(['fine']);

    const dead = await commands.lrange(fx.keys.dead, 0, -1);
    expect(dead).toHaveLength(1);
    const entry = JSON.parse(dead[0]!) as DeadLetterEntry;
    expect(entry).toEqual({
      reason: 'POISON',
      message: 'delivered 3 times without an answer',
      deliveries: 3,
      raw: poison,
      worker_id: 'crashy',
      dead_at: expect.any(Number),
    });
    expect(entry.dead_at).toBeGreaterThanOrEqual(beforeMs);
    expect(entry.dead_at).toBeLessThanOrEqual(Date.now());
    // Its count leaves with it; the requeued task keeps its count.
    expect(await commands.hexists(fx.keys.deliveries, taskFingerprint(poison))).toBe(0);
    expect(await commands.hget(fx.keys.deliveries, taskFingerprint('fine'))).toBe('1');
    expect(lines.some((line) => line.level === 50 && line.deadLettered === 1)).toBe(true);

    // The task's status key says where it ended, and its first-seen time is gone.
    expect(JSON.parse((await commands.get(fx.keys.status('t-1')))!)).toEqual({
      version: 1,
      task_id: 't-1',
      status: 'dead_lettered',
      reason: 'POISON',
      finished_at: entry.dead_at,
    });
    expect(await commands.pttl(fx.keys.status('t-1'))).toBeGreaterThan(0);
  });

  it('dead-letters an item that is not UTF-8 as the base64 of its exact bytes', async () => {
    const binary = Buffer.from([0x80, 0x04, 0x95, ...Buffer.from('{"task_id":"z1"}'), 0xff]);
    await commands.rpush(fx.keys.queue, binary);
    await takeAs('crashy', 1);
    await commands.hincrby(fx.keys.deliveries, taskFingerprint(binary), 2);

    const result = await recoverOrphans(commands, fx.keys, { maxDeliveries: 3 });
    expect(result.deadLettered).toBe(1);
    const entry = JSON.parse((await commands.lindex(fx.keys.dead, 0))!) as DeadLetterEntry;
    expect(entry).toMatchObject({ raw_encoding: 'base64', deliveries: 3 });
    expect(Buffer.from(entry.raw, 'base64')).toEqual(binary);
    expect(await commands.exists(fx.keys.processing('crashy'), fx.keys.deliveries)).toBe(0);
  });

  it('leaves the status key of a task that was answered before it was dead-lettered', async () => {
    const answered = '{"task_id":"t-2"}';
    const final = JSON.stringify({ version: 1, task_id: 't-2', status: 'done' });
    await commands.set(fx.keys.status('t-2'), final);
    await commands.hset(fx.keys.firstSeen, 't-2', 1);
    await commands.rpush(fx.keys.queue, answered);
    await takeAs('crashy', 1);
    await recoverOrphans(commands, fx.keys, { maxDeliveries: 1 });
    expect(await commands.get(fx.keys.status('t-2'))).toBe(final);
    expect(await commands.llen(fx.keys.dead)).toBe(1);
  });

  it('writes a custom dead reason', async () => {
    await commands.rpush(fx.keys.queue, 'p');
    await takeAs('w', 1);
    await recoverOrphans(commands, fx.keys, { maxDeliveries: 1, deadReason: 'TOO_MANY_ATTEMPTS' });
    const entry = JSON.parse((await commands.lindex(fx.keys.dead, 0))!) as DeadLetterEntry;
    expect(entry.reason).toBe('TOO_MANY_ATTEMPTS');
  });

  it('rejects a maxDeliveries that is not a positive integer', async () => {
    for (const maxDeliveries of [0, -1, 1.5, Number.NaN]) {
      await expect(recoverOrphans(commands, fx.keys, { maxDeliveries })).rejects.toThrow(
        RangeError,
      );
    }
  });

  it(
    'moves each task exactly once when two workers recover at the same time',
    { timeout: 60_000 },
    async () => {
      const workers = 8;
      const perWorker = 250;
      const all: string[] = [];
      for (let w = 0; w < workers; w++) {
        const items = Array.from({ length: perWorker }, (_, i) => `w${w}-task-${i}`);
        all.push(...items);
        // As BLMOVE leaves them: newest at the head.
        await commands.lpush(fx.keys.processing(`dead-${w}`), ...items);
        // Every fifth task has been delivered too often.
        const poison = items.filter((_, i) => i % 5 === 0);
        await commands.hset(
          fx.keys.deliveries,
          Object.fromEntries(poison.map((item) => [taskFingerprint(item), 3])),
        );
      }

      const first = fx.connect('commands');
      const second = fx.connect('commands');
      const [a, b] = await Promise.all([
        recoverOrphans(first, fx.keys, { maxDeliveries: 3 }),
        recoverOrphans(second, fx.keys, { maxDeliveries: 3 }),
      ]);

      const total = workers * perWorker;
      const poisonCount = total / 5;
      expect(a.requeued + b.requeued).toBe(total - poisonCount);
      expect(a.deadLettered + b.deadLettered).toBe(poisonCount);

      const queue = await drain();
      const dead = (await commands.lrange(fx.keys.dead, 0, -1)).map(
        (line) => (JSON.parse(line) as DeadLetterEntry).raw,
      );
      expect(queue).toHaveLength(total - poisonCount);
      expect(dead).toHaveLength(poisonCount);
      expect(new Set([...queue, ...dead]).size).toBe(total);
      expect([...queue, ...dead].sort()).toEqual([...all].sort());
      for (let w = 0; w < workers; w++) {
        expect(await commands.exists(fx.keys.processing(`dead-${w}`))).toBe(0);
      }
      // Within each worker's tasks, the original order holds.
      for (let w = 0; w < workers; w++) {
        const mine = queue.filter((item) => item.startsWith(`w${w}-`));
        const expected = all.filter((item, i) => item.startsWith(`w${w}-`) && i % 5 !== 0);
        expect(mine).toEqual(expected);
      }
    },
  );

  it('finds processing lists of a queue whose name holds glob characters', async () => {
    const odd = queueFixture((id) => `test:${id}:asr[1]*?\\queue`);
    try {
      const redis = odd.connect('commands');
      await redis.lpush(odd.keys.processing('w'), 'x');
      // A look-alike that the unescaped pattern would also match.
      const lookalike = odd.keys.processing('w').replace('asr[1]', 'asr1');
      await redis.lpush(lookalike, 'not mine');
      expect(await recoverOrphans(redis, odd.keys, { maxDeliveries: 3 })).toEqual({
        requeued: 1,
        deadLettered: 0,
        lists: [odd.keys.processing('w')],
      });
      expect(await redis.lrange(odd.keys.queue, 0, -1)).toEqual(['x']);
      expect(await redis.lrange(lookalike, 0, -1)).toEqual(['not mine']);
    } finally {
      await odd.cleanup();
    }
  });
});

describe('deadLetter', () => {
  let fx: QueueFixture;
  let commands: Redis;

  beforeEach(() => {
    fx = queueFixture();
    commands = fx.connect('commands');
  });
  afterEach(() => fx.cleanup());

  it('writes the entry and takes the task off the processing list in one go', async () => {
    const processing = fx.keys.processing('w');
    await commands.lpush(processing, 'keep', 'bad json');
    await commands.hset(fx.keys.deliveries, taskFingerprint('bad json'), 1);

    const written = await deadLetter(
      commands,
      fx.keys,
      {
        reason: 'INVALID_JSON',
        message: 'Unexpected token b',
        raw: 'bad json',
        workerId: 'w',
        taskId: 't-9',
        statusTtlMs: 60_000,
      },
      processing,
    );
    const stored = JSON.parse((await commands.lindex(fx.keys.dead, -1))!) as DeadLetterEntry;
    expect(stored).toEqual(written);
    expect(stored).toEqual({
      reason: 'INVALID_JSON',
      message: 'Unexpected token b',
      raw: 'bad json',
      worker_id: 'w',
      task_id: 't-9',
      dead_at: expect.any(Number),
    });
    expect('raw_truncated' in stored).toBe(false);
    expect(await commands.lrange(processing, 0, -1)).toEqual(['keep']);
    expect(await commands.hexists(fx.keys.deliveries, taskFingerprint('bad json'))).toBe(0);
    expect(JSON.parse((await commands.get(fx.keys.status('t-9')))!)).toMatchObject({
      task_id: 't-9',
      status: 'dead_lettered',
      reason: 'INVALID_JSON',
    });
  });

  it('takes an item that is not UTF-8 off the processing list by its bytes, kept as base64', async () => {
    const processing = fx.keys.processing('w');
    const binary = Buffer.from([0x80, 0x04, 0x95, ...Buffer.from('{"task_id":"z1"}'), 0xff]);
    await commands.lpush(processing, binary);
    await commands.hset(fx.keys.deliveries, taskFingerprint(binary), 1);

    const written = await deadLetter(
      commands,
      fx.keys,
      { reason: 'INVALID_TASK', message: 'not JSON', raw: binary, workerId: 'w' },
      processing,
    );
    expect(written).toMatchObject({ raw: binary.toString('base64'), raw_encoding: 'base64' });
    const stored = JSON.parse((await commands.lindex(fx.keys.dead, 0))!) as DeadLetterEntry;
    expect(Buffer.from(stored.raw, 'base64')).toEqual(binary);
    expect(await commands.exists(processing, fx.keys.deliveries)).toBe(0);
  });

  it('appends, oldest first', async () => {
    for (const raw of ['one', 'two']) {
      await deadLetter(commands, fx.keys, { reason: 'R', message: 'm', raw, workerId: 'w' });
    }
    const raws = (await commands.lrange(fx.keys.dead, 0, -1)).map(
      (line) => (JSON.parse(line) as DeadLetterEntry).raw,
    );
    expect(raws).toEqual(['one', 'two']);
  });

  it('cuts a huge raw task to 64 KiB at a character boundary and says so', async () => {
    // Three-byte characters, so 64 KiB falls inside one.
    const raw = '€'.repeat(30_000);
    const processing = fx.keys.processing('w');
    await commands.lpush(processing, raw);

    const written = await deadLetter(
      commands,
      fx.keys,
      { reason: 'PAYLOAD_TOO_LARGE', message: 'too big', raw, workerId: 'w' },
      processing,
    );
    expect(written.raw_truncated).toBe(true);
    const bytes = Buffer.byteLength(written.raw, 'utf8');
    expect(bytes).toBeLessThanOrEqual(DEAD_RAW_MAX_BYTES);
    expect(bytes).toBeGreaterThan(DEAD_RAW_MAX_BYTES - 3);
    expect(raw.startsWith(written.raw)).toBe(true);
    expect(written.raw).not.toContain('\ufffd');

    const stored = JSON.parse((await commands.lindex(fx.keys.dead, 0))!) as DeadLetterEntry;
    expect(stored.raw_truncated).toBe(true);
    expect(stored.raw).toBe(written.raw);
    // The full task still left the processing list.
    expect(await commands.exists(processing)).toBe(0);
  });

  it('keeps a raw task of exactly 64 KiB whole', async () => {
    const raw = 'x'.repeat(DEAD_RAW_MAX_BYTES);
    const written = await deadLetter(commands, fx.keys, {
      reason: 'R',
      message: 'm',
      raw,
      workerId: 'w',
    });
    expect(written.raw).toBe(raw);
    expect(written.raw_truncated).toBeUndefined();
  });
});
