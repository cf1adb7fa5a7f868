// The primary MMU's batch entry: an array of operation records run inside
// Wasm, so a workload crosses the JS boundary once per batch.
import { PG_MAPPING, PTE_ADDR_MASK, PTE_RW } from "../layout";
import { mm_addr, page_addr } from "../machine";
import { mm_init, pt_lookup } from "../pagetable";
import { mmap_read_lock, mmap_read_unlock, mmap_write_lock, mmap_write_unlock } from "./lock";
import { FAULT_OK, handle_mm_fault } from "./memory";
import { do_exit, do_fork, do_mmap, do_mprotect, do_mremap, do_munmap, do_truncate } from "./mmap";
import { pool_init } from "./pool";
import { rmap_walk } from "./rmap";
import { get_page_unless_zero, put_page } from "./page_alloc";
import {
  AVC_SIZE, AV_SIZE, MM_ALIVE, MM_CPUMASK, NIL, PAGE_MAPPING_ANON, POOL_BASE, POOL_CAP, VM_AV_POOL, VM_AVC_POOL, VM_FREE_HEAD, VM_LRU_HEAD,
  VM_LRU_TAIL, VM_NEXT_PFN, VM_NR_FREE, VM_NR_LRU, VM_SWAP_BUMP, VM_SWAP_FREE, VM_SWAP_USED, VM_VMA_POOL, VMA_SIZE,
} from "./types";
import { vm_addr } from "./page_alloc";
import { check_coherence } from "../check";
import { cost_init } from "../cost";
import { sec_attach } from "../notifier/register";
import {
  NF_CHECK_EVERY, NF_DESC_POOL, NF_ENT_BUMP, NF_EXT_POOL, NF_INST_USED, NF_RMAP_EXT, NF_RMAP_KINDS, NF_SINCE_CHECK,
  SI_MM, XR_SIZE,
} from "../notifier/types";
import { inst_addr, nf_addr } from "../secondary/common";
import { SEC_RETRY, sec_access, xpmem_settle } from "../secondary/mmu";
import { age_page, end_writeback, migrate_page, page_mkclean, page_referenced, reclaim_page } from "./vmscan";

// ╒═══════════════════════ VM operation record (32 B) ═══════════════════════╕
//   0 kind   4 mm   8 a (u64)   16 b (u64)   24 c   28 d
// └──────────────────────────────────────────────────────────────────────────╛
//   OP_MM_INIT    mm
//   OP_MMAP       mm, a = start, c = pages, d = vm_flags, b = file << 32 | pgoff
//   OP_FAULT      mm, a = va, c = 1 for a write                    -> FAULT_*
//   OP_MUNMAP     mm, a = start, b = end
//   OP_MPROTECT   mm, a = start, b = end, c = vm_flags (read/write/exec)
//   OP_MREMAP     mm, a = start, b = end, c | d << 32 = new start
//   OP_FORK       mm = parent, c = child
//   OP_EXIT       mm
//   OP_TRUNCATE   c = file, d = pages to keep
//   OP_RECLAIM, OP_MIGRATE, OP_MKCLEAN, OP_AGE   mm, a = va: the page mapped there
//   OP_POPULATE   mm, a = start, b = end, c = 1 for writes: a fault on every page (MAP_POPULATE)
//   OP_ATTACH     mm, c = secondary kind, a = first va, d = pages      -> instance id
//   OP_SEC_ACCESS c = instance id, a = va, d = 1 for a write (2: a write where the PTE is writable) -> SEC_*
//   OP_CHECK      the coherence checker over the whole machine          -> violations found
// Each writes a u32 result to out[i]: 0/1 for success, a fault code, the new
// pfn of a migration, the count of mappings cleaned or young.
export const OP_MM_INIT: u32 = 0;
export const OP_MMAP: u32 = 1;
export const OP_FAULT: u32 = 2;
export const OP_MUNMAP: u32 = 3;
export const OP_MPROTECT: u32 = 4;
export const OP_MREMAP: u32 = 5;
export const OP_FORK: u32 = 6;
export const OP_EXIT: u32 = 7;
export const OP_TRUNCATE: u32 = 8;
export const OP_RECLAIM: u32 = 9;
export const OP_MIGRATE: u32 = 10;
export const OP_MKCLEAN: u32 = 11;
export const OP_AGE: u32 = 12;
export const OP_POPULATE: u32 = 13;
export const OP_ATTACH: u32 = 14;
export const OP_SEC_ACCESS: u32 = 15;
export const OP_CHECK: u32 = 16;
export const VM_OP_SIZE: u32 = 32;

/** Readies a machine's primary MMU once the host has written the VM header's regions. */
export function vm_init(m: usize): void {
  const vm = vm_addr(m);
  store<u32>(vm, NIL, VM_FREE_HEAD);
  store<u32>(vm, 0, VM_NR_FREE);
  store<u32>(vm, NIL, VM_LRU_HEAD);
  store<u32>(vm, NIL, VM_LRU_TAIL);
  store<u32>(vm, 0, VM_NR_LRU);
  store<u32>(vm, 0, VM_NEXT_PFN);
  store<u32>(vm, NIL, VM_SWAP_FREE);
  store<u32>(vm, 0, VM_SWAP_BUMP);
  store<u32>(vm, 0, VM_SWAP_USED);
  // the host wrote each pool's base and capacity; objects start one size in so 0 stays invalid
  init_pool(vm + VM_VMA_POOL, VMA_SIZE);
  init_pool(vm + VM_AVC_POOL, AVC_SIZE);
  init_pool(vm + VM_AV_POOL, AV_SIZE);
  cost_init(m);
  const nf = nf_addr(m);
  if (nf) {
    init_pool(nf + NF_EXT_POOL, XR_SIZE);
    init_pool(nf + NF_DESC_POOL, 8 + 4 * load<u32>(nf, NF_RMAP_EXT));
    store<u32>(nf, 0, NF_INST_USED);
    store<u32>(nf, 0, NF_ENT_BUMP);
    store<u32>(nf, 0, NF_RMAP_KINDS);
    store<u32>(nf, 0, NF_SINCE_CHECK);
  }
}

// @ts-ignore: decorator
@inline function init_pool(d: usize, size: u32): void {
  pool_init(d, load<u32>(d, POOL_BASE) + size, size, load<u32>(d, POOL_CAP));
}

/** The frame mapped at va in mm (a side-effect-free walk), or NIL. */
export function vm_pfn_at(m: usize, mm: u32, va: u64): u32 {
  const e = pt_lookup(m, mm, va);
  return e ? <u32>((e & PTE_ADDR_MASK) >> 12) : NIL;
}

function run_one(m: usize, cpu: u32, op: usize): u32 {
  const kind = load<u32>(op);
  const mm = load<u32>(op, 4);
  const a = load<u64>(op, 8);
  const b = load<u64>(op, 16);
  const c = load<u32>(op, 24);
  const d = load<u32>(op, 28);
  switch (kind) {
    case OP_MM_INIT: {
      if (!mm_init(m, mm)) return 0;
      store<u32>(mm_addr(m, mm), 1, MM_ALIVE);
      store<u64>(mm_addr(m, mm), 0, MM_CPUMASK); // no CPU has run in it yet
      return 1;
    }
    case OP_MMAP: {
      mmap_write_lock(m, cpu, mm);
      const vma = do_mmap(m, cpu, mm, a, c, d, <u32>(b >> 32), <u32>b);
      mmap_write_unlock(m, cpu, mm);
      return vma ? 1 : 0;
    }
    case OP_FAULT: {
      mmap_read_lock(m, cpu, mm);
      const r = handle_mm_fault(m, cpu, mm, a, c != 0);
      mmap_read_unlock(m, cpu, mm);
      return r;
    }
    case OP_MUNMAP: {
      mmap_write_lock(m, cpu, mm);
      const ok = do_munmap(m, cpu, mm, a, b);
      mmap_write_unlock(m, cpu, mm);
      return ok ? 1 : 0;
    }
    case OP_MPROTECT: {
      mmap_write_lock(m, cpu, mm);
      const ok = do_mprotect(m, cpu, mm, a, b, c);
      mmap_write_unlock(m, cpu, mm);
      return ok ? 1 : 0;
    }
    case OP_MREMAP: {
      mmap_write_lock(m, cpu, mm);
      const ok = do_mremap(m, cpu, mm, a, b, (<u64>d << 32) | <u64>c);
      mmap_write_unlock(m, cpu, mm);
      return ok ? 1 : 0;
    }
    case OP_FORK: {
      if (!mm_init(m, c)) return 0;
      store<u64>(mm_addr(m, c), 0, MM_CPUMASK); // the child joins the mask where it runs (faults)
      mmap_write_lock(m, cpu, mm);
      const ok = do_fork(m, cpu, mm, c);
      mmap_write_unlock(m, cpu, mm);
      return ok ? 1 : 0;
    }
    case OP_EXIT: {
      mmap_write_lock(m, cpu, mm);
      do_exit(m, cpu, mm);
      mmap_write_unlock(m, cpu, mm);
      return 1;
    }
    case OP_POPULATE: {
      mmap_read_lock(m, cpu, mm);
      const r = populate(m, cpu, mm, a, b, c != 0);
      mmap_read_unlock(m, cpu, mm);
      return r;
    }
    case OP_TRUNCATE:
      do_truncate(m, cpu, c, d);
      return 1;
    case OP_ATTACH:
      return sec_attach(m, cpu, c, mm, a, d);
    case OP_SEC_ACCESS: {
      const inst = inst_addr(m, c);
      // d = 2: write only where the primary PTE is already writable, so warming a secondary
      // MMU up does not break copy-on-write sharing the scenario set up
      const write = d == 2 ? (pt_lookup(m, load<u32>(inst, SI_MM), a) & PTE_RW) != 0 : d != 0;
      // a retried secondary fault is taken again, as a vCPU re-enters the guest and faults once more
      let r = SEC_RETRY;
      for (let k = 0; k < 8 && r == SEC_RETRY; k++) r = sec_access(m, cpu, inst, a, write);
      return r;
    }
    case OP_CHECK:
      return check_coherence(m, cpu);
    default: {
      // the page mapped at va, found under mmap_lock and pinned, so another CPU can neither free
      // the tables under the lookup nor the page under the operation
      mmap_read_lock(m, cpu, mm);
      const pfn = vm_pfn_at(m, mm, a);
      const pinned = pfn != NIL && get_page_unless_zero(m, pfn);
      mmap_read_unlock(m, cpu, mm);
      if (!pinned) return NIL;
      const r = page_op(m, cpu, kind, pfn);
      put_page(m, cpu, pfn);
      return r;
    }
  }
}

/** MAP_POPULATE's faults over [start, end), under mmap_lock for reading: 1 if every one succeeded. */
export function populate(m: usize, cpu: u32, mm: u32, start: u64, end: u64, write: bool): u32 {
  let r = FAULT_OK;
  for (let va = start; va < end && r == FAULT_OK; va += 4096) r = handle_mm_fault(m, cpu, mm, va, write);
  return r == FAULT_OK ? 1 : 0;
}

/** Reclaim, migration, writeback or aging of a pinned page. */
function page_op(m: usize, cpu: u32, kind: u32, pfn: u32): u32 {
  if (kind == OP_RECLAIM) {
    page_referenced(m, cpu, pfn); // the aging pass before (the inactive list's first scan)
    return reclaim_page(m, cpu, pfn) ? 1 : 0;
  }
  if (kind == OP_MIGRATE) return migrate_page(m, cpu, pfn);
  if (kind == OP_MKCLEAN) {
    if (load<u32>(page_addr(m, pfn), PG_MAPPING) & PAGE_MAPPING_ANON) return 0; // nothing to write back
    const n = page_mkclean(m, cpu, pfn);
    end_writeback(m, cpu, pfn);
    return n;
  }
  if (kind == OP_AGE) return age_page(m, cpu, pfn);
  return NIL;
}

/** Runs n operation records; out (when set) gets each result. Returns how many succeeded (non-zero, non-NIL). */
export function vm_run_batch(m: usize, cpu: u32, ops: usize, n: u32, out: usize): u32 {
  let ok: u32 = 0;
  const nf = nf_addr(m);
  const every = nf ? load<u32>(nf, NF_CHECK_EVERY) : 0;
  for (let i: usize = 0; i < n; i++) {
    const r = run_one(m, cpu, ops + i * VM_OP_SIZE);
    if (nf) xpmem_settle(m, cpu); // the operation returned: nothing is held any more
    if (out) store<u32>(out + (i << 2), r);
    if (r != 0 && r != NIL) ok++;
    if (every) {
      // the sampled coherence check (check_every; 1 in tests: after every operation)
      const since = load<u32>(nf, NF_SINCE_CHECK) + 1;
      if (since >= every) {
        check_coherence(m, cpu);
        store<u32>(nf, 0, NF_SINCE_CHECK);
      } else store<u32>(nf, since, NF_SINCE_CHECK);
    }
  }
  return ok;
}

// Collects each mapping the primary rmap finds: (mm, va) as packed words.
function collect_one(m: usize, cpu: u32, pfn: u32, mm: u32, va: u64, pte: usize, arg: usize): bool {
  const n = load<u32>(arg);
  store<u64>(arg + 8 + (<usize>n << 3), (<u64>mm << 45) | (va >> 12));
  store<u32>(arg, n + 1);
  return true;
}

/** Every (mm, va) the design's rmap finds for pfn, written after a count word at out (u32 count, pad, u64 entries). */
export function vm_rmap_collect(m: usize, cpu: u32, pfn: u32, out: usize): u32 {
  store<u64>(out, 0);
  rmap_walk(m, cpu, pfn, collect_one, out);
  return load<u32>(out);
}
