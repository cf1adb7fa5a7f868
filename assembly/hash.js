"use strict";
// Checksum primitives shared bit for bit with src/reference/hash.ts and
// bench/native/core.c: 32-bit arithmetic only, so the TS twin needs no BigInt.
Object.defineProperty(exports, "__esModule", { value: true });
exports.fmix32 = fmix32;
exports.mix64 = mix64;
exports.sumword = sumword;
/** MurmurHash3's 32-bit finaliser. */
// @ts-ignore: decorator
function fmix32(h) {
    h ^= h >> 16;
    h *= 0x85ebca6b;
    h ^= h >> 13;
    h *= 0xc2b2ae35;
    h ^= h >> 16;
    return h;
}
/** Mixes a 64-bit word given as its two halves. */
// @ts-ignore: decorator
function mix64(w) {
    return fmix32(w ^ fmix32((w >> 32) ^ 0x9e3779b9));
}
/** A checksum word: how many items (high half) and the wrapping sum of their mixes (low half). */
// @ts-ignore: decorator
function sumword(count, sum) {
    return (count << 32) | sum;
}
