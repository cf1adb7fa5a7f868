import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { analyze } from "../src/analysis/index.js";
import type { Params } from "../src/options.js";
import type { Entry, RunResult } from "../src/result.js";
import { createRng, holm, median } from "../src/stats/index.js";

const close = (actual: number | undefined, expected: number, tol: number, msg?: string) =>
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= tol,
    `${msg ?? ""} expected ${expected} ± ${tol}, got ${actual}`,
  );

/** n multiplicative noise factors around 1 (±2%, uniform), reproducible from `seed`; their median is not 1. */
function noise(seed: number, n = 12): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => 1 + 0.04 * (rng() - 0.5));
}

/** Samples whose median is exactly `m`: a seeded noise pattern rescaled. */
function around(m: number, seed: number, n = 12): number[] {
  const f = noise(seed, n);
  const med = median(f);
  return f.map((x) => (m * x) / med);
}

function entry(params: Params, raw: number[], unit = "ns/op"): Entry {
  const sorted = [...raw].sort((a, b) => a - b);
  const med = median(raw);
  return {
    name: `t/${Object.entries(params)
      .map(([k, v]) => `${k}=${v}`)
      .join("/")}`,
    params: { seed: 1, rounds: 3, iterations: 4, ...params },
    unit,
    stats: {
      median: med,
      mean: raw.reduce((s, x) => s + x, 0) / raw.length,
      p99: sorted[sorted.length - 1],
      min: sorted[0],
      max: sorted[sorted.length - 1],
      rme: 0,
      samples: raw.length,
    },
    checksum: "0x0000000000000000",
    counters: {},
    raw,
    round_medians: [],
  };
}

function run(benchmarks: Entry[], mode?: "normal" | "aa"): RunResult {
  const params: Record<string, (string | number | boolean)[]> = {};
  for (const e of benchmarks) {
    for (const [k, v] of Object.entries(e.params)) {
      params[k] ??= [];
      if (!params[k].includes(v)) params[k].push(v);
    }
  }
  return {
    schema_version: 1,
    suite: "t",
    run: "test",
    context: {
      date: "",
      host: "",
      cpu: { model: "", cores: 1 },
      node: "",
      v8: "",
      os: "",
      packages: {},
      git: { commit: "", dirty: false },
      build: "",
      command: "",
    },
    params,
    benchmarks,
    skipped: [],
    failed: [],
    notes: [],
    ...(mode ? { mode } : {}),
  };
}

const KEYS = { variantKey: "impl", nameKeys: ["op", "impl", "workers"], seed: 42 };

describe("baseline", () => {
  const r = run(
    ["a", "b", "c"].flatMap((impl, i) =>
      ["walk", "zap"].map((op) => entry({ op, impl, workers: 1 }, around(100 + 10 * i, i + 1))),
    ),
  );

  test("defaults to the first variant seen", () => {
    const a = analyze(r, KEYS);
    assert.equal(a.baseline, "a");
    assert.deepEqual(
      a.comparisons.map((c) => [c.key.op, c.base, c.other]),
      [
        ["walk", "a", "b"],
        ["walk", "a", "c"],
        ["zap", "a", "b"],
        ["zap", "a", "c"],
      ],
    );
    assert.deepEqual(a.comparisons[0].key, { op: "walk", workers: 1 });
  });

  test("an explicit baseline is compared with every other variant", () => {
    const a = analyze(r, { ...KEYS, baseline: "b" });
    assert.equal(a.baseline, "b");
    assert.deepEqual(
      a.comparisons.map((c) => `${c.key.op}:${c.base}/${c.other}`),
      ["walk:b/a", "walk:b/c", "zap:b/a", "zap:b/c"],
    );
    assert.deepEqual(
      a.geomean.map((g) => g.other),
      ["a", "c"],
    );
  });

  test("an unknown baseline throws naming the valid values", () => {
    assert.throws(() => analyze(r, { ...KEYS, baseline: "zz" }), /impl=zz.*valid values: a, b, c/);
  });
});

describe("comparisons", () => {
  test("a clearly faster variant is significant, with ratio < 1 and delta < 0", () => {
    const r = run([
      entry({ op: "walk", impl: "slow", workers: 1 }, around(100, 1)),
      entry({ op: "walk", impl: "fast", workers: 1 }, around(50, 2)),
    ]);
    const [c] = analyze(r, KEYS).comparisons;
    assert.equal(c.base, "slow");
    assert.equal(c.other, "fast");
    close(c.ratio.estimate, 0.5, 1e-12);
    assert.ok(c.ratio.lower <= 0.5 && c.ratio.upper >= 0.5 && c.ratio.upper < 1, JSON.stringify(c.ratio));
    close(c.delta, -50, 1e-9);
    assert.ok(c.p < 1e-5, `p = ${c.p}`);
    assert.equal(c.p_adjusted, c.p); // one test: Holm changes nothing
    assert.equal(c.significant, true);
    assert.equal(c.mark, "");
    assert.deepEqual(c.n, [12, 12]);
    assert.equal(c.unit, "ns/op");
  });

  test("identical samples are not significant: ~", () => {
    const s = around(100, 3);
    const r = run([entry({ op: "walk", impl: "a", workers: 1 }, s), entry({ op: "walk", impl: "b", workers: 1 }, s)]);
    const [c] = analyze(r, KEYS).comparisons;
    assert.equal(c.ratio.estimate, 1);
    assert.equal(c.delta, 0);
    assert.equal(c.significant, false);
    assert.equal(c.mark, "~");
    assert.ok(c.p > 0.9, `p = ${c.p}`);
  });

  test("Holm adjusts p across every cell of the run", () => {
    // Five cells, each with a moderate shift: every raw p is small, and Holm multiplies them up.
    const cells = [0, 1, 2, 3, 4];
    const r = run(
      cells.flatMap((i) => [
        entry({ op: `op${i}`, impl: "a", workers: 1 }, around(100, 10 + i, 8)),
        entry({ op: `op${i}`, impl: "b", workers: 1 }, around(101.5 + 0.1 * i, 20 + i, 8)),
      ]),
    );
    const cmp = analyze(r, KEYS).comparisons;
    assert.equal(cmp.length, 5);
    const expected = holm(cmp.map((c) => c.p));
    assert.deepEqual(
      cmp.map((c) => c.p_adjusted),
      expected,
    );
    assert.ok(
      cmp.some((c) => c.p_adjusted > c.p),
      `no p changed: ${cmp.map((c) => c.p)}`,
    );
    for (const c of cmp) assert.equal(c.significant, c.p_adjusted <= 0.05 && (c.ratio.upper < 1 || c.ratio.lower > 1));
    // At least one test would pass alone and fails after adjustment.
    assert.ok(
      cmp.some((c) => c.p <= 0.05 && !c.significant),
      `p: ${cmp.map((c) => c.p.toFixed(4))} adjusted: ${cmp.map((c) => c.p_adjusted.toFixed(4))}`,
    );
  });

  test("entries of different units are never compared; ns/batch entries are", () => {
    const r = run([
      entry({ op: "floor", impl: "a", workers: 1 }, around(300, 1), "ns/batch"),
      entry({ op: "floor", impl: "b", workers: 1 }, around(150, 2), "ns/batch"),
      entry({ op: "walk", impl: "a", workers: 1 }, around(100, 3), "ns/op"),
      entry({ op: "walk", impl: "b", workers: 1 }, around(50, 4), "ns/batch"),
    ]);
    const a = analyze(r, KEYS);
    assert.deepEqual(
      a.comparisons.map((c) => [c.key.op, c.unit]),
      [["floor", "ns/batch"]],
    );
    close(a.comparisons[0].ratio.estimate, 0.5, 1e-12);
    assert.equal(a.geomean[0].cells, 1);
  });

  test("deterministic, and independent of entry order", () => {
    const entries = [0, 1, 2].flatMap((i) => [
      entry({ op: `op${i}`, impl: "a", workers: 1 }, around(100, 30 + i)),
      entry({ op: `op${i}`, impl: "b", workers: 1 }, around(90, 40 + i)),
    ]);
    const a1 = analyze(run(entries), KEYS);
    const a2 = analyze(run(entries), KEYS);
    assert.deepEqual(a1, a2);
    // Cells reversed, variants kept in the same order: the same intervals, cell by cell.
    const reversed = [4, 5, 2, 3, 0, 1].map((i) => entries[i]);
    const a3 = analyze(run(reversed), KEYS);
    assert.deepEqual(a3.comparisons, [...a1.comparisons].reverse());
    assert.deepEqual(a3.geomean, a1.geomean);
    const a4 = analyze(run(entries), { ...KEYS, seed: 43 });
    assert.notDeepEqual(a4.comparisons[0].ratio, a1.comparisons[0].ratio);
  });
});

describe("geomean", () => {
  test("every cell at exactly 0.5× the baseline gives 0.5", () => {
    const r = run(
      [10, 100, 1000].flatMap((scale, i) => {
        const base = around(scale, 50 + i);
        return [
          entry({ op: `op${i}`, impl: "a", workers: 1 }, base),
          entry(
            { op: `op${i}`, impl: "b", workers: 1 },
            base.map((x) => x / 2),
          ),
          entry(
            { op: `op${i}`, impl: "c", workers: 1 },
            base.map((x) => x * (i === 0 ? 4 : 1)),
          ),
        ];
      }),
    );
    const g = analyze(r, KEYS).geomean;
    assert.deepEqual(
      g.map((x) => [x.base, x.other, x.cells]),
      [
        ["a", "b", 3],
        ["a", "c", 3],
      ],
    );
    close(g[0].ratio.estimate, 0.5, 1e-12);
    assert.ok(g[0].ratio.lower <= 0.5 && g[0].ratio.upper >= 0.5, JSON.stringify(g[0].ratio));
    assert.ok(g[0].ratio.upper < 0.6 && g[0].ratio.lower > 0.4, JSON.stringify(g[0].ratio));
    close(g[1].ratio.estimate, 4 ** (1 / 3), 1e-12); // ratios 4, 1, 1
  });
});

describe("scaling", () => {
  test("perfectly linear throughput over workers = 1, 2, 4 has efficiency 1", () => {
    const pattern = around(120, 60);
    const r = run(
      [4, 1, 2].flatMap((w) => [
        // ns/op falls as 1/w: throughput = w × the 1-worker throughput.
        entry(
          { op: "walk", impl: "a", workers: w },
          pattern.map((x) => x / w),
        ),
        // b does not scale at all.
        entry({ op: "walk", impl: "b", workers: w }, pattern),
      ]),
    );
    const s = analyze(r, KEYS).scaling;
    assert.deepEqual(
      s.map((x) => [x.variant, x.x, JSON.stringify(x.key)]),
      [
        ["a", "workers", '{"op":"walk"}'],
        ["b", "workers", '{"op":"walk"}'],
      ],
    );
    assert.deepEqual(
      s[0].points.map((p) => p.x),
      [1, 2, 4],
    );
    const t1 = 1e9 / 120;
    for (const p of s[0].points) {
      close(p.throughput.estimate, t1 * p.x, 1e-6 * t1, `throughput at ${p.x}`);
      close(p.speedup.estimate, p.x, 1e-9, `speedup at ${p.x}`);
      close(p.efficiency.estimate, 1, 1e-9, `efficiency at ${p.x}`);
      close(p.linear, t1 * p.x, 1e-6 * t1);
      assert.ok(p.efficiency.lower <= 1 + 1e-9 && p.efficiency.upper >= 1 - 1e-9, JSON.stringify(p.efficiency));
      assert.equal(p.superlinear, false);
    }
    close(s[1].points[2].efficiency.estimate, 0.25, 1e-9);
  });

  test("no scaling without a workers = 1 point, nor for ns/batch", () => {
    const noOne = run([2, 4].map((w) => entry({ op: "walk", impl: "a", workers: w }, around(100 / w, w))));
    assert.deepEqual(analyze(noOne, KEYS).scaling, []);
    const batch = run([1, 2].map((w) => entry({ op: "floor", impl: "a", workers: w }, around(100, w), "ns/batch")));
    assert.deepEqual(analyze(batch, KEYS).scaling, []);
  });
});

describe("fits", () => {
  const XS = [1, 2, 4, 8, 16, 32, 64]; // mapcount=1..64*2
  const sweep = (cost: Record<string, (n: number) => number>) =>
    run(
      XS.flatMap((n, i) =>
        Object.entries(cost).map(([impl, f], j) =>
          // mapcount is not a name key (as in kernels): the sweep still makes separate cells.
          entry({ op: "rmap_lookup", impl, workers: 1, mapcount: n }, around(f(n), 100 + 10 * i + j)),
        ),
      ),
    );

  test("cost = 10 + 3n is fitted as n with b = 3, and grows; a constant series is 1 and does not", () => {
    const a = analyze(sweep({ lin: (n) => 10 + 3 * n, flat: () => 25 }), KEYS);
    assert.equal(a.comparisons.length, XS.length);
    assert.deepEqual(a.comparisons[0].key, { op: "rmap_lookup", workers: 1, mapcount: 1 });
    assert.deepEqual(
      a.fits.map((f) => [f.variant, f.x, JSON.stringify(f.key)]),
      [
        ["lin", "mapcount", '{"op":"rmap_lookup","workers":1}'],
        ["flat", "mapcount", '{"op":"rmap_lookup","workers":1}'],
      ],
    );
    const [lin, flat] = a.fits;
    assert.equal(lin.model, "n");
    assert.equal(lin.criterion, "AICc");
    close(lin.b, 3, 1e-9);
    close(lin.a, 10, 1e-9);
    assert.ok(lin.b_ci && lin.b_ci.lower <= 3 + 1e-9 && lin.b_ci.upper >= 3 - 1e-9, JSON.stringify(lin.b_ci));
    assert.equal(lin.grows, true);
    close(lin.r2, 1, 1e-12);
    assert.deepEqual(
      lin.points.map((p) => p.x),
      XS,
    );
    close(lin.points[6].median, 10 + 3 * 64, 1e-9);

    assert.equal(flat.model, "1");
    assert.equal(flat.grows, false);
    assert.equal(flat.b_ci, undefined);
    close(flat.a, 25, 1e-9);
  });

  test("fewer than 4 values, harness parameters and scaling keys are not fitted", () => {
    const few = run([1, 2, 4].map((n) => entry({ op: "w", impl: "a", workers: 1, mapcount: n }, around(n, n))));
    assert.deepEqual(analyze(few, KEYS).fits, []);
    const seeds = run([1, 2, 3, 4].map((s) => entry({ op: "w", impl: "a", workers: 1, seed: s }, around(10, s))));
    assert.deepEqual(analyze(seeds, KEYS).fits, []);
    const workers = run([1, 2, 4, 8].map((w) => entry({ op: "w", impl: "a", workers: w }, around(10 / w, w))));
    const aw = analyze(workers, KEYS);
    assert.deepEqual(aw.fits, []);
    assert.equal(aw.scaling.length, 1);
  });
});

describe("crossovers", () => {
  // A costs 10 + x, B costs 2x: B is faster below x = 10, equal at 10, slower above.
  const costs = { A: (x: number) => 10 + x, B: (x: number) => 2 * x };
  const sweep = (xs: number[], cost: Record<string, (x: number) => number>) =>
    run(
      xs.flatMap((x) =>
        Object.entries(cost).map(([impl, f], j) =>
          entry({ op: "zap", impl, workers: 1, range: x }, around(f(x), 7 * x + j, 5)),
        ),
      ),
    );
  const arithmetic = Array.from({ length: 32 }, (_, i) => i + 1);

  test("B stops beating the baseline A at x = 10: direction slower", () => {
    const [c, ...rest] = analyze(sweep(arithmetic, costs), KEYS).crossovers;
    assert.equal(rest.length, 0);
    assert.deepEqual(c, { key: { op: "zap", workers: 1 }, x: "range", a: "A", b: "B", at: 10, direction: "slower" });
  });

  test("interpolated between geometric points; baseline B sees A start to beat it: direction faster", () => {
    const xs = [1, 2, 4, 8, 16, 32];
    const [c] = analyze(sweep(xs, costs), { ...KEYS, baseline: "B" }).crossovers;
    assert.equal(c.a, "B");
    assert.equal(c.b, "A");
    close(c.at, 10, 1e-9); // 8 + 8·2/(2 + 6)
    assert.equal(c.direction, "faster");
  });

  test("no sign change: at and direction are undefined", () => {
    const [c] = analyze(sweep(arithmetic.slice(0, 8), { A: (x) => 100 + x, B: (x) => 1 + x }), KEYS).crossovers;
    assert.equal(c.at, undefined);
    assert.equal(c.direction, undefined);
    assert.equal(c.b, "B");
  });
});

describe("A/A mode", () => {
  test("counts raw-p false positives over every comparison, before Holm", () => {
    const cells = [0, 1, 2, 3, 4];
    const entries = cells.flatMap((i) => {
      const s = around(100, 200 + i);
      // Cells 0 and 1 differ by 50% and cell 2 by 1.2% (false positives in an A/A run, the last one with
      // p ≈ 0.007: below alpha alone, above it after Holm); cells 3 and 4 repeat the same samples.
      const other = i < 2 ? s.map((x) => x * 1.5) : i === 2 ? around(101.2, 302) : s;
      return [
        entry({ op: `op${i}`, impl: "a", workers: 1 }, s),
        entry({ op: `op${i}`, impl: "a'", workers: 1 }, other),
      ];
    });
    const a = analyze(run(entries, "aa"), { ...KEYS, alpha: 0.01 });
    assert.ok(a.comparisons[2].p <= 0.01 && !a.comparisons[2].significant, JSON.stringify(a.comparisons[2]));
    assert.deepEqual(a.aa, { alpha: 0.01, tests: 5, significant: 3, rate: 0.6 });
    assert.equal(a.alpha, 0.01);
    assert.equal(analyze(run(entries), KEYS).aa, undefined);
  });
});
