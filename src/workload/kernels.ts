// The kernels suite's fixed workload, so figures compare across versions:
// `regions` regions of `pages` 4 KiB pages at random 2 MiB-aligned bases in
// the 47-bit user space, distinct random PFNs; random walk addresses inside
// the mapped pages; every PFN mapped by `mapcount` mms in the physical index
// and by mm 1 in the virtual index; zap windows of 1 MiB, one per region.
import type { Core } from "../core.js";
import { Arena, type MachinePlan, type MachineSpec, PTE, planMachine, RMAP_MM_SHIFT, writeHeader } from "../layout.js";
import { Rng } from "../rng.js";

export interface KernelsShape {
  regions: number;
  pages: number;
  walks: number;
  lookups: number;
  mapcount: number;
  windows: number;
  windowPages: number;
  seed: number;
}

/** An array in the machine's scratch region: its address and length. */
export interface Arr {
  addr: number;
  n: number;
}

export interface KernelsWorkload {
  shape: KernelsShape;
  plan: MachinePlan;
  /** Walk addresses (u64), lookup PFNs (u32), virtual-index keys (u64). */
  walkVas: Arr;
  lookupPfns: Arr;
  vidxKeys: Arr;
  /** Zap windows as [start, end) u64 pairs, and the leaves that restore them. */
  zapRanges: Arr;
  restoreVas: Arr;
  restorePtes: Arr;
  /** Two spare u32 words for the worker barrier. */
  barrier: number;
  /** The mm whose page tables the walks and zaps use. */
  mm: number;
}

const SPACE_BITS = 47;
const LEAF = PTE.P | PTE.RW | PTE.US | PTE.A; // faults install young PTEs

const pow2 = (x: number) => 2 ** Math.ceil(Math.log2(Math.max(2, x)));

export function kernelsSpec(s: KernelsShape): MachineSpec {
  const frames = s.regions * s.pages;
  const leafTables = s.regions * (Math.ceil(s.pages / 512) + 1);
  return {
    levels: 4,
    frames,
    tables: 1 + 2 * s.regions + leafTables + 16,
    chainNodes: frames * Math.ceil(s.mapcount / 7) + 64,
    vidxSlots: pow2(frames * 2),
    mms: s.mapcount + 1,
    cpus: 16,
    scratch:
      64 + s.walks * 8 + s.lookups * 4 + s.lookups * 8 + s.windows * 16 + 2 * s.windows * s.windowPages * 8 + 4096,
  };
}

/** Builds the workload into `core`'s memory (already sized for kernelsSpec). */
export function buildKernels(core: Core, s: KernelsShape): KernelsWorkload {
  const spec = kernelsSpec(s);
  const plan = planMachine(spec);
  const buf = core.buffer;
  writeHeader(buf, plan);
  const m = plan.m;
  core.machine_init(m);
  const mm = 1;
  if (!core.mm_init(m, mm)) throw new Error("kernels: out of page tables");
  const rng = new Rng(s.seed);
  const arena = new Arena(buf, plan.scratch, spec.scratch);
  const barrier = arena.alloc(64, 64);

  // Region bases: distinct 2 MiB-aligned, non-overlapping, above the first 2 MiB.
  const regionBytes = s.pages * 4096;
  const slots = 2 ** (SPACE_BITS - 21) - Math.ceil(regionBytes / 2 ** 21) - 1;
  const bases: number[] = [];
  while (bases.length < s.regions) {
    const b = (1 + rng.below(slots)) * 2 ** 21;
    if (bases.every((o) => b + regionBytes <= o || o + regionBytes <= b)) bases.push(b);
  }
  const frames = spec.frames;
  const pfns = rng.permutation(frames);
  const pageVa = (page: number) => bases[Math.floor(page / s.pages)] + (page % s.pages) * 4096;

  // Map every page of mm 1, one region at a time (bounded scratch use).
  const chunk = s.pages;
  const vas = arena.u64(chunk);
  const ptes = arena.u64(chunk);
  for (let r = 0; r < s.regions; r++) {
    for (let i = 0; i < chunk; i++) {
      const page = r * s.pages + i;
      putU64(vas.view, i, pageVa(page));
      putU64(ptes.view, i, pfns[page] * 4096 + LEAF);
    }
    if (core.pt_map_batch(m, mm, vas.addr, ptes.addr, chunk) !== chunk) throw new Error("kernels: out of page tables");
  }
  // Physical index: each mm in turn maps every page at the same address (as after fork).
  const pf = arena.u32(chunk);
  const ents = arena.u64(chunk);
  for (let k = 1; k <= s.mapcount; k++) {
    for (let r = 0; r < s.regions; r++) {
      for (let i = 0; i < chunk; i++) {
        const page = r * s.pages + i;
        pf.view[i] = pfns[page];
        putEntry(ents.view, i, k, pageVa(page));
      }
      if (core.rmap_add_batch(m, pf.addr, ents.addr, chunk) !== chunk) throw new Error("kernels: out of chain nodes");
    }
  }
  // Virtual index: (mm 1, va) -> pfn as the handle.
  for (let r = 0; r < s.regions; r++) {
    for (let i = 0; i < chunk; i++) {
      const page = r * s.pages + i;
      putEntry(ents.view, i, mm, pageVa(page));
      pf.view[i] = pfns[page];
    }
    if (core.vidx_insert_batch(m, ents.addr, pf.addr, chunk) !== chunk) throw new Error("kernels: virtual index full");
  }
  arena.reset();
  arena.alloc(64, 64); // the barrier stays where it was

  const walkVas = arena.u64(s.walks);
  for (let i = 0; i < s.walks; i++) putU64(walkVas.view, i, pageVa(rng.below(frames)) + rng.below(4096));
  const lookupPfns = arena.u32(s.lookups);
  for (let i = 0; i < s.lookups; i++) lookupPfns.view[i] = rng.below(frames);
  const vidxKeys = arena.u64(s.lookups);
  for (let i = 0; i < s.lookups; i++) putEntry(vidxKeys.view, i, mm, pageVa(rng.below(frames)));

  const zap = arena.u64(2 * s.windows);
  const rv = arena.u64(s.windows * s.windowPages);
  const rp = arena.u64(s.windows * s.windowPages);
  for (let w = 0; w < s.windows; w++) {
    const r = w % s.regions;
    const first = r * s.pages + rng.below(s.pages - s.windowPages + 1);
    putU64(zap.view, 2 * w, pageVa(first));
    putU64(zap.view, 2 * w + 1, pageVa(first) + s.windowPages * 4096);
    for (let i = 0; i < s.windowPages; i++) {
      putU64(rv.view, w * s.windowPages + i, pageVa(first + i));
      putU64(rp.view, w * s.windowPages + i, pfns[first + i] * 4096 + LEAF);
    }
  }
  return {
    shape: s,
    plan,
    walkVas: { addr: walkVas.addr, n: s.walks },
    lookupPfns: { addr: lookupPfns.addr, n: s.lookups },
    vidxKeys: { addr: vidxKeys.addr, n: s.lookups },
    zapRanges: { addr: zap.addr, n: s.windows },
    restoreVas: { addr: rv.addr, n: s.windows * s.windowPages },
    restorePtes: { addr: rp.addr, n: s.windows * s.windowPages },
    barrier,
    mm,
  };
}

/** Writes the packed (mm, va) word of layout.ts as its two u32 halves. */
function putEntry(view: Uint32Array, i: number, mm: number, va: number): void {
  const vpn = Math.floor(va / 4096);
  view[2 * i] = vpn % 0x1_0000_0000;
  view[2 * i + 1] = (Math.floor(vpn / 0x1_0000_0000) + mm * 2 ** (RMAP_MM_SHIFT - 32)) >>> 0;
}

function putU64(view: Uint32Array, i: number, v: number): void {
  view[2 * i] = v % 0x1_0000_0000;
  view[2 * i + 1] = Math.floor(v / 0x1_0000_0000);
}
