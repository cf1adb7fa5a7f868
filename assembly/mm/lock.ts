// The VM's locks by what they protect, named as in the kernel. Each wraps a
// primitive of sync.ts on the lock word inside the structure it guards.
// Lock order and which may sleep: docs/locking.md.
import { PG_FLAGS, PG_LOCKED, PTD_PTL } from "../layout";
import { page_addr, ptdesc } from "../machine";
import { mm_addr } from "../machine";
import { spin_lock, spin_unlock } from "../sync";
import { AS_LOCK, AV_LOCK, MM_MMAP_LOCK } from "./types";

export function mmap_write_lock(m: usize, cpu: u32, mm: u32): void {
  spin_lock(mm_addr(m, mm) + MM_MMAP_LOCK);
}
export function mmap_write_unlock(m: usize, cpu: u32, mm: u32): void {
  spin_unlock(mm_addr(m, mm) + MM_MMAP_LOCK);
}
export function i_mmap_lock_write(m: usize, cpu: u32, as: usize): void {
  spin_lock(as + AS_LOCK);
}
export function i_mmap_unlock_write(m: usize, cpu: u32, as: usize): void {
  spin_unlock(as + AS_LOCK);
}
export function i_mmap_lock_read(m: usize, cpu: u32, as: usize): void {
  spin_lock(as + AS_LOCK);
}
export function i_mmap_unlock_read(m: usize, cpu: u32, as: usize): void {
  spin_unlock(as + AS_LOCK);
}
export function anon_vma_lock(m: usize, cpu: u32, av: usize): void {
  spin_lock(av + AV_LOCK);
}
export function anon_vma_unlock(m: usize, cpu: u32, av: usize): void {
  spin_unlock(av + AV_LOCK);
}
/** The PT lock of the page-table page that holds pte (split PTE locks). */
export function pte_lock(m: usize, cpu: u32, table: usize): void {
  spin_lock(ptdesc(m, table) + PTD_PTL);
}
export function pte_unlock(m: usize, cpu: u32, table: usize): void {
  spin_unlock(ptdesc(m, table) + PTD_PTL);
}
export function lock_page(m: usize, cpu: u32, pfn: u32): void {
  const f = page_addr(m, pfn) + PG_FLAGS;
  while (atomic.or<u32>(f, PG_LOCKED) & PG_LOCKED) {
    // spin: the owner is another simulated CPU
  }
}
export function unlock_page(m: usize, cpu: u32, pfn: u32): void {
  atomic.and<u32>(page_addr(m, pfn) + PG_FLAGS, ~PG_LOCKED);
}
