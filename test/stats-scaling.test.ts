import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createRng, scaling } from "../src/stats/index.js";

const close = (actual: number, expected: number, tol: number, msg?: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${msg ?? ""} expected ${expected} ± ${tol}, got ${actual}`);

/** Seeded multiplicative noise around 1 (±2% uniform). */
function jitter(seed: number, n: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => 1 + 0.04 * (rng() - 0.5));
}

describe("scaling", () => {
  test("perfectly linear throughput has speedup N and efficiency 1", () => {
    const noise = jitter(1, 15); // the same noise pattern at every N: medians scale exactly
    const points = [8, 1, 4, 2].map((cpus) => ({ cpus, samples: noise.map((j) => 1e6 * cpus * j) }));
    const out = scaling(points, { seed: 7 });
    assert.deepEqual(
      out.map((p) => p.cpus),
      [1, 2, 4, 8],
    );
    const t1 = out[0].throughput.estimate;
    for (const p of out) {
      close(p.speedup.estimate, p.cpus, 1e-9, `speedup at ${p.cpus}`);
      close(p.efficiency.estimate, 1, 1e-12, `efficiency at ${p.cpus}`);
      close(p.linear, t1 * p.cpus, 1e-6);
      assert.ok(p.efficiency.lower <= 1 && p.efficiency.upper >= 1, JSON.stringify(p.efficiency));
      assert.ok(p.throughput.lower <= p.throughput.estimate && p.throughput.estimate <= p.throughput.upper);
      assert.equal(p.superlinear, false);
    }
    assert.deepEqual(out[0].speedup, { estimate: 1, lower: 1, upper: 1 });
  });

  test("Amdahl-limited throughput has efficiency below 1 with a CI below 1", () => {
    // 10% serial fraction: S(N) = 1 / (0.1 + 0.9/N); S(8) ≈ 4.71.
    const amdahl = (n: number) => 1 / (0.1 + 0.9 / n);
    const points = [1, 2, 4, 8].map((cpus) => ({
      cpus,
      samples: jitter(cpus, 20).map((j) => 1e6 * amdahl(cpus) * j),
    }));
    const out = scaling(points, { seed: 3 });
    const p8 = out[3];
    close(p8.speedup.estimate, amdahl(8), 0.1);
    close(p8.efficiency.estimate, amdahl(8) / 8, 0.02);
    assert.ok(p8.efficiency.upper < 1);
    assert.ok(p8.speedup.lower < amdahl(8) * 1.02 && p8.speedup.upper > amdahl(8) * 0.98, JSON.stringify(p8.speedup));
    close(p8.efficiency.lower * 8, p8.speedup.lower, 1e-12);
  });

  test("super-linear points are flagged", () => {
    const points = [1, 4].map((cpus) => ({
      cpus,
      samples: jitter(cpus, 20).map((j) => 1e6 * (cpus === 4 ? 5 : 1) * j),
    }));
    const out = scaling(points, { seed: 1 });
    assert.equal(out[1].superlinear, true);
    close(out[1].efficiency.estimate, 1.25, 0.03);
  });

  test("deterministic per seed", () => {
    const points = [1, 2].map((cpus) => ({ cpus, samples: jitter(cpus + 10, 12).map((j) => 1e5 * cpus * j) }));
    assert.deepEqual(scaling(points, { seed: 5 }), scaling(points, { seed: 5 }));
  });

  test("needs a cpus=1 point and distinct positive integer cpus", () => {
    assert.throws(() => scaling([{ cpus: 2, samples: [1, 2] }], { seed: 1 }), RangeError);
    assert.throws(
      () =>
        scaling(
          [
            { cpus: 1, samples: [1] },
            { cpus: 1, samples: [2] },
          ],
          { seed: 1 },
        ),
      RangeError,
    );
    assert.throws(() => scaling([{ cpus: 0.5, samples: [1] }], { seed: 1 }), RangeError);
  });
});
