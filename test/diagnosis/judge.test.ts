import { describe, expect, it } from 'vitest';

import type { Finding, FindingCode } from '../../src/diagnosis/findings.js';
import { exitCodeFor } from '../../src/diagnosis/findings.js';
import { judge } from '../../src/diagnosis/judge.js';
import { backlog, database, NOW_MS, queueFacts, rqQueue, worker } from './facts.js';

function only(findings: Finding[], code: FindingCode): Finding {
  const found = findings.filter((f) => f.code === code);
  expect(found, JSON.stringify(findings, null, 2)).toHaveLength(1);
  return found[0]!;
}

function codes(findings: Finding[]): string[] {
  return findings.map((f) => `${f.severity}:${f.code}`);
}

describe('the incident: RQ workers on rq:queue:asr-queue, tasks on asr_chunk_queue', () => {
  const incident = database({
    queues: [backlog('asr_chunk_queue', 7, { oldestEnqueuedAt: NOW_MS - 185_000 })],
    foreign: [rqQueue('asr-queue', ['rq-a', 'rq-b'])],
  });

  it('is an error that names both keys, the backlog, its age and the RQ workers', () => {
    const findings = judge(incident);
    const backlogFinding = only(findings, 'BACKLOG_WITHOUT_WORKER');
    expect(backlogFinding.severity).toBe('error');
    expect(backlogFinding.message).toContain("'asr_chunk_queue' holds 7 tasks");
    expect(backlogFinding.message).toContain('waited 3 min');
    expect(backlogFinding.message).toContain("2 RQ workers on 'rq:queue:asr-queue'");
    expect(backlogFinding.message).toContain('rq-a (h2, pid 100, idle)');
    expect(backlogFinding.keys).toEqual(['asr_chunk_queue', 'rq:queue:asr-queue']);
    expect(exitCodeFor(findings)).toBe(1);
  });

  it('warns about the RQ queue whose name looks like ours, and says why RQ cannot help', () => {
    const foreign = only(judge(incident), 'FOREIGN_QUEUE_DIALECT');
    expect(foreign.severity).toBe('warning');
    expect(foreign.message).toContain("cannot consume plain JSON tasks from 'asr_chunk_queue'");
    expect(foreign.message).toContain("looks like 'asr_chunk_queue'");
  });

  it('is clean (exit 0) once our worker listens and the backlog is gone; RQ stays a warning', () => {
    const fixed = database({
      queues: [queueFacts('asr_chunk_queue', { workers: [worker('asr_chunk_queue', 'w1')] })],
      foreign: [rqQueue('asr-queue', ['rq-a', 'rq-b'])],
    });
    const findings = judge(fixed);
    expect(codes(findings)).toEqual(['warning:FOREIGN_QUEUE_DIALECT']);
    expect(exitCodeFor(findings)).toBe(0);
    expect(exitCodeFor(findings, true)).toBe(1);
  });
});

describe('workers on a misspelled key', () => {
  const facts = database({
    queues: [
      backlog('asr_chunk_queue', 4),
      queueFacts('asr_chunk_queu', {
        workers: [worker('asr_chunk_queu', 'w1')],
        similarBacklogs: [{ key: 'asr_chunk_queue', depth: 4, workers: 0 }],
      }),
    ],
  });

  it('names the key with the backlog as the likely intended one', () => {
    const findings = judge(facts);
    const other = only(findings, 'WORKERS_ON_OTHER_KEY');
    expect(other.severity).toBe('error');
    expect(other.message).toContain("1 worker (w1 (h1, pid 42)) listens on 'asr_chunk_queu'");
    expect(other.message).toContain("The likely intended key is 'asr_chunk_queue'");
    expect(other.keys).toEqual(['asr_chunk_queu', 'asr_chunk_queue']);
    expect(only(findings, 'BACKLOG_WITHOUT_WORKER').message).toContain(
      "1 asr-worker on 'asr_chunk_queu'",
    );
  });

  it('says nothing of a similar key that workers of ours already take', () => {
    const taken = database({
      queues: [
        queueFacts('asr_chunk_queue', { workers: [worker('asr_chunk_queue', 'w0')] }),
        queueFacts('asr_chunk_queu', {
          workers: [worker('asr_chunk_queu', 'w1')],
          similarBacklogs: [{ key: 'asr_chunk_queue', depth: 4, workers: 1 }],
        }),
      ],
    });
    expect(judge(taken)).toEqual([]);
  });
});

describe('the queue key', () => {
  it('suggests a worker on the Redis and database it looked at', () => {
    const onDefault = only(
      judge(database({ queues: [backlog('asr_chunk_queue', 2)] })),
      'BACKLOG_WITHOUT_WORKER',
    );
    expect(onDefault.message).toContain(
      "Start a worker on this key: asr-worker run --queue 'asr_chunk_queue'.",
    );

    const elsewhere = only(
      judge(
        database({
          redis: 'redis://:***@10.0.0.5:6379/7',
          queues: [backlog('asr_chunk_queue', 2)],
        }),
      ),
      'BACKLOG_WITHOUT_WORKER',
    );
    expect(elsewhere.message).toContain(
      "asr-worker run --redis 'redis://:***@10.0.0.5:6379/7' --queue 'asr_chunk_queue'.",
    );
  });

  it('growing with nobody listening says how many arrived while the doctor watched', () => {
    const growing = backlog('asr_chunk_queue', 10);
    growing.list.grewBy = 3;
    const finding = only(judge(database({ queues: [growing] })), 'BACKLOG_WITHOUT_WORKER');
    expect(finding.message).toContain('(3 more arrived during the sample)');
  });

  it('of the wrong type is an error that names the type', () => {
    const facts = database({
      queues: [
        queueFacts('asr_chunk_queue', {
          list: { key: 'asr_chunk_queue', type: 'stream', depth: 0, grewBy: 0 },
        }),
      ],
    });
    const finding = only(judge(facts), 'QUEUE_WRONG_TYPE');
    expect(finding.severity).toBe('error');
    expect(finding.message).toContain("'asr_chunk_queue' is a stream, not a list");
  });

  it('missing with nobody listening is a warning that points at a similar backlog', () => {
    const facts = database({
      queues: [
        queueFacts('asr_chunk_queue', {
          similarBacklogs: [{ key: 'asr-chunk-queue', depth: 9, workers: 0 }],
        }),
      ],
    });
    const finding = only(judge(facts), 'QUEUE_MISSING');
    expect(finding.severity).toBe('warning');
    expect(finding.message).toContain("'asr-chunk-queue' holds 9 tasks");
    expect(exitCodeFor(judge(facts))).toBe(0);
  });

  it('missing while workers listen is an empty queue: nothing to say', () => {
    const facts = database({
      queues: [queueFacts('asr_chunk_queue', { workers: [worker('asr_chunk_queue', 'w1')] })],
    });
    expect(judge(facts)).toEqual([]);
  });

  it('with an old head task while workers listen is a warning about capacity', () => {
    const facts = database({
      queues: [
        backlog('asr_chunk_queue', 50, {
          oldestEnqueuedAt: NOW_MS - 20 * 60_000,
          workers: [worker('asr_chunk_queue', 'w1')],
        }),
      ],
    });
    const finding = only(judge(facts), 'BACKLOG_OLD');
    expect(finding.message).toContain('has waited 20 min although 1 worker listens');
  });

  it('empty, with workers that never took a task in a long while, is a warning', () => {
    const idle = worker('asr_chunk_queue', 'w1', { tasksDone: 0, startedAt: NOW_MS - 3_600_000 });
    const busy = worker('asr_chunk_queue', 'w2', { tasksDone: 3, startedAt: NOW_MS - 3_600_000 });
    const idleFacts = database({ queues: [queueFacts('asr_chunk_queue', { workers: [idle] })] });
    expect(only(judge(idleFacts), 'WORKERS_IDLE').message).toContain('nobody seems to push');

    const mixed = database({ queues: [queueFacts('asr_chunk_queue', { workers: [idle, busy] })] });
    expect(judge(mixed)).toEqual([]);
  });
});

describe('leftovers', () => {
  const orphan = {
    key: '{asr_chunk_queue}:processing:gone',
    workerId: 'gone',
    depth: 2,
    workerAlive: false,
  };

  it("a dead worker's processing list is an error when no live worker will recover it", () => {
    const facts = database({ queues: [queueFacts('asr_chunk_queue', { processing: [orphan] })] });
    const finding = only(judge(facts), 'ORPHANED_PROCESSING');
    expect(finding.severity).toBe('error');
    expect(finding.message).toContain('2 tasks taken by 1 worker that no longer has a heartbeat');
    expect(finding.keys).toEqual([orphan.key]);
  });

  it('and a warning while live workers will move the tasks back', () => {
    const facts = database({
      queues: [
        queueFacts('asr_chunk_queue', {
          processing: [orphan, { ...orphan, key: 'alive', workerAlive: true }],
          workers: [worker('asr_chunk_queue', 'w1')],
        }),
      ],
    });
    const finding = only(judge(facts), 'ORPHANED_PROCESSING');
    expect(finding.severity).toBe('warning');
    expect(finding.keys).toEqual([orphan.key]);
  });

  it('dead letters are a warning with their growth and the newest reason', () => {
    const facts = database({
      queues: [
        queueFacts('asr_chunk_queue', {
          workers: [worker('asr_chunk_queue', 'w1')],
          dead: {
            key: '{asr_chunk_queue}:dead',
            type: 'list',
            depth: 5,
            grewBy: 2,
            newestReason: 'POISON: delivered 3 times',
          },
        }),
      ],
    });
    const finding = only(judge(facts), 'DEAD_LETTERS');
    expect(finding.severity).toBe('warning');
    expect(finding.message).toContain('5 tasks that could not be processed, 2 of them during');
    expect(finding.message).toContain('POISON: delivered 3 times');
  });
});

describe('results', () => {
  function withResults(depth: number, grewBy: number, subscribers?: number) {
    return database({
      queues: [
        queueFacts('asr_chunk_queue', {
          workers: [worker('asr_chunk_queue', 'w1', { results: 'res', channel: 'live' })],
        }),
      ],
      results: [{ key: 'res', type: 'list', depth, grewBy, workers: 1 }],
      channels: [{ name: 'live', ...(subscribers !== undefined && { subscribers }) }],
    });
  }

  it('a non-empty list that keeps growing is not being popped', () => {
    const finding = only(judge(withResults(30, 5, 0)), 'RESULTS_UNCONSUMED');
    expect(finding.severity).toBe('warning');
    expect(finding.message).toContain("'res' holds 30 results and grew by 5");
    expect(finding.message).toContain("Nobody is subscribed to 'live' either");
  });

  it('says when live subscribers may be the real consumers', () => {
    const finding = only(judge(withResults(30, 5, 2)), 'RESULTS_UNCONSUMED');
    expect(finding.message).toContain("'live' has 2 live subscribers");
  });

  it('a list that filled from empty or stands still while small is fine', () => {
    expect(judge(withResults(5, 5, 0))).toEqual([]);
    expect(judge(withResults(30, 0, 0))).toEqual([]);
  });

  it('a very long list is reported even without growth', () => {
    expect(codes(judge(withResults(5000, 0)))).toEqual(['warning:RESULTS_UNCONSUMED']);
  });
});

describe('foreign dialects', () => {
  it('an unrelated idle queue of another library is only a note', () => {
    const facts = database({
      queues: [queueFacts('asr_chunk_queue', { workers: [worker('asr_chunk_queue', 'w1')] })],
      foreign: [
        rqQueue('emails', ['rq-a']),
        { dialect: 'celery', name: 'celery', key: 'celery', depth: 3 },
      ],
    });
    const findings = judge(facts);
    expect(codes(findings)).toEqual(['info:FOREIGN_QUEUE_DIALECT', 'info:FOREIGN_QUEUE_DIALECT']);
    expect(findings[1]!.message).toContain('Celery does not register them in Redis');
    expect(exitCodeFor(findings)).toBe(0);
  });
});

it('orders findings errors first', () => {
  const facts = database({
    queues: [
      backlog('asr_chunk_queue', 1, {
        dead: { key: '{asr_chunk_queue}:dead', type: 'list', depth: 1, grewBy: 0 },
      }),
    ],
    foreign: [rqQueue('asr-queue', ['rq-a'])],
  });
  expect(codes(judge(facts))).toEqual([
    'error:BACKLOG_WITHOUT_WORKER',
    'warning:DEAD_LETTERS',
    'warning:FOREIGN_QUEUE_DIALECT',
  ]);
});
