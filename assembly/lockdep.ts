// Lock classes, their order, and the tracked lock calls the VM code uses.
// docs/locking.md is the prose: the order in the kernel's indented form, what
// each lock protects in the simulator, and the notifier callbacks' contexts.
//
// Debug builds keep, per simulated CPU, a stack of the locks it holds (the
// per-CPU area, layout.ts) and count what lockdep would report: taking an
// outer lock while holding an inner one, nesting a class the kernel does not
// nest, releasing a lock not held. spin_held() answers "may this CPU sleep?".
//
// Release builds compile all of it out. asc defines the builtin constant
// ASC_NO_ASSERT from the target's noAssert option (asconfig.json: false for
// debug, true for release), and asc 0.28 folds `if (!ASC_NO_ASSERT)` at
// compile time: the untaken branch is never compiled, so the release module
// has no tracking code at all (test/locks.test.ts checks release.wat). The
// exported queries still exist there and read zeros.
import { cpu_addr } from "./machine";
import { ipi_poll, lock_acquired_stat, lock_released_stat } from "./smp";
import {
  C_HELD_LOCKS, C_HELD_SLOTS, C_LOCK_DEPTH, C_LOCK_OVERFLOW, C_LOCK_VIOLATIONS, C_SPIN_HELD, C_VIOL_HELD,
  C_VIOL_HELD_ADDR, C_VIOL_KIND, C_VIOL_NEW, C_VIOL_NEW_ADDR, HL_ADDR, HL_INFO, HL_READ, HL_SIZE, HL_WRITE,
  PG_FLAGS, PG_LOCKED,
} from "./layout";
import {
  bit_is_locked, bit_trylock, bit_unlock, down_read_trylock, down_write_trylock, down_write_trywait,
  RWSEM_WRITER, rwsem_is_locked, spin_is_locked, spin_trylock, spin_unlock, up_read, up_write,
} from "./sync";

// Lock classes, numbered in the order of mm/rmap.c's "Lock ordering in mm:"
// (2.6.27 through 2.6.31; docs/locking.md). 0 is no class.
export const LC_I_MUTEX: u32 = 1; //        inode->i_mutex
export const LC_I_ALLOC_SEM: u32 = 2; //      inode->i_alloc_sem (vmtruncate_range)
export const LC_MMAP_LOCK: u32 = 3; //        mm->mmap_sem
export const LC_PAGE_LOCK: u32 = 4; //          page->flags PG_locked (lock_page)
export const LC_I_MMAP: u32 = 5; //               mapping->i_mmap_lock
export const LC_ANON_VMA: u32 = 6; //               anon_vma->lock
export const LC_PAGE_TABLE_LOCK: u32 = 7; //          mm->page_table_lock
export const LC_PTL: u32 = 8; //                      or pte_lock (PT lock)
export const LC_LRU_LOCK: u32 = 9; //                   zone->lru_lock
export const LC_SWAP_LOCK: u32 = 10; //                 swap_lock
export const LC_MMLIST_LOCK: u32 = 11; //                 mmlist_lock
export const LC_TREE_LOCK: u32 = 12; //                     mapping->tree_lock (page cache)
export const LC_COUNT: u32 = 13;

// Kinds: what holding the lock means for the holder.
export const LK_SPIN: u32 = 0; // atomic context: the holder must not sleep
export const LK_SLEEP: u32 = 1; // a sleeping lock (mutex, rwsem, PG_locked)

// Same-class nesting, as lockdep annotates it.
export const NEST_NONE: u32 = 0; // never two of the class at once
export const NEST_SINGLE: u32 = 1; // one more at another address: spin_lock_nested(.., SINGLE_DEPTH_NESTING)
export const NEST_ALL: u32 = 2; // any number under mmap_lock held for writing: mm_take_all_locks's nest_lock

// Violation kinds (viol_kind in the per-CPU area).
export const LOCKDEP_ORDER: u32 = 1; // an outer (or same-rank) class taken while an inner one is held
export const LOCKDEP_RECURSION: u32 = 2; // the same lock again, or a same-class nesting the class does not allow
export const LOCKDEP_UNHELD: u32 = 3; // released a lock this CPU does not hold
export const LOCKDEP_MODE: u32 = 4; // released for reading what was taken for writing, or back
export const LOCKDEP_OVERFLOW: u32 = 5; // the held-lock stack was full
export const LOCKDEP_BAD_CLASS: u32 = 6; // class 0 or >= LC_COUNT

// Flags of lock_acquired_flags.
export const LF_READ: u32 = 1; // a shared (read) hold; otherwise exclusive
export const LF_TRY: u32 = 2; // a trylock that succeeded: no order check (it cannot deadlock; lockdep agrees)

/** Rank (bits 0-7: depth in the indented order), kind (bits 8-11) and nesting (bits 12-15) of a class. */
function class_info(cls: u32): u32 {
  switch (cls) {
    case LC_I_MUTEX:
      return 0 | (LK_SLEEP << 8) | (NEST_NONE << 12);
    case LC_I_ALLOC_SEM:
      return 1 | (LK_SLEEP << 8) | (NEST_NONE << 12);
    case LC_MMAP_LOCK: // dup_mmap: down_write_nested(&mm->mmap_sem, SINGLE_DEPTH_NESTING) under oldmm's
      return 1 | (LK_SLEEP << 8) | (NEST_SINGLE << 12);
    case LC_PAGE_LOCK: // a second page only by trylock (migration's newpage)
      return 2 | (LK_SLEEP << 8) | (NEST_NONE << 12);
    case LC_I_MMAP: // a spinlock until 3.0 (i_mmap_mutex)
      return 3 | (LK_SPIN << 8) | (NEST_ALL << 12);
    case LC_ANON_VMA: // a spinlock until 3.0 (anon_vma->mutex)
      return 4 | (LK_SPIN << 8) | (NEST_ALL << 12);
    case LC_PAGE_TABLE_LOCK: // copy_pte_range / move_ptes of two mms without split PT locks
      return 5 | (LK_SPIN << 8) | (NEST_SINGLE << 12);
    case LC_PTL: // copy_pte_range (dst then src), move_ptes (old then new)
      return 5 | (LK_SPIN << 8) | (NEST_SINGLE << 12);
    case LC_LRU_LOCK:
      return 6 | (LK_SPIN << 8) | (NEST_NONE << 12);
    case LC_SWAP_LOCK:
      return 6 | (LK_SPIN << 8) | (NEST_NONE << 12);
    case LC_MMLIST_LOCK:
      return 7 | (LK_SPIN << 8) | (NEST_NONE << 12);
    case LC_TREE_LOCK: // under inode_lock in the comment; the simulator has no inode_lock
      return 8 | (LK_SPIN << 8) | (NEST_NONE << 12);
  }
  return 0xffff_ffff;
}

export function lock_class_rank(cls: u32): u32 {
  return class_info(cls) & 0xff;
}

export function lock_class_kind(cls: u32): u32 {
  return (class_info(cls) >> 8) & 0xf;
}

export function lock_class_nest(cls: u32): u32 {
  return (class_info(cls) >> 12) & 0xf;
}

// ── The tracker. `ctx` is the address of a per-CPU area; the words it uses
// are at C_LOCK_DEPTH.. (layout.ts). Only its own CPU writes them. ──

// @ts-ignore: decorator
@inline function held(ctx: usize, i: u32): usize {
  return ctx + C_HELD_LOCKS + <usize>i * HL_SIZE;
}

function violation(ctx: usize, kind: u32, heldInfo: u32, heldAddr: u32, newInfo: u32, newAddr: u32): void {
  const n = load<u32>(ctx, C_LOCK_VIOLATIONS);
  store<u32>(ctx, n + 1, C_LOCK_VIOLATIONS);
  if (n) return; // the record keeps the first one, like lockdep's first report
  store<u32>(ctx, kind, C_VIOL_KIND);
  store<u32>(ctx, heldInfo & 0xffff, C_VIOL_HELD);
  store<u32>(ctx, heldAddr, C_VIOL_HELD_ADDR);
  store<u32>(ctx, newInfo, C_VIOL_NEW);
  store<u32>(ctx, newAddr, C_VIOL_NEW_ADDR);
}

// @ts-ignore: decorator
@inline function spin_held_add(ctx: usize, cls: u32, d: i32): void {
  if (lock_class_kind(cls) == LK_SPIN) store<u32>(ctx, <u32>(<i32>load<u32>(ctx, C_SPIN_HELD) + d), C_SPIN_HELD);
}

function acquire(ctx: usize, cls: u32, addr: u32, flags: u32): void {
  const info = cls | ((flags & LF_READ ? HL_READ : HL_WRITE) << 8);
  if (cls == 0 || cls >= LC_COUNT) {
    violation(ctx, LOCKDEP_BAD_CLASS, 0, 0, info, addr);
    return;
  }
  const rank = lock_class_rank(cls);
  const nest = lock_class_nest(cls);
  const depth = load<u32>(ctx, C_LOCK_DEPTH);
  let merge: usize = 0; // the entry a NEST_ALL hold joins
  if (!(flags & LF_TRY)) {
    let bad: u32 = 0;
    let offender: usize = 0;
    let same: u32 = 0;
    let sameAt: usize = 0;
    let nestHeld = false;
    for (let i = <i32>depth - 1; i >= 0; i--) {
      const e = held(ctx, <u32>i);
      const hinfo = load<u32>(e, HL_INFO);
      const hcls = hinfo & 0xff;
      if (hcls == LC_MMAP_LOCK && ((hinfo >> 8) & 3) == HL_WRITE) nestHeld = true;
      if (hcls == cls) {
        same += hinfo >> 16;
        if (!sameAt) sameAt = e;
        if (!bad && load<u32>(e, HL_ADDR) == addr) {
          bad = LOCKDEP_RECURSION;
          offender = e;
        }
      } else if (!bad && lock_class_rank(hcls) >= rank) {
        bad = LOCKDEP_ORDER;
        offender = e;
      }
    }
    if (!bad && same) {
      if (nest == NEST_NONE || (nest == NEST_SINGLE && same >= 2) || (nest == NEST_ALL && !nestHeld)) {
        bad = LOCKDEP_RECURSION;
        offender = sameAt;
      }
    }
    if (bad) violation(ctx, bad, load<u32>(offender, HL_INFO), load<u32>(offender, HL_ADDR), info, addr);
    merge = sameAt;
  } else {
    for (let i = <i32>depth - 1; i >= 0 && !merge; i--) {
      const e = held(ctx, <u32>i);
      if ((load<u32>(e, HL_INFO) & 0xff) == cls) merge = e;
    }
  }
  spin_held_add(ctx, cls, 1);
  // lockdep's hlock->references: holds of a nest-locked class share one entry,
  // so mm_take_all_locks over many VMAs fits the stack.
  if (nest == NEST_ALL && merge) {
    store<u32>(merge, load<u32>(merge, HL_INFO) + (1 << 16), HL_INFO);
    return;
  }
  if (depth >= C_HELD_SLOTS) {
    store<u32>(ctx, load<u32>(ctx, C_LOCK_OVERFLOW) + 1, C_LOCK_OVERFLOW);
    violation(ctx, LOCKDEP_OVERFLOW, 0, 0, info, addr);
    return;
  }
  const e = held(ctx, depth);
  store<u32>(e, addr, HL_ADDR);
  store<u32>(e, info | (1 << 16), HL_INFO);
  store<u32>(ctx, depth + 1, C_LOCK_DEPTH);
}

/** `mode` is HL_READ or HL_WRITE to check the release matches the hold, 0 not to check. */
function release(ctx: usize, cls: u32, addr: u32, mode: u32): void {
  if (cls == 0 || cls >= LC_COUNT) {
    violation(ctx, LOCKDEP_BAD_CLASS, 0, 0, cls | (mode << 8), addr);
    return;
  }
  const nest = lock_class_nest(cls);
  const depth = load<u32>(ctx, C_LOCK_DEPTH);
  let i = <i32>depth - 1;
  for (; i >= 0; i--) {
    const e = held(ctx, <u32>i);
    // A merged entry keeps the first lock's address: its holds match by class.
    if ((load<u32>(e, HL_INFO) & 0xff) == cls && (nest == NEST_ALL || load<u32>(e, HL_ADDR) == addr)) break;
  }
  if (i < 0) {
    const lost = load<u32>(ctx, C_LOCK_OVERFLOW);
    if (lost) {
      store<u32>(ctx, lost - 1, C_LOCK_OVERFLOW); // one the full stack did not record
      spin_held_add(ctx, cls, -1);
    } else {
      violation(ctx, LOCKDEP_UNHELD, 0, 0, cls | (mode << 8), addr);
    }
    return;
  }
  const e = held(ctx, <u32>i);
  const hinfo = load<u32>(e, HL_INFO);
  if (mode && ((hinfo >> 8) & 3) != mode) {
    violation(ctx, LOCKDEP_MODE, hinfo, load<u32>(e, HL_ADDR), cls | (mode << 8), addr);
  }
  spin_held_add(ctx, cls, -1);
  if (hinfo >> 16 > 1) {
    store<u32>(e, hinfo - (1 << 16), HL_INFO);
    return;
  }
  // Releases need not be in LIFO order: close the gap.
  memory.copy(e, e + HL_SIZE, <usize>(depth - 1 - <u32>i) * HL_SIZE);
  store<u32>(ctx, depth - 1, C_LOCK_DEPTH);
}

// ── Exported tracking calls: no-ops in release builds. ──

/** Records an exclusive, blocking acquisition; call it before blocking on the lock, as lockdep does. */
export function lock_acquired(m: usize, cpu: u32, cls: u32, addr: usize): void {
  if (!ASC_NO_ASSERT) acquire(cpu_addr(m, cpu), cls, <u32>addr, 0);
}

/** lock_acquired with LF_READ (shared hold) and/or LF_TRY (a successful trylock: recorded, not order-checked). */
export function lock_acquired_flags(m: usize, cpu: u32, cls: u32, addr: usize, flags: u32): void {
  if (!ASC_NO_ASSERT) acquire(cpu_addr(m, cpu), cls, <u32>addr, flags);
}

export function lock_released(m: usize, cpu: u32, cls: u32, addr: usize): void {
  if (!ASC_NO_ASSERT) release(cpu_addr(m, cpu), cls, <u32>addr, 0);
}

/** Spin-kind locks the CPU holds: nonzero means atomic context (always 0 in release builds). */
export function spin_held(m: usize, cpu: u32): u32 {
  return load<u32>(cpu_addr(m, cpu), C_SPIN_HELD);
}

/** Locks the CPU holds, merged holds and unrecorded overflow included. */
export function locks_held(m: usize, cpu: u32): u32 {
  const ctx = cpu_addr(m, cpu);
  let n = load<u32>(ctx, C_LOCK_OVERFLOW);
  const depth = load<u32>(ctx, C_LOCK_DEPTH);
  for (let i: u32 = 0; i < depth; i++) n += load<u32>(held(ctx, i), HL_INFO) >> 16;
  return n;
}

export function lock_order_violations(m: usize, cpu: u32): u32 {
  return load<u32>(cpu_addr(m, cpu), C_LOCK_VIOLATIONS);
}

/** HL_READ or HL_WRITE if the CPU holds the lock (a nest-locked class matches by class), else 0. */
export function lock_is_held(m: usize, cpu: u32, cls: u32, addr: usize): u32 {
  const ctx = cpu_addr(m, cpu);
  const any = lock_class_nest(cls) == NEST_ALL;
  for (let i = <i32>load<u32>(ctx, C_LOCK_DEPTH) - 1; i >= 0; i--) {
    const e = held(ctx, <u32>i);
    const hinfo = load<u32>(e, HL_INFO);
    if ((hinfo & 0xff) == cls && (any || load<u32>(e, HL_ADDR) == <u32>addr)) return (hinfo >> 8) & 3;
  }
  return 0;
}

/** Forgets the CPU's held locks, counters and violation record. */
export function lockdep_reset(m: usize, cpu: u32): void {
  memory.fill(cpu_addr(m, cpu) + C_LOCK_DEPTH, 0, C_HELD_LOCKS + C_HELD_SLOTS * HL_SIZE - C_LOCK_DEPTH);
}

// ── Tracked locks: the only lock calls VM code makes. `cls` names the class
// of the lock word at `lock`; the primitive is the caller's choice (i_mmap and
// anon_vma are rwsem words but LK_SPIN in the 2.6.27 model, docs/locking.md). ──

// Every acquisition spins on its trylock, polling the worker's IPI mailboxes
// between attempts (smp.ts: a CPU waiting here may owe an acknowledgement to
// the holder), then books the class statistics and the modeled wait.

// @ts-ignore: decorator
@inline export function lock_spin(m: usize, cpu: u32, cls: u32, lock: usize): void {
  if (!ASC_NO_ASSERT) acquire(cpu_addr(m, cpu), cls, <u32>lock, 0);
  let failed: u32 = 0;
  while (!spin_trylock(lock)) {
    failed++;
    ipi_poll(m, cpu);
  }
  lock_acquired_stat(m, cpu, cls, lock, failed, false);
}

// @ts-ignore: decorator
@inline export function trylock_spin(m: usize, cpu: u32, cls: u32, lock: usize): bool {
  if (!spin_trylock(lock)) return false;
  if (!ASC_NO_ASSERT) acquire(cpu_addr(m, cpu), cls, <u32>lock, LF_TRY);
  lock_acquired_stat(m, cpu, cls, lock, 0, false);
  return true;
}

// @ts-ignore: decorator
@inline export function unlock_spin(m: usize, cpu: u32, cls: u32, lock: usize): void {
  if (!ASC_NO_ASSERT) release(cpu_addr(m, cpu), cls, <u32>lock, HL_WRITE);
  lock_released_stat(m, cpu, cls, lock, false);
  spin_unlock(lock);
}

// @ts-ignore: decorator
@inline export function lock_read(m: usize, cpu: u32, cls: u32, lock: usize): void {
  if (!ASC_NO_ASSERT) acquire(cpu_addr(m, cpu), cls, <u32>lock, LF_READ);
  let failed: u32 = 0;
  while (!down_read_trylock(lock)) {
    failed++;
    ipi_poll(m, cpu);
  }
  lock_acquired_stat(m, cpu, cls, lock, failed, true);
}

// @ts-ignore: decorator
@inline export function trylock_read(m: usize, cpu: u32, cls: u32, lock: usize): bool {
  if (!down_read_trylock(lock)) return false;
  if (!ASC_NO_ASSERT) acquire(cpu_addr(m, cpu), cls, <u32>lock, LF_READ | LF_TRY);
  lock_acquired_stat(m, cpu, cls, lock, 0, true);
  return true;
}

// @ts-ignore: decorator
@inline export function unlock_read(m: usize, cpu: u32, cls: u32, lock: usize): void {
  if (!ASC_NO_ASSERT) release(cpu_addr(m, cpu), cls, <u32>lock, HL_READ);
  lock_released_stat(m, cpu, cls, lock, true);
  up_read(lock);
}

// @ts-ignore: decorator
@inline export function lock_write(m: usize, cpu: u32, cls: u32, lock: usize): void {
  if (!ASC_NO_ASSERT) acquire(cpu_addr(m, cpu), cls, <u32>lock, 0);
  let failed: u32 = 0;
  while (!down_write_trywait(lock)) {
    failed++;
    ipi_poll(m, cpu);
  }
  lock_acquired_stat(m, cpu, cls, lock, failed, false);
}

// @ts-ignore: decorator
@inline export function trylock_write(m: usize, cpu: u32, cls: u32, lock: usize): bool {
  if (!down_write_trylock(lock)) return false;
  if (!ASC_NO_ASSERT) acquire(cpu_addr(m, cpu), cls, <u32>lock, LF_TRY);
  lock_acquired_stat(m, cpu, cls, lock, 0, false);
  return true;
}

/**
 * One attempt of a scheduled CPU at a write hold it will keep trying for
 * (down_write_trywait: a failure marks a writer waiting, so it must retry
 * until it gets the lock). `failed` is the attempts before this one.
 */
// @ts-ignore: decorator
@inline export function trywait_write(m: usize, cpu: u32, cls: u32, lock: usize, failed: u32): bool {
  if (!down_write_trywait(lock)) return false;
  if (!ASC_NO_ASSERT) acquire(cpu_addr(m, cpu), cls, <u32>lock, LF_TRY);
  lock_acquired_stat(m, cpu, cls, lock, failed, false);
  return true;
}

/** A scheduled CPU's read attempt; `failed` as for trywait_write. */
// @ts-ignore: decorator
@inline export function tryread_counted(m: usize, cpu: u32, cls: u32, lock: usize, failed: u32): bool {
  if (!down_read_trylock(lock)) return false;
  if (!ASC_NO_ASSERT) acquire(cpu_addr(m, cpu), cls, <u32>lock, LF_READ | LF_TRY);
  lock_acquired_stat(m, cpu, cls, lock, failed, true);
  return true;
}

// @ts-ignore: decorator
@inline export function unlock_write(m: usize, cpu: u32, cls: u32, lock: usize): void {
  if (!ASC_NO_ASSERT) release(cpu_addr(m, cpu), cls, <u32>lock, HL_WRITE);
  lock_released_stat(m, cpu, cls, lock, false);
  up_write(lock);
}

/** lock_page: PG_locked of the struct page at `page`. */
// @ts-ignore: decorator
@inline export function lock_page(m: usize, cpu: u32, page: usize): void {
  if (!ASC_NO_ASSERT) acquire(cpu_addr(m, cpu), LC_PAGE_LOCK, <u32>page, 0);
  let failed: u32 = 0;
  while (!bit_trylock(page + PG_FLAGS, ctz<u32>(PG_LOCKED))) {
    failed++;
    ipi_poll(m, cpu);
  }
  lock_acquired_stat(m, cpu, LC_PAGE_LOCK, page, failed, false);
}

// @ts-ignore: decorator
@inline export function trylock_page(m: usize, cpu: u32, page: usize): bool {
  if (!bit_trylock(page + PG_FLAGS, ctz<u32>(PG_LOCKED))) return false;
  if (!ASC_NO_ASSERT) acquire(cpu_addr(m, cpu), LC_PAGE_LOCK, <u32>page, LF_TRY);
  lock_acquired_stat(m, cpu, LC_PAGE_LOCK, page, 0, false);
  return true;
}

// @ts-ignore: decorator
@inline export function unlock_page(m: usize, cpu: u32, page: usize): void {
  if (!ASC_NO_ASSERT) release(cpu_addr(m, cpu), LC_PAGE_LOCK, <u32>page, HL_WRITE);
  lock_released_stat(m, cpu, LC_PAGE_LOCK, page, false);
  bit_unlock(page + PG_FLAGS, ctz<u32>(PG_LOCKED));
}

// ── Test-only: the mutual-exclusion stress of test/locks.test.ts. ──

export const STRESS_SPIN: u32 = 0; // lock_spin, class LC_PTL
export const STRESS_WRITE: u32 = 1; // lock_write, class LC_MMAP_LOCK
export const STRESS_PAGE: u32 = 2; // lock_page on the struct page at `lock`
export const STRESS_READ: u32 = 3; // lock_read, class LC_MMAP_LOCK; only checks, never counts
export const STRESS_NONE: u32 = 4; // no lock, no flag: the lost-update baseline

/**
 * `iters` times: take the lock, bump the plain u32 at `counter` with a
 * non-atomic load and store, release. The u32 at counter + 4 is an "inside"
 * flag (atomic, so the optimizer keeps it) set for the critical section; the
 * result counts entries that found it set, i.e. exclusion failures. The u32
 * at counter + 8 gains the number of acquisitions that found the lock taken,
 * which shows the threads really contended.
 */
export function lock_stress(m: usize, cpu: u32, lock: usize, counter: usize, iters: u32, mode: u32): u32 {
  let seen: u32 = 0;
  let contended: u32 = 0;
  for (let i: u32 = 0; i < iters; i++) {
    if (mode == STRESS_NONE) {
      store<u32>(counter, load<u32>(counter) + 1);
      continue;
    }
    if (mode == STRESS_READ) {
      if (atomic.load<u32>(lock) & RWSEM_WRITER) contended++;
      lock_read(m, cpu, LC_MMAP_LOCK, lock);
      if (atomic.load<u32>(counter + 4)) seen++;
      unlock_read(m, cpu, LC_MMAP_LOCK, lock);
      continue;
    }
    if (mode == STRESS_SPIN) {
      if (spin_is_locked(lock)) contended++;
      lock_spin(m, cpu, LC_PTL, lock);
    } else if (mode == STRESS_WRITE) {
      if (rwsem_is_locked(lock)) contended++;
      lock_write(m, cpu, LC_MMAP_LOCK, lock);
    } else if (mode == STRESS_PAGE) {
      if (bit_is_locked(lock + PG_FLAGS, ctz<u32>(PG_LOCKED))) contended++;
      lock_page(m, cpu, lock);
    }
    if (atomic.load<u32>(counter + 4)) seen++;
    atomic.store<u32>(counter + 4, 1);
    store<u32>(counter, load<u32>(counter) + 1);
    atomic.store<u32>(counter + 4, 0);
    if (mode == STRESS_SPIN) unlock_spin(m, cpu, LC_PTL, lock);
    else if (mode == STRESS_WRITE) unlock_write(m, cpu, LC_MMAP_LOCK, lock);
    else if (mode == STRESS_PAGE) unlock_page(m, cpu, lock);
  }
  atomic.add<u32>(counter + 8, contended);
  return seen;
}
