// The scheduled-CPU suites' common part (stress, scaling): the scenario's
// machine built once per configuration, one seeded stream per CPU, a batch
// that restores the machine and runs every stream on `workers` threads, and
// the checker's verdict over the whole machine afterwards.
import { availableParallelism } from "node:os";
import { harnessParams } from "../common.js";
import { int, num, oneOf, type Params } from "../options.js";
import { WorkerPool } from "../pool.js";
import type { Counters, Prepared, SuiteContext } from "../suite.js";
import { CHECK_RULES, OP } from "../vmlayout.js";
import { forksPerCpu, MIXES, type Mix, makeStreams } from "../workload/mix.js";
import type { VmMachine } from "./machine.js";
import { DONE_BYTES, runScheduled, type SchedOutcome } from "./sched.js";
import { prepareCell, scenarioParams, type VmSuiteDef } from "./suite.js";

export const schedParams = {
  ...scenarioParams,
  cpus: int("simulated CPUs, each running its own seeded stream of `ops` records", 4, 1, 64),
  workers: int(
    "worker threads the CPUs are spread over (CPU c on worker c mod workers; at most cpus are used); default: the machine's cores; 1 is deterministic mode",
    Math.min(64, availableParallelism()),
    1,
    64,
  ),
  ops: int("records each CPU draws from the mix", 1000, 1, 1 << 20),
  mix: oneOf("the operation mix (src/workload/mix.ts)", Object.keys(MIXES) as Mix[], "mixed"),
  share: num("fraction of a CPU's records aimed at any process instead of its own share", 0.5, 0, 1),
  procs: int("processes in the scenario (families of mapcount + children)", 8, 1, 1 << 16),
  pages: int("pages per VMA", 64, 1, 1 << 27),
  vmas: int("VMAs per process", 4, 1, 4096),
  range_pages: int("pages per munmap and mprotect", 16, 1, 1 << 18),
  ...harnessParams,
};

/** The checker rules a design is known to break (docs/coherence.md "Expected outcomes"); the rest must stay 0. */
export function expectedViolations(p: Params): Set<string> {
  const out = new Set<string>();
  // physical sees no range operation: entries outlive munmap (then the frame: use_after_free) and mprotect (a
  // writable entry keeps writing a page writeback cleaned: lost_dirty), faults land inside ranges it was never
  // told of, and aging misses what the ranges hid (Nick Piggin's objection)
  if (p.design === "physical") {
    const rules = ["stale_mappings", "stale_permission", "use_after_free", "lost_dirty", "lost_young"];
    for (const r of [...rules, "fault_in_open_range"]) out.add(r);
  }
  if (p.design === "virtual" && p.secondary === "xpmem") out.add("sleep_in_atomic");
  return out;
}

/** Rules that fired but should not have, as "rule=count" strings. */
export function unexpected(p: Params, c: Counters): string[] {
  const ok = expectedViolations(p);
  return CHECK_RULES.filter((r) => (c[r] ?? 0) > 0 && !ok.has(r)).map((r) => `${r}=${c[r]}`);
}

const pools = new WeakMap<VmMachine, Map<number, Promise<WorkerPool>>>();

function poolFor(vm: VmMachine, workers: number, ctx: SuiteContext): Promise<WorkerPool> {
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
      return pool;
    });
    byN.set(workers, p);
  }
  return p;
}

const doneWords = new WeakMap<VmMachine, number>();

/** A cell of scheduled CPUs: its batches, and counters per record (checker counts as totals). */
export async function prepareScheduled(
  name: string,
  p: Params,
  ctx: SuiteContext,
): Promise<Prepared | { skip: string }> {
  const cpus = p.cpus as number;
  const workers = Math.min(p.workers as number, cpus);
  const spec = { ops: p.ops as number, mix: p.mix as Mix };
  const perCpu = forksPerCpu(spec);
  const def: VmSuiteDef = {
    name,
    doc: name,
    unitDoc: "one record",
    ops: () => [],
    extraMms: () => cpus * perCpu,
  };
  const { b } = await prepareCell(def, { ...p, check_every: 0 }, ctx);
  const { vm, sc } = b;
  const streams = makeStreams(sc, {
    cpus,
    ops: spec.ops,
    mix: spec.mix,
    share: p.share as number,
    rangePages: p.range_pages as number,
    seed: p.seed as number,
    firstInstance: b.firstInstance,
    childBase: sc.mmsUsed,
  });
  const records = streams.reduce((a, s) => a + s.length, 0);
  const pool = workers > 1 ? await poolFor(vm, workers, ctx) : undefined;
  let done = doneWords.get(vm);
  if (done === undefined) {
    done = vm.arena.alloc(DONE_BYTES, 8);
    doneWords.set(vm, done);
  }
  const doneWord = done;
  let last: Counters = {};
  const worst: Record<string, number> = {};
  return {
    ops: records,
    unit: "ns/op",
    async: true,
    batch: async () => {
      vm.restore(b.snapshot);
      const beforeAll = sumStats(vm, cpus);
      const o = await runScheduled(vm, streams, { workers, seed: p.seed as number, pool, doneWord });
      vm.run([{ kind: OP.CHECK }], 0); // the whole machine, quiescent: rules 1-3 and 7
      const after = sumStats(vm, cpus);
      last = counters(o, beforeAll, after, records);
      for (const r of CHECK_RULES) worst[r] = Math.max(worst[r] ?? 0, last[r] ?? 0);
      // deterministic mode: what succeeded is the checksum; threads interleave differently every time
      const checksum = (BigInt(records) << 32n) | BigInt(workers === 1 ? o.ok : 0);
      return { ns: o.wallNs, checksum };
    },
    counters: () => ({ ...last, ...Object.fromEntries(CHECK_RULES.map((r) => [r, worst[r] ?? 0])) }),
  };
}

function sumStats(vm: VmMachine, cpus: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let c = 0; c < cpus; c++) {
    for (const [k, v] of Object.entries(vm.stats(c))) out[k] = (out[k] ?? 0) + v;
  }
  return out;
}

const PER_RECORD = [
  "faults",
  "rmap_visits",
  "ptes_cleared",
  "tlb_flushes",
  "ipis",
  "notifier_calls",
  "secondary_faults",
  "secondary_invalidations",
  "retries",
  "sleeps",
] as const;

function counters(o: SchedOutcome, a: Record<string, number>, b: Record<string, number>, records: number): Counters {
  const c: Counters = {};
  for (const k of PER_RECORD) c[k] = ((b[k] ?? 0) - (a[k] ?? 0)) / records;
  for (const r of CHECK_RULES) c[r] = (b[r] ?? 0) - (a[r] ?? 0);
  const makespan = Math.max(...o.clocks);
  c.modeled_ns = makespan / records; // modeled time per record, all CPUs together (the makespan)
  c.modeled_cpu_ns = o.clocks.reduce((x, y) => x + y, 0) / records;
  c.yields = o.yields / records;
  c.tlb_hit_rate = o.tlbHits + o.tlbMisses ? o.tlbHits / (o.tlbHits + o.tlbMisses) : 0;
  c.ipis_serviced = o.ipisServiced / records;
  c.ok = o.ok / records;
  let waits = 0;
  for (const [k, l] of Object.entries(o.locks)) {
    if (!l.acquisitions) continue;
    c[`lock_${k}_acq`] = l.acquisitions / records;
    c[`lock_${k}_contended`] = l.contended;
    c[`lock_${k}_wait_ns`] = l.wait_ns / records;
    c[`lock_${k}_hold_ns`] = l.hold_ns / records;
    waits += l.wait_ns;
  }
  c.lock_wait_ns = waits / records;
  return c;
}

/** The lock class with the most modeled wait in an entry's counters (lock_<class>_wait_ns), or "none". */
export function limitingLockOf(c: Counters): string {
  let best = "none";
  let most = 0;
  for (const [k, v] of Object.entries(c)) {
    const m = /^lock_(.+)_wait_ns$/.exec(k);
    if (m && v > most) {
      most = v;
      best = m[1];
    }
  }
  return best;
}
