// The hook sites where the VM tells secondary MMUs about a PTE it clears,
// downgrades or replaces (domain.md §2.3; Christoph Lameter's page-based
// rmap hook, §1.1). Each VM path calls these at the kernel's points and under
// the kernel's locks. Each counts the site, then hands the event to the
// notifier design (notifier/dispatch.ts), which finds the secondary MMUs.
import {
  notify_clear_flush_young, notify_invalidate_page, notify_range_end, notify_range_start, notify_release,
  notify_rmap_page,
} from "../notifier/dispatch";
import { count, ST_HOOK_SITE, ST_HOOKS_FIRED } from "./vmstat";

/** invalidate_page(mm, addr): after ptep_clear_flush, under the PT lock (try_to_unmap_one, page_mkclean_one, do_wp_page). */
export const HOOK_INVALIDATE_PAGE: u32 = 0;
/** invalidate_range_start(mm, start, end): unmap_vmas, copy_page_range (COW parent), mprotect, move_ptes. */
export const HOOK_RANGE_START: u32 = 1;
export const HOOK_RANGE_END: u32 = 2;
/** clear_flush_young(mm, addr): page_referenced_one; try_to_unmap_one when not migrating. */
export const HOOK_CLEAR_FLUSH_YOUNG: u32 = 3;
/** release(mm): exit_mmap, before the pages are freed. */
export const HOOK_RELEASE: u32 = 4;
/** The physical index: invalidate_page(page) once per PageExternalRmap page in try_to_unmap and page_mkclean, outside spinlocks. */
export const HOOK_RMAP_PAGE: u32 = 5;
export const HOOK_SITES: u32 = 6;

// @ts-ignore: decorator
@inline function fire(m: usize, cpu: u32, site: u32): void {
  count(m, cpu, ST_HOOKS_FIRED);
  count(m, cpu, ST_HOOK_SITE + (site << 3));
}

export function hook_invalidate_page(m: usize, cpu: u32, mm: u32, va: u64): void {
  fire(m, cpu, HOOK_INVALIDATE_PAGE);
  notify_invalidate_page(m, cpu, mm, va);
}

export function hook_range_start(m: usize, cpu: u32, mm: u32, start: u64, end: u64): void {
  fire(m, cpu, HOOK_RANGE_START);
  notify_range_start(m, cpu, mm, start, end);
}

export function hook_range_end(m: usize, cpu: u32, mm: u32, start: u64, end: u64): void {
  fire(m, cpu, HOOK_RANGE_END);
  notify_range_end(m, cpu, mm, start, end);
}

/** Returns whether a secondary MMU saw the page young, OR-ed into the primary result. */
export function hook_clear_flush_young(m: usize, cpu: u32, mm: u32, va: u64): bool {
  fire(m, cpu, HOOK_CLEAR_FLUSH_YOUNG);
  return notify_clear_flush_young(m, cpu, mm, va);
}

export function hook_release(m: usize, cpu: u32, mm: u32): void {
  fire(m, cpu, HOOK_RELEASE);
  notify_release(m, cpu, mm);
}

export function hook_rmap_page(m: usize, cpu: u32, pfn: u32): void {
  fire(m, cpu, HOOK_RMAP_PAGE);
  notify_rmap_page(m, cpu, pfn);
}
