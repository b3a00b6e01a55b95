/**
 * Runs `npm run bench` in its seconds-long smoke mode, as a user would, and
 * checks the report is whole: all four parts, every figure a finite number
 * with min ≤ median ≤ max, and the JSON, markdown and SVG files written.
 * No figure is held to a threshold: speed goals live in the benchmark, not
 * in tests. Needs redis-server (a private one is started), not a shared Redis.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BenchReport } from '../../bench/report-types.js';
import { PROJECT_ROOT } from '../support/fixtures.js';

const run = promisify(execFile);

interface SummaryLike {
  median: number;
  min: number;
  max: number;
  runs: number;
}

function isSummary(value: unknown): value is SummaryLike {
  return typeof value === 'object' && value !== null && 'median' in value && 'runs' in value;
}

/** Every median/min/max figure under `value`, with where it sits. */
function summariesIn(value: unknown, at = ''): [string, SummaryLike][] {
  if (isSummary(value)) return [[at, value]];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => summariesIn(child, `${at}.${key}`));
}

describe('npm run bench -- --smoke', () => {
  let outDir: string;
  let report: BenchReport;
  let markdown: string;

  beforeAll(async () => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'asr-bench-'));
    await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', outDir], {
      cwd: PROJECT_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    report = JSON.parse(readFileSync(path.join(outDir, 'results.json'), 'utf8')) as BenchReport;
    markdown = readFileSync(path.join(outDir, 'results.md'), 'utf8');
  }, 300_000);

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('measures all four parts', () => {
    expect(report.meta.mode).toBe('smoke');
    expect(report.engine.length).toBeGreaterThan(0);
    expect(report.engine[0]!.rows.map((row) => row.label)).toEqual(
      expect.arrayContaining([
        'addon',
        'whisper-cli, all chunks in one process',
        'whisper-cli, one process per chunk',
      ]),
    );
    expect(report.queue?.payloads).toHaveLength(2);
    expect(report.eventLoop.length).toBeGreaterThan(0);
    expect(report.memory.length).toBeGreaterThan(0);
  });

  it('gives every figure as a finite median within its min and max', () => {
    const sections = {
      engine: report.engine,
      queue: report.queue,
      eventLoop: report.eventLoop,
      memory: report.memory,
    };
    const summaries = summariesIn(sections);
    expect(summaries.length).toBeGreaterThan(40);
    for (const [at, summary] of summaries) {
      for (const figure of [summary.median, summary.min, summary.max]) {
        expect(Number.isFinite(figure), `${at} = ${figure}`).toBe(true);
      }
      expect(summary.min, at).toBeLessThanOrEqual(summary.median);
      expect(summary.median, at).toBeLessThanOrEqual(summary.max);
      expect(summary.runs, at).toBe(report.meta.runs);
    }
  });

  it('writes the markdown tables and the SVG chart', () => {
    for (const heading of [
      '### 1. Engine',
      '### 2. Queue',
      '### 3. Event-loop',
      '### 4. Resident',
    ]) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).not.toMatch(/NaN|Infinity|undefined/);
    const svg = readFileSync(path.join(outDir, 'results.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect /g)?.length).toBeGreaterThan(10);
  });
});
