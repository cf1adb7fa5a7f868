// The seeded generator behind every workload and every resample: xoshiro128**
// (Blackman and Vigna), its state expanded from a 32-bit seed by splitmix32.
// Same seed, same stream, bit for bit, on every platform.

/** splitmix32: a 32-bit seed expander; returns a generator of u32 values. */
export function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128** from an explicit 128-bit state (not all zero); returns a generator of u32 values. */
export function xoshiro128ss(s0: number, s1: number, s2: number, s3: number): () => number {
  let a = s0 >>> 0;
  let b = s1 >>> 0;
  let c = s2 >>> 0;
  let d = s3 >>> 0;
  if ((a | b | c | d) === 0) throw new RangeError("xoshiro128** state must not be all zero");
  return () => {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return r;
  };
}

export class Rng {
  /** A uniform u32. */
  readonly u32: () => number;

  constructor(seed: number) {
    const sm = splitmix32(seed);
    const s = [sm(), sm(), sm(), sm()];
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
    this.u32 = xoshiro128ss(s[0], s[1], s[2], s[3]);
  }

  /** A uniform integer in [0, n), n <= 2^32, without modulo bias. */
  below(n: number): number {
    if (n <= 0) throw new RangeError(`below(${n})`);
    if (n > 0x1_0000_0000) return Math.floor(this.float() * n);
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    for (;;) {
      const x = this.u32();
      if (x < limit) return x % n;
    }
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  float(): number {
    return ((this.u32() >>> 5) * 0x4000000 + (this.u32() >>> 6)) / 0x20000000000000;
  }

  /** A random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
