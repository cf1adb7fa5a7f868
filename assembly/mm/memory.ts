// The VM paths that fault pages in and clear, downgrade, copy or move PTEs
// (mm/memory.c, mmap.c, mprotect.c, mremap.c, fork's copy_page_range), each
// calling the notifier hook sites of domain.md §2.3 at the kernel's points.
// Callers hold mmap_lock for writing (faults: for reading).
import {
  H_LEVELS, MM_NR_TABLES, MM_PGD, PG_DIRTY, PG_FLAGS, PG_INDEX, PG_MAPCOUNT, PG_MAPPING, PG_PRIVATE, PG_REFCOUNT,
  PG_REFERENCED, PG_SWAPCACHE, PTD_USED, PTE_A, PTE_ADDR_MASK, PTE_D, PTE_P, PTE_RW, PTE_US,
} from "../layout";
import { mm_addr, page_addr, ptdesc, pt_free } from "../machine";
import { pt_slot, pt_used_add } from "../pagetable";
import { add_to_page_cache, find_page, remove_from_page_cache } from "./filemap";
import {
  hook_invalidate_page, hook_range_end, hook_range_start, hook_release,
} from "./hooks";
import { i_mmap_lock_write, i_mmap_unlock_write, pte_lock, pte_unlock } from "./lock";
import { alloc_page, get_page, lru_add, put_page } from "./page_alloc";
import { page_add_file_rmap, page_add_new_anon_rmap, page_dup_rmap, page_move_rmap, page_remove_rmap } from "./rmap";
import { swap_duplicate, swap_free, swap_slot } from "./swap";
import {
  AS_IMMAP, AS_SIZE_PAGES, MM_ALIVE, MM_PARENT, MM_RSS_ANON, MM_RSS_FILE, NIL, PAGE_MAPPING_ANON, PRIMARY_ANONVMA,
  PRIMARY_AVC, PTE_MIGRATION, PTE_SWAP, SW_COUNT, SW_INDEX, SW_MAPPING, SW_PFN, VM_ANON_PAGES, VM_MAYWRITE, VM_READ,
  VM_SHARED, VM_WRITE, VMA_ANON_VMA, VMA_END, VMA_FILE, VMA_FLAGS, VMA_MM, VMA_PGOFF, VMA_SHARED, VMA_START,
} from "./types";
import {
  address_space, anon_vma_prepare, design, find_vma, find_vma_index, nr_vmas, vma_at, vma_create, vma_destroy, vma_dup,
  vma_move, vma_pages, vma_split,
} from "./vma";
import {
  count, ST_ARG, ST_COW_BREAKS, ST_FAULTS, ST_PTES_CHANGED, ST_PTES_CLEARED, ST_PTES_COPIED, vmstat,
} from "./vmstat";
import { itree_first, itree_next } from "../lib/itree";
import { charge_touch, charge_walk, mm_cpu_use, tlb_flush_mm } from "../cost";

/** Fault results. */
export const FAULT_OK: u32 = 0;
export const FAULT_SEGV: u32 = 1;
export const FAULT_OOM: u32 = 2;

/** The linear page index of va in vma's object (linear_page_index). */
// @ts-ignore: decorator
@inline export function linear_index(vma: usize, va: u64): u32 {
  return load<u32>(vma, VMA_PGOFF) + <u32>((va - load<u64>(vma, VMA_START)) >> 12);
}

// @ts-ignore: decorator
@inline function pte_pfn(e: u64): u32 {
  return <u32>((e & PTE_ADDR_MASK) >> 12);
}

// @ts-ignore: decorator
@inline function mk_pte(pfn: u32, bits: u64): u64 {
  return (<u64>pfn << 12) | bits | PTE_P | PTE_US;
}

// @ts-ignore: decorator
@inline function rss_add(m: usize, mm: u32, pfn: u32, d: i32): void {
  const off = load<u32>(page_addr(m, pfn), PG_MAPPING) & PAGE_MAPPING_ANON ? MM_RSS_ANON : MM_RSS_FILE;
  const a = mm_addr(m, mm) + off;
  store<i32>(a, load<i32>(a) + d);
}

// @ts-ignore: decorator
@inline function is_cow_mapping(flags: u32): bool {
  return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

/** set_page_dirty: the dirty state moves from a PTE to struct page. */
// @ts-ignore: decorator
@inline export function set_page_dirty(m: usize, pfn: u32): void {
  const p = page_addr(m, pfn);
  store<u32>(p, load<u32>(p, PG_FLAGS) | PG_DIRTY, PG_FLAGS);
}

/** flush_tlb_mm: more pages than any ceiling, so a full flush (and the shootdown). */
// @ts-ignore: decorator
@inline const FLUSH_MM: u64 = 0xffff_ffff;

/** Pages of [start, end) (flush_tlb_range's size). */
// @ts-ignore: decorator
@inline function range_pages(start: u64, end: u64): u64 {
  return (end - start) >> 12;
}

// --- page faults -----------------------------------------------------------

/**
 * handle_mm_fault: a CPU touched va (a write when `write`). Present PTEs get
 * A (and D) as the hardware would; a write to a read-only PTE of a writable
 * VMA breaks COW or reuses the page; missing pages come from the anonymous,
 * file or swap path.
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
  const slot = pt_slot(m, mm, va, true);
  if (slot <= 1) return FAULT_OOM;
  const table = slot & ~(<usize>4095);
  const e = load<u64>(slot);
  if (e & PTE_P) {
    if (write && !(e & PTE_RW)) return do_wp_page(m, cpu, mm, vma, va, slot, e);
    pte_lock(m, cpu, table);
    store<u64>(slot, e | PTE_A | (write ? PTE_D : 0));
    pte_unlock(m, cpu, table);
    return FAULT_OK;
  }
  if (e & PTE_SWAP) return do_swap_page(m, cpu, mm, vma, va, slot, e, write);
  if (e & PTE_MIGRATION) return FAULT_OK; // migration completes before its caller returns: refault
  if (!load<u32>(vma, VMA_FILE)) return do_anonymous_page(m, cpu, mm, vma, va, slot);
  return do_file_fault(m, cpu, mm, vma, va, slot, write);
}

/** An anonymous page for vma, its rmap set up (anon_vma_prepare before any PT lock, as Linux does). */
function new_anon_page(m: usize, cpu: u32, vma: usize, va: u64, slot: usize): u32 {
  if (!anon_vma_prepare(m, cpu, vma)) return NIL;
  const pfn = alloc_page(m);
  if (pfn == NIL) return NIL;
  store<u32>(vma, load<u32>(vma, VMA_FLAGS) | VM_ANON_PAGES, VMA_FLAGS);
  if (!page_add_new_anon_rmap(m, pfn, load<u32>(vma, VMA_ANON_VMA), linear_index(vma, va), <u32>slot)) {
    put_page(m, cpu, pfn);
    return NIL;
  }
  lru_add(m, pfn);
  return pfn;
}

function do_anonymous_page(m: usize, cpu: u32, mm: u32, vma: usize, va: u64, slot: usize): u32 {
  const pfn = new_anon_page(m, cpu, vma, va, slot);
  if (pfn == NIL) return FAULT_OOM;
  const table = slot & ~(<usize>4095);
  const bits = load<u32>(vma, VMA_FLAGS) & VM_WRITE ? PTE_A | PTE_RW | PTE_D : PTE_A;
  pte_lock(m, cpu, table);
  store<u64>(slot, mk_pte(pfn, bits));
  pt_used_add(m, slot, 1);
  pte_unlock(m, cpu, table);
  rss_add(m, mm, pfn, 1);
  return FAULT_OK;
}

function do_file_fault(m: usize, cpu: u32, mm: u32, vma: usize, va: u64, slot: usize, write: bool): u32 {
  const file = load<u32>(vma, VMA_FILE);
  const index = linear_index(vma, va);
  let pfn = find_page(m, file, index);
  if (pfn == NIL) {
    pfn = add_to_page_cache(m, file, index);
    if (pfn == NIL) return FAULT_OOM;
  }
  const shared = (load<u32>(vma, VMA_FLAGS) & VM_SHARED) != 0;
  const table = slot & ~(<usize>4095);
  if (write && !shared) {
    // a private write fault copies the file page at once (__do_fault's anonymous copy)
    const anon = new_anon_page(m, cpu, vma, va, slot);
    if (anon == NIL) return FAULT_OOM;
    pte_lock(m, cpu, table);
    store<u64>(slot, mk_pte(anon, PTE_A | PTE_RW | PTE_D));
    pt_used_add(m, slot, 1);
    pte_unlock(m, cpu, table);
    rss_add(m, mm, anon, 1);
    return FAULT_OK;
  }
  get_page(m, pfn);
  // Shared writable mappings start read-only so the first write is seen (dirty accounting).
  const bits = write ? PTE_A | PTE_RW | PTE_D : PTE_A;
  if (write) set_page_dirty(m, pfn);
  if (!page_add_file_rmap(m, pfn, <u32>slot)) {
    put_page(m, cpu, pfn);
    return FAULT_OOM;
  }
  pte_lock(m, cpu, table);
  store<u64>(slot, mk_pte(pfn, bits));
  pt_used_add(m, slot, 1);
  pte_unlock(m, cpu, table);
  rss_add(m, mm, pfn, 1);
  return FAULT_OK;
}

/**
 * do_wp_page: a write hit a read-only PTE of a writable VMA. A shared file
 * page, or an anonymous page only this PTE uses, is made writable in place;
 * anything else is copied, and the old translation is flushed and notified
 * (ptep_clear_flush_notify, under the PT lock) before the new one is set
 * (domain.md §9.3 case B, §10 rule 6).
 */
function do_wp_page(m: usize, cpu: u32, mm: u32, vma: usize, va: u64, slot: usize, e: u64): u32 {
  const old = pte_pfn(e);
  const page = page_addr(m, old);
  const table = slot & ~(<usize>4095);
  const anon = (load<u32>(page, PG_MAPPING) & PAGE_MAPPING_ANON) != 0;
  const reuse = load<u32>(vma, VMA_FLAGS) & VM_SHARED
    ? true
    : anon && load<i32>(page, PG_MAPCOUNT) == 1 && load<i32>(page, PG_REFCOUNT) == 1; // nobody else uses it
  if (reuse) {
    pte_lock(m, cpu, table);
    store<u64>(slot, e | PTE_RW | PTE_D | PTE_A);
    pte_unlock(m, cpu, table);
    set_page_dirty(m, old);
    return FAULT_OK;
  }
  const nw = new_anon_page(m, cpu, vma, va, slot);
  if (nw == NIL) return FAULT_OOM;
  pte_lock(m, cpu, table);
  store<u64>(slot, 0); // ptep_clear_flush_notify
  tlb_flush_mm(m, cpu, mm, 1);
  hook_invalidate_page(m, cpu, mm, va);
  store<u64>(slot, mk_pte(nw, PTE_A | PTE_RW | PTE_D));
  page_remove_rmap(m, cpu, old, <u32>slot);
  pte_unlock(m, cpu, table);
  rss_add(m, mm, old, -1);
  rss_add(m, mm, nw, 1);
  put_page(m, cpu, old);
  count(m, cpu, ST_COW_BREAKS);
  return FAULT_OK;
}

/**
 * do_swap_page: the page comes back through the swap cache. It is mapped
 * writable only when this PTE is its one user (reuse_swap_page); a write to a
 * page still shared goes on to do_wp_page.
 */
function do_swap_page(m: usize, cpu: u32, mm: u32, vma: usize, va: u64, slot: usize, e: u64, write: bool): u32 {
  const sw = <u32>((e & PTE_ADDR_MASK) >> 12);
  const s = swap_slot(m, sw);
  let pfn = load<u32>(s, SW_PFN);
  if (pfn == NIL) {
    // read it back into the swap cache: a new frame with the slot's mapping and index
    pfn = alloc_page(m);
    if (pfn == NIL) return FAULT_OOM;
    const page = page_addr(m, pfn);
    store<u32>(page, load<u32>(s, SW_MAPPING), PG_MAPPING);
    store<u32>(page, load<u32>(s, SW_INDEX), PG_INDEX);
    store<u32>(page, load<u32>(page, PG_FLAGS) | PG_SWAPCACHE, PG_FLAGS);
    store<u32>(page, sw, PG_PRIVATE);
    store<u32>(s, pfn, SW_PFN);
    lru_add(m, pfn); // the frame's first reference is the swap cache's
  }
  const exclusive = load<u32>(s, SW_COUNT) == 1 && load<i32>(page_addr(m, pfn), PG_MAPCOUNT) == 0;
  get_page(m, pfn);
  if (!page_dup_rmap(m, pfn, <u32>slot)) {
    put_page(m, cpu, pfn);
    return FAULT_OOM;
  }
  const table = slot & ~(<usize>4095);
  const bits = write && exclusive ? PTE_A | PTE_RW | PTE_D : PTE_A;
  pte_lock(m, cpu, table);
  store<u64>(slot, mk_pte(pfn, bits));
  pte_unlock(m, cpu, table);
  rss_add(m, mm, pfn, 1);
  swap_free(m, cpu, sw);
  if (write && !exclusive) return do_wp_page(m, cpu, mm, vma, va, slot, load<u64>(slot));
  return FAULT_OK;
}

// --- range walks -------------------------------------------------------------

/** What a range walk does to one non-empty leaf entry; returns false to stop (out of memory). */
type PteOp = (m: usize, cpu: u32, mm: u32, va: u64, slot: usize, e: u64, arg: usize) => bool;

/**
 * Visits every non-empty leaf entry of mm in [start, end), holding each leaf
 * table's PT lock across its entries. With `free_empty`, tables left with no
 * entries are freed on the way back up (free_pgtables). Returns false if an op stopped.
 */
function pte_range(m: usize, cpu: u32, mm: u32, start: u64, end: u64, op: PteOp, arg: usize, free_empty: bool): bool {
  if (end <= start) return true;
  const top = 3 + 9 * load<u32>(m, H_LEVELS);
  const pgd = <usize>load<u32>(mm_addr(m, mm), MM_PGD);
  return range_table(m, cpu, mm, pgd, top, start, end, op, arg, free_empty);
}

function range_table(
  m: usize, cpu: u32, mm: u32, table: usize, shift: u32, start: u64, end: u64, op: PteOp, arg: usize, free_empty: bool,
): bool {
  const i0 = <usize>(start >> shift) & 511;
  const i1 = <usize>((end - 1) >> shift) & 511;
  const span: u64 = <u64>1 << shift;
  const tbase = start & ~((span << 9) - 1);
  charge_touch(m, cpu, 1); // this table's line holding entry i0
  if (shift == 12) {
    charge_touch(m, cpu, <u64>((i1 - i0) >> 3)); // the further lines of leaf entries read
    pte_lock(m, cpu, table);
    for (let i = i0; i <= i1; i++) {
      const slot = table + (i << 3);
      const e = load<u64>(slot);
      if (e && !op(m, cpu, mm, tbase + (<u64>i << 12), slot, e, arg)) {
        pte_unlock(m, cpu, table);
        return false;
      }
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
    const child = <usize>(e & PTE_ADDR_MASK);
    if (!range_table(m, cpu, mm, child, shift - 9, cs, ce, op, arg, free_empty)) return false;
    if (free_empty && !load<u32>(ptdesc(m, child), PTD_USED)) {
      store<u64>(slot, 0);
      pt_free(m, child);
      pt_used_add(m, slot, -1);
      const ma = mm_addr(m, mm);
      store<u32>(ma, load<u32>(ma, MM_NR_TABLES) - 1, MM_NR_TABLES);
    }
  }
  return true;
}

/** zap_pte_range's work on one entry: dirty and young go to struct page, then the rmap and the reference. */
function zap_one(m: usize, cpu: u32, mm: u32, va: u64, slot: usize, e: u64, arg: usize): bool {
  store<u64>(slot, 0);
  pt_used_add(m, slot, -1);
  if (e & PTE_P) {
    const pfn = pte_pfn(e);
    const page = page_addr(m, pfn);
    if (e & PTE_D) set_page_dirty(m, pfn);
    if (e & PTE_A && !(load<u32>(page, PG_MAPPING) & PAGE_MAPPING_ANON)) {
      store<u32>(page, load<u32>(page, PG_FLAGS) | PG_REFERENCED, PG_FLAGS); // mark_page_accessed
    }
    page_remove_rmap(m, cpu, pfn, <u32>slot);
    rss_add(m, mm, pfn, -1);
    put_page(m, cpu, pfn);
    count(m, cpu, ST_PTES_CLEARED);
  } else if (e & PTE_SWAP) {
    swap_free(m, cpu, <u32>((e & PTE_ADDR_MASK) >> 12));
  }
  return true;
}

/**
 * unmap_vmas over [start, end) of mm: one invalidate_range_start/end pair
 * around the whole loop (2.6.27), one TLB flush at the end, then the emptied
 * page tables are freed.
 */
export function zap_page_range(m: usize, cpu: u32, mm: u32, start: u64, end: u64): void {
  hook_range_start(m, cpu, mm, start, end);
  const before = load<u64>(vmstat(m, cpu), ST_PTES_CLEARED);
  pte_range(m, cpu, mm, start, end, zap_one, 0, true);
  if (load<u64>(vmstat(m, cpu), ST_PTES_CLEARED) != before) tlb_flush_mm(m, cpu, mm, range_pages(start, end));
  hook_range_end(m, cpu, mm, start, end);
}

/** Splits VMAs so that start and end fall on VMA boundaries. */
function split_at(m: usize, cpu: u32, mm: u32, addr: u64): bool {
  const vma = find_vma(m, mm, addr);
  if (!vma || load<u64>(vma, VMA_START) == addr) return true;
  return vma_split(m, cpu, vma, addr) != 0;
}

/** munmap(start, end - start): split, zap, unlink, free. */
export function do_munmap(m: usize, cpu: u32, mm: u32, start: u64, end: u64): bool {
  if (!split_at(m, cpu, mm, start) || !split_at(m, cpu, mm, end)) return false;
  zap_page_range(m, cpu, mm, start, end);
  let i = find_vma_index(m, mm, start);
  while (i < nr_vmas(m, mm)) {
    const vma = vma_at(m, mm, i);
    if (load<u64>(vma, VMA_START) >= end) break;
    vma_destroy(m, cpu, vma); // the set shifts down: i now names the next VMA
  }
  return true;
}

function protect_one(m: usize, cpu: u32, mm: u32, va: u64, slot: usize, e: u64, arg: usize): bool {
  if (e & PTE_P && e & PTE_RW) {
    store<u64>(slot, e & ~PTE_RW);
    count(m, cpu, ST_PTES_CHANGED);
  }
  return true;
}

/**
 * mprotect_fixup + change_protection: new flags on [start, end). Removing
 * write permission downgrades the PTEs inside a range_start/end pair; adding
 * it leaves PTEs read-only (the next write faults, as for COW).
 */
export function do_mprotect(m: usize, cpu: u32, mm: u32, start: u64, end: u64, flags: u32): bool {
  if (!split_at(m, cpu, mm, start) || !split_at(m, cpu, mm, end)) return false;
  hook_range_start(m, cpu, mm, start, end);
  pte_range(m, cpu, mm, start, end, protect_one, 0, false);
  tlb_flush_mm(m, cpu, mm, range_pages(start, end)); // flush_tlb_range
  hook_range_end(m, cpu, mm, start, end);
  for (let i = find_vma_index(m, mm, start); i < nr_vmas(m, mm); i++) {
    const vma = vma_at(m, mm, i);
    if (load<u64>(vma, VMA_START) >= end) break;
    const keep = load<u32>(vma, VMA_FLAGS) & ~(VM_READ | VM_WRITE | 4);
    store<u32>(vma, keep | flags | (flags & VM_WRITE ? VM_MAYWRITE : 0), VMA_FLAGS);
  }
  return true;
}

// mremap's move: arg points to {delta: u64} (new va - old va).
function move_one(m: usize, cpu: u32, mm: u32, va: u64, slot: usize, e: u64, arg: usize): bool {
  const dst = pt_slot(m, mm, va + load<u64>(arg), true);
  if (dst <= 1) return false;
  const dtable = dst & ~(<usize>4095);
  pte_lock(m, cpu, dtable); // the second PT lock, nested (move_ptes)
  store<u64>(dst, e);
  pt_used_add(m, dst, 1);
  pte_unlock(m, cpu, dtable);
  store<u64>(slot, 0);
  pt_used_add(m, slot, -1);
  if (e & PTE_P) page_move_rmap(m, pte_pfn(e), <u32>slot, <u32>dst);
  count(m, cpu, ST_PTES_CHANGED);
  return true;
}

/**
 * mremap(start, end - start, new_start) with MREMAP_FIXED semantics: the
 * range becomes its own VMA, its PTEs move (move_ptes, inside a
 * range_start/end on the old range), and the VMA follows with its pgoff.
 * The target range must be free.
 */
export function do_mremap(m: usize, cpu: u32, mm: u32, start: u64, end: u64, new_start: u64): bool {
  if (!split_at(m, cpu, mm, start) || !split_at(m, cpu, mm, end)) return false;
  const vma = find_vma(m, mm, start);
  if (!vma || load<u64>(vma, VMA_END) != end || !range_free(m, mm, new_start, new_start + (end - start))) return false;
  hook_range_start(m, cpu, mm, start, end);
  const arg = vmstat(m, cpu) + ST_ARG;
  store<u64>(arg, new_start - start);
  const ok = pte_range(m, cpu, mm, start, end, move_one, arg, true);
  tlb_flush_mm(m, cpu, mm, range_pages(start, end));
  hook_range_end(m, cpu, mm, start, end);
  return ok && vma_move(m, cpu, vma, new_start);
}

// fork's copy: arg points to {child mm: u32, cow: u32}.
function copy_one(m: usize, cpu: u32, mm: u32, va: u64, slot: usize, e: u64, arg: usize): bool {
  const child = load<u32>(arg);
  const cow = load<u32>(arg, 4);
  const dst = pt_slot(m, child, va, true);
  if (dst <= 1) return false;
  let ce = e;
  if (e & PTE_P) {
    if (cow && e & PTE_RW) {
      ce = e & ~PTE_RW;
      store<u64>(slot, ce); // ptep_set_wrprotect on the parent
    }
    ce &= ~PTE_A; // pte_mkold
    const pfn = pte_pfn(e);
    get_page(m, pfn);
    if (!page_dup_rmap(m, pfn, <u32>dst)) {
      put_page(m, cpu, pfn);
      return false;
    }
    rss_add(m, child, pfn, 1);
  } else if (e & PTE_SWAP) {
    swap_duplicate(m, <u32>((e & PTE_ADDR_MASK) >> 12));
  }
  const dtable = dst & ~(<usize>4095);
  pte_lock(m, cpu, dtable); // nested inside the parent's PT lock
  store<u64>(dst, ce);
  pt_used_add(m, dst, 1);
  pte_unlock(m, cpu, dtable);
  count(m, cpu, ST_PTES_COPIED);
  return true;
}

/**
 * fork: dup_mmap of parent into the fresh mm child. Every VMA is copied and
 * linked (anon_vma_fork); PTEs are copied only where the VMA holds anonymous
 * pages (shared file mappings are faulted in by the child later), write-
 * protected on both sides for COW mappings, inside a range_start/end pair on
 * the parent (domain.md §2.3). One TLB flush of the parent at the end.
 */
export function do_fork(m: usize, cpu: u32, parent: u32, child: u32): bool {
  const arg = vmstat(m, cpu) + ST_ARG;
  store<u32>(arg, child);
  for (let i: u32 = 0; i < nr_vmas(m, parent); i++) {
    const vma = vma_at(m, parent, i);
    if (!vma_dup(m, cpu, child, vma)) return false;
    const flags = load<u32>(vma, VMA_FLAGS);
    if (!(flags & VM_ANON_PAGES)) continue;
    const cow = is_cow_mapping(flags);
    store<u32>(arg, cow ? 1 : 0, 4);
    const start = load<u64>(vma, VMA_START);
    const end = load<u64>(vma, VMA_END);
    if (cow) hook_range_start(m, cpu, parent, start, end);
    const ok = pte_range(m, cpu, parent, start, end, copy_one, arg, false);
    if (cow) hook_range_end(m, cpu, parent, start, end);
    if (!ok) return false;
  }
  tlb_flush_mm(m, cpu, parent, FLUSH_MM); // flush_tlb_mm(oldmm)
  store<u32>(mm_addr(m, child), parent, MM_PARENT);
  store<u32>(mm_addr(m, child), 1, MM_ALIVE);
  return true;
}

/**
 * exit_mmap: release first (secondary MMUs tear down before any page is
 * freed), then unmap_vmas over everything (its range_start/end reach no
 * notifier any more), free the page tables and the VMAs.
 */
export function do_exit(m: usize, cpu: u32, mm: u32): void {
  hook_release(m, cpu, mm);
  const top = 3 + 9 * load<u32>(m, H_LEVELS);
  zap_page_range(m, cpu, mm, 0, <u64>1 << (top + 9));
  while (nr_vmas(m, mm)) vma_destroy(m, cpu, vma_at(m, mm, nr_vmas(m, mm) - 1));
  const ma = mm_addr(m, mm);
  store<u32>(ma, 0, MM_ALIVE);
}

/**
 * truncate to `pages` pages: unmap_mapping_range over every VMA of the file
 * that maps the cut part (private COW copies too, even_cows), each VMA its
 * own zap with its own range_start/end, under the i_mmap lock; then the
 * cached pages past the end leave the page cache (truncate_inode_pages).
 */
export function do_truncate(m: usize, cpu: u32, file: u32, pages: u32): void {
  const as = address_space(m, file);
  const size = load<u32>(as, AS_SIZE_PAGES);
  if (pages >= size) return;
  i_mmap_lock_write(m, cpu, as); // a spinlock across the zaps in 2.6.27
  i_mmap_zap(m, cpu, as, pages, size - 1);
  i_mmap_unlock_write(m, cpu, as);
  for (let index = pages; index < size; index++) {
    const pfn = find_page(m, file, index);
    if (pfn != NIL) remove_from_page_cache(m, cpu, pfn);
  }
  store<u32>(as, pages, AS_SIZE_PAGES);
}

function i_mmap_zap(m: usize, cpu: u32, as: usize, first: u32, last: u32): void {
  const d = design(m);
  if (d == PRIMARY_ANONVMA || d == PRIMARY_AVC) {
    let node = itree_first(as + AS_IMMAP, first, last);
    while (node) {
      const next = itree_next(node, first, last);
      zap_vma_index_range(m, cpu, node - VMA_SHARED, first, last);
      node = next;
    }
  } else {
    for (let vma = <usize>load<u32>(as, AS_IMMAP); vma; vma = <usize>load<u32>(vma + VMA_SHARED)) {
      zap_vma_index_range(m, cpu, vma, first, last);
    }
  }
}

/** Zaps the part of vma that maps file pages [first, last] (unmap_mapping_range_vma). */
function zap_vma_index_range(m: usize, cpu: u32, vma: usize, first: u32, last: u32): void {
  const pgoff = load<u32>(vma, VMA_PGOFF);
  const pages = vma_pages(vma);
  if (last < pgoff || first >= pgoff + pages) return;
  const lo = first > pgoff ? first : pgoff;
  const hi = last < pgoff + pages - 1 ? last : pgoff + pages - 1;
  const start = load<u64>(vma, VMA_START) + (<u64>(lo - pgoff) << 12);
  const end = load<u64>(vma, VMA_START) + (<u64>(hi - pgoff + 1) << 12);
  zap_page_range(m, cpu, load<u32>(vma, VMA_MM), start, end);
}

/** Whether no VMA of mm overlaps [start, end). */
function range_free(m: usize, mm: u32, start: u64, end: u64): bool {
  const i = find_vma_index(m, mm, start);
  return i >= nr_vmas(m, mm) || load<u64>(vma_at(m, mm, i), VMA_START) >= end;
}

/** Creates a VMA (mmap at a fixed address). Returns 0 when the range is taken or out of VMAs. */
export function do_mmap(m: usize, cpu: u32, mm: u32, start: u64, pages: u32, flags: u32, file: u32, pgoff: u32): usize {
  if (!pages || !range_free(m, mm, start, start + (<u64>pages << 12))) return 0;
  if (file) {
    const as = address_space(m, file);
    if (load<u32>(as, AS_SIZE_PAGES) < pgoff + pages) store<u32>(as, pgoff + pages, AS_SIZE_PAGES);
  }
  const mayw = flags & VM_WRITE ? VM_MAYWRITE : 0;
  return vma_create(m, cpu, mm, start, start + (<u64>pages << 12), flags | mayw, file, pgoff);
}
