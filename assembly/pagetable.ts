// x86-64 page tables: 4 levels (5 with levels = 5), 512 u64 entries per 4 KiB
// table, the real PTE bits (layout.ts; domain.md §7.1).
import { mix64, sumword } from "./hash";
import {
  C_LEVELS, C_PTES_CLEARED, C_SCRATCH_COUNT, C_SCRATCH_HASH, C_TABLES_FREED, C_WALKS, H_CPU_CAP, H_LEVELS,
  MM_NR_TABLES, MM_PGD, PTD_BASE, PTD_MM, PTD_SHIFT, PTD_USED, PTE_A, PTE_ADDR_MASK, PTE_D, PTE_P, PTE_PSE, PTE_RW, PTE_TABLE,
  WALK_NOT_PRESENT, WALK_PROT_FAULT, WALK_WRITE,
} from "./layout";
import { cpu_addr, mm_addr, ptdesc, pt_alloc, pt_free } from "./machine";
import { charge_lock } from "./cost";
import { LC_PAGE_TABLE_LOCK, lock_spin, unlock_spin } from "./lockdep";
import { MM_PTL } from "./mm/types";
import { ipi_poll } from "./smp";

// @ts-ignore: decorator
@inline function top_shift(m: usize): u32 {
  return 3 + 9 * load<u32>(m, H_LEVELS); // 39 for 4 levels, 48 for 5
}

// A leaf table's used count changes only under that table's PT lock (its
// callers hold it); an upper table's changes when a child is installed (under
// the mm's page_table_lock) or freed (under mmap_lock for writing), so those
// go through dir_used_add, which is atomic.
// @ts-ignore: decorator
@inline function used_add(m: usize, table: usize, d: i32): u32 {
  const p = ptdesc(m, table) + PTD_USED;
  const u = <u32>(<i32>load<u32>(p) + d);
  store<u32>(p, u);
  return u;
}

/** Counts a child table installed (+1) or freed (-1) in the upper table `table`. */
export function dir_used_add(m: usize, table: usize, d: i32): void {
  atomic.add<u32>(ptdesc(m, table) + PTD_USED, <u32>d);
}

/** Counts tables installed in or freed from mm (MM_NR_TABLES; several CPUs fault in one mm at once). */
export function mm_tables_add(m: usize, mm: u32, d: i32): void {
  atomic.add<u32>(mm_addr(m, mm) + MM_NR_TABLES, <u32>d);
}

/** Records which mm and which va span a table maps (ptep_to_mm / ptep_to_address). */
// @ts-ignore: decorator
@inline function pt_set_owner(m: usize, t: usize, mm: u32, shift: u32, base: u64): void {
  const d = ptdesc(m, t);
  store<u32>(d, mm, PTD_MM);
  store<u32>(d, shift, PTD_SHIFT);
  store<u64>(d, base, PTD_BASE);
}

/** Gives mm a root table. Returns false when the pool is exhausted. */
export function mm_init(m: usize, mm: u32): bool {
  const t = pt_alloc(m);
  if (!t) return false;
  pt_set_owner(m, t, mm, top_shift(m), 0);
  const a = mm_addr(m, mm);
  store<u32>(a, <u32>t, MM_PGD);
  store<u32>(a, 1, MM_NR_TABLES);
  return true;
}

/**
 * The address of va's leaf slot in mm, allocating tables on the way when
 * `alloc`. Returns 0 when a table is missing (or the pool is exhausted), 1
 * when a huge (PSE) leaf covers va (never a slot address: slots are 8-aligned).
 * Unlocked: for the core's single-threaded callers (pt_map, the importer);
 * the VM paths use pt_slot_cpu.
 */
export function pt_slot(m: usize, mm: u32, va: u64, alloc: bool): usize {
  return slot_walk(m, 0, mm, va, alloc, false);
}

/**
 * pt_slot for a VM path on cpu, which may race with other CPUs faulting in
 * the same mm (all under mmap_lock for reading): a missing table is
 * allocated first, then installed under the mm's page_table_lock only if the
 * slot is still empty, else freed again (__pte_alloc). The caller must not
 * hold a PT lock when a table may be missing (page_table_lock ranks with it).
 */
export function pt_slot_cpu(m: usize, cpu: u32, mm: u32, va: u64, alloc: bool): usize {
  return slot_walk(m, cpu, mm, va, alloc, true);
}

// @ts-ignore: decorator
@inline function slot_walk(m: usize, cpu: u32, mm: u32, va: u64, alloc: bool, tracked: bool): usize {
  const ma = mm_addr(m, mm);
  let table = <usize>load<u32>(ma, MM_PGD);
  for (let shift = top_shift(m); shift > 12; shift -= 9) {
    const slot = table + ((<usize>(va >> shift) & 511) << 3);
    let e = atomic.load<u64>(slot);
    if (!(e & PTE_P)) {
      if (!alloc) return 0;
      const t = pt_alloc(m);
      if (!t) return 0;
      pt_set_owner(m, t, mm, shift - 9, va & ~((<u64>1 << shift) - 1));
      if (!tracked) {
        // one thread: the plain install (the TS twin mirrors it word for word)
        e = <u64>t | PTE_TABLE;
        store<u64>(slot, e);
        used_add(m, table, 1);
        store<u32>(ma, load<u32>(ma, MM_NR_TABLES) + 1, MM_NR_TABLES);
        table = t;
        continue;
      }
      const ptl = ma + MM_PTL;
      charge_lock(m, cpu);
      lock_spin(m, cpu, LC_PAGE_TABLE_LOCK, ptl);
      e = atomic.load<u64>(slot);
      const won = !(e & PTE_P);
      if (won) {
        e = <u64>t | PTE_TABLE;
        atomic.store<u64>(slot, e); // publishes the table and its owner fields
        dir_used_add(m, table, 1);
        mm_tables_add(m, mm, 1);
      }
      unlock_spin(m, cpu, LC_PAGE_TABLE_LOCK, ptl);
      if (!won) pt_free(m, t); // another CPU installed one first
    }
    if (e & PTE_PSE) return 1;
    table = <usize>(e & PTE_ADDR_MASK);
  }
  return table + ((<usize>(va >> 12) & 511) << 3);
}

// --- page-table lifetime: a read-copy-update of tables -------------------------------
//
// Page tables are freed only under mmap_lock for writing, after their range
// is unmapped and its VMAs are unlinked from the rmap (free_pgtables). Paths
// that reach a table by other means hold no lock that keeps it alive: an
// rmap walk that has a PTE address from a pte_chain, a migration's recorded
// PTEs, a truncate's zap of a VMA that mremap is moving. They run inside a
// read-side section; a CPU freeing tables first unlinks them, then waits
// until every CPU that was inside a section has left it (synchronize_rcu, as
// the kernel's RCU table freeing does), then frees. A section must never wait
// for a lock held across such a wait (only mmap_lock is).
//
// Per CPU, two u32 words in the per-CPU area's spare bytes (layout.ts 80..):
//   80 seq: odd while the CPU is inside a section   84 nest: sections entered
/** Per-CPU offset of the read-side sequence word (odd: inside a section). */
export const C_RCU_SEQ: u32 = 80;
/** Per-CPU offset of the read-side nesting count (the CPU's own word). */
export const C_RCU_NEST: u32 = 84;

export function pt_rcu_read_lock(m: usize, cpu: u32): void {
  const c = cpu_addr(m, cpu);
  const n = load<u32>(c, C_RCU_NEST);
  store<u32>(c, n + 1, C_RCU_NEST);
  if (!n) atomic.add<u32>(c + C_RCU_SEQ, 1); // a full barrier before the section's loads
}

export function pt_rcu_read_unlock(m: usize, cpu: u32): void {
  const c = cpu_addr(m, cpu);
  const n = load<u32>(c, C_RCU_NEST) - 1;
  store<u32>(c, n, C_RCU_NEST);
  if (!n) atomic.add<u32>(c + C_RCU_SEQ, 1);
}

/**
 * Waits until every other CPU that is inside a read-side section now has left
 * it; tables unlinked before the call are then unreachable. Polls the
 * worker's IPI mailboxes while it waits (a reader may be flushing TLBs).
 */
export function pt_synchronize(m: usize, cpu: u32): void {
  // a seq-cst RMW: the unlinking stores before the first look at another CPU's word
  // (asc's atomic.fence does not validate in binaryen)
  atomic.add<u32>(cpu_addr(m, cpu) + C_RCU_NEST, 0);
  const n = load<u32>(m, H_CPU_CAP);
  for (let c: u32 = 0; c < n; c++) {
    if (c == cpu) continue;
    const a = cpu_addr(m, c) + C_RCU_SEQ;
    const s = atomic.load<u32>(a);
    if (!(s & 1)) continue;
    while (atomic.load<u32>(a) == s) ipi_poll(m, cpu);
  }
}

/** The present leaf entry that maps va in mm (a walk with no side effects), or 0. */
export function pt_lookup(m: usize, mm: u32, va: u64): u64 {
  let table = <usize>load<u32>(mm_addr(m, mm), MM_PGD);
  if (!table) return 0;
  for (let shift = top_shift(m); ; shift -= 9) {
    const e = load<u64>(table + ((<usize>(va >> shift) & 511) << 3));
    if (!(e & PTE_P)) return 0;
    if (shift == 12 || e & PTE_PSE) return e;
    table = <usize>(e & PTE_ADDR_MASK);
  }
  return unreachable();
}

/** Counts a leaf slot newly present (+1) or cleared (-1) in its table's descriptor. */
export function pt_used_add(m: usize, slot: usize, d: i32): u32 {
  return used_add(m, slot & ~(<usize>4095), d);
}

/**
 * Installs `pte` as the leaf for `va`, allocating tables on the way.
 * Returns 1 if the slot was empty, 0 if a present PTE was replaced, -1 when
 * out of tables, -2 when a huge (PSE) leaf already covers va.
 */
export function pt_map(m: usize, mm: u32, va: u64, pte: u64): i32 {
  const slot = pt_slot(m, mm, va, true);
  if (slot <= 1) return slot ? -2 : -1;
  const fresh = !(load<u64>(slot) & PTE_P);
  store<u64>(slot, pte);
  if (fresh) pt_used_add(m, slot, 1);
  return fresh ? 1 : 0;
}

/**
 * Translates va like the hardware walker: one load per level, huge leaves
 * (PSE) honoured, A set on access and D on a write, each only when still
 * clear so a shared table's cache lines stay clean. Bit 63 of va marks a write.
 */
// @ts-ignore: decorator
@inline function walk1(pgd: usize, top: u32, va: u64): u64 {
  let table = pgd;
  let shift = top;
  while (true) {
    const slot = table + ((<usize>(va >> shift) & 511) << 3);
    const e = load<u64>(slot);
    if (!(e & PTE_P)) return WALK_NOT_PRESENT;
    if (shift == 12 || (e & PTE_PSE)) {
      const write = va >> 63;
      if (write && !(e & PTE_RW)) return WALK_PROT_FAULT;
      const want = write ? PTE_A | PTE_D : PTE_A;
      if ((e & want) != want) atomic.or<u64>(slot, want);
      const pages = (va & ~WALK_WRITE) >> 12;
      return ((e & PTE_ADDR_MASK) >> 12) + (pages & ((<u64>1 << (shift - 12)) - 1));
    }
    table = <usize>(e & PTE_ADDR_MASK);
    shift -= 9;
  }
}

/** Walks n addresses (u64 array at vas); returns the sum of the PFNs found. */
export function pt_walk_batch(m: usize, cpu: u32, mm: u32, vas: usize, n: u32, out: usize): u64 {
  const pgd = <usize>load<u32>(mm_addr(m, mm), MM_PGD);
  const top = top_shift(m);
  let sum: u64 = 0;
  if (out) {
    for (let i: usize = 0; i < n; i++) {
      const r = walk1(pgd, top, load<u64>(vas + (i << 3)));
      store<u64>(out + (i << 3), r);
      if (r < WALK_PROT_FAULT) sum += r;
    }
  } else {
    for (let i: usize = 0; i < n; i++) {
      const r = walk1(pgd, top, load<u64>(vas + (i << 3)));
      if (r < WALK_PROT_FAULT) sum += r;
    }
  }
  const c = cpu_addr(m, cpu);
  store<u64>(c, load<u64>(c, C_WALKS) + n, C_WALKS);
  store<u64>(c, load<u64>(c, C_LEVELS) + <u64>n * (<u64>(top - 12) / 9 + 1), C_LEVELS);
  return sum;
}

// Range operations share one directory walk; the leaf action differs.
// @ts-ignore: decorator
@inline const RANGE_ZAP: u32 = 0;
// @ts-ignore: decorator
@inline const RANGE_WRPROTECT: u32 = 1;
// @ts-ignore: decorator
@inline const RANGE_MKOLD: u32 = 2;

/**
 * Applies `mode` to the present leaves of `table` (covering entries of size
 * 1 << shift) inside [start, end); start and end lie within the table's span.
 * Under RANGE_ZAP, child tables that become empty are freed. Returns the
 * number of present entries left in the table.
 */
function pt_range_table(m: usize, c: usize, table: usize, shift: u32, start: u64, end: u64, mode: u32): u32 {
  const i0 = <usize>(start >> shift) & 511;
  const i1 = <usize>((end - 1) >> shift) & 511;
  const span: u64 = <u64>1 << shift;
  const tbase = start & ~((span << 9) - 1);
  let used = load<u32>(ptdesc(m, table), PTD_USED);
  let hash: u32 = 0;
  let count: u32 = 0;
  for (let i = i0; i <= i1; i++) {
    const slot = table + (i << 3);
    const e = load<u64>(slot);
    if (!(e & PTE_P)) continue;
    if (shift == 12 || (e & PTE_PSE)) {
      if (mode == RANGE_ZAP) {
        store<u64>(slot, 0);
        hash += mix64(e & PTE_ADDR_MASK);
        used--;
      } else if (mode == RANGE_WRPROTECT) {
        if (!(e & PTE_RW)) continue;
        store<u64>(slot, e & ~PTE_RW);
      } else {
        if (!(e & PTE_A)) continue;
        store<u64>(slot, e & ~PTE_A);
      }
      count++;
      continue;
    }
    const base = tbase + (<u64>i << shift);
    const cs = start > base ? start : base;
    const ce = end < base + span ? end : base + span;
    const child = <usize>(e & PTE_ADDR_MASK);
    if (pt_range_table(m, c, child, shift - 9, cs, ce, mode) == 0 && mode == RANGE_ZAP) {
      store<u64>(slot, 0);
      pt_free(m, child);
      store<u64>(c, load<u64>(c, C_TABLES_FREED) + 1, C_TABLES_FREED);
      used--;
    }
  }
  if (count) {
    store<u32>(c, load<u32>(c, C_SCRATCH_HASH) + hash, C_SCRATCH_HASH);
    store<u64>(c, load<u64>(c, C_SCRATCH_COUNT) + count, C_SCRATCH_COUNT);
  }
  if (mode == RANGE_ZAP) store<u32>(ptdesc(m, table), used, PTD_USED);
  return used;
}

// @ts-ignore: decorator
@inline function scratch_reset(c: usize): void {
  store<u64>(c, 0, C_SCRATCH_HASH);
  store<u64>(c, 0, C_SCRATCH_COUNT);
}

function pt_range(m: usize, cpu: u32, mm: u32, start: u64, end: u64, mode: u32): void {
  const top = top_shift(m);
  const limit: u64 = <u64>1 << (top + 9);
  if (end > limit) end = limit;
  if (end <= start) return;
  const pgd = <usize>load<u32>(mm_addr(m, mm), MM_PGD);
  pt_range_table(m, cpu_addr(m, cpu), pgd, top, start, end, mode);
}

/**
 * Zaps n ranges ([start, end) u64 pairs at ranges): clears their PTEs and frees
 * tables that become empty (never the pgd). Returns sumword(PTEs cleared,
 * sum of mix64(cleared PTE address bits)).
 */
export function pt_zap_batch(m: usize, cpu: u32, mm: u32, ranges: usize, n: u32): u64 {
  const c = cpu_addr(m, cpu);
  scratch_reset(c);
  const freed0 = load<u64>(c, C_TABLES_FREED);
  for (let i: usize = 0; i < n; i++) {
    pt_range(m, cpu, mm, load<u64>(ranges + (i << 4)), load<u64>(ranges + (i << 4), 8), RANGE_ZAP);
  }
  const cleared = load<u64>(c, C_SCRATCH_COUNT);
  store<u64>(c, load<u64>(c, C_PTES_CLEARED) + cleared, C_PTES_CLEARED);
  mm_tables_add(m, mm, -<i32>(load<u64>(c, C_TABLES_FREED) - freed0));
  return sumword(<u32>cleared, load<u32>(c, C_SCRATCH_HASH));
}

/** Write-protects the present leaves of n ranges; returns how many lost RW. */
export function pt_protect_batch(m: usize, cpu: u32, mm: u32, ranges: usize, n: u32): u64 {
  const c = cpu_addr(m, cpu);
  scratch_reset(c);
  for (let i: usize = 0; i < n; i++) {
    pt_range(m, cpu, mm, load<u64>(ranges + (i << 4)), load<u64>(ranges + (i << 4), 8), RANGE_WRPROTECT);
  }
  return load<u64>(c, C_SCRATCH_COUNT);
}

/** Test-and-clear young over n ranges; returns how many leaves were young. */
export function pt_mkold_batch(m: usize, cpu: u32, mm: u32, ranges: usize, n: u32): u64 {
  const c = cpu_addr(m, cpu);
  scratch_reset(c);
  for (let i: usize = 0; i < n; i++) {
    pt_range(m, cpu, mm, load<u64>(ranges + (i << 4)), load<u64>(ranges + (i << 4), 8), RANGE_MKOLD);
  }
  return load<u64>(c, C_SCRATCH_COUNT);
}

/** Installs n leaves (u64 va and pte arrays). Returns the count newly present, or pt_map's error. */
export function pt_map_batch(m: usize, mm: u32, vas: usize, ptes: usize, n: u32): i32 {
  let fresh = 0;
  for (let i: usize = 0; i < n; i++) {
    const r = pt_map(m, mm, load<u64>(vas + (i << 3)), load<u64>(ptes + (i << 3)));
    if (r < 0) return r;
    fresh += r;
  }
  return fresh;
}

/** Order-independent digest of an mm's leaves: sumword(leaves, sum of mix(va ^ pte)). */
export function pt_digest(m: usize, mm: u32): u64 {
  const top = top_shift(m);
  return digest_table(<usize>load<u32>(mm_addr(m, mm), MM_PGD), top, 0);
}

function digest_table(table: usize, shift: u32, base: u64): u64 {
  let count: u32 = 0;
  let sum: u32 = 0;
  for (let i: usize = 0; i < 512; i++) {
    const e = load<u64>(table + (i << 3));
    if (!(e & PTE_P)) continue;
    const va = base + (<u64>i << shift);
    if (shift == 12 || (e & PTE_PSE)) {
      count++;
      sum += mix64(e ^ (va << 4));
    } else {
      const d = digest_table(<usize>(e & PTE_ADDR_MASK), shift - 9, va);
      count += <u32>(d >> 32);
      sum += <u32>d;
    }
  }
  return sumword(count, sum);
}
