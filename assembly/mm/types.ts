// === The primary MMU's structures (the simulator's mm_types.h) ===
// Every struct lives in a pool the host carves out of the shared memory; the
// VM header (its address is the machine header's H_VM) says where. Objects are
// named by their byte address; 0 is never a valid object.

// ╒══════════════════════════════ VM header (256 B) ══════════════════════════════╕
//   0 design      4 free_head   8 nr_free    12 lru_head   16 lru_tail   20 nr_lru
//  24 vma pool (24 B)          48 avc pool (24 B)          72 anon_vma pool (24 B)
//  96 as_base    100 as_cap    104 pc_base   108 pc_mask   112 pc_used   116 swap_base
// 120 swap_cap   124 swap_free 128 swap_used 132 vmas_base 136 vmas_cap  140 lru_lock
// 144 swap_lock  148 pc_lock   152 next_pfn (frames never used yet start here)
// 156 scratch_base 160 scratch_cap: per-CPU u32 scratch arrays (snapshots of chains)
// 164 swap_bump  168 notify: the notifier header (notifier/types.ts), 0 = no secondary MMUs
// 176 cost: the cost model's constants (cost.ts VM_COST, 40 B)
// └───────────────────────────────────────────────────────────────────────────────┘
// Frame lists (free, LRU) hold PFNs; NIL ends them. The page cache (pc_*) is a
// virtual-index table (rmap/vindex.ts) keyed by (file, index) -> pfn.
export const VM_DESIGN: u32 = 0;
export const VM_FREE_HEAD: u32 = 4;
export const VM_NR_FREE: u32 = 8;
export const VM_LRU_HEAD: u32 = 12;
export const VM_LRU_TAIL: u32 = 16;
export const VM_NR_LRU: u32 = 20;
export const VM_VMA_POOL: u32 = 24;
export const VM_AVC_POOL: u32 = 48;
export const VM_AV_POOL: u32 = 72;
export const VM_AS_BASE: u32 = 96;
export const VM_AS_CAP: u32 = 100;
export const VM_PC: u32 = 104; // {base, mask, used}: a vindex table descriptor
export const VM_SWAP_BASE: u32 = 116;
export const VM_SWAP_CAP: u32 = 120;
export const VM_SWAP_FREE: u32 = 124;
export const VM_SWAP_USED: u32 = 128;
export const VM_VMAS_BASE: u32 = 132;
export const VM_VMAS_CAP: u32 = 136;
export const VM_LRU_LOCK: u32 = 140;
export const VM_SWAP_LOCK: u32 = 144;
export const VM_PC_LOCK: u32 = 148;
export const VM_NEXT_PFN: u32 = 152;
export const VM_SCRATCH_BASE: u32 = 156;
export const VM_SCRATCH_CAP: u32 = 160;
export const VM_SWAP_BUMP: u32 = 164;
export const VM_NOTIFY: u32 = 168;
export const VM_SIZE: u32 = 256;

export const NIL: u32 = 0xffff_ffff;

// Primary rmap designs (`--set primary=...`; domain.md §5).
export const PRIMARY_PTECHAIN: u32 = 0; // 2.5 / 2.6.0-2.6.6: per-page chains of PTE addresses
export const PRIMARY_OBJLIST: u32 = 1; // 2003 partial objrmap: file pages via a linear i_mmap list
export const PRIMARY_ANONVMA: u32 = 2; // 2.6.7-2.6.33: one anon_vma per fork family, i_mmap tree
export const PRIMARY_AVC: u32 = 3; // 2.6.34+: anon_vma_chain per VMA, i_mmap tree

// ╒═════════ Object pool descriptor (24 B) ═════════╕
//   0 base   4 size (bytes per object)   8 cap
//  12 bump   16 free (list through word 0)   20 used
// └─────────────────────────────────────────────────┘
export const POOL_BASE: u32 = 0;
export const POOL_OBJ: u32 = 4;
export const POOL_CAP: u32 = 8;
export const POOL_BUMP: u32 = 12;
export const POOL_FREE: u32 = 16;
export const POOL_USED: u32 = 20;
export const POOL_DESC_SIZE: u32 = 24;

// ╒═══════════════════════════ mm_struct (128 B) ═══════════════════════════╕
//   0 pgd          4 nr_tables     8 nr_vmas      12 mmap_lock (rwsem)
//  16 ptl: page_table_lock        20 notifiers: the notifier issue's slot
//  24 cpumask (u64)               32 rss_anon    36 rss_file    40 parent
//  44 alive       48 faults       52 spare ...
// └─────────────────────────────────────────────────────────────────────────╛
// The VMA set of mm i is the sorted array vmas_base + i * vmas_cap * 4 of VMA
// addresses (find_vma by binary search); MM_NR_VMAS counts it.
export const MM_NR_VMAS: u32 = 8;
export const MM_MMAP_LOCK: u32 = 12;
export const MM_PTL: u32 = 16;
export const MM_NOTIFIERS: u32 = 20;
export const MM_CPUMASK: u32 = 24;
export const MM_RSS_ANON: u32 = 32;
export const MM_RSS_FILE: u32 = 36;
export const MM_PARENT: u32 = 40;
export const MM_ALIVE: u32 = 44;

// ╒═══════════════════════════ vm_area_struct (96 B) ═══════════════════════════╕
//   0 start (u64)            8 end (u64)            16 flags       20 pgoff
//  24 file: address_space id, 0 = anonymous         28 anon_vma    32 mm
//  36 avc: first anon_vma_chain of this VMA (same_vma list)
//  40 shared: i_mmap node (itree node, 32 B; objlist uses its first two words as list links)
//  72 anon_next / 76 anon_prev: anon_vma->head list (the anonvma design)
//  80 spare
// └─────────────────────────────────────────────────────────────────────────────┘
export const VMA_START: u32 = 0;
export const VMA_END: u32 = 8;
export const VMA_FLAGS: u32 = 16;
export const VMA_PGOFF: u32 = 20;
export const VMA_FILE: u32 = 24;
export const VMA_ANON_VMA: u32 = 28;
export const VMA_MM: u32 = 32;
export const VMA_AVC: u32 = 36;
export const VMA_SHARED: u32 = 40;
export const VMA_ANON_NEXT: u32 = 72;
export const VMA_ANON_PREV: u32 = 76;
export const VMA_SIZE: u32 = 96;

// vm_flags
export const VM_READ: u32 = 1 << 0;
export const VM_WRITE: u32 = 1 << 1;
export const VM_EXEC: u32 = 1 << 2;
export const VM_SHARED: u32 = 1 << 3;
export const VM_MAYWRITE: u32 = 1 << 5;
/** Set once the VMA holds anonymous pages (where Linux would have an anon_vma): fork copies its PTEs. */
export const VM_ANON_PAGES: u32 = 1 << 8;

// ╒═══════════════ anon_vma (32 B) ═══════════════╕
//   0 lock (rwsem)   4 root: avc interval tree (avc design) or VMA list head (anonvma design)
//   8 refcount       12 degree   16 parent   20 nr: avcs or VMAs attached
// └───────────────────────────────────────────────╛
export const AV_LOCK: u32 = 0;
export const AV_ROOT: u32 = 4;
export const AV_REFCOUNT: u32 = 8;
export const AV_DEGREE: u32 = 12;
export const AV_PARENT: u32 = 16;
export const AV_NR: u32 = 20;
export const AV_SIZE: u32 = 32;

// ╒═════════════════ anon_vma_chain (48 B; domain.md §5.2) ═════════════════╕
//   0 vma   4 anon_vma   8 same_vma: next avc of the same VMA   12 spare
//  16 rb: node in anon_vma's interval tree (32 B)
// └─────────────────────────────────────────────────────────────────────────╛
export const AVC_VMA: u32 = 0;
export const AVC_ANON_VMA: u32 = 4;
export const AVC_NEXT: u32 = 8;
export const AVC_RB: u32 = 16;
export const AVC_SIZE: u32 = 48;

// ╒════════════ address_space (32 B, one per file id) ════════════╕
//   0 i_mmap: interval-tree root, or list head (objlist)
//   4 i_mmap_lock (rwsem)   8 nr_vmas   12 nrpages   16 size (pages)
// └───────────────────────────────────────────────────────────────╛
export const AS_IMMAP: u32 = 0;
export const AS_LOCK: u32 = 4;
export const AS_NR_VMAS: u32 = 8;
export const AS_NRPAGES: u32 = 12;
export const AS_SIZE_PAGES: u32 = 16;
export const AS_SIZE: u32 = 32;

// struct page flag bits the VM core adds to layout.ts's PG_* (bits 0..7), each
// a bit lock on the flags word (sync.ts bit_lock), so every other change of
// PG_FLAGS is an atomic RMW (atomic.or / atomic.and), never load-modify-store:
//  8 PG_CHAINLOCK: pte_chain_lock(page), 2.5's bit spinlock over the page's
//    pte_chain (PG_RMAP, chain nodes, PG_DIRECT); taken under the PT lock
//  9 PG_EXTLOCK: the external rmap's list (PG_EXT) of the physical designs
// Both are leaf locks: nothing is taken and no TLB flush waits under them.
export const PG_CHAINLOCK: u32 = 1 << 8;
export const PG_EXTLOCK: u32 = 1 << 9;

// struct page->mapping for anonymous pages: the anon_vma address with bit 0
// set (PAGE_MAPPING_ANON); file pages hold the address_space id << 1.
export const PAGE_MAPPING_ANON: u32 = 1;

// ╒═══════════════ swap slot (16 B) ═══════════════╕
//   0 count: swap entries that name it (0 = free; the free list links through pfn)
//   4 pfn: the page in the swap cache, or NIL     8 mapping   12 index
// └────────────────────────────────────────────────╛
// mapping and index are the swapped page's, so swap-in restores its rmap.
export const SW_COUNT: u32 = 0;
export const SW_PFN: u32 = 4;
export const SW_MAPPING: u32 = 8;
export const SW_INDEX: u32 = 12;
export const SWAP_SLOT_SIZE: u32 = 16;

// ╒══════════════ Software PTE formats (present bit clear) ══════════════╕
//  swap entry:      bit 9 (SOFTW1) set, swap slot in bits 12..43
//  migration entry: bit 10 (SOFTW2) set, old pfn in bits 12..51, the old
//                   PTE's RW/US/A/D bits kept in place
// └──────────────────────────────────────────────────────────────────────╛
export const PTE_SWAP: u64 = 1 << 9;
export const PTE_MIGRATION: u64 = 1 << 10;
