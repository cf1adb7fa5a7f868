// Host side of the primary MMU's layout (assembly/mm/types.ts, vmstat.ts,
// hooks.ts, ops.ts): offsets, the VM header, and the operation records.

export const NIL = 0xffff_ffff;

export const PRIMARY = { ptechain: 0, objlist: 1, anonvma: 2, avc: 3 } as const;
export type Primary = keyof typeof PRIMARY;

export const VM = {
  DESIGN: 0,
  FREE_HEAD: 4,
  NR_FREE: 8,
  LRU_HEAD: 12,
  LRU_TAIL: 16,
  NR_LRU: 20,
  VMA_POOL: 24,
  AVC_POOL: 48,
  AV_POOL: 72,
  AS_BASE: 96,
  AS_CAP: 100,
  PC: 104,
  SWAP_BASE: 116,
  SWAP_CAP: 120,
  SWAP_FREE: 124,
  SWAP_USED: 128,
  VMAS_BASE: 132,
  VMAS_CAP: 136,
  LRU_LOCK: 140,
  SWAP_LOCK: 144,
  PC_LOCK: 148,
  NEXT_PFN: 152,
  SCRATCH_BASE: 156,
  SCRATCH_CAP: 160,
  SWAP_BUMP: 164,
  SIZE: 256,
} as const;
export const POOL = { BASE: 0, OBJ: 4, CAP: 8, BUMP: 12, FREE: 16, USED: 20, SIZE: 24 } as const;
export const MMX = {
  NR_VMAS: 8,
  MMAP_LOCK: 12,
  PTL: 16,
  NOTIFIERS: 20,
  CPUMASK: 24,
  RSS_ANON: 32,
  RSS_FILE: 36,
  PARENT: 40,
  ALIVE: 44,
} as const;
export const VMA = {
  START: 0,
  END: 8,
  FLAGS: 16,
  PGOFF: 20,
  FILE: 24,
  ANON_VMA: 28,
  MM: 32,
  AVC: 36,
  SHARED: 40,
  ANON_NEXT: 72,
  ANON_PREV: 76,
  SIZE: 96,
} as const;
export const VM_FLAG = { READ: 1, WRITE: 2, EXEC: 4, SHARED: 8, MAYWRITE: 32, ANON_PAGES: 256 } as const;
export const AV_SIZE = 32;
export const AVC_SIZE = 48;
export const AS = { IMMAP: 0, LOCK: 4, NR_VMAS: 8, NRPAGES: 12, SIZE_PAGES: 16, SIZE: 32 } as const;
export const SWAP_SLOT_SIZE = 16;
export const PTE_SWAP = 1 << 9;
export const PTE_MIGRATION = 1 << 10;

/** Per-CPU VM statistics: u64 offsets inside the block at VMSTAT_OFF of the per-CPU area. */
export const VMSTAT_OFF = 512;
export const ST = {
  rmap_visits: 0,
  ptes_cleared: 8,
  pages_freed: 16,
  tlb_flushes: 24,
  hooks_fired: 32,
  faults: 40,
  cow_breaks: 48,
  ptes_copied: 56,
  swap_outs: 64,
  pages_scanned: 72,
  reclaimed: 80,
  migrated: 88,
  cleaned: 96,
  referenced: 104,
  ptes_changed: 112,
  vmas_split: 120,
} as const;
export const HOOK_SITES = [
  "invalidate_page",
  "range_start",
  "range_end",
  "clear_flush_young",
  "release",
  "rmap_page",
] as const;
export const ST_HOOK_SITE = 128;

export const OP = {
  MM_INIT: 0,
  MMAP: 1,
  FAULT: 2,
  MUNMAP: 3,
  MPROTECT: 4,
  MREMAP: 5,
  FORK: 6,
  EXIT: 7,
  TRUNCATE: 8,
  RECLAIM: 9,
  MIGRATE: 10,
  MKCLEAN: 11,
  AGE: 12,
  POPULATE: 13,
} as const;
export const OP_SIZE = 32;
export const FAULT = { OK: 0, SEGV: 1, OOM: 2 } as const;
