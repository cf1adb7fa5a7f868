// Swap slots and the swap cache. A slot records the swapped page's mapping and
// index so swap-in restores its place in the rmap; while a page is in the swap
// cache the slot names it and the cache holds one reference.
//
// Every change of a slot (its count of swap entries, its cached page) and of
// a page's swap-cache state (PG_SWAPCACHE, PG_PRIVATE) happens under
// swap_lock, so two CPUs swapping one slot in at once share one page, and the
// last swap_free frees the slot once. A slot is live while its count is
// non-zero or it holds a cached page; a free slot's pfn word links the free
// list, so it is read only after the count or the page's PG_SWAPCACHE and
// PG_PRIVATE say the slot is live. swap_lock is a leaf lock (taken under PT
// locks); no TLB flush waits under it.
import { PG_FLAGS, PG_INDEX, PG_MAPPING, PG_PRIVATE, PG_REFCOUNT, PG_SWAPCACHE } from "../layout";
import { trylock_page, unlock_page } from "../lockdep";
import { page_addr } from "../machine";
import { spin_lock, spin_unlock } from "../sync";
import { alloc_page, get_page, lru_add, put_page, vm_addr } from "./page_alloc";
import {
  NIL, SW_COUNT, SW_INDEX, SW_MAPPING, SW_PFN, SWAP_SLOT_SIZE, VM_SWAP_BASE, VM_SWAP_BUMP, VM_SWAP_CAP, VM_SWAP_FREE,
  VM_SWAP_LOCK, VM_SWAP_USED,
} from "./types";

// @ts-ignore: decorator
@inline export function swap_slot(m: usize, slot: u32): usize {
  return <usize>load<u32>(vm_addr(m), VM_SWAP_BASE) + <usize>slot * SWAP_SLOT_SIZE;
}

// @ts-ignore: decorator
@inline function swap_lock(m: usize): void {
  spin_lock(vm_addr(m) + VM_SWAP_LOCK);
}

// @ts-ignore: decorator
@inline function swap_unlock(m: usize): void {
  spin_unlock(vm_addr(m) + VM_SWAP_LOCK);
}

/** Swap entries that name the slot now (a snapshot: reuse_swap_page's question). */
export function swap_count(m: usize, slot: u32): u32 {
  return atomic.load<u32>(swap_slot(m, slot) + SW_COUNT);
}

/**
 * Puts a page in the swap cache under a new slot (add_to_swap); returns the
 * slot, or NIL when swap is full. The caller holds the page lock.
 */
export function add_to_swap(m: usize, pfn: u32, mapping: u32, index: u32): u32 {
  const vm = vm_addr(m);
  swap_lock(m);
  let slot = load<u32>(vm, VM_SWAP_FREE);
  if (slot != NIL) {
    store<u32>(vm, load<u32>(swap_slot(m, slot), SW_PFN), VM_SWAP_FREE);
  } else {
    slot = load<u32>(vm, VM_SWAP_BUMP);
    if (slot >= load<u32>(vm, VM_SWAP_CAP)) {
      swap_unlock(m);
      return NIL;
    }
    store<u32>(vm, slot + 1, VM_SWAP_BUMP);
  }
  store<u32>(vm, load<u32>(vm, VM_SWAP_USED) + 1, VM_SWAP_USED);
  const s = swap_slot(m, slot);
  store<u32>(s, 0, SW_COUNT);
  store<u32>(s, pfn, SW_PFN);
  store<u32>(s, mapping, SW_MAPPING);
  store<u32>(s, index, SW_INDEX);
  const page = page_addr(m, pfn);
  store<u32>(page, slot, PG_PRIVATE);
  atomic.or<u32>(page + PG_FLAGS, PG_SWAPCACHE);
  atomic.add<u32>(page + PG_REFCOUNT, 1); // the swap cache's reference
  swap_unlock(m);
  return slot;
}

/** One more swap entry names the slot (swap_duplicate); the caller's entry or cached page keeps it live. */
export function swap_duplicate(m: usize, slot: u32): void {
  swap_lock(m);
  const s = swap_slot(m, slot);
  store<u32>(s, load<u32>(s, SW_COUNT) + 1, SW_COUNT);
  swap_unlock(m);
}

/** Under swap_lock: the page leaves the cache of its slot; returns whether the slot is then free to release. */
// @ts-ignore: decorator
@inline function cache_drop_locked(m: usize, slot: u32, pfn: u32): bool {
  const page = page_addr(m, pfn);
  store<u32>(swap_slot(m, slot), NIL, SW_PFN);
  atomic.and<u32>(page + PG_FLAGS, ~PG_SWAPCACHE);
  store<u32>(page, 0, PG_PRIVATE);
  return load<u32>(swap_slot(m, slot), SW_COUNT) == 0;
}

/** Takes the page out of the swap cache (the caller holds its lock); the slot keeps its entries. */
export function delete_from_swap_cache(m: usize, cpu: u32, pfn: u32): void {
  const page = page_addr(m, pfn);
  swap_lock(m);
  if (!(atomic.load<u32>(page + PG_FLAGS) & PG_SWAPCACHE)) {
    swap_unlock(m);
    return;
  }
  const slot = load<u32>(page, PG_PRIVATE);
  if (cache_drop_locked(m, slot, pfn)) release_slot_locked(m, slot);
  swap_unlock(m);
  put_page(m, cpu, pfn); // the cache's reference
}

/**
 * A swap entry naming the slot is gone (swap_free). The last one frees the
 * slot, and its cached page too if nobody holds that page's lock
 * (free_swap_and_cache's trylock_page: a reclaim or migration working on it
 * finishes with the slot itself).
 */
export function swap_free(m: usize, cpu: u32, slot: u32): void {
  const s = swap_slot(m, slot);
  swap_lock(m);
  const c = load<u32>(s, SW_COUNT) - 1;
  store<u32>(s, c, SW_COUNT);
  if (c) {
    swap_unlock(m);
    return;
  }
  const pfn = load<u32>(s, SW_PFN);
  if (pfn == NIL) {
    release_slot_locked(m, slot);
    swap_unlock(m);
    return;
  }
  get_page(m, pfn); // the cache's reference keeps it alive until here
  swap_unlock(m);
  const page = page_addr(m, pfn);
  if (trylock_page(m, cpu, page)) {
    swap_lock(m);
    // still this slot's cached page, and still no entry names the slot?
    const drop = load<u32>(s, SW_PFN) == pfn && load<u32>(s, SW_COUNT) == 0;
    if (drop && cache_drop_locked(m, slot, pfn)) release_slot_locked(m, slot);
    swap_unlock(m);
    unlock_page(m, cpu, page);
    if (drop) put_page(m, cpu, pfn); // the cache's reference
  }
  put_page(m, cpu, pfn);
}

/**
 * The page of swap slot `slot` in the swap cache, read in if it is not
 * (read_swap_cache_async), with a reference for the caller. Returns NIL when
 * out of memory, NIL - 1 when the slot is no longer live (the caller's swap
 * entry has gone meanwhile: the fault is retried).
 */
export function swapin_page(m: usize, cpu: u32, slot: u32): u32 {
  const s = swap_slot(m, slot);
  swap_lock(m);
  if (!load<u32>(s, SW_COUNT)) {
    swap_unlock(m);
    return NIL - 1;
  }
  const cached = load<u32>(s, SW_PFN);
  if (cached != NIL) {
    get_page(m, cached);
    swap_unlock(m);
    return cached;
  }
  swap_unlock(m);
  const pfn = alloc_page(m); // its reference becomes the cache's
  if (pfn == NIL) return NIL;
  get_page(m, pfn); // the caller's
  const page = page_addr(m, pfn);
  swap_lock(m);
  let r = pfn;
  if (!load<u32>(s, SW_COUNT)) r = NIL - 1;
  else {
    const other = load<u32>(s, SW_PFN);
    if (other != NIL) {
      get_page(m, other); // another CPU read it in meanwhile
      r = other;
    } else {
      // the slot's mapping and index, read while it is certainly live
      store<u32>(page, load<u32>(s, SW_MAPPING), PG_MAPPING);
      store<u32>(page, load<u32>(s, SW_INDEX), PG_INDEX);
      store<u32>(page, slot, PG_PRIVATE);
      atomic.or<u32>(page + PG_FLAGS, PG_SWAPCACHE);
      store<u32>(s, pfn, SW_PFN);
    }
  }
  swap_unlock(m);
  if (r != pfn) {
    put_page(m, cpu, pfn);
    put_page(m, cpu, pfn); // the fresh frame goes back
    return r;
  }
  lru_add(m, pfn); // the caller's reference keeps it from being freed first
  return pfn;
}

/** Moves the swap cache's slot from old to nw (migration; the caller holds old's lock and takes the references). */
export function swap_cache_replace(m: usize, old: u32, nw: u32): bool {
  const op = page_addr(m, old);
  const np = page_addr(m, nw);
  swap_lock(m);
  const ok = (atomic.load<u32>(op + PG_FLAGS) & PG_SWAPCACHE) != 0;
  if (ok) {
    const slot = load<u32>(op, PG_PRIVATE);
    store<u32>(swap_slot(m, slot), nw, SW_PFN);
    store<u32>(np, slot, PG_PRIVATE);
    atomic.or<u32>(np + PG_FLAGS, PG_SWAPCACHE);
    atomic.and<u32>(op + PG_FLAGS, ~PG_SWAPCACHE);
  }
  swap_unlock(m);
  return ok;
}

function release_slot_locked(m: usize, slot: u32): void {
  const vm = vm_addr(m);
  store<u32>(swap_slot(m, slot), load<u32>(vm, VM_SWAP_FREE), SW_PFN);
  store<u32>(vm, slot, VM_SWAP_FREE);
  store<u32>(vm, load<u32>(vm, VM_SWAP_USED) - 1, VM_SWAP_USED);
}
