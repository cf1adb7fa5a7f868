import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createRng, mannWhitneyU, minAchievableP, minSamplesForAlpha } from "../src/stats/index.js";

const close = (actual: number, expected: number, tol: number, msg?: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${msg ?? ""} expected ${expected} ± ${tol}, got ${actual}`);

/**
 * Two-sided exact p by brute force, independent of the library's DP: assign
 * midranks to the pooled values, enumerate every way to pick |a| of the pooled
 * positions as "group a", and double the smaller tail of the rank-sum
 * distribution at the observed rank sum (capped at 1).
 */
function bruteForceP(a: number[], b: number[]): { p: number; ua: number } {
  const pooled = [...a, ...b];
  const sorted = [...pooled].sort((x, y) => x - y);
  const rankOf = (v: number) => {
    const first = sorted.indexOf(v) + 1;
    const last = sorted.lastIndexOf(v) + 1;
    return (first + last) / 2;
  };
  const ranks = pooled.map(rankOf);
  const observed = a.reduce((s, v) => s + rankOf(v), 0);
  const n = pooled.length;
  let below = 0;
  let above = 0;
  let total = 0;
  const choose = (start: number, left: number, sum: number) => {
    if (left === 0) {
      total++;
      if (sum <= observed + 1e-9) below++;
      if (sum >= observed - 1e-9) above++;
      return;
    }
    for (let i = start; i <= n - left; i++) choose(i + 1, left - 1, sum + ranks[i]);
  };
  choose(0, a.length, 0);
  return { p: Math.min(1, (2 * Math.min(below, above)) / total), ua: observed - (a.length * (a.length + 1)) / 2 };
}

describe("mannWhitneyU exact (no ties)", () => {
  test("textbook: [1..5] vs [6..10] gives U = 0, p = 2/252", () => {
    const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    assert.equal(r.u, 0);
    assert.equal(r.ua, 0);
    assert.equal(r.method, "exact");
    close(r.p, 2 / 252, 1e-15);
    close(r.p, 0.007937, 5e-7);
  });

  test("go-moremath reference values", () => {
    const s1 = [2, 1, 3, 5];
    const r1 = mannWhitneyU(s1, [12, 11, 13, 15]);
    assert.equal(r1.u, 0);
    close(r1.p, 0.028571428571428577, 1e-14);
    const r2 = mannWhitneyU(s1, [0, 4, 6, 7]);
    assert.equal(r2.u, 5);
    close(r2.p, 0.48571428571428577, 1e-14);
  });

  test("agrees with brute-force enumeration for n = 3 and 4 and for unequal sizes", () => {
    const rng = createRng(2024);
    for (const [n1, n2] of [
      [3, 3],
      [3, 4],
      [4, 4],
      [4, 3],
      [2, 6],
      [5, 4],
    ]) {
      for (let trial = 0; trial < 25; trial++) {
        // Distinct values: a random permutation of 1..n1+n2 split in two.
        const values = Array.from({ length: n1 + n2 }, (_, i) => i + 1);
        for (let i = values.length - 1; i > 0; i--) {
          const j = Math.floor(rng() * (i + 1));
          [values[i], values[j]] = [values[j], values[i]];
        }
        const a = values.slice(0, n1);
        const b = values.slice(n1);
        const want = bruteForceP(a, b);
        const got = mannWhitneyU(a, b);
        assert.equal(got.method, "exact");
        assert.equal(got.ua, want.ua);
        assert.equal(got.u, Math.min(want.ua, n1 * n2 - want.ua));
        close(got.p, want.p, 1e-12, `a=${a} b=${b}`);
      }
    }
  });

  test("is symmetric in its arguments and U_a + U_b = n1·n2", () => {
    const a = [1.5, 2.5, 3.1, 7, 9, 11, 12.5];
    const b = [3, 4, 5, 6, 8, 13, 14, 15, 16];
    const ab = mannWhitneyU(a, b);
    const ba = mannWhitneyU(b, a);
    assert.equal(ab.p, ba.p);
    assert.equal(ab.u, ba.u);
    assert.equal(ab.ua + ba.ua, a.length * b.length);
    close(ab.p, 0.2522727272727273, 1e-13); // SciPy mannwhitneyu(method="exact")
  });

  test("identical samples give p = 1 and all-equal values are flagged", () => {
    assert.equal(mannWhitneyU([1, 2, 3], [1, 2, 3]).p, 1);
    const eq = mannWhitneyU([4, 4, 4], [4, 4]);
    assert.equal(eq.p, 1);
    assert.equal(eq.method, "all-equal");
  });

  test("exact up to 50 per group, normal approximation beyond", () => {
    const a50 = Array.from({ length: 50 }, (_, i) => i * 1.01);
    const b50 = a50.map((x) => x + 7.5);
    const r = mannWhitneyU(a50, b50);
    assert.equal(r.method, "exact");
    close(r.p, 0.016450137297189936, 1e-12); // SciPy exact
    const r51 = mannWhitneyU([...a50, 100], b50);
    assert.equal(r51.method, "normal");
  });
});

describe("mannWhitneyU with ties", () => {
  test("exact conditional distribution for small tied samples matches brute force", () => {
    const cases: [number[], number[]][] = [
      [
        [2, 1, 3, 5],
        [2, 2, 2, 2],
      ],
      [
        [2, 1, 3, 5],
        [1, 1, 1, 1, 1],
      ],
      [
        [1, 1, 2, 3],
        [2, 3, 3, 4],
      ],
      [
        [5, 5, 6],
        [5, 7, 7, 8],
      ],
    ];
    for (const [a, b] of cases) {
      const got = mannWhitneyU(a, b);
      assert.equal(got.method, "exact-ties");
      close(got.p, bruteForceP(a, b).p, 1e-12, `a=${a} b=${b}`);
    }
    // go-moremath's reference value for this case (its UDist with a tie vector).
    close(mannWhitneyU([2, 1, 3, 5], [2, 2, 2, 2]).p, 0.7142857142857143, 1e-14);
  });

  test("normal approximation with tie and continuity correction, by hand", () => {
    const a = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5];
    const b = [3, 3, 4, 4, 5, 5, 6, 6, 7, 7];
    // Midranks: 1→1.5, 2→3.5, 3→6.5, 4→10.5, 5→14.5, 6→17.5, 7→19.5.
    // R_a = 2(1.5 + 3.5 + 6.5 + 10.5 + 14.5) = 73, U_a = 73 − 55 = 18, μ = 50.
    // Ties: four pairs (2³ − 2 = 6 each) and three quads (4³ − 4 = 60 each): Σ = 204.
    // σ² = (10·10/12)·(21 − 204/(20·19)); continuity: |18 − 50| − 0.5 = 31.5.
    const sigma = Math.sqrt((100 / 12) * (21 - 204 / 380));
    const z = -31.5 / sigma;
    close(z, -2.41221, 1e-5);
    const r = mannWhitneyU(a, b);
    assert.equal(r.method, "normal");
    assert.equal(r.u, 18);
    // 2·Φ(z); SciPy's asymptotic test with continuity correction gives 0.015856209681046226.
    close(r.p, 0.015856209681046226, 1e-12);
  });

  test("tiesExactLimit: 0 forces the normal approximation", () => {
    const r = mannWhitneyU([2, 1, 3, 5], [2, 2, 2, 2], { tiesExactLimit: 0 });
    assert.equal(r.method, "normal");
    assert.ok(Math.abs(r.p - 0.7142857142857143) > 1e-3);
  });

  test("large samples agree with go-moremath (and R's wilcox.test)", () => {
    const l1 = Array.from({ length: 500 }, (_, i) => i * 2);
    const l2 = Array.from({ length: 600 }, (_, i) => i * 2 - 41);
    const r = mannWhitneyU(l1, l2);
    assert.equal(r.u, 135250);
    close(r.p, 0.0049335360814172224, 1e-12);
    const l3 = [...l2];
    for (let i = 0; i < 30; i++) l3[i] = l1[i];
    const r3 = mannWhitneyU(l1, l3);
    assert.equal(r3.u, 134845);
    close(r3.p, 0.0038703814239617884, 1e-12);
  });
});

describe("minimum sample sizes", () => {
  test("minAchievableP matches benchstat's uTestMinP table", () => {
    assert.equal(minAchievableP(1, 1), 1);
    close(minAchievableP(2, 2), 0.3333333333333333, 1e-15);
    close(minAchievableP(3, 3), 0.1, 1e-15);
    close(minAchievableP(4, 4), 0.02857142857142857, 1e-15);
    close(minAchievableP(5, 5), 0.007936507936507936, 1e-15);
    close(minAchievableP(9, 9), 4.113533525298231e-5, 1e-18);
    close(minAchievableP(3, 5), 2 / 56, 1e-15);
  });

  test("the exact test really reaches minAchievableP with fully separated groups", () => {
    for (const n of [2, 3, 4, 6]) {
      const a = Array.from({ length: n }, (_, i) => i);
      const b = a.map((x) => x + 100);
      close(mannWhitneyU(a, b).p, minAchievableP(n, n), 1e-15);
    }
  });

  test("minSamplesForAlpha: 4 per side at alpha 0.05, 5 at 0.01, 3 at 0.1", () => {
    assert.equal(minSamplesForAlpha(0.05), 4);
    assert.equal(minSamplesForAlpha(0.01), 5);
    assert.equal(minSamplesForAlpha(0.1), 3);
    assert.equal(minSamplesForAlpha(0.001), 7); // 2/C(12,6) = 0.00216 > 0.001 ≥ 2/C(14,7) = 0.00058
    assert.equal(minSamplesForAlpha(0), Number.POSITIVE_INFINITY);
  });
});
