// Per-batch wall times of scheduled CPUs on two workers, outside the harness:
// the read mix over disjoint processes (share=0, mapcount=1), 1 CPU against
// 2 CPUs, 15 batches each, sorted. It shows what the harness's medians hide:
// whether the batches run at the parallel speed or stall.
//   node --import tsx scripts/sched-batches.ts
import { scaling } from "../bench/scaling.js";
import type { Params } from "../src/options.js";
import { parseSets } from "../src/options.js";
import type { Prepared, SuiteContext } from "../src/suite.js";
import { prepareScheduled } from "../src/vm/scheduled.js";

const cache = new Map<string, Promise<unknown>>();
const closers: (() => unknown)[] = [];
const ctx: SuiteContext = {
  cache: <T>(k: string, make: () => Promise<T>) => {
    if (!cache.has(k)) cache.set(k, make());
    return cache.get(k) as Promise<T>;
  },
  onClose: (fn) => closers.push(fn),
  note: () => {},
};
for (const cpus of [1, 2]) {
  const sets = ["design=virtual", "mix=read", "share=0", "procs=64", "mapcount=1", `cpus=${cpus}`, "workers=2"];
  const grid = parseSets(scaling.params, [...sets, "ops=8000"], "scaling");
  const p = Object.fromEntries(Object.entries(grid).map(([k, v]) => [k, v[0]])) as Params;
  const prep = (await prepareScheduled("scaling", p, ctx)) as Prepared;
  const ns: number[] = [];
  for (let i = 0; i < 15; i++) ns.push((await prep.batch()).ns / prep.ops);
  ns.sort((a, b) => a - b);
  console.log(`cpus=${cpus} ns/record: ${ns.map((x) => x.toFixed(0)).join(" ")}`);
}
for (const f of closers) await f();
