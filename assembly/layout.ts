// === rmapbench memory layout ===
// Every byte of simulator state lives in the one imported shared memory, in
// regions whose addresses the host chooses and writes into the machine header
// (src/layout.ts plans them). The module keeps no mutable state of its own:
// data segments are re-applied and the runtime heap is per instance when
// several instances share a memory (docs/toolchain.md §3).
//
// The offsets below are exported as immutable globals so the host and the
// TS twin read them from the module instead of repeating them.

// ╒═══════════════════════ Machine header (256 B) ═══════════════════════╕
//   0 magic        4 levels       8 frames        12 nframes
//  16 pt_base     20 pt_cap      24 pt_bump       28 pt_free
//  32 pt_used     36 ptdesc      40 chain_base    44 chain_cap
//  48 chain_bump  52 chain_free  56 chain_used    60 vidx_base
//  64 vidx_mask   68 vidx_used   72 mm_base       76 mm_cap
//  80 cpu_base    84 cpu_cap     88 alloc_lock (ticket: next u16 | owner u16)
//  92 vm: the primary-MMU header (mm/types.ts), 0 when the machine has none
// └──────────────────────────────────────────────────────────────────────┘
// *_free heads and *_bump pointers are addresses (0 = none); tables and
// chain nodes are handed out LIFO from the free list, then by bump, so the
// Wasm core, the TS twin and the C twin allocate identical addresses.

export const MACHINE_MAGIC: u32 = 0x524d4150; // "RMAP"
export const H_MAGIC: u32 = 0;
export const H_LEVELS: u32 = 4;
export const H_FRAMES: u32 = 8;
export const H_NFRAMES: u32 = 12;
export const H_PT_BASE: u32 = 16;
export const H_PT_CAP: u32 = 20;
export const H_PT_BUMP: u32 = 24;
export const H_PT_FREE: u32 = 28;
export const H_PT_USED: u32 = 32;
export const H_PTDESC: u32 = 36;
export const H_CHAIN_BASE: u32 = 40;
export const H_CHAIN_CAP: u32 = 44;
export const H_CHAIN_BUMP: u32 = 48;
export const H_CHAIN_FREE: u32 = 52;
export const H_CHAIN_USED: u32 = 56;
export const H_VIDX_BASE: u32 = 60;
export const H_VIDX_MASK: u32 = 64;
export const H_VIDX_USED: u32 = 68;
export const H_MM_BASE: u32 = 72;
export const H_MM_CAP: u32 = 76;
export const H_CPU_BASE: u32 = 80;
export const H_CPU_CAP: u32 = 84;
export const H_ALLOC_LOCK: u32 = 88;
export const H_VM: u32 = 92;
export const MACHINE_SIZE: u32 = 256;

// ╒═════════════════════════ Page-table entry (x86-64) ═════════════════════════╕
//  6 6 5 5 5 5 5                                                1 1
//  3 2 9 8 7 6 5 ...                                            2 1 ... 9 8 7 6 5 4 3 2 1 0
// ├─┼─┴─┴─┼─┴─┴─┴─────────────────────────────────────────────────┼─────┼─┼─┼─┼─┼─┼─┼─┼─┼─┤
// │N│ PKEY  │ ign │       PFN (leaf) or table address (non-leaf)   │ SW  │G│S│D│A│ │ │U│W│P│
// │X│       │     │                bits 12..51                     │9-11 │ │Z│ │ │ │ │S│ │ │
// └─┴───────┴─────┴────────────────────────────────────────────────┴─────┴─┴─┴─┴─┴─┴─┴─┴─┴─┘
// P present, W writable (RW), US user, A accessed, D dirty, SZ page size (PSE) at the
// PMD/PUD levels; domain.md §7.1. A non-leaf entry holds the child table's byte
// address in the shared memory (4 KiB aligned), so the walk is one load per level.

export const PTE_P: u64 = 1 << 0;
export const PTE_RW: u64 = 1 << 1;
export const PTE_US: u64 = 1 << 2;
export const PTE_A: u64 = 1 << 5;
export const PTE_D: u64 = 1 << 6;
export const PTE_PSE: u64 = 1 << 7;
export const PTE_G: u64 = 1 << 8;
export const PTE_NX: u64 = 1 << 63;
export const PTE_ADDR_MASK: u64 = 0x000f_ffff_ffff_f000;
export const PTE_TABLE: u64 = PTE_P | PTE_RW | PTE_US | PTE_A;
export const PAGE_SHIFT: u32 = 12;
export const PT_BITS: u32 = 9;
export const PT_ENTRIES: u32 = 512;
export const PT_BYTES: u32 = 4096;

/** Walk results that are not a PFN. */
export const WALK_NOT_PRESENT: u64 = 0xffff_ffff_ffff_ffff;
export const WALK_PROT_FAULT: u64 = 0xffff_ffff_ffff_fffe;
/** Bit 63 of a walk operand: the access is a write. */
export const WALK_WRITE: u64 = 1 << 63;

// ╒═══════════ Page-table page descriptor (32 B, one per pool table) ═══════════╕
//   0 used: present entries      4 ptl: PT spinlock (ticket)
//   8 mm: owner mm id            12 shift: bits of va its entries cover (12 = PTE table)
//  16 base: first va the table maps (u64)          24 spare
// └──────────────────────────────────────────────────────────────────────────────┘
// mm and base are what 2.5's ptep_to_mm / ptep_to_address read from the page
// table's struct page, so a PTE address alone names its (mm, va).
export const PTD_USED: u32 = 0;
export const PTD_PTL: u32 = 4;
export const PTD_MM: u32 = 8;
export const PTD_SHIFT: u32 = 12;
export const PTD_BASE: u32 = 16;
export const PTD_SIZE: u32 = 32;

// ╒═══════════════════════ struct page (64 B, one cache line) ═══════════════════════╕
//   0 flags      4 mapcount   8 refcount   12 mapping
//  16 index     20 rmap       24 lru_next  28 lru_prev
//  32 private: swap slot while in the swap cache       36..63 spare
// └─────────────────────────────────────────────────────────────────────────────────┘
// mapcount counts present PTEs (0 = unmapped; Linux stores it biased by -1).
// rmap is the pte_chain head, or the one PTE's address under PG_DIRECT.
// domain.md §7.2.
export const PG_FLAGS: u32 = 0;
export const PG_MAPCOUNT: u32 = 4;
export const PG_REFCOUNT: u32 = 8;
export const PG_MAPPING: u32 = 12;
export const PG_INDEX: u32 = 16;
export const PG_RMAP: u32 = 20;
export const PG_LRU_NEXT: u32 = 24;
export const PG_LRU_PREV: u32 = 28;
export const PG_PRIVATE: u32 = 32;
export const PAGE_SIZE_BYTES: u32 = 64;

// flags
export const PG_LOCKED: u32 = 1 << 0;
export const PG_DIRTY: u32 = 1 << 1;
export const PG_REFERENCED: u32 = 1 << 2;
export const PG_ANON: u32 = 1 << 3;
export const PG_EXTERNAL_RMAP: u32 = 1 << 4;
export const PG_DIRECT: u32 = 1 << 5;
export const PG_LRU: u32 = 1 << 6;
export const PG_SWAPCACHE: u32 = 1 << 7;

// ╒════════════════ Reverse-map entry: (mm, va) packed in a u64 ═════════════════╕
//  6                                     4 4
//  3                                     5 4                                   0
// ├───────────────────────────────────────┼─────────────────────────────────────┤
// │          mm id (19 bits, 0 = none)    │     virtual page number (va >> 12)  │
// └───────────────────────────────────────┴─────────────────────────────────────┘
// 45 bits of VPN cover the 57-bit 5-level space. The same word keys the
// virtual index; mm id 0 is never used, so a zero word means "empty".
export const RMAP_MM_SHIFT: u32 = 45;
export const RMAP_VPN_MASK: u64 = (1 << 45) - 1;

// ╒═══════════════ pte_chain node (64 B, one cache line; domain.md §5.1) ═══════════════╕
//   0 next: next node address (0 = end)    4 nr: used slots (1..7)
//   8 ent[0] ... 56 ent[6]: packed (mm, va) words
// └─────────────────────────────────────────────────────────────────────────────────────┘
// Only the head node may be partly filled: inserts go to the head, and a
// removal fills its hole with the head's last entry, as 2.6's pte_chain did.
export const CH_NEXT: u32 = 0;
export const CH_NR: u32 = 4;
export const CH_ENT: u32 = 8;
export const CH_SLOTS: u32 = 7;
export const CHAIN_NODE_SIZE: u32 = 64;

// ╒════════════ Virtual-index slot (16 B; open addressing, linear probe) ════════════╕
//   0 key: packed (mm, va) word, 0 = empty     8 handle: u32     12 pad
// └──────────────────────────────────────────────────────────────────────────────────┘
// Removal shifts later entries back (no tombstones), so probe lengths stay short.
export const VX_KEY: u32 = 0;
export const VX_HANDLE: u32 = 8;
export const VIDX_SLOT_SIZE: u32 = 16;

// ╒═══════════════════════ mm_struct (128 B) ═══════════════════════╕
//   0 pgd: root table address (0 = mm not set up)    4 nr_ptes
// └─────────────────────────────────────────────────────────────────╛
export const MM_PGD: u32 = 0;
export const MM_NR_TABLES: u32 = 4;
export const MM_SIZE: u32 = 128;

// ╒══════════════════════════════════ Per-CPU area (1 KiB) ══════════════════════════════════╕
//   0 walks     8 levels     16 (spare)   24 ptes_cleared   32 tables_freed       (work counters,
//  40 rmap_visits   48 chain_nodes   56 vidx_probes   64 scratch hash   72 scratch count   u64 each)
//  80 .. 255 spare
// 256 lock_depth: entries in the held-lock stack     260 spin_held: spin-kind locks held
// 264 lock_violations   268 lock_overflow: acquisitions the full stack could not record
// 272 viol_kind  276 viol_held  280 viol_held_addr  284 viol_new  288 viol_new_addr  (first violation)
// 292 .. 319 spare
// 320 held-lock stack: C_HELD_SLOTS entries of 8 B, oldest first, up to 511
// 512 VM statistics block (assembly/mm/vmstat.ts, VMSTAT_OFF; 256 B)   768 .. 1023 spare
// └──────────────────────────────────────────────────────────────────────────────────────────┘
// 256..511 is the lock tracking of debug builds (assembly/lockdep.ts, docs/locking.md); release
// builds never write it. Its words are u32. A held-lock entry and the viol_held / viol_new words:
//   0 addr: the lock word's address     4 info: bits 0-7 class (LC_*), 8-9 mode (HL_READ /
//   HL_WRITE), 16-31 holds merged into the entry (classes taken under a nest lock; else 1)
// viol_kind is a LOCKDEP_* code; viol_held is 0 when the violation involves no held lock.
export const C_WALKS: u32 = 0;
export const C_LEVELS: u32 = 8;
export const C_PTES_CLEARED: u32 = 24;
export const C_TABLES_FREED: u32 = 32;
export const C_RMAP_VISITS: u32 = 40;
export const C_CHAIN_NODES: u32 = 48;
export const C_VIDX_PROBES: u32 = 56;
export const C_SCRATCH_HASH: u32 = 64;
export const C_SCRATCH_COUNT: u32 = 72;
export const C_LOCK_DEPTH: u32 = 256;
export const C_SPIN_HELD: u32 = 260;
export const C_LOCK_VIOLATIONS: u32 = 264;
export const C_LOCK_OVERFLOW: u32 = 268;
export const C_VIOL_KIND: u32 = 272;
export const C_VIOL_HELD: u32 = 276;
export const C_VIOL_HELD_ADDR: u32 = 280;
export const C_VIOL_NEW: u32 = 284;
export const C_VIOL_NEW_ADDR: u32 = 288;
export const C_HELD_LOCKS: u32 = 320;
export const C_HELD_SLOTS: u32 = 24;
export const HL_ADDR: u32 = 0;
export const HL_INFO: u32 = 4;
export const HL_SIZE: u32 = 8;
export const HL_READ: u32 = 1;
export const HL_WRITE: u32 = 2;
// Per-CPU area: 0.. counters (80, 84: the page-table read-side words of pagetable.ts), 256.. lockdep,
// 512.. vmstat, 768.. notifier statistics, 1024.. the scheduled-CPU blocks of smp.ts (up to 2560).
export const CPU_AREA_SIZE: u32 = 3072;
