/**
 * Order statistics: sorting, percentiles, median and MAD. Percentiles use
 * linear interpolation between order statistics at index (n − 1)·q, the same
 * definition as tinybench 6 (and criterion, R type 7, NumPy's default).
 */

/** Throws a RangeError unless `xs` is a non-empty array of finite numbers. */
export function assertSamples(xs: ArrayLike<number>, what = "samples"): void {
  if (xs.length === 0) throw new RangeError(`${what} must not be empty`);
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i])) throw new RangeError(`${what}[${i}] is not a finite number: ${xs[i]}`);
  }
}

/** An ascending-sorted copy of `xs` (the input is not modified). */
export function sortedCopy(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs).sort();
}

/** The q-quantile (q in [0, 1]) of ascending-sorted data, interpolating linearly at index (n − 1)·q. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const a = sorted[lo];
  if (frac === 0 || lo + 1 >= n) return a;
  const b = sorted[lo + 1];
  return a === b ? a : a + frac * (b - a);
}

/** The q-quantile (q in [0, 1]) of unsorted, non-empty, finite data, by the same interpolation as percentileSorted. */
export function percentile(xs: ArrayLike<number>, q: number): number {
  assertSamples(xs);
  return percentileSorted(sortedCopy(xs), q);
}

/** The median of unsorted, non-empty, finite data (mean of the two middle values when n is even). */
export function median(xs: ArrayLike<number>): number {
  assertSamples(xs);
  return percentileSorted(sortedCopy(xs), 0.5);
}

/** Unscaled median absolute deviation from the median, given ascending-sorted data. */
export function madSorted(sorted: ArrayLike<number>): number {
  const m = percentileSorted(sorted, 0.5);
  const dev = new Float64Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) dev[i] = Math.abs(sorted[i] - m);
  return percentileSorted(dev.sort(), 0.5);
}
