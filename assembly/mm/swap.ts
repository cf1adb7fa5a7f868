// Swap slots and the swap cache. A slot records the swapped page's mapping and
// index so swap-in restores its place in the rmap; while a page is in the swap
// cache the slot names it and the cache holds one reference.
import { PG_FLAGS, PG_PRIVATE, PG_SWAPCACHE } from "../layout";
import { page_addr } from "../machine";
import { spin_lock, spin_unlock } from "../sync";
import { put_page, vm_addr } from "./page_alloc";
import {
  NIL, SW_COUNT, SW_INDEX, SW_MAPPING, SW_PFN, SWAP_SLOT_SIZE, VM_SWAP_BASE, VM_SWAP_BUMP, VM_SWAP_CAP, VM_SWAP_FREE,
  VM_SWAP_LOCK, VM_SWAP_USED,
} from "./types";

// @ts-ignore: decorator
@inline export function swap_slot(m: usize, slot: u32): usize {
  return <usize>load<u32>(vm_addr(m), VM_SWAP_BASE) + <usize>slot * SWAP_SLOT_SIZE;
}

/** Puts a page in the swap cache under a new slot (add_to_swap); returns the slot, or NIL when swap is full. */
export function add_to_swap(m: usize, pfn: u32, mapping: u32, index: u32): u32 {
  const vm = vm_addr(m);
  spin_lock(vm + VM_SWAP_LOCK);
  let slot = load<u32>(vm, VM_SWAP_FREE);
  if (slot != NIL) {
    store<u32>(vm, load<u32>(swap_slot(m, slot), SW_PFN), VM_SWAP_FREE);
  } else {
    slot = load<u32>(vm, VM_SWAP_BUMP);
    if (slot >= load<u32>(vm, VM_SWAP_CAP)) {
      spin_unlock(vm + VM_SWAP_LOCK);
      return NIL;
    }
    store<u32>(vm, slot + 1, VM_SWAP_BUMP);
  }
  store<u32>(vm, load<u32>(vm, VM_SWAP_USED) + 1, VM_SWAP_USED);
  spin_unlock(vm + VM_SWAP_LOCK);
  const s = swap_slot(m, slot);
  store<u32>(s, 0, SW_COUNT);
  store<u32>(s, pfn, SW_PFN);
  store<u32>(s, mapping, SW_MAPPING);
  store<u32>(s, index, SW_INDEX);
  const page = page_addr(m, pfn);
  store<u32>(page, load<u32>(page, PG_FLAGS) | PG_SWAPCACHE, PG_FLAGS);
  store<u32>(page, slot, PG_PRIVATE);
  store<i32>(page, load<i32>(page, 8) + 1, 8); // the swap cache's reference (PG_REFCOUNT)
  return slot;
}

/** One more swap entry names the slot (swap_duplicate). */
export function swap_duplicate(m: usize, slot: u32): void {
  const s = swap_slot(m, slot);
  store<u32>(s, load<u32>(s, SW_COUNT) + 1, SW_COUNT);
}

/** Takes the page out of the swap cache; the slot keeps its entries. */
export function delete_from_swap_cache(m: usize, cpu: u32, pfn: u32): void {
  const page = page_addr(m, pfn);
  const slot = load<u32>(page, PG_PRIVATE);
  store<u32>(swap_slot(m, slot), NIL, SW_PFN);
  store<u32>(page, load<u32>(page, PG_FLAGS) & ~PG_SWAPCACHE, PG_FLAGS);
  store<u32>(page, 0, PG_PRIVATE);
  put_page(m, cpu, pfn);
  if (!load<u32>(swap_slot(m, slot), SW_COUNT)) release_slot(m, slot);
}

/** A swap entry naming the slot is gone (swap_free); the last one frees it and its cached page. */
export function swap_free(m: usize, cpu: u32, slot: u32): void {
  const s = swap_slot(m, slot);
  const c = load<u32>(s, SW_COUNT) - 1;
  store<u32>(s, c, SW_COUNT);
  if (c) return;
  const pfn = load<u32>(s, SW_PFN);
  if (pfn != NIL) delete_from_swap_cache(m, cpu, pfn);
  else release_slot(m, slot);
}

function release_slot(m: usize, slot: u32): void {
  const vm = vm_addr(m);
  spin_lock(vm + VM_SWAP_LOCK);
  store<u32>(swap_slot(m, slot), load<u32>(vm, VM_SWAP_FREE), SW_PFN);
  store<u32>(vm, slot, VM_SWAP_FREE);
  store<u32>(vm, load<u32>(vm, VM_SWAP_USED) - 1, VM_SWAP_USED);
  spin_unlock(vm + VM_SWAP_LOCK);
}
