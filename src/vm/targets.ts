// What the primary-MMU suites operate on, picked from a built scenario.
import type { Params } from "../options.js";
import { Rng } from "../rng.js";
import type { Scenario, Target } from "../workload/scenario.js";

export interface Range {
  mm: number;
  start: bigint;
  end: bigint;
}

/**
 * Up to n distinct pages, each mapped by exactly mapcount PTEs, visited with a
 * seeded stride coprime to their count, so consecutive ops do not walk
 * neighbouring page tables.
 */
export function pages(sc: Scenario, n: number, file = false): Target[] {
  const count = file ? sc.fileTargetCount : sc.targetCount;
  const at = file ? sc.fileTargetAt : sc.targetAt;
  const rng = new Rng(sc.shape.seed ^ 0x7a67);
  let stride = count > 1 ? 1 + rng.below(count - 1) : 1;
  while (gcd(stride, count) !== 1) stride++;
  const first = count ? rng.below(count) : 0;
  return Array.from({ length: Math.min(n, count) }, (_, i) => at((first + i * stride) % count));
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Up to n disjoint ranges of range_pages pages, each inside one VMA of one
 * process, spread over every process and VMA of the scenario (of a snapshot:
 * the real VMAs' windows with the most resident pages).
 */
export function ranges(sc: Scenario, p: Params, n: number): Range[] {
  const len = p.range_pages as number;
  if (sc.real) return sc.real.ranges(len, n);
  const perVma = Math.floor(sc.shape.pages / len);
  const out: Range[] = [];
  const procs = sc.members.flat();
  for (let k = 0; k < perVma && out.length < n; k++) {
    for (const v of sc.layout) {
      for (const mm of procs) {
        if (out.length >= n) return out;
        const start = v.start + (BigInt(k * len) << 12n);
        out.push({ mm, start, end: start + (BigInt(len) << 12n) });
      }
    }
  }
  return out;
}

/** Where mremap moves a range: above the scenario, one slot per op. */
export const MREMAP_BASE = 1n << 45n;
