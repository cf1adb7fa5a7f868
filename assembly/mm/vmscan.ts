// The paths that start from a physical page and need the reverse map:
// reclaim and migration (try_to_unmap), writeback (page_mkclean) and aging
// (page_referenced). Each visits the page's mappings through rmap.ts and
// fires the hooks of 2.6.27 under the PT lock, and — for the physical index —
// Christoph Lameter's page-based hook once per flagged page, outside every
// spinlock (domain.md §1.1, §2.3).
import {
  PG_DIRTY, PG_EXTERNAL_RMAP, PG_FLAGS, PG_INDEX, PG_LRU, PG_MAPCOUNT, PG_MAPPING, PG_PRIVATE, PG_REFERENCED,
  PG_SWAPCACHE, PTD_MM, PTE_A, PTE_ADDR_MASK, PTE_D, PTE_P, PTE_RW, PTE_US,
} from "../layout";
import { mm_addr, page_addr, ptdesc } from "../machine";
import { tlb_flush_mm } from "../cost";
import { pt_rcu_read_lock, pt_rcu_read_unlock, pt_used_add } from "../pagetable";
import { aged_begin, aged_seen, check_aged, check_writeback } from "../check";
import { remove_from_page_cache, replace_page_cache } from "./filemap";
import { hook_clear_flush_young, hook_invalidate_page, hook_rmap_page } from "./hooks";
import { lock_page, pte_lock, pte_unlock, unlock_page } from "./lock";
import { set_page_dirty } from "./memory";
import { alloc_page, get_page, get_page_unless_zero, lru_add, put_page, vm_addr } from "./page_alloc";
import { page_dup_rmap, page_remove_rmap, rmap_walk } from "./rmap";
import { add_to_swap, delete_from_swap_cache, swap_cache_replace, swap_duplicate } from "./swap";
import {
  MM_RSS_ANON, MM_RSS_FILE, NIL, PAGE_MAPPING_ANON, PTE_MIGRATION, PTE_SWAP, VM_SCRATCH_BASE, VM_SCRATCH_CAP,
} from "./types";
import {
  count, ST_ARG, ST_CLEANED, ST_MIGRATED, ST_PAGES_SCANNED, ST_PTES_CLEARED, ST_RECLAIMED, ST_REFERENCED, ST_SWAP_OUTS,
  vmstat,
} from "./vmstat";

// ptep_clear_flush / ptep_clear_flush_young: one page of mm, with its shootdown (cost.ts).
// @ts-ignore: decorator
@inline function flush(m: usize, cpu: u32, mm: u32, va: u64): void {
  tlb_flush_mm(m, cpu, mm, va, 1);
}

// @ts-ignore: decorator
@inline function rss_sub(m: usize, mm: u32, anon: bool): void {
  atomic.sub<u32>(mm_addr(m, mm) + (anon ? MM_RSS_ANON : MM_RSS_FILE), 1);
}

// The walk's argument block: the per-CPU ST_ARG words.
//   0 mode/flags   4 result: mappings still young (or cleaned)   8 swap slot or new pfn   12 recorded PTEs
// @ts-ignore: decorator
@inline const A_MODE: u32 = 0;
// @ts-ignore: decorator
@inline const A_RESULT: u32 = 4;
// @ts-ignore: decorator
@inline const A_TARGET: u32 = 8;
// @ts-ignore: decorator
@inline const A_RECORDED: u32 = 12;
// @ts-ignore: decorator
@inline const MODE_MIGRATE: u32 = 1;

/**
 * page_referenced_one: test-and-clear young in the PTE, OR-ed with what the
 * secondary MMUs saw (ptep_clear_flush_young_notify), flushing when it was
 * young. Under the PT lock (rmap.ts).
 */
function referenced_one(m: usize, cpu: u32, pfn: u32, mm: u32, va: u64, pte: usize, arg: usize): bool {
  const e = load<u64>(pte);
  let young = (e & PTE_A) != 0;
  if (young) store<u64>(pte, e & ~PTE_A);
  if (hook_clear_flush_young(m, cpu, mm, va)) young = true;
  if (young) {
    flush(m, cpu, mm, va);
    store<u32>(arg, load<u32>(arg, A_RESULT) + 1, A_RESULT);
  }
  return true;
}

/**
 * page_referenced: how many mappings (and the page's own referenced bit) saw
 * use since the last pass. Pins the page for the walk: its caller may have
 * found it through a PTE without a reference, and it may be freed meanwhile.
 */
export function page_referenced(m: usize, cpu: u32, pfn: u32): u32 {
  if (!get_page_unless_zero(m, pfn)) return 0;
  const arg = vmstat(m, cpu) + ST_ARG;
  store<u64>(arg, 0);
  rmap_walk(m, cpu, pfn, referenced_one, arg);
  let refs = load<u32>(arg, A_RESULT);
  const f = page_addr(m, pfn) + PG_FLAGS;
  if (atomic.load<u32>(f) & PG_REFERENCED && atomic.and<u32>(f, ~PG_REFERENCED) & PG_REFERENCED) refs++;
  if (refs) {
    count(m, cpu, ST_REFERENCED);
    aged_seen(m, pfn); // any pass that saw use consumes the secondary-accessed mark (rule 5)
  }
  put_page(m, cpu, pfn);
  return refs;
}

/** An aging pass judged by the checker's young rule (the `age` suite's, and reclaim's first scan on scheduled CPUs). */
export function age_page(m: usize, cpu: u32, pfn: u32): u32 {
  if (!get_page_unless_zero(m, pfn)) return 0;
  // under the page lock, as isolation from the LRU would: no other aging pass (reclaim's) runs on it
  lock_page(m, cpu, pfn);
  const before = aged_begin(m, pfn);
  const refs = page_referenced(m, cpu, pfn);
  check_aged(m, cpu, pfn, refs, before);
  unlock_page(m, cpu, pfn);
  put_page(m, cpu, pfn);
  return refs;
}

/**
 * try_to_unmap_one, under the PT lock. Reclaim first tests young (a young
 * mapping keeps the page: SWAP_FAIL); then the PTE is cleared and flushed
 * and invalidate_page fires; dirty moves to struct page; the PTE becomes a
 * swap entry (anonymous), a migration entry (migration) or none (file).
 */
function unmap_one(m: usize, cpu: u32, pfn: u32, mm: u32, va: u64, pte: usize, arg: usize): bool {
  const migrate = load<u32>(arg, A_MODE) == MODE_MIGRATE;
  const e = load<u64>(pte);
  if (!migrate) {
    let young = (e & PTE_A) != 0;
    if (young) store<u64>(pte, e & ~PTE_A);
    if (hook_clear_flush_young(m, cpu, mm, va)) young = true;
    if (young) {
      flush(m, cpu, mm, va);
      store<u32>(arg, load<u32>(arg, A_RESULT) + 1, A_RESULT);
      aged_seen(m, pfn); // an aging outcome: the use it saw keeps the page (rule 5)
      return false; // SWAP_FAIL: the page is in use
    }
  }
  store<u64>(pte, 0); // ptep_clear_flush_notify
  flush(m, cpu, mm, va);
  hook_invalidate_page(m, cpu, mm, va);
  count(m, cpu, ST_PTES_CLEARED);
  if (e & PTE_D) set_page_dirty(m, pfn);
  const anon = (load<u32>(page_addr(m, pfn), PG_MAPPING) & PAGE_MAPPING_ANON) != 0;
  if (migrate) {
    store<u64>(pte, (<u64>pfn << 12) | PTE_MIGRATION | (e & (PTE_RW | PTE_US | PTE_A | PTE_D)));
    const rec = load<u32>(arg, A_RECORDED);
    const vm = vm_addr(m);
    assert(rec < load<u32>(vm, VM_SCRATCH_CAP), "more mappings than the migration scratch holds");
    store<u32>(<usize>load<u32>(vm, VM_SCRATCH_BASE) + ((<usize>cpu * <usize>load<u32>(vm, VM_SCRATCH_CAP) + rec) << 2), <u32>pte);
    store<u32>(arg, rec + 1, A_RECORDED);
  } else if (anon) {
    const slot = load<u32>(arg, A_TARGET);
    swap_duplicate(m, slot);
    store<u64>(pte, (<u64>slot << 12) | PTE_SWAP);
  } else {
    pt_used_add(m, pte, -1); // a file PTE just goes: the page cache still has the page
  }
  page_remove_rmap(m, cpu, pfn, <u32>pte);
  rss_sub(m, mm, anon);
  put_page(m, cpu, pfn); // the mapping's reference; the caller's keeps the page
  return true;
}


/**
 * try_to_unmap: every mapping, until one is young. The physical index's hook
 * follows, once for a PageExternalRmap page, with no spinlock held. The
 * caller holds the page lock and a reference. Returns true if the page ended
 * up unmapped.
 */
export function try_to_unmap(m: usize, cpu: u32, pfn: u32, migrate: bool, slot: u32): bool {
  const arg = vmstat(m, cpu) + ST_ARG;
  store<u32>(arg, migrate ? MODE_MIGRATE : 0, A_MODE);
  store<u32>(arg, 0, A_RESULT);
  store<u32>(arg, slot, A_TARGET);
  store<u32>(arg, 0, A_RECORDED);
  rmap_walk(m, cpu, pfn, unmap_one, arg);
  const page = page_addr(m, pfn);
  if (atomic.load<u32>(page + PG_FLAGS) & PG_EXTERNAL_RMAP) hook_rmap_page(m, cpu, pfn);
  return atomic.load<i32>(page + PG_MAPCOUNT) == 0;
}

/**
 * Isolates a page for reclaim or migration (isolate_lru_page + lock_page):
 * a reference unless it is already free, then its lock; only a page on the
 * LRU with its mapping set qualifies (a page still being set up by another
 * CPU does not). Returns false with nothing held otherwise.
 */
function isolate_page(m: usize, cpu: u32, pfn: u32): bool {
  if (!get_page_unless_zero(m, pfn)) return false;
  lock_page(m, cpu, pfn);
  const page = page_addr(m, pfn);
  if (atomic.load<u32>(page + PG_FLAGS) & PG_LRU && load<u32>(page, PG_MAPPING)) return true;
  unlock_page(m, cpu, pfn);
  put_page(m, cpu, pfn);
  return false;
}

/**
 * Reclaims one page (shrink_page_list for a single page): a page referenced
 * since the last pass stays (page_referenced walks the rmap once); anonymous
 * pages get a swap slot; every mapping is unmapped (a second walk); dirty
 * pages are written (instantly here) before the frame is freed.
 * Returns true if the frame was freed.
 */
export function reclaim_page(m: usize, cpu: u32, pfn: u32): bool {
  count(m, cpu, ST_PAGES_SCANNED);
  if (!isolate_page(m, cpu, pfn)) return false; // isolate_lru_page's reference, and the lock
  // shrink_page_list tests young on the locked page: no other aging pass runs on it meanwhile
  if (page_referenced(m, cpu, pfn)) return release(m, cpu, pfn, false); // activated, not reclaimed
  const page = page_addr(m, pfn);
  const anon = (load<u32>(page, PG_MAPPING) & PAGE_MAPPING_ANON) != 0;
  let slot = NIL;
  if (anon) {
    if (atomic.load<u32>(page + PG_FLAGS) & PG_SWAPCACHE) slot = load<u32>(page, PG_PRIVATE);
    else {
      slot = add_to_swap(m, pfn, load<u32>(page, PG_MAPPING), load<u32>(page, PG_INDEX));
      if (slot == NIL) return release(m, cpu, pfn, false);
    }
  }
  if (!try_to_unmap(m, cpu, pfn, false, slot)) return release(m, cpu, pfn, false);
  check_writeback(m, cpu, pfn);
  const f = page + PG_FLAGS;
  if (atomic.load<u32>(f) & PG_DIRTY && atomic.and<u32>(f, ~PG_DIRTY) & PG_DIRTY) {
    // pageout: written to the file or to swap, instantly in this model
    if (anon) count(m, cpu, ST_SWAP_OUTS);
  }
  if (anon) delete_from_swap_cache(m, cpu, pfn);
  else remove_from_page_cache(m, cpu, pfn); // unless truncate took it out first
  return release(m, cpu, pfn, true);
}

function release(m: usize, cpu: u32, pfn: u32, reclaimed: bool): bool {
  unlock_page(m, cpu, pfn);
  if (reclaimed) count(m, cpu, ST_RECLAIMED);
  put_page(m, cpu, pfn); // the isolation reference; the last one frees the frame
  return reclaimed;
}

/**
 * page_mkclean_one, under the PT lock: a writable or dirty PTE is cleared,
 * flushed and notified (ptep_clear_flush_notify), then set again
 * write-protected and clean; its dirty bit moves to struct page. The next
 * write faults.
 */
function mkclean_one(m: usize, cpu: u32, pfn: u32, mm: u32, va: u64, pte: usize, arg: usize): bool {
  const e = load<u64>(pte);
  if (e & (PTE_RW | PTE_D)) {
    store<u64>(pte, 0);
    flush(m, cpu, mm, va);
    hook_invalidate_page(m, cpu, mm, va);
    store<u64>(pte, e & ~(PTE_RW | PTE_D));
    if (e & PTE_D) set_page_dirty(m, pfn);
    store<u32>(arg, load<u32>(arg, A_RESULT) + 1, A_RESULT);
  }
  return true;
}

/**
 * Writeback of one file page: page_mkclean, then the write completes and the
 * page is clean (clear_page_dirty_for_io). Anonymous pages have nothing to
 * clean. Returns how many mappings were write-protected.
 */
export function page_mkclean(m: usize, cpu: u32, pfn: u32): u32 {
  if (!get_page_unless_zero(m, pfn)) return 0;
  const page = page_addr(m, pfn);
  if (load<u32>(page, PG_MAPPING) & PAGE_MAPPING_ANON) {
    put_page(m, cpu, pfn);
    return 0;
  }
  lock_page(m, cpu, pfn);
  const arg = vmstat(m, cpu) + ST_ARG;
  store<u64>(arg, 0);
  rmap_walk(m, cpu, pfn, mkclean_one, arg);
  if (atomic.load<u32>(page + PG_FLAGS) & PG_EXTERNAL_RMAP) hook_rmap_page(m, cpu, pfn);
  unlock_page(m, cpu, pfn);
  const cleaned = load<u32>(arg, A_RESULT);
  count(m, cpu, ST_CLEANED);
  put_page(m, cpu, pfn);
  return cleaned;
}

/** The write of a cleaned page finished: struct page is clean (end of writeback). */
export function end_writeback(m: usize, cpu: u32, pfn: u32): void {
  if (!get_page_unless_zero(m, pfn)) return; // freed meanwhile: nothing left to clean
  check_writeback(m, cpu, pfn);
  atomic.and<u32>(page_addr(m, pfn) + PG_FLAGS, ~PG_DIRTY);
  put_page(m, cpu, pfn);
}

/**
 * Puts the migration entries recorded by try_to_unmap back as present PTEs
 * of `to` (remove_migration_ptes), each only if its slot still holds the
 * migration entry of `from` (a munmap or truncate may have zapped it). The
 * caller is inside a page-table read-side section since the entries were
 * made, so their tables still exist.
 */
function remove_migration_ptes(m: usize, cpu: u32, from: u32, to: u32, n: u32, anon: bool): void {
  const vm = vm_addr(m);
  const rec = <usize>load<u32>(vm, VM_SCRATCH_BASE) + ((<usize>cpu * <usize>load<u32>(vm, VM_SCRATCH_CAP)) << 2);
  for (let i: u32 = 0; i < n; i++) {
    const pte = <usize>load<u32>(rec + (<usize>i << 2));
    const table = pte & ~(<usize>4095);
    pte_lock(m, cpu, table);
    const e = load<u64>(pte);
    const ours = (e & (PTE_MIGRATION | PTE_P)) == PTE_MIGRATION && <u32>((e & PTE_ADDR_MASK) >> 12) == from;
    if (ours) {
      // remove_migration_pte: a fresh, old and clean PTE; the dirt already went to struct page
      store<u64>(pte, (<u64>to << 12) | PTE_P | (e & (PTE_RW | PTE_US)));
      get_page(m, to);
      page_dup_rmap(m, to, <u32>pte);
    }
    pte_unlock(m, cpu, table);
    if (ours) {
      const mm = load<u32>(ptdesc(m, table), PTD_MM);
      atomic.add<u32>(mm_addr(m, mm) + (anon ? MM_RSS_ANON : MM_RSS_FILE), 1);
    }
  }
}

/**
 * Migrates a page to a new frame (migrate_pages for one page): unmap into
 * migration entries, move the page-cache or swap-cache slot, copy, then point
 * every recorded entry at the new frame. If a mapping appeared meanwhile (a
 * swap-in on another CPU), the entries go back to the old frame and the
 * migration fails, as migrate_pages does when the page is still mapped.
 * Returns the new pfn, or NIL.
 */
export function migrate_page(m: usize, cpu: u32, pfn: u32): u32 {
  const page = page_addr(m, pfn);
  const nw = alloc_page(m);
  if (nw == NIL) return NIL;
  if (!isolate_page(m, cpu, pfn)) {
    put_page(m, cpu, nw);
    return NIL;
  }
  const np = page_addr(m, nw);
  store<u32>(np, load<u32>(page, PG_MAPPING), PG_MAPPING);
  store<u32>(np, load<u32>(page, PG_INDEX), PG_INDEX);
  pt_rcu_read_lock(m, cpu); // the recorded entries' tables stay until they are put back
  try_to_unmap(m, cpu, pfn, true, 0);
  const arg = vmstat(m, cpu) + ST_ARG;
  const n = load<u32>(arg, A_RECORDED);
  const anon = (load<u32>(page, PG_MAPPING) & PAGE_MAPPING_ANON) != 0;
  if (atomic.load<i32>(page + PG_MAPCOUNT)) {
    remove_migration_ptes(m, cpu, pfn, pfn, n, anon);
    pt_rcu_read_unlock(m, cpu);
    unlock_page(m, cpu, pfn);
    put_page(m, cpu, pfn); // isolation
    put_page(m, cpu, nw);
    return NIL;
  }
  const flags = atomic.load<u32>(page + PG_FLAGS);
  store<u32>(np, flags & (PG_DIRTY | PG_REFERENCED), PG_FLAGS);
  // the cache's reference moves with its slot (migrate_page_move_mapping)
  if (!anon) {
    if (replace_page_cache(m, pfn, nw)) {
      get_page(m, nw);
      put_page(m, cpu, pfn);
    }
  } else if (flags & PG_SWAPCACHE && swap_cache_replace(m, pfn, nw)) {
    get_page(m, nw);
    put_page(m, cpu, pfn);
  }
  remove_migration_ptes(m, cpu, pfn, nw, n, anon);
  pt_rcu_read_unlock(m, cpu);
  lru_add(m, nw);
  put_page(m, cpu, nw); // alloc_page's reference: the mappings and caches hold theirs
  unlock_page(m, cpu, pfn);
  put_page(m, cpu, pfn); // isolation; frees the old frame
  count(m, cpu, ST_MIGRATED);
  return nw;
}
