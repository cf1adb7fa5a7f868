"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.noop_batch = noop_batch;
// The harness floor: a batch entry that does no simulated work, measured
// through the same path as the real batches (docs/benchmarking.md). Its
// checksum leaves out `cpu`, so every worker returns the same one.
function noop_batch(m, cpu, mm, ops, n) {
    return m + mm + ops + n;
}
