// Modeled time and TLB shootdowns (issue 6 items 2 and 4, single-threaded):
// the cost block and clock offsets agree with the module, modeled time is
// deterministic, the flush ceiling switches to a full flush, and a remote
// flush costs more with every CPU in mm_cpumask.
import assert from "node:assert/strict";
import { test } from "node:test";
import { harnessParams } from "../src/common.js";
import type { Params } from "../src/options.js";
import type { Counters, Prepared } from "../src/suite.js";
import { findSuite } from "../src/suites.js";
import { VmMachine } from "../src/vm/machine.js";
import { scenarioParams, spreadBuild } from "../src/vm/suite.js";
import { COST, type CostSpec, OP, PRIMARY, ST, VM_COST, VM_FLAG } from "../src/vmlayout.js";
import { exportedConstants, loadModule } from "../src/wasm.js";
import { randomVmOps, smallVm, testContext } from "./support/vm.js";

const g = exportedConstants(loadModule("release")) as Record<string, number>;

test("the cost block and the clock words agree with the module", () => {
  assert.equal(g.VM_COST, VM_COST);
  for (const [k, off] of Object.entries(COST)) {
    const name = `CO_${k.replace(/_ns$/, "").toUpperCase()}`;
    assert.equal(g[name], off, name);
  }
  assert.equal(g.ST_MODELED_NS, ST.modeled_ns);
  assert.equal(g.ST_IPIS, ST.ipis);
  assert.equal(scenarioParams.flush_ceiling.default, g.COST_FLUSH_CEILING, "the --set default is the model's");
});

const defaults = Object.fromEntries(
  Object.entries({ ...scenarioParams, ...harnessParams }).map(([k, p]) => [
    k,
    Array.isArray(p.default) ? p.default[0] : p.default,
  ]),
) as Params;

const small: Params = { ...defaults, procs: 8, vmas: 4, pages: 16, mapcount: 4, range_pages: 4, ops: 16 };

async function run(suite: string, over: Params): Promise<Counters> {
  const { ctx, closers } = testContext();
  const p = await findSuite(suite).prepare({ ...small, ...over }, ctx);
  assert.ok(!("skip" in p), `${suite}: ${"skip" in p ? p.skip : ""}`);
  await (p as Prepared).batch();
  for (const c of closers) await c();
  return (p as Prepared).counters();
}

test("modeled time is deterministic: the same seed gives the same counters and modeled_ns, bit for bit", async () => {
  for (const suite of ["munmap", "reclaim", "fork"]) {
    const a = await run(suite, { seed: 7, cpus: 4 });
    const b = await run(suite, { seed: 7, cpus: 4 });
    assert.ok(a.modeled_ns > 0, `${suite}: the clock advanced`);
    assert.deepEqual(a, b, suite);
  }
  // every VM path, on a debug machine: two fresh machines, the same seeded ops
  const clock = (seed: number) => {
    const vm = smallVm("avc");
    vm.run(randomVmOps(seed, 400));
    return vm.stats();
  };
  const [x, y] = [clock(11), clock(11)];
  assert.ok(x.modeled_ns > 0 && x.tlb_flushes > 0);
  assert.deepEqual(x, y);
  assert.notEqual(clock(12).modeled_ns, x.modeled_ns, "another seed, another clock");
});

/** modeled_ns of one mprotect over `pages` pages on CPU 0, under the given cost overrides. */
function mprotectNs(pages: number, cost: CostSpec): number {
  const vm = new VmMachine(
    {
      levels: 4,
      frames: 1024,
      tables: 64,
      chainNodes: 64,
      vidxSlots: 16,
      mms: 3,
      cpus: 2,
      scratch: 1 << 16,
      vm: {
        design: PRIMARY.avc,
        vmas: 16,
        vmasPerMm: 16,
        anonVmas: 16,
        avcs: 64,
        files: 2,
        pageCache: 64,
        swapSlots: 64,
        scratchPerCpu: 64,
        cost,
      },
    },
    "release",
  );
  const base = 0x1000_0000n;
  const RW = VM_FLAG.READ | VM_FLAG.WRITE;
  vm.run([
    { kind: OP.MM_INIT, mm: 1 },
    { kind: OP.MMAP, mm: 1, a: base, c: 64, d: RW },
    { kind: OP.POPULATE, mm: 1, a: base, b: base + (64n << 12n), c: 1 },
  ]);
  const before = vm.stats().modeled_ns;
  const [ok] = vm.run([{ kind: OP.MPROTECT, mm: 1, a: base, b: base + (BigInt(pages) << 12n), c: VM_FLAG.READ }]);
  assert.equal(ok, 1);
  assert.equal(vm.stats().ipis, 0, "a local flush: only CPU 0 ran in the mm");
  return vm.stats().modeled_ns - before;
}

test("a flush of more than flush_ceiling pages costs a full flush, fewer cost one INVLPG a page", () => {
  const invlpg = g.COST_INVLPG_NS;
  const full = g.COST_FULL_FLUSH_NS;
  const never = { flush_ceiling: 1 << 20 }; // every flush per page
  // at or under the default ceiling (33) the flush is per page either way
  for (const n of [1, 16, 33]) assert.equal(mprotectNs(n, {}), mprotectNs(n, never), `${n} pages`);
  // 34 pages: a full flush instead of 34 INVLPGs
  assert.equal(mprotectNs(34, never) - mprotectNs(34, {}), 34 * invlpg - full);
  // per page below the ceiling: the flush of 33 pages against a full flush of them (ceiling 1)
  assert.equal(mprotectNs(33, {}) - mprotectNs(33, { flush_ceiling: 1 }), 33 * invlpg - full);
  // the ceiling is the host's: 16 pages are a full flush under ceiling 8
  assert.equal(mprotectNs(16, never) - mprotectNs(16, { flush_ceiling: 8 }), 16 * invlpg - full);
});

test("the modeled cost of a remote flush grows with the CPUs in mm_cpumask", async () => {
  const rows: Counters[] = [];
  for (const cpus of [1, 2, 4, 8]) {
    const c = await run("munmap", { seed: 3, cpus });
    assert.ok(c.tlb_flushes > 0, "munmap flushes");
    assert.equal(c.ipis, (cpus - 1) * c.tlb_flushes, `cpus=${cpus}: one IPI per remote CPU per flush`);
    rows.push(c);
  }
  for (let i = 1; i < rows.length; i++) {
    assert.ok(rows[i].ipis > rows[i - 1].ipis, "ipis grow");
    assert.ok(rows[i].modeled_ns > rows[i - 1].modeled_ns, "modeled_ns grows");
  }
  // the increment is the shootdown alone: round trip to the first remote CPU, a line per further one
  [1, 2, 4, 8].forEach((cpus, i) => {
    const extra = cpus === 1 ? 0 : g.COST_IPI_NS + (cpus - 2) * g.COST_IPI_EXTRA_NS;
    assert.equal(rows[i].modeled_ns - rows[0].modeled_ns, rows[i].tlb_flushes * extra, `cpus=${cpus}`);
  });
});

test("spreadBuild keeps the faults in order and spreads each populate over the CPUs", () => {
  const op = { kind: OP.POPULATE, mm: 1, a: 0x1000n, b: 0x1000n + (10n << 12n), c: 1 };
  const runs = spreadBuild([{ kind: OP.MM_INIT, mm: 1 }, op], 4);
  assert.deepEqual(
    runs.map((r) => r.cpu),
    [0, 1, 2, 3],
  );
  const slices = runs.flatMap((r) => r.ops).filter((o) => o.kind === OP.POPULATE);
  assert.equal(slices[0].a, op.a);
  assert.equal(slices[slices.length - 1].b, op.b);
  for (let i = 1; i < slices.length; i++) assert.equal(slices[i].a, slices[i - 1].b, "contiguous");
  assert.deepEqual(spreadBuild([op], 1), [{ cpu: 0, ops: [op] }]);
});
