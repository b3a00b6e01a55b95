import { describe, expect, it } from 'vitest';

import { WorkerMetrics } from '../../src/health/metrics.js';

const identity = { queue: 'q', model: 'noop', backend: 'none', version: '0.0.0' };

function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('WorkerMetrics', () => {
  it('keeps each worker’s counts apart', async () => {
    const a = new WorkerMetrics(identity);
    const b = new WorkerMetrics(identity);
    a.failed('TIMEOUT');
    a.failed('TIMEOUT');
    b.failed('TIMEOUT');
    const series = 'asr_worker_tasks_total{status="failed",code="TIMEOUT"}';
    expect(valueOf(await a.text(), series)).toBe(2);
    expect(valueOf(await b.text(), series)).toBe(1);
  });

  it('shows the queue depth and the head task’s age, NaN when unknown', async () => {
    const metrics = new WorkerMetrics(identity);
    metrics.queueSampled(3, 12.5);
    let text = await metrics.text();
    expect(valueOf(text, 'asr_worker_queue_depth')).toBe(3);
    expect(valueOf(text, 'asr_worker_oldest_task_age_seconds')).toBe(12.5);

    metrics.queueSampled(2, undefined);
    text = await metrics.text();
    expect(valueOf(text, 'asr_worker_oldest_task_age_seconds')).toBeNaN();
    metrics.queueSampled(0, undefined);
    expect(valueOf(await metrics.text(), 'asr_worker_oldest_task_age_seconds')).toBe(0);
  });

  it('derives the real-time factor from decode and audio seconds', async () => {
    const metrics = new WorkerMetrics(identity);
    metrics.done({ audioSeconds: 10, decodeSeconds: 0.5 });
    const text = await metrics.text();
    expect(valueOf(text, 'asr_worker_real_time_factor_sum')).toBeCloseTo(0.05, 9);
    expect(valueOf(text, 'asr_worker_queue_wait_seconds_count')).toBe(0);
    expect(valueOf(text, 'asr_worker_audio_seconds_total')).toBe(10);
  });

  it('counts expired tasks apart from failures', async () => {
    const metrics = new WorkerMetrics(identity);
    metrics.expired(7);
    const text = await metrics.text();
    expect(valueOf(text, 'asr_worker_tasks_total{status="expired",code=""}')).toBe(1);
    expect(text).not.toContain('status="failed"');
    expect(valueOf(text, 'asr_worker_queue_wait_seconds_count')).toBe(1);
  });

  it('counts chunks answered without decoding as done, but not as audio decoded', async () => {
    const metrics = new WorkerMetrics(identity);
    metrics.done({ audioSeconds: 10, decodeSeconds: 0.5 });
    metrics.done({ audioSeconds: 4, decodeSeconds: 0, skipped: true });
    const text = await metrics.text();
    expect(valueOf(text, 'asr_worker_tasks_total{status="done",code=""}')).toBe(2);
    expect(valueOf(text, 'asr_worker_audio_seconds_total')).toBe(10);
    expect(valueOf(text, 'asr_worker_real_time_factor_count')).toBe(1);
    expect(valueOf(text, 'asr_worker_decode_seconds_count')).toBe(1);
  });
});
