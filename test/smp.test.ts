// The VM core under real concurrency: two worker threads, each a simulated
// CPU running vm_run_batch over the one shared memory, on the same mms and
// the same pages at once — faults, secondary-MMU accesses, reclaim,
// migration, aging, writeback, mprotect, munmap and re-mmap, mremap,
// truncate, fork and exit. Between rounds, single-threaded, every invariant
// a lost update or a use-after-free would break is checked by brute force:
// refcounts and mapcounts exact, the rmap equal to the PTEs, rss and
// page-table counts, the page cache and the swap cache, the LRU and the free
// list, the pools and the anon_vma refcounts, no lock left held, and the
// coherence checker. The workers run the debug build, so the core's own
// assertions (put_page of a mapped page, mapcount below zero, a PTE missing
// from its chain) and lockdep are armed too.
import assert from "node:assert/strict";
import { test } from "node:test";
import { C, H, MM, PG, PG_FLAG, PTD, planMachine, RESERVED_LOW, WASM_PAGE } from "../src/layout.js";
import { WorkerPool } from "../src/pool.js";
import { Rng } from "../src/rng.js";
import { VmMachine, type VmOp } from "../src/vm/machine.js";
import {
  AS,
  CHECK_RULES,
  DESIGN,
  type Design,
  MMX,
  NIL,
  OP,
  POOL,
  PRIMARY,
  type Primary,
  PTE_MIGRATION,
  PTE_SWAP,
  SECONDARY,
  SWAP_SLOT_SIZE,
  VM,
  VM_FLAG,
  VMA,
} from "../src/vmlayout.js";
import { createMemory, loadModule } from "../src/wasm.js";
import { checkVm } from "./support/vm.js";

const SEEDS = Number(process.env.SMP_SEEDS ?? 4);
const ROUNDS = Number(process.env.SMP_ROUNDS ?? 6);
const OPS = Number(process.env.SMP_OPS ?? 4000);
/** The workers' build: debug arms the core's assertions and lockdep; release shows what the checks alone catch. */
const BUILD = process.env.SMP_BUILD === "release" ? "release" : "debug";

const RW = VM_FLAG.READ | VM_FLAG.WRITE;
const PAGES = 16;
const REGION = (i: number) => BigInt(0x1000_0000 + i * 0x100_0000);
/** anonymous, a shared file (1), a private file (2): every mm of the family maps all three. */
const REGIONS = [
  { base: REGION(0), flags: RW, file: 0 },
  { base: REGION(1), flags: RW | VM_FLAG.SHARED, file: 1 },
  { base: REGION(2), flags: RW, file: 2 },
];
/** The family every worker works on: mm 1 and its forked children 2 and 3. */
const FAMILY = [1, 2, 3];
const WORKERS = 2;
/** Worker w is CPU w + 1 (CPU 0 sets up and checks on this thread). */
const cpuOf = (w: number) => w + 1;
/** Each worker forks children of its own, never reusing an mm id (exit leaves the pgd behind). */
const CHILDREN = 24;
const childBase = (w: number) => 8 + w * CHILDREN;
const MMS = 8 + WORKERS * CHILDREN;
/** Per-CPU words of the page-table read-side sections (assembly/pagetable.ts C_RCU_SEQ, C_RCU_NEST). */
const C_RCU_SEQ = 80;
const C_RCU_NEST = 84;
/** mm_struct: the notifier layer's count of open invalidate ranges (assembly/notifier/types.ts MM_ACTIVE). */
const MM_ACTIVE = 60;
/** struct page flag bits the core adds (assembly/mm/types.ts): pte_chain_lock, the external rmap's lock. */
const PG_CHAINLOCK = 1 << 8;
const PG_EXTLOCK = 1 << 9;

interface Config {
  primary: Primary;
  design: "none" | Design;
}

const CONFIGS: Config[] = [
  { primary: "avc", design: "virtual" },
  { primary: "anonvma", design: "none" },
  { primary: "anonvma", design: "physical+range" },
  { primary: "ptechain", design: "virtual" },
  { primary: "objlist", design: "interval" },
];

function spec(c: Config) {
  const span = Number((REGION(3) - REGION(0)) >> 12n);
  return {
    levels: 4 as const,
    frames: 16384,
    tables: 4096,
    chainNodes: 16384,
    vidxSlots: 16,
    mms: MMS,
    cpus: WORKERS + 1,
    scratch: 1 << 20,
    vm: {
      design: PRIMARY[c.primary],
      vmas: 4096,
      vmasPerMm: 64,
      anonVmas: 4096,
      avcs: 16384,
      files: 4,
      pageCache: 1024,
      swapSlots: 8192,
      scratchPerCpu: 512,
      notify:
        c.design === "none"
          ? undefined
          : {
              design: DESIGN[c.design],
              instances: 8,
              entries: 3 * span + 64,
              extNodes: 8192,
              tlbEntries: 256,
              partitions: 2,
              remoteNs: 100,
              rmapExt: 14,
              flushPage: false,
              checkEvery: 0, // the checker runs on this thread between rounds: another CPU's range may be open
              kvmRetry: true,
              race: false,
              bugs: 0,
              checkSample: 0,
              aliases: 1,
              descNodes: 64,
            },
    },
  };
}

/** The family, populated, with a KVM instance on each mm when the config has a notifier design. */
function setupOps(c: Config): VmOp[] {
  const ops: VmOp[] = [{ kind: OP.MM_INIT, mm: 1 }];
  for (const r of REGIONS) {
    ops.push({ kind: OP.MMAP, mm: 1, a: r.base, c: PAGES, d: r.flags, b: BigInt(r.file) << 32n });
    ops.push({ kind: OP.POPULATE, mm: 1, a: r.base, b: r.base + BigInt(PAGES) * 4096n, c: 1 });
  }
  ops.push({ kind: OP.FORK, mm: 1, c: 2 }, { kind: OP.FORK, mm: 1, c: 3 });
  if (c.design !== "none") {
    const span = Number((REGION(3) - REGION(0)) >> 12n);
    for (const mm of FAMILY) ops.push({ kind: OP.ATTACH, mm, c: SECONDARY.kvm, a: REGION(0), d: span });
  }
  return ops;
}

/** A seeded stream for one worker: every kind of VM operation on the family's pages. */
function stream(rng: Rng, c: Config, w: number, n: number, forks: { next: number }): VmOp[] {
  const ops: VmOp[] = [];
  const page = () => rng.below(PAGES);
  while (ops.length < n) {
    const mmi = rng.below(FAMILY.length);
    const mm = FAMILY[mmi];
    const r = REGIONS[rng.below(REGIONS.length)];
    const p = page();
    const va = r.base + BigInt(p) * 4096n;
    const k = rng.below(100);
    if (k < 30) ops.push({ kind: OP.FAULT, mm, a: va, c: rng.below(2) });
    else if (k < 42) {
      if (c.design === "none") ops.push({ kind: OP.FAULT, mm, a: va, c: 1 });
      else ops.push({ kind: OP.SEC_ACCESS, c: mmi, a: va, d: rng.below(3) });
    } else if (k < 50) ops.push({ kind: OP.AGE, mm, a: va });
    else if (k < 58) ops.push({ kind: OP.AGE, mm, a: va }, { kind: OP.RECLAIM, mm, a: va });
    else if (k < 62) ops.push({ kind: OP.MIGRATE, mm, a: va });
    else if (k < 67) ops.push({ kind: OP.MKCLEAN, mm, a: va });
    else if (k < 73) {
      const len = BigInt(1 + rng.below(3)) * 4096n;
      ops.push({ kind: OP.MPROTECT, mm, a: va, b: va + len, c: rng.below(2) ? RW : VM_FLAG.READ });
    } else if (k < 82) {
      // munmap a few pages, then map them again as they were
      const pages = Math.min(1 + rng.below(4), PAGES - p);
      const end = va + BigInt(pages) * 4096n;
      ops.push(
        { kind: OP.MUNMAP, mm, a: va, b: end },
        { kind: OP.MMAP, mm, a: va, c: pages, d: r.flags, b: (BigInt(r.file) << 32n) | BigInt(p) },
      );
    } else if (k < 86) {
      // mremap away to this worker's own spot, unmap it there, map the range again
      const pages = Math.min(1 + rng.below(3), PAGES - p);
      const end = va + BigInt(pages) * 4096n;
      const to = 0x7000_0000 + w * 0x100_0000 + mm * 0x10_0000;
      ops.push(
        { kind: OP.MREMAP, mm, a: va, b: end, c: to, d: 0 },
        { kind: OP.MUNMAP, mm, a: BigInt(to), b: BigInt(to) + BigInt(pages) * 4096n },
        { kind: OP.MMAP, mm, a: va, c: pages, d: r.flags, b: (BigInt(r.file) << 32n) | BigInt(p) },
      );
    } else if (k < 89) ops.push({ kind: OP.TRUNCATE, c: 1 + rng.below(2), d: PAGES / 2 + rng.below(PAGES / 2) });
    else if (k < 92 && forks.next < CHILDREN) {
      const child = childBase(w) + forks.next++;
      ops.push({ kind: OP.FORK, mm: 1, c: child });
      for (let i = 0; i < 3; i++) {
        const q = REGIONS[rng.below(REGIONS.length)];
        ops.push({ kind: OP.FAULT, mm: child, a: q.base + BigInt(page()) * 4096n, c: 1 });
      }
      ops.push({ kind: OP.AGE, mm: child, a: r.base + BigInt(page()) * 4096n }, { kind: OP.EXIT, mm: child });
    } else ops.push({ kind: OP.FAULT, mm, a: va, c: 1 });
  }
  return ops;
}

/** Every invariant between operations, by brute force over the shared memory; returns the problems found. */
function smpProblems(vm: VmMachine, c: Config): string[] {
  const problems = checkVm(vm);
  const dv = vm.dv;
  const u32 = (a: number) => dv.getUint32(a, true);
  const i32 = (a: number) => dv.getInt32(a, true);
  const vmh = u32(vm.m + H.VM);
  const plan = vm.plan;
  const vs = plan.spec.vm as NonNullable<typeof plan.spec.vm>;
  const pageAddr = (pfn: number) => plan.frames + pfn * PG.SIZE;
  const used = vm.framesUsed();

  // the page cache and the swap cache: who holds a reference besides the mappings
  const pcBase = u32(vmh + VM.PC);
  const pcMask = u32(vmh + VM.PC + 4);
  const cached = new Map<number, string>();
  const perFile = new Map<number, number>();
  let pcUsed = 0;
  for (let i = 0; i <= pcMask; i++) {
    const key = dv.getBigUint64(pcBase + i * 16, true);
    if (!key) continue;
    pcUsed++;
    const pfn = u32(pcBase + i * 16 + 8);
    const file = Number(key >> 32n);
    const index = Number(key & 0xffffffffn);
    if (cached.has(pfn)) problems.push(`pfn ${pfn} is in the page cache twice`);
    cached.set(pfn, `${file}:${index}`);
    perFile.set(file, (perFile.get(file) ?? 0) + 1);
    const pg = vm.page(pfn);
    if (pg.refcount <= 0) problems.push(`page cache ${file}:${index} holds free frame ${pfn}`);
    if (pg.mapping !== file << 1 || pg.index !== index)
      problems.push(`page cache ${file}:${index} holds pfn ${pfn} of ${pg.mapping >> 1}:${pg.index}`);
  }
  if (pcUsed !== u32(vmh + VM.PC + 8)) problems.push(`page cache used ${u32(vmh + VM.PC + 8)}, ${pcUsed} entries`);
  for (let f = 1; f < vs.files; f++) {
    const nr = u32(u32(vmh + VM.AS_BASE) + f * AS.SIZE + AS.NRPAGES);
    if (nr !== (perFile.get(f) ?? 0)) problems.push(`file ${f}: nrpages ${nr}, ${perFile.get(f) ?? 0} cached`);
  }
  const swapBase = u32(vmh + VM.SWAP_BASE);
  const slot = (s: number) => swapBase + s * SWAP_SLOT_SIZE;
  const all = vm.scanAll();
  const swapRefs = new Map<number, number>();
  for (const e of all) {
    if (e.pte & BigInt(PTE_MIGRATION))
      problems.push(`${e.mm}:${e.va.toString(16)}: a migration entry outlived its migration`);
    if (!(e.pte & 1n) && e.pte & BigInt(PTE_SWAP)) {
      const s = Number((e.pte >> 12n) & 0xffffffffn);
      swapRefs.set(s, (swapRefs.get(s) ?? 0) + 1);
    }
  }
  const freeSlots = new Set<number>();
  for (let s = u32(vmh + VM.SWAP_FREE); s !== NIL; s = u32(slot(s) + 4)) {
    if (freeSlots.has(s)) {
      problems.push(`swap free list loops at ${s}`);
      break;
    }
    freeSlots.add(s);
  }
  let live = 0;
  const inSwapCache = new Set<number>();
  for (let s = 0; s < u32(vmh + VM.SWAP_BUMP); s++) {
    const refs = swapRefs.get(s) ?? 0;
    if (freeSlots.has(s)) {
      if (refs) problems.push(`swap slot ${s} is free but ${refs} swap entries name it`);
      continue;
    }
    live++;
    if (u32(slot(s)) !== refs) problems.push(`swap slot ${s}: count ${u32(slot(s))}, ${refs} swap entries`);
    const pfn = u32(slot(s) + 4);
    if (pfn === NIL) {
      if (!refs) problems.push(`swap slot ${s} is live with neither entries nor a cached page`);
      continue;
    }
    inSwapCache.add(pfn);
    const pg = vm.page(pfn);
    if (!(pg.flags & PG_FLAG.SWAPCACHE) || u32(pageAddr(pfn) + PG.PRIVATE) !== s)
      problems.push(`swap slot ${s} caches pfn ${pfn}, which does not name it`);
  }
  if (live !== u32(vmh + VM.SWAP_USED)) problems.push(`swap used ${u32(vmh + VM.SWAP_USED)}, ${live} live slots`);

  // every frame: exact references, sane flags, the LRU and the free list
  const lru = new Set<number>();
  for (let pfn = u32(vmh + VM.LRU_HEAD), prev = NIL; pfn !== NIL; prev = pfn, pfn = u32(pageAddr(pfn) + PG.LRU_NEXT)) {
    if (lru.has(pfn) || lru.size > used) {
      problems.push(`the LRU loops at pfn ${pfn}`);
      break;
    }
    if (u32(pageAddr(pfn) + PG.LRU_PREV) !== prev) problems.push(`LRU pfn ${pfn}: prev link broken`);
    lru.add(pfn);
  }
  if (lru.size !== u32(vmh + VM.NR_LRU)) problems.push(`nr_lru ${u32(vmh + VM.NR_LRU)}, ${lru.size} on the list`);
  let free = 0;
  for (let pfn = u32(vmh + VM.FREE_HEAD); pfn !== NIL && free <= used; pfn = u32(pageAddr(pfn) + PG.LRU_NEXT)) free++;
  if (free !== u32(vmh + VM.NR_FREE)) problems.push(`nr_free ${u32(vmh + VM.NR_FREE)}, ${free} on the free list`);
  let zero = 0;
  for (let pfn = 0; pfn < used; pfn++) {
    const pg = vm.page(pfn);
    if (pg.flags & (PG_FLAG.LOCKED | PG_CHAINLOCK | PG_EXTLOCK))
      problems.push(`pfn ${pfn}: a bit lock left set (${pg.flags})`);
    const want = pg.mapcount + (cached.has(pfn) ? 1 : 0) + (inSwapCache.has(pfn) ? 1 : 0);
    if (pg.refcount !== want)
      problems.push(
        `pfn ${pfn}: refcount ${pg.refcount}, want ${want} (mapcount ${pg.mapcount}, cached ${cached.get(pfn)})`,
      );
    if (pg.refcount === 0) zero++;
    if (pg.refcount > 0 !== lru.has(pfn))
      problems.push(`pfn ${pfn}: refcount ${pg.refcount}, on the LRU ${lru.has(pfn)}`);
    if (pg.flags & PG_FLAG.SWAPCACHE && !inSwapCache.has(pfn)) problems.push(`pfn ${pfn}: PG_SWAPCACHE, in no slot`);
  }
  if (zero !== free) problems.push(`${zero} frames have refcount 0, ${free} are on the free list`);
  for (const e of all) {
    if (!(e.pte & 1n)) continue;
    const pfn = Number((e.pte >> 12n) & 0xffffffffn);
    const pg = vm.page(pfn);
    if (!(pg.mapping & 1) && cached.get(pfn) !== `${pg.mapping >> 1}:${pg.index}`)
      problems.push(
        `${e.mm}:${e.va.toString(16)} maps file page ${pfn} (${pg.mapping >> 1}:${pg.index}), not in the page cache`,
      );
  }

  // per mm: rss, page tables and their used counts; the VMAs and their anon memory
  let tables = 0;
  let vmas = 0;
  const avRefs = new Map<number, number>();
  const avLinks = new Map<number, number>();
  let avcs = 0;
  for (let mm = 1; mm < MMS; mm++) {
    const ma = plan.mm + mm * MM.SIZE;
    const pgd = u32(ma + MM.PGD);
    if (!pgd) continue;
    let n = 0;
    const walk = (table: number, shift: number) => {
      n++;
      const d = u32(vm.m + H.PTDESC) + ((table - u32(vm.m + H.PT_BASE)) >>> 12) * PTD.SIZE;
      if (u32(d + PTD.MM) !== mm || u32(d + PTD.SHIFT) !== shift)
        problems.push(`mm ${mm}: table ${table} owned by mm ${u32(d + PTD.MM)} shift ${u32(d + PTD.SHIFT)}`);
      let entries = 0;
      for (let i = 0; i < 512; i++) {
        const e = dv.getBigUint64(table + i * 8, true);
        if (shift === 12 ? e !== 0n : (e & 1n) !== 0n) entries++;
        if (shift > 12 && e & 1n) walk(Number(e & 0x000f_ffff_ffff_f000n), shift - 9);
      }
      if (u32(d + PTD.USED) !== entries)
        problems.push(`mm ${mm}: table ${table} used ${u32(d + PTD.USED)}, ${entries} entries`);
    };
    walk(pgd, 3 + 9 * plan.spec.levels);
    tables += n;
    if (u32(ma + MM.NR_TABLES) !== n) problems.push(`mm ${mm}: nr_tables ${u32(ma + MM.NR_TABLES)}, ${n} tables`);
    if (vm.mmAlive(mm)) {
      let anon = 0;
      let file = 0;
      for (const e of all)
        if (e.mm === mm && e.pte & 1n) {
          if (vm.page(Number((e.pte >> 12n) & 0xffffffffn)).mapping & 1) anon++;
          else file++;
        }
      if (i32(ma + MMX.RSS_ANON) !== anon || i32(ma + MMX.RSS_FILE) !== file)
        problems.push(`mm ${mm}: rss ${i32(ma + MMX.RSS_ANON)}/${i32(ma + MMX.RSS_FILE)}, PTEs ${anon}/${file}`);
    }
    const nv = u32(ma + MMX.NR_VMAS);
    vmas += nv;
    const set = u32(vmh + VM.VMAS_BASE) + mm * vs.vmasPerMm * 4;
    for (let i = 0; i < nv; i++) {
      const vma = u32(set + i * 4);
      const own = u32(vma + VMA.ANON_VMA);
      if (own) avRefs.set(own, (avRefs.get(own) ?? 0) + 1);
      if (c.primary === "avc") {
        for (let avc = u32(vma + VMA.AVC); avc; avc = u32(avc + 8)) {
          avcs++;
          const av = u32(avc + 4);
          avLinks.set(av, (avLinks.get(av) ?? 0) + 1);
        }
      } else if (c.primary === "anonvma" && own) avLinks.set(own, (avLinks.get(own) ?? 0) + 1);
    }
  }
  if (tables !== u32(vm.m + H.PT_USED)) problems.push(`tables in use ${u32(vm.m + H.PT_USED)}, ${tables} reachable`);
  const poolUsed = (d: number) => u32(vmh + d + POOL.USED);
  if (poolUsed(VM.VMA_POOL) !== vmas) problems.push(`VMA pool used ${poolUsed(VM.VMA_POOL)}, ${vmas} VMAs`);
  const avs = new Set([...avRefs.keys(), ...avLinks.keys()]);
  if (poolUsed(VM.AV_POOL) !== avs.size)
    problems.push(`anon_vma pool used ${poolUsed(VM.AV_POOL)}, ${avs.size} in use`);
  if (poolUsed(VM.AVC_POOL) !== avcs)
    problems.push(`anon_vma_chain pool used ${poolUsed(VM.AVC_POOL)}, ${avcs} chains`);
  for (const av of avs) {
    const want = (avRefs.get(av) ?? 0) + (avLinks.get(av) ?? 0);
    if (u32(av + 8) !== want) problems.push(`anon_vma ${av}: refcount ${u32(av + 8)}, want ${want}`);
    if (u32(av + 20) !== (avLinks.get(av) ?? 0))
      problems.push(`anon_vma ${av}: nr ${u32(av + 20)}, ${avLinks.get(av)} linked`);
  }
  if (c.primary === "ptechain" || c.primary === "objlist") {
    let nodes = 0;
    for (let pfn = 0; pfn < used; pfn++) {
      const p = pageAddr(pfn);
      if (u32(p + PG.FLAGS) & PG_FLAG.DIRECT) continue;
      for (let n = u32(p + PG.RMAP); n; n = u32(n)) nodes++;
    }
    if (nodes !== u32(vm.m + H.CHAIN_USED))
      problems.push(`pte_chain nodes used ${u32(vm.m + H.CHAIN_USED)}, ${nodes} on pages`);
  }

  // no CPU inside a page-table read-side section
  for (let cpu = 0; cpu < plan.spec.cpus; cpu++) {
    const area = plan.cpu + cpu * C.SIZE;
    if (u32(area + C_RCU_SEQ) & 1 || u32(area + C_RCU_NEST)) problems.push(`cpu ${cpu}: still in a read-side section`);
  }
  return problems;
}

/**
 * Checker rules whose event is judged against one CPU's view, so another
 * CPU's work can trip them with nothing wrong: a fault commits while another
 * CPU's range on the same mm is open but has not reached this secondary yet
 * (fault_in_open_range); two aging passes race for one young bit
 * (lost_young); an mm's count of open ranges, which the notifier layer keeps
 * (unpaired_range). They are reported, not failed on; every other rule is.
 */
const TOLERATED = new Set(["fault_in_open_range", "lost_young", "unpaired_range"]);

/** Coherence: the checker over every secondary entry, and every rule any CPU counted. */
function checkerProblems(vm: VmMachine, c: Config, where: string, notes: string[]): string[] {
  if (c.design === "none") return [];
  const problems: string[] = [];
  // the ranges still counted open: the checker reports each one as unpaired
  let open = 0;
  for (let mm = 1; mm < MMS; mm++) if (vm.dv.getUint32(vm.plan.mm + mm * MM.SIZE + MM_ACTIVE, true)) open++;
  const found = vm.run([{ kind: OP.CHECK }])[0] - open;
  if (found) problems.push(`the coherence checker found ${found} stale or freed secondary entries`);
  for (let cpu = 0; cpu < vm.plan.spec.cpus; cpu++) {
    const s = vm.stats(cpu);
    for (const k of CHECK_RULES) {
      if (!s[k]) continue;
      if (TOLERATED.has(k)) notes.push(`${where} cpu ${cpu}: checker rule ${k} counted ${s[k]} (tolerated)`);
      else problems.push(`cpu ${cpu}: checker rule ${k} counted ${s[k]}`);
    }
  }
  return problems;
}

const FAULT_OOM = 2;

test(`two CPUs on two threads, the same mms and pages: ${SEEDS} seeds x ${ROUNDS} rounds x ${OPS} ops per CPU`, async (t) => {
  const notes: string[] = [];
  // one memory and one pool of workers for every configuration: the machine is rebuilt in place,
  // and the pool's barrier words lie past the largest machine
  const bytes = Math.max(...CONFIGS.map((c) => planMachine(spec(c)).bytes));
  const memory = createMemory(bytes + WASM_PAGE);
  const pool = await WorkerPool.open(WORKERS, { module: loadModule(BUILD), memory }, bytes);
  try {
    for (const c of CONFIGS) {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const where = `[${c.primary}/${c.design} seed ${seed}]`;
        new Uint8Array(memory.buffer, RESERVED_LOW, bytes - RESERVED_LOW).fill(0); // not the module's data below
        const vm = new VmMachine(spec(c), BUILD, memory); // the workers' build: both apply its data segments
        const ops = setupOps(c);
        const setup = vm.run(ops);
        assert.ok(
          setup.every((r, i) => (ops[i].kind === OP.ATTACH ? r !== NIL : r === 1)),
          `${where} setup failed: ${setup}`,
        );
        assert.deepEqual(smpProblems(vm, c), [], `${where} after setup`);
        const rngs = Array.from({ length: WORKERS }, (_, w) => new Rng(seed * 7919 + w * 104729 + PRIMARY[c.primary]));
        const forks = Array.from({ length: WORKERS }, () => ({ next: 0 }));
        for (let round = 0; round < ROUNDS; round++) {
          const streams = rngs.map((rng, w) => stream(rng, c, w, OPS, forks[w]));
          const mark = vm.arena.mark();
          const addrs = streams.map((s) => vm.place(s));
          const outs = streams.map((s) => vm.arena.alloc(s.length * 4, 4));
          await pool.step((w) => ({
            impl: "wasm",
            calls: [["vm_run_batch", vm.m, cpuOf(w), addrs[w], streams[w].length, outs[w]]],
            combine: "add",
          }));
          streams.forEach((s, w) => {
            const out = new Uint32Array(memory.buffer, outs[w], s.length);
            s.forEach((o, i) => {
              if (o.kind === OP.FAULT)
                assert.notEqual(out[i], FAULT_OOM, `${where} round ${round}: cpu ${cpuOf(w)} op ${i} faulted OOM`);
            });
          });
          vm.arena.release(mark);
          assert.deepEqual(smpProblems(vm, c), [], `${where} after round ${round}`);
        }
        assert.deepEqual(checkerProblems(vm, c, where, notes), [], `${where} coherence`);
        // and the pages the workers left behind still work on one CPU
        const tail = vm.run(FAMILY.flatMap((mm) => REGIONS.map((r) => ({ kind: OP.FAULT, mm, a: r.base, c: 1 }))));
        assert.ok(
          tail.every((r) => r !== FAULT_OOM),
          `${where} faults after the rounds: ${tail}`,
        );
        assert.deepEqual(smpProblems(vm, c), [], `${where} at the end`);
      }
    }
  } finally {
    await pool.close();
    for (const n of notes) t.diagnostic(n);
  }
});
