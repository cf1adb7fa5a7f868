import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createRng,
  crossover,
  empiricalCrossover,
  fitGrowth,
  fitGrowthFromCells,
  fitModel,
  type GrowthModel,
  predict,
  studentT975,
} from "../src/stats/index.js";

const close = (actual: number, expected: number, tol: number, msg?: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${msg ?? ""} expected ${expected} ± ${tol}, got ${actual}`);

/** Seeded normal draws (Box–Muller). */
function gaussian(seed: number): () => number {
  const rng = createRng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

// Powers of two, each x measured twice (repeated xs are allowed).
const XS = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024].flatMap((x) => [x, x]);

const truths: { model: GrowthModel; a: number; b: number; f: (n: number) => number }[] = [
  { model: "n^2", a: 3, b: 2, f: (n) => n * n },
  { model: "n log n", a: 5, b: 0.5, f: (n) => n * Math.log(n) },
  { model: "log n", a: 1, b: 4, f: (n) => Math.log(n) },
  { model: "n", a: 2, b: 0.25, f: (n) => n },
];

describe("fitGrowth on noiseless data", () => {
  for (const t of truths) {
    test(`recovers y = ${t.a} + ${t.b}·${t.model}`, () => {
      const fit = fitGrowth(
        XS,
        XS.map((n) => t.a + t.b * t.f(n)),
      );
      assert.equal(fit.model, t.model);
      assert.equal(fit.criterion, "AICc");
      close(fit.a, t.a, 1e-6, "a");
      close(fit.b, t.b, 1e-6, "b");
      close(fit.r2, 1, 1e-12, "r2");
      assert.equal(fit.grows, true);
      assert.equal(fit.all.length, 5);
      for (const other of fit.all) assert.ok(other.model === fit.model || other.aicc > fit.aicc, other.model);
    });
  }

  test("a constant is chosen as the constant model and does not grow", () => {
    const fit = fitGrowth(
      XS,
      XS.map(() => 7),
    );
    assert.equal(fit.model, "1");
    assert.equal(fit.a, 7);
    assert.equal(fit.b, 0);
    assert.equal(fit.bCI, undefined);
    assert.equal(fit.grows, false);
  });
});

describe("fitGrowth on noisy data", () => {
  test("y = 7 with tiny noise is constant", () => {
    const g = gaussian(1);
    const fit = fitGrowth(
      XS,
      XS.map(() => 7 + 1e-3 * g()),
    );
    assert.equal(fit.model, "1");
    assert.equal(fit.grows, false);
    close(fit.a, 7, 1e-3);
  });

  test("on pure noise, AICc may pick a curve but `grows` stays false about 95% of the time", () => {
    let grows = 0;
    const trials = 200;
    for (let s = 0; s < trials; s++) {
      const g = gaussian(500 + s);
      if (
        fitGrowth(
          XS,
          XS.map(() => 7 + 1e-3 * g()),
        ).grows
      )
        grows++;
    }
    assert.ok(grows / trials < 0.1, `grows on noise in ${grows}/${trials}`);
  });

  for (const t of truths) {
    test(`bCI contains b for ${t.model} with 1% noise`, () => {
      const g = gaussian(42);
      const ys = XS.map((n) => (t.a + t.b * t.f(n)) * (1 + 0.01 * g()));
      const fit = fitModel(t.model, XS, ys);
      assert.ok(fit?.bCI, "has a CI");
      assert.ok(fit.bCI.lower < t.b && t.b < fit.bCI.upper, JSON.stringify(fit.bCI));
      assert.ok(fit.bCI.lower > 0, "growth detected");
      const chosen = fitGrowth(XS, ys);
      assert.equal(chosen.model, t.model);
      assert.equal(chosen.grows, true);
    });
  }

  test("the 95% t-interval covers b about 95% of the time", () => {
    let covered = 0;
    const trials = 300;
    for (let s = 0; s < trials; s++) {
      const g = gaussian(100 + s);
      const xs = [1, 2, 3, 4, 5, 6, 7, 8];
      const fit = fitModel(
        "n",
        xs,
        xs.map((x) => 1 + 0.5 * x + g()),
      );
      if (fit?.bCI && fit.bCI.lower <= 0.5 && 0.5 <= fit.bCI.upper) covered++;
    }
    assert.ok(covered / trials > 0.91 && covered / trials < 0.98, `coverage ${covered / trials}`);
  });
});

describe("fitModel by hand", () => {
  test("OLS, RSS, r², AICc and the t-interval on four points", () => {
    // x̄ = ȳ = 2.5, Sxx = 5, Sxy = 4 → b = 0.8, a = 0.5; residuals −0.3, 0.9, −0.9, 0.3 → RSS 1.8.
    const fit = fitModel("n", [1, 2, 3, 4], [1, 3, 2, 4]);
    assert.ok(fit);
    close(fit.b, 0.8, 1e-12);
    close(fit.a, 0.5, 1e-12);
    close(fit.rss, 1.8, 1e-12);
    close(fit.r2, 1 - 1.8 / 5, 1e-12);
    // AICc = 4·ln(1.8/4) + 2·2 + 2·2·3/(4 − 2 − 1).
    close(fit.aicc, 4 * Math.log(0.45) + 4 + 12, 1e-12);
    // se(b) = √(1.8/2/5); t_{0.975,2} = 4.302653.
    close(fit.bSE ?? Number.NaN, Math.sqrt(0.18), 1e-12);
    close(fit.bCI?.lower ?? Number.NaN, 0.8 - 4.302653 * Math.sqrt(0.18), 1e-6);
    close(fit.bCI?.upper ?? Number.NaN, 0.8 + studentT975(2) * Math.sqrt(0.18), 1e-12);
    const c = fitModel("1", [1, 2, 3, 4], [1, 3, 2, 4]);
    assert.ok(c);
    close(c.a, 2.5, 1e-12);
    close(c.aicc, 4 * Math.log(5 / 4) + 2 + 4 / 2, 1e-12);
  });

  test("log models need n > 0; a model with f constant over xs is skipped", () => {
    assert.equal(fitModel("log n", [0, 1, 2], [1, 2, 3]), undefined);
    assert.equal(fitModel("n", [3, 3, 3], [1, 2, 3]), undefined);
    const fit = fitGrowth([0, 1, 2, 3, 4], [1, 3, 5, 7, 9]);
    assert.equal(fit.model, "n");
    assert.deepEqual(
      fit.all.map((f) => f.model),
      ["1", "n", "n^2"],
    );
  });

  test("too few points warn and cannot beat the constant model", () => {
    const fit = fitGrowth([1, 2, 3], [1, 2, 3]);
    assert.equal(fit.model, "1");
    assert.ok(fit.warnings.some((w) => w.includes("need >= 4 points")));
  });

  test("fitGrowthFromCells fits the per-cell medians", () => {
    const cells = [1, 2, 3, 4, 5, 6].map((x) => ({ x, samples: [10 * x - 1, 10 * x, 10 * x + 500] }));
    const fit = fitGrowthFromCells(cells);
    assert.equal(fit.model, "n");
    close(fit.b, 10, 1e-9);
    close(fit.a, 0, 1e-9);
  });
});

describe("crossovers", () => {
  test("y = 10 + n and y = 2n cross at n = 10", () => {
    const a = { model: "n" as const, a: 10, b: 1 };
    const b = { model: "n" as const, a: 0, b: 2 };
    close(crossover(a, b, [1, 1000]) ?? Number.NaN, 10, 1e-9);
    close(crossover(b, a, [1, 1000]) ?? Number.NaN, 10, 1e-9);
    assert.equal(crossover(a, b, [11, 1000]), undefined);
    assert.equal(crossover(a, b, [1, 9]), undefined);
  });

  test("n log n against n²: B starts dearer and becomes cheaper", () => {
    const a = { model: "n^2" as const, a: 0, b: 1 };
    const b = { model: "n log n" as const, a: 1000, b: 1 };
    const x = crossover(a, b, [1, 1e6]);
    assert.ok(x !== undefined);
    close(predict(a, x), predict(b, x), 1e-6 * predict(a, x));
    assert.ok(predict(b, x / 2) > predict(a, x / 2) && predict(b, x * 2) < predict(a, x * 2));
  });

  test("empiricalCrossover interpolates between the bracketing points", () => {
    // d = B − A = −6, −2, 2, 6: changes sign between x = 2 and x = 4, zero at 3.
    assert.equal(empiricalCrossover([1, 2, 4, 8], [10, 10, 10, 10], [4, 8, 12, 16]), 3);
    // Unsorted input is sorted by x first.
    assert.equal(empiricalCrossover([8, 1, 4, 2], [10, 10, 10, 10], [16, 4, 12, 8]), 3);
    assert.equal(empiricalCrossover([1, 2, 3], [1, 1, 1], [2, 3, 4]), undefined);
    // Touching zero then crossing: the curves meet at the first zero.
    assert.equal(empiricalCrossover([1, 2, 3, 4], [5, 5, 5, 5], [4, 5, 5, 7]), 2);
    // Touching zero without crossing is not a crossover.
    assert.equal(empiricalCrossover([1, 2, 3], [5, 5, 5], [6, 5, 7]), undefined);
    assert.throws(() => empiricalCrossover([1, 2], [1], [1, 2]), RangeError);
  });
});
