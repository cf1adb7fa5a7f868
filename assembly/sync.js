"use strict";
// Locks over the shared memory, built on Wasm atomics.
Object.defineProperty(exports, "__esModule", { value: true });
exports.spin_lock = spin_lock;
exports.spin_trylock = spin_trylock;
exports.spin_unlock = spin_unlock;
exports.spin_is_locked = spin_is_locked;
exports.barrier_wait = barrier_wait;
// ╒═══════ Ticket spinlock (u32) ═══════╕
//   0 owner: u16 (now serving)   2 next: u16 (next ticket)
// └─────────────────────────────────────┘
// Fair in arrival order, like the kernel's x86 ticket locks of the 2.6.2x era.
// @ts-ignore: decorator
function spin_lock(lock) {
    const ticket = atomic.add(lock + 2, 1);
    while (atomic.load(lock) != ticket) {
        // spin: Wasm has no pause hint
    }
}
// @ts-ignore: decorator
function spin_trylock(lock) {
    const v = atomic.load(lock);
    const owner = v & 0xffff;
    if (owner != v >> 16)
        return false;
    return atomic.cmpxchg(lock, v, v + 0x10000) == v;
}
// @ts-ignore: decorator
function spin_unlock(lock) {
    atomic.add(lock, 1);
}
function spin_is_locked(lock) {
    const v = atomic.load(lock);
    return (v & 0xffff) != v >> 16;
}
/**
 * Sense-reversing barrier for `parties` threads over two u32 words at `addr`
 * (arrived count, generation). Workers block in atomic.wait, so it must only
 * be used off the main thread.
 */
function barrier_wait(addr, parties) {
    const gen = atomic.load(addr + 4);
    if (atomic.add(addr, 1) + 1 == parties) {
        atomic.store(addr, 0);
        atomic.add(addr + 4, 1);
        atomic.notify(addr + 4);
        return;
    }
    while (atomic.load(addr + 4) == gen) {
        atomic.wait(addr + 4, gen, -1);
    }
}
