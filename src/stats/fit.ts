/**
 * Cost-growth fits cost ≈ a + b·f(n) for f ∈ {log n, n, n log n, n²} and the
 * constant model cost ≈ a, by ordinary least squares, selected by AICc.
 * Unlike Google Benchmark's complexity fit (no intercept, no CI, lowest
 * normalised RMS), this keeps an intercept, gives b a t-interval, and says
 * which criterion chose the model. log is the natural logarithm.
 */

import { studentT975 } from "./distributions.js";
import { assertSamples, median } from "./quantile.js";

/** Candidate growth models: cost = a (constant) or cost = a + b·f(n). */
export type GrowthModel = "1" | "log n" | "n" | "n log n" | "n^2";

/** All candidate models, simplest first (ties in AICc go to the earlier one). */
export const GROWTH_MODELS: readonly GrowthModel[] = ["1", "log n", "n", "n log n", "n^2"];

/** The parameters needed to evaluate a fitted curve. */
export interface FittedCurve {
  model: GrowthModel;
  a: number;
  b: number;
}

/** One candidate model fitted by OLS. */
export interface ModelFit extends FittedCurve {
  /** Number of points. */
  n: number;
  /** OLS standard error of b (undefined for the constant model or fewer than 3 points). */
  bSE: number | undefined;
  /** 95% t-interval of b with n − 2 df (undefined for the constant model or fewer than 3 points). */
  bCI: { lower: number; upper: number } | undefined;
  /** Residual sum of squares. */
  rss: number;
  /** Coefficient of determination (1 when the data have no variance). */
  r2: number;
  /** Corrected Akaike information criterion, n·ln(RSS/n) + 2k + 2k(k+1)/(n−k−1); Infinity when n ≤ k + 1. */
  aicc: number;
}

/** The selected model, with every candidate's score. */
export interface GrowthFit extends ModelFit {
  criterion: "AICc";
  /** The model is not constant and the CI of b lies wholly above 0. */
  grows: boolean;
  all: { model: GrowthModel; aicc: number; r2: number; a: number; b: number }[];
  warnings: string[];
}

/** Options of fitGrowth(). */
export interface FitOptions {
  /** Candidate models (default: all of GROWTH_MODELS). */
  models?: readonly GrowthModel[];
}

/** The basis function f(n) of a growth model (1 for the constant model). */
export function growthBasis(model: GrowthModel, n: number): number {
  switch (model) {
    case "1":
      return 1;
    case "log n":
      return n > 0 ? Math.log(n) : Number.NaN;
    case "n":
      return n;
    case "n log n":
      return n > 0 ? n * Math.log(n) : Number.NaN;
    case "n^2":
      return n * n;
  }
}

/** The fitted cost a + b·f(n) at n. */
export function predict(fit: FittedCurve, n: number): number {
  return fit.model === "1" ? fit.a : fit.a + fit.b * growthBasis(fit.model, n);
}

/** OLS fit of one model to the points (xs[i], ys[i]); undefined when the model cannot be fitted (f undefined at some x, or f constant over xs). */
export function fitModel(model: GrowthModel, xs: readonly number[], ys: readonly number[]): ModelFit | undefined {
  checkPoints(xs, ys);
  const n = xs.length;
  const ybar = mean(ys);
  let tss = 0;
  let scale = 0;
  for (const y of ys) {
    tss += (y - ybar) ** 2;
    scale = Math.max(scale, Math.abs(y));
  }
  // Residuals at the level of rounding error count as zero, so an exact fit
  // does not win by ln(1e-30) over another exact fit.
  const rssFloor = n * (1e-12 * (scale || 1)) ** 2;
  if (model === "1") {
    return finish(model, ybar, 0, undefined, tss, tss, n, 1, rssFloor);
  }
  const f = xs.map((x) => growthBasis(model, x));
  if (f.some((v) => !Number.isFinite(v))) return undefined;
  const fbar = mean(f);
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (f[i] - fbar) ** 2;
    sxy += (f[i] - fbar) * (ys[i] - ybar);
  }
  if (!(sxx > 0)) return undefined;
  const b = sxy / sxx;
  const a = ybar - b * fbar;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (ys[i] - a - b * f[i]) ** 2;
  const bSE = n > 2 ? Math.sqrt(rss / (n - 2) / sxx) : undefined;
  return finish(model, a, b, bSE, rss, tss, n, 2, rssFloor);
}

/** Fits every candidate to (xs, ys) (repeated xs allowed) and selects the lowest AICc. */
export function fitGrowth(xs: readonly number[], ys: readonly number[], opts: FitOptions = {}): GrowthFit {
  const models = opts.models ?? GROWTH_MODELS;
  if (models.length === 0) throw new RangeError("no candidate models");
  const fits: ModelFit[] = [];
  for (const m of GROWTH_MODELS) {
    if (!models.includes(m)) continue;
    const fit = fitModel(m, xs, ys);
    if (fit) fits.push(fit);
  }
  if (fits.length === 0) throw new RangeError("no candidate model could be fitted to these points");
  let best = fits[0];
  for (const fit of fits) if (fit.aicc < best.aicc) best = fit;
  const warnings: string[] = [];
  if (xs.length < 4) warnings.push(`need >= 4 points to compare growth models by AICc (have ${xs.length})`);
  if (new Set(xs).size < 3) warnings.push("fewer than 3 distinct x values: growth models are barely distinguishable");
  return {
    ...best,
    criterion: "AICc",
    grows: best.model !== "1" && best.bCI !== undefined && best.bCI.lower > 0,
    all: fits.map((f) => ({ model: f.model, aicc: f.aicc, r2: f.r2, a: f.a, b: f.b })),
    warnings,
  };
}

/** fitGrowth on per-cell medians: each cell's y is the median of its samples. */
export function fitGrowthFromCells(
  cells: readonly { x: number; samples: readonly number[] }[],
  opts: FitOptions = {},
): GrowthFit {
  const xs = cells.map((c) => c.x);
  const ys = cells.map((c, i) => {
    assertSamples(c.samples, `cells[${i}].samples`);
    return median(c.samples);
  });
  return fitGrowth(xs, ys, opts);
}

// Brackets the first sign change on a grid of 513 linear and 513 log-spaced
// points, then bisects; two roots between adjacent grid points are missed.
/** Smallest n in [lo, hi] where predict(fitB) − predict(fitA) changes sign (B drops below or rises above A); undefined if it never does. */
export function crossover(fitA: FittedCurve, fitB: FittedCurve, range: readonly [number, number]): number | undefined {
  const [lo, hi] = range;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new RangeError(`bad range [${lo}, ${hi}]`);
  const diff = (n: number) => predict(fitB, n) - predict(fitA, n);
  const steps = 512;
  const grid = new Set<number>();
  for (let i = 0; i <= steps; i++) grid.add(lo + ((hi - lo) * i) / steps);
  if (lo > 0) for (let i = 0; i <= steps; i++) grid.add(lo * (hi / lo) ** (i / steps));
  const xs = [...grid].filter((x) => x >= lo && x <= hi).sort((p, q) => p - q);
  let refSign = 0;
  let last = Number.NaN; // last grid x with the reference sign
  for (const x of xs) {
    const d = diff(x);
    if (!Number.isFinite(d) || d === 0) continue;
    const s = Math.sign(d);
    if (refSign === 0) refSign = s;
    if (s === refSign) {
      last = x;
      continue;
    }
    // Bracket [last, x]: diff has the reference sign at `last`, the opposite at x.
    let a = last;
    let b = x;
    for (let i = 0; i < 200; i++) {
      const mid = a + (b - a) / 2;
      if (mid === a || mid === b) break;
      const dm = diff(mid);
      if (dm === 0) return mid;
      if (Math.sign(dm) === refSign) a = mid;
      else b = mid;
    }
    return a + (b - a) / 2;
  }
  return undefined;
}

/** First x at which the sign of (B − A) changes across measured points, linearly interpolated between the bracketing xs; undefined if it never changes. */
export function empiricalCrossover(
  xs: readonly number[],
  mediansA: readonly number[],
  mediansB: readonly number[],
): number | undefined {
  if (xs.length !== mediansA.length || xs.length !== mediansB.length) {
    throw new RangeError("xs, mediansA and mediansB must have the same length");
  }
  assertSamples(xs, "xs");
  assertSamples(mediansA, "mediansA");
  assertSamples(mediansB, "mediansB");
  const order = xs.map((_, i) => i).sort((p, q) => xs[p] - xs[q]);
  const x = order.map((i) => xs[i]);
  const d = order.map((i) => mediansB[i] - mediansA[i]);
  let prev = -1; // index of the last point with a nonzero difference
  for (let i = 0; i < d.length; i++) {
    if (d[i] === 0) continue;
    if (prev >= 0 && Math.sign(d[i]) !== Math.sign(d[prev])) {
      // Zeros in between: the curves meet at the first of them.
      if (prev < i - 1) return x[prev + 1];
      return x[prev] + ((x[i] - x[prev]) * d[prev]) / (d[prev] - d[i]);
    }
    prev = i;
  }
  return undefined;
}

function finish(
  model: GrowthModel,
  a: number,
  b: number,
  bSE: number | undefined,
  rss: number,
  tss: number,
  n: number,
  k: number,
  rssFloor: number,
): ModelFit {
  const r2 = tss > 0 ? 1 - rss / tss : 1;
  const aicc =
    n > k + 1
      ? n * Math.log(Math.max(rss, rssFloor) / n) + 2 * k + (2 * k * (k + 1)) / (n - k - 1)
      : Number.POSITIVE_INFINITY;
  let bCI: ModelFit["bCI"];
  if (bSE !== undefined) {
    const t = studentT975(n - 2);
    bCI = { lower: b - t * bSE, upper: b + t * bSE };
  }
  return { model, a, b, n, bSE, bCI, rss, r2, aicc };
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function checkPoints(xs: readonly number[], ys: readonly number[]): void {
  if (xs.length !== ys.length) throw new RangeError(`xs and ys differ in length (${xs.length} vs ${ys.length})`);
  assertSamples(xs, "xs");
  assertSamples(ys, "ys");
}
