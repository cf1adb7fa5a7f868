// What every secondary MMU shares: its instance, its entry table, the
// external rmap the physical designs make it keep, and the bookkeeping the
// checker reads. Kind-specific behaviour is in kvm.ts, gru.ts and xpmem.ts.
import { PG_DIRTY, PG_FLAGS, PG_REFERENCED } from "../layout";
import { cpu_addr, page_addr } from "../machine";
import { pool_alloc, pool_free } from "../mm/pool";
import { vm_addr } from "../mm/page_alloc";
import { PG_EXTLOCK, VM_NOTIFY } from "../mm/types";
import { bit_lock, bit_unlock } from "../sync";
import {
  DESIGN_BOTH, DESIGN_PHYSICAL, NF_DESIGN, NF_EXT_POOL, NF_FLAGS, NF_INST_BASE, NSTAT_OFF, PG_EXT, PG_SEC,
  SE_A, SE_D, SE_PFN_MASK, SEC_ACCESSED, SEC_DIRTIED, SEC_REF_SHIFT, SI_BASE, SI_ENTRIES, SI_PAGES, SI_SIZE, XR_INDEX, XR_INST,
  XR_NEXT, BUG_NO_SET_DIRTY, CHECK_LOST_DIRTY, NS_CHECK, NS_EXT_VISITS,
} from "../notifier/types";
import { PG_EXTERNAL_RMAP } from "../layout";

// @ts-ignore: decorator
@inline export function nf_addr(m: usize): usize {
  return <usize>load<u32>(vm_addr(m), VM_NOTIFY);
}

// @ts-ignore: decorator
@inline export function nstat(m: usize, cpu: u32): usize {
  return cpu_addr(m, cpu) + NSTAT_OFF;
}

// @ts-ignore: decorator
@inline export function ncount(m: usize, cpu: u32, item: u32, n: u64 = 1): void {
  const a = nstat(m, cpu) + item;
  store<u64>(a, load<u64>(a) + n);
}

// @ts-ignore: decorator
@inline export function inst_addr(m: usize, id: u32): usize {
  return <usize>load<u32>(nf_addr(m), NF_INST_BASE) + <usize>id * SI_SIZE;
}

// @ts-ignore: decorator
@inline export function bug(m: usize, b: u32): bool {
  return (load<u32>(nf_addr(m), NF_FLAGS) & b) != 0;
}

/** Whether secondary MMUs must keep a pfn-indexed external rmap (the physical designs). */
// @ts-ignore: decorator
@inline export function physical(m: usize): bool {
  const d = load<u32>(nf_addr(m), NF_DESIGN);
  return d == DESIGN_PHYSICAL || d == DESIGN_BOTH;
}

/** The entry of va in an instance's table, or 0 when va is outside its range. */
// @ts-ignore: decorator
@inline export function entry_of(inst: usize, va: u64): usize {
  const base = load<u64>(inst, SI_BASE);
  if (va < base) return 0;
  const i = (va - base) >> 12;
  if (i >= <u64>load<u32>(inst, SI_PAGES)) return 0;
  return <usize>load<u32>(inst, SI_ENTRIES) + (<usize>i << 3);
}

// @ts-ignore: decorator
@inline export function entry_pfn(e: u64): u32 {
  return <u32>((e & SE_PFN_MASK) >> 12);
}

/** Marks what a secondary access did to a page, for the checker's dirty and young rules. */
export function sec_touched(m: usize, pfn: u32, write: bool): void {
  atomic.or<u32>(page_addr(m, pfn) + PG_SEC, SEC_ACCESSED | (write ? SEC_DIRTIED : 0));
}

/** Counts the secondary entries that map a frame (PG_SEC bits 8..31), so freeing a mapped frame is seen. */
export function sec_ref(m: usize, pfn: u32, d: i32): void {
  atomic.add<u32>(page_addr(m, pfn) + PG_SEC, <u32>(d << SEC_REF_SHIFT));
}

/**
 * Drops a secondary entry the way KVM's mmu_spte_clear_track_bits does:
 * accessed goes to struct page (mark_page_accessed), dirty to set_page_dirty,
 * before the notifier returns (domain.md §4.1, §10 rule 4). Several
 * instances and CPUs change one struct page at once: every change of its
 * flags and of PG_SEC is an atomic RMW (PG_LOCKED shares the flags word).
 */
export function drop_entry(m: usize, cpu: u32, inst: usize, ent: usize): void {
  const e = load<u64>(ent);
  store<u64>(ent, 0);
  const pfn = entry_pfn(e);
  sec_ref(m, pfn, -1);
  const p = page_addr(m, pfn);
  if (e & SE_A) {
    atomic.or<u32>(p + PG_FLAGS, PG_REFERENCED);
    atomic.and<u32>(p + PG_SEC, ~SEC_ACCESSED);
  }
  if (e & SE_D) {
    if (!bug(m, BUG_NO_SET_DIRTY)) atomic.or<u32>(p + PG_FLAGS, PG_DIRTY);
    // rule 4: the secondary's writes must reach struct page before its entry is gone
    const sec = atomic.and<u32>(p + PG_SEC, ~SEC_DIRTIED);
    if (sec & SEC_DIRTIED && bug(m, BUG_NO_SET_DIRTY)) ncount(m, cpu, NS_CHECK + (CHECK_LOST_DIRTY << 3));
  }
  if (physical(m)) ext_rmap_remove(m, cpu, pfn, inst, ent);
}

// --- the external rmap: pfn -> (instance, entry) ------------------------------------
// A frame's list (PG_EXT) changes under its PG_EXTLOCK bit lock: instances of
// several mms (each under its own instance lock) add and drop entries of one
// frame at once. A leaf lock: nothing is taken under it.

/** pte_chain_lock's twin for the external rmap of the page at p. */
// @ts-ignore: decorator
@inline export function ext_rmap_lock(p: usize): void {
  bit_lock(p + PG_FLAGS, ctz<u32>(PG_EXTLOCK));
}

// @ts-ignore: decorator
@inline export function ext_rmap_unlock(p: usize): void {
  bit_unlock(p + PG_FLAGS, ctz<u32>(PG_EXTLOCK));
}

/** Records that ent of inst maps pfn; the first one sets PageExternalRmap (under the page lock in Linux). */
export function ext_rmap_add(m: usize, pfn: u32, inst: usize, ent: usize): bool {
  const n = pool_alloc(m, nf_addr(m) + NF_EXT_POOL);
  if (!n) return false;
  const p = page_addr(m, pfn);
  store<u32>(n, <u32>inst, XR_INST);
  store<u32>(n, <u32>ent, XR_INDEX);
  ext_rmap_lock(p);
  store<u32>(n, load<u32>(p, PG_EXT), XR_NEXT);
  store<u32>(p, <u32>n, PG_EXT);
  atomic.or<u32>(p + PG_FLAGS, PG_EXTERNAL_RMAP);
  ext_rmap_unlock(p);
  return true;
}

/** Forgets one external mapping; the flag is cleared only when every exporter has dropped the page (Robin Holt). */
export function ext_rmap_remove(m: usize, cpu: u32, pfn: u32, inst: usize, ent: usize): void {
  const p = page_addr(m, pfn);
  let prev: usize = 0;
  let visits: u64 = 0;
  let gone: usize = 0;
  ext_rmap_lock(p);
  for (let n = <usize>load<u32>(p, PG_EXT); n; n = <usize>load<u32>(n, XR_NEXT)) {
    visits++;
    if (<usize>load<u32>(n, XR_INST) == inst && <usize>load<u32>(n, XR_INDEX) == ent) {
      const next = load<u32>(n, XR_NEXT);
      if (prev) store<u32>(prev, next, XR_NEXT);
      else store<u32>(p, next, PG_EXT);
      gone = n;
      break;
    }
    prev = n;
  }
  if (!load<u32>(p, PG_EXT)) atomic.and<u32>(p + PG_FLAGS, ~PG_EXTERNAL_RMAP);
  ext_rmap_unlock(p);
  if (gone) pool_free(m, nf_addr(m) + NF_EXT_POOL, gone);
  ncount(m, cpu, NS_EXT_VISITS, visits);
}
