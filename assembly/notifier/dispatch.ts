// The notifier designs: who hears about a VM event, and how it is found.
//
//   hook site                      virtual   physical   physical+range   interval
//   invalidate_page(mm, addr)      yes       no         yes              one-page range
//   invalidate_page(page), flagged no        yes        yes              no
//   invalidate_range_start/end     yes       no         yes              interval invalidate + seq
//   clear_flush_young              yes       no         yes              yes
//   release                        yes       no         yes              yes
//
// virtual walks the mm's notifier list (every callback to every notifier);
// physical walks the page's external rmap once per registered rmap notifier
// kind; interval queries the mm's interval tree of subscriptions and keeps
// the mm's invalidate_seq odd while an overlapping invalidation runs.
import { itree_first, itree_next } from "../lib/itree";
import { mm_addr, page_addr } from "../machine";
import { ext_rmap_lock, ext_rmap_unlock, inst_addr, nf_addr, ncount } from "../secondary/common";
import {
  sec_access, sec_invalidate_entry, sec_invalidate_page, sec_range_end, sec_range_start, sec_release, sec_young,
  xpmem_settle,
} from "../secondary/mmu";
import {
  BUG_FREE_EARLY, BUG_NO_RANGE_END, BUG_NO_YOUNG_OR, DESIGN_BOTH, DESIGN_INTERVAL, DESIGN_NONE, DESIGN_PHYSICAL,
  DESIGN_VIRTUAL, MM_ACTIVE, MM_INV_SEQ, MM_ITREE, MM_NF_LOCK, NF_DESIGN, NF_FLAGS, NF_INST_USED, NF_RACE, NF_RMAP_KINDS, NS_CALLS, NS_EXT_VISITS,
  NS_INVALIDATE_PAGE, NS_RANGE_END, NS_RANGE_START, NS_RELEASE, NS_RMAP_PAGE, NS_YOUNG, PG_EXT, SI_KIND, SI_NEXT,
  SI_MM, SI_NODE, XR_INDEX, XR_INST, XR_NEXT,
} from "./types";
import { MM_NOTIFIERS } from "../mm/types";
import { ipi_poll } from "../smp";
import { spin_trylock, spin_unlock } from "../sync";

// @ts-ignore: decorator
@inline function design(m: usize): u32 {
  const nf = nf_addr(m);
  return nf ? load<u32>(nf, NF_DESIGN) : DESIGN_NONE;
}

// @ts-ignore: decorator
@inline function has_virtual(d: u32): bool {
  return d == DESIGN_VIRTUAL || d == DESIGN_BOTH;
}

// @ts-ignore: decorator
@inline function flags(m: usize): u32 {
  return load<u32>(nf_addr(m), NF_FLAGS);
}

/** The first instance on mm's notifier list (0 = none: the one pointer test of a hook). */
// @ts-ignore: decorator
@inline function first(m: usize, mm: u32): u32 {
  return load<u32>(mm_addr(m, mm), MM_NOTIFIERS);
}

// Instance ids are stored +1 so that 0 ends a list.
// @ts-ignore: decorator
@inline function inst_of(m: usize, id1: u32): usize {
  return inst_addr(m, id1 - 1);
}

// @ts-ignore: decorator
@inline function delivered(m: usize, cpu: u32, which: u32): void {
  ncount(m, cpu, which);
  ncount(m, cpu, NS_CALLS);
}

export function notify_invalidate_page(m: usize, cpu: u32, mm: u32, va: u64): void {
  const d = design(m);
  if (has_virtual(d)) {
    for (let id = first(m, mm); id; id = load<u32>(inst_of(m, id), SI_NEXT)) {
      delivered(m, cpu, NS_INVALIDATE_PAGE);
      sec_invalidate_page(m, cpu, inst_of(m, id), va);
    }
  } else if (d == DESIGN_INTERVAL) {
    interval_invalidate(m, cpu, mm, va, va + 4096, true);
  }
}

export function notify_range_start(m: usize, cpu: u32, mm: u32, start: u64, end: u64): void {
  const d = design(m);
  const ma = mm_addr(m, mm);
  atomic.add<u32>(ma + MM_ACTIVE, 1); // an open range, for the checker (and the interval seq)
  if (flags(m) & BUG_FREE_EARLY) return; // the mutation: invalidate only at range_end, after the pages went
  if (has_virtual(d)) {
    for (let id = first(m, mm); id; id = load<u32>(inst_of(m, id), SI_NEXT)) {
      delivered(m, cpu, NS_RANGE_START);
      sec_range_start(m, cpu, inst_of(m, id), start, end);
    }
  } else if (d == DESIGN_INTERVAL) {
    interval_invalidate(m, cpu, mm, start, end, false);
  }
  if (load<u32>(nf_addr(m), NF_RACE)) race(m, cpu, mm, start);
}

/**
 * The race, injected: another CPU's secondary MMU faults on the first page of
 * the range while the invalidation is open. The seq/count protocols must
 * refuse it (domain.md §3, §10 rule 2).
 */
function race(m: usize, cpu: u32, mm: u32, va: u64): void {
  const nf = nf_addr(m);
  const n = load<u32>(nf, NF_INST_USED);
  for (let id: u32 = 0; id < n; id++) {
    const inst = inst_addr(m, id);
    if (load<u32>(inst, SI_MM) == mm) {
      sec_access(m, cpu, inst, va, false, true);
      return;
    }
  }
}

export function notify_range_end(m: usize, cpu: u32, mm: u32, start: u64, end: u64): void {
  if (flags(m) & BUG_NO_RANGE_END) return;
  const d = design(m);
  const ma = mm_addr(m, mm);
  if (d != DESIGN_INTERVAL) atomic.sub<u32>(ma + MM_ACTIVE, 1); // interval_end drops it under its lock
  xpmem_settle(m, cpu);
  if (has_virtual(d)) {
    for (let id = first(m, mm); id; id = load<u32>(inst_of(m, id), SI_NEXT)) {
      const inst = inst_of(m, id);
      delivered(m, cpu, NS_RANGE_END);
      if (flags(m) & BUG_FREE_EARLY) sec_range_start(m, cpu, inst, start, end);
      sec_range_end(m, cpu, inst, start, end);
    }
  } else if (d == DESIGN_INTERVAL) {
    if (flags(m) & BUG_FREE_EARLY) interval_invalidate(m, cpu, mm, start, end, false);
    interval_end(m, cpu, mm);
  }
}

export function notify_clear_flush_young(m: usize, cpu: u32, mm: u32, va: u64): bool {
  const d = design(m);
  let young = false;
  if (has_virtual(d)) {
    for (let id = first(m, mm); id; id = load<u32>(inst_of(m, id), SI_NEXT)) {
      delivered(m, cpu, NS_YOUNG);
      if (sec_young(m, cpu, inst_of(m, id), va)) young = true;
    }
  } else if (d == DESIGN_INTERVAL) {
    const root = mm_addr(m, mm) + MM_ITREE;
    const vpn = <u32>(va >> 12);
    for (let n = itree_first(root, vpn, vpn); n; n = itree_next(n, vpn, vpn)) {
      delivered(m, cpu, NS_YOUNG);
      if (sec_young(m, cpu, n - SI_NODE, va)) young = true;
    }
  }
  return young && !(flags(m) & BUG_NO_YOUNG_OR);
}

export function notify_release(m: usize, cpu: u32, mm: u32): void {
  const d = design(m);
  if (has_virtual(d)) {
    for (let id = first(m, mm); id; id = load<u32>(inst_of(m, id), SI_NEXT)) {
      delivered(m, cpu, NS_RELEASE);
      sec_release(m, cpu, inst_of(m, id));
    }
  } else if (d == DESIGN_INTERVAL) {
    const root = mm_addr(m, mm) + MM_ITREE;
    for (let n = itree_first(root, 0, 0xffff_ffff); n; n = itree_next(n, 0, 0xffff_ffff)) {
      delivered(m, cpu, NS_RELEASE);
      sec_release(m, cpu, n - SI_NODE);
    }
  }
}

/**
 * Christoph Lameter's rmap notifier: once per PageExternalRmap page, outside
 * spinlocks, each registered kind's driver walks its own rmap of the page
 * and invalidates every entry of that kind.
 */
export function notify_rmap_page(m: usize, cpu: u32, pfn: u32): void {
  const d = design(m);
  if (d != DESIGN_PHYSICAL && d != DESIGN_BOTH) return;
  const kinds = load<u32>(nf_addr(m), NF_RMAP_KINDS);
  const page = page_addr(m, pfn);
  for (let k: u32 = 1; k < 32; k++) {
    if (!(kinds & (1 << k))) continue;
    delivered(m, cpu, NS_RMAP_PAGE);
    let visits: u64 = 0;
    // The first node of kind k, taken under the list's lock; invalidating it drops the node
    // (drop_entry takes the lock again), so the walk starts over. New secondary faults may add
    // nodes meanwhile: the budget bounds the walk as the page lock bounds the kernel's.
    for (let budget: u32 = 1 << 16; budget; budget--) {
      ext_rmap_lock(page);
      let inst: usize = 0;
      let ent: usize = 0;
      for (let n = <usize>load<u32>(page, PG_EXT); n; n = <usize>load<u32>(n, XR_NEXT)) {
        visits++;
        const i = <usize>load<u32>(n, XR_INST);
        if (load<u32>(i, SI_KIND) == k) {
          inst = i;
          ent = <usize>load<u32>(n, XR_INDEX);
          break;
        }
      }
      ext_rmap_unlock(page);
      if (!inst) break;
      sec_invalidate_entry(m, cpu, inst, ent, pfn);
    }
    ncount(m, cpu, NS_EXT_VISITS, visits);
  }
  xpmem_settle(m, cpu);
}

/**
 * mn_itree_inv_start_range: seq odd while overlapping subscriptions are
 * invalidated. A one-page invalidation is a range that opens and closes at
 * once: it counts itself active, so it cannot close another CPU's open range.
 */
function interval_invalidate(m: usize, cpu: u32, mm: u32, start: u64, end: u64, one_page: bool): void {
  const ma = mm_addr(m, mm);
  const root = ma + MM_ITREE;
  const first_vpn = <u32>(start >> 12);
  const last_vpn = <u32>((end - 1) >> 12);
  const n0 = itree_first(root, first_vpn, last_vpn);
  if (one_page) atomic.add<u32>(ma + MM_ACTIVE, 1);
  if (n0) {
    nf_lock(m, cpu, ma);
    store<u32>(ma, load<u32>(ma, MM_INV_SEQ) | 1, MM_INV_SEQ);
    nf_unlock(m, cpu, ma);
  }
  for (let n = n0; n; n = itree_next(n, first_vpn, last_vpn)) {
    const inst = n - SI_NODE;
    delivered(m, cpu, one_page ? NS_INVALIDATE_PAGE : NS_RANGE_START);
    if (one_page) sec_invalidate_page(m, cpu, inst, start);
    else {
      sec_range_start(m, cpu, inst, start, end);
      sec_range_end(m, cpu, inst, start, end); // the interval API has no end callback: the seq closes it
    }
  }
  if (one_page) interval_end(m, cpu, mm);
}

/** mn_itree_inv_end: the last active range makes the seq even again. */
function interval_end(m: usize, cpu: u32, mm: u32): void {
  const ma = mm_addr(m, mm);
  nf_lock(m, cpu, ma);
  const left = atomic.sub<u32>(ma + MM_ACTIVE, 1) - 1; // range starts add to it outside the lock
  if (left == 0 && load<u32>(ma, MM_INV_SEQ) & 1) store<u32>(ma, load<u32>(ma, MM_INV_SEQ) + 1, MM_INV_SEQ);
  nf_unlock(m, cpu, ma);
}

// @ts-ignore: decorator
@inline function nf_lock(m: usize, cpu: u32, ma: usize): void {
  while (!spin_trylock(ma + MM_NF_LOCK)) ipi_poll(m, cpu);
}

// @ts-ignore: decorator
@inline function nf_unlock(m: usize, cpu: u32, ma: usize): void {
  spin_unlock(ma + MM_NF_LOCK);
}
