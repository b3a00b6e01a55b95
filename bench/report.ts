/**
 * Writes a run's report three ways: results.json (every figure with its
 * median, min, max and run count), results.md (the tables) and
 * results.svg (the chart).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { renderChart } from './chart.js';
import { modelName, num, spread } from './format.js';
import type { BenchReport } from './report-types.js';

export interface WrittenReport {
  json: string;
  markdown: string;
  svg: string;
}

export function writeReport(outDir: string, report: BenchReport): WrittenReport {
  mkdirSync(outDir, { recursive: true });
  const files = {
    json: path.join(outDir, 'results.json'),
    markdown: path.join(outDir, 'results.md'),
    svg: path.join(outDir, 'results.svg'),
  };
  writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files.markdown, renderMarkdown(report));
  writeFileSync(files.svg, renderChart(report));
  return files;
}

export function renderMarkdown(report: BenchReport): string {
  return [
    header(report),
    engineTables(report),
    queueTables(report),
    eventLoopTable(report),
    memoryTable(report),
  ]
    .filter((section) => section.length > 0)
    .join('\n');
}

function header({ meta }: BenchReport): string {
  return lines(
    `Measured ${meta.startedAt} in ${Math.round(meta.durationSeconds)} s (${meta.mode} mode, ` +
      `${meta.runs} runs per figure): ${meta.host.cpu}, ${meta.host.cores} cores, ` +
      `${meta.host.memoryGiB} GiB; Node ${meta.node}; whisper.cpp ${meta.whisper}, ` +
      `${meta.backend} backend. Load average ${num(meta.loadAverage.before)} before, ` +
      `${num(meta.loadAverage.after)} after. Figures: median (min–max).`,
  );
}

function engineTables(report: BenchReport): string {
  return report.engine
    .map((section) => {
      const rows = section.rows.map((row) =>
        cells(
          row.label + (row.includesLoad ? '' : ', model resident'),
          `${row.states} × ${row.threadsPerState}`,
          row.window,
          spread(row.audioSecondsPerSecond),
          spread(row.realTimeFactor),
        ),
      );
      const { ratios } = section;
      const ratio = (label: string, value: typeof ratios.vsCliOneProcess, goal: string) =>
        cells(label, spread(value, '×'), goal);
      return lines(
        `### 1. Engine throughput: ${modelName(section.model)}`,
        '',
        `${section.chunkCount} real-speech chunks, ${num(section.audioSeconds)} s of audio in all.`,
        '',
        cells('engine', 'states × threads', 'window', 'audio s per wall s', 'real-time factor'),
        cells('---', '---', '---', '---:', '---:'),
        ...rows,
        '',
        cells('comparison (pair by pair within each run)', 'ratio', 'goal'),
        cells('---', '---:', '---'),
        ratio(
          'whisper-cli all chunks in one process ÷ addon load + all chunks',
          ratios.vsCliOneProcess,
          '≥ 0.95× (within 5%)',
        ),
        ratio(
          'whisper-cli one process per chunk ÷ addon (model resident)',
          ratios.vsCliPerChunk,
          'several ×',
        ),
        ratio(
          "whisper-cli one process per chunk ÷ addon (model resident, 'auto' window)",
          ratios.vsCliPerChunkAuto,
          'several ×',
        ),
        ratio("full window ÷ 'auto' window, all chunks", ratios.autoVsFullAll, ''),
        ...(ratios.autoVsFull2s
          ? [
              ratio(
                "full window ÷ 'auto' window, 2 s chunks",
                ratios.autoVsFull2s,
                '≥ 8× on tiny.en',
              ),
            ]
          : []),
        '',
        `Transcript length over all chunks (last run): ${section.transcriptChars.full} characters ` +
          `with the full window, ${section.transcriptChars.auto} with 'auto'.`,
        '',
        `Model load: ${section.loadMs.map((load) => `${spread(load.ms, ' ms')} with ${load.states} state(s)`).join('; ')}.`,
      );
    })
    .join('\n');
}

function queueTables({ queue }: BenchReport): string {
  if (!queue) return '';
  const rates = queue.payloads.map((p) =>
    cells(
      p.payload,
      num(p.taskBytes),
      spread(p.tasksPerSecond.worker),
      spread(p.tasksPerSecond.bareBlpop),
      spread(p.tasksPerSecond.bareBlmove),
      spread(p.workerVsBlpop, '×'),
      spread(p.workerVsBlmove, '×'),
      spread(p.workerCommandsPerTask),
    ),
  );
  const latency = queue.payloads.map((p) =>
    cells(
      p.payload,
      spread(p.latencyMs.worker.p50),
      spread(p.latencyMs.worker.p99),
      spread(p.latencyMs.bareEcho.p50),
      spread(p.latencyMs.bareEcho.p99),
      spread(p.latencyMs.added.p50),
      spread(p.latencyMs.added.p99),
    ),
  );
  return lines(
    `### 2. Queue overhead (no-op engine, private Redis ${queue.redisVersion} on loopback)`,
    '',
    cells(
      'payload',
      'task bytes',
      'worker tasks/s',
      'bare BLPOP tasks/s',
      'bare BLMOVE tasks/s',
      'worker ÷ BLPOP (goal ≥ 0.5×)',
      'worker ÷ BLMOVE',
      'Redis commands per task',
    ),
    cells('---', '---:', '---:', '---:', '---:', '---:', '---:', '---:'),
    ...rates,
    '',
    'Round trip of one task at a time (push, block on the reply), ms:',
    '',
    cells(
      'payload',
      'worker p50',
      'worker p99',
      'bare echo p50',
      'bare echo p99',
      'added p50',
      'added p99',
    ),
    cells('---', '---:', '---:', '---:', '---:', '---:', '---:'),
    ...latency,
  );
}

function eventLoopTable({ eventLoop }: BenchReport): string {
  if (eventLoop.length === 0) return '';
  return lines(
    '### 3. Event-loop delay with every decoding state busy (ms)',
    '',
    cells('model', 'states', 'decodes per run', 'p50', 'p99 (goal < 10 ms)', 'max'),
    cells('---', '---:', '---:', '---:', '---:', '---:'),
    ...eventLoop.map((s) =>
      cells(
        modelName(s.model),
        String(s.states),
        spread(s.decodesPerRun),
        spread(s.delayMs.p50),
        spread(s.delayMs.p99),
        spread(s.delayMs.max),
      ),
    ),
  );
}

function memoryTable({ memory }: BenchReport): string {
  if (memory.length === 0) return '';
  return lines(
    '### 4. Resident memory (MiB)',
    '',
    cells(
      'model',
      'after load',
      'one state, after decoding',
      'each extra state',
      'GPU, one state',
      'GPU, each extra state',
    ),
    cells('---', '---:', '---:', '---:', '---:', '---:'),
    ...memory.map((s) =>
      cells(
        modelName(s.model),
        spread(s.modelLoadedMiB),
        spread(s.modelWithOneStateMiB),
        `${spread(s.perExtraStateMiB)} (1 vs ${s.comparedStates})`,
        s.gpu ? spread(s.gpu.oneStateMiB) : `n/a (${s.backend})`,
        s.gpu ? spread(s.gpu.perExtraStateMiB) : `n/a (${s.backend})`,
      ),
    ),
  );
}

function cells(...values: string[]): string {
  return `| ${values.join(' | ')} |`;
}

function lines(...values: string[]): string {
  return `${values.join('\n')}\n`;
}
