// Locks over the shared memory, built on Wasm atomics (sequentially
// consistent, so every acquire and release below is also a full barrier for
// the plain loads and stores of the critical section).
//
// Every blocking acquire has a trylock twin. The rwsem and the bit lock block
// by looping on that twin, so a later scheduler of simulated CPUs can yield
// between attempts instead of spinning. The ticket spinlock is the exception:
// its blocking form takes a ticket, which cannot be handed back, so a
// scheduler that must yield loops on spin_trylock instead (unfair, like a
// test-and-set lock, but correct next to ticket holders).
//
// These are the raw primitives. VM code takes locks through lockdep.ts, which
// adds the lock-order and "spinlock held?" tracking of debug builds.

// ╒═══════ Ticket spinlock (u32) ═══════╕
//   0 owner: u16 (now serving)   2 next: u16 (next ticket)
// └─────────────────────────────────────┘
// Fair in arrival order, like the kernel's x86 ticket locks of the 2.6.2x era.

// @ts-ignore: decorator
@inline export function spin_lock(lock: usize): void {
  const ticket = atomic.add<u16>(lock + 2, 1);
  while (atomic.load<u16>(lock) != ticket) {
    // spin: Wasm has no pause hint
  }
}

/** Takes the lock only if nobody holds it or waits for it. */
// @ts-ignore: decorator
@inline export function spin_trylock(lock: usize): bool {
  const v = atomic.load<u32>(lock);
  const owner = v & 0xffff;
  if (owner != v >> 16) return false;
  return atomic.cmpxchg<u32>(lock, v, v + 0x10000) == v;
}

// @ts-ignore: decorator
@inline export function spin_unlock(lock: usize): void {
  atomic.add<u16>(lock, 1);
}

export function spin_is_locked(lock: usize): bool {
  const v = atomic.load<u32>(lock);
  return (v & 0xffff) != v >> 16;
}

/** atomic_inc_not_zero: a reference on an object unless its count already reached 0 (being freed). */
export function atomic_inc_not_zero(count: usize): bool {
  let v = atomic.load<u32>(count);
  while (v != 0) {
    const seen = atomic.cmpxchg<u32>(count, v, v + 1);
    if (seen == v) return true;
    v = seen; // another CPU took or dropped a reference: try again
  }
  return false;
}

// ╒════════════════════ Reader-writer semaphore (u32) ════════════════════╕
//  3 3 2
//  1 0 9                                                                 0
// ├─┼─┼─────────────────────────────────────────────────────────────────┤
// │W│Q│                 readers: count of read holders                   │
// └─┴─┴─────────────────────────────────────────────────────────────────┘
// W  RWSEM_WRITER: a writer holds it (readers is then 0).
// Q  RWSEM_WAITING: a writer is waiting. New readers back off while it is
//    set, so the readers inside drain and the writer gets in: writers do not
//    starve behind a stream of overlapping readers. The writer that gets the
//    lock clears Q, and so does up_write; a writer still waiting sets it again
//    on its next failed attempt, so readers and writers take turns.
// 0 is unlocked. Like the kernel's rwsem, read acquisitions must not nest: a
// second down_read behind a waiting writer deadlocks.
export const RWSEM_WRITER: u32 = 0x8000_0000;
export const RWSEM_WAITING: u32 = 0x4000_0000;
export const RWSEM_READERS: u32 = 0x3fff_ffff;

/** Takes a read hold unless a writer holds the lock or waits for it. */
// @ts-ignore: decorator
@inline export function down_read_trylock(lock: usize): bool {
  let v = atomic.load<u32>(lock);
  while (!(v & (RWSEM_WRITER | RWSEM_WAITING))) {
    const seen = atomic.cmpxchg<u32>(lock, v, v + 1);
    if (seen == v) return true;
    v = seen; // another reader came or went: try again
  }
  return false;
}

// @ts-ignore: decorator
@inline export function down_read(lock: usize): void {
  while (!down_read_trylock(lock)) {
    // spin
  }
}

// @ts-ignore: decorator
@inline export function up_read(lock: usize): void {
  atomic.sub<u32>(lock, 1);
}

/** Takes the lock for writing if nobody holds it; does not announce a waiting writer. */
// @ts-ignore: decorator
@inline export function down_write_trylock(lock: usize): bool {
  const v = atomic.load<u32>(lock);
  if (v & (RWSEM_WRITER | RWSEM_READERS)) return false;
  return atomic.cmpxchg<u32>(lock, v, RWSEM_WRITER) == v; // clears RWSEM_WAITING
}

/**
 * One attempt of down_write: the trylock, and on failure marks a writer
 * waiting so that new readers back off. down_write loops on it; a scheduler
 * yields between calls. A caller must not give up after a failed attempt:
 * the mark keeps readers out until some writer has taken the lock.
 */
// @ts-ignore: decorator
@inline export function down_write_trywait(lock: usize): bool {
  if (down_write_trylock(lock)) return true;
  atomic.or<u32>(lock, RWSEM_WAITING);
  return false;
}

// @ts-ignore: decorator
@inline export function down_write(lock: usize): void {
  while (!down_write_trywait(lock)) {
    // spin
  }
}

// @ts-ignore: decorator
@inline export function up_write(lock: usize): void {
  atomic.and<u32>(lock, ~(RWSEM_WRITER | RWSEM_WAITING));
}

export function rwsem_is_locked(lock: usize): bool {
  return (atomic.load<u32>(lock) & (RWSEM_WRITER | RWSEM_READERS)) != 0;
}

// ╒═════════ Bit lock: one bit of a u32 flags word (PG_locked) ═════════╕
// The other bits of the word stay usable, but while the lock bit can be
// contended they must be changed with atomic RMW ops (set_bit/clear_bit in
// the kernel), never by a plain load-modify-store that could undo a lock.
// └─────────────────────────────────────────────────────────────────────╛

/** Test-and-test-and-set: a plain check first, so waiters spin on a shared cache line. */
// @ts-ignore: decorator
@inline export function bit_trylock(addr: usize, bit: u32): bool {
  const mask: u32 = 1 << bit;
  if (atomic.load<u32>(addr) & mask) return false;
  return !(atomic.or<u32>(addr, mask) & mask);
}

// @ts-ignore: decorator
@inline export function bit_lock(addr: usize, bit: u32): void {
  while (!bit_trylock(addr, bit)) {
    // spin
  }
}

// @ts-ignore: decorator
@inline export function bit_unlock(addr: usize, bit: u32): void {
  atomic.and<u32>(addr, ~(<u32>1 << bit));
}

export function bit_is_locked(addr: usize, bit: u32): bool {
  return (atomic.load<u32>(addr) & (<u32>1 << bit)) != 0;
}

/**
 * Sense-reversing barrier for `parties` threads over two u32 words at `addr`
 * (arrived count, generation). Workers block in atomic.wait, so it must only
 * be used off the main thread.
 */
export function barrier_wait(addr: usize, parties: u32): void {
  const gen = atomic.load<u32>(addr + 4);
  if (atomic.add<u32>(addr, 1) + 1 == parties) {
    atomic.store<u32>(addr, 0);
    atomic.add<u32>(addr + 4, 1);
    atomic.notify(addr + 4);
    return;
  }
  // spin a while first: a thread woken from atomic.wait starts late (microseconds to milliseconds),
  // which a timed step counts; the parties arrive close together, so the spin usually sees the release
  for (let i: u32 = 0; i < BARRIER_SPINS; i++) {
    if (atomic.load<u32>(addr + 4) != gen) return;
  }
  while (atomic.load<u32>(addr + 4) == gen) {
    atomic.wait<i32>(addr + 4, <i32>gen, -1);
  }
}

/**
 * Polls of the generation word before a barrier waiter sleeps (tens of milliseconds): piscina hands the
 * workers their tasks milliseconds apart at times, and a waiter that slept then woke up to 3 ms late.
 */
const BARRIER_SPINS: u32 = 1 << 26;
