// The coherence checker: the invariants of domain.md §10 as numbered rules
// (docs/coherence.md), counted per CPU. Rules that can only be seen at an
// event (a frame freed, a page written back or aged, a fault inside an open
// range, a sleep under a spinlock) are counted where they happen; the rest
// are checked by walking every secondary entry against the primary PTEs.
import { H_MM_CAP, PG_DIRTY, PG_FLAGS, PG_REFCOUNT, PG_REFERENCED, PTE_ADDR_MASK, PTE_RW } from "./layout";
import { mm_addr, page_addr } from "./machine";
import { pt_lookup } from "./pagetable";
import { inst_addr, ncount, nf_addr } from "./secondary/common";
import {
  CHECK_LOST_DIRTY, CHECK_LOST_YOUNG, CHECK_STALE_MAPPINGS, CHECK_STALE_PERMISSION, CHECK_UNPAIRED_RANGE,
  CHECK_USE_AFTER_FREE, MM_ACTIVE, NF_CHECK_SAMPLE, NF_CURSOR_ENTRY, NF_CURSOR_INST, NF_INST_USED, NF_TLB_ENTRIES, NS_CHECK, PG_SEC, SE_P, SE_PFN_MASK, SE_W,
  SEC_ACCESSED, SEC_DIRTIED, SEC_GRU, SEC_REF_SHIFT, SI_BASE, SI_ENTRIES, SI_KIND, SI_MM, SI_PAGES,
} from "./notifier/types";

// @ts-ignore: decorator
@inline function violation(m: usize, cpu: u32, rule: u32): void {
  ncount(m, cpu, NS_CHECK + (rule << 3));
}


/**
 * Rules 1-3 and 8: every secondary entry must translate what the primary PTE
 * translates (1), with no more permission (2), to a live frame (3); and no
 * range may stay open between operations (8). With check_sample set, one
 * call examines that many entries, resuming where the last call stopped, so
 * sampled checking in timed runs costs a bounded amount per call.
 * Returns the violations found.
 */
export function check_coherence(m: usize, cpu: u32): u32 {
  const nf = nf_addr(m);
  if (!nf) return 0;
  let found: u32 = 0;
  const n = load<u32>(nf, NF_INST_USED);
  const sample = load<u32>(nf, NF_CHECK_SAMPLE);
  let budget = sample ? sample : 0xffff_ffff;
  let id = sample ? load<u32>(nf, NF_CURSOR_INST) : 0;
  let i = sample ? load<u32>(nf, NF_CURSOR_ENTRY) : 0;
  for (let visited: u32 = 0; visited < n && budget; visited++) {
    if (id >= n) {
      id = 0;
      i = 0;
    }
    const inst = inst_addr(m, id);
    const gru = load<u32>(inst, SI_KIND) == SEC_GRU;
    const mm = load<u32>(inst, SI_MM);
    const base = load<u64>(inst, SI_BASE);
    const slots = gru ? load<u32>(nf, NF_TLB_ENTRIES) : load<u32>(inst, SI_PAGES);
    const ents = <usize>load<u32>(inst, SI_ENTRIES);
    for (; i < slots && budget; i++, budget--) {
      const e = load<u64>(ents + (<usize>i << 3));
      if (!(e & SE_P)) continue;
      const va = gru ? base + ((((e >> 44) - ((base >> 12) & 0xfffff)) & 0xfffff) << 12) : base + (<u64>i << 12);
      const pfn = <u32>((e & SE_PFN_MASK) >> 12);
      const pte = pt_lookup(m, mm, va);
      if (!pte || <u32>((pte & PTE_ADDR_MASK) >> 12) != pfn) {
        violation(m, cpu, CHECK_STALE_MAPPINGS);
        found++;
      } else if (e & SE_W && !(pte & PTE_RW)) {
        violation(m, cpu, CHECK_STALE_PERMISSION);
        found++;
      }
      if (load<i32>(page_addr(m, pfn), PG_REFCOUNT) <= 0) {
        violation(m, cpu, CHECK_USE_AFTER_FREE);
        found++;
      }
    }
    if (i >= slots) {
      id++;
      i = 0;
    }
  }
  if (sample) {
    store<u32>(nf, id, NF_CURSOR_INST);
    store<u32>(nf, i, NF_CURSOR_ENTRY);
  }
  const mms = load<u32>(m, H_MM_CAP);
  for (let mm: u32 = 1; mm < mms; mm++) {
    const ma = mm_addr(m, mm);
    if (load<u32>(ma, MM_ACTIVE)) {
      violation(m, cpu, CHECK_UNPAIRED_RANGE);
      store<u32>(ma, 0, MM_ACTIVE);
      found++;
    }
  }
  return found;
}

/** Rule 3 at the moment it matters: a frame freed while a secondary entry still maps it. */
export function check_free(m: usize, cpu: u32, pfn: u32): void {
  if (!nf_addr(m)) return;
  const p = page_addr(m, pfn);
  const sec = load<u32>(p, PG_SEC);
  if (sec >> SEC_REF_SHIFT) violation(m, cpu, CHECK_USE_AFTER_FREE);
  store<u32>(p, 0, PG_SEC);
}

/** Rule 4: a page written back (or paged out) clean although a secondary wrote it and nobody told struct page. */
export function check_writeback(m: usize, cpu: u32, pfn: u32): void {
  if (!nf_addr(m)) return;
  const p = page_addr(m, pfn);
  const sec = load<u32>(p, PG_SEC);
  if (sec & SEC_DIRTIED && !(atomic.load<u32>(p, PG_FLAGS) & PG_DIRTY)) violation(m, cpu, CHECK_LOST_DIRTY);
  atomic.and<u32>(p + PG_SEC, ~SEC_DIRTIED); // other CPUs count entries in the same word
}

/** Rule 5: an aging pass that found the page idle although a secondary used it since the last pass. */
export function check_aged(m: usize, cpu: u32, pfn: u32, referenced: u32, before: u32 = 0xffff_ffff): void {
  if (!nf_addr(m)) return;
  const p = page_addr(m, pfn);
  const seen = before == 0xffff_ffff ? atomic.load<u32>(p, PG_SEC) & SEC_ACCESSED : before;
  // an entry dropped while the walk ran left its young bit in PG_referenced: deferred to the
  // next pass, not lost (a COW break's notifier runs after it cleared the PTE the walk skipped)
  const deferred = (atomic.load<u32>(p, PG_FLAGS) & PG_REFERENCED) != 0;
  if (seen && !referenced && !deferred) violation(m, cpu, CHECK_LOST_YOUNG);
  // only what the pass could have seen is consumed: an access that lands during the walk stays marked
  if (seen) atomic.and<u32>(p + PG_SEC, ~SEC_ACCESSED);
}

/** An aging pass found the page used: what it saw is consumed, so a later pass is not judged on it. */
export function aged_seen(m: usize, pfn: u32): void {
  if (nf_addr(m)) atomic.and<u32>(page_addr(m, pfn) + PG_SEC, ~SEC_ACCESSED);
}

/**
 * The secondary-accessed mark as an aging pass begins. Under concurrency the
 * rule is judged against this: an access after the walk passed its entry is
 * the next pass's to find.
 */
export function aged_begin(m: usize, pfn: u32): u32 {
  return nf_addr(m) ? atomic.load<u32>(page_addr(m, pfn), PG_SEC) & SEC_ACCESSED : 0;
}
