/**
 * Two-sided Mann–Whitney U test with benchstat's semantics
 * (golang.org/x/perf/benchmath → github.com/aclements/go-moremath/stats):
 * the exact U distribution when both groups have ≤ 50 samples and no ties;
 * the exact permutation distribution conditional on the tie pattern when
 * there are ties and both groups have ≤ 9 samples; otherwise the normal
 * approximation with tie and continuity corrections.
 */

import { normalCdf } from "./distributions.js";
import { assertSamples } from "./quantile.js";

/** How the p-value was obtained. */
export type UTestMethod = "exact" | "exact-ties" | "normal" | "all-equal";

/** Result of a two-sided Mann–Whitney U test. */
export interface MannWhitneyResult {
  /** The smaller of U_a and U_b (the conventional tabulated statistic). */
  u: number;
  /** U of the first group: #pairs with a > b, plus ½ per tied pair. */
  ua: number;
  /** Two-sided p-value. */
  p: number;
  n1: number;
  n2: number;
  method: UTestMethod;
}

/** Size limits for the exact distributions (defaults match go-moremath). */
export interface MannWhitneyOptions {
  /** Largest group size for the exact distribution without ties (default 50). */
  exactLimit?: number;
  /** Largest group size for the exact distribution with ties (default 9; 0 forces the normal approximation whenever there are ties). */
  tiesExactLimit?: number;
}

/** Default largest group size for the exact no-ties distribution. */
export const EXACT_LIMIT = 50;
/** Default largest group size for the exact distribution with ties. */
export const TIES_EXACT_LIMIT = 9;

/** Two-sided Mann–Whitney U test of `a` against `b`. */
export function mannWhitneyU(
  a: readonly number[],
  b: readonly number[],
  opts: MannWhitneyOptions = {},
): MannWhitneyResult {
  assertSamples(a, "a");
  assertSamples(b, "b");
  const exactLimit = opts.exactLimit ?? EXACT_LIMIT;
  const tiesExactLimit = opts.tiesExactLimit ?? TIES_EXACT_LIMIT;
  const n1 = a.length;
  const n2 = b.length;
  const n = n1 + n2;

  // Pool, sort, and walk the runs of equal values (tie groups).
  const pooled: Array<[number, 0 | 1]> = [];
  for (const x of a) pooled.push([x, 0]);
  for (const x of b) pooled.push([x, 1]);
  pooled.sort((p, q) => p[0] - q[0]);
  const sizes: number[] = [];
  const doubledRanks: number[] = [];
  let observedDoubledSum = 0; // 2 · (rank sum of group a)
  let tieTerm = 0; // Σ (t³ − t)
  for (let i = 0; i < n; ) {
    let j = i;
    let fromA = 0;
    while (j < n && pooled[j][0] === pooled[i][0]) {
      if (pooled[j][1] === 0) fromA++;
      j++;
    }
    const t = j - i;
    const doubledRank = i + 1 + j; // ranks i+1..j, midrank (i+1+j)/2
    sizes.push(t);
    doubledRanks.push(doubledRank);
    observedDoubledSum += fromA * doubledRank;
    tieTerm += t * t * t - t;
    i = j;
  }
  const ua = observedDoubledSum / 2 - (n1 * (n1 + 1)) / 2;
  const ub = n1 * n2 - ua;
  const u = Math.min(ua, ub);
  const hasTies = sizes.length < n;
  const result = (p: number, method: UTestMethod): MannWhitneyResult => ({ u, ua, p: Math.min(1, p), n1, n2, method });

  if (sizes.length === 1) return result(1, "all-equal");
  if (!hasTies && n1 <= exactLimit && n2 <= exactLimit) {
    // The no-ties distribution is symmetric about n1·n2/2.
    return result(2 * uDistributionCdf(n1, n2)[u], "exact");
  }
  if (hasTies && n1 <= tiesExactLimit && n2 <= tiesExactLimit) {
    const dist = tiedRankSumDistribution(n1, sizes, doubledRanks);
    let below = 0;
    let above = 0;
    for (let s = 0; s < dist.length; s++) {
      if (s <= observedDoubledSum) below += dist[s];
      if (s >= observedDoubledSum) above += dist[s];
    }
    return result(2 * Math.min(below, above), "exact-ties");
  }
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (!(sigma > 0)) return result(1, "all-equal");
  let numer = u - mu;
  numer -= Math.sign(numer) * 0.5; // continuity correction
  const z = numer / sigma;
  return result(2 * normalCdf(-Math.abs(z)), "normal");
}

const uCdfCache = new Map<string, Float64Array>();

/** CDF of the exact null distribution of U (no ties) for group sizes n1, n2: element u is P(U ≤ u). */
export function uDistributionCdf(n1: number, n2: number): Float64Array {
  // The distribution is the same for (n1, n2) and (n2, n1); compute it one way only.
  if (n1 > n2) return uDistributionCdf(n2, n1);
  const key = `${n1},${n2}`;
  const hit = uCdfCache.get(key);
  if (hit) return hit;
  // P(i, j, u): conditioning on which group holds the largest value,
  // P(i, j, u) = i/(i+j) · P(i−1, j, u−j) + j/(i+j) · P(i, j−1, u).
  let prev: Float64Array[] = [];
  for (let j = 0; j <= n2; j++) prev.push(Float64Array.of(1));
  for (let i = 1; i <= n1; i++) {
    const cur: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= n2; j++) {
      const d = new Float64Array(i * j + 1);
      const up = prev[j]; // (i−1, j), support 0..(i−1)j
      const left = cur[j - 1]; // (i, j−1), support 0..i(j−1)
      const wUp = i / (i + j);
      const wLeft = j / (i + j);
      for (let k = 0; k < up.length; k++) d[k + j] += wUp * up[k];
      for (let k = 0; k < left.length; k++) d[k] += wLeft * left[k];
      cur.push(d);
    }
    prev = cur;
  }
  const pmf = prev[n2];
  const cdf = new Float64Array(pmf.length);
  let acc = 0;
  for (let k = 0; k < pmf.length; k++) {
    acc += pmf[k];
    cdf[k] = Math.min(1, acc);
  }
  if (uCdfCache.size < 256) uCdfCache.set(key, cdf);
  return cdf;
}

/** Exact permutation pmf of 2·(rank sum of n1 items) given tie-group sizes and doubled midranks: element s is P(2R = s). */
export function tiedRankSumDistribution(
  n1: number,
  sizes: readonly number[],
  doubledRanks: readonly number[],
): Float64Array {
  let maxSum = 0;
  for (let g = 0; g < sizes.length; g++) maxSum += sizes[g] * doubledRanks[g];
  const width = maxSum + 1;
  let dp = new Float64Array((n1 + 1) * width); // dp[k·width + s]: ways to pick k items with doubled sum s
  dp[0] = 1;
  let total = 0;
  for (let g = 0; g < sizes.length; g++) {
    const t = sizes[g];
    const d = doubledRanks[g];
    const next = new Float64Array(dp.length);
    const choose = binomialRow(t);
    for (let k = 0; k <= n1; k++) {
      for (let s = 0; s < width; s++) {
        const ways = dp[k * width + s];
        if (ways === 0) continue;
        for (let j = 0; j <= t && k + j <= n1; j++) next[(k + j) * width + s + j * d] += ways * choose[j];
      }
    }
    dp = next;
    total += t;
  }
  const out = dp.subarray(n1 * width, (n1 + 1) * width);
  const all = binomial(total, n1);
  const pmf = new Float64Array(width);
  for (let s = 0; s < width; s++) pmf[s] = out[s] / all;
  return pmf;
}

/** The smallest two-sided p-value the exact U test can return for group sizes n1, n2: 2 / C(n1 + n2, n1), capped at 1. */
export function minAchievableP(n1: number, n2: number): number {
  if (n1 < 1 || n2 < 1) return 1;
  return Math.min(1, 2 / binomial(n1 + n2, n1));
}

/** The smallest n such that two groups of n samples can reach p ≤ alpha at all (benchstat's uTestSamples; 4 for alpha = 0.05). */
export function minSamplesForAlpha(alpha: number): number {
  if (!(alpha > 0)) return Number.POSITIVE_INFINITY;
  for (let n = 1; ; n++) if (minAchievableP(n, n) <= alpha) return n;
}

/** Binomial coefficient C(n, k) as a double, multiplying and dividing in step. */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  const kk = Math.min(k, n - k);
  let c = 1;
  for (let i = 0; i < kk; i++) c = (c * (n - i)) / (i + 1);
  return c < 2 ** 53 ? Math.round(c) : c;
}

function binomialRow(t: number): Float64Array {
  const row = new Float64Array(t + 1);
  for (let j = 0; j <= t; j++) row[j] = binomial(t, j);
  return row;
}
