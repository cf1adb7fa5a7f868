// Fixed-size object pools (VMAs, anon_vmas, anon_vma_chains): LIFO free list
// through an object's first word, then a bump pointer, like the table pools in
// machine.ts. Objects come back zeroed.
import { H_ALLOC_LOCK } from "../layout";
import { spin_lock, spin_unlock } from "../sync";
import { POOL_BASE, POOL_BUMP, POOL_CAP, POOL_FREE, POOL_OBJ, POOL_USED } from "./types";

/** A zeroed object from pool descriptor `d`, or 0 when the pool is exhausted. */
export function pool_alloc(m: usize, d: usize): usize {
  const lock = m + H_ALLOC_LOCK;
  const size = <usize>load<u32>(d, POOL_OBJ);
  spin_lock(lock);
  let o = <usize>load<u32>(d, POOL_FREE);
  if (o) {
    store<u32>(d, load<u32>(o), POOL_FREE);
  } else {
    o = <usize>load<u32>(d, POOL_BUMP);
    if ((o - <usize>load<u32>(d, POOL_BASE)) / size >= <usize>load<u32>(d, POOL_CAP)) {
      spin_unlock(lock);
      return 0;
    }
    store<u32>(d, <u32>(o + size), POOL_BUMP);
  }
  store<u32>(d, load<u32>(d, POOL_USED) + 1, POOL_USED);
  spin_unlock(lock);
  memory.fill(o, 0, size);
  return o;
}

export function pool_free(m: usize, d: usize, o: usize): void {
  const lock = m + H_ALLOC_LOCK;
  spin_lock(lock);
  store<u32>(o, load<u32>(d, POOL_FREE));
  store<u32>(d, <u32>o, POOL_FREE);
  store<u32>(d, load<u32>(d, POOL_USED) - 1, POOL_USED);
  spin_unlock(lock);
}

/** Sets up a pool over [base, base + cap * size); the first object starts at base + size so 0 stays invalid. */
export function pool_init(d: usize, base: u32, size: u32, cap: u32): void {
  store<u32>(d, base, POOL_BASE);
  store<u32>(d, size, POOL_OBJ);
  store<u32>(d, cap, POOL_CAP);
  store<u32>(d, base, POOL_BUMP);
  store<u32>(d, 0, POOL_FREE);
  store<u32>(d, 0, POOL_USED);
}
