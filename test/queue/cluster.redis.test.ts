/**
 * The worker on a real three-master Redis Cluster of its own (never the
 * shared Redis): tasks on the queue's slot, results on lists in other slots
 * on other nodes, so the publisher cannot use one MULTI and must order its
 * writes. Every result arrives exactly once, also when a publish stops
 * between its claim and its delivery.
 */
import { Cluster } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startWorker } from '../../src/cli/run-command.js';
import { resolveWorkerConfig } from '../../src/config.js';
import type { TaskResult } from '../../src/protocol/result.js';
import { ResultPublisher } from '../../src/publish/publisher.js';
import { QueueConsumer } from '../../src/queue/consumer.js';
import { queueKeys } from '../../src/queue/keys.js';
import { createRedisClient } from '../../src/queue/redis.js';
import type { Worker } from '../../src/worker/worker.js';
import { waitFor } from '../support/redis.js';
import { startCluster, type Topology } from '../support/redis-topologies.js';

const silent = pino({ level: 'silent' });
const TASKS = 200;
const REPLY_TASKS = 10;
const STATUS_TTL_MS = 600_000;
const AUDIO = Buffer.alloc(3200).toString('base64');
// The session list on a node of its own is set in beforeAll.
const SESSIONS = { channel: 'cluster-test-sessions', results: 'cluster-test-session-results' };

function task(taskId: string, extra: object = {}): string {
  return JSON.stringify({
    task_id: taskId,
    audio_b64: AUDIO,
    encoding: 'pcm_s16le',
    sample_rate: 16000,
    ...extra,
  });
}

function parse(items: string[]): TaskResult[] {
  return items.map((item) => JSON.parse(item) as TaskResult);
}

/** The port of the master that serves `key`'s slot. */
async function ownerOf(admin: Cluster, key: string): Promise<number> {
  const slot = (await admin.cluster('KEYSLOT', key)) as number;
  const range = (await admin.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to);
  if (!range?.[2]) throw new Error(`no node serves slot ${slot}`);
  return range[2][1];
}

/** A key named `prefix-<n>` whose slot lives on none of the `avoid` nodes. */
async function keyOnAnotherNode(admin: Cluster, prefix: string, avoid: number[]) {
  for (let n = 0; n < 1000; n++) {
    const key = `${prefix}-${n}`;
    if (!avoid.includes(await ownerOf(admin, key))) return key;
  }
  throw new Error(`no key for ${prefix} off nodes ${avoid.join(', ')}`);
}

describe('worker on a Redis Cluster', () => {
  let cluster: Topology;
  let admin: Cluster;
  let subscriber: Cluster;
  let worker: Worker;
  let stopWorker: (() => Promise<void>) | undefined;
  const queue = 'cluster-test-queue';
  const keys = queueKeys(queue);
  const channel = 'cluster-test-results';
  const published: string[] = [];
  let results: string;
  let replies: string;

  beforeAll(async () => {
    cluster = await startCluster();
    admin = createRedisClient(cluster.url, 'commands', silent) as Cluster;
    expect(admin).toBeInstanceOf(Cluster);

    // The queue on one node, the result list on a second, reply_to on the third.
    const queueNode = await ownerOf(admin, queue);
    results = await keyOnAnotherNode(admin, 'results', [queueNode]);
    replies = await keyOnAnotherNode(admin, 'replies', [queueNode, await ownerOf(admin, results)]);

    subscriber = createRedisClient(cluster.url, 'commands', silent) as Cluster;
    subscriber.on('message', (_channel: string, message: string) => published.push(message));
    await subscriber.subscribe(channel);

    const config = resolveWorkerConfig({
      redisUrl: cluster.url,
      engine: 'noop',
      queue,
      results,
      channel,
      sessionChannel: SESSIONS.channel,
      sessionResults: SESSIONS.results,
      workerId: 'cluster-worker',
      blockTimeoutMs: 300,
      heartbeatIntervalMs: 500,
      heartbeatTtlMs: 2000,
      redeliveryIntervalMs: 500,
      statusTtlMs: STATUS_TTL_MS,
    });
    ({ worker, stop: stopWorker } = await startWorker(config, silent));
  }, 120_000);

  afterAll(async () => {
    await stopWorker?.();
    subscriber?.disconnect();
    admin?.disconnect();
    await cluster?.stop();
  });

  it('answers every task exactly once, on lists in other slots', async () => {
    const started = Date.now();
    const ids = Array.from({ length: TASKS }, (_, i) => `t${i}`);
    const replyIds = new Set(ids.slice(0, REPLY_TASKS));
    await admin.rpush(
      queue,
      ...ids.map((id) => task(id, replyIds.has(id) ? { reply_to: replies } : {})),
    );

    await waitFor(
      'every result',
      async () => (await admin.llen(results)) + (await admin.llen(replies)) >= TASKS,
      60_000,
    );
    await waitFor('every publish', async () => published.length >= TASKS, 10_000);
    // Anything extra would arrive now.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const onResults = parse(await admin.lrange(results, 0, -1));
    const onReplies = parse(await admin.lrange(replies, 0, -1));
    expect(onResults).toHaveLength(TASKS - REPLY_TASKS);
    expect(onReplies).toHaveLength(REPLY_TASKS);
    expect(new Set(onReplies.map((r) => r.task_id))).toEqual(replyIds);
    expect(new Set([...onResults, ...onReplies].map((r) => r.task_id))).toEqual(new Set(ids));
    expect([...onResults, ...onReplies].every((r) => r.status === 'done')).toBe(true);
    expect(published).toHaveLength(TASKS);

    // Status keys, processing list, counts and markers share the queue's slot.
    const statuses = await admin.mget(...ids.map((id) => keys.status(id)));
    expect(statuses.map((s) => (s === null ? s : (JSON.parse(s) as TaskResult).status))).toEqual(
      ids.map(() => 'done'),
    );
    expect(await admin.llen(keys.processing(worker.workerId))).toBe(0);
    expect(await admin.hlen(keys.deliveries)).toBe(0);
    expect(await admin.exists(...ids.map((id) => keys.publishing(id)))).toBe(0);
    expect(worker.counts.done).toBe(TASKS);
    console.log(`cluster: ${TASKS} tasks answered in ${Date.now() - started} ms`);
  });

  it('finishes a publish that stopped after its claim, without answering twice', async () => {
    const [template] = parse(await admin.lrange(results, 0, 0));
    const crashed = (id: string): TaskResult => ({
      ...template!,
      task_id: id,
      worker_id: 'crashed-worker',
    });
    const repeatsBefore = worker.counts.repeats;

    // A publisher whose RPUSH fails: step (a), the claim, runs for real; (b)
    // and (c) never do, as if the worker died between them.
    const dying = new Proxy(admin, {
      get(target, property) {
        if (property === 'rpush') return () => Promise.reject(new Error('simulated crash'));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const dyingPublisher = new ResultPublisher({
      redis: dying,
      keys,
      consumer: new QueueConsumer({ redis: admin, keys, workerId: 'crashed-worker' }),
      results,
      channel,
      sessions: SESSIONS,
      withholdSuspectText: true,
      statusTtlMs: STATUS_TTL_MS,
    });
    const toResults = task('crash-1');
    const toReplies = task('crash-2', { reply_to: replies });
    await expect(dyingPublisher.publish(crashed('crash-1'), toResults)).rejects.toThrow(
      'simulated crash',
    );
    await expect(
      dyingPublisher.publish(crashed('crash-2'), toReplies, { replyTo: replies }),
    ).rejects.toThrow('simulated crash');
    expect(JSON.parse((await admin.get(keys.publishing('crash-1')))!)).toEqual({
      list: results,
      session: [],
    });
    expect(JSON.parse((await admin.get(keys.publishing('crash-2')))!)).toMatchObject({
      list: replies,
    });

    // A task that was answered in full before its worker died: no marker.
    await admin.set(keys.status('whole-1'), JSON.stringify(crashed('whole-1')), 'PX', 60_000);

    const resultsBefore = await admin.llen(results);
    const repliesBefore = await admin.llen(replies);
    // Redelivery, as recoverOrphans would do it.
    await admin.rpush(queue, toResults, toReplies, task('whole-1'));
    await waitFor('the repeats', async () => worker.counts.repeats >= repeatsBefore + 3, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const newResults = parse(await admin.lrange(results, resultsBefore, -1));
    const newReplies = parse(await admin.lrange(replies, repliesBefore, -1));
    // The stored result went out (not a new one), once, to the list it was meant for.
    expect(newResults.map((r) => [r.task_id, r.worker_id])).toEqual([
      ['crash-1', 'crashed-worker'],
    ]);
    expect(newReplies.map((r) => [r.task_id, r.worker_id])).toEqual([
      ['crash-2', 'crashed-worker'],
    ]);
    expect(await admin.exists(keys.publishing('crash-1'), keys.publishing('crash-2'))).toBe(0);
    expect(await admin.llen(keys.processing(worker.workerId))).toBe(0);
    expect(await admin.hlen(keys.deliveries)).toBe(0);

    // The same task once more: its publish is complete, so only acknowledged.
    await admin.rpush(queue, toResults);
    await waitFor('the repeat', async () => worker.counts.repeats >= repeatsBefore + 4, 20_000);
    expect(await admin.llen(results)).toBe(resultsBefore + 1);
  });

  it('lets the first final answer stand, and delivers a retried publish again', async () => {
    const consumer = new QueueConsumer({ redis: admin, keys, workerId: 'direct' });
    const publisher = new ResultPublisher({
      redis: admin,
      keys,
      consumer,
      results,
      channel,
      sessions: SESSIONS,
      withholdSuspectText: true,
      statusTtlMs: STATUS_TTL_MS,
    });
    const [template] = parse(await admin.lrange(results, 0, 0));
    const first = { ...template!, task_id: 'race-1', worker_id: 'first' };
    const second = { ...template!, task_id: 'race-1', worker_id: 'second' };
    const raw = task('race-1');
    const before = await admin.llen(results);

    await publisher.publish(first, raw);
    // Another worker's answer to the same task: the status key already holds a
    // final result, so this one is dropped (and its task only acknowledged).
    await publisher.publish(second, raw);
    const added = parse(await admin.lrange(results, before, -1));
    expect(added.map((r) => r.worker_id)).toEqual(['first']);
    expect((JSON.parse((await admin.get(keys.status('race-1')))!) as TaskResult).worker_id).toBe(
      'first',
    );
    expect(await admin.exists(keys.publishing('race-1'))).toBe(0);

    // The first publish retried (the worker retries a publish that threw): the
    // identical result wins its claim again and is delivered again, since the
    // earlier delivery may not have happened.
    await publisher.publish(first, raw);
    expect(await admin.llen(results)).toBe(before + 2);
  });

  it('assembles a session whose chunks finish out of order, once', async () => {
    const chunk = (index: number, extra: object = {}) =>
      task(`session-a-${index}`, { session_id: 'session-a', chunk_index: index, ...extra });
    // The final chunk first, then the others: the session completes on the last one.
    await admin.rpush(queue, chunk(2, { is_final: true }), chunk(0), chunk(1));
    await waitFor('the session', async () => (await admin.llen(SESSIONS.results)) >= 1, 20_000);

    // A repeat of a chunk after completion changes nothing.
    await admin.rpush(queue, chunk(1));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const terminal = (await admin.lrange(SESSIONS.results, 0, -1)).map(
      (item) => JSON.parse(item) as { type: string; chunks: number; audio_ms: number },
    );
    expect(terminal).toHaveLength(1);
    expect(terminal[0]).toMatchObject({ type: 'session_complete', chunks: 3, audio_ms: 300 });
    const status = JSON.parse((await admin.get(keys.sessionStatus('session-a')))!) as {
      type: string;
    };
    expect(status.type).toBe('session_complete');
    expect(await admin.zscore(keys.openSessions, 'session-a')).toBeNull();
  });

  it('tells a different task under an answered id so on its reply_to, on another node', async () => {
    await admin.rpush(queue, task('reused-1'));
    await waitFor('the first answer', async () =>
      (await admin.get(keys.status('reused-1')))?.includes('"done"'),
    );
    const before = await admin.llen(replies);
    await admin.rpush(queue, task('reused-1', { reply_to: replies, prompt: 'another task' }));

    await waitFor('the refusal', async () => (await admin.llen(replies)) > before, 10_000);
    const [refusal] = parse(await admin.lrange(replies, before, -1));
    expect(refusal).toMatchObject({ task_id: 'reused-1', error: { code: 'DUPLICATE_TASK_ID' } });
    expect((JSON.parse((await admin.get(keys.status('reused-1')))!) as TaskResult).status).toBe(
      'done',
    );
    expect(await admin.llen(keys.processing(worker.workerId))).toBe(0);
  });

  it('dead-letters an item that is not UTF-8 once, by its exact bytes', async () => {
    const binary = Buffer.from([0x80, 0x04, 0x95, ...Buffer.from('{"task_id":"z1"}'), 0xff]);
    await admin.rpush(queue, binary);
    await waitFor('the dead letter', async () => (await admin.llen(keys.dead)) >= 1, 10_000);
    await waitFor(
      'the processing list to empty',
      async () => {
        return (await admin.llen(keys.processing(worker.workerId))) === 0;
      },
      5_000,
    );
    const entry = JSON.parse((await admin.lindex(keys.dead, -1))!) as { raw: string };
    expect(Buffer.from(entry.raw, 'base64')).toEqual(binary);
  });
});
