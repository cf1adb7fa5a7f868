"use strict";
// === rmapbench memory layout ===
// Every byte of simulator state lives in the one imported shared memory, in
// regions whose addresses the host chooses and writes into the machine header
// (src/layout.ts plans them). The module keeps no mutable state of its own:
// data segments are re-applied and the runtime heap is per instance when
// several instances share a memory (docs/toolchain.md §3).
//
// The offsets below are exported as immutable globals so the host and the
// TS twin read them from the module instead of repeating them.
Object.defineProperty(exports, "__esModule", { value: true });
exports.PG_INDEX = exports.PG_MAPPING = exports.PG_REFCOUNT = exports.PG_MAPCOUNT = exports.PG_FLAGS = exports.PTD_SIZE = exports.PTD_PTL = exports.PTD_USED = exports.WALK_WRITE = exports.WALK_PROT_FAULT = exports.WALK_NOT_PRESENT = exports.PT_BYTES = exports.PT_ENTRIES = exports.PT_BITS = exports.PAGE_SHIFT = exports.PTE_TABLE = exports.PTE_ADDR_MASK = exports.PTE_NX = exports.PTE_G = exports.PTE_PSE = exports.PTE_D = exports.PTE_A = exports.PTE_US = exports.PTE_RW = exports.PTE_P = exports.MACHINE_SIZE = exports.H_ALLOC_LOCK = exports.H_CPU_CAP = exports.H_CPU_BASE = exports.H_MM_CAP = exports.H_MM_BASE = exports.H_VIDX_USED = exports.H_VIDX_MASK = exports.H_VIDX_BASE = exports.H_CHAIN_USED = exports.H_CHAIN_FREE = exports.H_CHAIN_BUMP = exports.H_CHAIN_CAP = exports.H_CHAIN_BASE = exports.H_PTDESC = exports.H_PT_USED = exports.H_PT_FREE = exports.H_PT_BUMP = exports.H_PT_CAP = exports.H_PT_BASE = exports.H_NFRAMES = exports.H_FRAMES = exports.H_LEVELS = exports.H_MAGIC = exports.MACHINE_MAGIC = void 0;
exports.CPU_AREA_SIZE = exports.C_SCRATCH_COUNT = exports.C_SCRATCH_HASH = exports.C_VIDX_PROBES = exports.C_CHAIN_NODES = exports.C_RMAP_VISITS = exports.C_TABLES_FREED = exports.C_PTES_CLEARED = exports.C_LEVELS = exports.C_WALKS = exports.MM_SIZE = exports.MM_NR_TABLES = exports.MM_PGD = exports.VIDX_SLOT_SIZE = exports.VX_HANDLE = exports.VX_KEY = exports.CHAIN_NODE_SIZE = exports.CH_SLOTS = exports.CH_ENT = exports.CH_NR = exports.CH_NEXT = exports.RMAP_VPN_MASK = exports.RMAP_MM_SHIFT = exports.PG_LRU = exports.PG_DIRECT = exports.PG_EXTERNAL_RMAP = exports.PG_ANON = exports.PG_REFERENCED = exports.PG_DIRTY = exports.PG_LOCKED = exports.PAGE_SIZE_BYTES = exports.PG_LRU_PREV = exports.PG_LRU_NEXT = exports.PG_RMAP = void 0;
// ╒═══════════════════════ Machine header (256 B) ═══════════════════════╕
//   0 magic        4 levels       8 frames        12 nframes
//  16 pt_base     20 pt_cap      24 pt_bump       28 pt_free
//  32 pt_used     36 ptdesc      40 chain_base    44 chain_cap
//  48 chain_bump  52 chain_free  56 chain_used    60 vidx_base
//  64 vidx_mask   68 vidx_used   72 mm_base       76 mm_cap
//  80 cpu_base    84 cpu_cap     88 alloc_lock (ticket: next u16 | owner u16)
// └──────────────────────────────────────────────────────────────────────┘
// *_free heads and *_bump pointers are addresses (0 = none); tables and
// chain nodes are handed out LIFO from the free list, then by bump, so the
// Wasm core, the TS twin and the C twin allocate identical addresses.
exports.MACHINE_MAGIC = 0x524d4150; // "RMAP"
exports.H_MAGIC = 0;
exports.H_LEVELS = 4;
exports.H_FRAMES = 8;
exports.H_NFRAMES = 12;
exports.H_PT_BASE = 16;
exports.H_PT_CAP = 20;
exports.H_PT_BUMP = 24;
exports.H_PT_FREE = 28;
exports.H_PT_USED = 32;
exports.H_PTDESC = 36;
exports.H_CHAIN_BASE = 40;
exports.H_CHAIN_CAP = 44;
exports.H_CHAIN_BUMP = 48;
exports.H_CHAIN_FREE = 52;
exports.H_CHAIN_USED = 56;
exports.H_VIDX_BASE = 60;
exports.H_VIDX_MASK = 64;
exports.H_VIDX_USED = 68;
exports.H_MM_BASE = 72;
exports.H_MM_CAP = 76;
exports.H_CPU_BASE = 80;
exports.H_CPU_CAP = 84;
exports.H_ALLOC_LOCK = 88;
exports.MACHINE_SIZE = 256;
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
exports.PTE_P = 1 << 0;
exports.PTE_RW = 1 << 1;
exports.PTE_US = 1 << 2;
exports.PTE_A = 1 << 5;
exports.PTE_D = 1 << 6;
exports.PTE_PSE = 1 << 7;
exports.PTE_G = 1 << 8;
exports.PTE_NX = 1 << 63;
exports.PTE_ADDR_MASK = 0x000f_ffff_ffff_f000;
exports.PTE_TABLE = exports.PTE_P | exports.PTE_RW | exports.PTE_US | exports.PTE_A;
exports.PAGE_SHIFT = 12;
exports.PT_BITS = 9;
exports.PT_ENTRIES = 512;
exports.PT_BYTES = 4096;
/** Walk results that are not a PFN. */
exports.WALK_NOT_PRESENT = 0xffff_ffff_ffff_ffff;
exports.WALK_PROT_FAULT = 0xffff_ffff_ffff_fffe;
/** Bit 63 of a walk operand: the access is a write. */
exports.WALK_WRITE = 1 << 63;
// ╒═════════ Page-table page descriptor (8 B, one per pool table) ═════════╕
//   0 used: present entries in the table    4 ptl: PT spinlock (ticket)
// └────────────────────────────────────────────────────────────────────────┘
exports.PTD_USED = 0;
exports.PTD_PTL = 4;
exports.PTD_SIZE = 8;
// ╒═════════════════════════ struct page (32 B) ═════════════════════════╕
//   0 flags      4 mapcount   8 refcount   12 mapping
//  16 index     20 rmap       24 lru_next  28 lru_prev
// └──────────────────────────────────────────────────────────────────────┘
// mapcount counts present PTEs (0 = unmapped; Linux stores it biased by -1).
// rmap is the first pte_chain node (0 = none). domain.md §7.2.
exports.PG_FLAGS = 0;
exports.PG_MAPCOUNT = 4;
exports.PG_REFCOUNT = 8;
exports.PG_MAPPING = 12;
exports.PG_INDEX = 16;
exports.PG_RMAP = 20;
exports.PG_LRU_NEXT = 24;
exports.PG_LRU_PREV = 28;
exports.PAGE_SIZE_BYTES = 32;
// flags
exports.PG_LOCKED = 1 << 0;
exports.PG_DIRTY = 1 << 1;
exports.PG_REFERENCED = 1 << 2;
exports.PG_ANON = 1 << 3;
exports.PG_EXTERNAL_RMAP = 1 << 4;
exports.PG_DIRECT = 1 << 5;
exports.PG_LRU = 1 << 6;
// ╒════════════════ Reverse-map entry: (mm, va) packed in a u64 ═════════════════╕
//  6                                     4 4
//  3                                     5 4                                   0
// ├───────────────────────────────────────┼─────────────────────────────────────┤
// │          mm id (19 bits, 0 = none)    │     virtual page number (va >> 12)  │
// └───────────────────────────────────────┴─────────────────────────────────────┘
// 45 bits of VPN cover the 57-bit 5-level space. The same word keys the
// virtual index; mm id 0 is never used, so a zero word means "empty".
exports.RMAP_MM_SHIFT = 45;
exports.RMAP_VPN_MASK = (1 << 45) - 1;
// ╒═══════════════ pte_chain node (64 B, one cache line; domain.md §5.1) ═══════════════╕
//   0 next: next node address (0 = end)    4 nr: used slots (1..7)
//   8 ent[0] ... 56 ent[6]: packed (mm, va) words
// └─────────────────────────────────────────────────────────────────────────────────────┘
// Only the head node may be partly filled: inserts go to the head, and a
// removal fills its hole with the head's last entry, as 2.6's pte_chain did.
exports.CH_NEXT = 0;
exports.CH_NR = 4;
exports.CH_ENT = 8;
exports.CH_SLOTS = 7;
exports.CHAIN_NODE_SIZE = 64;
// ╒════════════ Virtual-index slot (16 B; open addressing, linear probe) ════════════╕
//   0 key: packed (mm, va) word, 0 = empty     8 handle: u32     12 pad
// └──────────────────────────────────────────────────────────────────────────────────┘
// Removal shifts later entries back (no tombstones), so probe lengths stay short.
exports.VX_KEY = 0;
exports.VX_HANDLE = 8;
exports.VIDX_SLOT_SIZE = 16;
// ╒═══════════════════════ mm_struct (128 B) ═══════════════════════╕
//   0 pgd: root table address (0 = mm not set up)    4 nr_ptes
// └─────────────────────────────────────────────────────────────────╛
exports.MM_PGD = 0;
exports.MM_NR_TABLES = 4;
exports.MM_SIZE = 128;
// ╒═════════════════ Per-CPU area (256 B): work counters, u64 each ═════════════════╕
//   0 walks     8 levels     16 (spare)   24 ptes_cleared   32 tables_freed
//  40 rmap_visits   48 chain_nodes   56 vidx_probes   64 scratch hash   72 scratch count
// └──────────────────────────────────────────────────────────────────────────────────┘
exports.C_WALKS = 0;
exports.C_LEVELS = 8;
exports.C_PTES_CLEARED = 24;
exports.C_TABLES_FREED = 32;
exports.C_RMAP_VISITS = 40;
exports.C_CHAIN_NODES = 48;
exports.C_VIDX_PROBES = 56;
exports.C_SCRATCH_HASH = 64;
exports.C_SCRATCH_COUNT = 72;
exports.CPU_AREA_SIZE = 256;
