// The VM's locks by what they protect, named as in the kernel, each on the
// lock word inside the structure it guards and tracked by lockdep.ts in
// debug builds. Lock order, kinds and the 2.6.27 contexts: docs/locking.md.
// Each acquisition advances the CPU's modeled clock by lock_ns (cost.ts).
import { PTD_PTL } from "../layout";
import {
  LC_ANON_VMA, LC_I_MMAP, LC_MMAP_LOCK, LC_PTL, lock_page as ld_lock_page, lock_read, lock_spin, lock_write,
  tryread_counted, trywait_write, unlock_page as ld_unlock_page, unlock_read, unlock_spin, unlock_write,
} from "../lockdep";
import { mm_addr, page_addr, ptdesc } from "../machine";
import { AS_LOCK, AV_LOCK, MM_MMAP_LOCK } from "./types";
import { cpu_addr } from "../machine";
import { charge_lock } from "../cost";

// preempt_count: spinlocks this CPU holds, kept in every build (lockdep.ts
// tracks more, but only in debug builds), so a sleeping notifier is caught
// in timed runs too. At per-CPU offset 768 + 248 (notifier/types.ts NS_PREEMPT).
// @ts-ignore: decorator
@inline function preempt(m: usize, cpu: u32, d: i32): void {
  const a = cpu_addr(m, cpu) + 1016;
  store<i32>(a, load<i32>(a) + d);
}

export function mmap_write_lock(m: usize, cpu: u32, mm: u32): void {
  charge_lock(m, cpu);
  lock_write(m, cpu, LC_MMAP_LOCK, mm_addr(m, mm) + MM_MMAP_LOCK);
}
export function mmap_write_unlock(m: usize, cpu: u32, mm: u32): void {
  unlock_write(m, cpu, LC_MMAP_LOCK, mm_addr(m, mm) + MM_MMAP_LOCK);
}
export function mmap_read_lock(m: usize, cpu: u32, mm: u32): void {
  charge_lock(m, cpu);
  lock_read(m, cpu, LC_MMAP_LOCK, mm_addr(m, mm) + MM_MMAP_LOCK);
}
/**
 * A scheduled CPU's attempts at mmap_lock: it yields after a failure and
 * comes back (cpu.ts), so the wait never blocks its worker. `failed` counts
 * its earlier attempts for the class statistics. A failed write attempt
 * leaves a writer marked waiting (sync.ts), so the caller must come back.
 */
export function mmap_write_trywait(m: usize, cpu: u32, mm: u32, failed: u32): bool {
  if (!trywait_write(m, cpu, LC_MMAP_LOCK, mm_addr(m, mm) + MM_MMAP_LOCK, failed)) return false;
  charge_lock(m, cpu);
  return true;
}
export function mmap_read_tryagain(m: usize, cpu: u32, mm: u32, failed: u32): bool {
  if (!tryread_counted(m, cpu, LC_MMAP_LOCK, mm_addr(m, mm) + MM_MMAP_LOCK, failed)) return false;
  charge_lock(m, cpu);
  return true;
}
export function mmap_read_trylock(m: usize, cpu: u32, mm: u32): bool {
  return mmap_read_tryagain(m, cpu, mm, 0);
}
export function mmap_read_unlock(m: usize, cpu: u32, mm: u32): void {
  unlock_read(m, cpu, LC_MMAP_LOCK, mm_addr(m, mm) + MM_MMAP_LOCK);
}
// i_mmap_lock and anon_vma->lock were spinlocks in 2.6.27: readers and
// writers alike take them exclusively.
export function i_mmap_lock_write(m: usize, cpu: u32, as: usize): void {
  charge_lock(m, cpu);
  preempt(m, cpu, 1);
  lock_write(m, cpu, LC_I_MMAP, as + AS_LOCK);
}
export function i_mmap_unlock_write(m: usize, cpu: u32, as: usize): void {
  preempt(m, cpu, -1);
  unlock_write(m, cpu, LC_I_MMAP, as + AS_LOCK);
}
export function i_mmap_lock_read(m: usize, cpu: u32, as: usize): void {
  charge_lock(m, cpu);
  preempt(m, cpu, 1);
  lock_write(m, cpu, LC_I_MMAP, as + AS_LOCK);
}
export function i_mmap_unlock_read(m: usize, cpu: u32, as: usize): void {
  preempt(m, cpu, -1);
  unlock_write(m, cpu, LC_I_MMAP, as + AS_LOCK);
}
export function anon_vma_lock(m: usize, cpu: u32, av: usize): void {
  charge_lock(m, cpu);
  preempt(m, cpu, 1);
  lock_write(m, cpu, LC_ANON_VMA, av + AV_LOCK);
}
export function anon_vma_unlock(m: usize, cpu: u32, av: usize): void {
  preempt(m, cpu, -1);
  unlock_write(m, cpu, LC_ANON_VMA, av + AV_LOCK);
}
/** The PT lock of one page-table page (split PTE locks). */
export function pte_lock(m: usize, cpu: u32, table: usize): void {
  charge_lock(m, cpu);
  preempt(m, cpu, 1);
  lock_spin(m, cpu, LC_PTL, ptdesc(m, table) + PTD_PTL);
}
export function pte_unlock(m: usize, cpu: u32, table: usize): void {
  preempt(m, cpu, -1);
  unlock_spin(m, cpu, LC_PTL, ptdesc(m, table) + PTD_PTL);
}
export function lock_page(m: usize, cpu: u32, pfn: u32): void {
  charge_lock(m, cpu);
  ld_lock_page(m, cpu, page_addr(m, pfn));
}
export function unlock_page(m: usize, cpu: u32, pfn: u32): void {
  ld_unlock_page(m, cpu, page_addr(m, pfn));
}
