/**
 * The report's chart as plain SVG text: one panel per part, a bar per
 * figure at its median with a line from min to max. Written by hand
 * because four bar panels do not need a charting library.
 */
import { num, shortModelName } from './format.js';
import type { BenchReport } from './report-types.js';
import type { Summary } from './stats.js';

interface Bar {
  label: string;
  value: Summary;
}

interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
}

const WIDTH = 1000;
const LABEL_WIDTH = 440;
const VALUE_WIDTH = 110;
const BAR_HEIGHT = 18;
const BAR_GAP = 6;
const TITLE_HEIGHT = 34;
const PANEL_GAP = 18;

export function renderChart(report: BenchReport): string {
  const panels = chartPanels(report).filter((panel) => panel.bars.length > 0);
  let y = 10;
  const parts: string[] = [];
  for (const panel of panels) {
    parts.push(renderPanel(panel, y));
    y += panelHeight(panel) + PANEL_GAP;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}"`,
    ` font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function chartPanels(report: BenchReport): Panel[] {
  const engine: Bar[] = report.engine.flatMap((section) =>
    section.rows.map((row) => ({
      label: `${shortModelName(section.model)}: ${row.label}, ${row.states}×${row.threadsPerState}, ${row.window}`,
      value: row.audioSecondsPerSecond,
    })),
  );
  const queue: Bar[] = (report.queue?.payloads ?? []).flatMap((payload) => [
    { label: `${payload.payload}: worker (no-op engine)`, value: payload.tasksPerSecond.worker },
    { label: `${payload.payload}: bare BLPOP loop`, value: payload.tasksPerSecond.bareBlpop },
    { label: `${payload.payload}: bare BLMOVE loop`, value: payload.tasksPerSecond.bareBlmove },
  ]);
  const loop: Bar[] = report.eventLoop.flatMap((section) => [
    { label: `${shortModelName(section.model)}: p50`, value: section.delayMs.p50 },
    { label: `${shortModelName(section.model)}: p99`, value: section.delayMs.p99 },
    { label: `${shortModelName(section.model)}: max`, value: section.delayMs.max },
  ]);
  const memory: Bar[] = report.memory.flatMap((section) => [
    {
      label: `${shortModelName(section.model)}: model, one state`,
      value: section.modelWithOneStateMiB,
    },
    {
      label: `${shortModelName(section.model)}: each extra state`,
      value: section.perExtraStateMiB,
    },
  ]);
  return [
    { title: '1. Engine throughput (audio seconds per wall second)', unit: '', bars: engine },
    { title: '2. Queue throughput (tasks per second)', unit: '', bars: queue },
    { title: '3. Event-loop delay under full engine load (ms)', unit: ' ms', bars: loop },
    { title: '4. Resident memory (MiB)', unit: ' MiB', bars: memory },
  ];
}

function panelHeight(panel: Panel): number {
  return TITLE_HEIGHT + panel.bars.length * (BAR_HEIGHT + BAR_GAP);
}

function renderPanel(panel: Panel, top: number): string {
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const largest = Math.max(...panel.bars.map((bar) => bar.value.max), Number.MIN_VALUE);
  // Negative figures (a latency difference, say) are drawn from zero.
  const x = (value: number) => LABEL_WIDTH + (Math.max(0, value) / largest) * plotWidth;
  const lines = [
    `<text x="10" y="${top + 18}" font-size="14" font-weight="bold">${escape(panel.title)}</text>`,
  ];
  panel.bars.forEach((bar, index) => {
    const y = top + TITLE_HEIGHT + index * (BAR_HEIGHT + BAR_GAP);
    const mid = y + BAR_HEIGHT / 2;
    const { median, min, max } = bar.value;
    lines.push(
      `<text x="${LABEL_WIDTH - 8}" y="${mid + 4}" text-anchor="end">${escape(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${(x(median) - LABEL_WIDTH).toFixed(1)}"` +
        ` height="${BAR_HEIGHT}" fill="#4e79a7"/>`,
      `<line x1="${x(min).toFixed(1)}" x2="${x(max).toFixed(1)}" y1="${mid}" y2="${mid}"` +
        ` stroke="#222" stroke-width="1.5"/>`,
      `<text x="${(x(max) + 6).toFixed(1)}" y="${mid + 4}">${escape(num(median) + panel.unit)}</text>`,
    );
  });
  return lines.join('\n');
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
