import { describe, expect, it } from 'vitest';

import { FINDING_CODES } from '../../src/diagnosis/findings.js';
import { renderText } from '../../src/diagnosis/render-text.js';
import { buildReport } from '../../src/diagnosis/report.js';
import { parseHeartbeat } from '../../src/diagnosis/workers.js';
import { backlog, database, queueFacts, rqQueue, worker } from './facts.js';

const incident = database({
  queues: [backlog('asr_chunk_queue', 7)],
  foreign: [rqQueue('asr-queue', ['rq-a'])],
});

describe('the JSON report', () => {
  it('has a stable shape: version, verdict, summary, findings and the facts', () => {
    const report = JSON.parse(JSON.stringify(buildReport(incident))) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual([
      'version',
      'ok',
      'exitCode',
      'strict',
      'summary',
      'findings',
      'facts',
    ]);
    expect(report).toMatchObject({
      version: 1,
      ok: false,
      exitCode: 1,
      strict: false,
      summary: { errors: 1, warnings: 1, infos: 0 },
      facts: { configuredQueue: 'asr_chunk_queue', redis: 'redis://127.0.0.1:6379' },
    });
    for (const finding of report.findings as Array<Record<string, unknown>>) {
      expect(Object.keys(finding).sort()).toEqual(['code', 'keys', 'message', 'severity']);
      expect(FINDING_CODES).toContain(finding.code);
    }
  });

  it('calls dead letters dead-lettered tasks, not dead workers', () => {
    const queue = backlog('asr_chunk_queue', 0, {
      dead: { key: '{asr_chunk_queue}:dead', type: 'list', depth: 10, grewBy: 0 },
    });
    const text = renderText(buildReport(database({ queues: [queue] })));
    expect(text).toContain('0 live workers, 10 dead-lettered tasks');
  });

  it('under --strict, warnings fail too', () => {
    const warningsOnly = database({ foreign: [rqQueue('asr-queue', ['rq-a'])] });
    expect(buildReport(warningsOnly).exitCode).toBe(0);
    expect(buildReport(warningsOnly, true)).toMatchObject({ ok: false, exitCode: 1 });
  });
});

describe('the text report', () => {
  it('shows what was found, the verdict, and each finding with its code', () => {
    const text = renderText(buildReport(incident));
    expect(text).toContain("queue 'asr_chunk_queue', lists watched for 2.0 s");
    expect(text).toContain('asr_chunk_queue: 7 tasks; 0 live workers');
    expect(text).toContain("RQ 'asr-queue' (rq:queue:asr-queue): 0 jobs, 1 worker");
    expect(text).toContain('Something is wrong (1 error, 1 warning, 0 notes):');
    expect(text).toMatch(/^ERROR BACKLOG_WITHOUT_WORKER$/m);
    expect(text).toMatch(/^WARNING FOREIGN_QUEUE_DIALECT$/m);
    const messageLines = text.split('\n').filter((line) => line.startsWith('    '));
    expect(messageLines.length).toBeGreaterThan(2);
    for (const line of messageLines) expect(line.length).toBeLessThanOrEqual(88);
  });

  it('says all clear when there is nothing to report', () => {
    const listening = database({
      queues: [queueFacts('asr_chunk_queue', { workers: [worker('asr_chunk_queue', 'w1')] })],
    });
    const text = renderText(buildReport(listening));
    expect(text).toContain('asr_chunk_queue: absent (empty); 1 live worker');
    expect(text).toContain('All clear: nothing to report.');
  });
});

describe('heartbeats', () => {
  const key = '{asr_chunk_queue}:worker:host-1-abc';

  it('reads the fields that are there, with the right types, and drops the rest', () => {
    const value = JSON.stringify({
      queue: 'asr_chunk_queue',
      pid: 1,
      host: 'h',
      tasks_done: 'many',
      results: 'r',
      started_at: 5,
    });
    expect(parseHeartbeat(key, value)).toEqual({
      key,
      workerId: 'host-1-abc',
      queue: 'asr_chunk_queue',
      pid: 1,
      host: 'h',
      results: 'r',
      startedAt: 5,
    });
  });

  it('is not a heartbeat without a queue, with another queue, or not JSON', () => {
    expect(parseHeartbeat(key, JSON.stringify({ pid: 1 }))).toBeUndefined();
    expect(parseHeartbeat(key, JSON.stringify({ queue: 'other' }))).toBeUndefined();
    expect(parseHeartbeat(key, 'not json')).toBeUndefined();
    expect(parseHeartbeat(key, 'null')).toBeUndefined();
    expect(parseHeartbeat(key, null)).toBeUndefined();
  });
});
