// Physical index: pfn -> every (mm, va) that maps it, on cache-line-sized
// pte_chain nodes hanging off struct page (2.5 / 2.6.0-2.6.6; domain.md §5.1).
// Adding or removing a mapping also moves struct page's mapcount, as
// page_add_rmap / page_remove_rmap did.
import { mix64, sumword } from "../hash";
import { C_CHAIN_NODES, C_RMAP_VISITS, CH_ENT, CH_NEXT, CH_NR, CH_SLOTS, PG_MAPCOUNT, PG_RMAP } from "../layout";
import { chain_alloc, chain_free, cpu_addr, page_addr } from "../machine";

/** Adds (mm, va) word `ent` to pfn's chain. Returns false when out of nodes. */
export function rmap_add(m: usize, pfn: u32, ent: u64): bool {
  const page = page_addr(m, pfn);
  let head = <usize>load<u32>(page, PG_RMAP);
  if (!head || load<u32>(head, CH_NR) == CH_SLOTS) {
    const n = chain_alloc(m);
    if (!n) return false;
    store<u32>(n, <u32>head, CH_NEXT);
    store<u32>(page, <u32>n, PG_RMAP);
    head = n;
  }
  const nr = load<u32>(head, CH_NR);
  store<u64>(head + CH_ENT + (<usize>nr << 3), ent);
  store<u32>(head, nr + 1, CH_NR);
  store<i32>(page, load<i32>(page, PG_MAPCOUNT) + 1, PG_MAPCOUNT);
  return true;
}

/** Removes `ent` from pfn's chain, filling the hole from the head node. Returns false if absent. */
export function rmap_remove(m: usize, pfn: u32, ent: u64): bool {
  const page = page_addr(m, pfn);
  const head = <usize>load<u32>(page, PG_RMAP);
  for (let n = head; n; n = <usize>load<u32>(n, CH_NEXT)) {
    const nr = <usize>load<u32>(n, CH_NR);
    for (let i: usize = 0; i < nr; i++) {
      const slot = n + CH_ENT + (i << 3);
      if (load<u64>(slot) != ent) continue;
      const hnr = load<u32>(head, CH_NR) - 1;
      const last = head + CH_ENT + (<usize>hnr << 3);
      store<u64>(slot, load<u64>(last));
      store<u64>(last, 0);
      store<u32>(head, hnr, CH_NR);
      if (!hnr) {
        store<u32>(page, load<u32>(head, CH_NEXT), PG_RMAP);
        chain_free(m, head);
      }
      store<i32>(page, load<i32>(page, PG_MAPCOUNT) - 1, PG_MAPCOUNT);
      return true;
    }
  }
  return false;
}

/** Adds n mappings (u32 pfns, u64 entries). Returns how many went in before the pool ran out. */
export function rmap_add_batch(m: usize, pfns: usize, ents: usize, n: u32): u32 {
  for (let i: usize = 0; i < n; i++) {
    if (!rmap_add(m, load<u32>(pfns + (i << 2)), load<u64>(ents + (i << 3)))) return <u32>i;
  }
  return n;
}

/** Removes n mappings; returns how many were found. */
export function rmap_remove_batch(m: usize, pfns: usize, ents: usize, n: u32): u32 {
  let found: u32 = 0;
  for (let i: usize = 0; i < n; i++) {
    if (rmap_remove(m, load<u32>(pfns + (i << 2)), load<u64>(ents + (i << 3)))) found++;
  }
  return found;
}

/**
 * Visits every mapping of n PFNs (u32 array). Returns sumword(mappings visited,
 * sum of mix64(entry)); `out`, when set, gets each PFN's own checksum word.
 */
export function rmap_lookup_batch(m: usize, cpu: u32, pfns: usize, n: u32, out: usize): u64 {
  let visits: u32 = 0;
  let nodes: u32 = 0;
  let sum: u32 = 0;
  for (let i: usize = 0; i < n; i++) {
    const page = page_addr(m, load<u32>(pfns + (i << 2)));
    let cnt: u32 = 0;
    let h: u32 = 0;
    for (let c = <usize>load<u32>(page, PG_RMAP); c; c = <usize>load<u32>(c, CH_NEXT)) {
      const nr = <usize>load<u32>(c, CH_NR);
      for (let k: usize = 0; k < nr; k++) h += mix64(load<u64>(c + CH_ENT + (k << 3)));
      cnt += <u32>nr;
      nodes++;
    }
    if (out) store<u64>(out + (i << 3), sumword(cnt, h));
    visits += cnt;
    sum += h;
  }
  const c = cpu_addr(m, cpu);
  store<u64>(c, load<u64>(c, C_RMAP_VISITS) + visits, C_RMAP_VISITS);
  store<u64>(c, load<u64>(c, C_CHAIN_NODES) + nodes, C_CHAIN_NODES);
  return sumword(visits, sum);
}
