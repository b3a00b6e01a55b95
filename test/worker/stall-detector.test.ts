/**
 * The stall detector's decisions on a fake clock and a scripted queue: no
 * Redis, no timers. Each check() is one look, as the interval would make it.
 */
import { describe, expect, it } from 'vitest';

import type { ListBacklog } from '../../src/diagnosis/similar-keys.js';
import type { QueueSample } from '../../src/health/queue-probe.js';
import {
  judgeOwnQueue,
  StallDetector,
  type Stall,
  type StallDetectorOptions,
} from '../../src/worker/stall-detector.js';
import { capturingLogger } from '../queue/fixture.js';

const QUEUE = 'asr_chunk_queue';
const THRESHOLDS = { stallAfterMs: 30_000, maxTaskWaitMs: 120_000, checkIntervalMs: 5_000 };

function harness(overrides: Partial<StallDetectorOptions> = {}) {
  let nowMs = 1_000_000;
  const lists = new Map<string, QueueSample>([[QUEUE, { type: 'none', depth: 0 }]]);
  const state = { freeSlots: 1, takingSinceMs: nowMs, backlogs: [] as ListBacklog[] };
  const changes: Array<Stall | undefined> = [];
  const { logger, lines } = capturingLogger();
  const detector = new StallDetector({
    queue: QUEUE,
    ...THRESHOLDS,
    repeatMs: 60_000,
    sample: async (key) => lists.get(key) ?? { type: 'none', depth: 0 },
    similarBacklogs: async () => state.backlogs,
    freeSlots: () => state.freeSlots,
    takingSinceMs: () => state.takingSinceMs,
    onChange: (stall) => changes.push(stall),
    logger,
    now: () => nowMs,
    ...overrides,
  });
  return {
    detector,
    lists,
    state,
    changes,
    errors: () => lines.filter((line) => line.level === 50),
    infos: () => lines.filter((line) => line.level === 30),
    advance: (ms: number) => (nowMs += ms),
    now: () => nowMs,
  };
}

describe('judgeOwnQueue', () => {
  const now = 500_000;
  const list = (depth: number, oldestEnqueuedAtMs?: number): QueueSample => ({
    type: 'list',
    depth,
    ...(oldestEnqueuedAtMs !== undefined && { oldestEnqueuedAtMs }),
  });

  it('is quiet on an empty queue, however long nothing was taken', () => {
    expect(judgeOwnQueue(QUEUE, list(0), 4, 0, now, THRESHOLDS)).toBeUndefined();
  });

  it('flags tasks waiting with a free slot and nothing taken for the threshold', () => {
    expect(judgeOwnQueue(QUEUE, list(7), 1, now - 30_000, now, THRESHOLDS)).toEqual({
      kind: 'not-taking',
      queue: QUEUE,
      depth: 7,
      idleMs: 30_000,
    });
    expect(judgeOwnQueue(QUEUE, list(7), 1, now - 29_999, now, THRESHOLDS)).toBeUndefined();
  });

  it('flags an old head task while a slot is free and nothing was taken for a check', () => {
    const idleSince = now - 5_000;
    expect(judgeOwnQueue(QUEUE, list(2, now - 120_000), 1, idleSince, now, THRESHOLDS)).toEqual({
      kind: 'task-waiting',
      queue: QUEUE,
      depth: 2,
      waitMs: 120_000,
    });
  });

  it('does not blame a worker that just started on, or is draining, an old backlog', () => {
    const oldBacklog = list(3, now - 200_000);
    expect(judgeOwnQueue(QUEUE, oldBacklog, 1, now, now, THRESHOLDS)).toBeUndefined();
    expect(judgeOwnQueue(QUEUE, oldBacklog, 1, now - 4_999, now, THRESHOLDS)).toBeUndefined();
  });

  it('flags a queue key that stopped being a list, busy or not', () => {
    for (const type of ['string', 'stream', 'hash']) {
      expect(judgeOwnQueue(QUEUE, { type, depth: 0 }, 0, now, now, THRESHOLDS)).toEqual({
        kind: 'wrong-type',
        queue: QUEUE,
        queueType: type,
        code: 'QUEUE_WRONG_TYPE',
      });
    }
  });

  it('never calls a worker busy on every slot stalled', () => {
    expect(judgeOwnQueue(QUEUE, list(9, 0), 0, 0, now, THRESHOLDS)).toBeUndefined();
  });
});

describe('StallDetector', () => {
  it('logs once when a stall starts, repeats slowly, and says when it ends', async () => {
    const h = harness();
    h.lists.set(QUEUE, { type: 'list', depth: 5 });

    await h.detector.check();
    expect(h.detector.stall).toBeUndefined();

    h.advance(30_000);
    await h.detector.check();
    expect(h.detector.stall?.kind).toBe('not-taking');
    expect(h.errors()).toHaveLength(1);
    expect(h.errors()[0]).toMatchObject({ stall: 'not-taking', queue: QUEUE, depth: 5 });
    expect(String(h.errors()[0]!.msg)).toContain(`queue '${QUEUE}' holds 5 tasks`);

    // Every check while it lasts, but logged again only after repeatMs.
    for (let i = 0; i < 5; i++) {
      h.advance(5_000);
      await h.detector.check();
    }
    expect(h.errors()).toHaveLength(1);
    h.advance(40_000);
    await h.detector.check();
    expect(h.errors()).toHaveLength(2);

    h.state.takingSinceMs = h.now();
    await h.detector.check();
    expect(h.detector.stall).toBeUndefined();
    expect(h.infos().map((line) => line.msg)).toContain('queue served again: ready');
    expect(h.changes.map((change) => change?.kind)).toEqual(['not-taking', undefined]);
  });

  it('reports a look-alike list with tasks nobody takes, naming both keys', async () => {
    const h = harness();
    const other = 'rq:queue:asr-queue';
    h.lists.set(other, { type: 'list', depth: 12, headId: 'a' });
    h.state.backlogs = [{ key: other, depth: 12 }];

    await h.detector.check();
    expect(h.detector.stall).toBeUndefined();
    h.advance(30_000);
    await h.detector.check();

    expect(h.detector.stall).toMatchObject({ kind: 'misrouted', backlogKey: other });
    const [error] = h.errors();
    expect(error).toMatchObject({ stall: 'misrouted', backlogKey: other, backlogDepth: 12 });
    expect(error!.msg).toBe(
      `listening on '${QUEUE}' (absent) while '${other}' holds 12 tasks nobody took ` +
        `for 30 s: producers may be pushing to '${other}'`,
    );

    // Our producers find us: the queue fills and is being served.
    h.lists.set(QUEUE, { type: 'list', depth: 3 });
    h.state.takingSinceMs = h.now();
    await h.detector.check();
    expect(h.detector.stall).toBeUndefined();
  });

  it('judges a look-alike backlog by the age of its head task, after one unchanged look', async () => {
    const h = harness();
    const other = 'asr-chunk-queue';
    h.lists.set(other, {
      type: 'list',
      depth: 3,
      headId: 'a',
      oldestEnqueuedAtMs: h.now() - 40_000,
    });
    h.state.backlogs = [{ key: other, depth: 3 }];

    await h.detector.check();
    expect(h.detector.stall).toBeUndefined();
    h.advance(5_000);
    await h.detector.check();

    expect(h.detector.stall).toMatchObject({
      kind: 'misrouted',
      backlogKey: other,
      untouchedMs: 45_000,
    });
  });

  it('finds a look-alike backlog pushed after start within half the threshold', async () => {
    const h = harness();
    const other = 'asr-chunk-queue';
    await h.detector.check();
    h.advance(1_000);

    h.lists.set(other, { type: 'list', depth: 2, headId: 'a', oldestEnqueuedAtMs: h.now() });
    h.state.backlogs = [{ key: other, depth: 2 }];
    const pushedAt = h.now();
    while (h.detector.stall === undefined) {
      h.advance(5_000);
      await h.detector.check();
    }

    // Rescans every 15 s, then 30 s of waiting, to the next check.
    expect(h.now() - pushedAt).toBeLessThanOrEqual(30_000 + 5_000);
    expect(h.detector.stall).toMatchObject({ kind: 'misrouted', backlogKey: other });
  });

  it('leaves a look-alike list alone while someone takes from it', async () => {
    const h = harness();
    const other = 'asr_chunk_queue_priority';
    h.state.backlogs = [{ key: other, depth: 4 }];
    for (let i = 0; i < 20; i++) {
      // A different head task at every look: that list is being served.
      h.lists.set(other, { type: 'list', depth: 4, headId: `head-${i}` });
      await h.detector.check();
      h.advance(5_000);
    }
    expect(h.detector.stall).toBeUndefined();
    expect(h.errors()).toEqual([]);

    // The same list left untouched for the threshold is a backlog.
    for (let i = 0; i < 7; i++) {
      await h.detector.check();
      h.advance(5_000);
    }
    expect(h.detector.stall).toMatchObject({ kind: 'misrouted', backlogKey: other });
  });

  it('keeps its verdict, and does not throw, when a look at Redis fails', async () => {
    let redisUp = true;
    const lists = new Map<string, QueueSample>([[QUEUE, { type: 'list', depth: 5 }]]);
    const h = harness({
      sample: async (key) => {
        if (!redisUp) throw new Error('connection lost');
        return lists.get(key)!;
      },
    });
    h.advance(30_000);
    await h.detector.check();
    expect(h.detector.stall?.kind).toBe('not-taking');

    redisUp = false;
    h.state.takingSinceMs = h.now();
    await expect(h.detector.check()).resolves.toBeUndefined();
    expect(h.detector.stall?.kind).toBe('not-taking');
    expect(h.changes).toHaveLength(1);
  });
});
