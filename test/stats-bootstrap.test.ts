import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bootstrapCI, createRng, medianCI, percentileInterval, ratioCI } from "../src/stats/index.js";

/** Seeded standard-normal draws (Box–Muller). */
function normals(seed: number, n: number, mu = 0, sd = 1): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => mu + sd * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()));
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe("bootstrap", () => {
  test("the same seed gives the same CI, another seed a different one", () => {
    const xs = normals(1, 40, 100, 5);
    assert.deepEqual(medianCI(xs, { seed: 11 }), medianCI(xs, { seed: 11 }));
    const a = bootstrapCI(xs, mean, { seed: 11 });
    const b = bootstrapCI(xs, mean, { seed: 11 });
    const c = bootstrapCI(xs, mean, { seed: 12 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.equal(a.estimate, c.estimate);
  });

  test("the median CI of a symmetric sample contains the median", () => {
    const xs = Array.from({ length: 41 }, (_, i) => i - 20); // symmetric about 0
    const ci = medianCI(xs, { seed: 3 });
    assert.equal(ci.estimate, 0);
    assert.ok(ci.lower < 0 && ci.upper > 0, JSON.stringify(ci));
    assert.ok(ci.lower >= -20 && ci.upper <= 20);
  });

  test("the CI narrows as n grows (about 1/√n)", () => {
    const small = medianCI(normals(5, 10), { seed: 1 });
    const large = medianCI(normals(6, 1000), { seed: 1 });
    const wSmall = small.upper - small.lower;
    const wLarge = large.upper - large.lower;
    assert.ok(wLarge < wSmall / 3, `widths ${wSmall} vs ${wLarge}`);
    assert.ok(wLarge > 0.1 && wLarge < 0.4, `n=1000 width ${wLarge}`); // ≈ 2·1.96·1.2533/√1000 ≈ 0.155
  });

  test("a wider level gives a wider interval", () => {
    const xs = normals(8, 50);
    const ci90 = medianCI(xs, { seed: 4, level: 0.9 });
    const ci99 = medianCI(xs, { seed: 4, level: 0.99 });
    assert.ok(ci99.lower < ci90.lower && ci99.upper > ci90.upper);
  });

  test("covers the true median about 95% of the time", () => {
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const ci = medianCI(normals(1000 + t, 40), { seed: t, resamples: 400 });
      if (ci.lower <= 0 && 0 <= ci.upper) covered++;
    }
    assert.ok(covered / trials > 0.88 && covered / trials <= 0.99, `coverage ${covered / trials}`);
  });

  test("bootstrapCI of the mean: estimate from the data, a constant sample gives a zero-width CI", () => {
    const xs = normals(9, 60, 10, 2);
    const ci = bootstrapCI(xs, mean, { seed: 2 });
    assert.equal(ci.estimate, mean(xs));
    assert.ok(ci.lower < ci.estimate && ci.estimate < ci.upper);
    // Standard error of the mean is 2/√60 ≈ 0.258, so the 95% CI is about ±0.51.
    assert.ok(ci.upper - ci.lower > 0.6 && ci.upper - ci.lower < 1.4, `width ${ci.upper - ci.lower}`);
    assert.deepEqual(bootstrapCI([3, 3, 3], mean, { seed: 1 }), { estimate: 3, lower: 3, upper: 3 });
  });

  test("the statistic cannot corrupt the caller's samples", () => {
    const xs = [5, 1, 4];
    bootstrapCI(xs, (r) => r.sort((a, b) => a - b)[0], { seed: 1, resamples: 10 });
    assert.deepEqual(xs, [5, 1, 4]);
  });

  test("ratioCI of a sample against itself ×2 is 2 with a CI containing 2", () => {
    const base = normals(10, 30, 100, 3);
    const other = base.map((x) => 2 * x);
    const r = ratioCI(base, other, { seed: 5 });
    assert.ok(Math.abs(r.estimate - 2) < 1e-12);
    assert.ok(r.lower < 2 && r.upper > 2, JSON.stringify(r));
    assert.ok(r.lower > 1.9 && r.upper < 2.1, JSON.stringify(r));
  });

  test("percentileInterval takes the central quantiles and ignores NaN", () => {
    const reps = Array.from({ length: 101 }, (_, i) => i);
    const ci = percentileInterval(reps, 0.9);
    assert.ok(Math.abs(ci.lower - 5) < 1e-9 && Math.abs(ci.upper - 95) < 1e-9, JSON.stringify(ci));
    assert.deepEqual(percentileInterval([Number.NaN, 1, 2, 3], 0.5), { lower: 1.5, upper: 2.5 });
  });

  test("rejects bad options and empty samples", () => {
    assert.throws(() => medianCI([1, 2], { seed: 1, level: 1 }), RangeError);
    assert.throws(() => medianCI([1, 2], { seed: 1, resamples: 0 }), RangeError);
    assert.throws(() => medianCI([], { seed: 1 }), RangeError);
    assert.throws(() => ratioCI([1], [Number.POSITIVE_INFINITY], { seed: 1 }), RangeError);
  });
});
