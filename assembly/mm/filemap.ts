// The page cache: (file, index) -> pfn in a virtual-index table (rmap/vindex.ts).
// The cache holds one reference on each of its pages.
//
// Every lookup, insertion and removal runs under the cache's lock
// (mapping->tree_lock): the open-addressing table moves entries when one is
// removed, so even a lookup must not race with a change. A page found is
// pinned (find_get_page) before the lock is dropped, while the cache's own
// reference still holds it. Two CPUs faulting one (file, index) at once both
// end up with the one page: find_or_add_page inserts only if the index is
// still missing, and the loser gives its fresh frame back. The tree lock is a
// leaf lock: nothing is taken and no TLB flush waits under it.
import { PG_INDEX, PG_MAPPING } from "../layout";
import { page_addr } from "../machine";
import { spin_lock, spin_unlock } from "../sync";
import { vidx_find, vidx_insert, vidx_remove, VIDX_NONE } from "../rmap/vindex";
import { alloc_page, get_page, lru_add, put_page, vm_addr } from "./page_alloc";
import { AS_NRPAGES, NIL, VM_PC, VM_PC_LOCK } from "./types";
import { address_space } from "./vma";

// @ts-ignore: decorator
@inline function pc_key(file: u32, index: u32): u64 {
  return (<u64>file << 32) | <u64>index;
}

// @ts-ignore: decorator
@inline function pc_find(vm: usize, file: u32, index: u32): u32 {
  const r = vidx_find(vm + VM_PC, pc_key(file, index));
  return r == VIDX_NONE ? NIL : r;
}

/** The cached page of (file, index), or NIL. Unpinned: for callers that hold its page lock or only compare. */
export function find_page(m: usize, file: u32, index: u32): u32 {
  const vm = vm_addr(m);
  spin_lock(vm + VM_PC_LOCK);
  const pfn = pc_find(vm, file, index);
  spin_unlock(vm + VM_PC_LOCK);
  return pfn;
}

/** The cached page of (file, index) with a reference for the caller (find_get_page), or NIL. */
export function find_get_page(m: usize, file: u32, index: u32): u32 {
  const vm = vm_addr(m);
  spin_lock(vm + VM_PC_LOCK);
  const pfn = pc_find(vm, file, index);
  if (pfn != NIL) get_page(m, pfn); // the cache's reference keeps it alive until here
  spin_unlock(vm + VM_PC_LOCK);
  return pfn;
}

/** Whether pfn is still the cached page of (file, index) (a check under the page lock). */
export function page_cached(m: usize, file: u32, index: u32, pfn: u32): bool {
  return find_page(m, file, index) == pfn;
}

/**
 * The cached page of (file, index), added if missing (find_or_create_page),
 * with a reference for the caller; NIL when memory or the cache is full. A
 * new page is in the cache and on the LRU before it is returned.
 */
export function find_or_add_page(m: usize, cpu: u32, file: u32, index: u32): u32 {
  const found = find_get_page(m, file, index);
  if (found != NIL) return found;
  const pfn = alloc_page(m); // its reference becomes the cache's
  if (pfn == NIL) return NIL;
  const page = page_addr(m, pfn);
  store<u32>(page, file << 1, PG_MAPPING); // set before another CPU can find it
  store<u32>(page, index, PG_INDEX);
  get_page(m, pfn); // the caller's
  const vm = vm_addr(m);
  spin_lock(vm + VM_PC_LOCK);
  const other = pc_find(vm, file, index);
  let ok = false;
  if (other != NIL) get_page(m, other); // another CPU added it meanwhile
  else {
    ok = vidx_insert(vm + VM_PC, pc_key(file, index), pfn) == 1;
    if (ok) {
      const as = address_space(m, file);
      store<u32>(as, load<u32>(as, AS_NRPAGES) + 1, AS_NRPAGES);
    }
  }
  spin_unlock(vm + VM_PC_LOCK);
  if (!ok) {
    put_page(m, cpu, pfn);
    put_page(m, cpu, pfn); // the fresh frame goes back
    return other;
  }
  lru_add(m, pfn); // the caller's reference keeps it from being freed first
  return pfn;
}

/**
 * Takes pfn out of the cache and drops the cache's reference
 * (__remove_from_page_cache + put), if it is still the cached page of its
 * (file, index); returns whether it was. Callers hold the page lock.
 */
export function remove_from_page_cache(m: usize, cpu: u32, pfn: u32): bool {
  const page = page_addr(m, pfn);
  const file = load<u32>(page, PG_MAPPING) >> 1;
  const index = load<u32>(page, PG_INDEX);
  const vm = vm_addr(m);
  spin_lock(vm + VM_PC_LOCK);
  const mine = pc_find(vm, file, index) == pfn;
  if (mine) {
    vidx_remove(vm + VM_PC, pc_key(file, index));
    const as = address_space(m, file);
    store<u32>(as, load<u32>(as, AS_NRPAGES) - 1, AS_NRPAGES);
  }
  spin_unlock(vm + VM_PC_LOCK);
  if (mine) put_page(m, cpu, pfn);
  return mine;
}

/**
 * Points the cache entry of a migrated page at its new frame
 * (migrate_page_move_mapping), if old is still the cached page; returns
 * whether it was. The cache's reference moves: the caller takes one on nw and
 * drops old's.
 */
export function replace_page_cache(m: usize, old: u32, nw: u32): bool {
  const page = page_addr(m, old);
  const file = load<u32>(page, PG_MAPPING) >> 1;
  const index = load<u32>(page, PG_INDEX);
  const vm = vm_addr(m);
  spin_lock(vm + VM_PC_LOCK);
  const mine = pc_find(vm, file, index) == old;
  if (mine) vidx_insert(vm + VM_PC, pc_key(file, index), nw);
  spin_unlock(vm + VM_PC_LOCK);
  return mine;
}
