// A run's samples -> its Analysis: per-cell comparisons against a baseline
// (Holm across the run), geometric means, scaling, growth fits, crossovers and
// the A/A false-positive rate. Pure and deterministic: every resampling draws
// from a seed derived from the run seed and the names of what it computes.
import type { Analysis, RunResult } from "../result.js";
import { DEFAULT_ALPHA } from "../stats/index.js";
import { buildView, resolveBaseline } from "./cells.js";
import { comparisons, geomeans } from "./comparisons.js";
import { crossovers } from "./crossovers.js";
import { fitKeys, fits } from "./fits.js";
import { scalingKeys, scalings } from "./scaling.js";

export { HARNESS_PARAMS } from "./cells.js";
export { MIN_FIT_POINTS } from "./fits.js";

/** Parameters read as a worker/CPU count unless `scalingKeys` says otherwise. */
/**
 * Parameters that count threads running at once. Only `workers` does today: the VM suites' `cpus`
 * spreads an mm over simulated CPUs for modeled IPIs, but they still run on one thread.
 */
export const DEFAULT_SCALING_KEYS: readonly string[] = ["workers"];

export interface AnalyzeOptions {
  /** The parameter whose values are compared within a cell (a suite's variantKey). */
  variantKey: string;
  /** Parameters that name an entry; with every other parameter that varies among the entries they make the cell. */
  nameKeys: string[];
  /** The variant every other is compared with; default the first. Throws naming the valid values when unknown. */
  baseline?: string;
  /** Significance level (default 0.05). */
  alpha?: number;
  /** Seed of every bootstrap. */
  seed: number;
  /** Parameters to treat as worker/CPU counts (default ["workers"]). */
  scalingKeys?: string[];
}

/** Derives the Analysis of a run from its raw samples. */
export function analyze(r: RunResult, opts: AnalyzeOptions): Analysis {
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!Number.isFinite(opts.seed)) throw new RangeError(`seed must be a finite number, got ${opts.seed}`);
  const view = buildView(r, opts.nameKeys, opts.variantKey);
  const baseline = resolveBaseline(view.variants, opts.baseline, opts.variantKey);
  const cmp = comparisons(view, baseline, alpha, opts.seed);
  const sKeys = scalingKeys(view, opts.scalingKeys ?? DEFAULT_SCALING_KEYS);
  const fKeys = fitKeys(view, [...(opts.scalingKeys ?? DEFAULT_SCALING_KEYS), ...sKeys]);
  const analysis: Analysis = {
    baseline,
    variantKey: opts.variantKey,
    alpha,
    comparisons: cmp,
    geomean: geomeans(view, baseline, opts.seed),
    scaling: scalings(view, sKeys, opts.seed),
    fits: fits(view, fKeys),
    crossovers: crossovers(view, fKeys, baseline),
  };
  if (r.mode === "aa") {
    // The per-test false-positive rate: raw p (before Holm) against alpha, as each single test would be read.
    const significant = cmp.filter((c) => c.p <= alpha).length;
    analysis.aa = { alpha, tests: cmp.length, significant, rate: cmp.length > 0 ? significant / cmp.length : 0 };
  }
  return analysis;
}
