/**
 * Descriptive statistics of one cell's samples, field-compatible with
 * tinybench 6's `Statistics` where the names overlap (sample sd with n − 1,
 * sem, rme with an exact t critical value, unscaled MAD, interpolated
 * percentiles).
 */

import { studentT975 } from "./distributions.js";
import { type OutlierCounts, tukeyOutliers } from "./outliers.js";
import { assertSamples, madSorted, percentileSorted, sortedCopy } from "./quantile.js";

export { studentT975 } from "./distributions.js";

/** Descriptive statistics of a sample. */
export interface Summary {
  n: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  p75: number;
  p99: number;
  /** Sample standard deviation (n − 1 denominator); 0 when n = 1. */
  sd: number;
  /** Standard error of the mean, sd / √n. */
  sem: number;
  /** Relative margin of error in percent: 100 · t_{0.975, n−1} · sem / |mean|; 0 when n < 2. */
  rme: number;
  /** Unscaled median absolute deviation from the median. */
  mad: number;
  /** Tukey outlier counts (criterion semantics). */
  outliers: OutlierCounts;
}

/** Descriptive statistics of `samples` (non-empty, finite); the input is not modified. */
export function summarize(samples: readonly number[]): Summary {
  assertSamples(samples);
  const sorted = sortedCopy(samples);
  const n = sorted.length;
  // Welford's algorithm for a numerically stable mean and variance.
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[i];
    const d = x - mean;
    mean += d / (i + 1);
    m2 += d * (x - mean);
  }
  const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
  const sem = sd / Math.sqrt(n);
  let rme = 0;
  if (n >= 2 && sem > 0)
    rme = mean === 0 ? Number.POSITIVE_INFINITY : (100 * studentT975(n - 1) * sem) / Math.abs(mean);
  return {
    n,
    min: sorted[0],
    max: sorted[n - 1],
    mean,
    median: percentileSorted(sorted, 0.5),
    p75: percentileSorted(sorted, 0.75),
    p99: percentileSorted(sorted, 0.99),
    sd,
    sem,
    rme,
    mad: madSorted(sorted),
    outliers: tukeyOutliers(sorted),
  };
}
