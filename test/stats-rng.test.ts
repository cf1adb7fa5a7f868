import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createRng, deriveSeed, splitmix32, xoshiro128ss } from "../src/stats/index.js";

describe("rng", () => {
  test("xoshiro128** matches the reference output for state (1, 2, 3, 4)", () => {
    const next = xoshiro128ss(1, 2, 3, 4);
    const got = Array.from({ length: 6 }, () => next());
    assert.deepEqual(got, [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  test("xoshiro128** rejects the all-zero state", () => {
    assert.throws(() => xoshiro128ss(0, 0, 0, 0), RangeError);
  });

  test("splitmix32 yields uint32 values that differ from step to step", () => {
    const next = splitmix32(0);
    const xs = Array.from({ length: 100 }, () => next());
    for (const x of xs) assert.ok(Number.isInteger(x) && x >= 0 && x < 2 ** 32);
    assert.equal(new Set(xs).size, 100);
  });

  test("createRng is deterministic per seed and differs between seeds", () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xa = Array.from({ length: 50 }, () => a());
    const xb = Array.from({ length: 50 }, () => b());
    const xc = Array.from({ length: 50 }, () => c());
    assert.deepEqual(xa, xb);
    assert.notDeepEqual(xa, xc);
    // Large seeds that agree in the low 32 bits still give different streams.
    assert.notEqual(createRng(1)(), createRng(2 ** 32 + 1)());
  });

  test("createRng draws uniformly from [0, 1)", () => {
    const rng = createRng(7);
    const n = 100_000;
    const bins = new Array<number>(10).fill(0);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const u = rng();
      assert.ok(u >= 0 && u < 1);
      sum += u;
      bins[Math.floor(u * 10)]++;
    }
    assert.ok(Math.abs(sum / n - 0.5) < 0.005, `mean ${sum / n}`);
    for (const b of bins) assert.ok(Math.abs(b - n / 10) < 500, `bin count ${b}`);
  });

  test("deriveSeed gives distinct streams per index", () => {
    const seeds = [0, 1, 2, 3, 4].map((i) => deriveSeed(99, i));
    assert.equal(new Set(seeds).size, 5);
    assert.equal(deriveSeed(99, 3), seeds[3]);
  });

  test("createRng rejects non-finite seeds", () => {
    assert.throws(() => createRng(Number.NaN), RangeError);
  });
});
