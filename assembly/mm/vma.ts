// Virtual memory areas: each mm's sorted VMA set (find_vma by binary search),
// and the two indexes that make object-based rmap work: a file's i_mmap (a
// linear list under ptechain and objlist, an interval tree under anonvma and
// avc) and anonymous memory's anon_vma (a VMA list per fork family under
// anonvma; anon_vma_chains in per-anon_vma interval trees under avc).
// domain.md §5.2. Callers hold mmap_lock for writing, except anon_vma_prepare
// (a fault, under mmap_lock for reading: it installs under page_table_lock).
// An anon_vma's refcount moves by atomic RMW: VMAs of several mms of a fork
// family change it at once, and rmap walkers pin it (anon_vma_tryget).
import { itree_insert, itree_remove } from "../lib/itree";
import { mm_addr } from "../machine";
import { charge_lock } from "../cost";
import { LC_PAGE_TABLE_LOCK, lock_spin, unlock_spin } from "../lockdep";
import { anon_vma_lock, anon_vma_unlock, i_mmap_lock_write, i_mmap_unlock_write } from "./lock";
import { pool_alloc, pool_free } from "./pool";
import {
  AS_IMMAP, AS_NR_VMAS, AS_SIZE, AV_NR, AV_PARENT, AV_REFCOUNT, AV_ROOT, AVC_ANON_VMA, AVC_NEXT, AVC_RB, AVC_VMA,
  MM_NR_VMAS, MM_PTL, PRIMARY_ANONVMA, PRIMARY_AVC, VM_AS_BASE, VM_AV_POOL, VM_AVC_POOL, VM_DESIGN, VM_VMA_POOL, VM_VMAS_BASE,
  VM_VMAS_CAP, VMA_ANON_NEXT, VMA_ANON_PREV, VMA_ANON_VMA, VMA_AVC, VMA_END, VMA_FILE, VMA_FLAGS, VMA_MM, VMA_PGOFF,
  VMA_SHARED, VMA_START,
} from "./types";
import { vm_addr } from "./page_alloc";
import { count, ST_VMAS_SPLIT } from "./vmstat";
import { atomic_inc_not_zero } from "../sync";

// @ts-ignore: decorator
@inline export function design(m: usize): u32 {
  return load<u32>(vm_addr(m), VM_DESIGN);
}

// @ts-ignore: decorator
@inline function vma_set(m: usize, mm: u32): usize {
  const vm = vm_addr(m);
  return <usize>load<u32>(vm, VM_VMAS_BASE) + <usize>mm * <usize>load<u32>(vm, VM_VMAS_CAP) * 4;
}

// @ts-ignore: decorator
@inline export function nr_vmas(m: usize, mm: u32): u32 {
  return load<u32>(mm_addr(m, mm), MM_NR_VMAS);
}

// @ts-ignore: decorator
@inline export function vma_at(m: usize, mm: u32, i: u32): usize {
  return <usize>load<u32>(vma_set(m, mm) + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline export function vma_pages(vma: usize): u32 {
  return <u32>((load<u64>(vma, VMA_END) - load<u64>(vma, VMA_START)) >> 12);
}

/** The address of page `index` of the VMA's object (vma_address; domain.md §7.2), or ~0 if outside. */
// @ts-ignore: decorator
@inline export function vma_address(vma: usize, index: u32): u64 {
  const pgoff = load<u32>(vma, VMA_PGOFF);
  if (index < pgoff || index - pgoff >= vma_pages(vma)) return ~<u64>0;
  return load<u64>(vma, VMA_START) + (<u64>(index - pgoff) << 12);
}

export function address_space(m: usize, file: u32): usize {
  return <usize>load<u32>(vm_addr(m), VM_AS_BASE) + <usize>file * AS_SIZE;
}

/** Index of the first VMA of mm whose end is above va (find_vma), or nr_vmas. */
export function find_vma_index(m: usize, mm: u32, va: u64): u32 {
  const set = vma_set(m, mm);
  let lo: u32 = 0;
  let hi = nr_vmas(m, mm);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (load<u64>(<usize>load<u32>(set + (<usize>mid << 2)), VMA_END) > va) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The VMA that contains va, or 0. */
export function find_vma(m: usize, mm: u32, va: u64): usize {
  const i = find_vma_index(m, mm, va);
  if (i >= nr_vmas(m, mm)) return 0;
  const vma = vma_at(m, mm, i);
  return load<u64>(vma, VMA_START) <= va ? vma : 0;
}

function set_insert(m: usize, mm: u32, vma: usize): bool {
  const n = nr_vmas(m, mm);
  if (n >= load<u32>(vm_addr(m), VM_VMAS_CAP)) return false;
  const i = find_vma_index(m, mm, load<u64>(vma, VMA_START));
  const set = vma_set(m, mm);
  memory.copy(set + ((<usize>i + 1) << 2), set + (<usize>i << 2), <usize>(n - i) << 2);
  store<u32>(set + (<usize>i << 2), <u32>vma);
  store<u32>(mm_addr(m, mm), n + 1, MM_NR_VMAS);
  return true;
}

function set_remove(m: usize, mm: u32, vma: usize): void {
  const n = nr_vmas(m, mm);
  const i = find_vma_index(m, mm, load<u64>(vma, VMA_START));
  assert(i < n && vma_at(m, mm, i) == vma, "VMA not in its mm's set");
  const set = vma_set(m, mm);
  memory.copy(set + (<usize>i << 2), set + ((<usize>i + 1) << 2), <usize>(n - i - 1) << 2);
  store<u32>(mm_addr(m, mm), n - 1, MM_NR_VMAS);
}

// --- i_mmap ----------------------------------------------------------------

// @ts-ignore: decorator
@inline function immap_is_tree(m: usize): bool {
  const d = design(m);
  return d == PRIMARY_ANONVMA || d == PRIMARY_AVC;
}

/** Under the i_mmap lock: vma into its file's i_mmap (the tree under its pgoff range, or the list's head). */
function immap_link(m: usize, as: usize, vma: usize): void {
  const node = vma + VMA_SHARED;
  if (immap_is_tree(m)) {
    const pgoff = load<u32>(vma, VMA_PGOFF);
    itree_insert(as + AS_IMMAP, node, pgoff, pgoff + vma_pages(vma) - 1);
  } else {
    // a list through the node's first two words: next, prev (VMA addresses)
    const head = <usize>load<u32>(as, AS_IMMAP);
    store<u32>(node, <u32>head);
    store<u32>(node, 0, 4);
    if (head) store<u32>(head + VMA_SHARED, <u32>vma, 4);
    store<u32>(as, <u32>vma, AS_IMMAP);
  }
  store<u32>(as, load<u32>(as, AS_NR_VMAS) + 1, AS_NR_VMAS);
}

/** Under the i_mmap lock: vma out of its file's i_mmap. */
function immap_unlink(m: usize, as: usize, vma: usize): void {
  const node = vma + VMA_SHARED;
  if (immap_is_tree(m)) {
    itree_remove(as + AS_IMMAP, node);
  } else {
    const next = <usize>load<u32>(node);
    const prev = <usize>load<u32>(node, 4);
    if (prev) store<u32>(prev + VMA_SHARED, <u32>next);
    else store<u32>(as, <u32>next, AS_IMMAP);
    if (next) store<u32>(next + VMA_SHARED, <u32>prev, 4);
  }
  store<u32>(as, load<u32>(as, AS_NR_VMAS) - 1, AS_NR_VMAS);
}

function immap_insert(m: usize, cpu: u32, vma: usize): void {
  const as = address_space(m, load<u32>(vma, VMA_FILE));
  i_mmap_lock_write(m, cpu, as);
  immap_link(m, as, vma);
  i_mmap_unlock_write(m, cpu, as);
}

function immap_remove(m: usize, cpu: u32, vma: usize): void {
  const as = address_space(m, load<u32>(vma, VMA_FILE));
  i_mmap_lock_write(m, cpu, as);
  immap_unlink(m, as, vma);
  i_mmap_unlock_write(m, cpu, as);
}

// --- anon_vma ----------------------------------------------------------------

function anon_vma_alloc(m: usize): usize {
  const av = pool_alloc(m, vm_addr(m) + VM_AV_POOL);
  if (av) atomic.store<u32>(av + AV_REFCOUNT, 1);
  return av;
}

// @ts-ignore: decorator
@inline function anon_vma_get(av: usize): void {
  atomic.add<u32>(av + AV_REFCOUNT, 1);
}

/** A reference on av unless its count is already 0 (freed or being freed): an rmap walker's pin. */
export function anon_vma_tryget(av: usize): bool {
  return atomic_inc_not_zero(av + AV_REFCOUNT);
}

/** Drops a reference; the last one frees the anon_vma (nothing may be linked to it by then). */
export function anon_vma_put(m: usize, av: usize): void {
  if (atomic.sub<u32>(av + AV_REFCOUNT, 1) == 1) {
    assert(load<u32>(av, AV_NR) == 0 && load<u32>(av, AV_ROOT) == 0, "freeing a busy anon_vma");
    pool_free(m, vm_addr(m) + VM_AV_POOL, av);
  }
}

/** Under av's lock: links vma into av with the chain avc (avc design; 0 otherwise). */
function anon_vma_link_locked(m: usize, vma: usize, av: usize, avc: usize): void {
  if (avc) {
    store<u32>(avc, <u32>vma, AVC_VMA);
    store<u32>(avc, <u32>av, AVC_ANON_VMA);
    store<u32>(avc, load<u32>(vma, VMA_AVC), AVC_NEXT);
    store<u32>(vma, <u32>avc, VMA_AVC);
    const pgoff = load<u32>(vma, VMA_PGOFF);
    itree_insert(av + AV_ROOT, avc + AVC_RB, pgoff, pgoff + vma_pages(vma) - 1);
  } else {
    const head = <usize>load<u32>(av, AV_ROOT);
    store<u32>(vma, <u32>head, VMA_ANON_NEXT);
    store<u32>(vma, 0, VMA_ANON_PREV);
    if (head) store<u32>(head, <u32>vma, VMA_ANON_PREV);
    store<u32>(av, <u32>vma, AV_ROOT);
  }
  store<u32>(av, load<u32>(av, AV_NR) + 1, AV_NR);
  anon_vma_get(av);
}

/** Links vma into anon_vma av: the VMA list (anonvma) or a new chain in av's tree (avc). */
function anon_vma_link(m: usize, cpu: u32, vma: usize, av: usize): bool {
  let avc: usize = 0;
  if (design(m) == PRIMARY_AVC) {
    avc = pool_alloc(m, vm_addr(m) + VM_AVC_POOL);
    if (!avc) return false;
  }
  anon_vma_lock(m, cpu, av);
  anon_vma_link_locked(m, vma, av, avc);
  anon_vma_unlock(m, cpu, av);
  return true;
}

/** Unlinks vma from every anon_vma it is on, freeing anon_vmas nothing uses any more. */
function anon_vma_unlink(m: usize, cpu: u32, vma: usize): void {
  const d = design(m);
  if (d == PRIMARY_AVC) {
    let avc = <usize>load<u32>(vma, VMA_AVC);
    while (avc) {
      const next = <usize>load<u32>(avc, AVC_NEXT);
      const av = <usize>load<u32>(avc, AVC_ANON_VMA);
      anon_vma_lock(m, cpu, av);
      itree_remove(av + AV_ROOT, avc + AVC_RB);
      store<u32>(av, load<u32>(av, AV_NR) - 1, AV_NR);
      anon_vma_unlock(m, cpu, av);
      pool_free(m, vm_addr(m) + VM_AVC_POOL, avc);
      anon_vma_put(m, av);
      avc = next;
    }
    store<u32>(vma, 0, VMA_AVC);
  } else if (d == PRIMARY_ANONVMA) {
    const av = <usize>load<u32>(vma, VMA_ANON_VMA);
    if (!av) return;
    anon_vma_lock(m, cpu, av);
    const next = <usize>load<u32>(vma, VMA_ANON_NEXT);
    const prev = <usize>load<u32>(vma, VMA_ANON_PREV);
    if (prev) store<u32>(prev, <u32>next, VMA_ANON_NEXT);
    else store<u32>(av, <u32>next, AV_ROOT);
    if (next) store<u32>(next, <u32>prev, VMA_ANON_PREV);
    store<u32>(av, load<u32>(av, AV_NR) - 1, AV_NR);
    anon_vma_unlock(m, cpu, av);
    anon_vma_put(m, av);
  }
  if (load<u32>(vma, VMA_ANON_VMA)) {
    const av = <usize>load<u32>(vma, VMA_ANON_VMA);
    store<u32>(vma, 0, VMA_ANON_VMA);
    anon_vma_put(m, av); // the VMA's own reference
  }
}

/**
 * Gives an anonymous VMA its anon_vma before the first anonymous page
 * (anon_vma_prepare). Faults run it under mmap_lock for reading, so two CPUs
 * may both find the VMA without one: each allocates, then installs under the
 * new anon_vma's lock and the mm's page_table_lock only if the VMA still has
 * none; the loser frees its own.
 */
export function anon_vma_prepare(m: usize, cpu: u32, vma: usize): bool {
  const d = design(m);
  if (d != PRIMARY_ANONVMA && d != PRIMARY_AVC) return true;
  if (atomic.load<u32>(vma + VMA_ANON_VMA)) return true;
  const av = anon_vma_alloc(m);
  if (!av) return false;
  let avc: usize = 0;
  if (d == PRIMARY_AVC) {
    avc = pool_alloc(m, vm_addr(m) + VM_AVC_POOL);
    if (!avc) {
      pool_free(m, vm_addr(m) + VM_AV_POOL, av);
      return false;
    }
  }
  const ptl = mm_addr(m, load<u32>(vma, VMA_MM)) + MM_PTL;
  anon_vma_lock(m, cpu, av);
  charge_lock(m, cpu);
  lock_spin(m, cpu, LC_PAGE_TABLE_LOCK, ptl);
  const won = atomic.load<u32>(vma + VMA_ANON_VMA) == 0;
  if (won) {
    anon_vma_link_locked(m, vma, av, avc);
    atomic.store<u32>(vma + VMA_ANON_VMA, <u32>av); // holds the initial reference
  }
  unlock_spin(m, cpu, LC_PAGE_TABLE_LOCK, ptl);
  anon_vma_unlock(m, cpu, av);
  if (!won) {
    // another CPU's anon_vma went in first; ours was never seen
    if (avc) pool_free(m, vm_addr(m) + VM_AVC_POOL, avc);
    pool_free(m, vm_addr(m) + VM_AV_POOL, av);
  }
  return true;
}

/**
 * Links a child's copy of a VMA into its parent's anon memory (anon_vma_fork):
 * anonvma joins the family's one anon_vma; avc clones every chain of the
 * parent VMA and gives the child an anon_vma of its own for the pages it
 * will COW (2.6.34, Rik van Riel; domain.md §5.2).
 */
export function anon_vma_fork(m: usize, cpu: u32, child: usize, parent: usize): bool {
  const pav = <usize>load<u32>(parent, VMA_ANON_VMA);
  if (!pav) return true;
  const d = design(m);
  if (d == PRIMARY_ANONVMA) {
    anon_vma_get(pav);
    store<u32>(child, <u32>pav, VMA_ANON_VMA);
    return anon_vma_link(m, cpu, child, pav);
  }
  if (d != PRIMARY_AVC) return true;
  if (!anon_vma_clone(m, cpu, child, parent)) return false;
  const av = anon_vma_alloc(m);
  if (!av) return false;
  store<u32>(av, <u32>pav, AV_PARENT);
  store<u32>(child, <u32>av, VMA_ANON_VMA);
  return anon_vma_link(m, cpu, child, av);
}

/** Gives dst a chain to every anon_vma src is chained to (anon_vma_clone). */
function anon_vma_clone(m: usize, cpu: u32, dst: usize, src: usize): bool {
  // src's chains are newest first; link oldest first so dst's list ends up in the same order
  let n: u32 = 0;
  for (let avc = <usize>load<u32>(src, VMA_AVC); avc; avc = <usize>load<u32>(avc, AVC_NEXT)) n++;
  for (let k = n; k > 0; k--) {
    let avc = <usize>load<u32>(src, VMA_AVC);
    for (let i: u32 = 1; i < k; i++) avc = <usize>load<u32>(avc, AVC_NEXT);
    if (!anon_vma_link(m, cpu, dst, <usize>load<u32>(avc, AVC_ANON_VMA))) return false;
  }
  return true;
}

// --- VMA lifecycle -------------------------------------------------------------

/** Creates and links a VMA; returns 0 when a pool or the mm's VMA set is full. The range must be free. */
export function vma_create(m: usize, cpu: u32, mm: u32, start: u64, end: u64, flags: u32, file: u32, pgoff: u32): usize {
  const vma = pool_alloc(m, vm_addr(m) + VM_VMA_POOL);
  if (!vma) return 0;
  store<u64>(vma, start, VMA_START);
  store<u64>(vma, end, VMA_END);
  store<u32>(vma, flags, VMA_FLAGS);
  store<u32>(vma, file ? pgoff : <u32>(start >> 12), VMA_PGOFF);
  store<u32>(vma, file, VMA_FILE);
  store<u32>(vma, mm, VMA_MM);
  if (!set_insert(m, mm, vma)) {
    pool_free(m, vm_addr(m) + VM_VMA_POOL, vma);
    return 0;
  }
  if (file) immap_insert(m, cpu, vma);
  return vma;
}

/** Unlinks a VMA from its mm, i_mmap and anon_vma and frees it; its pages must be unmapped. */
export function vma_destroy(m: usize, cpu: u32, vma: usize): void {
  set_remove(m, load<u32>(vma, VMA_MM), vma);
  if (load<u32>(vma, VMA_FILE)) immap_remove(m, cpu, vma);
  anon_vma_unlink(m, cpu, vma);
  pool_free(m, vm_addr(m) + VM_VMA_POOL, vma);
}

/** A copy of a parent's VMA for mm (dup_mmap), linked into i_mmap and the parent's anon memory. */
export function vma_dup(m: usize, cpu: u32, mm: u32, parent: usize): usize {
  const vma = pool_alloc(m, vm_addr(m) + VM_VMA_POOL);
  if (!vma) return 0;
  memory.copy(vma, parent, VMA_SHARED); // range, flags, pgoff, file, then fix the links
  store<u32>(vma, mm, VMA_MM);
  store<u32>(vma, 0, VMA_ANON_VMA);
  store<u32>(vma, 0, VMA_AVC);
  if (!set_insert(m, mm, vma)) {
    pool_free(m, vm_addr(m) + VM_VMA_POOL, vma);
    return 0;
  }
  if (load<u32>(vma, VMA_FILE)) immap_insert(m, cpu, vma);
  if (!anon_vma_fork(m, cpu, vma, parent)) return 0;
  return vma;
}

/**
 * Splits vma at addr (split_vma): vma keeps [start, addr), a new VMA takes
 * [addr, end) with the matching pgoff, in the same file and anon memory.
 * Returns the new VMA or 0.
 *
 * Rmap walkers run meanwhile (they read a VMA's range under its i_mmap or
 * anon_vma lock), so no page of [start, end) may go missing from the rmap
 * for a moment, as vma_adjust's locking ensures: the new VMA joins the
 * anon memory first (a walk may find a page through both VMAs for a while,
 * which the PT-locked recheck of each PTE makes harmless); the file's
 * i_mmap is re-keyed under one hold of its lock; each anon_vma_chain of vma
 * is re-keyed under one hold of its anon_vma's lock.
 */
export function vma_split(m: usize, cpu: u32, vma: usize, addr: u64): usize {
  const mm = load<u32>(vma, VMA_MM);
  const start = load<u64>(vma, VMA_START);
  const end = load<u64>(vma, VMA_END);
  assert(addr > start && addr < end && !(addr & 0xfff), "bad split address");
  if (nr_vmas(m, mm) >= load<u32>(vm_addr(m), VM_VMAS_CAP)) return 0;
  const file = load<u32>(vma, VMA_FILE);
  const d = design(m);
  const nv = pool_alloc(m, vm_addr(m) + VM_VMA_POOL);
  if (!nv) return 0;
  memory.copy(nv, vma, VMA_SHARED);
  store<u64>(nv, addr, VMA_START);
  store<u64>(nv, end, VMA_END);
  store<u32>(nv, load<u32>(vma, VMA_PGOFF) + <u32>((addr - start) >> 12), VMA_PGOFF);
  store<u32>(nv, 0, VMA_AVC);
  // the new VMA's anon memory first: [addr, end) is found through it from here on
  if (d == PRIMARY_AVC) {
    if (!anon_vma_clone(m, cpu, nv, vma)) return 0;
    const av = <usize>load<u32>(nv, VMA_ANON_VMA);
    if (av) anon_vma_get(av);
  } else if (d == PRIMARY_ANONVMA) {
    const av = <usize>load<u32>(nv, VMA_ANON_VMA);
    if (av) {
      anon_vma_get(av);
      if (!anon_vma_link(m, cpu, nv, av)) return 0;
    }
  }
  if (file) {
    const as = address_space(m, file);
    i_mmap_lock_write(m, cpu, as);
    immap_unlink(m, as, vma);
    store<u64>(vma, addr, VMA_END);
    immap_link(m, as, vma);
    immap_link(m, as, nv);
    i_mmap_unlock_write(m, cpu, as);
  } else store<u64>(vma, addr, VMA_END);
  // vma's chains under their new keys, each re-keyed under one hold of its anon_vma's lock
  if (d == PRIMARY_AVC) avc_rekey(m, cpu, vma);
  set_insert(m, mm, nv); // cannot fail: checked above
  count(m, cpu, ST_VMAS_SPLIT);
  return nv;
}

/** Re-keys every chain of vma in its anon_vma's tree under the VMA's current range. */
function avc_rekey(m: usize, cpu: u32, vma: usize): void {
  const pgoff = load<u32>(vma, VMA_PGOFF);
  for (let avc = <usize>load<u32>(vma, VMA_AVC); avc; avc = <usize>load<u32>(avc, AVC_NEXT)) {
    const av = <usize>load<u32>(avc, AVC_ANON_VMA);
    anon_vma_lock(m, cpu, av);
    itree_remove(av + AV_ROOT, avc + AVC_RB);
    itree_insert(av + AV_ROOT, avc + AVC_RB, pgoff, pgoff + vma_pages(vma) - 1);
    anon_vma_unlock(m, cpu, av);
  }
}

/**
 * Takes every rmap lock that lets a walker find vma: its file's i_mmap lock,
 * then the lock of each anon_vma it is chained to (nested under mmap_lock
 * held for writing, as mm_take_all_locks). mremap holds them while the PTEs
 * and the VMA move, so a walk sees the mapping at its old place or its new
 * one, never neither.
 */
export function vma_lock_rmap(m: usize, cpu: u32, vma: usize): void {
  const file = load<u32>(vma, VMA_FILE);
  if (file) i_mmap_lock_write(m, cpu, address_space(m, file));
  const d = design(m);
  if (d == PRIMARY_AVC) {
    for (let avc = <usize>load<u32>(vma, VMA_AVC); avc; avc = <usize>load<u32>(avc, AVC_NEXT)) {
      anon_vma_lock(m, cpu, <usize>load<u32>(avc, AVC_ANON_VMA));
    }
  } else if (d == PRIMARY_ANONVMA) {
    const av = <usize>load<u32>(vma, VMA_ANON_VMA);
    if (av) anon_vma_lock(m, cpu, av);
  }
}

export function vma_unlock_rmap(m: usize, cpu: u32, vma: usize): void {
  const d = design(m);
  if (d == PRIMARY_AVC) {
    for (let avc = <usize>load<u32>(vma, VMA_AVC); avc; avc = <usize>load<u32>(avc, AVC_NEXT)) {
      anon_vma_unlock(m, cpu, <usize>load<u32>(avc, AVC_ANON_VMA));
    }
  } else if (d == PRIMARY_ANONVMA) {
    const av = <usize>load<u32>(vma, VMA_ANON_VMA);
    if (av) anon_vma_unlock(m, cpu, av);
  }
  const file = load<u32>(vma, VMA_FILE);
  if (file) i_mmap_unlock_write(m, cpu, address_space(m, file));
}

/** Moves a VMA to a new start (mremap's move of a whole VMA): pgoff stays, so rmap addresses follow. */
export function vma_move(m: usize, cpu: u32, vma: usize, new_start: u64): bool {
  const mm = load<u32>(vma, VMA_MM);
  const len = load<u64>(vma, VMA_END) - load<u64>(vma, VMA_START);
  set_remove(m, mm, vma);
  store<u64>(vma, new_start, VMA_START);
  store<u64>(vma, new_start + len, VMA_END);
  return set_insert(m, mm, vma);
}
