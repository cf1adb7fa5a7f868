// Importing real address spaces (issue 7; docs/snapshot.md): a PTE for a GIVEN
// frame, so a snapshot's sharing pattern is reproduced exactly, with the rmap
// each primary design keeps for it. The host (src/snapshot/import.ts) has
// created the mms and VMAs with ordinary OP_MM_INIT / OP_MMAP records, decided
// every frame's identity (a file page at (file, index) or an anonymous page at
// index) and linked the VMAs that share anonymous frames; this file installs
// the PTEs. It runs single-threaded on a fresh machine, before any other op.
import { H_NFRAMES, PG_INDEX, PG_LRU_NEXT, PG_LRU_PREV, PG_MAPPING, PG_REFCOUNT, PTE_A, PTE_D, PTE_P, PTE_RW, PTE_US } from "../layout";
import { mm_addr, page_addr } from "../machine";
import { pt_slot, pt_used_add } from "../pagetable";
import { vidx_find, vidx_insert, VIDX_NONE } from "../rmap/vindex";
import { spin_lock, spin_unlock } from "../sync";
import { mmap_write_lock, mmap_write_unlock, pte_lock, pte_unlock } from "./lock";
import { linear_index } from "./memory";
import { get_page, lru_add, vm_addr } from "./page_alloc";
import { page_add_file_rmap, page_add_new_anon_rmap, page_dup_rmap } from "./rmap";
import {
  AS_NRPAGES, AV_PARENT, MM_RSS_ANON, MM_RSS_FILE, PAGE_MAPPING_ANON, VM_ANON_PAGES, VM_NEXT_PFN, VM_NR_FREE, VM_PC,
  VM_PC_LOCK, VMA_ANON_VMA, VMA_AVC, VMA_FILE, VMA_FLAGS,
} from "./types";
import { address_space, anon_vma_fork, anon_vma_prepare, find_vma } from "./vma";

// ╒═══════════════════════ import record (32 B, the VM op record's shape) ═══════════════════════╕
//   0 kind   4 mm   8 a (u64)   16 b (u64)   24 c   28 d
// └──────────────────────────────────────────────────────────────────────────────────────────────┘
//   IMPORT_MAP    mm, a = va, c = pfn, d = IMPORT_* flags         (vm_import_map)
//   IMPORT_LINK   mm, a = va: the VMA there joins the anon memory of the VMA at b in mm c (vm_import_link)
export const IMPORT_MAP: u32 = 0x100;
export const IMPORT_LINK: u32 = 0x101;
export const IMPORT_REC_SIZE: u32 = 32;

// flags of IMPORT_MAP
/** The frame is the page-cache page of the VMA's file at the linear index of va; else anonymous. */
export const IMPORT_FILE: u32 = 1;
/** An anonymous frame mapped by more than one VMA: it goes under the family's root anon_vma. */
export const IMPORT_SHARED: u32 = 2;
export const IMPORT_WRITE: u32 = 4;
export const IMPORT_DIRTY: u32 = 8;
export const IMPORT_YOUNG: u32 = 16;

// results
export const IMPORT_OK: u32 = 0;
/** No VMA at va (or, for a link, at either address). */
export const IMPORT_NO_VMA: u32 = 1;
/** va already has a PTE; a VMA to link already has anon memory; or frames were freed (not a fresh machine). */
export const IMPORT_BUSY: u32 = 2;
/** The frame already has another identity (other file, index or kind), or the cache has another page there. */
export const IMPORT_CONFLICT: u32 = 3;
/** A pool (page tables, chains, anon_vmas, page cache) is full. */
export const IMPORT_OOM: u32 = 4;
/** pfn is not below the machine's frame count. */
export const IMPORT_BAD_PFN: u32 = 5;

// @ts-ignore: decorator
@inline function pc_key(file: u32, index: u32): u64 {
  return (<u64>file << 32) | <u64>index;
}

/** add_to_page_cache for a given frame: the cache takes its reference. Returns IMPORT_OK, _CONFLICT or _OOM. */
function add_frame_to_page_cache(m: usize, pfn: u32, file: u32, index: u32): u32 {
  const vm = vm_addr(m);
  spin_lock(vm + VM_PC_LOCK);
  const had = vidx_find(vm + VM_PC, pc_key(file, index));
  const r = had == VIDX_NONE ? vidx_insert(vm + VM_PC, pc_key(file, index), pfn) : 0;
  spin_unlock(vm + VM_PC_LOCK);
  if (had != VIDX_NONE) return IMPORT_CONFLICT;
  if (r != 1) return IMPORT_OOM;
  const page = page_addr(m, pfn);
  store<u32>(page, file << 1, PG_MAPPING);
  store<u32>(page, index, PG_INDEX);
  const as = address_space(m, file);
  store<u32>(as, load<u32>(as, AS_NRPAGES) + 1, AS_NRPAGES);
  return IMPORT_OK;
}

/** A never-used frame made allocated, as alloc_page leaves it: refcount 1, everything else clear. */
function claim_frame(m: usize, pfn: u32): void {
  const page = page_addr(m, pfn);
  memory.fill(page, 0, 36);
  store<u32>(page, 1, PG_REFCOUNT);
  store<u32>(page, 0xffff_ffff, PG_LRU_NEXT);
  store<u32>(page, 0xffff_ffff, PG_LRU_PREV);
  const vm = vm_addr(m);
  if (pfn >= load<u32>(vm, VM_NEXT_PFN)) store<u32>(vm, pfn + 1, VM_NEXT_PFN); // alloc_page hands out frames above
}

/** The oldest ancestor of an anon_vma (avc: a fork child's own anon_vma names its parent's). */
function root_anon_vma(av: u32): u32 {
  while (av && load<u32>(av, AV_PARENT)) av = load<u32>(av, AV_PARENT);
  return av;
}

function import_map(m: usize, cpu: u32, mm: u32, va: u64, pfn: u32, flags: u32): u32 {
  const vma = find_vma(m, mm, va);
  if (!vma) return IMPORT_NO_VMA;
  if (pfn >= load<u32>(m, H_NFRAMES)) return IMPORT_BAD_PFN;
  // a frame with refcount 0 must be one never handed out: nothing may have been freed yet
  if (load<u32>(vm_addr(m), VM_NR_FREE)) return IMPORT_BUSY;
  const file = load<u32>(vma, VMA_FILE);
  const is_file = (flags & IMPORT_FILE) != 0;
  if (is_file && !file) return IMPORT_CONFLICT;
  const index = linear_index(vma, va);
  const page = page_addr(m, pfn);
  const fresh = load<i32>(page, PG_REFCOUNT) == 0;
  if (!fresh) {
    const mapping = load<u32>(page, PG_MAPPING);
    const same = is_file ? mapping == file << 1 : (mapping & PAGE_MAPPING_ANON) != 0;
    if (!same || load<u32>(page, PG_INDEX) != index) return IMPORT_CONFLICT;
  }
  if (!is_file && !anon_vma_prepare(m, cpu, vma)) return IMPORT_OOM; // before any PT lock, as Linux does
  const slot = pt_slot(m, mm, va, true);
  if (slot <= 1) return IMPORT_OOM;
  if (load<u64>(slot)) return IMPORT_BUSY;
  if (is_file) {
    if (fresh) {
      claim_frame(m, pfn); // the page cache holds the first reference
      const r = add_frame_to_page_cache(m, pfn, file, index);
      if (r != IMPORT_OK) {
        memory.fill(page, 0, 36);
        return r;
      }
      lru_add(m, pfn);
    }
    get_page(m, pfn); // the mapping's reference
    if (!page_add_file_rmap(m, pfn, <u32>slot)) {
      store<i32>(page, load<i32>(page, PG_REFCOUNT) - 1, PG_REFCOUNT);
      return IMPORT_OOM;
    }
  } else {
    if (fresh) {
      let av = load<u32>(vma, VMA_ANON_VMA);
      if (flags & IMPORT_SHARED) av = root_anon_vma(av);
      claim_frame(m, pfn); // the mapping holds the first reference
      if (!page_add_new_anon_rmap(m, pfn, av, index, <u32>slot)) {
        memory.fill(page, 0, 36);
        return IMPORT_OOM;
      }
      lru_add(m, pfn);
    } else {
      get_page(m, pfn);
      if (!page_dup_rmap(m, pfn, <u32>slot)) {
        store<i32>(page, load<i32>(page, PG_REFCOUNT) - 1, PG_REFCOUNT);
        return IMPORT_OOM;
      }
    }
    store<u32>(vma, load<u32>(vma, VMA_FLAGS) | VM_ANON_PAGES, VMA_FLAGS);
  }
  let bits = PTE_P | PTE_US;
  if (flags & IMPORT_WRITE) bits |= PTE_RW;
  if (flags & IMPORT_DIRTY) bits |= PTE_D;
  if (flags & IMPORT_YOUNG) bits |= PTE_A;
  const table = slot & ~(<usize>4095);
  pte_lock(m, cpu, table);
  store<u64>(slot, (<u64>pfn << 12) | bits);
  pt_used_add(m, slot, 1);
  pte_unlock(m, cpu, table);
  const rss = mm_addr(m, mm) + (is_file ? MM_RSS_FILE : MM_RSS_ANON);
  store<i32>(rss, load<i32>(rss) + 1);
  return IMPORT_OK;
}

/**
 * Maps frame pfn at va in mm with the rmap of its kind: a file frame joins the
 * page cache at (the VMA's file, linear index) the first time and gets
 * page_add_file_rmap; an anonymous frame gets page_add_new_anon_rmap the first
 * time (under the VMA's anon_vma, or the family's root one with IMPORT_SHARED)
 * and page_dup_rmap after. Returns IMPORT_OK or the reason it could not.
 */
export function vm_import_map(m: usize, cpu: u32, mm: u32, va: u64, pfn: u32, flags: u32): u32 {
  mmap_write_lock(m, cpu, mm);
  const r = import_map(m, cpu, mm, va & ~(<u64>4095), pfn, flags);
  mmap_write_unlock(m, cpu, mm);
  return r;
}

/**
 * Links the VMA at va in mm into the anonymous memory of the VMA at pva in
 * pmm, as fork's anon_vma_fork links a child's copy (anonvma: one anon_vma
 * for the family; avc: a chain into the parent's anon_vma and one of its
 * own). Real processes that share anonymous frames are fork relatives whose
 * tree /proc does not show; the host links every VMA of such a family to its
 * first VMA. Must come before the VMA's first anonymous page.
 */
export function vm_import_link(m: usize, cpu: u32, mm: u32, va: u64, pmm: u32, pva: u64): u32 {
  mmap_write_lock(m, cpu, mm);
  const r = import_link(m, cpu, mm, va, pmm, pva);
  mmap_write_unlock(m, cpu, mm);
  return r;
}

function import_link(m: usize, cpu: u32, mm: u32, va: u64, pmm: u32, pva: u64): u32 {
  const child = find_vma(m, mm, va);
  const parent = find_vma(m, pmm, pva);
  if (!child || !parent) return IMPORT_NO_VMA;
  if (child == parent) return IMPORT_OK;
  if (load<u32>(child, VMA_ANON_VMA) || load<u32>(child, VMA_AVC)) return IMPORT_BUSY;
  if (!anon_vma_prepare(m, cpu, parent)) return IMPORT_OOM;
  return anon_vma_fork(m, cpu, child, parent) ? IMPORT_OK : IMPORT_OOM;
}

/** Runs n import records; out (when set) gets each result. Returns how many succeeded. */
export function vm_import_batch(m: usize, cpu: u32, recs: usize, n: u32, out: usize): u32 {
  let ok: u32 = 0;
  for (let i: usize = 0; i < n; i++) {
    const rec = recs + i * IMPORT_REC_SIZE;
    const kind = load<u32>(rec);
    const mm = load<u32>(rec, 4);
    let r = IMPORT_NO_VMA;
    if (kind == IMPORT_MAP) r = vm_import_map(m, cpu, mm, load<u64>(rec, 8), load<u32>(rec, 24), load<u32>(rec, 28));
    else if (kind == IMPORT_LINK) r = vm_import_link(m, cpu, mm, load<u64>(rec, 8), load<u32>(rec, 24), load<u64>(rec, 16));
    if (out) store<u32>(out + (i << 2), r);
    if (r == IMPORT_OK) ok++;
  }
  return ok;
}
