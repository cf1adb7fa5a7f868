// The C twin of the Wasm core's hot paths (assembly/pagetable.ts,
// assembly/rmap/chain.ts, assembly/machine.ts, assembly/hash.ts). It works on
// a memory image dumped from the Wasm shared memory: every address in the
// image is a byte offset from `base`, exactly as in the Wasm linear memory.
// Each function takes `base` first and otherwise mirrors the Wasm export.
#ifndef RMAPBENCH_CORE_H
#define RMAPBENCH_CORE_H

#include <stdint.h>

// Layout constants: assembly/layout.ts.
#define MACHINE_MAGIC 0x524d4150u
#define H_MAGIC 0u
#define H_LEVELS 4u
#define H_FRAMES 8u
#define H_NFRAMES 12u
#define H_PT_BASE 16u
#define H_PT_CAP 20u
#define H_PT_BUMP 24u
#define H_PT_FREE 28u
#define H_PT_USED 32u
#define H_PTDESC 36u
#define H_CHAIN_BASE 40u
#define H_CHAIN_CAP 44u
#define H_CHAIN_BUMP 48u
#define H_CHAIN_FREE 52u
#define H_CHAIN_USED 56u
#define H_MM_BASE 72u
#define H_MM_CAP 76u
#define H_CPU_BASE 80u
#define H_CPU_CAP 84u
#define H_ALLOC_LOCK 88u
#define MACHINE_SIZE 256u

#define PTE_P (UINT64_C(1) << 0)
#define PTE_RW (UINT64_C(1) << 1)
#define PTE_US (UINT64_C(1) << 2)
#define PTE_A (UINT64_C(1) << 5)
#define PTE_D (UINT64_C(1) << 6)
#define PTE_PSE (UINT64_C(1) << 7)
#define PTE_ADDR_MASK UINT64_C(0x000ffffffffff000)
#define PTE_TABLE (PTE_P | PTE_RW | PTE_US | PTE_A)
#define PT_BYTES 4096u

#define WALK_NOT_PRESENT UINT64_C(0xffffffffffffffff)
#define WALK_PROT_FAULT UINT64_C(0xfffffffffffffffe)
#define WALK_WRITE (UINT64_C(1) << 63)

#define PTD_USED 0u
#define PTD_MM 8u
#define PTD_SHIFT 12u
#define PTD_BASE 16u
#define PTD_SIZE 32u

#define PG_MAPCOUNT 4u
#define PG_RMAP 20u
#define PAGE_SIZE_BYTES 64u

#define CH_NEXT 0u
#define CH_NR 4u
#define CH_ENT 8u
#define CH_SLOTS 7u
#define CHAIN_NODE_SIZE 64u

#define MM_PGD 0u
#define MM_NR_TABLES 4u
#define MM_SIZE 128u

#define C_WALKS 0u
#define C_LEVELS 8u
#define C_PTES_CLEARED 24u
#define C_TABLES_FREED 32u
#define C_RMAP_VISITS 40u
#define C_CHAIN_NODES 48u
#define C_SCRATCH_HASH 64u
#define C_SCRATCH_COUNT 72u
#define CPU_AREA_SIZE 1024u

// Checksum primitives (assembly/hash.ts).
uint32_t fmix32(uint32_t h);
uint32_t mix64(uint64_t w);
uint64_t sumword(uint32_t count, uint32_t sum);

// Pool allocator for page-table pages (assembly/machine.ts).
uint32_t pt_alloc(uint8_t *base, uint32_t m);
void pt_free(uint8_t *base, uint32_t m, uint32_t t);

// Page tables (assembly/pagetable.ts).
int32_t pt_map(uint8_t *base, uint32_t m, uint32_t mm, uint64_t va, uint64_t pte);
int32_t pt_map_batch(uint8_t *base, uint32_t m, uint32_t mm, uint32_t vas, uint32_t ptes, uint32_t n);
uint64_t pt_walk_batch(uint8_t *base, uint32_t m, uint32_t cpu, uint32_t mm, uint32_t vas, uint32_t n, uint32_t out);
uint64_t pt_zap_batch(uint8_t *base, uint32_t m, uint32_t cpu, uint32_t mm, uint32_t ranges, uint32_t n);
uint64_t pt_protect_batch(uint8_t *base, uint32_t m, uint32_t cpu, uint32_t mm, uint32_t ranges, uint32_t n);
uint64_t pt_mkold_batch(uint8_t *base, uint32_t m, uint32_t cpu, uint32_t mm, uint32_t ranges, uint32_t n);
uint64_t pt_digest(uint8_t *base, uint32_t m, uint32_t mm);

// Physical index on pte_chains (assembly/rmap/chain.ts).
uint64_t rmap_lookup_batch(uint8_t *base, uint32_t m, uint32_t cpu, uint32_t pfns, uint32_t n, uint32_t out);

// The harness floor (assembly/floor.ts).
uint64_t noop_batch(uint8_t *base, uint32_t m, uint32_t cpu, uint32_t mm, uint32_t ops, uint32_t n);

#endif
