/**
 * The inspection against a real Redis: what each module reads from keys laid
 * out as our workers, RQ, Celery and BullMQ leave them, on a private server
 * (the doctor reads whole databases) and on a three-master Cluster, where
 * the keys sit on different nodes.
 */
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startPrivateRedis, type PrivateRedis } from '../../src/cli/private-redis.js';
import type { DoctorFacts } from '../../src/diagnosis/facts.js';
import { inspectDatabase } from '../../src/diagnosis/inspect.js';
import { queueKeys } from '../../src/queue/keys.js';
import { createRedisClient, type RedisClient } from '../../src/queue/redis.js';
import { startCluster, type Topology } from '../support/redis-topologies.js';

const silent = pino({ level: 'silent' });
const ENQUEUED_AT = 1_700_000_000_000;

function options(sampleMs = 0) {
  return {
    redis: 'test',
    queue: 'jobs_q',
    results: 'asr_result_queue',
    channel: 'asr_results',
    sampleMs,
  };
}

async function heartbeat(redis: RedisClient, queue: string, id: string, extra: object = {}) {
  const info = { queue, pid: 7, host: 'h', ...extra };
  await redis.set(queueKeys(queue).heartbeat(id), JSON.stringify(info), 'PX', 60_000);
}

describe('on a standalone Redis', () => {
  let server: PrivateRedis;
  let redis: RedisClient;
  let facts: DoctorFacts;

  beforeAll(async () => {
    server = await startPrivateRedis();
    redis = createRedisClient(server.url, 'commands', silent);
    const keys = queueKeys('jobs_q');

    // Ours: a backlog, a live worker with a busy processing list, a dead
    // worker's processing list, dead letters, and a queue known only by its
    // dead letters.
    await redis.rpush('jobs_q', JSON.stringify({ task_id: 'a', enqueued_at: ENQUEUED_AT }), '{}');
    await heartbeat(redis, 'jobs_q', 'w1', { results: 'res_list', channel: 'live' });
    await redis.rpush(keys.processing('w1'), 'taken');
    await redis.rpush(keys.processing('gone'), 'x', 'y');
    await redis.rpush(keys.dead, JSON.stringify({ reason: 'POISON', message: 'three times' }));
    await redis.rpush(queueKeys('old_q').dead, '{}');
    await redis.rpush('jobs-q', 'lookalike backlog');
    await redis.set('{other}:worker:not-ours', 'not json');
    await redis.rpush('res_list', 'r1');

    // RQ: one live worker on two queues, one stale registration.
    await redis.hset('rq:worker:rq1', { queues: 'default,emails', hostname: 'py', pid: '9' });
    await redis.sadd('rq:workers', 'rq:worker:rq1', 'rq:worker:vanished');
    await redis.rpush('rq:queue:default', 'job-id');
    // Celery: the default queue bound, and a remote-control binding that is no queue.
    await redis.sadd('_kombu.binding.celery', 'celery\x06\x16\x06\x16celery');
    await redis.sadd('_kombu.binding.celery.pidbox', '\x06\x16\x06\x16w@h.celery.pidbox');
    await redis.rpush('celery', 'm1', 'm2');
    // BullMQ: a queue with waiting jobs and a job hash, and one worker connection.
    await redis.rpush('bull:mail:wait', '1', '2', '3');
    await redis.hset('bull:mail:meta', { opts: '{}' });
    await redis.hset('bull:mail:1', { data: '{}' });
    const bullWorker = new Redis(server.url);
    await bullWorker.client('SETNAME', `bull:${Buffer.from('mail').toString('base64')}`);

    const sampling = inspectDatabase(redis, options(400));
    setTimeout(() => void redis.rpush('res_list', 'r2', 'r3'), 100);
    facts = await sampling;
    bullWorker.disconnect();
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('finds our queues: the configured one first, then by workers and leftovers', () => {
    expect(facts.queues.map((q) => q.list.key)).toEqual(['jobs_q', 'old_q']);
    const [jobs] = facts.queues;
    expect(jobs!.list).toMatchObject({ type: 'list', depth: 2 });
    expect(jobs!.oldestEnqueuedAt).toBe(ENQUEUED_AT);
    expect(jobs!.workers.map((w) => w.workerId)).toEqual(['w1']);
    expect(jobs!.processing).toEqual([
      { key: '{jobs_q}:processing:gone', workerId: 'gone', depth: 2, workerAlive: false },
      { key: '{jobs_q}:processing:w1', workerId: 'w1', depth: 1, workerAlive: true },
    ]);
    expect(jobs!.dead).toMatchObject({ depth: 1, newestReason: 'POISON: three times' });
    expect(jobs!.similarBacklogs).toEqual([{ key: 'jobs-q', depth: 1, workers: 0 }]);
  });

  it('watches the result lists the workers name, and asks who listens on the channels', () => {
    expect(facts.results).toEqual([
      { key: 'asr_result_queue', type: 'none', depth: 0, grewBy: 0, workers: 0 },
      { key: 'res_list', type: 'list', depth: 3, grewBy: 2, workers: 1 },
    ]);
    expect(facts.channels).toEqual([
      { name: 'asr_results', subscribers: 0 },
      { name: 'live', subscribers: 0 },
    ]);
    expect(facts.sampleMs).toBeGreaterThanOrEqual(400);
  });

  it('finds RQ, Celery and BullMQ queues with their depths and workers', () => {
    expect(facts.foreign).toEqual([
      {
        dialect: 'rq',
        name: 'default',
        key: 'rq:queue:default',
        depth: 1,
        workers: [{ name: 'rq1', host: 'py', pid: 9 }],
      },
      {
        dialect: 'rq',
        name: 'emails',
        key: 'rq:queue:emails',
        depth: 0,
        workers: [{ name: 'rq1', host: 'py', pid: 9 }],
      },
      { dialect: 'celery', name: 'celery', key: 'celery', depth: 2 },
      {
        dialect: 'bullmq',
        name: 'mail',
        key: 'bull:mail:wait',
        depth: 3,
        workers: [{ name: 'bull:bWFpbA==', host: expect.stringContaining('127.0.0.1:') }],
      },
    ]);
  });
});

describe('on a Redis Cluster', () => {
  let cluster: Topology;
  let redis: RedisClient;

  beforeAll(async () => {
    cluster = await startCluster();
    redis = createRedisClient(cluster.url, 'commands', silent);
  });

  afterAll(async () => {
    redis?.disconnect();
    await cluster?.stop();
  });

  it('reads heartbeats, backlogs and RQ workers from every master', async () => {
    // Names chosen to hash to different slots, so different masters hold them.
    await heartbeat(redis, 'asr_chunk_queu', 'w1');
    await heartbeat(redis, 'other_queue', 'w2');
    await redis.rpush('asr_chunk_queue', JSON.stringify({ task_id: 't' }));
    await redis.hset('rq:worker:a', { queues: 'asr-queue' });
    await redis.hset('rq:worker:b', { queues: 'asr-queue' });

    const facts = await inspectDatabase(redis, { ...options(), queue: 'asr_chunk_queue' });
    const byKey = new Map(facts.queues.map((q) => [q.list.key, q]));
    expect([...byKey.keys()]).toEqual(['asr_chunk_queue', 'asr_chunk_queu', 'other_queue']);
    expect(byKey.get('asr_chunk_queue')!.list.depth).toBe(1);
    expect(byKey.get('asr_chunk_queu')!.similarBacklogs).toEqual([
      { key: 'asr_chunk_queue', depth: 1, workers: 0 },
    ]);
    expect(facts.foreign).toMatchObject([
      { dialect: 'rq', name: 'asr-queue', workers: [{ name: 'a' }, { name: 'b' }] },
    ]);
  });
});
