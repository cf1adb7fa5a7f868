"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.machine_init = machine_init;
exports.page_addr = page_addr;
exports.mm_addr = mm_addr;
exports.cpu_addr = cpu_addr;
exports.ptdesc = ptdesc;
exports.pt_alloc = pt_alloc;
exports.pt_free = pt_free;
exports.chain_alloc = chain_alloc;
exports.chain_free = chain_free;
// The machine header and the two pool allocators (page-table pages, pte_chain
// nodes). Regions are carved by the host; see layout.ts.
const layout_1 = require("./layout");
const sync_1 = require("./sync");
/** Checks the header the host wrote and resets the allocators. */
function machine_init(m) {
    store(m, layout_1.MACHINE_MAGIC, layout_1.H_MAGIC);
    store(m, load(m, layout_1.H_PT_BASE), layout_1.H_PT_BUMP);
    store(m, 0, layout_1.H_PT_FREE);
    store(m, 0, layout_1.H_PT_USED);
    store(m, load(m, layout_1.H_CHAIN_BASE) + layout_1.CHAIN_NODE_SIZE, layout_1.H_CHAIN_BUMP); // node 0 is the null node
    store(m, 0, layout_1.H_CHAIN_FREE);
    store(m, 0, layout_1.H_CHAIN_USED);
    store(m, 0, layout_1.H_ALLOC_LOCK);
}
// @ts-ignore: decorator
function page_addr(m, pfn) {
    return load(m, layout_1.H_FRAMES) + pfn * layout_1.PAGE_SIZE_BYTES;
}
// @ts-ignore: decorator
function mm_addr(m, mm) {
    return load(m, layout_1.H_MM_BASE) + mm * layout_1.MM_SIZE;
}
// @ts-ignore: decorator
function cpu_addr(m, cpu) {
    return load(m, layout_1.H_CPU_BASE) + cpu * layout_1.CPU_AREA_SIZE;
}
/** The descriptor (used count, PT lock) of a pool table. */
// @ts-ignore: decorator
function ptdesc(m, table) {
    return load(m, layout_1.H_PTDESC) + ((table - load(m, layout_1.H_PT_BASE)) >> 12) * layout_1.PTD_SIZE;
}
/** A zeroed 4 KiB page-table page, or 0 when the pool is exhausted. */
function pt_alloc(m) {
    const lock = m + layout_1.H_ALLOC_LOCK;
    (0, sync_1.spin_lock)(lock);
    let t = load(m, layout_1.H_PT_FREE);
    if (t) {
        store(m, load(t), layout_1.H_PT_FREE);
        store(t, 0); // the free-list link; the rest of a freed table is zero
    }
    else {
        t = load(m, layout_1.H_PT_BUMP);
        // Compare table counts, not addresses: a pool that ends at 4 GiB wraps the bump address to 0.
        if ((t - load(m, layout_1.H_PT_BASE)) / layout_1.PT_BYTES >= load(m, layout_1.H_PT_CAP)) {
            (0, sync_1.spin_unlock)(lock);
            return 0;
        }
        store(m, (t + layout_1.PT_BYTES), layout_1.H_PT_BUMP);
        memory.fill(t, 0, layout_1.PT_BYTES);
    }
    store(m, load(m, layout_1.H_PT_USED) + 1, layout_1.H_PT_USED);
    (0, sync_1.spin_unlock)(lock);
    store(ptdesc(m, t), 0);
    return t;
}
/** Returns an empty table to the pool. */
function pt_free(m, t) {
    const lock = m + layout_1.H_ALLOC_LOCK;
    (0, sync_1.spin_lock)(lock);
    store(t, load(m, layout_1.H_PT_FREE));
    store(m, t, layout_1.H_PT_FREE);
    store(m, load(m, layout_1.H_PT_USED) - 1, layout_1.H_PT_USED);
    (0, sync_1.spin_unlock)(lock);
}
/** A zeroed 64-byte pte_chain node, or 0 when the pool is exhausted. */
function chain_alloc(m) {
    const lock = m + layout_1.H_ALLOC_LOCK;
    (0, sync_1.spin_lock)(lock);
    let n = load(m, layout_1.H_CHAIN_FREE);
    if (n) {
        store(m, load(n), layout_1.H_CHAIN_FREE);
    }
    else {
        n = load(m, layout_1.H_CHAIN_BUMP);
        if ((n - load(m, layout_1.H_CHAIN_BASE)) / layout_1.CHAIN_NODE_SIZE >= load(m, layout_1.H_CHAIN_CAP)) {
            (0, sync_1.spin_unlock)(lock);
            return 0;
        }
        store(m, (n + layout_1.CHAIN_NODE_SIZE), layout_1.H_CHAIN_BUMP);
    }
    store(m, load(m, layout_1.H_CHAIN_USED) + 1, layout_1.H_CHAIN_USED);
    (0, sync_1.spin_unlock)(lock);
    memory.fill(n, 0, layout_1.CHAIN_NODE_SIZE);
    return n;
}
function chain_free(m, n) {
    const lock = m + layout_1.H_ALLOC_LOCK;
    (0, sync_1.spin_lock)(lock);
    store(n, load(m, layout_1.H_CHAIN_FREE));
    store(m, n, layout_1.H_CHAIN_FREE);
    store(m, load(m, layout_1.H_CHAIN_USED) - 1, layout_1.H_CHAIN_USED);
    (0, sync_1.spin_unlock)(lock);
}
