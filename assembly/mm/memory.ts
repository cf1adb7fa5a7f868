// Page faults, and the range walk that clears, downgrades, copies or moves
// the PTEs of a range (mm/memory.c: handle_mm_fault, zap_pte_range). The
// operations on address spaces built on the walk are in mmap.ts. Each calls
// the notifier hook sites of domain.md §2.3 at the kernel's points. Faults
// hold mmap_lock for reading.
//
// Under SMP, as in the kernel: a fault reads its PTE without the PT lock,
// does its work (allocating, looking the page up), then takes the PT lock and
// installs only if the PTE is still the one it read (pte_same); otherwise it
// undoes its work and the fault is taken again. The rmap and the reference of
// a new mapping are added under the PT lock. Counters several CPUs share
// (rss, the mm's table count) move by atomic RMW.
import {
  H_LEVELS, MM_PGD, PG_FLAGS, PG_MAPCOUNT, PG_MAPPING, PG_REFCOUNT, PG_DIRTY, PG_REFERENCED, PTE_A, PTE_ADDR_MASK,
  PTE_D, PTE_P, PTE_RW, PTE_US,
} from "../layout";
import { mm_addr, page_addr } from "../machine";
import { pt_rcu_read_lock, pt_rcu_read_unlock, pt_slot_cpu, pt_used_add } from "../pagetable";
import { find_or_add_page, page_cached } from "./filemap";
import { hook_invalidate_page, hook_range_end, hook_range_start } from "./hooks";
import { lock_page, pte_lock, pte_unlock, unlock_page } from "./lock";
import { alloc_page, lru_add, put_page } from "./page_alloc";
import { page_add_file_rmap, page_add_new_anon_rmap, page_dup_rmap, page_remove_rmap } from "./rmap";
import { swap_count, swap_free, swapin_page } from "./swap";
import {
  MM_RSS_ANON, MM_RSS_FILE, NIL, PAGE_MAPPING_ANON, PTE_MIGRATION, PTE_SWAP, VM_ANON_PAGES, VM_MAYWRITE, VM_READ,
  VM_SHARED, VM_WRITE, VMA_ANON_VMA, VMA_FILE, VMA_FLAGS, VMA_PGOFF, VMA_START,
} from "./types";
import { anon_vma_prepare, find_vma } from "./vma";
import { count, ST_COW_BREAKS, ST_FAULTS, ST_PTES_CLEARED, vmstat } from "./vmstat";
import { charge_touch, charge_walk, mm_cpu_use, tlb_flush_mm } from "../cost";
import { ipi_poll } from "../smp";

/** Fault results. */
export const FAULT_OK: u32 = 0;
export const FAULT_SEGV: u32 = 1;
export const FAULT_OOM: u32 = 2;
/** Internal: the PTE changed under the fault (another CPU got there first); the fault is taken again. */
// @ts-ignore: decorator
@inline const FAULT_RETRY: u32 = 0xffff_fff0;

/** The linear page index of va in vma's object (linear_page_index). */
// @ts-ignore: decorator
@inline export function linear_index(vma: usize, va: u64): u32 {
  return load<u32>(vma, VMA_PGOFF) + <u32>((va - load<u64>(vma, VMA_START)) >> 12);
}

// @ts-ignore: decorator
@inline export function pte_pfn(e: u64): u32 {
  return <u32>((e & PTE_ADDR_MASK) >> 12);
}

// @ts-ignore: decorator
@inline export function mk_pte(pfn: u32, bits: u64): u64 {
  return (<u64>pfn << 12) | bits | PTE_P | PTE_US;
}

/** mm's rss of pfn's kind moves by d: faults of one mm run on several CPUs at once (add_mm_counter). */
// @ts-ignore: decorator
@inline export function rss_add(m: usize, mm: u32, pfn: u32, d: i32): void {
  const off = load<u32>(page_addr(m, pfn), PG_MAPPING) & PAGE_MAPPING_ANON ? MM_RSS_ANON : MM_RSS_FILE;
  atomic.add<u32>(mm_addr(m, mm) + off, <u32>d);
}

// @ts-ignore: decorator
@inline export function is_cow_mapping(flags: u32): bool {
  return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

/** set_page_dirty: the dirty state moves from a PTE to struct page (an atomic set_bit: PG_LOCKED shares the word). */
// @ts-ignore: decorator
@inline export function set_page_dirty(m: usize, pfn: u32): void {
  const f = page_addr(m, pfn) + PG_FLAGS;
  if (!(atomic.load<u32>(f) & PG_DIRTY)) atomic.or<u32>(f, PG_DIRTY);
}

/** flush_tlb_mm: more pages than any ceiling, so a full flush (and the shootdown). */
export const FLUSH_MM: u64 = 0xffff_ffff;

/** Pages of [start, end) (flush_tlb_range's size). */
// @ts-ignore: decorator
@inline export function range_pages(start: u64, end: u64): u64 {
  return (end - start) >> 12;
}

// --- page faults -----------------------------------------------------------

/**
 * handle_mm_fault: a CPU touched va (a write when `write`). Present PTEs get
 * A (and D) as the hardware would; a write to a read-only PTE of a writable
 * VMA breaks COW or reuses the page; missing pages come from the anonymous,
 * file or swap path. A fault that finds its PTE changed under it (another
 * CPU faulted, reclaimed or cleaned the page meanwhile) is taken again, as
 * the CPU would re-execute the access.
 */
export function handle_mm_fault(m: usize, cpu: u32, mm: u32, va: u64, write: bool): u32 {
  const vma = find_vma(m, mm, va);
  if (!vma) return FAULT_SEGV;
  const flags = load<u32>(vma, VMA_FLAGS);
  if (write ? !(flags & VM_WRITE) : !(flags & VM_READ)) return FAULT_SEGV;
  count(m, cpu, ST_FAULTS);
  mm_cpu_use(m, cpu, mm);
  charge_walk(m, cpu, load<u32>(m, H_LEVELS)); // the TLB miss's walk, then the software walk
  va &= ~(<u64>4095);
  for (;;) {
    const r = handle_pte_fault(m, cpu, mm, vma, va, write);
    if (r != FAULT_RETRY) return r;
  }
  return unreachable();
}

function handle_pte_fault(m: usize, cpu: u32, mm: u32, vma: usize, va: u64, write: bool): u32 {
  const slot = pt_slot_cpu(m, cpu, mm, va, true);
  if (slot <= 1) return FAULT_OOM;
  const table = slot & ~(<usize>4095);
  const e = atomic.load<u64>(slot); // orig_pte: read without the PT lock
  if (e & PTE_P) {
    if (write && !(e & PTE_RW)) return do_wp_page(m, cpu, mm, vma, va, slot, e);
    pte_lock(m, cpu, table);
    const same = load<u64>(slot) == e;
    if (same) store<u64>(slot, e | PTE_A | (write ? PTE_D : 0));
    pte_unlock(m, cpu, table);
    return same ? FAULT_OK : FAULT_RETRY;
  }
  if (e & PTE_SWAP) return do_swap_page(m, cpu, mm, vma, va, slot, e, write);
  if (e & PTE_MIGRATION) return FAULT_OK; // a migration holds it: refault once it is done
  if (!load<u32>(vma, VMA_FILE)) return do_anonymous_page(m, cpu, mm, vma, va, slot);
  return do_file_fault(m, cpu, mm, vma, va, slot, write);
}

/**
 * A fresh anonymous page for vma (anon_vma_prepare first, before any PT lock,
 * as Linux does), on the LRU and with the caller's reference, not mapped yet.
 */
function new_anon_page(m: usize, cpu: u32, vma: usize): u32 {
  if (!anon_vma_prepare(m, cpu, vma)) return NIL;
  const pfn = alloc_page(m);
  if (pfn == NIL) return NIL;
  const f = vma + VMA_FLAGS;
  if (!(atomic.load<u32>(f) & VM_ANON_PAGES)) atomic.or<u32>(f, VM_ANON_PAGES);
  lru_add(m, pfn);
  return pfn;
}

/**
 * Maps the fresh anonymous page pfn at slot under the PT lock, if the slot
 * is still empty: its rmap, then the PTE. Otherwise the page goes back.
 */
function map_new_anon(m: usize, cpu: u32, mm: u32, vma: usize, va: u64, slot: usize, pfn: u32, bits: u64): u32 {
  const table = slot & ~(<usize>4095);
  pte_lock(m, cpu, table);
  let r = FAULT_OK;
  if (load<u64>(slot)) r = FAULT_RETRY; // another CPU mapped it first
  else if (!page_add_new_anon_rmap(m, pfn, load<u32>(vma, VMA_ANON_VMA), linear_index(vma, va), <u32>slot)) r = FAULT_OOM;
  else {
    store<u64>(slot, mk_pte(pfn, bits));
    pt_used_add(m, slot, 1);
  }
  pte_unlock(m, cpu, table);
  if (r == FAULT_OK) rss_add(m, mm, pfn, 1);
  else put_page(m, cpu, pfn);
  return r;
}

function do_anonymous_page(m: usize, cpu: u32, mm: u32, vma: usize, va: u64, slot: usize): u32 {
  const pfn = new_anon_page(m, cpu, vma);
  if (pfn == NIL) return FAULT_OOM;
  const bits = load<u32>(vma, VMA_FLAGS) & VM_WRITE ? PTE_A | PTE_RW | PTE_D : PTE_A;
  return map_new_anon(m, cpu, mm, vma, va, slot, pfn, bits);
}

/**
 * A file page: found in (or added to) the page cache with a reference, then
 * locked and checked to be still cached (truncate and reclaim take it out
 * under its lock), and mapped under the PT lock (__do_fault). A private
 * write maps an anonymous copy instead.
 */
function do_file_fault(m: usize, cpu: u32, mm: u32, vma: usize, va: u64, slot: usize, write: bool): u32 {
  const file = load<u32>(vma, VMA_FILE);
  const index = linear_index(vma, va);
  const shared = (load<u32>(vma, VMA_FLAGS) & VM_SHARED) != 0;
  if (write && !shared) {
    // a private write fault copies the file page at once (__do_fault's anonymous copy)
    const pfn = find_or_add_page(m, cpu, file, index);
    if (pfn == NIL) return FAULT_OOM;
    const anon = new_anon_page(m, cpu, vma);
    put_page(m, cpu, pfn); // the copy is taken
    if (anon == NIL) return FAULT_OOM;
    return map_new_anon(m, cpu, mm, vma, va, slot, anon, PTE_A | PTE_RW | PTE_D);
  }
  let pfn: u32;
  for (;;) {
    pfn = find_or_add_page(m, cpu, file, index); // the reference becomes the mapping's
    if (pfn == NIL) return FAULT_OOM;
    lock_page(m, cpu, pfn);
    if (page_cached(m, file, index, pfn)) break;
    unlock_page(m, cpu, pfn); // truncated or reclaimed meanwhile: look it up again
    put_page(m, cpu, pfn);
  }
  // Shared writable mappings start read-only so the first write is seen (dirty accounting).
  const bits = write ? PTE_A | PTE_RW | PTE_D : PTE_A;
  const table = slot & ~(<usize>4095);
  pte_lock(m, cpu, table);
  let r = FAULT_OK;
  if (load<u64>(slot)) r = FAULT_RETRY;
  else if (!page_add_file_rmap(m, pfn, <u32>slot)) r = FAULT_OOM;
  else {
    if (write) set_page_dirty(m, pfn);
    store<u64>(slot, mk_pte(pfn, bits));
    pt_used_add(m, slot, 1);
  }
  pte_unlock(m, cpu, table);
  unlock_page(m, cpu, pfn);
  if (r == FAULT_OK) rss_add(m, mm, pfn, 1);
  else put_page(m, cpu, pfn);
  return r;
}

/**
 * do_wp_page: a write hit a read-only PTE of a writable VMA. A shared file
 * page, or an anonymous page only this PTE uses, is made writable in place;
 * anything else is copied, and the old translation is flushed and notified
 * (ptep_clear_flush_notify, under the PT lock) before the new one is set
 * (domain.md §9.3 case B, §10 rule 6). Both check under the PT lock that
 * the PTE is still e.
 */
function do_wp_page(m: usize, cpu: u32, mm: u32, vma: usize, va: u64, slot: usize, e: u64): u32 {
  const old = pte_pfn(e);
  const page = page_addr(m, old);
  const table = slot & ~(<usize>4095);
  const shared = (load<u32>(vma, VMA_FLAGS) & VM_SHARED) != 0;
  const anon = (load<u32>(page, PG_MAPPING) & PAGE_MAPPING_ANON) != 0;
  // nobody else uses it: a hint here, checked again under the PT lock
  let reuse = shared || (anon && atomic.load<i32>(page + PG_MAPCOUNT) == 1 && atomic.load<i32>(page + PG_REFCOUNT) == 1);
  if (reuse) {
    pte_lock(m, cpu, table);
    if (load<u64>(slot) != e) {
      pte_unlock(m, cpu, table);
      return FAULT_RETRY;
    }
    reuse = shared || atomic.load<i32>(page + PG_MAPCOUNT) == 1;
    if (reuse) store<u64>(slot, e | PTE_RW | PTE_D | PTE_A);
    pte_unlock(m, cpu, table);
    if (reuse) {
      set_page_dirty(m, old);
      return FAULT_OK;
    }
  }
  const nw = new_anon_page(m, cpu, vma);
  if (nw == NIL) return FAULT_OOM;
  pte_lock(m, cpu, table);
  let r = FAULT_OK;
  if (load<u64>(slot) != e) r = FAULT_RETRY;
  else if (!page_add_new_anon_rmap(m, nw, load<u32>(vma, VMA_ANON_VMA), linear_index(vma, va), <u32>slot)) r = FAULT_OOM;
  else {
    store<u64>(slot, 0); // ptep_clear_flush_notify
    tlb_flush_mm(m, cpu, mm, va, 1);
    hook_invalidate_page(m, cpu, mm, va);
    store<u64>(slot, mk_pte(nw, PTE_A | PTE_RW | PTE_D));
    page_remove_rmap(m, cpu, old, <u32>slot);
  }
  pte_unlock(m, cpu, table);
  if (r != FAULT_OK) {
    put_page(m, cpu, nw);
    return r;
  }
  rss_add(m, mm, old, -1);
  rss_add(m, mm, nw, 1);
  put_page(m, cpu, old);
  count(m, cpu, ST_COW_BREAKS);
  return FAULT_OK;
}

/**
 * do_swap_page: the page comes back through the swap cache (one page per
 * slot however many CPUs swap it in at once). It is mapped writable only
 * when this PTE is its one user (reuse_swap_page); a write to a page still
 * shared goes on to do_wp_page.
 */
function do_swap_page(m: usize, cpu: u32, mm: u32, vma: usize, va: u64, slot: usize, e: u64, write: bool): u32 {
  const sw = <u32>((e & PTE_ADDR_MASK) >> 12);
  const pfn = swapin_page(m, cpu, sw); // with our reference: the mapping's
  if (pfn == NIL) return FAULT_OOM;
  if (pfn == NIL - 1) return FAULT_RETRY; // the entry went meanwhile
  const table = slot & ~(<usize>4095);
  pte_lock(m, cpu, table);
  if (load<u64>(slot) != e) {
    pte_unlock(m, cpu, table);
    put_page(m, cpu, pfn);
    return FAULT_RETRY;
  }
  const exclusive = swap_count(m, sw) == 1 && atomic.load<i32>(page_addr(m, pfn) + PG_MAPCOUNT) == 0;
  if (!page_dup_rmap(m, pfn, <u32>slot)) {
    pte_unlock(m, cpu, table);
    put_page(m, cpu, pfn);
    return FAULT_OOM;
  }
  const pte = mk_pte(pfn, write && exclusive ? PTE_A | PTE_RW | PTE_D : PTE_A);
  store<u64>(slot, pte);
  pte_unlock(m, cpu, table);
  rss_add(m, mm, pfn, 1);
  swap_free(m, cpu, sw);
  if (write && !exclusive) return do_wp_page(m, cpu, mm, vma, va, slot, pte);
  return FAULT_OK;
}

// --- range walks -------------------------------------------------------------

/** What a range walk does to one non-empty leaf entry, under its PT lock: PTE_NEXT, PTE_STOP or PTE_WAIT. */
export type PteOp = (m: usize, cpu: u32, mm: u32, va: u64, slot: usize, e: u64, arg: usize) => u32;
/** Go on to the next entry. */
export const PTE_NEXT: u32 = 0;
/** Stop the walk (out of memory). */
export const PTE_STOP: u32 = 1;
/**
 * The entry is a migration entry another CPU's migration will replace:
 * drop the PT lock, wait until the entry changes, then visit it again
 * (migration_entry_wait).
 */
export const PTE_WAIT: u32 = 2;

// What a range walk prepares before it takes a leaf table's PT lock: the
// tables its op will write, so none is allocated under the lock.
export const PREP_NONE: u32 = 0;
/** fork: the child's table at the same va (arg: {child mm}). */
export const PREP_FORK: u32 = 1;
/** mremap: the tables at va + delta (arg: {delta: u64}). */
export const PREP_MOVE: u32 = 2;

/**
 * Visits every non-empty leaf entry of mm in [start, end), holding each leaf
 * table's PT lock across its entries. The walk is a page-table read-side
 * section, so a truncate's zap (which holds no mmap_lock) never meets a
 * freed table. Returns false if an op stopped.
 */
export function pte_range(m: usize, cpu: u32, mm: u32, start: u64, end: u64, op: PteOp, arg: usize, prep: u32): bool {
  if (end <= start) return true;
  const top = 3 + 9 * load<u32>(m, H_LEVELS);
  const pgd = <usize>load<u32>(mm_addr(m, mm), MM_PGD);
  pt_rcu_read_lock(m, cpu);
  const ok = range_table(m, cpu, mm, pgd, top, start, end, op, arg, prep);
  pt_rcu_read_unlock(m, cpu);
  return ok;
}

function range_table(
  m: usize, cpu: u32, mm: u32, table: usize, shift: u32, start: u64, end: u64, op: PteOp, arg: usize, prep: u32,
): bool {
  const i0 = <usize>(start >> shift) & 511;
  const i1 = <usize>((end - 1) >> shift) & 511;
  const span: u64 = <u64>1 << shift;
  const tbase = start & ~((span << 9) - 1);
  charge_touch(m, cpu, 1); // this table's line holding entry i0
  if (shift == 12) {
    charge_touch(m, cpu, <u64>((i1 - i0) >> 3)); // the further lines of leaf entries read
    if (prep != PREP_NONE && !prepare_leaf(m, cpu, mm, table, i0, i1, tbase, arg, prep)) return false;
    pte_lock(m, cpu, table);
    for (let i = i0; i <= i1; i++) {
      const slot = table + (i << 3);
      const e = load<u64>(slot);
      if (!e) continue;
      const r = op(m, cpu, mm, tbase + (<u64>i << 12), slot, e, arg);
      if (r == PTE_NEXT) continue;
      pte_unlock(m, cpu, table);
      if (r == PTE_STOP) return false;
      while (atomic.load<u64>(slot) == e) ipi_poll(m, cpu); // PTE_WAIT
      pte_lock(m, cpu, table);
      i--; // visit it again
    }
    pte_unlock(m, cpu, table);
    return true;
  }
  for (let i = i0; i <= i1; i++) {
    const slot = table + (i << 3);
    const e = load<u64>(slot);
    if (!(e & PTE_P)) continue;
    const base = tbase + (<u64>i << shift);
    const cs = start > base ? start : base;
    const ce = end < base + span ? end : base + span;
    if (!range_table(m, cpu, mm, <usize>(e & PTE_ADDR_MASK), shift - 9, cs, ce, op, arg, prep)) return false;
  }
  return true;
}

/** The first (or last) non-empty entry of a leaf table in [i0, i1], or 512. */
// @ts-ignore: decorator
@inline function leaf_used(table: usize, i0: usize, i1: usize, last: bool): usize {
  if (last) {
    for (let i = i1 + 1; i > i0; i--) if (atomic.load<u64>(table + ((i - 1) << 3))) return i - 1;
  } else {
    for (let i = i0; i <= i1; i++) if (atomic.load<u64>(table + (i << 3))) return i;
  }
  return 512;
}

/** Allocates the destination tables a leaf's entries will be copied or moved to, before its PT lock is taken. */
function prepare_leaf(
  m: usize, cpu: u32, mm: u32, table: usize, i0: usize, i1: usize, tbase: u64, arg: usize, prep: u32,
): bool {
  const first = leaf_used(table, i0, i1, false);
  if (first == 512) return true;
  const va = tbase + (<u64>first << 12);
  if (prep == PREP_FORK) return pt_slot_cpu(m, cpu, load<u32>(arg), va, true) > 1;
  // mremap: the entries' destinations span at most two leaf tables
  const delta = load<u64>(arg);
  if (pt_slot_cpu(m, cpu, mm, va + delta, true) <= 1) return false;
  const last = leaf_used(table, i0, i1, true);
  return pt_slot_cpu(m, cpu, mm, tbase + (<u64>last << 12) + delta, true) > 1;
}

/** zap_pte_range's work on one entry: dirty and young go to struct page, then the rmap and the reference. */
export function zap_one(m: usize, cpu: u32, mm: u32, va: u64, slot: usize, e: u64, arg: usize): u32 {
  store<u64>(slot, 0);
  pt_used_add(m, slot, -1);
  if (e & PTE_P) {
    const pfn = pte_pfn(e);
    const page = page_addr(m, pfn);
    if (e & PTE_D) set_page_dirty(m, pfn);
    if (e & PTE_A && !(load<u32>(page, PG_MAPPING) & PAGE_MAPPING_ANON)) {
      atomic.or<u32>(page + PG_FLAGS, PG_REFERENCED); // mark_page_accessed
    }
    page_remove_rmap(m, cpu, pfn, <u32>slot);
    rss_add(m, mm, pfn, -1);
    put_page(m, cpu, pfn);
    count(m, cpu, ST_PTES_CLEARED);
  } else if (e & PTE_SWAP) {
    swap_free(m, cpu, <u32>((e & PTE_ADDR_MASK) >> 12));
  }
  // a migration entry just goes: the migration finds its PTE gone and leaves it
  return PTE_NEXT;
}

/** Clears the PTEs of [start, end) of mm (zap_pte_range); returns the present ones cleared. Tables stay. */
export function zap_ptes(m: usize, cpu: u32, mm: u32, start: u64, end: u64): u64 {
  const st = vmstat(m, cpu) + ST_PTES_CLEARED;
  const before = load<u64>(st);
  pte_range(m, cpu, mm, start, end, zap_one, 0, PREP_NONE);
  return load<u64>(st) - before;
}

/**
 * zap_page_range over [start, end) of mm: one invalidate_range_start/end
 * pair around the whole loop (2.6.27), one TLB flush at the end. Page
 * tables stay (a truncate holds no mmap_lock: faults may be using them).
 */
export function zap_page_range(m: usize, cpu: u32, mm: u32, start: u64, end: u64): void {
  hook_range_start(m, cpu, mm, start, end);
  if (zap_ptes(m, cpu, mm, start, end)) tlb_flush_mm(m, cpu, mm, start, range_pages(start, end));
  hook_range_end(m, cpu, mm, start, end);
}

