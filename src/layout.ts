// Host side of the memory layout: the offsets of assembly/layout.ts (a test
// checks them against the module's exported globals) and the planner that
// carves the shared memory into regions at host-chosen addresses.
import {
  AS,
  AV_SIZE,
  AVC_SIZE,
  COST,
  type CostSpec,
  NF,
  POOL,
  SI_SIZE,
  SWAP_SLOT_SIZE,
  VM,
  VM_COST,
  VMA,
  XR_SIZE,
} from "./vmlayout.js";

export const MACHINE_MAGIC = 0x524d4150;
export const H = {
  MAGIC: 0,
  LEVELS: 4,
  FRAMES: 8,
  NFRAMES: 12,
  PT_BASE: 16,
  PT_CAP: 20,
  PT_BUMP: 24,
  PT_FREE: 28,
  PT_USED: 32,
  PTDESC: 36,
  CHAIN_BASE: 40,
  CHAIN_CAP: 44,
  CHAIN_BUMP: 48,
  CHAIN_FREE: 52,
  CHAIN_USED: 56,
  VIDX_BASE: 60,
  VIDX_MASK: 64,
  VIDX_USED: 68,
  MM_BASE: 72,
  MM_CAP: 76,
  CPU_BASE: 80,
  CPU_CAP: 84,
  ALLOC_LOCK: 88,
  VM: 92,
} as const;
export const MACHINE_SIZE = 256;

/** PTE bits in the low word of a u64 PTE; NX is bit 31 of the high word. */
export const PTE = { P: 1 << 0, RW: 1 << 1, US: 1 << 2, A: 1 << 5, D: 1 << 6, PSE: 1 << 7, G: 1 << 8 } as const;
export const PTE_TABLE = PTE.P | PTE.RW | PTE.US | PTE.A;
export const PTD = { USED: 0, PTL: 4, MM: 8, SHIFT: 12, BASE: 16, SIZE: 32 } as const;
export const PG = {
  FLAGS: 0,
  MAPCOUNT: 4,
  REFCOUNT: 8,
  MAPPING: 12,
  INDEX: 16,
  RMAP: 20,
  LRU_NEXT: 24,
  LRU_PREV: 28,
  PRIVATE: 32,
  SIZE: 64,
} as const;
export const PG_FLAG = {
  LOCKED: 1,
  DIRTY: 2,
  REFERENCED: 4,
  ANON: 8,
  EXTERNAL_RMAP: 16,
  DIRECT: 32,
  LRU: 64,
  SWAPCACHE: 128,
} as const;
export const RMAP_MM_SHIFT = 45;
export const CH = { NEXT: 0, NR: 4, ENT: 8, SLOTS: 7, SIZE: 64 } as const;
export const VX = { KEY: 0, HANDLE: 8, SIZE: 16 } as const;
export const MM = { PGD: 0, NR_TABLES: 4, SIZE: 128 } as const;
export const C = {
  WALKS: 0,
  LEVELS: 8,
  PTES_CLEARED: 24,
  TABLES_FREED: 32,
  RMAP_VISITS: 40,
  CHAIN_NODES: 48,
  VIDX_PROBES: 56,
  SCRATCH_HASH: 64,
  SCRATCH_COUNT: 72,
  // Lock tracking of debug builds (assembly/lockdep.ts): u32 words.
  LOCK_DEPTH: 256,
  SPIN_HELD: 260,
  LOCK_VIOLATIONS: 264,
  LOCK_OVERFLOW: 268,
  VIOL_KIND: 272,
  VIOL_HELD: 276,
  VIOL_HELD_ADDR: 280,
  VIOL_NEW: 284,
  VIOL_NEW_ADDR: 288,
  HELD_LOCKS: 320,
  /** Entries (8 B each) in the held-lock stack at HELD_LOCKS: a count, not an offset. */
  HELD_SLOTS: 24,
  SIZE: 3072,
} as const;
export const WALK_NOT_PRESENT = 0xffff_ffff_ffff_ffffn;
export const WALK_PROT_FAULT = 0xffff_ffff_ffff_fffen;

export const WASM_PAGE = 65536;
/** The module's own data (debug builds carry assertion strings) stays below this. */
export const RESERVED_LOW = 64 * 1024;

export interface MachineSpec {
  /** Page-table levels: 4 (47-bit user space) or 5 (56-bit). */
  levels: 4 | 5;
  frames: number;
  tables: number;
  chainNodes: number;
  /** Virtual-index slots, a power of two. */
  vidxSlots: number;
  mms: number;
  cpus: number;
  /** Bytes for workload arrays, carved by an Arena. */
  scratch: number;
  vm?: VmSpec;
}

/** The primary MMU's pools (src/vmlayout.ts); absent for machines that only hold page tables. */
export interface VmSpec {
  design: number;
  vmas: number;
  vmasPerMm: number;
  anonVmas: number;
  avcs: number;
  files: number;
  /** Page-cache slots, a power of two. */
  pageCache: number;
  swapSlots: number;
  /** u32 words of scratch per CPU (chain snapshots, migration records): at least the largest mapcount. */
  scratchPerCpu: number;
  /** Secondary MMUs and the notifier design; absent: hooks only count. */
  notify?: NotifySpec;
  /** Cost-model overrides (assembly/cost.ts); absent or 0: the module's defaults. */
  cost?: CostSpec;
}

/** src/vmlayout.ts NF: the notifier header's settings. */
export interface NotifySpec {
  design: number;
  instances: number;
  /** u64 secondary entries over all instances. */
  entries: number;
  extNodes: number;
  tlbEntries: number;
  partitions: number;
  remoteNs: number;
  rmapExt: number;
  flushPage: boolean;
  checkEvery: number;
  kvmRetry: boolean;
  race: boolean;
  /** BUG_* mutations (tests only). */
  bugs: number;
  /** Entries one sampled check examines (0: all). */
  checkSample: number;
  /** KVM sptes per gfn (several shadow roots); above 1 they go on rmap descriptors of rmapExt slots. */
  aliases: number;
  descNodes: number;
}

export interface MachinePlan {
  spec: MachineSpec;
  /** The machine header's address: the `m` every export takes. */
  m: number;
  frames: number;
  pt: number;
  ptdesc: number;
  chain: number;
  vidx: number;
  mm: number;
  cpu: number;
  scratch: number;
  /** The primary MMU's regions, when spec.vm is set. */
  vm?: {
    header: number;
    vmaPool: number;
    avcPool: number;
    avPool: number;
    as: number;
    pc: number;
    swap: number;
    vmas: number;
    scratch: number;
    lockClock: number;
    notify?: { header: number; inst: number; ents: number; ext: number; desc: number };
  };
  /** Total bytes; a multiple of the Wasm page. */
  bytes: number;
}

const align = (x: number, a: number) => Math.ceil(x / a) * a;

/** Slots of the lock clock (assembly/smp.ts): modeled release times, by lock address hash. */
export const LOCK_CLOCK_SLOTS = 4096;

/** Carves the regions in a fixed order from RESERVED_LOW; the largest memory is 4 GiB. */
export function planMachine(spec: MachineSpec): MachinePlan {
  let at = RESERVED_LOW;
  const take = (bytes: number, alignment: number) => {
    at = align(at, alignment);
    const addr = at;
    at += bytes;
    return addr;
  };
  const m = take(MACHINE_SIZE, 64);
  const cpu = take(spec.cpus * C.SIZE, 64);
  const mm = take(spec.mms * MM.SIZE, 64);
  const frames = take(spec.frames * PG.SIZE, 64);
  const ptdesc = take(spec.tables * PTD.SIZE, 64);
  const chain = take(spec.chainNodes * CH.SIZE, 64);
  const vidx = take(spec.vidxSlots * VX.SIZE, 64);
  const scratch = take(spec.scratch, 64);
  const v = spec.vm;
  const vm = v && {
    header: take(VM.SIZE, 64),
    vmaPool: take((v.vmas + 1) * VMA.SIZE, 64),
    avcPool: take((v.avcs + 1) * AVC_SIZE, 64),
    avPool: take((v.anonVmas + 1) * AV_SIZE, 64),
    as: take(v.files * AS.SIZE, 64),
    pc: take(v.pageCache * VX.SIZE, 64),
    swap: take(v.swapSlots * SWAP_SLOT_SIZE, 64),
    vmas: take(spec.mms * v.vmasPerMm * 4, 64),
    scratch: take(spec.cpus * v.scratchPerCpu * 4, 64),
    lockClock: take(LOCK_CLOCK_SLOTS * 32, 64),
    notify: v.notify && {
      header: take(NF.SIZE, 64),
      inst: take(v.notify.instances * SI_SIZE, 64),
      ents: take(v.notify.entries * 8, 64),
      ext: take((v.notify.extNodes + 1) * XR_SIZE, 64),
      desc: take((v.notify.descNodes + 1) * (8 + 4 * v.notify.rmapExt), 64),
    },
  };
  const pt = take(spec.tables * 4096, 4096);
  const bytes = align(at, WASM_PAGE);
  return { spec, m, frames, pt, ptdesc, chain, vidx, mm, cpu, scratch, vm, bytes };
}

/** Fills the header of a planned machine in `buf` (the caller then calls machine_init). */
export function writeHeader(buf: ArrayBufferLike, p: MachinePlan): void {
  const w = new Uint32Array(buf, p.m, MACHINE_SIZE / 4);
  const s = p.spec;
  w.fill(0);
  w[H.LEVELS / 4] = s.levels;
  w[H.FRAMES / 4] = p.frames;
  w[H.NFRAMES / 4] = s.frames;
  w[H.PT_BASE / 4] = p.pt;
  w[H.PT_CAP / 4] = s.tables;
  w[H.PTDESC / 4] = p.ptdesc;
  w[H.CHAIN_BASE / 4] = p.chain;
  w[H.CHAIN_CAP / 4] = s.chainNodes;
  w[H.VIDX_BASE / 4] = p.vidx;
  w[H.VIDX_MASK / 4] = s.vidxSlots - 1;
  w[H.MM_BASE / 4] = p.mm;
  w[H.MM_CAP / 4] = s.mms;
  w[H.CPU_BASE / 4] = p.cpu;
  w[H.CPU_CAP / 4] = s.cpus;
  if (p.vm && s.vm) {
    w[H.VM / 4] = p.vm.header;
    const v = new Uint32Array(buf, p.vm.header, VM.SIZE / 4);
    v.fill(0);
    v[VM.DESIGN / 4] = s.vm.design;
    const pool = (off: number, base: number, cap: number) => {
      v[(off + POOL.BASE) / 4] = base;
      v[(off + POOL.CAP) / 4] = cap;
    };
    pool(VM.VMA_POOL, p.vm.vmaPool, s.vm.vmas);
    pool(VM.AVC_POOL, p.vm.avcPool, s.vm.avcs);
    pool(VM.AV_POOL, p.vm.avPool, s.vm.anonVmas);
    v[VM.AS_BASE / 4] = p.vm.as;
    v[VM.AS_CAP / 4] = s.vm.files;
    v[VM.PC / 4] = p.vm.pc;
    v[VM.PC / 4 + 1] = s.vm.pageCache - 1;
    v[VM.SWAP_BASE / 4] = p.vm.swap;
    v[VM.SWAP_CAP / 4] = s.vm.swapSlots;
    v[VM.VMAS_BASE / 4] = p.vm.vmas;
    v[VM.VMAS_CAP / 4] = s.vm.vmasPerMm;
    v[VM.SCRATCH_BASE / 4] = p.vm.scratch;
    v[VM.SCRATCH_CAP / 4] = s.vm.scratchPerCpu;
    v[VM.LOCK_CLOCK / 4] = p.vm.lockClock;
    v[VM.LOCK_CLOCK / 4 + 1] = LOCK_CLOCK_SLOTS - 1;
    for (const [k, off] of Object.entries(COST)) v[(VM_COST + off) / 4] = s.vm.cost?.[k as keyof typeof COST] ?? 0;
    const n = s.vm.notify;
    if (p.vm.notify && n) {
      v[VM.NOTIFY / 4] = p.vm.notify.header;
      const f = new Uint32Array(buf, p.vm.notify.header, NF.SIZE / 4);
      f.fill(0);
      f[NF.DESIGN / 4] = n.design;
      f[NF.INST_BASE / 4] = p.vm.notify.inst;
      f[NF.INST_CAP / 4] = n.instances;
      f[(NF.EXT_POOL + POOL.BASE) / 4] = p.vm.notify.ext;
      f[(NF.EXT_POOL + POOL.CAP) / 4] = n.extNodes;
      f[NF.FLAGS / 4] = n.bugs;
      f[NF.RMAP_EXT / 4] = n.rmapExt;
      f[NF.REMOTE_NS / 4] = n.remoteNs;
      f[NF.TLB_ENTRIES / 4] = n.tlbEntries;
      f[NF.PARTITIONS / 4] = n.partitions;
      f[NF.FLUSH_PAGE / 4] = n.flushPage ? 1 : 0;
      f[NF.CHECK_EVERY / 4] = n.checkEvery;
      f[NF.KVM_RETRY / 4] = n.kvmRetry ? 1 : 0;
      f[NF.ENT_BASE / 4] = p.vm.notify.ents;
      f[NF.ENT_CAP / 4] = n.entries;
      f[NF.RACE / 4] = n.race ? 1 : 0;
      f[NF.CHECK_SAMPLE / 4] = n.checkSample;
      f[NF.ALIASES / 4] = n.aliases;
      f[(NF.DESC_POOL + POOL.BASE) / 4] = p.vm.notify.desc;
      f[(NF.DESC_POOL + POOL.CAP) / 4] = n.descNodes;
    }
  }
}

/** A bump allocator for workload arrays inside the scratch region. */
export class Arena {
  private at: number;
  constructor(
    readonly buf: ArrayBufferLike,
    readonly base: number,
    readonly size: number,
  ) {
    this.at = base;
  }
  alloc(bytes: number, alignment = 8): number {
    const addr = align(this.at, alignment);
    if (addr + bytes > this.base + this.size) {
      throw new RangeError(`scratch region exhausted: ${bytes} more bytes needed (size ${this.size})`);
    }
    this.at = addr + bytes;
    return addr;
  }
  u32(n: number): { addr: number; view: Uint32Array } {
    const addr = this.alloc(n * 4, 8);
    return { addr, view: new Uint32Array(this.buf, addr, n) };
  }
  /** n u64 values, seen as 2n u32 words (lo, hi). */
  u64(n: number): { addr: number; view: Uint32Array } {
    const addr = this.alloc(n * 8, 8);
    return { addr, view: new Uint32Array(this.buf, addr, n * 2) };
  }
  reset(): void {
    this.at = this.base;
  }
  /** The current position, to release everything allocated after it. */
  mark(): number {
    return this.at;
  }
  release(mark: number): void {
    this.at = mark;
  }
}
