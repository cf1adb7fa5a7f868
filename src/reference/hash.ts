// The checksum primitives of assembly/hash.ts in 32-bit JS arithmetic.

/** MurmurHash3's 32-bit finaliser. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mix64 of the u64 word (lo, hi). */
export function mix64(lo: number, hi: number): number {
  return fmix32((lo ^ fmix32((hi ^ 0x9e3779b9) >>> 0)) >>> 0);
}

/** sumword(count, sum) as an unsigned bigint. */
export function sumword(count: number, sum: number): bigint {
  return (BigInt(count >>> 0) << 32n) | BigInt(sum >>> 0);
}
