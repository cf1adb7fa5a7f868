// The result file: one versioned shape every reporter reads.

import type { Params } from "./options.js";
import type { Counters } from "./suite.js";

export const SCHEMA_VERSION = 1;

export interface Stats {
  median: number;
  mean: number;
  p99: number;
  min: number;
  max: number;
  /** Relative margin of error of the mean, percent (95%, Student's t). */
  rme: number;
  /** The number of samples. */
  samples: number;
}

export interface Entry {
  name: string;
  params: Params;
  unit: string;
  stats: Stats;
  /** Hex u64: equal across implementations of one op. */
  checksum: string;
  counters: Counters;
  /** Raw samples in `unit`, kept so runs can be compared later. */
  raw: number[];
  /** The median of each interleaved round, in round order (for per-round ratios). */
  round_medians: number[];
}

export interface Skip {
  name: string;
  params: Params;
  reason: string;
}

export interface Failure {
  name: string;
  params: Params;
  error: string;
}

export interface Context {
  date: string;
  host: string;
  cpu: { model: string; cores: number };
  node: string;
  v8: string;
  os: string;
  packages: Record<string, string>;
  git: { commit: string; dirty: boolean };
  build: string;
  command: string;
}

export interface RunResult {
  schema_version: number;
  suite: string;
  run: string;
  context: Context;
  /** Every parameter's values as run (sweeps as lists). */
  params: Record<string, (string | number | boolean)[]>;
  benchmarks: Entry[];
  skipped: Skip[];
  failed: Failure[];
  notes: string[];
  /** The variant the others are compared with (`--baseline`, else the first); `rmapbench report` reuses it. */
  baseline?: string;
  /** "aa" when every variant was the baseline run against itself (`--aa`). */
  mode?: "normal" | "aa";
  /** When the run is one slice of a grid (`--shard i/n`). */
  shard?: { index: number; count: number };
  analysis?: Analysis;
}

/** An estimate with its 95% interval. */
export interface Estimate {
  estimate: number;
  lower: number;
  upper: number;
}

/** Everything derived from the samples: rebuilt by `rmapbench report`, never measured. */
export interface Analysis {
  /** The variant every other variant is compared with (`--baseline`, else the first value). */
  baseline: string;
  variantKey: string;
  alpha: number;
  comparisons: Comparison[];
  /** One per non-baseline variant, over every cell that has both. */
  geomean: Geomean[];
  scaling: Scaling[];
  fits: Fit[];
  crossovers: Crossover[];
  /** A/A mode: how often the machine calls identical variants different. */
  aa?: { alpha: number; tests: number; significant: number; rate: number };
}

export interface Comparison {
  /** The cell: every name parameter but the variant key. */
  key: Params;
  base: string;
  other: string;
  unit: string;
  /** median(other) / median(base), with a bootstrap interval. */
  ratio: Estimate;
  /** Percent change of the median: (ratio - 1) * 100. */
  delta: number;
  /** Mann-Whitney U, two-sided, and Holm-adjusted across the grid. */
  p: number;
  p_adjusted: number;
  significant: boolean;
  /** benchstat's "~" when not significant after adjustment. */
  mark: "~" | "";
  n: [number, number];
  warnings: string[];
}

export interface Geomean {
  base: string;
  other: string;
  cells: number;
  ratio: Estimate;
}

/** Throughput against a worker/CPU-count parameter, per variant and cell. */
export interface Scaling {
  variant: string;
  /** The cell without the variant key and without `x`. */
  key: Params;
  /** The swept parameter, e.g. "workers" or "cpus". */
  x: string;
  points: {
    x: number;
    /** Operations per second. */
    throughput: Estimate;
    speedup: Estimate;
    efficiency: Estimate;
    /** The 1-CPU throughput times x. */
    linear: number;
    superlinear: boolean;
  }[];
}

/** cost = a + b * f(n) against one swept numeric parameter. */
export interface Fit {
  variant: string;
  key: Params;
  x: string;
  model: "1" | "log n" | "n" | "n log n" | "n^2";
  criterion: "AICc";
  a: number;
  b: number;
  /** Undefined for the constant model. */
  b_ci?: { lower: number; upper: number };
  r2: number;
  grows: boolean;
  points: { x: number; median: number }[];
}

/** Where `b` starts to beat `a` along `x` (undefined `at` when it never does in the swept range). */
export interface Crossover {
  key: Params;
  x: string;
  a: string;
  b: string;
  at?: number;
  /** "faster" when b drops below a as x grows, "slower" when it rises above. */
  direction?: "faster" | "slower";
}
