/**
 * A/B comparison of two cells with benchstat's semantics (median ratio,
 * Mann–Whitney U, `~` when not significant), plus the pieces benchstat
 * lacks: a bootstrap CI on the ratio, a CI on the geomean across cells,
 * Holm–Bonferroni adjustment, and the A/A false-positive rate.
 */

import {
  type BootstrapOptions,
  type Estimate,
  percentileInterval,
  ratioCI,
  resampledMedian,
  resolveBootstrapOptions,
} from "./bootstrap.js";
import { mannWhitneyU, minAchievableP, minSamplesForAlpha, type UTestMethod } from "./mannwhitney.js";
import { assertSamples, median } from "./quantile.js";
import { createRng } from "./rng.js";

/** Options of compare(). */
export interface CompareOptions extends BootstrapOptions {
  /** Significance level of the U test (default 0.05, as benchstat). */
  alpha?: number;
  /**
   * Practical-significance threshold as a fraction (criterion's noise threshold, e.g. 0.02).
   * When > 0, `significant` also requires the ratio CI to lie wholly outside [1 − t, 1 + t]. Default 0.
   */
  noiseThreshold?: number;
  /** Samples per side below which a "9+ recommended" warning is added (Google Benchmark compare.py; default 9). */
  recommendedSamples?: number;
}

/** Result of compare(). */
export interface Comparison {
  /** median(other) / median(base). */
  ratio: number;
  /** Bootstrap CI of the ratio (independent resampling of both groups). */
  ci: { lower: number; upper: number };
  /** Two-sided Mann–Whitney U p-value. */
  p: number;
  /** The smaller U statistic. */
  u: number;
  /** How p was computed. */
  method: UTestMethod;
  /** p ≤ alpha (benchstat's rule), and the CI clears the noise threshold when one is set. */
  significant: boolean;
  /** benchstat's mark: "~" when not significant, "" otherwise. */
  mark: "~" | "";
  /** Percent change, 100 · (ratio − 1); e.g. −52.74 for a ratio of 0.4726. */
  delta: number;
  /** Sample counts [base, other]. */
  n: [number, number];
  warnings: string[];
}

/** Default significance level. */
export const DEFAULT_ALPHA = 0.05;

/** Compares `other` against `base`: median ratio with bootstrap CI, U-test p-value, benchstat-style mark and warnings. */
export function compare(base: readonly number[], other: readonly number[], opts: CompareOptions): Comparison {
  assertSamples(base, "base");
  assertSamples(other, "other");
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  const threshold = opts.noiseThreshold ?? 0;
  const recommended = opts.recommendedSamples ?? 9;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(threshold >= 0)) throw new RangeError(`noiseThreshold must be ≥ 0, got ${threshold}`);
  const r = ratioCI(base, other, opts);
  const test = mannWhitneyU(base, other);
  const clearsNoise = threshold === 0 || r.lower > 1 + threshold || r.upper < 1 - threshold;
  const significant = test.p <= alpha && clearsNoise;
  const nb = base.length;
  const no = other.length;
  const warnings: string[] = [];
  if (test.method === "all-equal") warnings.push("all samples are equal");
  if (minAchievableP(nb, no) > alpha) {
    warnings.push(`need >= ${minSamplesForAlpha(alpha)} samples to detect a difference at alpha level ${alpha}`);
  }
  if (Math.min(nb, no) < recommended) {
    warnings.push(`results unreliable: ${recommended}+ samples per side recommended (n=${nb}, ${no})`);
  }
  return {
    ratio: r.estimate,
    ci: { lower: r.lower, upper: r.upper },
    p: test.p,
    u: test.u,
    method: test.method,
    significant,
    mark: significant ? "" : "~",
    delta: 100 * (r.estimate - 1),
    n: [nb, no],
    warnings,
  };
}

/** One cell of a sweep: the base and other samples measured under the same key. */
export interface CellSamples {
  base: readonly number[];
  other: readonly number[];
}

/** Geometric mean of per-cell median ratios (other/base), with a bootstrap CI that resamples both groups of every cell in each replicate. */
export function geomeanRatio(cells: readonly CellSamples[], opts: BootstrapOptions): Estimate {
  if (cells.length === 0) throw new RangeError("cells must not be empty");
  const { seed, resamples, level } = resolveBootstrapOptions(opts);
  let logSum = 0;
  cells.forEach((c, i) => {
    assertSamples(c.base, `cells[${i}].base`);
    assertSamples(c.other, `cells[${i}].other`);
    const ratio = median(c.other) / median(c.base);
    if (!(ratio > 0 && Number.isFinite(ratio)))
      throw new RangeError(`cells[${i}] median ratio is not positive and finite: ${ratio}`);
    logSum += Math.log(ratio);
  });
  const rng = createRng(seed);
  const buffers = cells.map((c) => [new Float64Array(c.base.length), new Float64Array(c.other.length)] as const);
  const reps = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < cells.length; i++) {
      const mb = resampledMedian(cells[i].base, rng, buffers[i][0]);
      const mo = resampledMedian(cells[i].other, rng, buffers[i][1]);
      s += Math.log(mo / mb);
    }
    reps[r] = Math.exp(s / cells.length);
  }
  return { estimate: Math.exp(logSum / cells.length), ...percentileInterval(reps, level) };
}

/** Holm–Bonferroni step-down adjusted p-values, in input order (monotone, capped at 1). */
export function holm(pvalues: readonly number[]): number[] {
  const m = pvalues.length;
  pvalues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`pvalues[${i}] must be in [0, 1], got ${p}`);
  });
  const order = pvalues.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const adjusted = new Array<number>(m);
  let running = 0;
  for (let rank = 0; rank < m; rank++) {
    const [p, i] = order[rank];
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  }
  return adjusted;
}

/** Fraction of results with p ≤ alpha: the false-positive rate when every result is an A/A comparison (NaN for no results). */
export function aaFalsePositiveRate(results: readonly { p: number }[], alpha: number = DEFAULT_ALPHA): number {
  if (results.length === 0) return Number.NaN;
  let hits = 0;
  for (const r of results) if (r.p <= alpha) hits++;
  return hits / results.length;
}
