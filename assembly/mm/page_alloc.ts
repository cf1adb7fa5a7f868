// Frames: a free list, exact refcounts and mapcounts, and one LRU list that
// reclaim scans from its tail. Frames never handed out yet are taken from
// next_pfn up, so a machine of 16 Mi frames needs no set-up loop.
//
// Several CPUs change one struct page at once, so its counters move by
// atomic RMW only: refcount by atomic.add / atomic.sub (the CPU whose sub
// takes it from 1 to 0 frees the frame, once), and the flags word, which also
// holds the PG_LOCKED bit lock, by atomic.or / atomic.and. A CPU that finds a
// page through a PTE or a cache without holding a reference pins it with
// get_page_unless_zero, which fails on a free frame.
import { H_NFRAMES, H_VM, PG_FLAGS, PG_INDEX, PG_LRU, PG_LRU_NEXT, PG_LRU_PREV, PG_MAPCOUNT, PG_MAPPING, PG_REFCOUNT, PG_RMAP } from "../layout";
import { check_free } from "../check";
import { page_addr } from "../machine";
import { atomic_inc_not_zero, spin_lock, spin_unlock } from "../sync";
import { NIL, VM_FREE_HEAD, VM_LRU_HEAD, VM_LRU_LOCK, VM_LRU_TAIL, VM_NEXT_PFN, VM_NR_FREE, VM_NR_LRU } from "./types";
import { count, ST_PAGES_FREED } from "./vmstat";

// @ts-ignore: decorator
@inline export function vm_addr(m: usize): usize {
  return <usize>load<u32>(m, H_VM);
}

/** A frame with refcount 1 and everything else clear, or NIL when memory is full. */
export function alloc_page(m: usize): u32 {
  const vm = vm_addr(m);
  const lock = vm + VM_LRU_LOCK; // zone->lock and lru_lock in one
  spin_lock(lock);
  let pfn = load<u32>(vm, VM_FREE_HEAD);
  if (pfn != NIL) {
    store<u32>(vm, load<u32>(page_addr(m, pfn), PG_LRU_NEXT), VM_FREE_HEAD);
    store<u32>(vm, load<u32>(vm, VM_NR_FREE) - 1, VM_NR_FREE);
  } else {
    pfn = load<u32>(vm, VM_NEXT_PFN);
    if (pfn >= load<u32>(m, H_NFRAMES)) {
      spin_unlock(lock);
      return NIL;
    }
    store<u32>(vm, pfn + 1, VM_NEXT_PFN);
  }
  spin_unlock(lock);
  const p = page_addr(m, pfn);
  // the frame is free (refcount 0): nobody can pin it, so plain stores, then publish the reference
  memory.fill(p, 0, 32);
  store<u32>(p, NIL, PG_LRU_NEXT);
  store<u32>(p, NIL, PG_LRU_PREV);
  atomic.store<u32>(p + PG_REFCOUNT, 1);
  return pfn;
}

/** One more reference; the caller already holds one (or a lock that keeps the frame from being freed). */
export function get_page(m: usize, pfn: u32): void {
  atomic.add<u32>(page_addr(m, pfn) + PG_REFCOUNT, 1);
}

/** A reference on a frame unless it is free (refcount 0): the pin of a page found without one. */
export function get_page_unless_zero(m: usize, pfn: u32): bool {
  return atomic_inc_not_zero(page_addr(m, pfn) + PG_REFCOUNT);
}

/** Drops a reference; the last one frees the frame (it must be unmapped by then). */
export function put_page(m: usize, cpu: u32, pfn: u32): void {
  const p = page_addr(m, pfn);
  const old = <i32>atomic.sub<u32>(p + PG_REFCOUNT, 1);
  if (old > 1) return;
  assert(old == 1 && atomic.load<i32>(p + PG_MAPCOUNT) == 0, "freeing a mapped or over-released page");
  check_free(m, cpu, pfn);
  if (atomic.load<u32>(p + PG_FLAGS) & PG_LRU) lru_del(m, pfn);
  const vm = vm_addr(m);
  const lock = vm + VM_LRU_LOCK;
  spin_lock(lock);
  store<u32>(p, 0, PG_FLAGS);
  store<u32>(p, 0, PG_MAPPING);
  store<u32>(p, 0, PG_INDEX);
  store<u32>(p, 0, PG_RMAP);
  store<u32>(p, load<u32>(vm, VM_FREE_HEAD), PG_LRU_NEXT);
  store<u32>(vm, pfn, VM_FREE_HEAD);
  store<u32>(vm, load<u32>(vm, VM_NR_FREE) + 1, VM_NR_FREE);
  spin_unlock(lock);
  count(m, cpu, ST_PAGES_FREED);
}

/** Puts a page at the head (most recently used end) of the LRU. */
export function lru_add(m: usize, pfn: u32): void {
  const vm = vm_addr(m);
  const p = page_addr(m, pfn);
  spin_lock(vm + VM_LRU_LOCK);
  const head = load<u32>(vm, VM_LRU_HEAD);
  store<u32>(p, head, PG_LRU_NEXT);
  store<u32>(p, NIL, PG_LRU_PREV);
  if (head != NIL) store<u32>(page_addr(m, head), pfn, PG_LRU_PREV);
  else store<u32>(vm, pfn, VM_LRU_TAIL);
  store<u32>(vm, pfn, VM_LRU_HEAD);
  store<u32>(vm, load<u32>(vm, VM_NR_LRU) + 1, VM_NR_LRU);
  atomic.or<u32>(p + PG_FLAGS, PG_LRU);
  spin_unlock(vm + VM_LRU_LOCK);
}

export function lru_del(m: usize, pfn: u32): void {
  const vm = vm_addr(m);
  const p = page_addr(m, pfn);
  spin_lock(vm + VM_LRU_LOCK);
  const next = load<u32>(p, PG_LRU_NEXT);
  const prev = load<u32>(p, PG_LRU_PREV);
  if (prev != NIL) store<u32>(page_addr(m, prev), next, PG_LRU_NEXT);
  else store<u32>(vm, next, VM_LRU_HEAD);
  if (next != NIL) store<u32>(page_addr(m, next), prev, PG_LRU_PREV);
  else store<u32>(vm, prev, VM_LRU_TAIL);
  store<u32>(p, NIL, PG_LRU_NEXT);
  store<u32>(p, NIL, PG_LRU_PREV);
  store<u32>(vm, load<u32>(vm, VM_NR_LRU) - 1, VM_NR_LRU);
  atomic.and<u32>(p + PG_FLAGS, ~PG_LRU);
  spin_unlock(vm + VM_LRU_LOCK);
}
