// Operations on address spaces (mm/mmap.c, mprotect.c, mremap.c,
// truncate.c, fork's dup_mmap and exit_mmap), built on memory.ts's range
// walk. Callers hold mmap_lock for writing (truncate: none; it takes the
// i_mmap lock). Page tables are freed only after their range's VMAs have
// left the rmap, and only after a page-table grace period (free_pgtables;
// pagetable.ts), so rmap walkers never find a freed table.
import { H_LEVELS, MM_PGD, PG_MAPCOUNT, PTD_USED, PTE_A, PTE_ADDR_MASK, PTE_P, PTE_RW } from "../layout";
import { mm_addr, page_addr, ptdesc, pt_free } from "../machine";
import { dir_used_add, mm_tables_add, pt_slot_cpu, pt_synchronize, pt_used_add } from "../pagetable";
import { find_get_page, page_cached, remove_from_page_cache } from "./filemap";
import { hook_range_end, hook_range_start, hook_release } from "./hooks";
import { i_mmap_lock_write, i_mmap_unlock_write, lock_page, pte_lock, pte_unlock, unlock_page } from "./lock";
import { put_page, get_page } from "./page_alloc";
import { page_dup_rmap, page_move_rmap } from "./rmap";
import { swap_duplicate } from "./swap";
import {
  AS_IMMAP, AS_SIZE_PAGES, MM_ALIVE, MM_PARENT, NIL, PRIMARY_ANONVMA, PRIMARY_AVC, PTE_MIGRATION, PTE_SWAP,
  VM_ANON_PAGES, VM_MAYWRITE, VM_READ, VM_WRITE, VMA_END, VMA_FLAGS, VMA_MM, VMA_PGOFF, VMA_SHARED, VMA_START,
} from "./types";
import {
  address_space, design, find_vma, find_vma_index, nr_vmas, vma_at, vma_create, vma_destroy, vma_dup, vma_lock_rmap,
  vma_move, vma_pages, vma_split, vma_unlock_rmap,
} from "./vma";
import { count, ST_ARG, ST_PTES_CHANGED, ST_PTES_COPIED, vmstat } from "./vmstat";
import { itree_first, itree_next } from "../lib/itree";
import { tlb_flush_mm } from "../cost";
import {
  FLUSH_MM, is_cow_mapping, PREP_FORK, PREP_MOVE, PREP_NONE, PTE_NEXT, PTE_STOP, PTE_WAIT, pte_pfn, pte_range,
  range_pages, rss_add, zap_page_range, zap_ptes,
} from "./memory";

/**
 * free_pgtables over [start, end) of mm, under mmap_lock for writing, after
 * the range's VMAs have left the rmap: the page tables left empty there
 * (never the pgd) are unlinked, then, after a page-table grace period (no
 * CPU still inside a walk that could have reached them), freed.
 */
function free_pgtables(m: usize, cpu: u32, mm: u32, start: u64, end: u64): void {
  const top = 3 + 9 * load<u32>(m, H_LEVELS);
  const limit: u64 = <u64>1 << (top + 9);
  if (end > limit) end = limit;
  if (end <= start) return;
  // the unlinked tables, listed through their first word (zero in an empty table)
  const list = vmstat(m, cpu) + ST_ARG + 8;
  store<u32>(list, 0);
  const n = unlink_empty(m, <usize>load<u32>(mm_addr(m, mm), MM_PGD), top, start, end, list);
  if (!n) return;
  pt_synchronize(m, cpu);
  let t = <usize>load<u32>(list);
  while (t) {
    const next = <usize>load<u32>(t);
    store<u32>(t, 0);
    pt_free(m, t);
    t = next;
  }
  mm_tables_add(m, mm, -<i32>n);
}

/** Unlinks the child tables of `table` in [start, end) that are (or become) empty; returns how many. */
function unlink_empty(m: usize, table: usize, shift: u32, start: u64, end: u64, list: usize): u32 {
  const i0 = <usize>(start >> shift) & 511;
  const i1 = <usize>((end - 1) >> shift) & 511;
  const span: u64 = <u64>1 << shift;
  const tbase = start & ~((span << 9) - 1);
  let n: u32 = 0;
  for (let i = i0; i <= i1; i++) {
    const slot = table + (i << 3);
    const e = load<u64>(slot);
    if (!(e & PTE_P)) continue;
    const child = <usize>(e & PTE_ADDR_MASK);
    if (shift - 9 > 12) {
      const base = tbase + (<u64>i << shift);
      const cs = start > base ? start : base;
      const ce = end < base + span ? end : base + span;
      n += unlink_empty(m, child, shift - 9, cs, ce, list);
    }
    if (!load<u32>(ptdesc(m, child), PTD_USED)) {
      atomic.store<u64>(slot, 0);
      dir_used_add(m, table, -1);
      store<u32>(child, load<u32>(list));
      store<u32>(list, <u32>child);
      n++;
    }
  }
  return n;
}

/** Splits VMAs so that start and end fall on VMA boundaries. */
function split_at(m: usize, cpu: u32, mm: u32, addr: u64): bool {
  const vma = find_vma(m, mm, addr);
  if (!vma || load<u64>(vma, VMA_START) == addr) return true;
  return vma_split(m, cpu, vma, addr) != 0;
}

/**
 * munmap, first phase (do_munmap up to unmap_region): the VMAs are split at
 * start and end, and the range's invalidation opens (invalidate_range_start).
 * Returns false when a split fails (nothing is opened then).
 */
export function munmap_begin(m: usize, cpu: u32, mm: u32, start: u64, end: u64): bool {
  if (!split_at(m, cpu, mm, start) || !split_at(m, cpu, mm, end)) return false;
  hook_range_start(m, cpu, mm, start, end);
  return true;
}

/**
 * munmap, second phase (unmap_vmas): clears the PTEs of [start, end), a chunk
 * of the range munmap_begin opened; called on consecutive chunks. Page tables
 * stay. Returns the present PTEs cleared.
 */
export function munmap_zap(m: usize, cpu: u32, mm: u32, start: u64, end: u64): u64 {
  return zap_ptes(m, cpu, mm, start, end);
}

/**
 * munmap, last phase: the TLB flush if any PTE was cleared (`cleared`, the
 * sum of munmap_zap's results), invalidate_range_end, the VMAs of
 * [start, end) leave the mm and the rmap (unlink_anon_vmas /
 * unlink_file_vma), and only then are the page tables left empty freed
 * (free_pgtables): an rmap walker holding an anon_vma or i_mmap lock can no
 * longer reach them.
 */
export function munmap_end(m: usize, cpu: u32, mm: u32, start: u64, end: u64, cleared: u64): void {
  if (cleared) tlb_flush_mm(m, cpu, mm, start, range_pages(start, end));
  hook_range_end(m, cpu, mm, start, end);
  const i = find_vma_index(m, mm, start);
  while (i < nr_vmas(m, mm)) {
    const vma = vma_at(m, mm, i);
    if (load<u64>(vma, VMA_START) >= end) break;
    vma_destroy(m, cpu, vma); // the set shifts down: i now names the next VMA
  }
  free_pgtables(m, cpu, mm, start, end);
}

/** munmap(start, end - start): split, zap, unlink, free (the three phases at once). */
export function do_munmap(m: usize, cpu: u32, mm: u32, start: u64, end: u64): bool {
  if (!munmap_begin(m, cpu, mm, start, end)) return false;
  munmap_end(m, cpu, mm, start, end, munmap_zap(m, cpu, mm, start, end));
  return true;
}

function protect_one(m: usize, cpu: u32, mm: u32, va: u64, slot: usize, e: u64, arg: usize): u32 {
  if (e & PTE_P && e & PTE_RW) {
    store<u64>(slot, e & ~PTE_RW);
    count(m, cpu, ST_PTES_CHANGED);
  } else if (e & PTE_MIGRATION && e & PTE_RW) {
    store<u64>(slot, e & ~PTE_RW); // the PTE the migration puts back is read-only too
  }
  return PTE_NEXT;
}

/**
 * mprotect_fixup + change_protection: new flags on [start, end). Removing
 * write permission downgrades the PTEs inside a range_start/end pair; adding
 * it leaves PTEs read-only (the next write faults, as for COW).
 */
export function do_mprotect(m: usize, cpu: u32, mm: u32, start: u64, end: u64, flags: u32): bool {
  if (!split_at(m, cpu, mm, start) || !split_at(m, cpu, mm, end)) return false;
  hook_range_start(m, cpu, mm, start, end);
  pte_range(m, cpu, mm, start, end, protect_one, 0, PREP_NONE);
  tlb_flush_mm(m, cpu, mm, start, range_pages(start, end)); // flush_tlb_range
  hook_range_end(m, cpu, mm, start, end);
  for (let i = find_vma_index(m, mm, start); i < nr_vmas(m, mm); i++) {
    const vma = vma_at(m, mm, i);
    if (load<u64>(vma, VMA_START) >= end) break;
    const keep = load<u32>(vma, VMA_FLAGS) & ~(VM_READ | VM_WRITE | 4);
    store<u32>(vma, keep | flags | (flags & VM_WRITE ? VM_MAYWRITE : 0), VMA_FLAGS);
  }
  return true;
}

// mremap's move: arg points to {delta: u64} (new va - old va). The destination tables were prepared.
function move_one(m: usize, cpu: u32, mm: u32, va: u64, slot: usize, e: u64, arg: usize): u32 {
  if (e & PTE_MIGRATION) return PTE_WAIT;
  const dst = pt_slot_cpu(m, cpu, mm, va + load<u64>(arg), false);
  if (dst <= 1) return PTE_STOP;
  const dtable = dst & ~(<usize>4095);
  const nested = dtable != (slot & ~(<usize>4095));
  if (nested) pte_lock(m, cpu, dtable); // the second PT lock, nested (move_ptes)
  store<u64>(dst, e);
  pt_used_add(m, dst, 1);
  if (nested) pte_unlock(m, cpu, dtable);
  store<u64>(slot, 0);
  pt_used_add(m, slot, -1);
  if (e & PTE_P) page_move_rmap(m, pte_pfn(e), <u32>slot, <u32>dst);
  count(m, cpu, ST_PTES_CHANGED);
  return PTE_NEXT;
}

/**
 * mremap(start, end - start, new_start) with MREMAP_FIXED semantics: the
 * range becomes its own VMA, its PTEs move (move_ptes, inside a
 * range_start/end on the old range), and the VMA follows with its pgoff.
 * The target range must be free. The VMA's rmap locks are held while the
 * PTEs and the VMA move, so an rmap walk finds each mapping at its old or
 * its new place; the old range's tables are freed after.
 */
export function do_mremap(m: usize, cpu: u32, mm: u32, start: u64, end: u64, new_start: u64): bool {
  if (!split_at(m, cpu, mm, start) || !split_at(m, cpu, mm, end)) return false;
  const vma = find_vma(m, mm, start);
  if (!vma || load<u64>(vma, VMA_END) != end || !range_free(m, mm, new_start, new_start + (end - start))) return false;
  hook_range_start(m, cpu, mm, start, end);
  const arg = vmstat(m, cpu) + ST_ARG;
  store<u64>(arg, new_start - start);
  vma_lock_rmap(m, cpu, vma);
  const ok = pte_range(m, cpu, mm, start, end, move_one, arg, PREP_MOVE);
  tlb_flush_mm(m, cpu, mm, start, range_pages(start, end));
  const moved = ok && vma_move(m, cpu, vma, new_start);
  vma_unlock_rmap(m, cpu, vma);
  hook_range_end(m, cpu, mm, start, end);
  free_pgtables(m, cpu, mm, start, end);
  return moved;
}

// fork's copy: arg points to {child mm: u32, cow: u32}. The child's tables were prepared.
function copy_one(m: usize, cpu: u32, mm: u32, va: u64, slot: usize, e: u64, arg: usize): u32 {
  if (e & PTE_MIGRATION) return PTE_WAIT;
  const child = load<u32>(arg);
  const cow = load<u32>(arg, 4);
  const dst = pt_slot_cpu(m, cpu, child, va, false);
  if (dst <= 1) return PTE_STOP;
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
      return PTE_STOP;
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
  return PTE_NEXT;
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
    const ok = pte_range(m, cpu, parent, start, end, copy_one, arg, PREP_FORK);
    if (cow) hook_range_end(m, cpu, parent, start, end);
    if (!ok) return false;
  }
  tlb_flush_mm(m, cpu, parent, 0, FLUSH_MM); // flush_tlb_mm(oldmm)
  store<u32>(mm_addr(m, child), parent, MM_PARENT);
  store<u32>(mm_addr(m, child), 1, MM_ALIVE);
  return true;
}

/**
 * exit_mmap: release first (secondary MMUs tear down before any page is
 * freed), then unmap_vmas over everything (its range_start/end reach no
 * notifier any more), the VMAs leave the rmap, then the page tables go.
 */
export function do_exit(m: usize, cpu: u32, mm: u32): void {
  hook_release(m, cpu, mm);
  const top = 3 + 9 * load<u32>(m, H_LEVELS);
  const limit: u64 = <u64>1 << (top + 9);
  zap_page_range(m, cpu, mm, 0, limit);
  while (nr_vmas(m, mm)) vma_destroy(m, cpu, vma_at(m, mm, nr_vmas(m, mm) - 1));
  free_pgtables(m, cpu, mm, 0, limit);
  const ma = mm_addr(m, mm);
  store<u32>(ma, 0, MM_ALIVE);
}

/**
 * truncate to `pages` pages: unmap_mapping_range over every VMA of the file
 * that maps the cut part (private COW copies too, even_cows), each VMA its
 * own zap with its own range_start/end, under the i_mmap lock; then the
 * cached pages past the end leave the page cache (truncate_inode_pages),
 * each under its page lock, and unmapped again first if a fault on another
 * CPU mapped it meanwhile.
 */
export function do_truncate(m: usize, cpu: u32, file: u32, pages: u32): void {
  const as = address_space(m, file);
  const size = atomic.load<u32>(as + AS_SIZE_PAGES);
  if (pages >= size) return;
  i_mmap_lock_write(m, cpu, as); // a spinlock across the zaps in 2.6.27
  i_mmap_zap(m, cpu, as, pages, size - 1);
  i_mmap_unlock_write(m, cpu, as);
  for (let index = pages; index < size; index++) {
    const pfn = find_get_page(m, file, index);
    if (pfn == NIL) continue;
    lock_page(m, cpu, pfn);
    if (page_cached(m, file, index, pfn)) {
      if (atomic.load<i32>(page_addr(m, pfn) + PG_MAPCOUNT)) {
        i_mmap_lock_write(m, cpu, as);
        i_mmap_zap(m, cpu, as, index, index);
        i_mmap_unlock_write(m, cpu, as);
      }
      remove_from_page_cache(m, cpu, pfn);
    }
    unlock_page(m, cpu, pfn);
    put_page(m, cpu, pfn);
  }
  atomic.store<u32>(as + AS_SIZE_PAGES, pages);
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
    // the file grows to cover the mapping (other CPUs' truncates and mmaps of it run meanwhile)
    const a = address_space(m, file) + AS_SIZE_PAGES;
    let size = atomic.load<u32>(a);
    while (size < pgoff + pages) {
      const seen = atomic.cmpxchg<u32>(a, size, pgoff + pages);
      if (seen == size) break;
      size = seen;
    }
  }
  const mayw = flags & VM_WRITE ? VM_MAYWRITE : 0;
  return vma_create(m, cpu, mm, start, start + (<u64>pages << 12), flags | mayw, file, pgoff);
}
