// The primary reverse map: "every (mm, va, pte) that maps this page", in the
// four generations of domain.md §5, selected by the VM header's design.
//
//   ptechain  every page: a chain of PTE addresses (PageDirect for one mapping)
//   objlist   file pages: the address_space's linear i_mmap list; anon pages: chains
//   anonvma   file pages: the i_mmap interval tree; anon pages: the anon_vma's VMA list
//   avc       file pages: the i_mmap interval tree; anon pages: the anon_vma's tree of chains
//
// Locking (docs/locking.md): callers hold the page lock (or a reference);
// the walk takes the i_mmap or anon_vma lock, and each mapping's PT lock
// around its PTE: `one` runs with that PT lock held, on a PTE just checked
// to map the page (page_check_address returns the PTE locked). A page's
// pte_chain changes under pte_chain_lock (PG_CHAINLOCK), its mapcount by
// atomic RMW. The walk is a page-table read-side section (pagetable.ts): a
// pte_chain gives PTE addresses whose tables no lock keeps alive. An
// anonymous page's anon_vma is pinned (its refcount, taken only while
// non-zero) before it is locked, so a concurrent munmap cannot free it
// under the walk (page_lock_anon_vma).
import { itree_first, itree_next } from "../lib/itree";
import {
  CH_NEXT, CH_NR, CHAIN_NODE_SIZE, H_LEVELS, MM_PGD, PG_FLAGS, PG_DIRECT, PG_INDEX, PG_MAPCOUNT, PG_MAPPING, PG_RMAP,
  PTD_BASE, PTD_MM, PTE_ADDR_MASK, PTE_P, PTE_PSE,
} from "../layout";
import { chain_alloc, chain_free, mm_addr, page_addr, ptdesc } from "../machine";
import { pt_rcu_read_lock, pt_rcu_read_unlock } from "../pagetable";
import { bit_lock, bit_unlock } from "../sync";
import { anon_vma_lock, anon_vma_unlock, i_mmap_lock_read, i_mmap_unlock_read, pte_lock, pte_unlock } from "./lock";
import {
  AS_IMMAP, AV_ROOT, AVC_RB, AVC_VMA, PAGE_MAPPING_ANON, PG_CHAINLOCK, PRIMARY_ANONVMA, PRIMARY_OBJLIST,
  VM_SCRATCH_BASE, VM_SCRATCH_CAP, VMA_ANON_NEXT, VMA_MM, VMA_SHARED,
} from "./types";
import { vm_addr } from "./page_alloc";
import { address_space, anon_vma_put, anon_vma_tryget, design, vma_address } from "./vma";
import { count, ST_RMAP_VISITS } from "./vmstat";
import { charge_touch } from "../cost";

/** Counts rmap entries visited, each one memory touch of modeled time (cost.ts). */
// @ts-ignore: decorator
@inline function visited(m: usize, cpu: u32, n: u64): void {
  count(m, cpu, ST_RMAP_VISITS, n);
  charge_touch(m, cpu, n);
}

// ╒══════════ pte_chain node for PTE addresses (64 B; domain.md §5.1) ══════════╕
//   0 next   4 nr   8 pte[0] ... 60 pte[13]: PTE addresses (u32)
// └─────────────────────────────────────────────────────────────────────────────╛
// Inserts fill the head node; a removal moves the head's last entry into the
// hole, so only the head is ever partly full (2.6.0's pte_chain).
export const PC_ENT: u32 = 8;
export const PC_SLOTS: u32 = (CHAIN_NODE_SIZE - PC_ENT) >> 2;

/** Whether anonymous pages of this design are on pte_chains. */
// @ts-ignore: decorator
@inline function anon_on_chains(d: u32): bool {
  return d == 0 || d == PRIMARY_OBJLIST;
}

/** Whether page `pfn`'s mappings are found through its chain. */
export function page_on_chain(m: usize, pfn: u32): bool {
  const d = design(m);
  if (d == 0) return true;
  return d == PRIMARY_OBJLIST && (load<u32>(page_addr(m, pfn), PG_MAPPING) & PAGE_MAPPING_ANON) != 0;
}

// --- pte_chain maintenance ----------------------------------------------------------

// @ts-ignore: decorator
@inline function chain_lock(page: usize): void {
  bit_lock(page + PG_FLAGS, ctz<u32>(PG_CHAINLOCK));
}

// @ts-ignore: decorator
@inline function chain_unlock(page: usize): void {
  bit_unlock(page + PG_FLAGS, ctz<u32>(PG_CHAINLOCK));
}

/** Under the chain lock. */
function chain_add(m: usize, page: usize, pte: u32): bool {
  const flags = atomic.load<u32>(page + PG_FLAGS);
  const head = <usize>load<u32>(page, PG_RMAP);
  if (!head) {
    store<u32>(page, pte, PG_RMAP);
    atomic.or<u32>(page + PG_FLAGS, PG_DIRECT);
    return true;
  }
  if (flags & PG_DIRECT) {
    const n = chain_alloc(m);
    if (!n) return false;
    store<u32>(n + PC_ENT, <u32>head);
    store<u32>(n + PC_ENT + 4, pte);
    store<u32>(n, 2, CH_NR);
    store<u32>(page, <u32>n, PG_RMAP);
    atomic.and<u32>(page + PG_FLAGS, ~PG_DIRECT);
    return true;
  }
  let h = head;
  if (load<u32>(h, CH_NR) == PC_SLOTS) {
    h = chain_alloc(m);
    if (!h) return false;
    store<u32>(h, <u32>head, CH_NEXT);
    store<u32>(page, <u32>h, PG_RMAP);
  }
  const nr = load<u32>(h, CH_NR);
  store<u32>(h + PC_ENT + (<usize>nr << 2), pte);
  store<u32>(h, nr + 1, CH_NR);
  return true;
}

/** Removes pte from the page's chain (under the chain lock): O(mapcount), the cost 2.5's page_remove_rmap paid. */
function chain_remove(m: usize, cpu: u32, page: usize, pte: u32): void {
  const head = <usize>load<u32>(page, PG_RMAP);
  if (atomic.load<u32>(page + PG_FLAGS) & PG_DIRECT) {
    assert(<u32>head == pte, "PageDirect page removed through another PTE");
    store<u32>(page, 0, PG_RMAP);
    atomic.and<u32>(page + PG_FLAGS, ~PG_DIRECT);
    return;
  }
  let visits: u64 = 0;
  for (let n = head; n; n = <usize>load<u32>(n, CH_NEXT)) {
    const nr = <usize>load<u32>(n, CH_NR);
    for (let i: usize = 0; i < nr; i++) {
      visits++;
      const slot = n + PC_ENT + (i << 2);
      if (load<u32>(slot) != pte) continue;
      const hnr = load<u32>(head, CH_NR) - 1;
      const last = head + PC_ENT + (<usize>hnr << 2);
      store<u32>(slot, load<u32>(last));
      store<u32>(last, 0);
      store<u32>(head, hnr, CH_NR);
      if (!hnr) {
        store<u32>(page, load<u32>(head, CH_NEXT), PG_RMAP);
        chain_free(m, head);
      }
      visited(m, cpu, visits);
      return;
    }
  }
  assert(false, "PTE missing from its page's chain");
}

/** Replaces one PTE address by another on the page's chain (mremap's move_ptes), under the chain lock. */
function chain_replace(page: usize, from: u32, to: u32): void {
  const head = <usize>load<u32>(page, PG_RMAP);
  if (atomic.load<u32>(page + PG_FLAGS) & PG_DIRECT) {
    store<u32>(page, to, PG_RMAP);
    return;
  }
  for (let n = head; n; n = <usize>load<u32>(n, CH_NEXT)) {
    const nr = <usize>load<u32>(n, CH_NR);
    for (let i: usize = 0; i < nr; i++) {
      const slot = n + PC_ENT + (i << 2);
      if (load<u32>(slot) == from) {
        store<u32>(slot, to);
        return;
      }
    }
  }
  assert(false, "PTE missing from its page's chain");
}

// --- the rmap calls of the fault, fork, unmap and move paths ----------------------
// Callers hold the PT lock of the PTE they add, remove or move.

/** A new anonymous page's first mapping (page_add_new_anon_rmap). */
export function page_add_new_anon_rmap(m: usize, pfn: u32, anon_vma: u32, index: u32, pte: u32): bool {
  const page = page_addr(m, pfn);
  store<u32>(page, anon_vma | PAGE_MAPPING_ANON, PG_MAPPING);
  store<u32>(page, index, PG_INDEX);
  return page_dup_rmap(m, pfn, pte);
}

/** A file page mapped once more (page_add_file_rmap). */
export function page_add_file_rmap(m: usize, pfn: u32, pte: u32): bool {
  return page_dup_rmap(m, pfn, pte);
}

/** One more mapping of a page whose mapping/index are set (page_dup_rmap in fork, swap-in, migration). */
export function page_dup_rmap(m: usize, pfn: u32, pte: u32): bool {
  const page = page_addr(m, pfn);
  if (page_on_chain(m, pfn)) {
    chain_lock(page);
    const ok = chain_add(m, page, pte);
    chain_unlock(page);
    if (!ok) return false;
  }
  atomic.add<u32>(page + PG_MAPCOUNT, 1);
  return true;
}

/** The mapping at PTE address pte is gone (page_remove_rmap). */
export function page_remove_rmap(m: usize, cpu: u32, pfn: u32, pte: u32): void {
  const page = page_addr(m, pfn);
  if (page_on_chain(m, pfn)) {
    chain_lock(page);
    chain_remove(m, cpu, page, pte);
    chain_unlock(page);
  }
  const mc = <i32>atomic.sub<u32>(page + PG_MAPCOUNT, 1);
  assert(mc >= 1, "mapcount below zero");
}

/** The mapping moved from PTE address `from` to `to` (move_ptes): only chains record PTE addresses. */
export function page_move_rmap(m: usize, pfn: u32, from: u32, to: u32): void {
  if (!page_on_chain(m, pfn)) return;
  const page = page_addr(m, pfn);
  chain_lock(page);
  chain_replace(page, from, to);
  chain_unlock(page);
}

// --- the walk -------------------------------------------------------------------

/**
 * What a walk does at each mapping (try_to_unmap_one, page_mkclean_one, ...:
 * see vmscan.ts). It runs with the PTE's PT lock held, on a PTE that maps
 * the page; the walk releases the lock after it.
 */
export type RmapOne = (m: usize, cpu: u32, pfn: u32, mm: u32, va: u64, pte: usize, arg: usize) => bool;

/** The mm and va a PTE address stands for (2.5's ptep_to_mm / ptep_to_address). */
// @ts-ignore: decorator
@inline export function pte_mm(m: usize, pte: usize): u32 {
  return load<u32>(ptdesc(m, pte & ~(<usize>4095)), PTD_MM);
}

// @ts-ignore: decorator
@inline export function pte_va(m: usize, pte: usize): u64 {
  return load<u64>(ptdesc(m, pte & ~(<usize>4095)), PTD_BASE) + (<u64>((pte & 4095) >> 3) << 12);
}

/**
 * Finds the PTE that maps pfn at va in mm, as page_check_address does: a
 * page-table walk without locks, then a check that the PTE is present and
 * points at pfn. The caller checks again under the PT lock.
 */
export function page_check_address(m: usize, mm: u32, va: u64, pfn: u32): usize {
  let table = <usize>load<u32>(mm_addr(m, mm), MM_PGD);
  if (!table) return 0;
  for (let shift = 3 + 9 * load<u32>(m, H_LEVELS); ; shift -= 9) {
    const slot = table + ((<usize>(va >> shift) & 511) << 3);
    const e = atomic.load<u64>(slot);
    if (!(e & PTE_P)) return 0;
    if (shift == 12) return <u32>((e & PTE_ADDR_MASK) >> 12) == pfn ? slot : 0;
    if (e & PTE_PSE) return 0;
    table = <usize>(e & PTE_ADDR_MASK);
  }
  return unreachable();
}

/** Takes the PT lock of pte and checks that it still maps pfn; on false the lock is not held. */
// @ts-ignore: decorator
@inline function pte_lock_mapped(m: usize, cpu: u32, pte: usize, pfn: u32): bool {
  const table = pte & ~(<usize>4095);
  pte_lock(m, cpu, table);
  const e = load<u64>(pte);
  if (e & PTE_P && <u32>((e & PTE_ADDR_MASK) >> 12) == pfn) return true;
  pte_unlock(m, cpu, table);
  return false;
}

/** Calls one on a PTE that maps pfn, under its PT lock: 1 if it continued, 0 if the PTE no longer maps pfn, -1 to stop. */
// @ts-ignore: decorator
@inline function visit_pte(m: usize, cpu: u32, pfn: u32, mm: u32, va: u64, pte: usize, one: RmapOne, arg: usize): i32 {
  if (!pte_lock_mapped(m, cpu, pte, pfn)) return 0;
  const go = one(m, cpu, pfn, mm, va, pte, arg);
  pte_unlock(m, cpu, pte & ~(<usize>4095));
  return go ? 1 : -1;
}

/** Per-CPU scratch for chain snapshots: the walk's action may edit the chain it walks. */
// @ts-ignore: decorator
@inline function scratch(m: usize, cpu: u32): usize {
  const vm = vm_addr(m);
  return <usize>load<u32>(vm, VM_SCRATCH_BASE) + <usize>cpu * <usize>load<u32>(vm, VM_SCRATCH_CAP) * 4;
}

/**
 * Calls `one` for every mapping of pfn until it returns false; returns the
 * number of mappings visited. ST_RMAP_VISITS counts what the design had to
 * look at to find them: chain entries, or VMAs / chains tried. The caller
 * holds a reference on the page (or its lock).
 */
export function rmap_walk(m: usize, cpu: u32, pfn: u32, one: RmapOne, arg: usize): u32 {
  const page = page_addr(m, pfn);
  if (!atomic.load<i32>(page + PG_MAPCOUNT)) return 0;
  pt_rcu_read_lock(m, cpu);
  let r: u32;
  if (page_on_chain(m, pfn)) r = walk_chain(m, cpu, pfn, page, one, arg);
  else {
    const mapping = load<u32>(page, PG_MAPPING);
    if (mapping & PAGE_MAPPING_ANON) r = walk_anon(m, cpu, pfn, <usize>(mapping & ~PAGE_MAPPING_ANON), one, arg);
    else r = walk_file(m, cpu, pfn, mapping >> 1, one, arg);
  }
  pt_rcu_read_unlock(m, cpu);
  return r;
}

function walk_chain(m: usize, cpu: u32, pfn: u32, page: usize, one: RmapOne, arg: usize): u32 {
  const buf = scratch(m, cpu);
  const cap = load<u32>(vm_addr(m), VM_SCRATCH_CAP);
  let n: u32 = 0;
  // the snapshot: every PTE on the chain now lies in a live table, which stays
  // allocated until this read-side section ends, even if it is unmapped meanwhile
  chain_lock(page);
  const head = <usize>load<u32>(page, PG_RMAP);
  if (atomic.load<u32>(page + PG_FLAGS) & PG_DIRECT) {
    store<u32>(buf, <u32>head);
    n = 1;
  } else {
    for (let c = head; c; c = <usize>load<u32>(c, CH_NEXT)) {
      const nr = load<u32>(c, CH_NR);
      assert(n + nr <= cap, "chain longer than the scratch buffer");
      memory.copy(buf + (<usize>n << 2), c + PC_ENT, <usize>nr << 2);
      n += nr;
    }
  }
  chain_unlock(page);
  visited(m, cpu, n);
  for (let i: u32 = 0; i < n; i++) {
    const pte = <usize>load<u32>(buf + (<usize>i << 2));
    if (visit_pte(m, cpu, pfn, pte_mm(m, pte), pte_va(m, pte), pte, one, arg) < 0) return i + 1;
  }
  return n;
}

function walk_file(m: usize, cpu: u32, pfn: u32, file: u32, one: RmapOne, arg: usize): u32 {
  const as = address_space(m, file);
  const index = load<u32>(page_addr(m, pfn), PG_INDEX);
  let found: u32 = 0;
  let visits: u64 = 0;
  i_mmap_lock_read(m, cpu, as);
  if (design(m) == PRIMARY_OBJLIST) {
    // Every VMA of the file, whether or not it covers the page: Morton's 1000 x 1000 (domain.md §5.2).
    for (let vma = <usize>load<u32>(as, AS_IMMAP); vma; vma = <usize>load<u32>(vma + VMA_SHARED)) {
      visits++;
      const r = try_vma(m, cpu, pfn, vma, index, one, arg);
      if (r < 0) break;
      found += r;
    }
  } else {
    for (let node = itree_first(as + AS_IMMAP, index, index); node; node = itree_next(node, index, index)) {
      visits++;
      const r = try_vma(m, cpu, pfn, node - VMA_SHARED, index, one, arg);
      if (r < 0) break;
      found += r;
    }
  }
  i_mmap_unlock_read(m, cpu, as);
  visited(m, cpu, visits);
  return found;
}

function walk_anon(m: usize, cpu: u32, pfn: u32, av: usize, one: RmapOne, arg: usize): u32 {
  // page_lock_anon_vma: pin the anon_vma while it is still in use, then check the page is still mapped
  if (!anon_vma_tryget(av)) return 0;
  const page = page_addr(m, pfn);
  let found: u32 = 0;
  if (atomic.load<i32>(page + PG_MAPCOUNT) && load<u32>(page, PG_MAPPING) == (<u32>av | PAGE_MAPPING_ANON)) {
    const index = load<u32>(page, PG_INDEX);
    let visits: u64 = 0;
    anon_vma_lock(m, cpu, av);
    if (design(m) == PRIMARY_ANONVMA) {
      // every VMA of the fork family (Rik van Riel's O(N) per page; domain.md §8 row 12)
      for (let vma = <usize>load<u32>(av, AV_ROOT); vma; vma = <usize>load<u32>(vma, VMA_ANON_NEXT)) {
        visits++;
        const r = try_vma(m, cpu, pfn, vma, index, one, arg);
        if (r < 0) break;
        found += r;
      }
    } else {
      for (let node = itree_first(av + AV_ROOT, index, index); node; node = itree_next(node, index, index)) {
        visits++;
        const r = try_vma(m, cpu, pfn, <usize>load<u32>(node - AVC_RB, AVC_VMA), index, one, arg);
        if (r < 0) break;
        found += r;
      }
    }
    anon_vma_unlock(m, cpu, av);
    visited(m, cpu, visits);
  }
  anon_vma_put(m, av);
  return found;
}

/** 1 if vma maps the page and `one` continued, 0 if it does not map it, -1 to stop. */
// @ts-ignore: decorator
@inline function try_vma(m: usize, cpu: u32, pfn: u32, vma: usize, index: u32, one: RmapOne, arg: usize): i32 {
  const va = vma_address(vma, index);
  if (va == ~<u64>0) return 0;
  const mm = load<u32>(vma, VMA_MM);
  const pte = page_check_address(m, mm, va, pfn);
  if (!pte) return 0;
  return visit_pte(m, cpu, pfn, mm, va, pte, one, arg);
}
