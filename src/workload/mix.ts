// Seeded operation streams for scheduled CPUs (assembly/cpu.ts): each CPU
// draws its records from a mix over the scenario's processes, mostly its own
// share of them and, with probability `share`, any process, so CPUs meet on
// the same mms, pages and secondary MMUs.
import { Rng } from "../rng.js";
import type { VmOp } from "../vm/machine.js";
import { OP, VM_FLAG } from "../vmlayout.js";
import type { Scenario } from "./scenario.js";

/** Relative weights of the record kinds a CPU draws. */
export interface MixWeights {
  read: number; // a load through the CPU's TLB (a fault on a miss)
  write: number; // a store: a COW break or a dirtying fault on a miss
  secRead: number; // a secondary MMU's load (a hit, or a secondary fault)
  secWrite: number;
  munmap: number; // munmap of range_pages pages, then mmap of the range again
  mprotect: number; // read-only, then read-write again
  reclaim: number;
  mkclean: number; // writeback of a file page
  age: number;
  fork: number; // fork, two stores in the child, exit
}

export const MIXES = {
  /** Every kind of VM operation at once: what `stress` runs. */
  mixed: {
    read: 20,
    write: 10,
    secRead: 15,
    secWrite: 10,
    munmap: 8,
    mprotect: 6,
    reclaim: 10,
    mkclean: 5,
    age: 10,
    fork: 3,
  },
  /** Loads, stores and secondary hits and faults; invalidations rare. */
  read: {
    read: 55,
    write: 5,
    secRead: 35,
    secWrite: 4,
    munmap: 0.5,
    mprotect: 0,
    reclaim: 0.5,
    mkclean: 0,
    age: 0,
    fork: 0,
  },
  /** mmap_lock writers and rmap walks on shared processes: where the designs stop scaling. */
  lock: {
    read: 10,
    write: 10,
    secRead: 10,
    secWrite: 5,
    munmap: 25,
    mprotect: 20,
    reclaim: 10,
    mkclean: 5,
    age: 5,
    fork: 0,
  },
  /** Secondary faults against munmaps of the same pages: the window KVM's seq/count closes (issue 6 item 5). */
  race: {
    read: 0,
    write: 0,
    secRead: 50,
    secWrite: 0,
    munmap: 50,
    mprotect: 0,
    reclaim: 0,
    mkclean: 0,
    age: 0,
    fork: 0,
  },
} as const satisfies Record<string, MixWeights>;
export type Mix = keyof typeof MIXES;

export interface StreamSpec {
  cpus: number;
  /** Records drawn per CPU (a munmap counts once though it is two records; fork once though it is four). */
  ops: number;
  mix: Mix;
  /** Fraction of a CPU's records aimed at any process rather than its own share. */
  share: number;
  rangePages: number;
  seed: number;
  /** Each mm's first secondary instance; empty: no secondary records. */
  firstInstance: Map<number, number>;
  /** The first free mm id: CPU c's forks take ids from childBase + c * forksPerCpu. */
  childBase: number;
}

/** The share of loads and stores that go to the CPU's hot pages, and how many those are. */
const HOT = 0.8;
const HOT_PAGES = 16;

/** How many fork children a stream spec may create per CPU (the machine's extra mm slots). */
export function forksPerCpu(s: Pick<StreamSpec, "ops" | "mix">): number {
  const w: MixWeights = MIXES[s.mix];
  const total = Object.values(w).reduce((a, b) => a + b, 0);
  return w.fork ? Math.ceil((s.ops * w.fork) / total) * 2 + 8 : 0;
}

/**
 * A range's first page, on a multiple of its length: repeated munmaps and
 * mprotects split a VMA at the same few boundaries, so the VMA count stays
 * bounded without VMA merging (which the simulator does not model).
 */
function aligned(rng: Rng, pages: number, n: number): number {
  return rng.below(Math.floor(pages / n)) * n;
}

/** One stream of records per CPU. */
export function makeStreams(sc: Scenario, s: StreamSpec): VmOp[][] {
  const w: MixWeights = MIXES[s.mix];
  const kinds = Object.keys(w) as (keyof MixWeights)[];
  const total = kinds.reduce((a, k) => a + w[k], 0);
  const mms = sc.members.flat();
  const famOf = new Map<number, number>();
  sc.members.forEach((fam, f) => {
    for (const mm of fam) famOf.set(mm, f);
  });
  const roots = new Set(sc.roots);
  // each file slot's first page offset in its family's file (scenario.ts lays the file out in slot order)
  const fileOff: number[] = [];
  let off = 0;
  for (const v of sc.layout) {
    fileOff.push(off);
    if (v.file) off += v.pages;
  }
  const cap = forksPerCpu(s);
  const out: VmOp[][] = [];
  for (let cpu = 0; cpu < s.cpus; cpu++) {
    const rng = new Rng((s.seed * 0x9e3779b1 + cpu * 0x85ebca6b) >>> 0 || 1);
    const mine = mms.filter((_, i) => i % s.cpus === cpu);
    const own = mine.length ? mine : [mms[cpu % mms.length]];
    const pickMm = () =>
      own.length && rng.float() >= s.share ? own[rng.below(own.length)] : mms[rng.below(mms.length)];
    const ops: VmOp[] = [];
    let forks = 0;
    for (let i = 0; i < s.ops; i++) {
      let r = rng.float() * total;
      let kind = kinds[kinds.length - 1];
      for (const k of kinds) {
        if (r < w[k]) {
          kind = k;
          break;
        }
        r -= w[k];
      }
      // loads and stores keep to a CPU's hot set (HOT of them) so its TLB holds something;
      // everything else spreads over the whole scenario
      const local = (kind === "read" || kind === "write") && rng.float() < HOT;
      const mm = local ? own[0] : pickMm();
      const slot = local ? cpu % sc.layout.length : rng.below(sc.layout.length);
      const v = sc.layout[slot];
      const page = local ? (cpu * HOT_PAGES + rng.below(HOT_PAGES)) % v.pages : rng.below(v.pages);
      const va = v.start + (BigInt(page) << 12n);
      const inst = s.firstInstance.get(mm);
      switch (kind) {
        case "read":
        case "write":
          ops.push({ kind: OP.FAULT, mm, a: va, c: kind === "write" ? 1 : 0 });
          break;
        case "secRead":
        case "secWrite":
          if (inst === undefined) ops.push({ kind: OP.FAULT, mm, a: va, c: 0 });
          // d = 2: a write only where the primary PTE is writable, so COW sharing is broken by the primary's stores
          else ops.push({ kind: OP.SEC_ACCESS, c: inst, a: va, d: kind === "secWrite" ? 2 : 0 });
          break;
        case "munmap": {
          const n = Math.min(s.rangePages, v.pages);
          const first = aligned(rng, v.pages, n);
          const a = v.start + (BigInt(first) << 12n);
          const b = a + (BigInt(n) << 12n);
          ops.push({ kind: OP.MUNMAP, mm, a, b });
          const file = v.file ? (famOf.get(mm) ?? 0) + 1 : 0; // scenario.ts: family f maps file f + 1
          const flags = VM_FLAG.READ | VM_FLAG.WRITE | (v.file ? VM_FLAG.SHARED : 0);
          const pgoff = v.file ? fileOff[slot] + first : 0;
          ops.push({ kind: OP.MMAP, mm, a, c: n, d: flags, b: (BigInt(file) << 32n) | BigInt(pgoff) });
          break;
        }
        case "mprotect": {
          const n = Math.min(s.rangePages, v.pages);
          const a = v.start + (BigInt(aligned(rng, v.pages, n)) << 12n);
          const b = a + (BigInt(n) << 12n);
          ops.push({ kind: OP.MPROTECT, mm, a, b, c: VM_FLAG.READ });
          ops.push({ kind: OP.MPROTECT, mm, a, b, c: VM_FLAG.READ | VM_FLAG.WRITE });
          break;
        }
        case "reclaim":
          ops.push({ kind: OP.RECLAIM, mm, a: va });
          break;
        case "mkclean":
          ops.push({ kind: OP.MKCLEAN, mm, a: va });
          break;
        case "age":
          ops.push({ kind: OP.AGE, mm, a: va });
          break;
        case "fork": {
          if (forks >= cap || !roots.has(mm)) {
            ops.push({ kind: OP.FAULT, mm, a: va, c: 1 });
            break;
          }
          const child = s.childBase + cpu * cap + forks++;
          ops.push({ kind: OP.FORK, mm, c: child });
          ops.push({ kind: OP.FAULT, mm: child, a: va, c: 1 });
          ops.push({ kind: OP.FAULT, mm, a: va, c: 1 });
          ops.push({ kind: OP.EXIT, mm: child });
          break;
        }
      }
    }
    out.push(ops);
  }
  return out;
}
