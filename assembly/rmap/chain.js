"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.rmap_add = rmap_add;
exports.rmap_remove = rmap_remove;
exports.rmap_add_batch = rmap_add_batch;
exports.rmap_remove_batch = rmap_remove_batch;
exports.rmap_lookup_batch = rmap_lookup_batch;
// Physical index: pfn -> every (mm, va) that maps it, on cache-line-sized
// pte_chain nodes hanging off struct page (2.5 / 2.6.0-2.6.6; domain.md §5.1).
// Adding or removing a mapping also moves struct page's mapcount, as
// page_add_rmap / page_remove_rmap did.
const hash_1 = require("../hash");
const layout_1 = require("../layout");
const machine_1 = require("../machine");
/** Adds (mm, va) word `ent` to pfn's chain. Returns false when out of nodes. */
function rmap_add(m, pfn, ent) {
    const page = (0, machine_1.page_addr)(m, pfn);
    let head = load(page, layout_1.PG_RMAP);
    if (!head || load(head, layout_1.CH_NR) == layout_1.CH_SLOTS) {
        const n = (0, machine_1.chain_alloc)(m);
        if (!n)
            return false;
        store(n, head, layout_1.CH_NEXT);
        store(page, n, layout_1.PG_RMAP);
        head = n;
    }
    const nr = load(head, layout_1.CH_NR);
    store(head + layout_1.CH_ENT + (nr << 3), ent);
    store(head, nr + 1, layout_1.CH_NR);
    store(page, load(page, layout_1.PG_MAPCOUNT) + 1, layout_1.PG_MAPCOUNT);
    return true;
}
/** Removes `ent` from pfn's chain, filling the hole from the head node. Returns false if absent. */
function rmap_remove(m, pfn, ent) {
    const page = (0, machine_1.page_addr)(m, pfn);
    const head = load(page, layout_1.PG_RMAP);
    for (let n = head; n; n = load(n, layout_1.CH_NEXT)) {
        const nr = load(n, layout_1.CH_NR);
        for (let i = 0; i < nr; i++) {
            const slot = n + layout_1.CH_ENT + (i << 3);
            if (load(slot) != ent)
                continue;
            const hnr = load(head, layout_1.CH_NR) - 1;
            const last = head + layout_1.CH_ENT + (hnr << 3);
            store(slot, load(last));
            store(last, 0);
            store(head, hnr, layout_1.CH_NR);
            if (!hnr) {
                store(page, load(head, layout_1.CH_NEXT), layout_1.PG_RMAP);
                (0, machine_1.chain_free)(m, head);
            }
            store(page, load(page, layout_1.PG_MAPCOUNT) - 1, layout_1.PG_MAPCOUNT);
            return true;
        }
    }
    return false;
}
/** Adds n mappings (u32 pfns, u64 entries). Returns how many went in before the pool ran out. */
function rmap_add_batch(m, pfns, ents, n) {
    for (let i = 0; i < n; i++) {
        if (!rmap_add(m, load(pfns + (i << 2)), load(ents + (i << 3))))
            return i;
    }
    return n;
}
/** Removes n mappings; returns how many were found. */
function rmap_remove_batch(m, pfns, ents, n) {
    let found = 0;
    for (let i = 0; i < n; i++) {
        if (rmap_remove(m, load(pfns + (i << 2)), load(ents + (i << 3))))
            found++;
    }
    return found;
}
/**
 * Visits every mapping of n PFNs (u32 array). Returns sumword(mappings visited,
 * sum of mix64(entry)); `out`, when set, gets each PFN's own checksum word.
 */
function rmap_lookup_batch(m, cpu, pfns, n, out) {
    let visits = 0;
    let nodes = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
        const page = (0, machine_1.page_addr)(m, load(pfns + (i << 2)));
        let cnt = 0;
        let h = 0;
        for (let c = load(page, layout_1.PG_RMAP); c; c = load(c, layout_1.CH_NEXT)) {
            const nr = load(c, layout_1.CH_NR);
            for (let k = 0; k < nr; k++)
                h += (0, hash_1.mix64)(load(c + layout_1.CH_ENT + (k << 3)));
            cnt += nr;
            nodes++;
        }
        if (out)
            store(out + (i << 3), (0, hash_1.sumword)(cnt, h));
        visits += cnt;
        sum += h;
    }
    const c = (0, machine_1.cpu_addr)(m, cpu);
    store(c, load(c, layout_1.C_RMAP_VISITS) + visits, layout_1.C_RMAP_VISITS);
    store(c, load(c, layout_1.C_CHAIN_NODES) + nodes, layout_1.C_CHAIN_NODES);
    return (0, hash_1.sumword)(visits, sum);
}
