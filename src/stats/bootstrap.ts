/**
 * Percentile bootstrap confidence intervals. Deterministic: every function
 * takes an explicit seed and draws from the seeded xoshiro128** in rng.ts.
 */

import { assertSamples, median, percentileSorted } from "./quantile.js";
import { createRng, type Rng, randomIndex } from "./rng.js";

/** A point estimate with the bounds of its confidence interval. */
export interface Estimate {
  estimate: number;
  lower: number;
  upper: number;
}

/** Options of every bootstrap routine. */
export interface BootstrapOptions {
  /** Seed of the PRNG; the same seed gives the same interval. */
  seed: number;
  /** Number of bootstrap replicates (default 2000). */
  resamples?: number;
  /** Confidence level in (0, 1) (default 0.95). */
  level?: number;
}

/** Default number of bootstrap replicates. */
export const DEFAULT_RESAMPLES = 2000;
/** Default confidence level. */
export const DEFAULT_LEVEL = 0.95;

/** Validated bootstrap options with defaults applied. */
export function resolveBootstrapOptions(opts: BootstrapOptions): Required<BootstrapOptions> {
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const level = opts.level ?? DEFAULT_LEVEL;
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  if (!Number.isFinite(opts.seed)) throw new RangeError(`seed must be a finite number, got ${opts.seed}`);
  return { seed: opts.seed, resamples, level };
}

/** The central `level` interval of bootstrap replicates (percentile method); NaN replicates are dropped. */
export function percentileInterval(replicates: ArrayLike<number>, level: number): { lower: number; upper: number } {
  const finite: number[] = [];
  for (let i = 0; i < replicates.length; i++) if (!Number.isNaN(replicates[i])) finite.push(replicates[i]);
  if (finite.length === 0) return { lower: Number.NaN, upper: Number.NaN };
  const sorted = Float64Array.from(finite).sort();
  const tail = (1 - level) / 2;
  return { lower: percentileSorted(sorted, tail), upper: percentileSorted(sorted, 1 - tail) };
}

/** Fills `out` with a with-replacement resample of `xs` drawn from `rng`. */
export function resampleInto(xs: ArrayLike<number>, rng: Rng, out: Float64Array): Float64Array {
  const n = xs.length;
  for (let i = 0; i < out.length; i++) out[i] = xs[randomIndex(rng, n)];
  return out;
}

/** The median of a fresh resample of `xs`, using `buf` (length xs.length) as scratch space. */
export function resampledMedian(xs: ArrayLike<number>, rng: Rng, buf: Float64Array): number {
  return percentileSorted(resampleInto(xs, rng, buf).sort(), 0.5);
}

/** Percentile-bootstrap CI of an arbitrary statistic; `estimate` is the statistic of the original samples. */
export function bootstrapCI(
  samples: readonly number[],
  statistic: (resample: number[]) => number,
  opts: BootstrapOptions,
): Estimate {
  assertSamples(samples);
  const { seed, resamples, level } = resolveBootstrapOptions(opts);
  const rng = createRng(seed);
  const n = samples.length;
  const reps = new Float64Array(resamples);
  const draw = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) draw[i] = samples[randomIndex(rng, n)];
    reps[r] = statistic(draw.slice());
  }
  return { estimate: statistic(samples.slice()), ...percentileInterval(reps, level) };
}

/** Percentile-bootstrap CI of the median. */
export function medianCI(samples: readonly number[], opts: BootstrapOptions): Estimate {
  assertSamples(samples);
  const { seed, resamples, level } = resolveBootstrapOptions(opts);
  const rng = createRng(seed);
  const buf = new Float64Array(samples.length);
  const reps = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) reps[r] = resampledMedian(samples, rng, buf);
  return { estimate: median(samples), ...percentileInterval(reps, level) };
}

/** Ratio of medians other/base with a percentile-bootstrap CI from independent resampling of both groups. */
export function ratioCI(base: readonly number[], other: readonly number[], opts: BootstrapOptions): Estimate {
  assertSamples(base, "base");
  assertSamples(other, "other");
  const { seed, resamples, level } = resolveBootstrapOptions(opts);
  const rng = createRng(seed);
  const bufBase = new Float64Array(base.length);
  const bufOther = new Float64Array(other.length);
  const reps = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const mb = resampledMedian(base, rng, bufBase);
    const mo = resampledMedian(other, rng, bufOther);
    reps[r] = mo / mb;
  }
  return { estimate: median(other) / median(base), ...percentileInterval(reps, level) };
}
