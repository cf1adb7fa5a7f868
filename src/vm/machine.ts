// A simulated machine with a primary MMU, driven from the host: plans the
// memory, builds operation records, runs them in Wasm in one call per batch,
// and reads state back for checks (a brute-force page-table scan that shares
// no code with the Wasm core).
import type { Core } from "../core.js";
import {
  Arena,
  C,
  CH,
  H,
  type MachinePlan,
  type MachineSpec,
  MM,
  PG,
  PTE,
  planMachine,
  type VmSpec,
  writeHeader,
} from "../layout.js";
import {
  AV_SIZE,
  AVC_SIZE,
  CHECK_RULES,
  HOOK_SITES,
  MMX,
  NF,
  NIL,
  NS,
  NS_CHECK,
  NSTAT_OFF,
  OP,
  OP_SIZE,
  POOL,
  ST,
  ST_HOOK_SITE,
  VM,
  VMSTAT_OFF,
} from "../vmlayout.js";
import { type Build, createMemory, instantiate, loadModule } from "../wasm.js";

export type Raw = Record<string, (...a: (number | bigint)[]) => number | bigint>;

export interface VmOp {
  kind: number;
  mm?: number;
  a?: bigint;
  b?: bigint;
  c?: number;
  d?: number;
}

export interface Mapping {
  mm: number;
  va: bigint;
  pte: bigint;
}

export class VmMachine {
  readonly core: Core & { raw: Raw };
  readonly plan: MachinePlan;
  readonly arena: Arena;
  readonly dv: DataView;

  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;

  constructor(spec: MachineSpec & { vm: VmSpec }, build: Build = "release", memory?: WebAssembly.Memory) {
    this.plan = planMachine(spec);
    const mem = memory ?? createMemory(this.plan.bytes);
    this.memory = mem;
    this.module = loadModule(build);
    this.core = instantiate(this.module, mem);
    writeHeader(mem.buffer, this.plan);
    this.core.machine_init(this.plan.m);
    this.core.raw.vm_init(this.plan.m);
    this.arena = new Arena(mem.buffer, this.plan.scratch, spec.scratch);
    this.dv = new DataView(mem.buffer);
  }

  get m(): number {
    return this.plan.m;
  }

  /** Writes operation records into the scratch region (until release); returns their address. */
  place(ops: VmOp[]): number {
    const base = this.arena.alloc(Math.max(1, ops.length) * OP_SIZE, 8);
    ops.forEach((o, i) => {
      const p = base + i * OP_SIZE;
      this.dv.setUint32(p, o.kind, true);
      this.dv.setUint32(p + 4, o.mm ?? 0, true);
      this.dv.setBigUint64(p + 8, o.a ?? 0n, true);
      this.dv.setBigUint64(p + 16, o.b ?? 0n, true);
      this.dv.setUint32(p + 24, o.c ?? 0, true);
      this.dv.setUint32(p + 28, o.d ?? 0, true);
    });
    return base;
  }

  /** Runs operation records in one Wasm call; returns each result. */
  run(ops: VmOp[], cpu = 0): number[] {
    const mark = this.arena.mark();
    try {
      const base = this.place(ops);
      const out = this.arena.alloc(ops.length * 4, 4);
      this.core.raw.vm_run_batch(this.m, cpu, base, ops.length, out);
      return Array.from(new Uint32Array(this.dv.buffer, out, ops.length));
    } finally {
      this.arena.release(mark);
    }
  }

  page(pfn: number) {
    const p = this.plan.frames + pfn * PG.SIZE;
    const u32 = (o: number) => this.dv.getUint32(p + o, true);
    return {
      flags: u32(PG.FLAGS),
      mapcount: this.dv.getInt32(p + PG.MAPCOUNT, true),
      refcount: this.dv.getInt32(p + PG.REFCOUNT, true),
      mapping: u32(PG.MAPPING),
      index: u32(PG.INDEX),
    };
  }

  mmAlive(mm: number): boolean {
    return this.dv.getUint32(this.plan.mm + mm * MM.SIZE + MMX.ALIVE, true) === 1;
  }

  /** Every present leaf PTE of every live mm, found by walking the tables in TS. */
  scan(): Mapping[] {
    return this.scanAll().filter((s) => s.pte & 1n);
  }

  /** Every non-empty leaf entry (present PTEs, swap and migration entries) of every live mm. */
  scanAll(): Mapping[] {
    const out: Mapping[] = [];
    const top = 3 + 9 * this.plan.spec.levels;
    const walk = (mm: number, table: number, shift: number, base: bigint) => {
      for (let i = 0; i < 512; i++) {
        const e = this.dv.getBigUint64(table + i * 8, true);
        if (!e || (shift > 12 && !(e & 1n))) continue;
        const va = base + (BigInt(i) << BigInt(shift));
        if (shift === 12) out.push({ mm, va, pte: e });
        else walk(mm, Number(e & 0x000f_ffff_ffff_f000n), shift - 9, va);
      }
    };
    for (let mm = 1; mm < this.plan.spec.mms; mm++) {
      if (!this.mmAlive(mm)) continue;
      const pgd = this.dv.getUint32(this.plan.mm + mm * MM.SIZE + MM.PGD, true);
      if (pgd) walk(mm, pgd, top, 0n);
    }
    return out;
  }

  /** What the design's rmap walk reports for pfn: sorted "mm:va" strings. */
  rmap(pfn: number, cpu = 0): string[] {
    const mark = this.arena.mark();
    try {
      const cap = this.plan.spec.vm?.scratchPerCpu ?? 1024;
      const out = this.arena.alloc(8 + cap * 8, 8);
      const n = Number(this.core.raw.vm_rmap_collect(this.m, cpu, pfn, out));
      const res: string[] = [];
      for (let i = 0; i < n; i++) {
        const w = this.dv.getBigUint64(out + 8 + i * 8, true);
        res.push(`${w >> 45n}:${(w & ((1n << 45n) - 1n)) << 12n}`);
      }
      return res.sort();
    } finally {
      this.arena.release(mark);
    }
  }

  /** Per-CPU VM counters, the hook sites fired, notifier counters and checker violations. */
  stats(cpu = 0): Record<string, number> {
    const area = this.plan.cpu + cpu * C.SIZE;
    const base = area + VMSTAT_OFF;
    const r: Record<string, number> = {};
    for (const [k, off] of Object.entries(ST)) r[k] = Number(this.dv.getBigUint64(base + off, true));
    HOOK_SITES.forEach((k, i) => {
      r[`hook_${k}`] = Number(this.dv.getBigUint64(base + ST_HOOK_SITE + i * 8, true));
    });
    for (const [k, off] of Object.entries(NS)) r[k] = Number(this.dv.getBigUint64(area + NSTAT_OFF + off, true));
    CHECK_RULES.forEach((k, i) => {
      r[k] = Number(this.dv.getBigUint64(area + NSTAT_OFF + NS_CHECK + i * 8, true));
    });
    return r;
  }

  pfnAt(mm: number, va: bigint): number {
    const r = Number(this.core.raw.vm_pfn_at(this.m, mm, va)) >>> 0;
    return r === NIL ? -1 : r;
  }

  /** Clears the accessed bit of every leaf of every live mm (an aging pass with no rmap walk). */
  mkoldAll(): void {
    const mark = this.arena.mark();
    try {
      const r = this.arena.alloc(16, 8);
      this.dv.setBigUint64(r, 0n, true);
      this.dv.setBigUint64(r + 8, 1n << BigInt(12 + 9 * this.plan.spec.levels), true);
      for (let mm = 1; mm < this.plan.spec.mms; mm++) {
        if (this.mmAlive(mm)) this.core.pt_mkold_batch(this.m, 1, mm, r, 1);
      }
    } finally {
      this.arena.release(mark);
    }
  }

  /** Present secondary entries over every instance (KVM sptes, GRU TLB slots, XPmem exports). */
  secondaryEntries(): number {
    const vmh = this.dv.getUint32(this.m + H.VM, true);
    const nf = this.dv.getUint32(vmh + VM.NOTIFY, true);
    if (!nf) return 0;
    const base = this.dv.getUint32(nf + NF.ENT_BASE, true);
    const n = this.dv.getUint32(nf + NF.ENT_BUMP, true);
    let count = 0;
    for (let i = 0; i < n; i++) if (this.dv.getUint32(base + i * 8, true) & 1) count++;
    return count;
  }

  /** Bytes of KVM rmap descriptors in use (pte_list_desc: 8 + 4 * rmap_ext each). */
  kvmRmapBytes(): number {
    const vmh = this.dv.getUint32(this.m + H.VM, true);
    const nf = this.dv.getUint32(vmh + VM.NOTIFY, true);
    if (!nf) return 0;
    const used = this.dv.getUint32(nf + NF.DESC_POOL + POOL.USED, true);
    return used * this.dv.getUint32(nf + NF.DESC_POOL + POOL.OBJ, true);
  }

  /** External rmap nodes in use (the physical designs). */
  extRmapNodes(): number {
    const vmh = this.dv.getUint32(this.m + H.VM, true);
    const nf = this.dv.getUint32(vmh + VM.NOTIFY, true);
    return nf ? this.dv.getUint32(nf + NF.EXT_POOL + POOL.USED, true) : 0;
  }

  /** Present PTEs over every live mm, from the mms' RSS counters. */
  mappings(): number {
    let n = 0;
    for (let mm = 1; mm < this.plan.spec.mms; mm++) {
      const a = this.plan.mm + mm * MM.SIZE;
      if (this.mmAlive(mm)) n += this.dv.getInt32(a + MMX.RSS_ANON, true) + this.dv.getInt32(a + MMX.RSS_FILE, true);
    }
    return n;
  }

  /** Bytes of primary rmap metadata in use: pte_chain nodes, anon_vma_chains, anon_vmas. */
  rmapBytes(): number {
    const vmh = this.dv.getUint32(this.m + H.VM, true);
    const used = (pool: number) => this.dv.getUint32(vmh + pool + POOL.USED, true);
    return (
      this.dv.getUint32(this.m + H.CHAIN_USED, true) * CH.SIZE +
      used(VM.AVC_POOL) * AVC_SIZE +
      used(VM.AV_POOL) * AV_SIZE
    );
  }

  /** A digest of every live mm's page tables (leaves and their PTE bits). */
  digest(): number {
    let h = 0;
    for (let mm = 1; mm < this.plan.spec.mms; mm++) {
      if (this.mmAlive(mm)) h = (h + Number(this.core.pt_digest(this.m, mm) & 0xffffffffn) * (mm | 1)) >>> 0;
    }
    return h;
  }

  snapshot(): Uint8Array {
    return new Uint8Array(this.dv.buffer.slice(0, this.plan.bytes));
  }

  restore(snap: Uint8Array): void {
    new Uint8Array(this.dv.buffer, 0, snap.length).set(snap);
  }

  /** Frames ever handed out (free or not). */
  framesUsed(): number {
    return this.dv.getUint32(this.dv.getUint32(this.m + H.VM, true) + VM.NEXT_PFN, true);
  }
}

export { OP, PTE };
