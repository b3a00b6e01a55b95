/**
 * What a running worker tells about itself, against the shared Redis: it
 * refuses a queue key of the wrong type, registers a heartbeat with its
 * details and counts, counts tasks in /metrics exactly, and reports a
 * producer pushing to a look-alike key.
 */
import { randomUUID } from 'node:crypto';

import { afterEach, describe, expect, it } from 'vitest';

import { sampleQueue } from '../../src/health/queue-probe.js';
import { queueKeys } from '../../src/queue/keys.js';
import { capturingLogger } from '../queue/fixture.js';
import { cleanQueue, connect, uniqueQueue, waitFor } from '../support/redis.js';
import { readyz, scrape, startHttpWorker } from './support.js';

const audio = Buffer.alloc(640).toString('base64');

function goodTask(id: string, extra: object = {}): string {
  return JSON.stringify({
    task_id: id,
    audio_b64: audio,
    encoding: 'pcm_s16le',
    sample_rate: 16000,
    ...extra,
  });
}

describe('worker health', () => {
  const redis = connect();
  const cleanups: Array<() => Promise<void>> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function queueFor(label: string, name?: string): string {
    const queue = name ?? uniqueQueue(label);
    cleanups.push(() => cleanQueue(redis, queue));
    return queue;
  }

  it.each([
    ['stream', (key: string) => redis.xadd(key, '*', 'task', '{}')],
    ['string', (key: string) => redis.set(key, 'x')],
    ['hash', (key: string) => redis.hset(key, 'task', '{}')],
  ])('refuses to start on a queue key holding a %s', async (type, create) => {
    const queue = queueFor(`type-${type}`);
    await create(queue);

    const started = startHttpWorker({ queue });
    await expect(started).rejects.toMatchObject({ code: 'QUEUE_WRONG_TYPE' });
    await expect(started).rejects.toThrow(`'${queue}' holds a ${type}, expected a list`);
    expect(await redis.keys(queueKeys(queue).heartbeatPattern)).toEqual([]);
  });

  it('refuses to start when its HTTP port is taken, and registers nothing', async () => {
    const first = await startHttpWorker({ queue: queueFor('port-a') });
    cleanups.push(first.stop);
    const queue = queueFor('port-b');
    const started = startHttpWorker({ queue, httpPort: first.worker.httpPort });
    await expect(started).rejects.toMatchObject({ code: 'HTTP_PORT_IN_USE' });
    expect(await redis.keys(queueKeys(queue).heartbeatPattern)).toEqual([]);
  });

  it('registers a heartbeat with its details and counts, and removes it on stop', async () => {
    const queue = queueFor('heartbeat');
    const { worker, stop } = await startHttpWorker({ queue });
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await stop();
    });
    const key = queueKeys(queue).heartbeat(worker.workerId);
    const before = Date.now();

    await redis.rpush(queue, goodTask('a'), goodTask('b'));
    await redis.rpush(queue, JSON.stringify({ task_id: 'c', audio_key: `{${queue}}:missing` }));
    const beat = await waitFor('the counts in the heartbeat', async () => {
      const value = await redis.get(key);
      const parsed = value === null ? undefined : JSON.parse(value);
      return parsed?.tasks_done === 2 && parsed.tasks_failed === 1 ? parsed : undefined;
    });

    expect(beat).toEqual({
      host: expect.any(String),
      pid: process.pid,
      queue,
      database: 0,
      results: `{${queue}}:test-results`,
      channel: `{${queue}}:test-channel`,
      model: 'noop',
      backend: 'none',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      started_at: expect.any(Number),
      tasks_done: 2,
      tasks_failed: 1,
      tasks_expired: 0,
      last_task_at: expect.any(Number),
    });
    expect(beat.last_task_at).toBeGreaterThanOrEqual(before);
    expect(await redis.pttl(key)).toBeGreaterThan(0);

    await stop();
    stopped = true;
    expect(await redis.exists(key)).toBe(0);
  });

  it('counts in /metrics exactly the tasks it finished, by status and code', async () => {
    const queue = queueFor('metrics');
    const { base, stop } = await startHttpWorker({ queue });
    cleanups.push(stop);

    const enqueuedAt = Date.now();
    await redis.rpush(
      queue,
      ...['d1', 'd2', 'd3'].map((id) => goodTask(id, { enqueued_at: enqueuedAt })),
      JSON.stringify({ task_id: 'm1', audio_key: `{${queue}}:missing` }),
      JSON.stringify({ task_id: 'm2', audio_key: `{${queue}}:missing` }),
      goodTask('u1', { encoding: 'ogg' }),
      'not json',
    );
    await waitFor('six answers', async () => (await redis.llen(`{${queue}}:test-results`)) === 6);
    await waitFor('one dead letter', async () => (await redis.llen(`{${queue}}:dead`)) === 1);

    const metrics = await waitFor('the dead letter counted', async () => {
      const samples = await scrape(base);
      return samples.get('asr_worker_dead_lettered_total{reason="INVALID_TASK"}') === 1
        ? samples
        : undefined;
    });
    const tasks = [...metrics].filter(([name]) => name.startsWith('asr_worker_tasks_total'));
    expect(new Map(tasks)).toEqual(
      new Map([
        ['asr_worker_tasks_total{status="done",code=""}', 3],
        ['asr_worker_tasks_total{status="failed",code="AUDIO_NOT_FOUND"}', 2],
        ['asr_worker_tasks_total{status="failed",code="UNSUPPORTED_ENCODING"}', 1],
        ['asr_worker_tasks_total{status="dead_lettered",code="INVALID_TASK"}', 1],
      ]),
    );
    expect(metrics.get('asr_worker_decode_seconds_count')).toBe(3);
    expect(metrics.get('asr_worker_queue_wait_seconds_count')).toBe(3);
    expect(metrics.get('asr_worker_real_time_factor_count')).toBe(3);
    // 640 bytes of 16-bit mono at 16 kHz: 20 ms each.
    expect(metrics.get('asr_worker_audio_seconds_total')).toBeCloseTo(0.06, 9);
    expect(metrics.get('asr_worker_redelivered_total')).toBe(0);
    expect(metrics.get('asr_worker_tasks_in_flight')).toBe(0);
    expect(metrics.has('process_resident_memory_bytes')).toBe(true);
    expect(metrics.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect((await readyz(base)).status).toBe(200);
  });

  it('names the look-alike key holding the backlog, turns unready, and recovers', async () => {
    const id = randomUUID().slice(0, 8);
    const backlog = queueFor('', `test:misspelled-${id}:asr_chunk_queue`);
    const queue = queueFor('', `test:misspelled-${id}:asr_chunk_queu`);
    await redis.rpush(backlog, ...['t1', 't2', 't3', 't4', 't5'].map((t) => goodTask(t)));

    const { logger, lines } = capturingLogger();
    const { base, stop } = await startHttpWorker({ queue, stallAfterMs: 400 }, logger);
    cleanups.push(stop);

    const error = await waitFor('the stall error', async () =>
      lines.find((line) => line.level === 50 && line.stall === 'misrouted'),
    );
    expect(error).toMatchObject({ queue, backlogKey: backlog, backlogDepth: 5 });
    expect(error.msg).toContain(
      `listening on '${queue}' (absent) while '${backlog}' holds 5 tasks`,
    );
    const unready = await readyz(base);
    expect(unready.status).toBe(503);
    expect(unready.body.checks.stall!.ok).toBe(false);
    expect(unready.body.checks.stall!.detail).toContain(backlog);
    expect((await scrape(base)).get('asr_worker_stalled')).toBe(1);

    // The producer is pointed at the right key: the backlog moves over.
    while ((await redis.lmove(backlog, queue, 'LEFT', 'RIGHT')) !== null);
    await waitFor('ready again', async () => (await readyz(base)).status === 200);
    expect(lines.some((line) => line.msg === 'queue served again: ready')).toBe(true);
    await waitFor(
      'the moved tasks answered',
      async () => (await redis.llen(`{${queue}}:test-results`)) === 5,
    );
  });

  it('turns unready with QUEUE_WRONG_TYPE when its queue key stops being a list', async () => {
    const queue = queueFor('retyped');
    const { logger, lines } = capturingLogger();
    const { base, stop } = await startHttpWorker({ queue }, logger);
    cleanups.push(stop);
    expect((await readyz(base)).status).toBe(200);

    await redis.set(queue, 'someone wrote a string here');
    const error = await waitFor('the wrong-type error', async () =>
      lines.find((line) => line.level === 50 && line.stall === 'wrong-type'),
    );
    expect(error).toMatchObject({ queue, queueType: 'string', code: 'QUEUE_WRONG_TYPE' });
    const unready = await readyz(base);
    expect(unready.status).toBe(503);
    expect(unready.body.checks.stall!.detail).toContain('not a list');

    await redis.del(queue);
    await redis.rpush(queue, goodTask('after-the-fix'));
    await waitFor('ready again', async () => (await readyz(base)).status === 200);
    await waitFor(
      'the task answered',
      async () => (await redis.llen(`{${queue}}:test-results`)) === 1,
    );
  });

  it('samples a huge head task by its two ends, enqueued_at included', async () => {
    const queue = queueFor('sample');
    const big = goodTask('big', { audio_b64: 'A'.repeat(1 << 20), enqueued_at: 1_700_000_000_777 });
    await redis.rpush(queue, big, goodTask('next'));
    const sample = await sampleQueue(redis, queue);
    expect(sample).toMatchObject({ type: 'list', depth: 2, oldestEnqueuedAtMs: 1_700_000_000_777 });
    expect(await sampleQueue(redis, `${queue}:absent`)).toEqual({ type: 'none', depth: 0 });
  });
});
