"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.mm_init = mm_init;
exports.pt_map = pt_map;
exports.pt_walk_batch = pt_walk_batch;
exports.pt_zap_batch = pt_zap_batch;
exports.pt_protect_batch = pt_protect_batch;
exports.pt_mkold_batch = pt_mkold_batch;
exports.pt_map_batch = pt_map_batch;
exports.pt_digest = pt_digest;
// x86-64 page tables: 4 levels (5 with levels = 5), 512 u64 entries per 4 KiB
// table, the real PTE bits (layout.ts; domain.md §7.1).
const hash_1 = require("./hash");
const layout_1 = require("./layout");
const machine_1 = require("./machine");
// @ts-ignore: decorator
function top_shift(m) {
    return 3 + 9 * load(m, layout_1.H_LEVELS); // 39 for 4 levels, 48 for 5
}
// @ts-ignore: decorator
function used_add(m, table, d) {
    const p = (0, machine_1.ptdesc)(m, table) + layout_1.PTD_USED;
    const u = (load(p) + d);
    store(p, u);
    return u;
}
/** Gives mm a root table. Returns false when the pool is exhausted. */
function mm_init(m, mm) {
    const t = (0, machine_1.pt_alloc)(m);
    if (!t)
        return false;
    const a = (0, machine_1.mm_addr)(m, mm);
    store(a, t, layout_1.MM_PGD);
    store(a, 1, layout_1.MM_NR_TABLES);
    return true;
}
/**
 * Installs `pte` as the leaf for `va`, allocating tables on the way.
 * Returns 1 if the slot was empty, 0 if a present PTE was replaced, -1 when
 * out of tables, -2 when a huge (PSE) leaf already covers va.
 */
function pt_map(m, mm, va, pte) {
    const ma = (0, machine_1.mm_addr)(m, mm);
    let table = load(ma, layout_1.MM_PGD);
    for (let shift = top_shift(m); shift > 12; shift -= 9) {
        const slot = table + (((va >> shift) & 511) << 3);
        let e = load(slot);
        if (!(e & layout_1.PTE_P)) {
            const t = (0, machine_1.pt_alloc)(m);
            if (!t)
                return -1;
            e = t | layout_1.PTE_TABLE;
            store(slot, e);
            used_add(m, table, 1);
            store(ma, load(ma, layout_1.MM_NR_TABLES) + 1, layout_1.MM_NR_TABLES);
        }
        else if (e & layout_1.PTE_PSE) {
            return -2;
        }
        table = (e & layout_1.PTE_ADDR_MASK);
    }
    const slot = table + (((va >> 12) & 511) << 3);
    const fresh = !(load(slot) & layout_1.PTE_P);
    store(slot, pte);
    if (fresh)
        used_add(m, table, 1);
    return fresh ? 1 : 0;
}
/**
 * Translates va like the hardware walker: one load per level, huge leaves
 * (PSE) honoured, A set on access and D on a write, each only when still
 * clear so a shared table's cache lines stay clean. Bit 63 of va marks a write.
 */
// @ts-ignore: decorator
function walk1(pgd, top, va) {
    let table = pgd;
    let shift = top;
    while (true) {
        const slot = table + (((va >> shift) & 511) << 3);
        const e = load(slot);
        if (!(e & layout_1.PTE_P))
            return layout_1.WALK_NOT_PRESENT;
        if (shift == 12 || (e & layout_1.PTE_PSE)) {
            const write = va >> 63;
            if (write && !(e & layout_1.PTE_RW))
                return layout_1.WALK_PROT_FAULT;
            const want = write ? layout_1.PTE_A | layout_1.PTE_D : layout_1.PTE_A;
            if ((e & want) != want)
                atomic.or(slot, want);
            const pages = (va & ~layout_1.WALK_WRITE) >> 12;
            return ((e & layout_1.PTE_ADDR_MASK) >> 12) + (pages & ((1 << (shift - 12)) - 1));
        }
        table = (e & layout_1.PTE_ADDR_MASK);
        shift -= 9;
    }
}
/** Walks n addresses (u64 array at vas); returns the sum of the PFNs found. */
function pt_walk_batch(m, cpu, mm, vas, n, out) {
    const pgd = load((0, machine_1.mm_addr)(m, mm), layout_1.MM_PGD);
    const top = top_shift(m);
    let sum = 0;
    if (out) {
        for (let i = 0; i < n; i++) {
            const r = walk1(pgd, top, load(vas + (i << 3)));
            store(out + (i << 3), r);
            if (r < layout_1.WALK_PROT_FAULT)
                sum += r;
        }
    }
    else {
        for (let i = 0; i < n; i++) {
            const r = walk1(pgd, top, load(vas + (i << 3)));
            if (r < layout_1.WALK_PROT_FAULT)
                sum += r;
        }
    }
    const c = (0, machine_1.cpu_addr)(m, cpu);
    store(c, load(c, layout_1.C_WALKS) + n, layout_1.C_WALKS);
    store(c, load(c, layout_1.C_LEVELS) + n * ((top - 12) / 9 + 1), layout_1.C_LEVELS);
    return sum;
}
// Range operations share one directory walk; the leaf action differs.
// @ts-ignore: decorator
const RANGE_ZAP = 0;
// @ts-ignore: decorator
const RANGE_WRPROTECT = 1;
// @ts-ignore: decorator
const RANGE_MKOLD = 2;
/**
 * Applies `mode` to the present leaves of `table` (covering entries of size
 * 1 << shift) inside [start, end); start and end lie within the table's span.
 * Under RANGE_ZAP, child tables that become empty are freed. Returns the
 * number of present entries left in the table.
 */
function pt_range_table(m, c, table, shift, start, end, mode) {
    const i0 = (start >> shift) & 511;
    const i1 = ((end - 1) >> shift) & 511;
    const span = 1 << shift;
    const tbase = start & ~((span << 9) - 1);
    let used = load((0, machine_1.ptdesc)(m, table), layout_1.PTD_USED);
    let hash = 0;
    let count = 0;
    for (let i = i0; i <= i1; i++) {
        const slot = table + (i << 3);
        const e = load(slot);
        if (!(e & layout_1.PTE_P))
            continue;
        if (shift == 12 || (e & layout_1.PTE_PSE)) {
            if (mode == RANGE_ZAP) {
                store(slot, 0);
                hash += (0, hash_1.mix64)(e & layout_1.PTE_ADDR_MASK);
                used--;
            }
            else if (mode == RANGE_WRPROTECT) {
                if (!(e & layout_1.PTE_RW))
                    continue;
                store(slot, e & ~layout_1.PTE_RW);
            }
            else {
                if (!(e & layout_1.PTE_A))
                    continue;
                store(slot, e & ~layout_1.PTE_A);
            }
            count++;
            continue;
        }
        const base = tbase + (i << shift);
        const cs = start > base ? start : base;
        const ce = end < base + span ? end : base + span;
        const child = (e & layout_1.PTE_ADDR_MASK);
        if (pt_range_table(m, c, child, shift - 9, cs, ce, mode) == 0 && mode == RANGE_ZAP) {
            store(slot, 0);
            (0, machine_1.pt_free)(m, child);
            store(c, load(c, layout_1.C_TABLES_FREED) + 1, layout_1.C_TABLES_FREED);
            used--;
        }
    }
    if (count) {
        store(c, load(c, layout_1.C_SCRATCH_HASH) + hash, layout_1.C_SCRATCH_HASH);
        store(c, load(c, layout_1.C_SCRATCH_COUNT) + count, layout_1.C_SCRATCH_COUNT);
    }
    if (mode == RANGE_ZAP)
        store((0, machine_1.ptdesc)(m, table), used, layout_1.PTD_USED);
    return used;
}
// @ts-ignore: decorator
function scratch_reset(c) {
    store(c, 0, layout_1.C_SCRATCH_HASH);
    store(c, 0, layout_1.C_SCRATCH_COUNT);
}
function pt_range(m, cpu, mm, start, end, mode) {
    const top = top_shift(m);
    const limit = 1 << (top + 9);
    if (end > limit)
        end = limit;
    if (end <= start)
        return;
    const pgd = load((0, machine_1.mm_addr)(m, mm), layout_1.MM_PGD);
    pt_range_table(m, (0, machine_1.cpu_addr)(m, cpu), pgd, top, start, end, mode);
}
/**
 * Zaps n ranges ([start, end) u64 pairs at ranges): clears their PTEs and frees
 * tables that become empty (never the pgd). Returns sumword(PTEs cleared,
 * sum of mix64(cleared PTE address bits)).
 */
function pt_zap_batch(m, cpu, mm, ranges, n) {
    const c = (0, machine_1.cpu_addr)(m, cpu);
    scratch_reset(c);
    const freed0 = load(c, layout_1.C_TABLES_FREED);
    for (let i = 0; i < n; i++) {
        pt_range(m, cpu, mm, load(ranges + (i << 4)), load(ranges + (i << 4), 8), RANGE_ZAP);
    }
    const cleared = load(c, layout_1.C_SCRATCH_COUNT);
    store(c, load(c, layout_1.C_PTES_CLEARED) + cleared, layout_1.C_PTES_CLEARED);
    const ma = (0, machine_1.mm_addr)(m, mm);
    store(ma, load(ma, layout_1.MM_NR_TABLES) - (load(c, layout_1.C_TABLES_FREED) - freed0), layout_1.MM_NR_TABLES);
    return (0, hash_1.sumword)(cleared, load(c, layout_1.C_SCRATCH_HASH));
}
/** Write-protects the present leaves of n ranges; returns how many lost RW. */
function pt_protect_batch(m, cpu, mm, ranges, n) {
    const c = (0, machine_1.cpu_addr)(m, cpu);
    scratch_reset(c);
    for (let i = 0; i < n; i++) {
        pt_range(m, cpu, mm, load(ranges + (i << 4)), load(ranges + (i << 4), 8), RANGE_WRPROTECT);
    }
    return load(c, layout_1.C_SCRATCH_COUNT);
}
/** Test-and-clear young over n ranges; returns how many leaves were young. */
function pt_mkold_batch(m, cpu, mm, ranges, n) {
    const c = (0, machine_1.cpu_addr)(m, cpu);
    scratch_reset(c);
    for (let i = 0; i < n; i++) {
        pt_range(m, cpu, mm, load(ranges + (i << 4)), load(ranges + (i << 4), 8), RANGE_MKOLD);
    }
    return load(c, layout_1.C_SCRATCH_COUNT);
}
/** Installs n leaves (u64 va and pte arrays). Returns the count newly present, or pt_map's error. */
function pt_map_batch(m, mm, vas, ptes, n) {
    let fresh = 0;
    for (let i = 0; i < n; i++) {
        const r = pt_map(m, mm, load(vas + (i << 3)), load(ptes + (i << 3)));
        if (r < 0)
            return r;
        fresh += r;
    }
    return fresh;
}
/** Order-independent digest of an mm's leaves: sumword(leaves, sum of mix(va ^ pte)). */
function pt_digest(m, mm) {
    const top = top_shift(m);
    return digest_table(load((0, machine_1.mm_addr)(m, mm), layout_1.MM_PGD), top, 0);
}
function digest_table(table, shift, base) {
    let count = 0;
    let sum = 0;
    for (let i = 0; i < 512; i++) {
        const e = load(table + (i << 3));
        if (!(e & layout_1.PTE_P))
            continue;
        const va = base + (i << shift);
        if (shift == 12 || (e & layout_1.PTE_PSE)) {
            count++;
            sum += (0, hash_1.mix64)(e ^ (va << 4));
        }
        else {
            const d = digest_table((e & layout_1.PTE_ADDR_MASK), shift - 9, va);
            count += (d >> 32);
            sum += d;
        }
    }
    return (0, hash_1.sumword)(count, sum);
}
