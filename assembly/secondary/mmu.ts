// The three secondary MMUs of the 2008 thread (domain.md §3-§4):
//
//   kvm    shadow/EPT entries per gfn (hva -> gfn is the instance's linear
//          range, one memslot); mmu_lock; mmu_notifier_seq / _count close
//          the fault-versus-invalidate race; one remote TLB flush per
//          range_start (flush=range) or per page (flush=page).
//   gru    no page table: a TLB filled on demand from the Linux PTE; a fill
//          fails while a range invalidation is active (ms_range_active);
//          invalidation is a TLB flush; never sleeps.
//   xpmem  pages exported to remote partitions; every invalidation waits for
//          each partition's acknowledgement (remote_ns of modeled time): it sleeps.
//
// The entry table is per instance (entry i translates base + i pages); GRU's
// is a direct-mapped TLB of tlb_entries slots instead.
import { PTE_ADDR_MASK, PTE_RW } from "../layout";
import { fmix32 } from "../hash";
import { mm_addr, page_addr } from "../machine";
import { handle_mm_fault } from "../mm/memory";
import { mmap_read_lock, mmap_read_trylock, mmap_read_unlock } from "../mm/lock";
import { pt_lookup } from "../pagetable";
import { kvm_rmap_add, kvm_rmap_zap } from "./kvm_rmap";
import { spin_trylock, spin_unlock } from "../sync";
import { cb, CB_K0, CB_K1, CB_PENDING_ACKS, ipi_poll, scheduled, LC_MMU_LOCK, lock_acquired_stat, lock_released_stat } from "../smp";
import { get_page, put_page } from "../mm/page_alloc";
import { charge, charge_lock, charge_touch, charge_walk, mm_cpu_use } from "../cost";
import {
  BUG_FAULT_IN_RANGE, BUG_KEEP_WRITE, BUG_NO_TLB_FLUSH, CHECK_FAULT_IN_OPEN_RANGE, CHECK_SLEEP_IN_ATOMIC,
  DESIGN_BOTH, DESIGN_INTERVAL, DESIGN_PHYSICAL, MM_ACTIVE, NF_ALIASES, SI_ALIAS, SI_RMAP, MM_INV_SEQ, NF_DESIGN, NF_FLUSH_PAGE, NF_KVM_RETRY, NF_PARTITIONS, NF_REMOTE_NS,
  NF_TLB_ENTRIES, NS_CHECK, NS_LOCK_SLEEP_NS, NS_PREEMPT, NS_RETRIES, NS_SEC_FAULTS, NS_SEC_FLUSHES,
  NS_SEC_INVALIDATIONS, NS_SLEEPS, PG_SEC, SE_A, SE_D, SE_P, SE_W, SEC_ACCESSED, SEC_GRU, SEC_KVM, SEC_XPMEM, SI_BASE, SI_COUNT,
  SI_ENTRIES, SI_KIND, SI_LOCK, SI_MM, SI_PAGES, SI_SEQ,
} from "../notifier/types";
import {
  bug, drop_entry, entry_of, entry_pfn, ext_rmap_add, ncount, nf_addr, nstat, physical, sec_ref, sec_touched,
} from "./common";

/** Access results. */
export const SEC_HIT: u32 = 0;
export const SEC_FILLED: u32 = 1;
export const SEC_RETRY: u32 = 2;
export const SEC_FAULT: u32 = 3;
/** sec_fault_begin: the sample is taken and the page pinned; sec_fault_commit finishes. */
export const SEC_PENDING: u32 = 4;
/** sec_fault_begin on a scheduled CPU: mmap_lock was taken; try again after a yield. */
export const SEC_BLOCKED: u32 = 5;

// @ts-ignore: decorator
@inline function kind(inst: usize): u32 {
  return load<u32>(inst, SI_KIND);
}


/** GRU's direct-mapped TLB slot for va. */
// @ts-ignore: decorator
@inline function gru_slot(m: usize, inst: usize, va: u64): usize {
  const n = load<u32>(nf_addr(m), NF_TLB_ENTRIES);
  return <usize>load<u32>(inst, SI_ENTRIES) + ((<usize>(fmix32(<u32>(va >> 12)) % n)) << 3);
}

/** The entry that translates va now, or 0 (GRU: only if its slot holds va). */
export function lookup(m: usize, inst: usize, va: u64): usize {
  if (kind(inst) != SEC_GRU) return entry_of(inst, va);
  const s = gru_slot(m, inst, va);
  const e = load<u64>(s);
  return e & SE_P && (e >> 44) == ((va >> 12) & 0xfffff) ? s : 0;
}

/**
 * The instance's own spinlock: KVM's kvm->mmu_lock, GRU's per-context lock,
 * XPmem's per-segment lock. It serializes the instance's entry table between
 * secondary faults and invalidations on different CPUs. One lock acquisition
 * of modeled time, booked under class LC_MMU_LOCK.
 */
export function mmu_lock(m: usize, cpu: u32, inst: usize): void {
  charge_lock(m, cpu);
  let failed: u32 = 0;
  while (!spin_trylock(inst + SI_LOCK)) {
    failed++;
    ipi_poll(m, cpu);
  }
  lock_acquired_stat(m, cpu, LC_MMU_LOCK, inst + SI_LOCK, failed, false);
}

export function mmu_unlock(m: usize, cpu: u32, inst: usize): void {
  lock_released_stat(m, cpu, LC_MMU_LOCK, inst + SI_LOCK, false);
  spin_unlock(inst + SI_LOCK);
}

/**
 * A sleep that waits for every XPmem partition's acknowledgement; sleeping
 * with a spinlock held is the bug XPmem hit under 2.6.27. The interval design
 * is modeled with its own era's call sites — range callbacks outside the PT
 * lock, i_mmap a sleeping lock (domain.md §2.4) — so its callers may block.
 */
function xpmem_wait(m: usize, cpu: u32): void {
  const nf = nf_addr(m);
  const parts = load<u32>(nf, NF_PARTITIONS);
  const ns = <u64>load<u32>(nf, NF_REMOTE_NS);
  const d = load<u32>(nf, NF_DESIGN);
  const atomic = load<u32>(nstat(m, cpu), NS_PREEMPT) != 0;
  if (atomic && d == DESIGN_BOTH) {
    // Christoph's "both": the rmap-capable driver drops its entry at once and
    // waits for the acknowledgements at the next point that may sleep (the
    // rmap notifier, range_end, or the end of the VM operation).
    const pa = cb(m, cpu) + CB_PENDING_ACKS;
    store<u32>(pa, load<u32>(pa) + 1);
    ncount(m, cpu, NS_SEC_FLUSHES, parts);
    return;
  }
  ncount(m, cpu, NS_SLEEPS);
  charge(m, cpu, ns); // the wait for the acknowledgements, in modeled time
  const blockable = d == DESIGN_INTERVAL;
  if (!blockable && atomic) {
    ncount(m, cpu, NS_CHECK + (CHECK_SLEEP_IN_ATOMIC << 3));
    ncount(m, cpu, NS_LOCK_SLEEP_NS, ns);
  }
  ncount(m, cpu, NS_SEC_FLUSHES, parts); // one invalidate message per partition
}

/** Sleeps once for the acknowledgements queued in atomic context (physical+range). */
export function xpmem_settle(m: usize, cpu: u32): void {
  const nf = nf_addr(m);
  const pa = cb(m, cpu) + CB_PENDING_ACKS;
  if (!load<u32>(pa)) return;
  store<u32>(pa, 0);
  ncount(m, cpu, NS_SLEEPS);
  charge(m, cpu, <u64>load<u32>(nf, NF_REMOTE_NS));
}

/** Drops one entry and tells the hardware: a flush per page for KVM with flush=page, GRU and XPmem. */
function zap(m: usize, cpu: u32, inst: usize, ent: usize, per_page_flush: bool): void {
  const e = load<u64>(ent);
  if (!(e & SE_P)) return;
  if (kind(inst) == SEC_GRU && bug(m, BUG_NO_TLB_FLUSH)) return; // the TLB keeps it
  if (e & SE_W && bug(m, BUG_KEEP_WRITE)) return; // a writable entry survives the downgrade
  const rmap = <usize>load<u32>(inst, SI_RMAP);
  if (rmap) {
    // KVM finds every spte of the gfn through its rmap (kvm_unmap_rmapp)
    const gfn = (ent - <usize>load<u32>(inst, SI_ENTRIES)) >> 3;
    kvm_rmap_zap(m, cpu, inst, rmap + (gfn << 2), ent, zap_spte);
  } else {
    drop_entry(m, cpu, inst, ent);
    ncount(m, cpu, NS_SEC_INVALIDATIONS);
  }
  if (per_page_flush) ncount(m, cpu, NS_SEC_FLUSHES);
}

/** One spte of a KVM gfn: the first carries A/D and the checker's bookkeeping; the others only go. */
function zap_spte(m: usize, cpu: u32, inst: usize, spte: usize, first: usize): void {
  if (spte == first) drop_entry(m, cpu, inst, spte);
  else store<u64>(spte, 0);
  ncount(m, cpu, NS_SEC_INVALIDATIONS);
}

/** invalidate_page(mm, va) for one instance; also the interval design's one-page range. */
export function sec_invalidate_page(m: usize, cpu: u32, inst: usize, va: u64): void {
  const k = kind(inst);
  mmu_lock(m, cpu, inst);
  const ent = lookup(m, inst, va); // under the lock: a GRU slot may change hands meanwhile
  // every kind's generation moves, before the unlock (domain.md §3.1): a fault that sampled it
  // before this invalidation and commits after must retry (GRU and XPmem serialize their fault
  // paths against invalidate_page under their own locks; this is that check)
  store<u32>(inst, load<u32>(inst, SI_SEQ) + 1, SI_SEQ);
  if (k == SEC_KVM) {
    if (ent) zap(m, cpu, inst, ent, true);
  } else if (k == SEC_GRU) {
    if (ent) zap(m, cpu, inst, ent, true);
  } else if (ent && load<u64>(ent) & SE_P) {
    zap(m, cpu, inst, ent, false);
    mmu_unlock(m, cpu, inst);
    xpmem_wait(m, cpu); // outside the lock: it sleeps
    return;
  }
  mmu_unlock(m, cpu, inst);
}

/**
 * invalidate_range_start(mm, start, end): KVM counts the invalidation in
 * progress under mmu_lock and zaps the range with one remote flush at the end;
 * GRU raises range_active and flushes its TLB; XPmem recalls its exports and
 * waits. No entry may be set up in the range until range_end.
 */
export function sec_range_start(m: usize, cpu: u32, inst: usize, start: u64, end: u64): void {
  const k = kind(inst);
  const base = load<u64>(inst, SI_BASE);
  const last = base + (<u64>load<u32>(inst, SI_PAGES) << 12);
  const s = start > base ? start : base;
  const e = end < last ? end : last;
  let zapped: u32 = 0;
  mmu_lock(m, cpu, inst);
  store<u32>(inst, load<u32>(inst, SI_COUNT) + 1, SI_COUNT);
  const per_page = k == SEC_KVM && load<u32>(nf_addr(m), NF_FLUSH_PAGE) != 0;
  if (k == SEC_GRU) {
    // the TGH invalidate covers the range at once: walk the TLB, one flush
    const n = load<u32>(nf_addr(m), NF_TLB_ENTRIES);
    const ents = <usize>load<u32>(inst, SI_ENTRIES);
    for (let i: u32 = 0; i < n; i++) {
      const slot = ents + (<usize>i << 3);
      const x = load<u64>(slot);
      if (!(x & SE_P)) continue;
      const va = base + (((x >> 44) - ((base >> 12) & 0xfffff)) & 0xfffff) * 4096;
      if (va >= s && va < e) {
        zap(m, cpu, inst, slot, false);
        zapped++;
      }
    }
    ncount(m, cpu, NS_SEC_FLUSHES);
  } else {
    for (let va = s; va < e; va += 4096) {
      const ent = entry_of(inst, va);
      if (ent && load<u64>(ent) & SE_P) {
        zap(m, cpu, inst, ent, per_page);
        zapped++;
      }
    }
    if (k == SEC_KVM && !per_page && zapped) ncount(m, cpu, NS_SEC_FLUSHES); // kvm_flush_remote_tlbs once
  }
  mmu_unlock(m, cpu, inst);
  if (k == SEC_XPMEM && zapped) xpmem_wait(m, cpu);
}

export function sec_range_end(m: usize, cpu: u32, inst: usize, start: u64, end: u64): void {
  mmu_lock(m, cpu, inst);
  store<u32>(inst, load<u32>(inst, SI_SEQ) + 1, SI_SEQ);
  store<u32>(inst, load<u32>(inst, SI_COUNT) - 1, SI_COUNT);
  mmu_unlock(m, cpu, inst);
}

/** clear_flush_young: the entry's accessed bit, test-and-cleared (flushed when it was set). */
export function sec_young(m: usize, cpu: u32, inst: usize, va: u64): bool {
  mmu_lock(m, cpu, inst);
  const ent = lookup(m, inst, va);
  const e = ent ? load<u64>(ent) : 0;
  const young = (e & SE_A) != 0;
  if (young) {
    store<u64>(ent, e & ~SE_A);
    ncount(m, cpu, NS_SEC_FLUSHES);
  }
  mmu_unlock(m, cpu, inst);
  return young;
}

/** release(mm): tear every entry down before exit_mmap frees the pages. */
export function sec_release(m: usize, cpu: u32, inst: usize): void {
  const k = kind(inst);
  const n = k == SEC_GRU ? load<u32>(nf_addr(m), NF_TLB_ENTRIES) : load<u32>(inst, SI_PAGES);
  const ents = <usize>load<u32>(inst, SI_ENTRIES);
  let zapped: u32 = 0;
  mmu_lock(m, cpu, inst);
  for (let i: u32 = 0; i < n; i++) {
    const ent = ents + (<usize>i << 3);
    if (load<u64>(ent) & SE_P) {
      zap(m, cpu, inst, ent, false);
      zapped++;
    }
  }
  mmu_unlock(m, cpu, inst);
  if (zapped) ncount(m, cpu, NS_SEC_FLUSHES);
  if (k == SEC_XPMEM && zapped) xpmem_wait(m, cpu);
}

/** The physical index's invalidate_page(page) for one entry found through the external rmap. */
export function sec_invalidate_entry(m: usize, cpu: u32, inst: usize, ent: usize, pfn: u32): void {
  const k = kind(inst);
  mmu_lock(m, cpu, inst);
  store<u32>(inst, load<u32>(inst, SI_SEQ) + 1, SI_SEQ); // as in sec_invalidate_page
  // the node was found without this lock: the entry may have moved on to another frame since
  if (entry_pfn(load<u64>(ent)) == pfn) zap(m, cpu, inst, ent, true);
  mmu_unlock(m, cpu, inst);
  if (k == SEC_XPMEM) xpmem_wait(m, cpu);
}

/**
 * A secondary access to va (a guest access, a GRU instruction, a remote
 * partition's load or store), begun and committed at once. A present entry
 * with the needed permission is a hit and sets A (and D on a write).
 * Otherwise the secondary fault path runs: sample the sequence, fault the
 * page in through the primary MMU, then install the entry only if no
 * invalidation began meanwhile (KVM seq/count, GRU range_active, interval
 * read_retry; domain.md §3).
 */
export function sec_access(m: usize, cpu: u32, inst: usize, va: u64, write: bool, nolock: bool = false): u32 {
  const r = sec_fault_begin(m, cpu, inst, va, write, nolock);
  return r == SEC_PENDING ? sec_fault_commit(m, cpu, inst, va, write) : r;
}

/**
 * The secondary fault's first half: the hit check, the sequence sample and
 * gfn_to_pfn / get_user_pages under mmap_lock for reading, which pins the
 * page. SEC_PENDING: the sample (CB_K0) and the PTE seen (CB_K1) wait in the
 * CPU's block for sec_fault_commit, which a scheduled CPU runs only after a
 * yield, so invalidations on other CPUs can fall between the two
 * (domain.md §3: the window the seq/count protocols close). SEC_BLOCKED: a
 * scheduled CPU could not take mmap_lock; nothing was done. `nolock`: the
 * injected race (race=on), which runs inside another CPU's operation and
 * stands for a fault that took its sample and pin before that one began.
 */
export function sec_fault_begin(m: usize, cpu: u32, inst: usize, va: u64, write: bool, nolock: bool = false): u32 {
  va &= ~(<u64>4095);
  const k = kind(inst);
  const mm = load<u32>(inst, SI_MM);
  mm_cpu_use(m, cpu, mm);
  charge_touch(m, cpu, 1); // the secondary's lookup
  mmu_lock(m, cpu, inst);
  const ent = lookup(m, inst, va);
  if (ent) {
    const e = load<u64>(ent);
    if (e & SE_P && (!write || e & SE_W)) {
      store<u64>(ent, e | SE_A | (write ? SE_D : 0));
      sec_touched(m, entry_pfn(e), write);
      mmu_unlock(m, cpu, inst);
      return SEC_HIT;
    }
  }
  mmu_unlock(m, cpu, inst);
  if (k != SEC_GRU && !entry_of(inst, va)) return SEC_FAULT; // outside the memslot / export
  const nf = nf_addr(m);
  const interval = load<u32>(nf, NF_DESIGN) == DESIGN_INTERVAL;
  const seq = interval ? atomic.load<u32>(mm_addr(m, mm), MM_INV_SEQ) : atomic.load<u32>(inst, SI_SEQ);
  if (interval && seq & 1) return retry(m, cpu); // read_begin: an overlapping invalidation runs
  if (!nolock && !gup_lock(m, cpu, mm)) return SEC_BLOCKED;
  charge_walk(m, cpu, 0); // the secondary TLB miss
  // gfn_to_pfn / get_user_pages: the page comes in through the primary MMU
  let pte = pt_lookup(m, mm, va);
  if (!pte || (write && !(pte & PTE_RW))) {
    if (handle_mm_fault(m, cpu, mm, va, write) != 0) pte = 0;
    else pte = pt_lookup(m, mm, va);
  }
  if (pte) get_page(m, <u32>((pte & PTE_ADDR_MASK) >> 12)); // the pin gup hands to the driver
  if (!nolock) mmap_read_unlock(m, cpu, mm);
  if (!pte) return SEC_FAULT;
  const b = cb(m, cpu);
  store<u64>(b, <u64>seq, CB_K0);
  store<u64>(b, pte, CB_K1);
  return SEC_PENDING;
}

/** mmap_lock for reading around get_user_pages: a trylock for a scheduled CPU (which yields instead). */
function gup_lock(m: usize, cpu: u32, mm: u32): bool {
  if (!scheduled(m, cpu)) {
    mmap_read_lock(m, cpu, mm);
    return true;
  }
  return mmap_read_trylock(m, cpu, mm);
}

/** The secondary fault's second half: the retry check under the instance lock, then the entry; drops gup's pin. */
export function sec_fault_commit(m: usize, cpu: u32, inst: usize, va: u64, write: bool): u32 {
  va &= ~(<u64>4095);
  const k = kind(inst);
  const mm = load<u32>(inst, SI_MM);
  const b = cb(m, cpu);
  const seq = <u32>load<u64>(b, CB_K0);
  const pte = load<u64>(b, CB_K1);
  const pfn = <u32>((pte & PTE_ADDR_MASK) >> 12);
  const nf = nf_addr(m);
  const interval = load<u32>(nf, NF_DESIGN) == DESIGN_INTERVAL;
  mmu_lock(m, cpu, inst);
  // the retry check, under the lock the invalidation takes
  const open = load<u32>(inst, SI_COUNT) != 0;
  // one read of the interval seq serves the retry check and rule 6: an invalidation that begins
  // after it reaches this instance through the lock held here, and zaps what is installed
  const seq_now = interval ? atomic.load<u32>(mm_addr(m, mm), MM_INV_SEQ) : load<u32>(inst, SI_SEQ);
  const moved = seq_now != seq;
  const checks = k != SEC_KVM || load<u32>(nf, NF_KVM_RETRY) != 0;
  if (checks && !bug(m, BUG_FAULT_IN_RANGE) && (open || moved)) {
    mmu_unlock(m, cpu, inst);
    put_page(m, cpu, pfn);
    return retry(m, cpu);
  }
  // rule 6, as this instance sees its mm: a range it was told of (its count), the interval seq odd,
  // or, for the physical design that is told of no range, any open range of the mm
  const d = load<u32>(nf, NF_DESIGN);
  const inside = interval
    ? (seq_now & 1) != 0
    : open || (d == DESIGN_PHYSICAL && atomic.load<u32>(mm_addr(m, mm), MM_ACTIVE) != 0);
  if (inside) ncount(m, cpu, NS_CHECK + (CHECK_FAULT_IN_OPEN_RANGE << 3));
  const ent = k == SEC_GRU ? gru_slot(m, inst, va) : entry_of(inst, va);
  const old = load<u64>(ent);
  if (old & SE_P) drop_entry(m, cpu, inst, ent); // GRU evicts the slot's previous translation
  const w = write ? SE_W : 0;
  let e = (<u64>pfn << 12) | SE_P | SE_A | w | (write ? SE_D : 0);
  if (k == SEC_GRU) e |= ((va >> 12) & 0xfffff) << 44;
  store<u64>(ent, e);
  sec_ref(m, pfn, 1);
  const rmap = <usize>load<u32>(inst, SI_RMAP);
  if (rmap) {
    // every shadow root maps the gfn: one spte each, all on the gfn's rmap
    const gfn = (ent - <usize>load<u32>(inst, SI_ENTRIES)) >> 3;
    const head = rmap + (gfn << 2);
    const aliases = load<u32>(nf, NF_ALIASES);
    kvm_rmap_add(m, head, <u32>ent);
    for (let k: u32 = 1; k < aliases; k++) {
      const alias = <usize>load<u32>(inst, SI_ALIAS) + ((gfn * <usize>(aliases - 1) + <usize>(k - 1)) << 3);
      store<u64>(alias, e);
      kvm_rmap_add(m, head, <u32>alias);
    }
  }
  if (physical(m)) ext_rmap_add(m, pfn, inst, ent);
  sec_touched(m, pfn, write); // with the entry's A bit, under the lock an aging pass takes
  mmu_unlock(m, cpu, inst);
  put_page(m, cpu, pfn); // kvm_release_pfn: the entry keeps the mapping, not a reference
  ncount(m, cpu, NS_SEC_FAULTS);
  return SEC_FILLED;
}

function retry(m: usize, cpu: u32): u32 {
  ncount(m, cpu, NS_RETRIES);
  return SEC_RETRY;
}
