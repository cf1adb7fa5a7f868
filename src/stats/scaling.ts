/**
 * CPU-count scaling with confidence intervals (will-it-scale / LKP
 * vocabulary): per-point throughput, speedup S(N) = median(T_N)/median(T_1),
 * efficiency E(N) = S(N)/N, and the linear reference median(T_1)·N.
 */

import { type BootstrapOptions, type Estimate, medianCI, ratioCI } from "./bootstrap.js";
import { assertSamples, median } from "./quantile.js";
import { deriveSeed } from "./rng.js";

/** Throughput samples (ops/s, higher is better) measured at one CPU count. */
export interface ThroughputPoint {
  cpus: number;
  samples: readonly number[];
}

/** Scaling statistics of one CPU count. */
export interface ScalingPoint {
  cpus: number;
  /** Median throughput with its bootstrap CI. */
  throughput: Estimate;
  /** median(T_N) / median(T_1) with a bootstrap CI (exactly [1, 1] at N = 1). */
  speedup: Estimate;
  /** speedup / N with CI. */
  efficiency: Estimate;
  /** Linear-scaling reference: median(T_1) · N. */
  linear: number;
  /** Efficiency CI lies wholly above 1 (super-linear point, to be flagged rather than hidden). */
  superlinear: boolean;
}

/** Speedup and efficiency per CPU count, ascending by cpus; requires a cpus = 1 point. */
export function scaling(points: readonly ThroughputPoint[], opts: BootstrapOptions): ScalingPoint[] {
  const seen = new Set<number>();
  for (const p of points) {
    if (!(Number.isInteger(p.cpus) && p.cpus >= 1))
      throw new RangeError(`cpus must be a positive integer, got ${p.cpus}`);
    if (seen.has(p.cpus)) throw new RangeError(`duplicate cpus=${p.cpus}`);
    seen.add(p.cpus);
    assertSamples(p.samples, `samples at cpus=${p.cpus}`);
  }
  const one = points.find((p) => p.cpus === 1);
  if (!one) throw new RangeError("scaling needs a cpus=1 point");
  const t1 = median(one.samples);
  const sorted = [...points].sort((a, b) => a.cpus - b.cpus);
  return sorted.map((p) => {
    const seed = deriveSeed(opts.seed, p.cpus);
    const throughput = medianCI(p.samples, { ...opts, seed });
    const speedup: Estimate =
      p.cpus === 1
        ? { estimate: 1, lower: 1, upper: 1 }
        : ratioCI(one.samples, p.samples, { ...opts, seed: deriveSeed(seed, 1) });
    const efficiency: Estimate = {
      estimate: speedup.estimate / p.cpus,
      lower: speedup.lower / p.cpus,
      upper: speedup.upper / p.cpus,
    };
    return { cpus: p.cpus, throughput, speedup, efficiency, linear: t1 * p.cpus, superlinear: efficiency.lower > 1 };
  });
}
