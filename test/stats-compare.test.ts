import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { aaFalsePositiveRate, compare, createRng, geomeanRatio, holm, mannWhitneyU } from "../src/stats/index.js";

/** Seeded normal draws (Box–Muller). */
function normals(seed: number, n: number, mu = 0, sd = 1): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => mu + sd * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()));
}

const close = (actual: number, expected: number, tol: number, msg?: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${msg ?? ""} expected ${expected} ± ${tol}, got ${actual}`);

describe("compare", () => {
  test("identical samples: ratio 1, p = 1, marked ~", () => {
    const xs = normals(1, 20, 100, 2);
    const c = compare(xs, xs, { seed: 1 });
    assert.equal(c.ratio, 1);
    assert.equal(c.delta, 0);
    assert.equal(c.p, 1);
    assert.equal(c.significant, false);
    assert.equal(c.mark, "~");
    assert.ok(c.ci.lower < 1 && c.ci.upper > 1);
    assert.deepEqual(c.n, [20, 20]);
    assert.deepEqual(c.warnings, []);
  });

  test("two draws from the same distribution are not significant", () => {
    const c = compare(normals(2, 20, 100, 2), normals(3, 20, 100, 2), { seed: 1 });
    assert.equal(c.mark, "~");
    assert.ok(c.p > 0.05, `p ${c.p}`);
    assert.ok(c.ci.lower < 1 && c.ci.upper > 1, JSON.stringify(c.ci));
  });

  test("clearly separated samples are significant with the right sign", () => {
    const base = normals(4, 15, 100, 2);
    const faster = normals(5, 15, 50, 1);
    const down = compare(base, faster, { seed: 2 });
    assert.equal(down.significant, true);
    assert.equal(down.mark, "");
    assert.ok(down.delta < -45 && down.delta > -55, `delta ${down.delta}`);
    assert.ok(down.ci.upper < 1);
    assert.equal(down.u, 0);
    const up = compare(faster, base, { seed: 2 });
    assert.equal(up.significant, true);
    assert.ok(up.delta > 80, `delta ${up.delta}`);
    assert.ok(up.ci.lower > 1);
  });

  test("delta is the percent change of the median ratio", () => {
    const base = [1000, 1003, 997, 1001, 999, 1002, 998, 1004, 996, 1000];
    const other = base.map((x) => x * 0.4726);
    const c = compare(base, other, { seed: 3 });
    close(c.ratio, 0.4726, 1e-12);
    close(c.delta, -52.74, 1e-9);
  });

  test("small samples warn in benchstat's words", () => {
    const c3 = compare([10, 11, 12], [20, 21, 22], { seed: 1 });
    assert.equal(c3.p, 0.1); // the best an exact test of 3 vs 3 can do
    assert.equal(c3.mark, "~");
    assert.ok(
      c3.warnings.includes("need >= 4 samples to detect a difference at alpha level 0.05"),
      c3.warnings.join("; "),
    );
    const c4 = compare([10, 11, 12, 13], [20, 21, 22, 23], { seed: 1 });
    assert.equal(c4.significant, true); // p = 2/70 = 0.0286
    assert.ok(!c4.warnings.some((w) => w.startsWith("need >=")));
    assert.ok(c4.warnings.some((w) => w.includes("9+ samples")));
    const strict = compare([10, 11, 12, 13], [20, 21, 22, 23], { seed: 1, alpha: 0.01 });
    assert.equal(strict.significant, false);
    assert.ok(strict.warnings.includes("need >= 5 samples to detect a difference at alpha level 0.01"));
  });

  test("noiseThreshold demands a CI clear of ±threshold", () => {
    const base = normals(6, 30, 100, 0.2);
    const other = base.map((x) => x * 1.01);
    const plain = compare(base, other, { seed: 1 });
    const gated = compare(base, other, { seed: 1, noiseThreshold: 0.02 });
    assert.equal(plain.significant, true);
    assert.equal(gated.significant, false);
    assert.equal(gated.mark, "~");
  });

  test("all-equal input is reported", () => {
    const c = compare([5, 5, 5, 5], [5, 5, 5, 5], { seed: 1 });
    assert.equal(c.p, 1);
    assert.ok(c.warnings.includes("all samples are equal"));
  });
});

describe("geomeanRatio", () => {
  test("geometric mean of per-cell median ratios", () => {
    const cells = [
      { base: [10, 10.1, 9.9, 10.05, 9.95], other: [20, 20.2, 19.8, 20.1, 19.9] }, // ratio 2
      { base: [100, 101, 99, 100.5, 99.5], other: [800, 808, 792, 804, 796] }, // ratio 8
    ];
    const g = geomeanRatio(cells, { seed: 1 });
    close(g.estimate, 4, 1e-12);
    assert.ok(g.lower < 4 && g.upper > 4, JSON.stringify(g));
    assert.ok(g.lower > 3.8 && g.upper < 4.2, JSON.stringify(g));
    const h = geomeanRatio(
      [
        { base: [1, 2, 3], other: [0.5, 1, 1.5] },
        { base: [1, 2, 3], other: [2, 4, 6] },
      ],
      { seed: 1 },
    );
    close(h.estimate, 1, 1e-12);
  });

  test("deterministic per seed; CI narrows with more samples per cell", () => {
    const cellsOf = (n: number, seed: number) =>
      [0, 1, 2, 3].map((i) => ({ base: normals(seed + i, n, 100, 5), other: normals(seed + 10 + i, n, 80, 4) }));
    const small = cellsOf(8, 100);
    assert.deepEqual(geomeanRatio(small, { seed: 9 }), geomeanRatio(small, { seed: 9 }));
    const g8 = geomeanRatio(small, { seed: 9 });
    const g200 = geomeanRatio(cellsOf(200, 200), { seed: 9 });
    assert.ok(g200.upper - g200.lower < (g8.upper - g8.lower) / 2);
    assert.ok(g200.lower < 0.8 && g200.upper > 0.8, JSON.stringify(g200));
  });

  test("rejects empty input and non-positive ratios", () => {
    assert.throws(() => geomeanRatio([], { seed: 1 }), RangeError);
    assert.throws(() => geomeanRatio([{ base: [1, 2], other: [0, 0] }], { seed: 1 }), RangeError);
  });
});

describe("holm", () => {
  test("textbook example", () => {
    const adj = holm([0.01, 0.04, 0.03, 0.005]);
    const want = [0.03, 0.06, 0.06, 0.02];
    for (const [i, p] of adj.entries()) close(p, want[i], 1e-12, `index ${i}`);
  });

  test("monotone in the order of the raw p-values and capped at 1", () => {
    const adj = holm([0.5, 0.6, 0.001]);
    // Sorted 0.001·3 = 0.003, 0.5·2 = 1 → 1, 0.6·1 = 0.6 → max(1, 0.6) = 1.
    assert.deepEqual(adj, [1, 1, 0.003]);
    assert.deepEqual(holm([]), []);
    assert.deepEqual(holm([0.2]), [0.2]);
    assert.throws(() => holm([0.1, Number.NaN]), RangeError);
  });
});

describe("aaFalsePositiveRate", () => {
  test("fraction of results with p ≤ alpha", () => {
    assert.equal(aaFalsePositiveRate([{ p: 0.01 }, { p: 0.2 }, { p: 0.05 }, { p: 0.9 }], 0.05), 0.5);
    assert.equal(aaFalsePositiveRate([{ p: 0.01 }, { p: 0.2 }], 0.001), 0);
    assert.ok(Number.isNaN(aaFalsePositiveRate([], 0.05)));
  });

  test("A/A U tests on one distribution flag about alpha of the cells", () => {
    const results = Array.from({ length: 400 }, (_, i) => mannWhitneyU(normals(5000 + i, 12), normals(9000 + i, 12)));
    const rate = aaFalsePositiveRate(results, 0.05);
    assert.ok(rate > 0.02 && rate < 0.09, `rate ${rate}`);
  });
});
