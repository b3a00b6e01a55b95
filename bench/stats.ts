/**
 * The few statistics every figure of the benchmark goes through: a summary
 * of repeated runs (median with min and max) and percentiles of a sample.
 */

/** A figure measured in several runs: its median, with the spread. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** How many runs it summarises. */
  runs: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  for (const value of values) {
    if (!Number.isFinite(value)) throw new Error(`summarize: ${value} is not a finite figure`);
  }
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: percentile(sorted, 50),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    runs: sorted.length,
  };
}

/**
 * Percentile of an ascending sample, interpolated between the two nearest
 * ranks, so the median of an even sample is the mean of its middle pair.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile: empty sample');
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low]!;
  return lowValue + (sorted[high]! - lowValue) * (rank - low);
}

export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Milliseconds since `startMs` (a performance.now() reading). */
export function elapsedMs(startMs: number): number {
  return performance.now() - startMs;
}

/** Runs `work` and returns its result with how long it took, in ms. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: elapsedMs(start) };
}
