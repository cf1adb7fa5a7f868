import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  erfc,
  logGamma,
  median,
  normalCdf,
  normalQuantile,
  percentile,
  regularizedBeta,
  studentT975,
  studentTCdf,
  studentTQuantile,
  summarize,
  tukeyFences,
  tukeyOutliers,
} from "../src/stats/index.js";

const close = (actual: number, expected: number, tol: number, msg?: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${msg ?? ""} expected ${expected} ± ${tol}, got ${actual}`);

describe("studentT975", () => {
  test("matches table values to 4 decimals", () => {
    const table: [number, number][] = [
      [1, 12.7062],
      [2, 4.3027],
      [4, 2.7764],
      [10, 2.2281],
      [30, 2.0423],
      [1000, 1.9623],
    ];
    for (const [df, t] of table) close(studentT975(df), t, 5e-5, `df=${df}`);
  });

  test("tends to the normal 1.959964 as df grows", () => {
    close(studentT975(Number.POSITIVE_INFINITY), 1.959964, 1e-6);
    close(studentT975(1e7), 1.959964, 1e-6);
    assert.ok(studentT975(1e7) > studentT975(Number.POSITIVE_INFINITY));
  });

  test("inverts the t CDF", () => {
    for (const df of [1, 3, 7.5, 50]) {
      for (const p of [0.6, 0.9, 0.975, 0.999]) {
        close(studentTCdf(studentTQuantile(p, df), df), p, 1e-12, `df=${df} p=${p}`);
      }
    }
    close(studentTQuantile(0.025, 10), -2.228138851986274, 1e-10);
    assert.ok(Number.isNaN(studentT975(0)));
  });
});

describe("special functions (reference values from SciPy 1.17)", () => {
  test("normal CDF, erfc and the normal quantile", () => {
    close(normalCdf(-1.96), 0.024997895148220435, 1e-15);
    close(normalCdf(-10), 7.61985302416047e-24, 1e-36);
    close(normalCdf(0.3), 0.6179114221889526, 1e-15);
    close(erfc(0.1), 0.8875370839817152, 1e-15);
    close(normalQuantile(0.975), 1.959963984540054, 1e-12);
  });

  test("incomplete beta, t CDF and log-gamma", () => {
    close(regularizedBeta(0.3, 2.5, 4), 0.3521975859067672, 1e-13);
    close(studentTCdf(1.5, 7), 0.911350756505015, 1e-13);
    close(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-14);
    close(logGamma(100), 359.1342053695754, 1e-10);
  });
});

describe("percentiles", () => {
  test("interpolate linearly at index (n − 1)·q", () => {
    const xs = [40, 10, 30, 20];
    assert.equal(percentile(xs, 0), 10);
    assert.equal(percentile(xs, 1), 40);
    assert.equal(percentile(xs, 0.5), 25);
    close(percentile(xs, 0.1), 13, 1e-12); // index 0.3
    close(percentile(xs, 0.75), 32.5, 1e-12); // index 2.25
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([7]), 7);
  });

  test("reject out-of-range q and empty or non-finite input", () => {
    assert.throws(() => percentile([1, 2], 1.5), RangeError);
    assert.throws(() => median([]), RangeError);
    assert.throws(() => summarize([1, Number.NaN]), RangeError);
    assert.throws(() => summarize([]), RangeError);
  });
});

describe("summarize", () => {
  test("[1, 2, 3, 4, 100] by hand", () => {
    const input = [4, 100, 1, 3, 2];
    const s = summarize(input);
    assert.deepEqual(input, [4, 100, 1, 3, 2], "input not mutated");
    assert.equal(s.n, 5);
    assert.equal(s.min, 1);
    assert.equal(s.max, 100);
    close(s.mean, 22, 1e-12);
    assert.equal(s.median, 3);
    assert.equal(s.p75, 4); // index 3
    close(s.p99, 96.16, 1e-9); // index 3.96: 4 + 0.96 · 96
    // Deviations −21, −20, −19, −18, 78: Σd² = 7610, variance 7610/4 = 1902.5.
    close(s.sd, Math.sqrt(1902.5), 1e-12);
    close(s.sem, Math.sqrt(380.5), 1e-12);
    // rme = 100 · t_{0.975,4} · sem / |mean| with t_{0.975,4} = 2.776445105.
    close(s.rme, (100 * 2.776445105 * Math.sqrt(380.5)) / 22, 1e-6);
    close(s.rme, 246.1749, 1e-4);
    // |x − 3| = 2, 1, 0, 1, 97 → median 1.
    assert.equal(s.mad, 1);
    // Q1 = 2, Q3 = 4, IQR 2: 100 > 4 + 3·2.
    assert.deepEqual(s.outliers, { lowSevere: 0, lowMild: 0, highMild: 0, highSevere: 1 });
  });

  test("a single sample has zero spread and zero rme", () => {
    const s = summarize([5]);
    assert.equal(s.sd, 0);
    assert.equal(s.sem, 0);
    assert.equal(s.rme, 0);
    assert.equal(s.mad, 0);
    assert.equal(s.p99, 5);
  });

  test("even n: median averages the middle pair, MAD is unscaled", () => {
    const s = summarize([1, 2, 4, 10]);
    assert.equal(s.median, 3);
    // |x − 3| = 2, 1, 1, 7 → sorted 1, 1, 2, 7 → median 1.5.
    assert.equal(s.mad, 1.5);
    close(s.rme, (100 * studentT975(3) * s.sem) / 4.25, 1e-12);
  });
});

describe("Tukey outliers", () => {
  test("count every class on a constructed array", () => {
    // Sorted: −100, −12, 1..9, 19, 50 (n = 13). Q1 = x[3] = 2, Q3 = x[9] = 8, IQR = 6.
    // Mild fences −7 / 17, severe fences −16 / 26.
    const xs = [50, 1, 2, 3, 4, 5, 6, 7, 8, 9, -12, 19, -100];
    const f = tukeyFences([...xs].sort((a, b) => a - b));
    assert.deepEqual(f, { lowSevere: -16, lowMild: -7, highMild: 17, highSevere: 26 });
    assert.deepEqual(tukeyOutliers(xs), { lowSevere: 1, lowMild: 1, highMild: 1, highSevere: 1 });
  });

  test("a value exactly on a fence is not an outlier", () => {
    // Sorted 0, 1, 2, 3, x: Q1 = 1, Q3 = 3, IQR = 2, high mild fence 6, high severe fence 9.
    assert.deepEqual(tukeyOutliers([0, 1, 2, 3, 6]), { lowSevere: 0, lowMild: 0, highMild: 0, highSevere: 0 });
    assert.deepEqual(tukeyOutliers([0, 1, 2, 3, 6.01]), { lowSevere: 0, lowMild: 0, highMild: 1, highSevere: 0 });
    assert.deepEqual(tukeyOutliers([0, 1, 2, 3, 9]), { lowSevere: 0, lowMild: 0, highMild: 1, highSevere: 0 });
    assert.deepEqual(tukeyOutliers([0, 1, 2, 3, 9.01]), { lowSevere: 0, lowMild: 0, highMild: 0, highSevere: 1 });
  });
});
