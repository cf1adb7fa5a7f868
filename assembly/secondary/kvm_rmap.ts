// KVM's rmap of a gfn: every spte that maps it, one inline or a chain of
// descriptors of rmap_ext slots (3 in 2.6.3x's pte_list_desc, 14 since Peter
// Xu's 2021 change; domain.md §4.1, §8 row 15). A gfn has several sptes when
// several shadow roots map it (`aliases`).
import { pool_alloc, pool_free } from "../mm/pool";
import { KD_COUNT, KD_MORE, KD_SPTES, NF_DESC_POOL, NF_RMAP_EXT, NS_KVM_RMAP_VISITS } from "../notifier/types";
import { ncount, nf_addr } from "./common";

/** Adds spte address `spte` to the rmap head at `head`. Returns false when out of descriptors. */
export function kvm_rmap_add(m: usize, head: usize, spte: u32): bool {
  const h = load<u32>(head);
  if (!h) {
    store<u32>(head, spte);
    return true;
  }
  const nf = nf_addr(m);
  const ext = load<u32>(nf, NF_RMAP_EXT);
  if (!(h & 1)) {
    const d = pool_alloc(m, nf + NF_DESC_POOL);
    if (!d) return false;
    store<u32>(d + KD_SPTES, h);
    store<u32>(d + KD_SPTES + 4, spte);
    store<u32>(d, 2, KD_COUNT);
    store<u32>(head, <u32>d | 1);
    return true;
  }
  let d = <usize>(h & ~1);
  const n = load<u32>(d, KD_COUNT);
  if (n < ext) {
    store<u32>(d + KD_SPTES + (<usize>n << 2), spte);
    store<u32>(d, n + 1, KD_COUNT);
    return true;
  }
  const nd = pool_alloc(m, nf + NF_DESC_POOL);
  if (!nd) return false;
  store<u32>(nd, <u32>d, KD_MORE);
  store<u32>(nd + KD_SPTES, spte);
  store<u32>(nd, 1, KD_COUNT);
  store<u32>(head, <u32>nd | 1);
  return true;
}

/** What a walk does with each spte; `first` is the gfn's primary (alias 0) entry. */
export type SpteFn = (m: usize, cpu: u32, inst: usize, spte: usize, first: usize) => void;

/**
 * Visits every spte of the gfn and empties its rmap (the zap of
 * kvm_unmap_rmapp), freeing the descriptors; counts each entry and
 * descriptor visited.
 */
export function kvm_rmap_zap(m: usize, cpu: u32, inst: usize, head: usize, first: usize, fn: SpteFn): void {
  const h = load<u32>(head);
  if (!h) return;
  store<u32>(head, 0);
  if (!(h & 1)) {
    ncount(m, cpu, NS_KVM_RMAP_VISITS);
    fn(m, cpu, inst, <usize>h, first);
    return;
  }
  let visits: u64 = 0;
  let d = <usize>(h & ~1);
  const pool = nf_addr(m) + NF_DESC_POOL;
  while (d) {
    visits++;
    const n = load<u32>(d, KD_COUNT);
    for (let i: u32 = 0; i < n; i++) fn(m, cpu, inst, <usize>load<u32>(d + KD_SPTES + (<usize>i << 2)), first);
    visits += n;
    const more = <usize>load<u32>(d, KD_MORE);
    pool_free(m, pool, d);
    d = more;
  }
  ncount(m, cpu, NS_KVM_RMAP_VISITS, visits);
}
