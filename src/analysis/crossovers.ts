// Where a variant starts (or stops) beating the baseline along a swept parameter.
import type { Crossover } from "../result.js";
import { empiricalCrossover, median } from "../stats/index.js";
import { seriesAlong, type View } from "./cells.js";

/**
 * For each fit key, each cell without it and each non-baseline variant: the medians of the baseline (`a`) and the
 * variant (`b`) at every x both have (unit "ns/op", lower is better), at least 2 of them. `at` is the first x where
 * the sign of median(b) − median(a) changes, interpolated linearly between the bracketing points (empiricalCrossover);
 * undefined, with no direction, when it never changes. `direction` is "faster" when b is slower than a before the
 * crossing and faster after (b starts to beat a), "slower" when b is faster before and slower after (b stops beating a).
 */
export function crossovers(view: View, keys: readonly string[], baseline: string): Crossover[] {
  const out: Crossover[] = [];
  for (const x of keys) {
    for (const s of seriesAlong(view, x, "ns/op")) {
      const basePts = s.byVariant.get(baseline);
      if (!basePts) continue;
      const baseAt = new Map(basePts.map((p) => [p.x, median(p.entry.raw)]));
      for (const variant of view.variants) {
        if (variant === baseline) continue;
        const xs: number[] = [];
        const ma: number[] = [];
        const mb: number[] = [];
        for (const p of s.byVariant.get(variant) ?? []) {
          const a = baseAt.get(p.x);
          if (a === undefined) continue;
          xs.push(p.x);
          ma.push(a);
          mb.push(median(p.entry.raw));
        }
        if (xs.length < 2) continue;
        const c: Crossover = { key: s.key, x, a: baseline, b: variant };
        const at = empiricalCrossover(xs, ma, mb);
        if (at !== undefined) {
          c.at = at;
          // xs are ascending (seriesAlong sorts them): the sign before the crossing is the first nonzero one.
          const first = mb.map((b, i) => b - ma[i]).find((d) => d !== 0) ?? 0;
          c.direction = first > 0 ? "faster" : "slower";
        }
        out.push(c);
      }
    }
  }
  return out;
}
