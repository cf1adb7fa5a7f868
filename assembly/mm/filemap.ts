// The page cache: (file, index) -> pfn in a virtual-index table (rmap/vindex.ts).
// The cache holds one reference on each of its pages.
import { PG_INDEX, PG_MAPPING } from "../layout";
import { page_addr } from "../machine";
import { spin_lock, spin_unlock } from "../sync";
import { vidx_find, vidx_insert, vidx_remove, VIDX_NONE } from "../rmap/vindex";
import { alloc_page, lru_add, put_page, vm_addr } from "./page_alloc";
import { AS_NRPAGES, NIL, VM_PC, VM_PC_LOCK } from "./types";
import { address_space } from "./vma";

// @ts-ignore: decorator
@inline function pc_key(file: u32, index: u32): u64 {
  return (<u64>file << 32) | <u64>index;
}

/** The cached page of (file, index), or NIL. */
export function find_page(m: usize, file: u32, index: u32): u32 {
  const r = vidx_find(vm_addr(m) + VM_PC, pc_key(file, index));
  return r == VIDX_NONE ? NIL : r;
}

/** A new page for (file, index) in the cache and on the LRU, or NIL when memory or the cache is full. */
export function add_to_page_cache(m: usize, file: u32, index: u32): u32 {
  const pfn = alloc_page(m);
  if (pfn == NIL) return NIL;
  const vm = vm_addr(m);
  spin_lock(vm + VM_PC_LOCK);
  const ok = vidx_insert(vm + VM_PC, pc_key(file, index), pfn) == 1;
  spin_unlock(vm + VM_PC_LOCK);
  if (!ok) {
    put_page(m, 0, pfn);
    return NIL;
  }
  const page = page_addr(m, pfn);
  store<u32>(page, file << 1, PG_MAPPING);
  store<u32>(page, index, PG_INDEX);
  const as = address_space(m, file);
  store<u32>(as, load<u32>(as, AS_NRPAGES) + 1, AS_NRPAGES);
  lru_add(m, pfn);
  return pfn;
}

/** Takes a page out of the cache and drops the cache's reference (__remove_from_page_cache + put). */
export function remove_from_page_cache(m: usize, cpu: u32, pfn: u32): void {
  const page = page_addr(m, pfn);
  const file = load<u32>(page, PG_MAPPING) >> 1;
  const vm = vm_addr(m);
  spin_lock(vm + VM_PC_LOCK);
  vidx_remove(vm + VM_PC, pc_key(file, load<u32>(page, PG_INDEX)));
  spin_unlock(vm + VM_PC_LOCK);
  const as = address_space(m, file);
  store<u32>(as, load<u32>(as, AS_NRPAGES) - 1, AS_NRPAGES);
  put_page(m, cpu, pfn);
}

/** Points the cache entry of a migrated page at its new frame (migrate_page_move_mapping). */
export function replace_page_cache(m: usize, old: u32, nw: u32): void {
  const page = page_addr(m, old);
  const vm = vm_addr(m);
  spin_lock(vm + VM_PC_LOCK);
  vidx_insert(vm + VM_PC, pc_key(load<u32>(page, PG_MAPPING) >> 1, load<u32>(page, PG_INDEX)), nw);
  spin_unlock(vm + VM_PC_LOCK);
}
