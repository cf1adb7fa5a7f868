// === SMP: what simulated CPUs share with each other (issue 6 items 1, 3, 4) ===
// A scheduled CPU (cpu.ts) belongs to one worker thread, which runs it and
// its sibling CPUs and services their mailboxes. Here: the host block that
// names a CPU's siblings, the TLB-shootdown mailboxes and their polling, the
// per-CPU TLB, and the statistics of every lock class under contention.
//
// Deadlock freedom across workers rests on one rule: a CPU that spins (on a
// lock, or for IPI acknowledgements) polls the mailboxes of every CPU of its
// worker, so a shootdown aimed at a sibling is acknowledged even while the
// worker is busy in another CPU's critical section (docs/smp.md).
import { H_VM } from "./layout";
import { cpu_addr } from "./machine";
import { fmix32 } from "./hash";
import { ST_MODELED_NS, VMSTAT_OFF } from "./mm/vmstat";
import { flush_ceiling, flush_cost } from "./cost";

// ╒══════════════════ Scheduled-CPU block (128 B, per-CPU offset 1024) ══════════════════╕
//   0 ops: address of the CPU's op stream   4 n: records in it   8 next: the record running
//  12 phase: where a resumable op stopped (0: not started)   16 host_first  20 host_stride
//  24 host_n: the worker's CPUs are host_first + k * host_stride, k < host_n; 0 = unscheduled
//  28 acks: shootdown acknowledgements this CPU still waits for
//  32 k0  40 k1  48 k2: an op's saved state between phases (u64 each)
//  56 yields  60 done: records finished  64 ok: records that succeeded  68 attempts: retries of the record
//  72 tlb_hits  80 tlb_misses  88 ipis_serviced  (u64 each)
//  96 pending_acks: XPmem acknowledgements owed from atomic context (physical+range)
// └─────────────────────────────────────────────────────────────────────────────────────────╛
export const CB_OFF: u32 = 1024;
export const CB_OPS: u32 = 0;
export const CB_N: u32 = 4;
export const CB_NEXT: u32 = 8;
export const CB_PHASE: u32 = 12;
export const CB_HOST_FIRST: u32 = 16;
export const CB_HOST_STRIDE: u32 = 20;
export const CB_HOST_N: u32 = 24;
export const CB_ACKS: u32 = 28;
export const CB_K0: u32 = 32;
export const CB_K1: u32 = 40;
export const CB_K2: u32 = 48;
export const CB_YIELDS: u32 = 56;
export const CB_DONE: u32 = 60;
export const CB_OK: u32 = 64;
export const CB_ATTEMPTS: u32 = 68;
export const CB_TLB_HITS: u32 = 72;
export const CB_TLB_MISSES: u32 = 80;
export const CB_IPIS_SERVICED: u32 = 88;
export const CB_PENDING_ACKS: u32 = 96;
export const CB_SIZE: u32 = 128;

// ╒═══════════ Mailbox (per-CPU offset 1152): MB_SLOTS slots of 32 B ═══════════╕
//   0 mm + 1 (0: free; claimed by cmpxchg)   4 pages (0xffffffff: the whole mm)
//   8 from: the initiating CPU, whose acks word the target decrements   12 pad
//  16 start: the first address flushed (u64)   24 pad
// └──────────────────────────────────────────────────────────────────────────────╛
export const MB_OFF: u32 = 1152;
export const MB_SLOTS: u32 = 8;
export const MB_SLOT_SIZE: u32 = 32;

// ╒════════ Lock-class statistics (per-CPU offset 1408): 16 classes of 40 B ════════╕
//   0 acquisitions   8 contended: the first attempt found it taken (real contention)
//  16 spins: failed attempts (a scheduled CPU yields instead where it can)
//  24 wait_ns: modeled time spent waiting for the previous holder's release
//  32 hold_ns: modeled time held (exclusive holds only)
// └─────────────────────────────────────────────────────────────────────────────────╛
// Classes are lockdep.ts's LC_* (1..12), plus KVM's mmu_lock. The allocator's,
// the LRU's and the page cache's raw spinlocks take no CPU and are not counted.
export const LS_OFF: u32 = 1408;
export const LS_CLASSES: u32 = 16;
export const LS_SIZE: u32 = 40;
export const LS_ACQ: u32 = 0;
export const LS_CONTENDED: u32 = 8;
export const LS_SPINS: u32 = 16;
export const LS_WAIT_NS: u32 = 24;
export const LS_HOLD_NS: u32 = 32;
/** KVM's kvm->mmu_lock (a spinlock of the secondary MMU). */
export const LC_MMU_LOCK: u32 = 13;

// ╒═════ Per-CPU TLB (per-CPU offset 2048): TLB_ENTRIES direct-mapped u64 entries ═════╕
//  6 6         4 4                                                         0
//  3 2         8 7                                                         0
// ├─┼─┬────────┼───────────────────────────────────────────────────────────┤
// │V│W│ mm     │                     vpn (48 bits)                         │
// └─┴─┴────────┴───────────────────────────────────────────────────────────┘
// V valid; W the PTE was writable and dirty when the entry was filled, so a
// write may hit (otherwise a write walks again to set D, as the hardware does);
// mm the address space (14 bits; no PCIDs: a CPU's entries of other mms
// survive only because the simulator does not model context switches).
export const TLB_OFF: u32 = 2048;
export const TLB_ENTRIES: u32 = 64;
export const TLB_V: u64 = <u64>1 << 63;
export const TLB_W: u64 = <u64>1 << 62;

// ╒═══ Lock clock (VM header 216: address, 220: slot mask): 32 B per slot, by lock address hash ═══╕
//   0 released: modeled time of the last exclusive release   8 read_released: of the last read release
//  16 acquired: modeled time the current exclusive holder took it
//  24 worker: the last releaser's worker + 1 (u32)
// └─────────────────────────────────────────────────────────────────────────────────────────────────╛
// A CPU taking a lock whose last release lies in its modeled future waits
// until then: locks serialize in modeled time even where no two threads met.
// Only releases by CPUs of the taker's own worker count: clocks of different
// workers are not kept in step, so they cannot be compared (the contention
// between workers is real, and counted as such). Two locks that share a slot
// serialize each other (a conservative error).
export const VM_LOCK_CLOCK: u32 = 216;
export const VM_LOCK_CLOCK_MASK: u32 = 220;
export const LCK_SLOT: u32 = 32;

// @ts-ignore: decorator
@inline export function cb(m: usize, cpu: u32): usize {
  return cpu_addr(m, cpu) + CB_OFF;
}

// @ts-ignore: decorator
@inline export function scheduled(m: usize, cpu: u32): bool {
  return load<u32>(cb(m, cpu), CB_HOST_N) != 0;
}

// @ts-ignore: decorator
@inline function clock_addr(m: usize, cpu: u32): usize {
  return cpu_addr(m, cpu) + VMSTAT_OFF + ST_MODELED_NS;
}

// @ts-ignore: decorator
@inline function ls(m: usize, cpu: u32, cls: u32): usize {
  return cpu_addr(m, cpu) + LS_OFF + (cls & (LS_CLASSES - 1)) * LS_SIZE;
}

// @ts-ignore: decorator
@inline function bump(a: usize, n: u64): void {
  store<u64>(a, load<u64>(a) + n);
}

// ── Lock statistics and the lock clock ──

function lock_slot(m: usize, cpu: u32, lock: usize): usize {
  if (!scheduled(m, cpu)) return 0; // one thread's batches: no clock to meet
  const vm = <usize>load<u32>(m, H_VM);
  if (!vm) return 0;
  const base = <usize>load<u32>(vm, VM_LOCK_CLOCK);
  if (!base) return 0;
  return base + <usize>(fmix32(<u32>lock) & load<u32>(vm, VM_LOCK_CLOCK_MASK)) * LCK_SLOT;
}

/**
 * Books one acquisition of `lock` (class cls) by cpu after `failed` failed
 * attempts: the statistics, and the modeled wait until its last release.
 */
export function lock_acquired_stat(m: usize, cpu: u32, cls: u32, lock: usize, failed: u32, read: bool): void {
  const s = ls(m, cpu, cls);
  bump(s + LS_ACQ, 1);
  if (failed) {
    bump(s + LS_CONTENDED, 1);
    bump(s + LS_SPINS, failed);
  }
  const slot = lock_slot(m, cpu, lock);
  if (!slot) return;
  const c = clock_addr(m, cpu);
  const now = load<u64>(c);
  if (!read) atomic.store<u64>(slot, now, 16);
  if (atomic.load<u32>(slot, 24) != worker_tag(m, cpu)) return; // another worker's clock
  let free_at = atomic.load<u64>(slot);
  if (!read) {
    const r = atomic.load<u64>(slot, 8);
    if (r > free_at) free_at = r;
  }
  if (free_at > now) {
    bump(s + LS_WAIT_NS, free_at - now);
    store<u64>(c, free_at);
    if (!read) atomic.store<u64>(slot, free_at, 16);
  }
}

// @ts-ignore: decorator
@inline function worker_tag(m: usize, cpu: u32): u32 {
  return load<u32>(cb(m, cpu), CB_HOST_FIRST) + 1;
}

/** Books the release: the hold time, and the release time later takers wait for. */
export function lock_released_stat(m: usize, cpu: u32, cls: u32, lock: usize, read: bool): void {
  const slot = lock_slot(m, cpu, lock);
  if (!slot) return;
  const now = load<u64>(clock_addr(m, cpu));
  atomic.store<u32>(slot, worker_tag(m, cpu), 24);
  if (read) {
    // the last reader out is what a writer waits for
    let seen = atomic.load<u64>(slot, 8);
    while (seen < now) {
      const was = atomic.cmpxchg<u64>(slot + 8, seen, now);
      if (was == seen) break;
      seen = was;
    }
    return;
  }
  const acq = atomic.load<u64>(slot, 16);
  if (now > acq) bump(ls(m, cpu, cls) + LS_HOLD_NS, now - acq);
  atomic.store<u64>(slot, now);
}

// ── TLB shootdown mailboxes ──

/** Posts a flush of mm (pages, or 0xffffffff for all of it) to target; the caller counts the ack it waits for. */
export function ipi_post(m: usize, from: u32, target: u32, mm: u32, start: u64, pages: u32): void {
  const box = cpu_addr(m, target) + MB_OFF;
  for (;;) {
    for (let i: u32 = 0; i < MB_SLOTS; i++) {
      const s = box + i * MB_SLOT_SIZE;
      if (atomic.cmpxchg<u32>(s, 0, 0xffff_ffff) == 0) {
        // claimed: fill it, then publish the mm (the target only reads a slot whose mm is set)
        store<u32>(s, pages, 4);
        store<u32>(s, from, 8);
        store<u64>(s, start, 16);
        atomic.store<u32>(s, mm + 1);
        return;
      }
    }
    ipi_poll(m, from); // the target's box is full: keep ours moving meanwhile
  }
}

/** Services the mailboxes of every CPU of cpu's worker (cpu alone when unscheduled). */
export function ipi_poll(m: usize, cpu: u32): void {
  const b = cb(m, cpu);
  const n = load<u32>(b, CB_HOST_N);
  if (!n) {
    ipi_service(m, cpu);
    return;
  }
  const first = load<u32>(b, CB_HOST_FIRST);
  const stride = load<u32>(b, CB_HOST_STRIDE);
  for (let k: u32 = 0; k < n; k++) ipi_service(m, first + k * stride);
}

/** The IPI handler on target: flush what each request names, then acknowledge it. */
function ipi_service(m: usize, target: u32): void {
  const box = cpu_addr(m, target) + MB_OFF;
  for (let i: u32 = 0; i < MB_SLOTS; i++) {
    const s = box + i * MB_SLOT_SIZE;
    const w = atomic.load<u32>(s);
    if (w == 0 || w == 0xffff_ffff) continue;
    const pages = load<u32>(s, 4);
    const from = load<u32>(s, 8);
    tlb_flush_local(m, target, w - 1, load<u64>(s, 16), pages);
    // the handler's own flush, on the target's clock (the initiator's wait is the round trip)
    const c = clock_addr(m, target);
    store<u64>(c, load<u64>(c) + flush_cost(m, <u64>pages));
    bump(cb(m, target) + CB_IPIS_SERVICED, 1);
    atomic.store<u32>(s, 0);
    atomic.sub<u32>(cb(m, from) + CB_ACKS, 1);
  }
}

/** Waits for every acknowledgement cpu is owed, servicing its worker's mailboxes meanwhile. */
export function ipi_wait(m: usize, cpu: u32): void {
  const acks = cb(m, cpu) + CB_ACKS;
  while (atomic.load<u32>(acks)) ipi_poll(m, cpu);
}

// ── The per-CPU TLB ──

// @ts-ignore: decorator
@inline function tlb_slot(m: usize, cpu: u32, mm: u32, vpn: u64): usize {
  return cpu_addr(m, cpu) + TLB_OFF + (<usize>(fmix32(<u32>vpn ^ (mm << 20)) & (TLB_ENTRIES - 1)) << 3);
}

// @ts-ignore: decorator
@inline function tlb_tag(mm: u32, vpn: u64): u64 {
  return TLB_V | ((<u64>mm & 0x3fff) << 48) | (vpn & 0xffff_ffff_ffff);
}

/** A TLB hit for an access to va in mm (a write needs W). */
export function tlb_lookup(m: usize, cpu: u32, mm: u32, va: u64, write: bool): bool {
  const vpn = va >> 12;
  const e = load<u64>(tlb_slot(m, cpu, mm, vpn));
  const tag = tlb_tag(mm, vpn);
  if ((e & ~TLB_W) != tag) return false;
  return !write || (e & TLB_W) != 0;
}

export function tlb_fill(m: usize, cpu: u32, mm: u32, va: u64, writable: bool): void {
  const vpn = va >> 12;
  store<u64>(tlb_slot(m, cpu, mm, vpn), tlb_tag(mm, vpn) | (writable ? TLB_W : 0));
}

/**
 * Drops cpu's entries of mm for `pages` pages from `start`: each page's own
 * entry (INVLPG), or every entry of mm when the range is above the flush
 * ceiling (a full flush; the ceiling of cost.ts). Returns how many went.
 */
export function tlb_flush_local(m: usize, cpu: u32, mm: u32, start: u64, pages: u32): u32 {
  let n: u32 = 0;
  if (<u64>pages <= flush_ceiling(m)) {
    const vpn0 = start >> 12;
    for (let i: u32 = 0; i < pages; i++) {
      const a = tlb_slot(m, cpu, mm, vpn0 + i);
      if ((load<u64>(a) & ~TLB_W) == tlb_tag(mm, vpn0 + i)) {
        store<u64>(a, 0);
        n++;
      }
    }
    return n;
  }
  const t = cpu_addr(m, cpu) + TLB_OFF;
  const want = (<u64>mm & 0x3fff) << 48;
  for (let i: u32 = 0; i < TLB_ENTRIES; i++) {
    const a = t + (<usize>i << 3);
    const e = load<u64>(a);
    if (e & TLB_V && (e & (<u64>0x3fff << 48)) == want) {
      store<u64>(a, 0);
      n++;
    }
  }
  return n;
}
