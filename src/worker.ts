// A piscina worker: one Wasm instance (and one TS twin) over the run's shared
// memory, made once at load from workerData. A task waits at the barrier so
// every worker starts together, then times its calls back to back.
import { threadId, workerData } from "node:worker_threads";
import type { Core, CoreOp } from "./core.js";
import { TsCore } from "./reference/core.js";
import { instantiate } from "./wasm.js";

export interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
}

/** A core operation, or (Wasm only) the primary MMU's batch entry or a worker's scheduled CPUs. */
export type Call = [op: CoreOp | "vm_run_batch" | "cpu_run", ...args: number[]];

export interface Task {
  impl: "wasm" | "ts";
  /** Two u32 words (count, generation) in the shared memory, for barrier_wait. */
  barrier: number;
  parties: number;
  calls: Call[];
  /** How the calls' results add up: plain u64 sums, or sumwords (count and sum added as u32 halves). */
  combine: "add" | "sumword";
}

export interface TaskResult {
  start: bigint;
  end: bigint;
  result: bigint;
  threadId: number;
}

const { module, memory } = workerData as WorkerData;
const wasm = instantiate(module, memory);
const cores: Record<Task["impl"], Core> = { wasm, ts: new TsCore(memory.buffer) };

export default function run(task: Task): TaskResult {
  const core = cores[task.impl] as unknown as Record<string, (...a: number[]) => bigint | number>;
  const fns = task.calls.map(([op]) => core[op]?.bind(core) ?? (task.impl === "wasm" ? wasm.raw[op] : undefined));
  wasm.raw.barrier_wait(task.barrier, task.parties);
  const start = process.hrtime.bigint();
  const results = task.calls.map(([, ...args], i) => BigInt(fns[i](...args)));
  const end = process.hrtime.bigint();
  return { start, end, result: combine(results, task.combine), threadId };
}

/** Adds up the results of calls that split one batch. */
export function combine(results: bigint[], how: Task["combine"]): bigint {
  let hi = 0n;
  let lo = 0n;
  for (const r of results) {
    if (how === "add") lo += r;
    else {
      hi += r >> 32n;
      lo += r & 0xffffffffn;
    }
  }
  return how === "add" ? BigInt.asUintN(64, lo) : (BigInt.asUintN(32, hi) << 32n) | BigInt.asUintN(32, lo);
}
