// What a suite is: a parameter schema and a way to prepare one variant of
// one cell. The harness (src/measure.ts) interleaves a cell's variants.
import type { ParamSchema, Params } from "./options.js";

/** One timed batch, timed inside the batch's own thread or process. */
export interface BatchResult {
  /** Wall time of the batch in ns (over all workers when there are several). */
  ns: number;
  checksum: bigint;
}

export type Counters = Record<string, number>;

export interface Prepared {
  /** Simulated operations per batch (per all workers together). */
  ops: number;
  unit: "ns/op" | "ns/batch";
  /** Whether batch() returns a promise (worker pools, native subprocess). */
  async: boolean;
  batch(): BatchResult | Promise<BatchResult>;
  /** Deterministic work per op, read after one batch. */
  counters(): Counters | Promise<Counters>;
}

export interface Skipped {
  skip: string;
}

export interface SuiteContext {
  /** A per-run cache, so cells that share a workload build it once. */
  cache<T>(key: string, make: () => Promise<T>): Promise<T>;
  /** Registers cleanup run when the run ends. */
  onClose(fn: () => Promise<void> | void): void;
  note(msg: string): void;
}

export interface Suite {
  name: string;
  doc: string;
  params: ParamSchema;
  /** The parameter whose values are compared side by side, interleaved, within a cell. */
  variantKey: string;
  /** Parameters that name an entry (Go sub-benchmark style), in order. */
  nameKeys: string[];
  /** Parameters that only shape the measurement, not the workload (kept out of the cell key for the cache). */
  prepare(params: Params, ctx: SuiteContext): Promise<Prepared | Skipped>;
  /** Checks one cell's parameters before anything runs; returns the problem (naming the parameter and the fix). */
  validate?(params: Params): string | undefined;
  /** What is wrong with a measured entry (checker violations, say): the run then exits 1. */
  verdict?(entry: import("./result.js").Entry): string | undefined;
  /** Parameters read as CPU counts for speedup and efficiency (default: `workers`). */
  scalingKeys?: string[];
  /** Lines printed under the table: targets, notes. */
  summary?(entries: import("./result.js").Entry[]): string[];
}
