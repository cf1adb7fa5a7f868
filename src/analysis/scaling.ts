// Throughput scaling against a worker/CPU-count parameter.
import type { Scaling } from "../result.js";
import { scaling as scalingPoints } from "../stats/index.js";
import { allPositive, idOf, numericValues, seedFor, seriesAlong, type View } from "./cells.js";

/** The scaling keys of a run: among `candidates`, those that make cells and take >= 2 distinct values, 1 among them. */
export function scalingKeys(view: View, candidates: readonly string[]): string[] {
  return candidates.filter((k) => {
    if (!view.keys.includes(k)) return false;
    const vs = numericValues(view, k);
    return vs.length >= 2 && vs.includes(1);
  });
}

/**
 * For each scaling key, each cell without it (first-seen order) and each variant (variant order): ns/op samples
 * turned into throughput (1e9 / sample, ops/s) and passed to the stats library's scaling(). Only unit "ns/op";
 * only positive whole x values; a series needs a point at x = 1 and at least one other, and every sample > 0.
 */
export function scalings(view: View, keys: readonly string[], seed: number): Scaling[] {
  const out: Scaling[] = [];
  for (const x of keys) {
    for (const s of seriesAlong(view, x, "ns/op")) {
      for (const variant of view.variants) {
        const pts = (s.byVariant.get(variant) ?? []).filter((p) => Number.isInteger(p.x) && p.x >= 1);
        if (pts.length < 2 || pts[0].x !== 1 || !pts.every((p) => allPositive(p.entry.raw))) continue;
        const sp = scalingPoints(
          pts.map((p) => ({ cpus: p.x, samples: p.entry.raw.map((ns) => 1e9 / ns) })),
          { seed: seedFor(seed, "scaling", x, idOf(s.key), variant) },
        );
        out.push({
          variant,
          key: s.key,
          x,
          points: sp.map((p) => ({
            x: p.cpus,
            throughput: p.throughput,
            speedup: p.speedup,
            efficiency: p.efficiency,
            linear: p.linear,
            superlinear: p.superlinear,
          })),
        });
      }
    }
  }
  return out;
}
