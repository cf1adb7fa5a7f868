// Cost-growth fits cost = a + b·f(x) along swept numeric parameters.
import type { Fit } from "../result.js";
import { fitGrowth, median } from "../stats/index.js";
import { HARNESS_PARAMS, numericValues, seriesAlong, type View } from "./cells.js";

/** Smallest number of distinct x values for a fit: AICc can compare a + b·f(x) with a only from 4 points. */
export const MIN_FIT_POINTS = 4;

/** The parameters to fit against: cell keys with >= 4 distinct numeric values, not scaling keys, not harness parameters. */
export function fitKeys(view: View, exclude: readonly string[]): string[] {
  return view.keys.filter(
    (k) => !exclude.includes(k) && !HARNESS_PARAMS.includes(k) && numericValues(view, k).length >= MIN_FIT_POINTS,
  );
}

/**
 * For each fit key, each cell without it (first-seen order) and each variant (variant order) with >= 4 points:
 * fitGrowth on (x, median of the entry's samples). Only unit "ns/op". The model is chosen by AICc among the
 * constant, log n, n, n log n and n² (see src/stats/fit.ts); b_ci is the OLS 95% t-interval of b.
 */
export function fits(view: View, keys: readonly string[]): Fit[] {
  const out: Fit[] = [];
  for (const x of keys) {
    for (const s of seriesAlong(view, x, "ns/op")) {
      for (const variant of view.variants) {
        const pts = (s.byVariant.get(variant) ?? []).map((p) => ({ x: p.x, median: median(p.entry.raw) }));
        if (pts.length < MIN_FIT_POINTS) continue;
        const g = fitGrowth(
          pts.map((p) => p.x),
          pts.map((p) => p.median),
        );
        const fit: Fit = {
          variant,
          key: s.key,
          x,
          model: g.model,
          criterion: g.criterion,
          a: g.a,
          b: g.b,
          r2: g.r2,
          grows: g.grows,
          points: pts,
        };
        if (g.bCI) fit.b_ci = { lower: g.bCI.lower, upper: g.bCI.upper };
        out.push(fit);
      }
    }
  }
  return out;
}
