// scaling: throughput against simulated CPUs, per notifier design. Each CPU
// runs its own seeded stream of `ops` records (weak scaling: the work grows
// with the CPUs), the CPUs spread over `workers` threads; the analysis turns
// the `cpus` sweep into speedup and efficiency with their intervals, in wall
// time. Modeled time gives the same per record (`modeled_ns`: the makespan
// over all CPUs), and the lock class that waited longest names what stops a
// design scaling (`lock_<class>_wait_ns`).
import { int, oneOf, type Params } from "../src/options.js";
import type { Entry } from "../src/result.js";
import type { Suite } from "../src/suite.js";
import { limitingLockOf, prepareScheduled, schedParams } from "../src/vm/scheduled.js";
import { validateScenario } from "../src/vm/suite.js";
import { MIXES, type Mix } from "../src/workload/mix.js";

export const scaling: Suite = {
  name: "scaling",
  doc: "throughput against simulated CPUs on worker threads, per design; one op = one record of a CPU's stream",
  variantKey: "design",
  nameKeys: ["design", "secondary", "mix", "cpus", "workers"],
  scalingKeys: ["cpus"],
  params: {
    ...schedParams,
    cpus: int("simulated CPUs, each running its own seeded stream of `ops` records", [1, 2, 4, 8], 1, 64),
    workers: int("worker threads the CPUs are spread over (CPU c on worker c mod workers)", [1, 2], 1, 64),
    mix: oneOf("the operation mix (src/workload/mix.ts)", Object.keys(MIXES) as Mix[], ["read", "lock"]),
    ops: int("records each CPU draws from the mix", 500, 1, 1 << 20),
    rounds: int("interleaved rounds per cell; each runs every variant once, in random order", 3, 1, 1000),
    iterations: int("timed batches per variant per round", 2, 1, 10000),
    warmup: int("untimed batches per variant before the first round (V8 tier-up)", 1, 0, 1000),
  },
  validate: (p: Params) => validateScenario(p),
  prepare: (p, ctx) => prepareScheduled("scaling", p, ctx),
  summary: (entries: Entry[]) => {
    const lines: string[] = [];
    for (const e of entries) {
      if ((e.params.cpus as number) < 2) continue;
      const base = entries.find(
        (x) =>
          x.params.design === e.params.design &&
          x.params.mix === e.params.mix &&
          x.params.workers === e.params.workers &&
          x.params.secondary === e.params.secondary &&
          x.params.cpus === 1,
      );
      const modeled = base ? (base.counters.modeled_ns / e.counters.modeled_ns).toFixed(2) : "?";
      lines.push(`${e.name}: modeled speedup ${modeled}× over cpus=1; waits longest on ${limitingLockOf(e.counters)}`);
    }
    return lines;
  },
};
