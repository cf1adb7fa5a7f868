// === Modeled time: the cost model of the VM paths (issue 6 item 2) ===
// Every CPU keeps a u64 ns clock (its VM statistics block, ST_MODELED_NS)
// that the VM paths advance at the points the work happens: TLB flushes and
// the IPIs of a shootdown, page-table walks, rmap visits, locks taken, XPmem
// acknowledgement sleeps. The constants live in a cost block of the VM header
// that the host writes (`--set flush_ceiling=...` and friends); vm_init puts
// the defaults below into every word the host left 0. Each default is named
// once here, with its source in docs/cost-model.md (the table) and in the
// shared notes (cost-model.md §0-§3, domain.md §8 rows 17-20).
import { H_VM } from "./layout";
import { mm_addr } from "./machine";
import { MM_CPUMASK } from "./mm/types";
import { count, ST_IPIS, ST_MODELED_NS, ST_TLB_FLUSHES } from "./mm/vmstat";
import { cb, CB_ACKS, ipi_post, ipi_wait, scheduled, tlb_flush_local } from "./smp";

// ╒═══════════════════ Cost block (40 B, u32 each, at VM header offset VM_COST) ═══════════════════╕
//   0 invlpg_ns: one local INVLPG          4 full_flush_ns: a local full flush (CR3 write + refill share)
//   8 flush_ceiling: pages; a flush of more pages is a full flush
//  12 ipi_ns: shootdown round trip to the first remote CPU   16 ipi_extra_ns: each further target
//  20 line_ns: one cache-line transfer     24 walk_ns: a page walk on a TLB miss
//  28 touch_ns: one memory touch (a page-table level, an rmap visit)   32 lock_ns: one lock acquisition
//  36 spare
// └─────────────────────────────────────────────────────────────────────────────────────────────────┘
// XPmem's remote_ns stays in the notifier header (notifier/types.ts NF_REMOTE_NS).
export const VM_COST: u32 = 176;
export const CO_INVLPG: u32 = 0;
export const CO_FULL_FLUSH: u32 = 4;
export const CO_FLUSH_CEILING: u32 = 8;
export const CO_IPI: u32 = 12;
export const CO_IPI_EXTRA: u32 = 16;
export const CO_LINE: u32 = 20;
export const CO_WALK: u32 = 24;
export const CO_TOUCH: u32 = 28;
export const CO_LOCK: u32 = 32;
export const COST_SIZE: u32 = 40;

// Defaults (ns unless named otherwise); docs/cost-model.md gives each one's source and tag.
/** arch/x86/mm/tlb.c: "Each single flush is about 100 ns" [verified] */
export const COST_INVLPG_NS: u32 = 100;
/** Hansen 2014 (domain.md §8 row 17): full flush 2283 cycles at the i5-3320M's 2.6 GHz [derived] */
export const COST_FULL_FLUSH_NS: u32 = 878;
/** tlb_single_page_flush_ceiling, commit a5102476a24b (domain.md §8 row 17) [verified] */
export const COST_FLUSH_CEILING: u32 = 33;
/** Amit 2019, Haswell: 661 -> 1436 ns for the first remote CPU (cost-model.md §0, §1.1) [derived] */
export const COST_IPI_NS: u32 = 775;
/** Amit 2019: (1571 - 1436) / 2 per further remote CPU (cost-model.md §0, §1.1) [derived] */
export const COST_IPI_EXTRA_NS: u32 = 68;
/** core-to-core-latency, same-socket Intel server 44-51 ns (cost-model.md §3) [verified] */
export const COST_LINE_NS: u32 = 48;
/** dTLB miss walk 17.1 ns, IvyBridge i5-3320M (cost-model.md §2; domain.md §8) [verified] */
export const COST_WALK_NS: u32 = 17;
/** a warm 4-level walk (17.1 ns) over its 4 levels: one cached touch [derived] */
export const COST_TOUCH_NS: u32 = 4;
/** an uncontended hand-off: one line transfer (cost-model.md §3 modelling notes) [derived] */
export const COST_LOCK_NS: u32 = 48;

// @ts-ignore: decorator
@inline function cost_addr(m: usize): usize {
  return <usize>load<u32>(m, H_VM) + VM_COST;
}

// @ts-ignore: decorator
@inline function dflt(c: usize, off: u32, v: u32): void {
  if (!load<u32>(c + off)) store<u32>(c + off, v);
}

/** Fills every cost word the host left 0 with its default (vm_init). */
export function cost_init(m: usize): void {
  const c = cost_addr(m);
  dflt(c, CO_INVLPG, COST_INVLPG_NS);
  dflt(c, CO_FULL_FLUSH, COST_FULL_FLUSH_NS);
  dflt(c, CO_FLUSH_CEILING, COST_FLUSH_CEILING);
  dflt(c, CO_IPI, COST_IPI_NS);
  dflt(c, CO_IPI_EXTRA, COST_IPI_EXTRA_NS);
  dflt(c, CO_LINE, COST_LINE_NS);
  dflt(c, CO_WALK, COST_WALK_NS);
  dflt(c, CO_TOUCH, COST_TOUCH_NS);
  dflt(c, CO_LOCK, COST_LOCK_NS);
}

/** Advances cpu's modeled clock by ns. */
// @ts-ignore: decorator
@inline export function charge(m: usize, cpu: u32, ns: u64): void {
  count(m, cpu, ST_MODELED_NS, ns);
}

/** n memory touches (page-table levels, table lines, rmap visits). */
// @ts-ignore: decorator
@inline export function charge_touch(m: usize, cpu: u32, n: u64): void {
  charge(m, cpu, n * <u64>load<u32>(cost_addr(m), CO_TOUCH));
}

/** One lock acquisition. */
// @ts-ignore: decorator
@inline export function charge_lock(m: usize, cpu: u32): void {
  charge(m, cpu, <u64>load<u32>(cost_addr(m), CO_LOCK));
}

/** A TLB miss's hardware walk (the one that raised a fault), then `levels` software touches. */
// @ts-ignore: decorator
@inline export function charge_walk(m: usize, cpu: u32, levels: u32): void {
  const c = cost_addr(m);
  charge(m, cpu, <u64>load<u32>(c, CO_WALK) + <u64>levels * <u64>load<u32>(c, CO_TOUCH));
}

/** cpu runs in mm (a fault, a secondary access): its bit in mm_cpumask, one line write when new. */
export function mm_cpu_use(m: usize, cpu: u32, mm: u32): void {
  const a = mm_addr(m, mm) + MM_CPUMASK;
  const bit: u64 = <u64>1 << <u64>(cpu & 63);
  if (atomic.load<u64>(a) & bit) return;
  atomic.or<u64>(a, bit); // CPUs of other workers join the mask at the same time
  charge(m, cpu, <u64>load<u32>(cost_addr(m), CO_LINE));
}

/** tlb_single_page_flush_ceiling: pages above it are flushed by a full flush. */
export function flush_ceiling(m: usize): u64 {
  return <u64>load<u32>(cost_addr(m), CO_FLUSH_CEILING);
}

/** A local flush of `pages` pages: INVLPG each, or a full flush above the ceiling. */
export function flush_cost(m: usize, pages: u64): u64 {
  const c = cost_addr(m);
  return pages > <u64>load<u32>(c, CO_FLUSH_CEILING) ? <u64>load<u32>(c, CO_FULL_FLUSH) : pages * <u64>load<u32>(c, CO_INVLPG);
}

/**
 * flush_tlb_mm_range on cpu for `pages` pages of mm from `start` (a full
 * flush above the ceiling; pass 0xffffffff for flush_tlb_mm), then the shootdown: one IPI to
 * every other CPU in mm_cpumask, the initiator waiting for the round trip to
 * the first and a line hand-off per further target (cost-model.md §0; the
 * 2.6.27 order: local flush, then the IPIs, not overlapped).
 */
export function tlb_flush_mm(m: usize, cpu: u32, mm: u32, start: u64, pages: u64): void {
  count(m, cpu, ST_TLB_FLUSHES);
  const c = cost_addr(m);
  let ns = flush_cost(m, pages);
  const remote = atomic.load<u64>(mm_addr(m, mm), MM_CPUMASK) & ~(<u64>1 << <u64>(cpu & 63));
  const sched = scheduled(m, cpu);
  const p = pages > 0xffff_ffff ? 0xffff_ffff : <u32>pages;
  if (sched) tlb_flush_local(m, cpu, mm, start, p);
  if (remote) {
    const n = popcnt<u64>(remote);
    count(m, cpu, ST_IPIS, n);
    ns += <u64>load<u32>(c, CO_IPI) + (n - 1) * <u64>load<u32>(c, CO_IPI_EXTRA);
    if (sched) {
      // the shootdown for real: a request in each target's mailbox, then every acknowledgement
      // (to scheduled CPUs: a CPU no worker runs has nothing to flush and would never answer)
      for (let bits = remote; bits; bits &= bits - 1) {
        const t = <u32>ctz<u64>(bits);
        if (!scheduled(m, t)) continue;
        atomic.add<u32>(cb(m, cpu) + CB_ACKS, 1);
        ipi_post(m, cpu, t, mm, start, p);
      }
      ipi_wait(m, cpu);
    }
  }
  charge(m, cpu, ns);
}
