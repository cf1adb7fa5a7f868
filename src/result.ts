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
}
