// Locks over the shared memory, built on Wasm atomics.

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
  while (atomic.load<u32>(addr + 4) == gen) {
    atomic.wait<i32>(addr + 4, <i32>gen, -1);
  }
}
