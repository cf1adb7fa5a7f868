// The C twin of the Wasm core's hot paths, ported function by function from
// assembly/{hash,sync,machine,pagetable}.ts and assembly/rmap/chain.ts with
// the same loop structure, so Wasm vs C compares code generation, not
// algorithms. Addresses are u32 byte offsets into the image at `base`, as in
// the Wasm linear memory; they are turned into pointers where Wasm would add
// its memory base. Loads and stores go through memcpy (one mov at -O2), which
// keeps mixed-width accesses to the same field (the scratch hash is zeroed as
// a u64 and summed as a u32) clear of strict aliasing.
#include "core.h"

#include <string.h>

static inline uint32_t ld32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline uint64_t ld64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void st32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof v); }

static inline void st64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof v); }

// ---- assembly/hash.ts ----

// The Wasm versions are @inline: the static inline bodies are what the hot
// paths use; the extern wrappers below serve other callers.
static inline uint32_t fmix32_i(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

static inline uint32_t mix64_i(uint64_t w) { return fmix32_i((uint32_t)w ^ fmix32_i((uint32_t)(w >> 32) ^ 0x9e3779b9u)); }

static inline uint64_t sumword_i(uint32_t count, uint32_t sum) { return ((uint64_t)count << 32) | (uint64_t)sum; }

uint32_t fmix32(uint32_t h) { return fmix32_i(h); }

uint32_t mix64(uint64_t w) { return mix64_i(w); }

uint64_t sumword(uint32_t count, uint32_t sum) { return sumword_i(count, sum); }

// ---- assembly/sync.ts: ticket spinlock (owner u16 at +0, next u16 at +2) ----

static inline void spin_lock(uint8_t *lock) {
  const uint16_t ticket = __atomic_fetch_add((uint16_t *)(lock + 2), 1, __ATOMIC_SEQ_CST);
  while (__atomic_load_n((uint16_t *)lock, __ATOMIC_SEQ_CST) != ticket) {
    // spin: like the Wasm version, no pause hint
  }
}

static inline void spin_unlock(uint8_t *lock) { __atomic_fetch_add((uint16_t *)lock, 1, __ATOMIC_SEQ_CST); }

// ---- assembly/machine.ts ----

static inline uint32_t page_addr(const uint8_t *base, uint32_t m, uint32_t pfn) {
  return ld32(base + m + H_FRAMES) + pfn * PAGE_SIZE_BYTES;
}

static inline uint32_t mm_addr(const uint8_t *base, uint32_t m, uint32_t mm) {
  return ld32(base + m + H_MM_BASE) + mm * MM_SIZE;
}

static inline uint32_t cpu_addr(const uint8_t *base, uint32_t m, uint32_t cpu) {
  return ld32(base + m + H_CPU_BASE) + cpu * CPU_AREA_SIZE;
}

/** The descriptor (used count, PT lock) of a pool table. */
static inline uint32_t ptdesc(const uint8_t *base, uint32_t m, uint32_t table) {
  return ld32(base + m + H_PTDESC) + ((table - ld32(base + m + H_PT_BASE)) >> 12) * PTD_SIZE;
}

/** A zeroed 4 KiB page-table page, or 0 when the pool is exhausted. */
uint32_t pt_alloc(uint8_t *base, uint32_t m) {
  uint8_t *const mp = base + m;
  uint8_t *const lock = mp + H_ALLOC_LOCK;
  spin_lock(lock);
  uint32_t t = ld32(mp + H_PT_FREE);
  if (t) {
    st32(mp + H_PT_FREE, ld32(base + t));
    st32(base + t, 0); // the free-list link; the rest of a freed table is zero
  } else {
    t = ld32(mp + H_PT_BUMP);
    if ((uint32_t)(t - ld32(mp + H_PT_BASE)) / PT_BYTES >= ld32(mp + H_PT_CAP)) {
      spin_unlock(lock);
      return 0;
    }
    st32(mp + H_PT_BUMP, t + PT_BYTES);
    memset(base + t, 0, PT_BYTES);
  }
  st32(mp + H_PT_USED, ld32(mp + H_PT_USED) + 1);
  spin_unlock(lock);
  memset(base + ptdesc(base, m, t), 0, PTD_SIZE);
  return t;
}

/** Returns an empty table to the pool. */
void pt_free(uint8_t *base, uint32_t m, uint32_t t) {
  uint8_t *const mp = base + m;
  uint8_t *const lock = mp + H_ALLOC_LOCK;
  spin_lock(lock);
  st32(base + t, ld32(mp + H_PT_FREE));
  st32(mp + H_PT_FREE, t);
  st32(mp + H_PT_USED, ld32(mp + H_PT_USED) - 1);
  spin_unlock(lock);
}

// ---- assembly/pagetable.ts ----

static inline uint32_t top_shift(const uint8_t *base, uint32_t m) {
  return 3 + 9 * ld32(base + m + H_LEVELS); // 39 for 4 levels, 48 for 5
}

static inline uint32_t used_add(uint8_t *base, uint32_t m, uint32_t table, int32_t d) {
  uint8_t *const p = base + ptdesc(base, m, table) + PTD_USED;
  const uint32_t u = (uint32_t)((int32_t)ld32(p) + d);
  st32(p, u);
  return u;
}

/**
 * Installs `pte` as the leaf for `va`, allocating tables on the way.
 * Returns 1 if the slot was empty, 0 if a present PTE was replaced, -1 when out of tables.
 */
int32_t pt_map(uint8_t *base, uint32_t m, uint32_t mm, uint64_t va, uint64_t pte) {
  uint8_t *const ma = base + mm_addr(base, m, mm);
  uint32_t table = ld32(ma + MM_PGD);
  for (uint32_t shift = top_shift(base, m); shift > 12; shift -= 9) {
    uint8_t *const slot = base + table + (((uint32_t)(va >> shift) & 511) << 3);
    uint64_t e = ld64(slot);
    if (!(e & PTE_P)) {
      const uint32_t t = pt_alloc(base, m);
      if (!t) return -1;
      uint8_t *const d = base + ptdesc(base, m, t);
      st32(d + PTD_MM, mm);
      st32(d + PTD_SHIFT, shift - 9);
      st64(d + PTD_BASE, va & ~((UINT64_C(1) << shift) - 1));
      e = (uint64_t)t | PTE_TABLE;
      st64(slot, e);
      used_add(base, m, table, 1);
      st32(ma + MM_NR_TABLES, ld32(ma + MM_NR_TABLES) + 1);
    } else if (e & PTE_PSE) {
      return -2;
    }
    table = (uint32_t)(e & PTE_ADDR_MASK);
  }
  uint8_t *const slot = base + table + (((uint32_t)(va >> 12) & 511) << 3);
  const int fresh = !(ld64(slot) & PTE_P);
  st64(slot, pte);
  if (fresh) used_add(base, m, table, 1);
  return fresh ? 1 : 0;
}

/**
 * Translates va like the hardware walker: one load per level, huge leaves
 * (PSE) honoured, A set on access and D on a write, each only when still
 * clear. Bit 63 of va marks a write.
 */
static inline uint64_t walk1(uint8_t *base, uint32_t pgd, uint32_t top, uint64_t va) {
  uint32_t table = pgd;
  uint32_t shift = top;
  while (1) {
    uint8_t *const slot = base + table + (((uint32_t)(va >> shift) & 511) << 3);
    const uint64_t e = ld64(slot);
    if (!(e & PTE_P)) return WALK_NOT_PRESENT;
    if (shift == 12 || (e & PTE_PSE)) {
      const uint64_t write = va >> 63;
      if (write && !(e & PTE_RW)) return WALK_PROT_FAULT;
      const uint64_t want = write ? PTE_A | PTE_D : PTE_A;
      if ((e & want) != want) __atomic_fetch_or((uint64_t *)slot, want, __ATOMIC_SEQ_CST);
      const uint64_t pages = (va & ~WALK_WRITE) >> 12;
      return ((e & PTE_ADDR_MASK) >> 12) + (pages & ((UINT64_C(1) << (shift - 12)) - 1));
    }
    table = (uint32_t)(e & PTE_ADDR_MASK);
    shift -= 9;
  }
}

/** Walks n addresses (u64 array at vas); returns the sum of the PFNs found. */
uint64_t pt_walk_batch(uint8_t *base, uint32_t m, uint32_t cpu, uint32_t mm, uint32_t vas, uint32_t n, uint32_t out) {
  const uint32_t pgd = ld32(base + mm_addr(base, m, mm) + MM_PGD);
  const uint32_t top = top_shift(base, m);
  const uint8_t *const v = base + vas;
  uint64_t sum = 0;
  if (out) {
    uint8_t *const o = base + out;
    for (uint32_t i = 0; i < n; i++) {
      const uint64_t r = walk1(base, pgd, top, ld64(v + ((size_t)i << 3)));
      st64(o + ((size_t)i << 3), r);
      if (r < WALK_PROT_FAULT) sum += r;
    }
  } else {
    for (uint32_t i = 0; i < n; i++) {
      const uint64_t r = walk1(base, pgd, top, ld64(v + ((size_t)i << 3)));
      if (r < WALK_PROT_FAULT) sum += r;
    }
  }
  uint8_t *const c = base + cpu_addr(base, m, cpu);
  st64(c + C_WALKS, ld64(c + C_WALKS) + n);
  st64(c + C_LEVELS, ld64(c + C_LEVELS) + (uint64_t)n * ((uint64_t)(top - 12) / 9 + 1));
  return sum;
}

// Range operations share one directory walk; the leaf action differs.
#define RANGE_ZAP 0u
#define RANGE_WRPROTECT 1u
#define RANGE_MKOLD 2u

/**
 * Applies `mode` to the present leaves of `table` (covering entries of size
 * 1 << shift) inside [start, end); start and end lie within the table's span.
 * Under RANGE_ZAP, child tables that become empty are freed. Returns the
 * number of present entries left in the table.
 */
static uint32_t pt_range_table(uint8_t *base, uint32_t m, uint32_t c, uint32_t table, uint32_t shift, uint64_t start,
                               uint64_t end, uint32_t mode) {
  const uint32_t i0 = (uint32_t)(start >> shift) & 511;
  const uint32_t i1 = (uint32_t)((end - 1) >> shift) & 511;
  const uint64_t span = UINT64_C(1) << shift;
  const uint64_t tbase = start & ~((span << 9) - 1);
  uint32_t used = ld32(base + ptdesc(base, m, table) + PTD_USED);
  uint32_t hash = 0;
  uint32_t count = 0;
  for (uint32_t i = i0; i <= i1; i++) {
    uint8_t *const slot = base + table + (i << 3);
    const uint64_t e = ld64(slot);
    if (!(e & PTE_P)) continue;
    if (shift == 12 || (e & PTE_PSE)) {
      if (mode == RANGE_ZAP) {
        st64(slot, 0);
        hash += mix64_i(e & PTE_ADDR_MASK);
        used--;
      } else if (mode == RANGE_WRPROTECT) {
        if (!(e & PTE_RW)) continue;
        st64(slot, e & ~PTE_RW);
      } else {
        if (!(e & PTE_A)) continue;
        st64(slot, e & ~PTE_A);
      }
      count++;
      continue;
    }
    const uint64_t vbase = tbase + ((uint64_t)i << shift);
    const uint64_t cs = start > vbase ? start : vbase;
    const uint64_t ce = end < vbase + span ? end : vbase + span;
    const uint32_t child = (uint32_t)(e & PTE_ADDR_MASK);
    if (pt_range_table(base, m, c, child, shift - 9, cs, ce, mode) == 0 && mode == RANGE_ZAP) {
      st64(slot, 0);
      pt_free(base, m, child);
      st64(base + c + C_TABLES_FREED, ld64(base + c + C_TABLES_FREED) + 1);
      used--;
    }
  }
  if (count) {
    st32(base + c + C_SCRATCH_HASH, ld32(base + c + C_SCRATCH_HASH) + hash);
    st64(base + c + C_SCRATCH_COUNT, ld64(base + c + C_SCRATCH_COUNT) + count);
  }
  if (mode == RANGE_ZAP) st32(base + ptdesc(base, m, table) + PTD_USED, used);
  return used;
}

static void pt_range(uint8_t *base, uint32_t m, uint32_t cpu, uint32_t mm, uint64_t start, uint64_t end, uint32_t mode) {
  const uint32_t top = top_shift(base, m);
  const uint64_t limit = UINT64_C(1) << (top + 9);
  if (end > limit) end = limit;
  if (end <= start) return;
  const uint32_t pgd = ld32(base + mm_addr(base, m, mm) + MM_PGD);
  pt_range_table(base, m, cpu_addr(base, m, cpu), pgd, top, start, end, mode);
}

/**
 * Zaps n ranges ([start, end) u64 pairs at ranges): clears their PTEs and frees
 * tables that become empty (never the pgd). Returns sumword(PTEs cleared,
 * sum of mix64(cleared PTE address bits)).
 */
uint64_t pt_zap_batch(uint8_t *base, uint32_t m, uint32_t cpu, uint32_t mm, uint32_t ranges, uint32_t n) {
  uint8_t *const c = base + cpu_addr(base, m, cpu);
  st64(c + C_SCRATCH_HASH, 0);
  st64(c + C_SCRATCH_COUNT, 0);
  const uint64_t freed0 = ld64(c + C_TABLES_FREED);
  const uint8_t *const r = base + ranges;
  for (uint32_t i = 0; i < n; i++) {
    pt_range(base, m, cpu, mm, ld64(r + ((size_t)i << 4)), ld64(r + ((size_t)i << 4) + 8), RANGE_ZAP);
  }
  const uint64_t cleared = ld64(c + C_SCRATCH_COUNT);
  st64(c + C_PTES_CLEARED, ld64(c + C_PTES_CLEARED) + cleared);
  uint8_t *const ma = base + mm_addr(base, m, mm);
  st32(ma + MM_NR_TABLES, ld32(ma + MM_NR_TABLES) - (uint32_t)(ld64(c + C_TABLES_FREED) - freed0));
  return sumword_i((uint32_t)cleared, ld32(c + C_SCRATCH_HASH));
}

/** Write-protects the present leaves of n ranges; returns how many lost RW. */
uint64_t pt_protect_batch(uint8_t *base, uint32_t m, uint32_t cpu, uint32_t mm, uint32_t ranges, uint32_t n) {
  uint8_t *const c = base + cpu_addr(base, m, cpu);
  st64(c + C_SCRATCH_COUNT, 0);
  const uint8_t *const r = base + ranges;
  for (uint32_t i = 0; i < n; i++) {
    pt_range(base, m, cpu, mm, ld64(r + ((size_t)i << 4)), ld64(r + ((size_t)i << 4) + 8), RANGE_WRPROTECT);
  }
  return ld64(c + C_SCRATCH_COUNT);
}

/** Test-and-clear young over n ranges; returns how many leaves were young. */
uint64_t pt_mkold_batch(uint8_t *base, uint32_t m, uint32_t cpu, uint32_t mm, uint32_t ranges, uint32_t n) {
  uint8_t *const c = base + cpu_addr(base, m, cpu);
  st64(c + C_SCRATCH_COUNT, 0);
  const uint8_t *const r = base + ranges;
  for (uint32_t i = 0; i < n; i++) {
    pt_range(base, m, cpu, mm, ld64(r + ((size_t)i << 4)), ld64(r + ((size_t)i << 4) + 8), RANGE_MKOLD);
  }
  return ld64(c + C_SCRATCH_COUNT);
}

/** Installs n leaves (u64 va and pte arrays). Returns the count newly present, or -1 when out of tables. */
int32_t pt_map_batch(uint8_t *base, uint32_t m, uint32_t mm, uint32_t vas, uint32_t ptes, uint32_t n) {
  const uint8_t *const v = base + vas;
  const uint8_t *const p = base + ptes;
  int32_t fresh = 0;
  for (uint32_t i = 0; i < n; i++) {
    const int32_t r = pt_map(base, m, mm, ld64(v + ((size_t)i << 3)), ld64(p + ((size_t)i << 3)));
    if (r < 0) return r;
    fresh += r;
  }
  return fresh;
}

static uint64_t digest_table(const uint8_t *base, uint32_t table, uint32_t shift, uint64_t vbase) {
  uint32_t count = 0;
  uint32_t sum = 0;
  for (uint32_t i = 0; i < 512; i++) {
    const uint64_t e = ld64(base + table + (i << 3));
    if (!(e & PTE_P)) continue;
    const uint64_t va = vbase + ((uint64_t)i << shift);
    if (shift == 12 || (e & PTE_PSE)) {
      count++;
      sum += mix64_i(e ^ (va << 4));
    } else {
      const uint64_t d = digest_table(base, (uint32_t)(e & PTE_ADDR_MASK), shift - 9, va);
      count += (uint32_t)(d >> 32);
      sum += (uint32_t)d;
    }
  }
  return sumword_i(count, sum);
}

/** Order-independent digest of an mm's leaves: sumword(leaves, sum of mix(va ^ pte)). */
uint64_t pt_digest(uint8_t *base, uint32_t m, uint32_t mm) {
  const uint32_t top = top_shift(base, m);
  return digest_table(base, ld32(base + mm_addr(base, m, mm) + MM_PGD), top, 0);
}

// ---- assembly/rmap/chain.ts ----

/**
 * Visits every mapping of n PFNs (u32 array). Returns sumword(mappings visited,
 * sum of mix64(entry)); `out`, when set, gets each PFN's own checksum word.
 */
uint64_t rmap_lookup_batch(uint8_t *base, uint32_t m, uint32_t cpu, uint32_t pfns, uint32_t n, uint32_t out) {
  const uint8_t *const pf = base + pfns;
  uint32_t visits = 0;
  uint32_t nodes = 0;
  uint32_t sum = 0;
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *const page = base + page_addr(base, m, ld32(pf + ((size_t)i << 2)));
    uint32_t cnt = 0;
    uint32_t h = 0;
    for (uint32_t c = ld32(page + PG_RMAP); c; c = ld32(base + c + CH_NEXT)) {
      const uint32_t nr = ld32(base + c + CH_NR);
      for (uint32_t k = 0; k < nr; k++) h += mix64_i(ld64(base + c + CH_ENT + (k << 3)));
      cnt += nr;
      nodes++;
    }
    if (out) st64(base + out + ((size_t)i << 3), sumword_i(cnt, h));
    visits += cnt;
    sum += h;
  }
  uint8_t *const c = base + cpu_addr(base, m, cpu);
  st64(c + C_RMAP_VISITS, ld64(c + C_RMAP_VISITS) + visits);
  st64(c + C_CHAIN_NODES, ld64(c + C_CHAIN_NODES) + nodes);
  return sumword_i(visits, sum);
}

// ---- assembly/floor.ts ----

uint64_t noop_batch(uint8_t *base, uint32_t m, uint32_t cpu, uint32_t mm, uint32_t ops, uint32_t n) {
  (void)base;
  (void)cpu; // every worker returns the same checksum
  return (uint64_t)m + (uint64_t)mm + (uint64_t)ops + (uint64_t)n;
}
