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
  NOTIFY: 168,
  /** The lock clock's address and slot mask (assembly/smp.ts VM_LOCK_CLOCK). */
  LOCK_CLOCK: 216,
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
  modeled_ns: 176,
  ipis: 184,
} as const;

/**
 * The cost model's block in the VM header (assembly/cost.ts): u32 words, ns
 * unless named otherwise. The host writes the overrides it has; vm_init fills
 * every word left 0 with the module's default (COST_* there; docs/cost-model.md).
 */
export const VM_COST = 176;
export const COST = {
  invlpg_ns: 0,
  full_flush_ns: 4,
  flush_ceiling: 8,
  ipi_ns: 12,
  ipi_extra_ns: 16,
  line_ns: 20,
  walk_ns: 24,
  touch_ns: 28,
  lock_ns: 32,
} as const;
export type CostSpec = Partial<Record<keyof typeof COST, number>>;
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
  ATTACH: 14,
  SEC_ACCESS: 15,
  CHECK: 16,
} as const;
export const OP_SIZE = 32;
export const FAULT = { OK: 0, SEGV: 1, OOM: 2 } as const;

/** Notifier designs and secondary kinds (assembly/notifier/types.ts). */
export const DESIGN = { virtual: 1, physical: 2, "physical+range": 3, interval: 4 } as const;
export type Design = keyof typeof DESIGN;
export const SECONDARY = { kvm: 1, gru: 2, xpmem: 3 } as const;
export type Secondary = keyof typeof SECONDARY;
export const NF = {
  DESIGN: 0,
  INST_BASE: 4,
  INST_CAP: 8,
  INST_USED: 12,
  EXT_POOL: 16,
  RMAP_KINDS: 40,
  FLAGS: 44,
  RMAP_EXT: 48,
  REMOTE_NS: 52,
  TLB_ENTRIES: 56,
  PARTITIONS: 60,
  FLUSH_PAGE: 64,
  CHECK_EVERY: 68,
  SINCE_CHECK: 72,
  KVM_RETRY: 76,
  ENT_BASE: 80,
  ENT_CAP: 84,
  ENT_BUMP: 88,
  RACE: 92,
  CHECK_SAMPLE: 96,
  CURSOR_INST: 100,
  CURSOR_ENTRY: 104,
  PENDING_ACKS: 108,
  ALIASES: 112,
  DESC_POOL: 116,
  SIZE: 160,
} as const;
export const SI_SIZE = 128;
export const XR_SIZE = 16;
export const BUG = {
  no_range_end: 1,
  no_set_dirty: 2,
  no_young_or: 4,
  no_tlb_flush: 8,
  free_early: 16,
  fault_in_range: 32,
  keep_write: 64,
} as const;
/** Per-CPU notifier statistics, u64 offsets inside the block at NSTAT_OFF of the per-CPU area. */
export const NSTAT_OFF = 768;
export const NS = {
  calls_invalidate_page: 0,
  calls_range_start: 8,
  calls_range_end: 16,
  calls_young: 24,
  calls_release: 32,
  calls_rmap_page: 40,
  notifier_calls: 48,
  ext_rmap_visits: 56,
  secondary_invalidations: 64,
  secondary_tlb_flushes: 72,
  sleeps: 80,
  lock_sleep_ns: 88,
  retries: 96,
  secondary_faults: 104,
  kvm_rmap_visits: 176,
} as const;
export const CHECK_RULES = [
  "stale_mappings",
  "stale_permission",
  "use_after_free",
  "lost_dirty",
  "lost_young",
  "fault_in_open_range",
  "unpaired_range",
  "sleep_in_atomic",
] as const;
export const NS_CHECK = 112;
export const SEC = { HIT: 0, FILLED: 1, RETRY: 2, FAULT: 3 } as const;
