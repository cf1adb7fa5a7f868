// === MMU notifiers and secondary MMUs: their structures ===
// domain.md §1-§4. The notifier header (its address is the VM header's
// VM_NOTIFY) selects the design and holds the global list of the physical
// index's rmap notifiers; each secondary MMU attached to an mm is an
// instance with its own entry table.

// Notifier designs (`--set design=...`).
export const DESIGN_NONE: u32 = 0;
/** 2.6.27: per-mm list, mm + address callbacks. */
export const DESIGN_VIRTUAL: u32 = 1;
/** Christoph Lameter's V1 page-based rmap notifier alone. */
export const DESIGN_PHYSICAL: u32 = 2;
/** Both: "we need both" (domain.md §1.2). */
export const DESIGN_BOTH: u32 = 3;
/** 2019 mmu_interval_notifier: per-mm interval tree of subscriptions, invalidate_seq. */
export const DESIGN_INTERVAL: u32 = 4;

// Secondary MMU kinds.
export const SEC_KVM: u32 = 1;
export const SEC_GRU: u32 = 2;
export const SEC_XPMEM: u32 = 3;

// ╒═══════════════════════ Notifier header (128 B) ═══════════════════════╕
//   0 design    4 inst_base   8 inst_cap   12 inst_used   16 ext pool (24 B, mm/pool.ts)
//  40 rmap_kinds: bit k set = kind k registered an rmap notifier (physical)
//  44 flags: NF_* fault injection for mutation tests
//  48 rmap_ext: KVM descriptor slots (3 or 14)      52 remote_ns: XPmem ack latency
//  56 tlb_entries: GRU TLB size                      60 partitions: XPmem remote partitions
//  64 flush_page: KVM flushes per page (1) or per range_start (0)
//  68 check_every: ops between sampled coherence checks (0 = off)
//  72 ops_since_check   76 kvm_retry (1 = on)   80 ent_base  84 ent_cap (u64 entries)  88 ent_bump
//  92 race: 1 = a secondary fault races every range invalidation (another CPU's, injected)
//  96 check_sample: entries one sampled check examines (0 = all)   100 cursor_inst  104 cursor_entry
// 108 pending_acks: XPmem recalls queued in atomic context (physical+range)
// 112 aliases: KVM sptes per gfn (several shadow roots)   116 KVM rmap descriptor pool (24 B)
// └────────────────────────────────────────────────────────────────────────╛
export const NF_DESIGN: u32 = 0;
export const NF_INST_BASE: u32 = 4;
export const NF_INST_CAP: u32 = 8;
export const NF_INST_USED: u32 = 12;
export const NF_EXT_POOL: u32 = 16;
export const NF_RMAP_KINDS: u32 = 40;
export const NF_FLAGS: u32 = 44;
export const NF_RMAP_EXT: u32 = 48;
export const NF_REMOTE_NS: u32 = 52;
export const NF_TLB_ENTRIES: u32 = 56;
export const NF_PARTITIONS: u32 = 60;
export const NF_FLUSH_PAGE: u32 = 64;
export const NF_CHECK_EVERY: u32 = 68;
export const NF_SINCE_CHECK: u32 = 72;
export const NF_KVM_RETRY: u32 = 76;
export const NF_ENT_BASE: u32 = 80;
export const NF_ENT_CAP: u32 = 84;
export const NF_ENT_BUMP: u32 = 88;
export const NF_RACE: u32 = 92;
export const NF_CHECK_SAMPLE: u32 = 96;
export const NF_CURSOR_INST: u32 = 100;
export const NF_CURSOR_ENTRY: u32 = 104;
export const NF_PENDING_ACKS: u32 = 108;
export const NF_ALIASES: u32 = 112;
export const NF_DESC_POOL: u32 = 116;
export const NF_SIZE: u32 = 160;

// Deliberately broken variants, one per checker rule (mutation tests).
export const BUG_NO_RANGE_END: u32 = 1 << 0; // range_end dropped
export const BUG_NO_SET_DIRTY: u32 = 1 << 1; // spte dropped without set_page_dirty
export const BUG_NO_YOUNG_OR: u32 = 1 << 2; // secondary young not OR-ed into the primary result
export const BUG_NO_TLB_FLUSH: u32 = 1 << 3; // GRU: entries left in its TLB
export const BUG_FREE_EARLY: u32 = 1 << 4; // the page freed before the invalidation returns
export const BUG_FAULT_IN_RANGE: u32 = 1 << 5; // a secondary fault allowed inside an open range
export const BUG_KEEP_WRITE: u32 = 1 << 6; // a downgrade leaves the secondary entry writable

// ╒═════════════════════════ Secondary instance (128 B) ═════════════════════════╕
//   0 kind    4 mm    8 next: next instance on the mm (virtual)   12 entries: table address
//  16 base: first va (u64)   24 pages: entries in the table   28 mmu_lock (spin)
//  32 seq: mmu_notifier_seq / interval invalidate_seq        36 count: invalidations in progress
//  40 itree node (32 B): the interval subscription            72 flags   76 id
//  80 retries   84 faults   88 zapped   92 rmap: KVM's rmap heads (u32 per gfn)
//  96 alias: KVM's further sptes (aliases - 1 per gfn, u64)
// └──────────────────────────────────────────────────────────────────────────────╛
export const SI_KIND: u32 = 0;
export const SI_MM: u32 = 4;
export const SI_NEXT: u32 = 8;
export const SI_ENTRIES: u32 = 12;
export const SI_BASE: u32 = 16;
export const SI_PAGES: u32 = 24;
export const SI_LOCK: u32 = 28;
export const SI_SEQ: u32 = 32;
export const SI_COUNT: u32 = 36;
export const SI_NODE: u32 = 40;
export const SI_ID: u32 = 76;
export const SI_RETRIES: u32 = 80;
export const SI_FAULTS: u32 = 84;
export const SI_RMAP: u32 = 92;
export const SI_ALIAS: u32 = 96;
export const SI_SIZE: u32 = 128;

// ╒═════════════════ Secondary entry (8 B; KVM spte, XPmem export, GRU TLB slot) ═════════════════╕
//  bits 12..43 pfn  ·  bit 0 present  ·  bit 1 writable  ·  bit 5 accessed  ·  bit 6 dirty
//  GRU entries also keep the page index they translate in bits 44..63 (a direct-mapped TLB)
// └────────────────────────────────────────────────────────────────────────────────────────────────╛
export const SE_P: u64 = 1;
export const SE_W: u64 = 2;
export const SE_A: u64 = 32;
export const SE_D: u64 = 64;
export const SE_PFN_MASK: u64 = 0x0000_0fff_ffff_f000;

// ╒═══════ External rmap node (16 B; physical designs) ═══════╕
//   0 next   4 instance   8 index   12 spare
// └───────────────────────────────────────────────────────────╛
// A frame's chain of them starts at struct page offset PG_EXT (layout.ts spare).
export const XR_NEXT: u32 = 0;
export const XR_INST: u32 = 4;
export const XR_INDEX: u32 = 8;
export const XR_SIZE: u32 = 16;
/** struct page's spare word holding the external rmap head. */
export const PG_EXT: u32 = 40;
/** struct page's spare word for the checker: secondary-dirtied / -accessed since last seen. */
export const PG_SEC: u32 = 44;
export const SEC_DIRTIED: u32 = 1;
export const SEC_ACCESSED: u32 = 2;
/** PG_SEC bits 8..31 count the secondary entries that map the frame. */
export const SEC_REF_SHIFT: u32 = 8;

// mm_struct words used by the notifier layer (mm/types.ts leaves 52.. spare)
/** interval tree root of subscriptions (interval design) */
export const MM_ITREE: u32 = 52;
/** invalidate_seq: odd while an overlapping invalidation runs (interval design) */
export const MM_INV_SEQ: u32 = 56;
/** active invalidate ranges (interval design) and open ranges (checker) */
export const MM_ACTIVE: u32 = 60;
/** subscriptions->lock: a spinlock over MM_INV_SEQ and MM_ACTIVE's transitions (interval design) */
export const MM_NF_LOCK: u32 = 64;

// ╒══════════════════════ Notifier statistics (per CPU, u64 each; at NSTAT_OFF) ══════════════════════╕
//   0 calls_invalidate_page   8 calls_range_start   16 calls_range_end   24 calls_young   32 calls_release
//  40 calls_rmap_page   48 notifier_calls   56 ext_rmap_visits   64 secondary_invalidations
//  72 secondary_tlb_flushes   80 sleeps   88 lock_sleep_ns   96 retries   104 secondary_faults
// 176 kvm_rmap_visits: rmap entries and descriptors KVM walked to zap sptes
// 112.. checker rules (CHECK_*), 8 each    248 preempt_count (u32): spinlocks held, kept in every build
// └─────────────────────────────────────────────────────────────────────────────────────────────────┘
export const NSTAT_OFF: u32 = 768;
export const NS_INVALIDATE_PAGE: u32 = 0;
export const NS_RANGE_START: u32 = 8;
export const NS_RANGE_END: u32 = 16;
export const NS_YOUNG: u32 = 24;
export const NS_RELEASE: u32 = 32;
export const NS_RMAP_PAGE: u32 = 40;
export const NS_CALLS: u32 = 48;
export const NS_EXT_VISITS: u32 = 56;
export const NS_SEC_INVALIDATIONS: u32 = 64;
export const NS_SEC_FLUSHES: u32 = 72;
export const NS_SLEEPS: u32 = 80;
export const NS_LOCK_SLEEP_NS: u32 = 88;
export const NS_RETRIES: u32 = 96;
export const NS_SEC_FAULTS: u32 = 104;
export const NS_CHECK: u32 = 112;
export const NS_KVM_RMAP_VISITS: u32 = 176;
export const NS_PREEMPT: u32 = 248;

// Checker rules (domain.md §10), numbered as in docs/coherence.md.
export const CHECK_STALE_MAPPINGS: u32 = 0;
export const CHECK_STALE_PERMISSION: u32 = 1;
export const CHECK_USE_AFTER_FREE: u32 = 2;
export const CHECK_LOST_DIRTY: u32 = 3;
export const CHECK_LOST_YOUNG: u32 = 4;
export const CHECK_FAULT_IN_OPEN_RANGE: u32 = 5;
export const CHECK_UNPAIRED_RANGE: u32 = 6;
export const CHECK_SLEEP_IN_ATOMIC: u32 = 7;
export const CHECK_RULES: u32 = 8;

// ╒═══════ KVM rmap head (u32 per gfn; domain.md §4.1) ═══════╕
//  0: no spte · bit 0 clear: the address of the one spte (inline)
//  bit 0 set: the address of a descriptor, | 1
// └────────────────────────────────────────────────────────────╛
// ╒═══════ KVM rmap descriptor (pte_list_desc): 8 + 4 * rmap_ext B ═══════╕
//   0 more: next descriptor   4 count   8 sptes[rmap_ext]: spte addresses
// └────────────────────────────────────────────────────────────────────────╛
export const KD_MORE: u32 = 0;
export const KD_COUNT: u32 = 4;
export const KD_SPTES: u32 = 8;
