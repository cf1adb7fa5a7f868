// Per-cell A/B comparisons against the baseline (benchstat's semantics plus a
// bootstrap interval on the ratio and Holm across the run) and the geometric
// mean of the ratios per variant.
import type { Comparison, Geomean } from "../result.js";
import { type CellSamples, compare, geomeanRatio, holm } from "../stats/index.js";
import { allPositive, seedFor, type View } from "./cells.js";

/**
 * Every cell × non-baseline variant that has the baseline in the same cell and the same unit, cells in first-seen
 * order and variants in variant order; p-values Holm-adjusted across all of them.
 *
 * The rule: significant = p_adjusted <= alpha AND the ratio's 95% bootstrap interval excludes 1. The U test and the
 * interval answer different questions (any shift in distribution versus a change of the median); requiring both
 * means a row never shows a significant change whose own interval straddles "no change".
 */
export function comparisons(view: View, baseline: string, alpha: number, seed: number): Comparison[] {
  const out: Comparison[] = [];
  for (const cellId of view.cells) {
    const row = view.byCell.get(cellId);
    const base = row?.get(baseline);
    if (!row || !base) continue;
    for (const variant of view.variants) {
      if (variant === baseline) continue;
      const other = row.get(variant);
      if (!other || other.entry.unit !== base.entry.unit) continue;
      const c = compare(base.entry.raw, other.entry.raw, {
        alpha,
        seed: seedFor(seed, "compare", cellId, baseline, variant),
      });
      out.push({
        key: base.cell,
        base: baseline,
        other: variant,
        unit: base.entry.unit,
        ratio: { estimate: c.ratio, lower: c.ci.lower, upper: c.ci.upper },
        delta: c.delta,
        p: c.p,
        p_adjusted: c.p, // replaced below
        significant: false,
        mark: "~",
        n: c.n,
        warnings: c.warnings,
      });
    }
  }
  const adjusted = holm(out.map((c) => c.p));
  out.forEach((c, i) => {
    c.p_adjusted = adjusted[i];
    c.significant = c.p_adjusted <= alpha && (c.ratio.upper < 1 || c.ratio.lower > 1);
    c.mark = c.significant ? "" : "~";
  });
  return out;
}

/**
 * Per non-baseline variant, the geometric mean of the per-cell median ratios over every cell that has both in one
 * unit with every sample > 0, with geomeanRatio's interval (both groups of every cell resampled in each replicate).
 * Variants with no such cell get no row.
 */
export function geomeans(view: View, baseline: string, seed: number): Geomean[] {
  const out: Geomean[] = [];
  for (const variant of view.variants) {
    if (variant === baseline) continue;
    const cells: CellSamples[] = [];
    // geomeanRatio draws every cell's resamples from one stream in turn: a canonical cell order keeps the interval
    // independent of the order the entries were measured in.
    for (const cellId of [...view.cells].sort()) {
      const row = view.byCell.get(cellId);
      const base = row?.get(baseline);
      const other = row?.get(variant);
      if (!base || !other || base.entry.unit !== other.entry.unit) continue;
      if (!allPositive(base.entry.raw) || !allPositive(other.entry.raw)) continue;
      cells.push({ base: base.entry.raw, other: other.entry.raw });
    }
    if (cells.length === 0) continue;
    const ratio = geomeanRatio(cells, { seed: seedFor(seed, "geomean", baseline, variant) });
    out.push({ base: baseline, other: variant, cells: cells.length, ratio });
  }
  return out;
}
