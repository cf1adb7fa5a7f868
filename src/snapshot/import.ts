// A snapshot becomes a simulated machine (docs/snapshot.md, "Import"): one mm
// per process, its real VMAs (one address_space per file, by device and
// inode), and a PTE for every present page pointing at the page's REAL frame,
// so the machine has the captured sharing pattern; struct pages get their
// mapcounts and refcounts, the page cache and the rmap of each design.
//
// planImport decides everything on the host and is the same for every design:
// each frame's identity, the frames, which VMAs share anonymous memory, the
// pools' sizes. importSnapshot then builds a machine of one design: mms and
// VMAs with ordinary VM operation records, then import records
// (assembly/mm/import.ts) that link the VMAs and install the PTEs.
import { type MachineSpec, type NotifySpec, planMachine } from "../layout.js";
import { VmMachine, type VmOp } from "../vm/machine.js";
import { OP, PRIMARY, type Primary, VM_FLAG } from "../vmlayout.js";
import type { Build } from "../wasm.js";
import { frameIndex, KPF, kpf, PERM, PM, type Snapshot } from "./format.js";

/** Mirrors of assembly/mm/import.ts (test/snapshot.test.ts checks them against the module's exports). */
export const IMPORT = {
  MAP: 0x100,
  LINK: 0x101,
  REC_SIZE: 32,
  FILE: 1,
  SHARED: 2,
  WRITE: 4,
  DIRTY: 8,
  YOUNG: 16,
  OK: 0,
  NO_VMA: 1,
  BUSY: 2,
  CONFLICT: 3,
  OOM: 4,
  BAD_PFN: 5,
} as const;
const RESULT = ["ok", "no VMA", "busy", "identity conflict", "out of memory", "frame out of range"];

/** The simulator's user space: 4-level paging, 47 bits. */
const USER_VPNS = 2 ** 35;
const TWO32 = 4294967296;
/** Kernel mappings of device or vDSO data pages (VM_PFNMAP / VM_IO): no struct page rmap ever sees them. */
const SPECIAL = new Set(["[vvar]", "[vvar_vclock]", "[vsyscall]"]);
/** The vDSO's text: file-like pages shared by every process, with no inode; one pseudo-file. */
const PSEUDO_FILES = new Set(["[vdso]", "[uprobes]"]);

export interface PlanVma {
  mm: number;
  startVpn: number;
  endVpn: number;
  /** VM_FLAG bits. */
  flags: number;
  /** address_space id, 0 for anonymous memory. */
  file: number;
  /** File offset in pages, mod 2^32 (the simulator's pgoff is a u32). */
  pgoff: number;
  /** Whether the VMA's pages are imported (special and out-of-range VMAs are created without them). */
  pages: boolean;
}

export interface ImportPlan {
  snapshot: Snapshot;
  /** mm id i + 1 is process pids[i]. */
  pids: number[];
  /** address_space id i + 1: the file's device:inode (or pseudo name) and a path that maps it. */
  files: { key: string; path: string; pages: number }[];
  vmas: PlanVma[];
  /** The accepted mappings, in import order (process, VMA, address). */
  maps: { n: number; vma: Uint32Array; vpn: Float64Array; frame: Uint32Array; flags: Uint8Array };
  /** The distinct frames: real PFN (ascending; synthetic when the capture hid PFNs), kind, mappings. */
  frames: { pfn: Float64Array; file: Uint8Array; mapcount: Uint32Array; writable: Uint8Array };
  /** [child VMA, parent VMA]: anonymous memory shared across VMAs, linked as fork would. */
  links: [number, number][];
  /** Mappings not imported, by reason. */
  skipped: Record<string, number>;
  /** VMAs created without their pages, by reason. */
  skippedVmas: Record<string, number>;
  /** Page tables each mm needs (all four levels). */
  tables: Uint32Array;
  /** VMAs per mm. */
  vmasPerMm: Uint32Array;
  /** Whether the PFNs are synthetic (the capture could not read them). */
  synthetic: boolean;
}

function bump(r: Record<string, number>, k: string): void {
  r[k] = (r[k] ?? 0) + 1;
}

/** Every identity, sharing and sizing decision of an import; the same for every design. */
export function planImport(s: Snapshot): ImportPlan {
  const synthetic = s.header.pfns === "hidden";
  const pids = s.processes.map((p) => p.pid);
  const fileIds = new Map<string, number>();
  const files: ImportPlan["files"] = [];
  const vmas: PlanVma[] = [];
  const skipped: Record<string, number> = {};
  const skippedVmas: Record<string, number> = {};
  // candidate mappings, before identities are settled
  let total = 0;
  for (const p of s.processes) for (const v of p.vmas) total += v.pages.vpn.length;
  const cVma = new Uint32Array(total);
  const cVpn = new Float64Array(total);
  const cPfn = new Float64Array(total);
  const cKey = new Float64Array(total); // file * 2^32 + index for file pages, -(index + 1) for anonymous ones
  const cPm = new Uint8Array(total);
  let n = 0;
  const synth = new Map<number, number>(); // synthetic PFNs: (file, index) -> pfn
  let nextSynth = 1;
  s.processes.forEach((p, pi) => {
    const mm = pi + 1;
    for (const v of p.vmas) {
      const pseudo = v.inode === "0" && PSEUDO_FILES.has(v.path);
      const key = v.inode !== "0" ? `${v.major}:${v.minor}:${v.inode}` : pseudo ? v.path : "";
      const pages = v.endVpn - v.startVpn;
      let why = "";
      if (v.endVpn > USER_VPNS) why = "outside the 47-bit user space of 4-level paging";
      else if (pages >= 2 ** 31) why = "2^31 pages or more";
      const pgoff = key ? v.offset % TWO32 : v.startVpn % TWO32;
      if (!why && pgoff + pages > TWO32) why = "its page offsets wrap at 2^32";
      if (why) {
        bump(skippedVmas, why);
        for (let i = 0; i < v.pages.vpn.length; i++) bump(skipped, `in a VMA ${why}`);
        continue;
      }
      let file = 0;
      if (key) {
        file = fileIds.get(key) ?? 0;
        if (!file) {
          files.push({ key, path: v.path, pages: 0 });
          file = files.length;
          fileIds.set(key, file);
        }
        const f = files[file - 1];
        f.pages = Math.max(f.pages, pgoff + pages);
      }
      const flags =
        (v.perms & PERM.R ? VM_FLAG.READ : 0) |
        (v.perms & PERM.W ? VM_FLAG.WRITE : 0) |
        (v.perms & PERM.X ? VM_FLAG.EXEC : 0) |
        (v.perms & PERM.S ? VM_FLAG.SHARED : 0);
      const special = SPECIAL.has(v.path);
      vmas.push({ mm, startVpn: v.startVpn, endVpn: v.endVpn, flags, file, pgoff, pages: !special });
      const vi = vmas.length - 1;
      if (special) {
        bump(skippedVmas, "a kernel special mapping ([vvar], [vsyscall]: VM_PFNMAP, no rmap)");
        for (let i = 0; i < v.pages.vpn.length; i++) bump(skipped, "in [vvar] or [vsyscall] (VM_PFNMAP)");
        continue;
      }
      const { vpn, pfn, flags: pm } = v.pages;
      for (let i = 0; i < vpn.length; i++) {
        // linear_index: the file's page for file VMAs (COW copies included), the page number for anonymous ones
        const index = (file ? pgoff + vpn[i] - v.startVpn : vpn[i]) % TWO32;
        const isFile = (pm[i] & PM.FILE) !== 0;
        if (isFile && !file) {
          bump(skipped, "a file page in an anonymous VMA");
          continue;
        }
        if (!isFile && flags & VM_FLAG.SHARED) {
          bump(skipped, "an anonymous page in a shared mapping");
          continue;
        }
        let x = pfn[i];
        if (synthetic) {
          if (isFile) {
            const k = file * TWO32 + index;
            x = synth.get(k) ?? nextSynth++;
            synth.set(k, x);
          } else x = nextSynth++;
        } else {
          if (x === 0) {
            bump(skipped, "PFN 0");
            continue;
          }
          const fi = frameIndex(s.frames, x);
          if (fi >= 0 && kpf(s.frames, fi, KPF.ZERO_PAGE)) {
            bump(skipped, "the shared zero page (never in an rmap)");
            continue;
          }
          if (fi >= 0 && kpf(s.frames, fi, KPF.NOPAGE)) {
            bump(skipped, "no struct page (device memory)");
            continue;
          }
        }
        cVma[n] = vi;
        cVpn[n] = vpn[i];
        cPfn[n] = x;
        cKey[n] = isFile ? file * TWO32 + index : -(index + 1);
        cPm[n] = pm[i];
        n++;
      }
    }
  });

  // Each frame's identity: a file page at (file, index) if any mapping says so (the page cache is global), else
  // the anonymous index most of its mappings agree on. A mapping that disagrees cannot be found by an
  // object-based rmap (KSM pages, the zero page when kpageflags is unreadable) and is not imported.
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => cPfn[a] - cPfn[b] || a - b);
  const accept = new Uint8Array(n);
  const frameOfCand = new Uint32Array(n);
  const fPfn: number[] = [];
  const fFile: number[] = [];
  const fCount: number[] = [];
  for (let g = 0; g < n; ) {
    let e = g + 1;
    while (e < n && cPfn[order[e]] === cPfn[order[g]]) e++;
    let best = cKey[order[g]];
    if (e - g > 1) {
      const votes = new Map<number, number>();
      for (let k = g; k < e; k++) votes.set(cKey[order[k]], (votes.get(cKey[order[k]]) ?? 0) + 1);
      let bestVotes = 0;
      for (const [key, v] of votes) {
        const isFile = key >= 0;
        const bestIsFile = best >= 0;
        if (bestVotes === 0 || (isFile && !bestIsFile) || (isFile === bestIsFile && v > bestVotes)) {
          best = key;
          bestVotes = v;
        }
      }
    }
    const f = fPfn.length;
    let count = 0;
    for (let k = g; k < e; k++) {
      const c = order[k];
      if (cKey[c] === best) {
        accept[c] = 1;
        frameOfCand[c] = f;
        count++;
      } else
        bump(skipped, best >= 0 ? "anonymous here, a file page elsewhere" : "at another anonymous index elsewhere");
    }
    fPfn.push(cPfn[order[g]]);
    fFile.push(best >= 0 ? 1 : 0);
    fCount.push(count);
    g = e;
  }
  const nf = fPfn.length;
  const frames = {
    pfn: Float64Array.from(fPfn),
    file: Uint8Array.from(fFile),
    mapcount: Uint32Array.from(fCount),
    writable: new Uint8Array(nf),
  };

  // Anonymous memory shared across VMAs: union the VMAs of every shared anonymous frame; each family's first VMA
  // (lowest pid, then address: usually the parent) is the parent the others are linked to.
  const parent = new Int32Array(vmas.length).fill(-1);
  const find = (x: number): number => {
    while (parent[x] >= 0) {
      if (parent[parent[x]] >= 0) parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  const firstVma = new Int32Array(nf).fill(-1);
  for (let c = 0; c < n; c++) {
    if (!accept[c] || cKey[c] >= 0) continue;
    const f = frameOfCand[c];
    if (firstVma[f] < 0) firstVma[f] = cVma[c];
    else {
      const a = find(firstVma[f]);
      const b = find(cVma[c]);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
  }
  const links: [number, number][] = [];
  for (let v = 0; v < vmas.length; v++) {
    const r = find(v);
    if (r !== v) links.push([v, r]);
  }

  // The accepted mappings in import order, with their PTE bits.
  const maps = {
    n: 0,
    vma: new Uint32Array(n),
    vpn: new Float64Array(n),
    frame: new Uint32Array(n),
    flags: new Uint8Array(n),
  };
  const kfi = (f: number) => (synthetic ? -1 : frameIndex(s.frames, fPfn[f]));
  for (let c = 0; c < n; c++) {
    if (!accept[c]) continue;
    const f = frameOfCand[c];
    const v = vmas[cVma[c]];
    const isFile = frames.file[f] === 1;
    const writable = (v.flags & VM_FLAG.WRITE) !== 0;
    let bits = IMPORT.YOUNG;
    if (isFile) {
      bits |= IMPORT.FILE;
      // shared writable mappings of dirty pages were written through; others stay read-only until a write fault
      if (writable && v.flags & VM_FLAG.SHARED && kpf(s.frames, kfi(f), KPF.DIRTY)) bits |= IMPORT.WRITE | IMPORT.DIRTY;
    } else {
      if (frames.mapcount[f] > 1)
        bits |= IMPORT.SHARED; // COW-shared: read-only in every mapping
      else if (writable) bits |= IMPORT.WRITE | IMPORT.DIRTY;
    }
    if (bits & IMPORT.WRITE) frames.writable[f] = 1;
    const k = maps.n++;
    maps.vma[k] = cVma[c];
    maps.vpn[k] = cVpn[c];
    maps.frame[k] = f;
    maps.flags[k] = bits;
  }

  // Page tables per mm: the PGD, and one table per distinct index at each lower level.
  const P = pids.length;
  const tables = new Uint32Array(P + 1);
  const vmasPerMm = new Uint32Array(P + 1);
  for (const v of vmas) vmasPerMm[v.mm]++;
  const seen = [new Set<number>(), new Set<number>(), new Set<number>()];
  let cur = -1;
  const flush = () => {
    if (cur >= 0) tables[cur] = 1 + seen[0].size + seen[1].size + seen[2].size;
    for (const x of seen) x.clear();
  };
  for (let k = 0; k < maps.n; k++) {
    const mm = vmas[maps.vma[k]].mm;
    if (mm !== cur) {
      flush();
      cur = mm;
    }
    const vpn = maps.vpn[k];
    seen[0].add(Math.floor(vpn / 512));
    seen[1].add(Math.floor(vpn / 262144));
    seen[2].add(Math.floor(vpn / 134217728));
  }
  flush();
  for (let mm = 1; mm <= P; mm++) tables[mm] = Math.max(tables[mm], 1);
  return { snapshot: s, pids, files, vmas, maps, frames, links, skipped, skippedVmas, tables, vmasPerMm, synthetic };
}

// --- building the machine ---------------------------------------------------------------------------------------------

export interface ImportOptions {
  design: Primary;
  /**
   * "identity": the simulator's frame is the real PFN (the machine's frame count covers the largest one);
   * "compact": frames numbered densely in PFN order, for machines that are copied often (the suites);
   * "auto": identity when it fits in the 4 GiB memory, else compact.
   */
  frames?: "identity" | "compact" | "auto";
  build?: Build;
  /** Extra mm slots (fork's children, each a copy of process i % processes) and ops the machine must have room for. */
  extraMms?: number;
  ops?: number;
  /** Secondary MMUs and the notifier design (the suites); absent: hooks only count. */
  notify?: NotifySpec;
}

export interface Imported {
  vm: VmMachine;
  plan: ImportPlan;
  /** Whether the simulator's frame numbers are the real PFNs. */
  identity: boolean;
  /** The simulator's frame of frame-table entry f. */
  simFrame(f: number): number;
  /** The frame-table entry of a real PFN, or -1 when no imported mapping maps it. */
  frameOf(pfn: number): number;
  seconds: number;
}

const MAX_FRAMES = 1 << 24;

function machineSpec(
  plan: ImportPlan,
  o: ImportOptions,
  identity: boolean,
): MachineSpec & { vm: NonNullable<MachineSpec["vm"]> } {
  const design = o.design;
  const ops = o.ops ?? 0;
  const extra = o.extraMms ?? 0;
  const P = plan.pids.length;
  const nf = plan.frames.pfn.length;
  const maxPfn = nf ? plan.frames.pfn[nf - 1] : 0;
  let maxMapcount = 1;
  let chains = 0;
  let filePages = 0;
  for (let f = 0; f < nf; f++) {
    const mc = plan.frames.mapcount[f];
    maxMapcount = Math.max(maxMapcount, mc);
    if (plan.frames.file[f]) filePages++;
    const chained = design === "ptechain" || (design === "objlist" && !plan.frames.file[f]);
    if (chained && mc > 1) chains += Math.ceil(mc / 14);
  }
  let tables = 0;
  for (let mm = 1; mm <= P; mm++) tables += plan.tables[mm];
  let maxVmas = 0;
  for (let mm = 1; mm <= P; mm++) maxVmas = Math.max(maxVmas, plan.vmasPerMm[mm]);
  // fork's children copy process i % P each: their tables, VMAs and chains
  let forkTables = 0;
  let forkVmas = 0;
  let forkMaps = 0;
  const mapsPerMm = new Uint32Array(P + 1);
  for (let k = 0; k < plan.maps.n; k++) mapsPerMm[plan.vmas[plan.maps.vma[k]].mm]++;
  for (let i = 0; i < extra && P; i++) {
    const mm = (i % P) + 1;
    forkTables += plan.tables[mm];
    forkVmas += plan.vmasPerMm[mm];
    forkMaps += mapsPerMm[mm];
  }
  const T = plan.vmas.length;
  const frames = (identity ? maxPfn + 1 : nf) + ops + 1024;
  const mms = P + extra + 1;
  return {
    levels: 4,
    frames,
    tables: tables + forkTables + ops * 4 + 64,
    chainNodes: chains + (design === "ptechain" || design === "objlist" ? forkMaps : 0) + ops * 4 + 1024,
    vidxSlots: 16,
    mms,
    cpus: 2,
    scratch: (4 << 20) + maxMapcount * 16,
    vm: {
      design: PRIMARY[design],
      vmas: 2 * T + forkVmas + 2 * ops + 64,
      vmasPerMm: maxVmas + 2 * ops + 16,
      anonVmas: 2 * T + 2 * forkVmas + 64,
      avcs: 3 * T + 3 * forkVmas + 4 * ops + 64,
      files: plan.files.length + 1,
      pageCache: 2 ** Math.ceil(Math.log2(2 * filePages + 16)),
      swapSlots: Math.min(frames, ops * 2 + 1024),
      scratchPerCpu: Math.max(1024, 2 * maxMapcount + 16),
      ...(o.notify ? { notify: o.notify } : {}),
    },
  };
}

/** Builds a machine of one design from a plan: mms, VMAs, anon_vma links, then every PTE. */
export function importSnapshot(plan: ImportPlan, o: ImportOptions): Imported {
  const t0 = performance.now();
  const nf = plan.frames.pfn.length;
  const maxPfn = nf ? plan.frames.pfn[nf - 1] : 0;
  const fits = (identity: boolean) => {
    const spec = machineSpec(plan, o, identity);
    return spec.frames <= MAX_FRAMES && planMachine(spec).bytes <= 2 ** 32;
  };
  const mode = o.frames ?? "auto";
  const identity = !plan.synthetic && (mode === "identity" || (mode === "auto" && fits(true)));
  if (!fits(identity)) {
    const spec = machineSpec(plan, o, identity);
    throw new Error(
      identity && mode === "identity"
        ? `the largest PFN (${maxPfn}) needs ${spec.frames} frames; the simulator holds at most ${MAX_FRAMES} in its 4 GiB memory: import with compact frames`
        : `the snapshot needs a machine of ${(planMachine(spec).bytes / 2 ** 30).toFixed(1)} GiB (${spec.frames} frames, ${spec.tables} page tables); a Wasm memory holds 4 GiB: capture fewer processes or lower ops`,
    );
  }
  const spec = machineSpec(plan, o, identity);
  const vm = new VmMachine(spec, o.build ?? "release");
  const simFrame = identity ? (f: number) => plan.frames.pfn[f] : (f: number) => f;

  // mms and VMAs, with the ordinary operations
  const ops: VmOp[] = plan.pids.map((_, i) => ({ kind: OP.MM_INIT, mm: i + 1 }));
  for (const v of plan.vmas) {
    ops.push({
      kind: OP.MMAP,
      mm: v.mm,
      a: BigInt(v.startVpn) << 12n,
      c: v.endVpn - v.startVpn,
      d: v.flags,
      b: v.file ? (BigInt(v.file) << 32n) | BigInt(v.pgoff) : 0n,
    });
  }
  for (let i = 0; i < ops.length; i += 1 << 14) {
    const part = ops.slice(i, i + (1 << 14));
    const bad = vm.run(part).findIndex((r) => r !== 1);
    if (bad >= 0) throw new Error(`import: operation ${i + bad} (kind ${part[bad].kind}) failed: a pool is too small`);
  }

  // links, then PTEs, as import records in batches
  const BATCH = 1 << 14;
  const failures: Record<string, number> = {};
  const runRecords = (count: number, write: (k: number, p: number) => void) => {
    for (let i = 0; i < count; i += BATCH) {
      const m = Math.min(BATCH, count - i);
      const mark = vm.arena.mark();
      try {
        const base = vm.arena.alloc(m * IMPORT.REC_SIZE, 8);
        const out = vm.arena.alloc(m * 4, 4);
        for (let k = 0; k < m; k++) write(i + k, base + k * IMPORT.REC_SIZE);
        const ok = Number(vm.core.raw.vm_import_batch(vm.m, 0, base, m, out));
        if (ok !== m) {
          const res = new Uint32Array(vm.dv.buffer, out, m);
          for (const r of res) if (r !== IMPORT.OK) bump(failures, RESULT[r] ?? `code ${r}`);
        }
      } finally {
        vm.arena.release(mark);
      }
    }
  };
  const dv = vm.dv;
  const setVa = (p: number, vpn: number) => {
    // va = vpn * 4096 as a u64, without a bigint
    dv.setUint32(p, (vpn % 1048576) * 4096, true);
    dv.setUint32(p + 4, Math.floor(vpn / 1048576), true);
  };
  runRecords(plan.links.length, (k, p) => {
    const [child, parent] = plan.links[k];
    dv.setUint32(p, IMPORT.LINK, true);
    dv.setUint32(p + 4, plan.vmas[child].mm, true);
    setVa(p + 8, plan.vmas[child].startVpn);
    setVa(p + 16, plan.vmas[parent].startVpn);
    dv.setUint32(p + 24, plan.vmas[parent].mm, true);
    dv.setUint32(p + 28, 0, true);
  });
  const { maps } = plan;
  runRecords(maps.n, (k, p) => {
    dv.setUint32(p, IMPORT.MAP, true);
    dv.setUint32(p + 4, plan.vmas[maps.vma[k]].mm, true);
    setVa(p + 8, maps.vpn[k]);
    dv.setBigUint64(p + 16, 0n, true);
    dv.setUint32(p + 24, simFrame(maps.frame[k]), true);
    dv.setUint32(p + 28, maps.flags[k], true);
  });
  const failed = Object.entries(failures);
  if (failed.length)
    throw new Error(`import: ${failed.map(([k, v]) => `${v} x ${k}`).join(", ")} (an rmapbench bug: please report)`);
  const pfnIndex = (pfn: number) => {
    const a = plan.frames.pfn;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] < pfn) lo = mid + 1;
      else hi = mid;
    }
    return lo < a.length && a[lo] === pfn ? lo : -1;
  };
  return { vm, plan, identity, simFrame, frameOf: pfnIndex, seconds: (performance.now() - t0) / 1000 };
}

export interface RmapLine {
  pid: number;
  va: bigint;
}

/** Every mapping of a real PFN, as the simulator's primary rmap finds it, by pid then address. */
export function rmapOf(imp: Imported, pfn: number): RmapLine[] {
  const f = imp.frameOf(pfn);
  if (f < 0) return [];
  return imp.vm
    .rmap(imp.simFrame(f))
    .map((s) => {
      const [mm, va] = s.split(":");
      return { pid: imp.plan.pids[Number(mm) - 1], va: BigInt(va) };
    })
    .sort((a, b) => a.pid - b.pid || (a.va < b.va ? -1 : a.va > b.va ? 1 : 0));
}

/** Frames by mapcount (as the simulator's struct pages count them), anonymous and file. */
export function sharingHistogram(imp: Imported): { mapcount: number; anon: number; file: number }[] {
  const rows = new Map<number, { mapcount: number; anon: number; file: number }>();
  const nf = imp.plan.frames.pfn.length;
  for (let f = 0; f < nf; f++) {
    const pg = imp.vm.page(imp.simFrame(f));
    const r = rows.get(pg.mapcount) ?? { mapcount: pg.mapcount, anon: 0, file: 0 };
    if (pg.mapping & 1) r.anon++;
    else r.file++;
    rows.set(pg.mapcount, r);
  }
  return [...rows.values()].sort((a, b) => a.mapcount - b.mapcount);
}
