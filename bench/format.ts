/** How figures read in the markdown table and the chart. */
import path from 'node:path';

import type { Summary } from './stats.js';

/** Three significant figures, without exponent notation for everyday sizes. */
export function num(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** "median (min–max)". */
export function spread(summary: Summary, unit = ''): string {
  return `${num(summary.median)}${unit} (${num(summary.min)}–${num(summary.max)})`;
}

/** A model's file name: enough to tell the models of one report apart. */
export function modelName(modelPath: string): string {
  return path.basename(modelPath);
}

/** The file name without the usual ggml- prefix and .bin suffix, for tight labels. */
export function shortModelName(modelPath: string): string {
  return modelName(modelPath)
    .replace(/^ggml-/, '')
    .replace(/\.bin$/, '');
}
