// The simulator core's interface: the Wasm module (src/wasm.ts) and the TS
// twin (src/reference/core.ts) both implement it over the same memory layout,
// so tests and benchmarks drive either through one type. Addresses are byte
// offsets into the core's memory; u64 results come back as unsigned bigints.

export interface Core {
  readonly impl: "wasm" | "ts";
  /** The memory the core works on (shared for Wasm). */
  readonly buffer: ArrayBufferLike;
  machine_init(m: number): void;
  mm_init(m: number, mm: number): boolean;
  pt_map(m: number, mm: number, va: bigint, pte: bigint): number;
  pt_map_batch(m: number, mm: number, vas: number, ptes: number, n: number): number;
  pt_walk_batch(m: number, cpu: number, mm: number, vas: number, n: number, out: number): bigint;
  pt_zap_batch(m: number, cpu: number, mm: number, ranges: number, n: number): bigint;
  pt_protect_batch(m: number, cpu: number, mm: number, ranges: number, n: number): bigint;
  pt_mkold_batch(m: number, cpu: number, mm: number, ranges: number, n: number): bigint;
  pt_digest(m: number, mm: number): bigint;
  rmap_add_batch(m: number, pfns: number, ents: number, n: number): number;
  rmap_remove_batch(m: number, pfns: number, ents: number, n: number): number;
  rmap_lookup_batch(m: number, cpu: number, pfns: number, n: number, out: number): bigint;
  vidx_insert_batch(m: number, keys: number, handles: number, n: number): number;
  vidx_remove_batch(m: number, keys: number, n: number): number;
  vidx_lookup_batch(m: number, cpu: number, keys: number, n: number, out: number): bigint;
  noop_batch(m: number, cpu: number, mm: number, ops: number, n: number): bigint;
}

export type CoreOp = Exclude<keyof Core, "impl" | "buffer">;
