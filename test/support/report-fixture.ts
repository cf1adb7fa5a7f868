// A hand-built run for the reporter tests: fixed samples, a fixed context and a hand-written Analysis (the reporters
// only format it, so its numbers need not be what src/analysis would compute from these samples).
import type { Params } from "../../src/options.js";
import type { Analysis, Entry, RunResult } from "../../src/result.js";
import { summarize } from "../../src/stats/summary.js";

/** `n` deterministic samples around `m`: m·(1 + spread·w) for a fixed pattern w in [-1, 1]. */
export function around(m: number, n: number, spread = 0.01): number[] {
  const w = [0, 0.5, -0.5, 1, -1, 0.25, -0.25, 0.75, -0.75, 0.1];
  return Array.from({ length: n }, (_, i) => Number((m * (1 + spread * w[i % w.length])).toPrecision(6)));
}

function entry(params: Params, unit: string, raw: number[], counters: Record<string, number>): Entry {
  const s = summarize(raw);
  return {
    name: `kernels/op=${params.op}/impl=${params.impl}/workers=${params.workers}`,
    params,
    unit,
    stats: {
      median: s.median,
      mean: s.mean,
      p99: s.p99,
      min: s.min,
      max: s.max,
      rme: s.rme,
      samples: s.n,
    },
    checksum: params.op === "walk" ? "0x00000000deadbeef" : "0x0000000000000000",
    counters,
    raw,
    round_medians: [s.median, s.median],
  };
}

const base = { regions: 64, seed: 1, rounds: 2, iterations: 4 };

export const NAME_KEYS = ["op", "impl", "workers"];
export const SUMMARY = ["walk: wasm/native 1.21x (target <= 1.25x), ts/wasm 1.70x"];

export function fixture(): RunResult {
  const walk = (impl: string, workers: number, m: number) =>
    entry({ op: "walk", impl, workers, ...base }, "ns/op", around(m, 8), { levels: 4 });
  const floor = (impl: string, workers: number, m: number) =>
    entry({ op: "floor", impl, workers, ...base }, "ns/batch", around(m, 4, 0.02), {});
  const analysis: Analysis = {
    baseline: "wasm",
    variantKey: "impl",
    alpha: 0.05,
    comparisons: [
      cmp({ op: "walk", workers: 1 }, "ts", "ns/op", [1.7, 1.68, 1.73], 0.0002, 0.0008, true, [8, 8]),
      cmp({ op: "walk", workers: 1 }, "native", "ns/op", [0.83, 0.82, 0.84], 0.0002, 0.0008, true, [8, 8]),
      cmp({ op: "walk", workers: 2 }, "ts", "ns/op", [1.69, 1.66, 1.71], 0.0002, 0.0008, true, [8, 8]),
      cmp({ op: "walk", workers: 2 }, "native", "ns/op", [0.99, 0.97, 1.02], 0.41, 0.82, false, [8, 8]),
      cmp(
        { op: "floor", workers: 1 },
        "ts",
        "ns/batch",
        [1.02, 0.95, 1.1],
        0.69,
        1,
        false,
        [4, 4],
        ["n=4 samples: the U test cannot reach p < 0.05 with fewer than 4 samples per side at this α"],
      ),
      cmp({ op: "floor", workers: 2 }, "ts", "ns/batch", [0.36, 0.34, 0.38], 0.0286, 0.1144, false, [4, 4]),
    ],
    geomean: [
      { base: "wasm", other: "ts", cells: 4, ratio: { estimate: 1.0234, lower: 0.981, upper: 1.066 } },
      { base: "wasm", other: "native", cells: 2, ratio: { estimate: 0.36, lower: 0.339, upper: 0.382 } },
    ],
    scaling: [scaling("wasm", 2.86e8, [1.93, 1.88, 1.97], false), scaling("ts", 1.68e8, [2.04, 1.99, 2.1], true)],
    fits: [
      {
        variant: "wasm",
        key: { op: "rmap_lookup", workers: 1 },
        x: "mapcount",
        model: "n",
        criterion: "AICc",
        a: 12.5,
        b: 3.25,
        b_ci: { lower: 3.1, upper: 3.4 },
        r2: 0.9987,
        grows: true,
        points: [
          { x: 1, median: 15.8 },
          { x: 4, median: 25.4 },
          { x: 16, median: 64.1 },
          { x: 64, median: 220.3 },
        ],
      },
      {
        variant: "ts",
        key: { op: "rmap_lookup", workers: 1 },
        x: "mapcount",
        model: "1",
        criterion: "AICc",
        a: 80.2,
        b: 0,
        r2: 0,
        grows: false,
        points: [
          { x: 1, median: 79.5 },
          { x: 4, median: 81 },
          { x: 16, median: 80.4 },
          { x: 64, median: 79.9 },
        ],
      },
    ],
    crossovers: [
      { key: { op: "rmap_lookup", workers: 1 }, x: "mapcount", a: "wasm", b: "ts", at: 21.5, direction: "faster" },
      { key: { op: "walk", workers: 1 }, x: "mapcount", a: "wasm", b: "native" },
    ],
    aa: { alpha: 0.05, tests: 40, significant: 3, rate: 0.075 },
  };
  return {
    schema_version: 1,
    suite: "kernels",
    run: "20260101-000000Z",
    context: {
      date: "2026-01-01T00:00:00.000Z",
      host: "bench-host",
      cpu: { model: "Example CPU @ 3.00GHz", cores: 2 },
      node: "v20.19.0",
      v8: "11.3.244.8-node.23",
      os: "Linux 6.1.0 x64",
      packages: { tinybench: "6.2.5", piscina: "5.3.2" },
      git: { commit: "0123456789abcdef0123456789abcdef01234567", dirty: false },
      build: "release",
      command: "rmapbench run kernels --set op=walk,floor --set impl=wasm,ts,native",
    },
    params: {
      op: ["walk", "floor"],
      impl: ["wasm", "ts", "native"],
      workers: [1, 2],
      regions: [64],
      seed: [1],
      rounds: [2],
      iterations: [4],
    },
    benchmarks: [
      walk("wasm", 1, 3.5),
      walk("ts", 1, 5.95),
      walk("native", 1, 2.9),
      walk("wasm", 2, 1.81),
      walk("ts", 2, 3.06),
      walk("native", 2, 1.79),
      floor("wasm", 1, 410),
      floor("ts", 1, 418),
      floor("wasm", 2, 52100),
      floor("ts", 2, 18800),
    ],
    skipped: [
      {
        name: "kernels/op=floor/impl=native/workers=1",
        params: { op: "floor", impl: "native", workers: 1 },
        reason: "no C compiler",
      },
      {
        name: "kernels/op=floor/impl=native/workers=2",
        params: { op: "floor", impl: "native", workers: 2 },
        reason: "no C compiler",
      },
    ],
    failed: [],
    notes: ["kernels workload: 384 MiB, built in 1.20 s"],
    mode: "normal",
    analysis,
  };
}

function cmp(
  key: Params,
  other: string,
  unit: string,
  [estimate, lower, upper]: number[],
  p: number,
  p_adjusted: number,
  significant: boolean,
  n: [number, number],
  warnings: string[] = [],
): Analysis["comparisons"][number] {
  return {
    key,
    base: "wasm",
    other,
    unit,
    ratio: { estimate, lower, upper },
    delta: (estimate - 1) * 100,
    p,
    p_adjusted,
    significant,
    mark: significant ? "" : "~",
    n,
    warnings,
  };
}

function scaling(
  variant: string,
  t1: number,
  [s, lo, hi]: number[],
  superlinear: boolean,
): Analysis["scaling"][number] {
  return {
    variant,
    key: { op: "walk" },
    x: "workers",
    points: [
      {
        x: 1,
        throughput: { estimate: t1, lower: t1 * 0.99, upper: t1 * 1.01 },
        speedup: { estimate: 1, lower: 1, upper: 1 },
        efficiency: { estimate: 1, lower: 1, upper: 1 },
        linear: t1,
        superlinear: false,
      },
      {
        x: 2,
        throughput: { estimate: t1 * s, lower: t1 * lo, upper: t1 * hi },
        speedup: { estimate: s, lower: lo, upper: hi },
        efficiency: { estimate: s / 2, lower: lo / 2, upper: hi / 2 },
        linear: 2 * t1,
        superlinear,
      },
    ],
  };
}
