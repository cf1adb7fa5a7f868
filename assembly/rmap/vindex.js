"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.VIDX_NONE = void 0;
exports.vidx_insert = vidx_insert;
exports.vidx_remove = vidx_remove;
exports.vidx_insert_batch = vidx_insert_batch;
exports.vidx_remove_batch = vidx_remove_batch;
exports.vidx_lookup_batch = vidx_lookup_batch;
// Virtual index: (mm, va) -> an opaque 32-bit secondary-entry handle, the way
// KVM goes hva -> gfn -> rmap head (domain.md §4.1). The notifier layer gives
// the handle its meaning. Open addressing with linear probing; deletion shifts
// the cluster back, so there are no tombstones.
const hash_1 = require("../hash");
const layout_1 = require("../layout");
const machine_1 = require("../machine");
exports.VIDX_NONE = 0xffff_ffff;
// @ts-ignore: decorator
function slot_addr(base, i) {
    return base + i * layout_1.VIDX_SLOT_SIZE;
}
/** Inserts or updates key -> handle. Returns 1 if new, 0 if updated, -1 if the table is full. */
function vidx_insert(m, key, handle) {
    const base = load(m, layout_1.H_VIDX_BASE);
    const mask = load(m, layout_1.H_VIDX_MASK);
    let s = slot_addr(base, (0, hash_1.mix64)(key) & mask);
    let i = (0, hash_1.mix64)(key) & mask;
    let k = load(s, layout_1.VX_KEY);
    while (k && k != key) {
        i = (i + 1) & mask;
        s = slot_addr(base, i);
        k = load(s, layout_1.VX_KEY);
    }
    if (k) {
        store(s, handle, layout_1.VX_HANDLE);
        return 0;
    }
    const used = load(m, layout_1.H_VIDX_USED);
    if (used >= mask)
        return -1; // keep one slot empty so every probe ends
    store(s, key, layout_1.VX_KEY);
    store(s, handle, layout_1.VX_HANDLE);
    store(m, used + 1, layout_1.H_VIDX_USED);
    return 1;
}
/** Removes key. Returns its handle, or VIDX_NONE if absent. */
function vidx_remove(m, key) {
    const base = load(m, layout_1.H_VIDX_BASE);
    const mask = load(m, layout_1.H_VIDX_MASK);
    let i = (0, hash_1.mix64)(key) & mask;
    while (true) {
        const k = load(slot_addr(base, i), layout_1.VX_KEY);
        if (!k)
            return exports.VIDX_NONE;
        if (k == key)
            break;
        i = (i + 1) & mask;
    }
    const handle = load(slot_addr(base, i), layout_1.VX_HANDLE);
    // Backward-shift: pull later entries of the cluster into the hole when their
    // home slot does not lie cyclically in (hole, j].
    let j = i;
    while (true) {
        j = (j + 1) & mask;
        const sj = slot_addr(base, j);
        const k = load(sj, layout_1.VX_KEY);
        if (!k)
            break;
        const home = (0, hash_1.mix64)(k) & mask;
        const inside = i <= j ? home > i && home <= j : home > i || home <= j;
        if (inside)
            continue;
        const si = slot_addr(base, i);
        store(si, k, layout_1.VX_KEY);
        store(si, load(sj, layout_1.VX_HANDLE), layout_1.VX_HANDLE);
        i = j;
    }
    const si = slot_addr(base, i);
    store(si, 0, layout_1.VX_KEY);
    store(si, 0, layout_1.VX_HANDLE);
    store(m, load(m, layout_1.H_VIDX_USED) - 1, layout_1.H_VIDX_USED);
    return handle;
}
/** Inserts n keys (u64) with handles (u32). Returns how many were new, or -1 when full. */
function vidx_insert_batch(m, keys, handles, n) {
    let fresh = 0;
    for (let i = 0; i < n; i++) {
        const r = vidx_insert(m, load(keys + (i << 3)), load(handles + (i << 2)));
        if (r < 0)
            return -1;
        fresh += r;
    }
    return fresh;
}
/** Removes n keys; returns how many were present. */
function vidx_remove_batch(m, keys, n) {
    let found = 0;
    for (let i = 0; i < n; i++) {
        if (vidx_remove(m, load(keys + (i << 3))) != exports.VIDX_NONE)
            found++;
    }
    return found;
}
/**
 * Looks up n keys. Returns sumword(keys found, sum of fmix32(handle)); `out`,
 * when set, gets each handle (VIDX_NONE if absent).
 */
function vidx_lookup_batch(m, cpu, keys, n, out) {
    const base = load(m, layout_1.H_VIDX_BASE);
    const mask = load(m, layout_1.H_VIDX_MASK);
    let found = 0;
    let sum = 0;
    let probes = 0;
    for (let i = 0; i < n; i++) {
        const key = load(keys + (i << 3));
        let h = exports.VIDX_NONE;
        for (let s = (0, hash_1.mix64)(key) & mask;; s = (s + 1) & mask) {
            probes++;
            const k = load(slot_addr(base, s), layout_1.VX_KEY);
            if (k == key) {
                h = load(slot_addr(base, s), layout_1.VX_HANDLE);
                found++;
                sum += (0, hash_1.fmix32)(h);
                break;
            }
            if (!k)
                break;
        }
        if (out)
            store(out + (i << 2), h);
    }
    const c = (0, machine_1.cpu_addr)(m, cpu);
    store(c, load(c, layout_1.C_VIDX_PROBES) + probes, layout_1.C_VIDX_PROBES);
    return (0, hash_1.sumword)(found, sum);
}
