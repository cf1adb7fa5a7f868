// Checksum primitives shared bit for bit with src/reference/hash.ts and
// bench/native/core.c: 32-bit arithmetic only, so the TS twin needs no BigInt.

/** MurmurHash3's 32-bit finaliser. */
// @ts-ignore: decorator
@inline export function fmix32(h: u32): u32 {
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

/** Mixes a 64-bit word given as its two halves. */
// @ts-ignore: decorator
@inline export function mix64(w: u64): u32 {
  return fmix32(<u32>w ^ fmix32(<u32>(w >> 32) ^ 0x9e3779b9));
}

/** A checksum word: how many items (high half) and the wrapping sum of their mixes (low half). */
// @ts-ignore: decorator
@inline export function sumword(count: u32, sum: u32): u64 {
  return (<u64>count << 32) | <u64>sum;
}
