// Per-CPU VM event counters (u64 each), in a block per CPU at VM_STAT_BASE.
// They count work, not time, so the same seed gives the same counts.
import { cpu_addr } from "../machine";

// ╒═══════════════════════ VM statistics block (256 B per CPU) ═══════════════════════╕
//   0 rmap_visits   8 ptes_cleared  16 pages_freed   24 tlb_flushes   32 hooks_fired
//  40 faults       48 cow_breaks    56 ptes_copied   64 swap_outs     72 pages_scanned
//  80 reclaimed    88 migrated      96 cleaned      104 referenced   112 ptes_changed
// 120 vmas_split  128.. hooks fired per site (hooks.ts HOOK_*, 8 B each)
// 176 modeled_ns: the CPU's modeled clock (cost.ts)   184 ipis: shootdown IPIs sent   192.. spare   240 arg (16 B)
// └──────────────────────────────────────────────────────────────────────────────────┘
// It sits at offset VMSTAT_OFF of the CPU's per-CPU area.
export const VMSTAT_OFF: u32 = 512;
export const ST_RMAP_VISITS: u32 = 0;
export const ST_PTES_CLEARED: u32 = 8;
export const ST_PAGES_FREED: u32 = 16;
export const ST_TLB_FLUSHES: u32 = 24;
export const ST_HOOKS_FIRED: u32 = 32;
export const ST_FAULTS: u32 = 40;
export const ST_COW_BREAKS: u32 = 48;
export const ST_PTES_COPIED: u32 = 56;
export const ST_SWAP_OUTS: u32 = 64;
export const ST_PAGES_SCANNED: u32 = 72;
export const ST_RECLAIMED: u32 = 80;
export const ST_MIGRATED: u32 = 88;
export const ST_CLEANED: u32 = 96;
export const ST_REFERENCED: u32 = 104;
export const ST_PTES_CHANGED: u32 = 112;
export const ST_VMAS_SPLIT: u32 = 120;
export const ST_HOOK_SITE: u32 = 128;
/** The CPU's modeled time in ns, advanced by cost.ts (work, not wall time: deterministic). */
export const ST_MODELED_NS: u32 = 176;
/** TLB-shootdown IPIs this CPU sent (one per remote CPU in mm_cpumask). */
export const ST_IPIS: u32 = 184;
/** 16 spare bytes a VM path may use to pass arguments to its per-PTE op. */
export const ST_ARG: u32 = 240;
export const VMSTAT_SIZE: u32 = 256;

// @ts-ignore: decorator
@inline export function vmstat(m: usize, cpu: u32): usize {
  return cpu_addr(m, cpu) + VMSTAT_OFF;
}

// @ts-ignore: decorator
@inline export function count(m: usize, cpu: u32, item: u32, n: u64 = 1): void {
  const a = vmstat(m, cpu) + item;
  store<u64>(a, load<u64>(a) + n);
}
