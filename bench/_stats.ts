/** Percentiles of samples. */

/** The median, 99th percentile, mean and minimum of some samples. */
export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
}

/**
 * Summarizes samples (nearest-rank percentiles).
 *
 * @example
 * ```ts
 * import { summarize } from "./_stats.ts";
 * console.log(summarize([3, 1, 2]).p50); // 2
 * ```
 */
export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    n: sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    min: sorted[0],
  };
}

/**
 * Rounds to `digits` decimals, for figures in JSON and tables.
 *
 * @example
 * ```ts
 * import { round } from "./_stats.ts";
 * console.log(round(3.14159, 3)); // 3.142
 * ```
 */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The median and 99th percentile of some samples. */
export interface Percentiles {
  p50: number;
  p99: number;
}

/**
 * `s`'s median and 99th percentile, rounded to `digits` decimals.
 *
 * @example
 * ```ts
 * import { percentiles, summarize } from "./_stats.ts";
 * console.log(percentiles(summarize([1.234, 2.345]), 1)); // { p50: 2.3, p99: 2.3 }
 * ```
 */
export function percentiles(s: Summary, digits = 2): Percentiles {
  return { p50: round(s.p50, digits), p99: round(s.p99, digits) };
}
