// === Resumable simulated CPUs (issue 6 items 1, 5, 6) ===
// A worker thread runs its CPUs (first + k * stride, k < n) over their op
// streams, one step at a time, stepping the CPU with the earliest modeled
// clock (the seed breaks ties): with one worker the interleaving follows from
// the seed alone, so the same seed gives the same counters and modeled times.
// A step runs until the CPU finishes a record or yields. A CPU yields
//   - at mmap_lock when it cannot take it (the only lock held across yields),
//   - between a secondary fault's sample-and-pin and its commit (the window
//     the seq/count protocols close; domain.md §3),
//   - between the chunks of a long munmap, with its range open,
//   - after a secondary fault told to retry.
// Every other lock is taken and released inside one step, and spinning on
// one polls the worker's IPI mailboxes (smp.ts), so no placement of CPUs on
// workers can deadlock: docs/smp.md gives the argument.
import { PG_MAPPING, PTE_ADDR_MASK, PTE_D, PTE_RW } from "./layout";
import { cpu_addr, mm_addr, page_addr } from "./machine";
import { charge_lock, charge_touch } from "./cost";
import { ST_MODELED_NS, vmstat } from "./mm/vmstat";
import { mm_init, pt_lookup } from "./pagetable";
import { mmap_read_tryagain, mmap_read_unlock, mmap_write_trywait, mmap_write_unlock } from "./mm/lock";
import { FAULT_OK, handle_mm_fault } from "./mm/memory";
import {
  do_exit, do_fork, do_mmap, do_mprotect, do_mremap, do_truncate, munmap_begin, munmap_end, munmap_zap,
} from "./mm/mmap";
import { get_page_unless_zero, put_page } from "./mm/page_alloc";
import { MM_ALIVE, MM_CPUMASK, NIL, PAGE_MAPPING_ANON } from "./mm/types";
import {
  OP_AGE, OP_EXIT, OP_FAULT, OP_FORK, OP_MIGRATE, OP_MKCLEAN, OP_MMAP, OP_MPROTECT, OP_MREMAP, OP_MUNMAP,
  OP_POPULATE, OP_RECLAIM, OP_SEC_ACCESS, OP_TRUNCATE, populate, VM_OP_SIZE,
} from "./mm/ops";
import { age_page, end_writeback, migrate_page, page_mkclean, reclaim_page } from "./mm/vmscan";
import { inst_addr } from "./secondary/common";
import { SEC_BLOCKED, SEC_PENDING, SEC_RETRY, sec_fault_begin, sec_fault_commit, xpmem_settle } from "./secondary/mmu";
import { SI_MM } from "./notifier/types";
import {
  cb, CB_ATTEMPTS, CB_DONE, CB_HOST_FIRST, CB_HOST_N, CB_HOST_STRIDE, CB_K0, CB_K1, CB_N, CB_NEXT, CB_OK, CB_OPS,
  CB_PHASE, CB_SIZE, CB_TLB_HITS, CB_TLB_MISSES, CB_YIELDS, ipi_poll, MB_OFF, MB_SLOTS, MB_SLOT_SIZE, TLB_ENTRIES,
  TLB_OFF, tlb_fill, tlb_lookup,
} from "./smp";

/** A step's result when the CPU yielded instead of finishing its record. */
const YIELD: u32 = 0xffff_fffd;
/** Pages a munmap zaps per step before it yields (its range stays open across the yields). */
export const MUNMAP_CHUNK_PAGES: u32 = 16;
/** A secondary access gives up after this many retries, as OP_SEC_ACCESS does (ops.ts). */
const SEC_ATTEMPTS: u32 = 8;

/**
 * Makes cpu a scheduled CPU with the n records at ops; its worker runs
 * first + k * stride for k < hostn. The host calls it for every CPU of a run
 * before any worker starts, so every mailbox is live when the first
 * shootdown is posted.
 */
export function cpu_setup(m: usize, cpu: u32, ops: usize, n: u32, first: u32, stride: u32, hostn: u32): void {
  const b = cb(m, cpu);
  memory.fill(b, 0, CB_SIZE);
  store<u32>(b, <u32>ops, CB_OPS);
  store<u32>(b, n, CB_N);
  store<u32>(b, first, CB_HOST_FIRST);
  store<u32>(b, stride, CB_HOST_STRIDE);
  store<u32>(b, hostn, CB_HOST_N);
  memory.fill(cpu_addr(m, cpu) + MB_OFF, 0, MB_SLOTS * MB_SLOT_SIZE);
  memory.fill(cpu_addr(m, cpu) + TLB_OFF, 0, TLB_ENTRIES << 3);
  store<u64>(vmstat(m, cpu), 0, ST_MODELED_NS); // the run's modeled time starts at 0 on every CPU
}

/** After a run: cpu is no longer scheduled (shootdowns are costed, not posted, again). */
export function cpu_teardown(m: usize, cpu: u32): void {
  store<u32>(cb(m, cpu), 0, CB_HOST_N);
}

// @ts-ignore: decorator
@inline function xorshift(x: u32): u32 {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

/**
 * The worker's loop. It steps the runnable CPU with the earliest modeled
 * clock (ties broken by the seeded generator), so its CPUs take locks in
 * modeled time order and the lock clock (smp.ts) sees the contention they
 * would meet. Workers do not wait for each other's clocks (a thread held up
 * by the host would stall the others): their CPUs meet in wall time only
 * (docs/smp.md). When every stream is done the worker keeps answering
 * shootdowns until all `workers` workers have arrived at the u32 at `done`
 * (the host zeroes it). Returns the records that succeeded.
 */
export function cpu_run(m: usize, first: u32, stride: u32, n: u32, seed: u32, done: usize, workers: u32): u32 {
  let rng = seed ? seed : 0x9e37_79b9;
  for (; n;) {
    rng = xorshift(rng);
    const start = rng % n;
    let pick: u32 = 0xffff_ffff;
    let at: u64 = U64.MAX_VALUE;
    for (let j: u32 = 0; j < n; j++) {
      const cpu = first + ((start + j) % n) * stride;
      const b = cb(m, cpu);
      if (load<u32>(b, CB_NEXT) >= load<u32>(b, CB_N)) continue;
      const t = clock(m, cpu);
      if (t < at) {
        at = t;
        pick = cpu;
      }
    }
    if (pick == 0xffff_ffff) break;
    cpu_step(m, pick);
    ipi_poll(m, first);
  }
  atomic.add<u32>(done, 1);
  while (atomic.load<u32>(done) < workers) ipi_poll(m, first);
  let ok: u32 = 0;
  for (let k: u32 = 0; k < n; k++) ok += load<u32>(cb(m, first + k * stride), CB_OK);
  return ok;
}

// @ts-ignore: decorator
@inline function clock(m: usize, cpu: u32): u64 {
  return load<u64>(vmstat(m, cpu), ST_MODELED_NS);
}

/** One step of cpu: its current record runs to its end or to a yield. */
export function cpu_step(m: usize, cpu: u32): void {
  const b = cb(m, cpu);
  const i = load<u32>(b, CB_NEXT);
  const op = <usize>load<u32>(b, CB_OPS) + <usize>i * VM_OP_SIZE;
  const r = step_op(m, cpu, b, op);
  if (r == YIELD) {
    store<u32>(b, load<u32>(b, CB_YIELDS) + 1, CB_YIELDS);
    return;
  }
  xpmem_settle(m, cpu); // the record is over: nothing is held any more
  if (r != NIL && r != 0) store<u32>(b, load<u32>(b, CB_OK) + 1, CB_OK);
  store<u32>(b, load<u32>(b, CB_DONE) + 1, CB_DONE);
  store<u32>(b, i + 1, CB_NEXT);
  store<u32>(b, 0, CB_PHASE);
  store<u32>(b, 0, CB_ATTEMPTS);
}

// @ts-ignore: decorator
@inline function again(m: usize, cpu: u32, b: usize): u32 {
  store<u32>(b, load<u32>(b, CB_ATTEMPTS) + 1, CB_ATTEMPTS);
  charge_lock(m, cpu); // the failed attempt's line transfer: a waiting CPU's clock moves on
  return YIELD;
}

function step_op(m: usize, cpu: u32, b: usize, op: usize): u32 {
  const kind = load<u32>(op);
  const mm = load<u32>(op, 4);
  const a = load<u64>(op, 8);
  const e = load<u64>(op, 16);
  const c = load<u32>(op, 24);
  const d = load<u32>(op, 28);
  const phase = load<u32>(b, CB_PHASE);
  const tries = load<u32>(b, CB_ATTEMPTS);
  switch (kind) {
    case OP_FAULT:
      return touch(m, cpu, b, mm, a, c != 0);
    case OP_SEC_ACCESS:
      return sec_step(m, cpu, b, inst_addr(m, c), a, d, phase);
    case OP_MUNMAP: {
      if (phase == 0) {
        if (!mmap_write_trywait(m, cpu, mm, tries)) return again(m, cpu, b);
        if (!munmap_begin(m, cpu, mm, a, e)) {
          mmap_write_unlock(m, cpu, mm);
          return 0;
        }
        store<u64>(b, a, CB_K0); // the next page to zap
        store<u64>(b, 0, CB_K1); // PTEs cleared so far
        store<u32>(b, 1, CB_PHASE);
        return YIELD;
      }
      const at = load<u64>(b, CB_K0);
      const stop = at + (<u64>MUNMAP_CHUNK_PAGES << 12) < e ? at + (<u64>MUNMAP_CHUNK_PAGES << 12) : e;
      const cleared = load<u64>(b, CB_K1) + munmap_zap(m, cpu, mm, at, stop);
      if (stop < e) {
        store<u64>(b, stop, CB_K0);
        store<u64>(b, cleared, CB_K1);
        return YIELD;
      }
      munmap_end(m, cpu, mm, a, e, cleared);
      mmap_write_unlock(m, cpu, mm);
      return 1;
    }
    case OP_MMAP:
    case OP_MPROTECT:
    case OP_MREMAP:
    case OP_FORK:
    case OP_EXIT: {
      if (kind == OP_EXIT && !load<u32>(mm_addr(m, mm), MM_ALIVE)) return 0; // its fork failed
      if (!mmap_write_trywait(m, cpu, mm, tries)) return again(m, cpu, b);
      let ok: bool = true;
      if (kind == OP_MMAP) ok = do_mmap(m, cpu, mm, a, c, d, <u32>(e >> 32), <u32>e) != 0;
      else if (kind == OP_MPROTECT) ok = do_mprotect(m, cpu, mm, a, e, c);
      else if (kind == OP_MREMAP) ok = do_mremap(m, cpu, mm, a, e, (<u64>d << 32) | <u64>c);
      else if (kind == OP_FORK) {
        ok = mm_init(m, c);
        if (ok) {
          store<u64>(mm_addr(m, c), 0, MM_CPUMASK);
          ok = do_fork(m, cpu, mm, c);
        }
      } else do_exit(m, cpu, mm);
      mmap_write_unlock(m, cpu, mm);
      return ok ? 1 : 0;
    }
    case OP_POPULATE: {
      if (!mmap_read_tryagain(m, cpu, mm, tries)) return again(m, cpu, b);
      const r = populate(m, cpu, mm, a, e, c != 0);
      mmap_read_unlock(m, cpu, mm);
      return r;
    }
    case OP_TRUNCATE:
      do_truncate(m, cpu, c, d);
      return 1;
    case OP_RECLAIM:
    case OP_MIGRATE:
    case OP_MKCLEAN:
    case OP_AGE:
      return page_op(m, cpu, b, kind, mm, a, tries);
  }
  return NIL; // records the scheduler does not run (set-up and checks go through vm_run_batch)
}

/**
 * A CPU's load or store at va: a TLB hit costs one touch; a miss (or a write
 * through an entry that is not writable and dirty) takes the fault path
 * under mmap_lock for reading, as the hardware walk and do_page_fault would,
 * and fills the TLB from the PTE it leaves.
 */
function touch(m: usize, cpu: u32, b: usize, mm: u32, va: u64, write: bool): u32 {
  if (tlb_lookup(m, cpu, mm, va, write)) {
    store<u64>(b, load<u64>(b, CB_TLB_HITS) + 1, CB_TLB_HITS);
    charge_touch(m, cpu, 1);
    return 1;
  }
  if (!mmap_read_tryagain(m, cpu, mm, load<u32>(b, CB_ATTEMPTS))) return again(m, cpu, b);
  store<u64>(b, load<u64>(b, CB_TLB_MISSES) + 1, CB_TLB_MISSES);
  const r = handle_mm_fault(m, cpu, mm, va, write);
  const pte = pt_lookup(m, mm, va);
  if (pte) tlb_fill(m, cpu, mm, va, (pte & (PTE_RW | PTE_D)) == (PTE_RW | PTE_D));
  mmap_read_unlock(m, cpu, mm);
  return r == FAULT_OK ? 1 : 0;
}

/** OP_SEC_ACCESS as two steps: sample and pin, yield, then commit (or retry from the start). */
function sec_step(m: usize, cpu: u32, b: usize, inst: usize, va: u64, d: u32, phase: u32): u32 {
  const write = d == 2 ? (pt_lookup(m, load<u32>(inst, SI_MM), va) & PTE_RW) != 0 : d != 0;
  let r: u32;
  if (phase == 0) {
    r = sec_fault_begin(m, cpu, inst, va, write);
    if (r == SEC_BLOCKED) {
      charge_lock(m, cpu);
      return YIELD;
    }
    if (r == SEC_PENDING) {
      store<u32>(b, d == 2 ? (write ? 1 : 0) : d, CB_K0 + 4); // the write decision, kept for the commit
      store<u32>(b, 1, CB_PHASE);
      return YIELD;
    }
  } else {
    r = sec_fault_commit(m, cpu, inst, va, load<u32>(b, CB_K0 + 4) != 0);
    store<u32>(b, 0, CB_PHASE);
  }
  if (r == SEC_RETRY && load<u32>(b, CB_ATTEMPTS) + 1 < SEC_ATTEMPTS) return again(m, cpu, b);
  return r;
}

/**
 * Reclaim, migration, writeback and aging of the page mapped at va. The
 * page is found under mmap_lock for reading and pinned (get_page_unless_zero,
 * as isolate_lru_page holds a reference), so it cannot be freed and reused
 * under the operation; the rmap walk itself runs without mmap_lock.
 */
function page_op(m: usize, cpu: u32, b: usize, kind: u32, mm: u32, va: u64, tries: u32): u32 {
  if (!mmap_read_tryagain(m, cpu, mm, tries)) return again(m, cpu, b);
  const pte = pt_lookup(m, mm, va);
  const pfn = pte ? <u32>((pte & PTE_ADDR_MASK) >> 12) : NIL;
  const pinned = pfn != NIL && get_page_unless_zero(m, pfn);
  mmap_read_unlock(m, cpu, mm);
  if (!pinned) return NIL;
  let r: u32 = NIL;
  if (kind == OP_RECLAIM || kind == OP_AGE) {
    r = age_page(m, cpu, pfn); // reclaim's first scan is an aging pass, judged as `age`'s is
    if (kind == OP_RECLAIM) r = reclaim_page(m, cpu, pfn) ? 1 : 0;
  } else if (kind == OP_MIGRATE) r = migrate_page(m, cpu, pfn);
  else {
    if (load<u32>(page_addr(m, pfn), PG_MAPPING) & PAGE_MAPPING_ANON) r = 0;
    else {
      r = page_mkclean(m, cpu, pfn);
      end_writeback(m, cpu, pfn);
    }
  }
  put_page(m, cpu, pfn);
  return r;
}
