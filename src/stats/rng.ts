/**
 * Small seeded pseudo-random number generators. Every resampling routine in
 * src/stats takes an explicit seed and draws from these, so results are
 * reproducible bit for bit across runs and machines.
 */

import { splitmix32, xoshiro128ss } from "../rng.js";

export { splitmix32, xoshiro128ss };

/** A generator of uniform doubles in [0, 1). */
export type Rng = () => number;

/** A seeded uniform [0, 1) generator: xoshiro128** whose state is expanded from `seed` by splitmix32. */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  // Fold the high bits of large integer seeds in, so 1 and 2**32 + 1 differ.
  const lo = seed >>> 0;
  const hi = Math.floor(Math.abs(seed) / 4294967296) >>> 0;
  const sm = splitmix32(lo ^ Math.imul(hi, 0x27d4eb2d));
  let s0 = sm();
  const s1 = sm();
  const s2 = sm();
  const s3 = sm();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  const next = xoshiro128ss(s0, s1, s2, s3);
  return () => next() / 4294967296;
}

/** Derives the seed of the `index`-th independent stream from a parent seed (splitmix32 mixing). */
export function deriveSeed(seed: number, index: number): number {
  return splitmix32((seed >>> 0) ^ Math.imul((index + 1) >>> 0, 0x9e3779b9))();
}

/** A uniform integer in [0, n) drawn from `rng`. */
export function randomIndex(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}
