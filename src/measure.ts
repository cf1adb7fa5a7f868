// The measurement engine: a cell's variants run in interleaved rounds of
// randomised order so drift hits all alike. Each round runs tinybench once
// per variant with a fixed iteration count (time: 0) and batch durations
// timed inside the batch (overriddenDuration); the samples are pooled per
// variant. tinybench cannot interleave by itself (harness-anchors.md §1).
import { Bench } from "tinybench";
import { benchName, type Params } from "./options.js";
import type { Entry, Failure, Skip } from "./result.js";
import { Rng } from "./rng.js";
import { summarize } from "./stats/summary.js";
import type { Prepared, Suite, SuiteContext } from "./suite.js";

export interface MeasureOptions {
  rounds: number;
  iterations: number;
  warmup: number;
  seed: number;
  /** The parameters that name an entry (default: the suite's name keys). */
  nameKeys?: string[];
  /** The parameters a cell is prepared with when they differ from those it is labelled with (A/A mode). */
  prepareAs?: (params: Params) => Params;
}

export interface CellOutcome {
  entries: Entry[];
  skipped: Skip[];
  failed: Failure[];
}

/** Groups cells by every parameter but the variant key, keeping first-seen order. */
export function groupCells(cells: Params[], variantKey: string): Params[][] {
  const groups = new Map<string, Params[]>();
  for (const c of cells) {
    const key = JSON.stringify(Object.entries(c).filter(([k]) => k !== variantKey));
    const g = groups.get(key);
    if (g) g.push(c);
    else groups.set(key, [c]);
  }
  return [...groups.values()];
}

/** Measures one group of variants side by side. */
export async function measureGroup(
  suite: Suite,
  group: Params[],
  ctx: SuiteContext,
  opts: MeasureOptions,
): Promise<CellOutcome> {
  const out: CellOutcome = { entries: [], skipped: [], failed: [] };
  const live: { params: Params; name: string; p: Prepared; samples: number[]; rounds: number[]; checksum?: bigint }[] =
    [];
  for (const params of group) {
    const name = benchName(suite.name, params, opts.nameKeys ?? suite.nameKeys);
    try {
      const p = await suite.prepare(opts.prepareAs?.(params) ?? params, ctx);
      if ("skip" in p) out.skipped.push({ name, params, reason: p.skip });
      else live.push({ params, name, p, samples: [], rounds: [] });
    } catch (e) {
      out.failed.push({ name, params, error: errorText(e) });
    }
  }
  const failed = new Set<number>();
  const fail = (i: number, e: unknown) => {
    failed.add(i);
    out.failed.push({ name: live[i].name, params: live[i].params, error: errorText(e) });
  };
  // Warm-up: V8 tiers Wasm and JS up after the first calls (toolchain.md §2).
  for (let i = 0; i < live.length; i++) {
    try {
      for (let k = 0; k < opts.warmup; k++) {
        const r = await live[i].p.batch();
        live[i].checksum ??= r.checksum;
      }
    } catch (e) {
      fail(i, e);
    }
  }
  const rng = new Rng(opts.seed ^ 0x5eed);
  for (let round = 0; round < opts.rounds; round++) {
    const order = rng.permutation(live.length);
    for (const i of order) {
      if (failed.has(i)) continue;
      try {
        const samples = await sampleRound(live[i], opts.iterations);
        live[i].samples.push(...samples);
        live[i].rounds.push(summarize(samples).median);
      } catch (e) {
        fail(i, e);
      }
    }
  }
  for (let i = 0; i < live.length; i++) {
    if (failed.has(i)) continue;
    const v = live[i];
    try {
      const counters = await v.p.counters();
      const s = summarize(v.samples);
      out.entries.push({
        name: v.name,
        params: v.params,
        unit: v.p.unit,
        stats: { median: s.median, mean: s.mean, p99: s.p99, min: s.min, max: s.max, rme: s.rme, samples: s.n },
        checksum: hex(v.checksum ?? 0n),
        counters,
        raw: v.samples,
        round_medians: v.rounds,
      });
    } catch (e) {
      fail(i, e);
    }
  }
  return out;
}

/** One tinybench run of `iterations` batches; returns the samples in the variant's unit. */
async function sampleRound(v: { name: string; p: Prepared; checksum?: bigint }, iterations: number): Promise<number[]> {
  const perOp = v.p.unit === "ns/op" ? v.p.ops : 1;
  const check = (r: { ns: number; checksum: bigint }) => {
    if (v.checksum !== undefined && r.checksum !== v.checksum) {
      throw new Error(`checksum changed between batches: ${hex(v.checksum)} then ${hex(r.checksum)}`);
    }
    v.checksum = r.checksum;
    // tinybench keeps milliseconds; one sample is one batch's time per op.
    return { overriddenDuration: r.ns / perOp / 1e6 };
  };
  const bench = new Bench({ iterations, time: 0, warmup: false, retainSamples: true, throws: true });
  if (v.p.async) bench.add(v.name, async () => check(await v.p.batch()), { async: true });
  else bench.add(v.name, () => check(v.p.batch() as { ns: number; checksum: bigint }), { async: false });
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== "completed") throw new Error(`tinybench task ended ${r.state}`);
  return [...(r.latency.samples ?? [])].map((ms) => ms * 1e6);
}

export function hex(v: bigint): string {
  return `0x${v.toString(16).padStart(16, "0")}`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
