// scaling: one VM operation kind on several worker threads at once, each a
// simulated CPU working on its own fork families over the one shared memory,
// every design side by side. Throughput against workers, with speedup and
// efficiency, comes from the analysis of the `workers` sweep. The families
// share the frame allocator, the LRU, the pools and the swap and page-cache
// locks, so those are what contention can meet.
import { harnessParams } from "../src/common.js";
import { int, oneOf, type Params } from "../src/options.js";
import { WorkerPool } from "../src/pool.js";
import type { Counters, Prepared, Suite, SuiteContext } from "../src/suite.js";
import type { VmMachine, VmOp } from "../src/vm/machine.js";
import { type Built, prepareCell, scenarioParams, validateScenario, vmDefs } from "../src/vm/suite.js";

const OPS = ["munmap", "cow", "reclaim", "mprotect"] as const;

const pools = new WeakMap<VmMachine, Map<number, Promise<{ pool: WorkerPool }>>>();

function poolFor(vm: VmMachine, workers: number, ctx: SuiteContext): Promise<{ pool: WorkerPool }> {
  let byN = pools.get(vm);
  if (!byN) {
    byN = new Map();
    pools.set(vm, byN);
  }
  let p = byN.get(workers);
  if (!p) {
    const barrier = vm.arena.alloc(64, 64); // kept for the machine's life
    p = WorkerPool.open(workers, { module: vm.module, memory: vm.memory }, barrier).then((pool) => {
      ctx.onClose(() => pool.close());
      return { pool };
    });
    byN.set(workers, p);
  }
  return p;
}

/** Splits a batch by family: worker w takes the families f with f mod workers = w. */
function split(b: Built, ops: VmOp[], workers: number): VmOp[][] {
  const family = new Map<number, number>();
  b.sc.members.forEach((fam, f) => {
    for (const mm of fam) family.set(mm, f);
  });
  const out: VmOp[][] = Array.from({ length: workers }, () => []);
  for (const o of ops) out[(family.get(o.mm ?? 0) ?? 0) % workers].push(o);
  return out;
}

export const scaling: Suite = {
  name: "scaling",
  doc: "one VM operation on several worker threads at once, each on its own families; one op = one operation of `op`",
  variantKey: "design",
  nameKeys: ["design", "secondary", "op", "workers"],
  params: {
    op: oneOf("the VM operation each worker runs (a VM suite's)", OPS, "munmap"),
    workers: int("worker threads, each a simulated CPU on its own families", [1, 2, 4], 1, 64),
    ...scenarioParams,
    ...harnessParams,
  },
  validate: (p) => {
    const bad = validateScenario(p);
    if (bad) return bad;
    if (p.design === "none" && p.op === "secfault") return "secfault needs a design";
    return undefined;
  },
  async prepare(p: Params, ctx: SuiteContext): Promise<Prepared | { skip: string }> {
    const def = vmDefs.get(p.op as string);
    if (!def) return { skip: `no VM suite ${p.op}` };
    const workers = p.workers as number;
    const { b, ops } = await prepareCell(def, p, ctx);
    if (typeof ops === "string") return { skip: ops };
    const parts = split(b, ops, workers);
    if (parts.some((x) => !x.length)) return { skip: `fewer families (${b.sc.families}) than workers (${workers})` };
    const { vm } = b;
    const { pool } = await poolFor(vm, workers, ctx);
    let last: Counters = {};
    return {
      ops: ops.length,
      unit: "ns/op",
      async: true,
      batch: async () => {
        vm.restore(b.snapshot);
        const mark = vm.arena.mark();
        const addrs = parts.map((x) => vm.place(x));
        const before = Array.from({ length: workers }, (_, w) => vm.stats(w));
        const step = await pool.step((w) => ({
          impl: "wasm",
          calls: [["vm_run_batch", vm.m, w, addrs[w], parts[w].length, 0]],
          combine: "add",
        }));
        vm.arena.release(mark);
        const c: Counters = {};
        for (const k of ["rmap_visits", "ptes_cleared", "tlb_flushes", "notifier_calls", "modeled_ns"]) {
          let sum = 0;
          for (let w = 0; w < workers; w++) sum += vm.stats(w)[k] - before[w][k];
          c[k] = sum / ops.length;
        }
        last = c;
        // frames are handed out in whatever order the workers reach the allocator, so the
        // checksum is what does not depend on the interleaving: how many operations succeeded
        let ok = 0n;
        for (const r of step.results) ok += r.result;
        return { ns: step.wallNs, checksum: (BigInt(ops.length) << 32n) | ok };
      },
      counters: () => last,
    };
  },
};
