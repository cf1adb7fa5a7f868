// The harness floor: a batch entry that does no simulated work, measured
// through the same path as the real batches (docs/benchmarking.md). Its
// checksum leaves out `cpu`, so every worker returns the same one.
export function noop_batch(m: usize, cpu: u32, mm: u32, ops: usize, n: u32): u64 {
  return <u64>m + <u64>mm + <u64>ops + <u64>n;
}
