// The machine header and the two pool allocators (page-table pages, pte_chain
// nodes). Regions are carved by the host; see layout.ts.
import {
  CHAIN_NODE_SIZE, CPU_AREA_SIZE, H_ALLOC_LOCK, H_CHAIN_BASE, H_CHAIN_BUMP, H_CHAIN_CAP, H_CHAIN_FREE,
  H_CHAIN_USED, H_CPU_BASE, H_FRAMES, H_MAGIC, H_MM_BASE, H_PT_BASE, H_PT_BUMP, H_PT_CAP, H_PT_FREE,
  H_PT_USED, H_PTDESC, MACHINE_MAGIC, MM_SIZE, PAGE_SIZE_BYTES, PT_BYTES, PTD_SIZE,
} from "./layout";
import { spin_lock, spin_unlock } from "./sync";

/** Checks the header the host wrote and resets the allocators. */
export function machine_init(m: usize): void {
  store<u32>(m, MACHINE_MAGIC, H_MAGIC);
  store<u32>(m, load<u32>(m, H_PT_BASE), H_PT_BUMP);
  store<u32>(m, 0, H_PT_FREE);
  store<u32>(m, 0, H_PT_USED);
  store<u32>(m, load<u32>(m, H_CHAIN_BASE) + CHAIN_NODE_SIZE, H_CHAIN_BUMP); // node 0 is the null node
  store<u32>(m, 0, H_CHAIN_FREE);
  store<u32>(m, 0, H_CHAIN_USED);
  store<u32>(m, 0, H_ALLOC_LOCK);
}

// @ts-ignore: decorator
@inline export function page_addr(m: usize, pfn: u32): usize {
  return <usize>load<u32>(m, H_FRAMES) + <usize>pfn * PAGE_SIZE_BYTES;
}

// @ts-ignore: decorator
@inline export function mm_addr(m: usize, mm: u32): usize {
  return <usize>load<u32>(m, H_MM_BASE) + <usize>mm * MM_SIZE;
}

// @ts-ignore: decorator
@inline export function cpu_addr(m: usize, cpu: u32): usize {
  return <usize>load<u32>(m, H_CPU_BASE) + <usize>cpu * CPU_AREA_SIZE;
}

/** The descriptor (used count, PT lock) of a pool table. */
// @ts-ignore: decorator
@inline export function ptdesc(m: usize, table: usize): usize {
  return <usize>load<u32>(m, H_PTDESC) + ((table - <usize>load<u32>(m, H_PT_BASE)) >> 12) * PTD_SIZE;
}

/** A zeroed 4 KiB page-table page, or 0 when the pool is exhausted. */
export function pt_alloc(m: usize): usize {
  const lock = m + H_ALLOC_LOCK;
  spin_lock(lock);
  let t = <usize>load<u32>(m, H_PT_FREE);
  if (t) {
    store<u32>(m, load<u32>(t), H_PT_FREE);
    store<u32>(t, 0); // the free-list link; the rest of a freed table is zero
  } else {
    t = <usize>load<u32>(m, H_PT_BUMP);
    // Compare table counts, not addresses: a pool that ends at 4 GiB wraps the bump address to 0.
    if ((t - <usize>load<u32>(m, H_PT_BASE)) / PT_BYTES >= <usize>load<u32>(m, H_PT_CAP)) {
      spin_unlock(lock);
      return 0;
    }
    store<u32>(m, <u32>(t + PT_BYTES), H_PT_BUMP);
    memory.fill(t, 0, PT_BYTES);
  }
  store<u32>(m, load<u32>(m, H_PT_USED) + 1, H_PT_USED);
  spin_unlock(lock);
  memory.fill(ptdesc(m, t), 0, PTD_SIZE);
  return t;
}

/** Returns an empty table to the pool. */
export function pt_free(m: usize, t: usize): void {
  const lock = m + H_ALLOC_LOCK;
  spin_lock(lock);
  store<u32>(t, load<u32>(m, H_PT_FREE));
  store<u32>(m, <u32>t, H_PT_FREE);
  store<u32>(m, load<u32>(m, H_PT_USED) - 1, H_PT_USED);
  spin_unlock(lock);
}

/** A zeroed 64-byte pte_chain node, or 0 when the pool is exhausted. */
export function chain_alloc(m: usize): usize {
  const lock = m + H_ALLOC_LOCK;
  spin_lock(lock);
  let n = <usize>load<u32>(m, H_CHAIN_FREE);
  if (n) {
    store<u32>(m, load<u32>(n), H_CHAIN_FREE);
  } else {
    n = <usize>load<u32>(m, H_CHAIN_BUMP);
    if ((n - <usize>load<u32>(m, H_CHAIN_BASE)) / CHAIN_NODE_SIZE >= <usize>load<u32>(m, H_CHAIN_CAP)) {
      spin_unlock(lock);
      return 0;
    }
    store<u32>(m, <u32>(n + CHAIN_NODE_SIZE), H_CHAIN_BUMP);
  }
  store<u32>(m, load<u32>(m, H_CHAIN_USED) + 1, H_CHAIN_USED);
  spin_unlock(lock);
  memory.fill(n, 0, CHAIN_NODE_SIZE);
  return n;
}

export function chain_free(m: usize, n: usize): void {
  const lock = m + H_ALLOC_LOCK;
  spin_lock(lock);
  store<u32>(n, load<u32>(m, H_CHAIN_FREE));
  store<u32>(m, <u32>n, H_CHAIN_FREE);
  store<u32>(m, load<u32>(m, H_CHAIN_USED) - 1, H_CHAIN_USED);
  spin_unlock(lock);
}
