// Virtual index: (mm, va) -> an opaque 32-bit secondary-entry handle, the way
// KVM goes hva -> gfn -> rmap head (domain.md §4.1). The notifier layer gives
// the handle its meaning. Open addressing with linear probing; deletion shifts
// the cluster back, so there are no tombstones.
import { fmix32, mix64, sumword } from "../hash";
import { C_VIDX_PROBES, H_VIDX_BASE, VIDX_SLOT_SIZE, VX_HANDLE, VX_KEY } from "../layout";
import { cpu_addr } from "../machine";

export const VIDX_NONE: u32 = 0xffff_ffff;

// A table is named by its descriptor: three u32 words {base, mask, used}. The
// machine's own virtual index is the one at H_VIDX_BASE of the header; the
// primary MMU's page cache is another.
// @ts-ignore: decorator
@inline const T_BASE: u32 = 0;
// @ts-ignore: decorator
@inline const T_MASK: u32 = 4;
// @ts-ignore: decorator
@inline const T_USED: u32 = 8;

// @ts-ignore: decorator
@inline function slot_addr(base: usize, i: u32): usize {
  return base + <usize>i * VIDX_SLOT_SIZE;
}

/** Inserts or updates key -> handle. Returns 1 if new, 0 if updated, -1 if the table is full. */
export function vidx_insert(t: usize, key: u64, handle: u32): i32 {
  const base = <usize>load<u32>(t, T_BASE);
  const mask = load<u32>(t, T_MASK);
  let s = slot_addr(base, mix64(key) & mask);
  let i = mix64(key) & mask;
  let k = load<u64>(s, VX_KEY);
  while (k && k != key) {
    i = (i + 1) & mask;
    s = slot_addr(base, i);
    k = load<u64>(s, VX_KEY);
  }
  if (k) {
    store<u32>(s, handle, VX_HANDLE);
    return 0;
  }
  const used = load<u32>(t, T_USED);
  if (used >= mask) return -1; // keep one slot empty so every probe ends
  store<u64>(s, key, VX_KEY);
  store<u32>(s, handle, VX_HANDLE);
  store<u32>(t, used + 1, T_USED);
  return 1;
}

/** Removes key. Returns its handle, or VIDX_NONE if absent. */
export function vidx_remove(t: usize, key: u64): u32 {
  const base = <usize>load<u32>(t, T_BASE);
  const mask = load<u32>(t, T_MASK);
  let i = mix64(key) & mask;
  while (true) {
    const k = load<u64>(slot_addr(base, i), VX_KEY);
    if (!k) return VIDX_NONE;
    if (k == key) break;
    i = (i + 1) & mask;
  }
  const handle = load<u32>(slot_addr(base, i), VX_HANDLE);
  // Backward-shift: pull later entries of the cluster into the hole when their
  // home slot does not lie cyclically in (hole, j].
  let j = i;
  while (true) {
    j = (j + 1) & mask;
    const sj = slot_addr(base, j);
    const k = load<u64>(sj, VX_KEY);
    if (!k) break;
    const home = mix64(k) & mask;
    const inside = i <= j ? home > i && home <= j : home > i || home <= j;
    if (inside) continue;
    const si = slot_addr(base, i);
    store<u64>(si, k, VX_KEY);
    store<u32>(si, load<u32>(sj, VX_HANDLE), VX_HANDLE);
    i = j;
  }
  const si = slot_addr(base, i);
  store<u64>(si, 0, VX_KEY);
  store<u32>(si, 0, VX_HANDLE);
  store<u32>(t, load<u32>(t, T_USED) - 1, T_USED);
  return handle;
}

/** The handle of key, or VIDX_NONE. */
export function vidx_find(t: usize, key: u64): u32 {
  const base = <usize>load<u32>(t, T_BASE);
  const mask = load<u32>(t, T_MASK);
  for (let i = mix64(key) & mask; ; i = (i + 1) & mask) {
    const k = load<u64>(slot_addr(base, i), VX_KEY);
    if (k == key) return load<u32>(slot_addr(base, i), VX_HANDLE);
    if (!k) return VIDX_NONE;
  }
  return unreachable();
}

/** Inserts n keys (u64) with handles (u32). Returns how many were new, or -1 when full. */
export function vidx_insert_batch(m: usize, keys: usize, handles: usize, n: u32): i32 {
  let fresh = 0;
  for (let i: usize = 0; i < n; i++) {
    const r = vidx_insert(m + H_VIDX_BASE, load<u64>(keys + (i << 3)), load<u32>(handles + (i << 2)));
    if (r < 0) return -1;
    fresh += r;
  }
  return fresh;
}

/** Removes n keys; returns how many were present. */
export function vidx_remove_batch(m: usize, keys: usize, n: u32): u32 {
  let found: u32 = 0;
  for (let i: usize = 0; i < n; i++) {
    if (vidx_remove(m + H_VIDX_BASE, load<u64>(keys + (i << 3))) != VIDX_NONE) found++;
  }
  return found;
}

/**
 * Looks up n keys. Returns sumword(keys found, sum of fmix32(handle)); `out`,
 * when set, gets each handle (VIDX_NONE if absent).
 */
export function vidx_lookup_batch(m: usize, cpu: u32, keys: usize, n: u32, out: usize): u64 {
  const base = <usize>load<u32>(m, H_VIDX_BASE + T_BASE);
  const mask = load<u32>(m, H_VIDX_BASE + T_MASK);
  let found: u32 = 0;
  let sum: u32 = 0;
  let probes: u64 = 0;
  for (let i: usize = 0; i < n; i++) {
    const key = load<u64>(keys + (i << 3));
    let h = VIDX_NONE;
    for (let s = mix64(key) & mask; ; s = (s + 1) & mask) {
      probes++;
      const k = load<u64>(slot_addr(base, s), VX_KEY);
      if (k == key) {
        h = load<u32>(slot_addr(base, s), VX_HANDLE);
        found++;
        sum += fmix32(h);
        break;
      }
      if (!k) break;
    }
    if (out) store<u32>(out + (i << 2), h);
  }
  const c = cpu_addr(m, cpu);
  store<u64>(c, load<u64>(c, C_VIDX_PROBES) + probes, C_VIDX_PROBES);
  return sumword(found, sum);
}
