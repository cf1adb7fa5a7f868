// Runs seeded streams on scheduled CPUs (assembly/cpu.ts): CPU c on worker
// c mod workers. With one worker the whole run is one Wasm call on this
// thread, interleaved by the seed alone (deterministic mode); with more, a
// piscina step runs every worker's share at once over the one memory.
import { C, LOCK_CLOCK_SLOTS } from "../layout.js";
import type { WorkerPool } from "../pool.js";
import type { VmMachine, VmOp } from "./machine.js";

// assembly/smp.ts: the scheduled-CPU block and the lock-class statistics (test/layout.test.ts checks them)
export const CB = { OFF: 1024, YIELDS: 56, DONE: 60, OK: 64, TLB_HITS: 72, TLB_MISSES: 80, IPIS_SERVICED: 88 } as const;
export const LS = { OFF: 1408, CLASSES: 16, SIZE: 40 } as const;

/** Lock classes by the index of their statistics (assembly/lockdep.ts LC_*, smp.ts LC_MMU_LOCK). */
export const LOCK_CLASSES = [
  "",
  "i_mutex",
  "i_alloc_sem",
  "mmap_lock",
  "page_lock",
  "i_mmap_lock",
  "anon_vma_lock",
  "page_table_lock",
  "pte_lock",
  "lru_lock",
  "swap_lock",
  "mmlist_lock",
  "tree_lock",
  "mmu_lock",
] as const;

export interface LockClassStats {
  acquisitions: number;
  contended: number;
  spins: number;
  wait_ns: number;
  hold_ns: number;
}

export interface SchedOutcome {
  wallNs: number;
  /** Records that succeeded, over all CPUs. */
  ok: number;
  /** Per-CPU modeled clocks at the end (ns since the run began). */
  clocks: number[];
  yields: number;
  tlbHits: number;
  tlbMisses: number;
  ipisServiced: number;
  locks: Record<string, LockClassStats>;
}

export interface SchedOptions {
  workers: number;
  seed: number;
  /** Required when workers > 1. */
  pool?: WorkerPool;
  /** DONE_BYTES kept for the machine's life: the done counter and each worker's earliest clock. */
  doneWord: number;
}

/** Bytes at SchedOptions.doneWord (assembly/cpu.ts cpu_run): a u32 count, then a u64 per worker. */
export const DONE_BYTES = 8 + 8 * 64;

/** Runs one stream per CPU; the caller restores the machine before and reads the checker after. */
export async function runScheduled(vm: VmMachine, streams: VmOp[][], o: SchedOptions): Promise<SchedOutcome> {
  const raw = vm.core.raw;
  const cpus = streams.length;
  const W = Math.max(1, Math.min(o.workers, cpus));
  const mark = vm.arena.mark();
  try {
    const addrs = streams.map((s) => vm.place(s));
    const hostN = (w: number) => Math.ceil((cpus - w) / W);
    // every CPU's modeled clock starts at 0 (cpu_setup), and so does the lock clock
    for (let c = 0; c < cpus; c++) raw.cpu_setup(vm.m, c, addrs[c], streams[c].length, c % W, W, hostN(c % W));
    new Uint8Array(vm.memory.buffer, o.doneWord, DONE_BYTES).fill(0);
    const lc = vm.plan.vm?.lockClock;
    if (lc) new Uint8Array(vm.memory.buffer, lc, LOCK_CLOCK_SLOTS * 32).fill(0);
    const before = snapshotCpus(vm, cpus);
    let wallNs: number;
    let ok = 0;
    if (W === 1 || !o.pool) {
      const t0 = process.hrtime.bigint();
      ok = Number(raw.cpu_run(vm.m, 0, 1, cpus, o.seed >>> 0, o.doneWord, 1));
      wallNs = Number(process.hrtime.bigint() - t0);
    } else {
      const pool = o.pool;
      if (pool.workers !== W) throw new Error(`the pool has ${pool.workers} workers, the run wants ${W}`);
      const step = await pool.step((w) => ({
        impl: "wasm",
        calls: [["cpu_run", vm.m, w, W, hostN(w), (o.seed + w * 0x9e3779b9) >>> 0, o.doneWord, W]],
        combine: "add",
      }));
      wallNs = step.wallNs;
      for (const r of step.results) ok += Number(r.result);
    }
    for (let c = 0; c < cpus; c++) raw.cpu_teardown(vm.m, c);
    return { ...diffCpus(before, snapshotCpus(vm, cpus)), wallNs, ok };
  } finally {
    vm.arena.release(mark);
  }
}

interface CpuSnap {
  clock: bigint;
  cb: BigUint64Array;
  ls: BigUint64Array;
}

function snapshotCpus(vm: VmMachine, cpus: number): CpuSnap[] {
  return Array.from({ length: cpus }, (_, c) => {
    const area = vm.plan.cpu + c * C.SIZE;
    return {
      clock: vm.dv.getBigUint64(area + 512 + 176, true),
      cb: new BigUint64Array(vm.memory.buffer.slice(area + CB.OFF, area + CB.OFF + 128)),
      ls: new BigUint64Array(vm.memory.buffer.slice(area + LS.OFF, area + LS.OFF + LS.CLASSES * LS.SIZE)),
    };
  });
}

function diffCpus(a: CpuSnap[], b: CpuSnap[]): Omit<SchedOutcome, "wallNs" | "ok"> {
  const u32 = (s: CpuSnap, off: number) => Number(BigInt.asUintN(32, s.cb[off >> 3] >> (off & 4 ? 32n : 0n)));
  const u64 = (s: CpuSnap, off: number) => Number(s.cb[off >> 3]);
  let yields = 0;
  let tlbHits = 0;
  let tlbMisses = 0;
  let ipisServiced = 0;
  const locks: Record<string, LockClassStats> = {};
  const clocks: number[] = [];
  b.forEach((s, c) => {
    clocks.push(Number(s.clock - a[c].clock));
    // cpu_setup zeroes the block: its counters are this run's
    yields += u32(s, CB.YIELDS);
    tlbHits += u64(s, CB.TLB_HITS);
    tlbMisses += u64(s, CB.TLB_MISSES);
    ipisServiced += u64(s, CB.IPIS_SERVICED);
    for (let k = 1; k < LOCK_CLASSES.length; k++) {
      const at = (k * LS.SIZE) / 8;
      const d = (i: number) => Number(s.ls[at + i] - a[c].ls[at + i]);
      const name = LOCK_CLASSES[k];
      if (!locks[name]) locks[name] = { acquisitions: 0, contended: 0, spins: 0, wait_ns: 0, hold_ns: 0 };
      const l = locks[name];
      l.acquisitions += d(0);
      l.contended += d(1);
      l.spins += d(2);
      l.wait_ns += d(3);
      l.hold_ns += d(4);
    }
  });
  return { clocks, yields, tlbHits, tlbMisses, ipisServiced, locks };
}
