// The notifier designs against the coherence checker: the expected outcome
// of every suite x design x secondary kind (issue 5), one mutation per
// checker rule that the checker must catch, and the fault-versus-invalidate
// race closed by the seq/count protocols and open without them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { harnessParams } from "../src/common.js";
import type { Params } from "../src/options.js";
import type { Counters, Prepared } from "../src/suite.js";
import { findSuite } from "../src/suites.js";
import { scenarioParams } from "../src/vm/suite.js";
import { CHECK_RULES } from "../src/vmlayout.js";
import { testContext } from "./support/vm.js";

const defaults = Object.fromEntries(
  Object.entries({ ...scenarioParams, ...harnessParams }).map(([k, p]) => [
    k,
    Array.isArray(p.default) ? p.default[0] : p.default,
  ]),
) as Params;

const small: Params = {
  ...defaults,
  procs: 8,
  vmas: 4,
  pages: 16,
  file_share: 0.5,
  mapcount: 4,
  range_pages: 4,
  ops: 12,
  sec_access: 1,
  check_every: 1,
  check_sample: 0,
  tlb_entries: 4096,
};

async function run(suite: string, over: Params): Promise<Counters> {
  const { ctx, closers } = testContext();
  const p = await findSuite(suite).prepare({ ...small, ...over }, ctx);
  assert.ok(!("skip" in p), `${suite}: ${"skip" in p ? p.skip : ""}`);
  const prepared = p as Prepared;
  await prepared.batch();
  for (const c of closers) await c();
  return prepared.counters();
}

const violations = (c: Counters) =>
  Object.fromEntries(CHECK_RULES.filter((k) => c[k]).map((k) => [k, c[k]])) as Record<string, number>;

const SUITES = [
  "reclaim",
  "migrate",
  "mkclean",
  "age",
  "munmap",
  "mprotect",
  "mremap",
  "truncate",
  "fork",
  "exit",
  "cow",
];
const SLEEPS_UNDER_SPINLOCK = new Set(["reclaim", "migrate", "mkclean", "truncate", "cow"]);
const PHYSICAL_HOLES = new Set(["munmap", "mprotect", "mremap", "truncate", "fork", "exit", "cow"]);

for (const design of ["virtual", "physical", "physical+range", "interval"]) {
  test(`expected coverage of ${design} for every suite and secondary kind`, async () => {
    for (const suite of SUITES) {
      for (const secondary of ["kvm", "gru", "xpmem"]) {
        // fork can only downgrade entries that are writable: a family of one keeps its anonymous pages writable
        const shape: Params = suite === "fork" ? { mapcount: 1 } : {};
        const v = violations(await run(suite, { design, secondary, ...shape }));
        const where = `${suite} ${design} ${secondary}: ${JSON.stringify(v)}`;
        if (design === "physical") {
          if (PHYSICAL_HOLES.has(suite)) assert.ok(v.stale_mappings || v.stale_permission, `stale expected: ${where}`);
          else if (suite === "age") assert.ok(v.lost_young, `lost_young expected: ${where}`);
          else assert.deepEqual(v, {}, where);
        } else if (design === "virtual" && secondary === "xpmem" && SLEEPS_UNDER_SPINLOCK.has(suite)) {
          assert.deepEqual(Object.keys(v), ["sleep_in_atomic"], where);
        } else {
          assert.deepEqual(v, {}, where);
        }
      }
    }
  });
}

test("reclaim of pages mapped by M processes: M invalidate_page calls per page under virtual, one per flagged page under physical", async () => {
  const M = 4;
  const virtual = await run("reclaim", { design: "virtual", secondary: "kvm", mapcount: M, sec_access: 0 });
  assert.equal(virtual.calls_invalidate_page, M);
  assert.equal(virtual.calls_rmap_page, 0);
  const physical = await run("reclaim", { design: "physical", secondary: "kvm", mapcount: M, sec_access: 1 });
  assert.equal(physical.calls_invalidate_page, 0);
  assert.equal(physical.calls_rmap_page, 1, "one rmap notifier call per flagged page");
});

const mutations: [string, Params, string][] = [
  ["no_range_end", { suite: "munmap", secondary: "kvm" }, "unpaired_range"],
  ["no_set_dirty", { suite: "mkclean", secondary: "kvm" }, "lost_dirty"],
  ["no_young_or", { suite: "age", secondary: "kvm" }, "lost_young"],
  ["no_tlb_flush", { suite: "munmap", secondary: "gru" }, "stale_mappings"],
  ["free_early", { suite: "munmap", secondary: "kvm", mapcount: 1, file_share: 0 }, "use_after_free"],
  ["fault_in_range", { suite: "munmap", secondary: "kvm", race: "on" }, "fault_in_open_range"],
  ["keep_write", { suite: "mprotect", secondary: "kvm" }, "stale_permission"],
];

for (const [mutate, { suite, ...over }, rule] of mutations) {
  test(`the checker catches ${mutate} as ${rule}, and the unbroken design is clean`, async () => {
    const good = violations(await run(suite as string, { design: "virtual", ...over }));
    assert.deepEqual(good, {}, "the correct variant keeps the checker at zero");
    const bad = violations(await run(suite as string, { design: "virtual", mutate, ...over }));
    assert.ok(bad[rule] > 0, `${mutate}: expected ${rule}, got ${JSON.stringify(bad)}`);
  });
}

test("the race: a secondary fault inside an open range is refused by KVM's seq/count and by the interval seq, and lands without them", async () => {
  for (const design of ["virtual", "interval"]) {
    for (const secondary of ["kvm", "gru", "xpmem"]) {
      const c = await run("munmap", { design, secondary, race: "on" });
      assert.deepEqual(violations(c), {}, `${design} ${secondary}`);
      assert.ok(c.retries > 0, `${design} ${secondary}: the racing fault was retried`);
    }
  }
  const off = violations(await run("munmap", { design: "virtual", secondary: "kvm", race: "on", kvm_retry: "off" }));
  assert.ok(off.fault_in_open_range > 0 && off.stale_mappings > 0, JSON.stringify(off));
});

test("a page dirtied only through a secondary mapping is never reclaimed clean, and secondary young keeps a page on the next aging pass", async () => {
  const { VmMachine } = await import("../src/vm/machine.js");
  const { DESIGN, OP, SECONDARY, VM_FLAG, PRIMARY } = await import("../src/vmlayout.js");
  for (const design of ["virtual", "physical+range", "interval"] as const) {
    for (const secondary of ["kvm", "gru", "xpmem"] as const) {
      const vm = new VmMachine(
        {
          levels: 4,
          frames: 4096,
          tables: 256,
          chainNodes: 1024,
          vidxSlots: 16,
          mms: 4,
          cpus: 2,
          scratch: 1 << 20,
          vm: {
            design: PRIMARY.avc,
            vmas: 64,
            vmasPerMm: 16,
            anonVmas: 64,
            avcs: 256,
            files: 4,
            pageCache: 256,
            swapSlots: 256,
            scratchPerCpu: 256,
            notify: {
              design: DESIGN[design],
              instances: 8,
              entries: 4096,
              extNodes: 1024,
              tlbEntries: 64,
              partitions: 2,
              remoteNs: 1000,
              rmapExt: 14,
              flushPage: false,
              checkEvery: 1,
              kvmRetry: true,
              race: false,
              bugs: 0,
              checkSample: 0,
              aliases: 1,
              descNodes: 16,
            },
          },
        },
        "debug",
      );
      const F = 0x2000_0000n;
      const where = `${design} ${secondary}`;
      vm.run([
        { kind: OP.MM_INIT, mm: 1 },
        { kind: OP.MMAP, mm: 1, a: F, c: 4, d: VM_FLAG.READ | VM_FLAG.WRITE | VM_FLAG.SHARED, b: 1n << 32n },
        { kind: OP.FAULT, mm: 1, a: F, c: 0 }, // the process only reads
        { kind: OP.FAULT, mm: 1, a: F + 4096n, c: 0 },
        { kind: OP.ATTACH, mm: 1, c: SECONDARY[secondary], a: F, d: 4 },
      ]);
      vm.mkoldAll();
      vm.run([{ kind: OP.AGE, mm: 1, a: F }]); // nothing used it yet
      vm.run([{ kind: OP.SEC_ACCESS, c: 0, a: F, d: 1 }]); // the device writes it
      // aging: the secondary's access must count, so reclaim keeps the page this time
      assert.ok(vm.run([{ kind: OP.AGE, mm: 1, a: F }])[0] > 0, `${where}: the secondary's access is seen`);
      // the next pass reclaims it; the dirt must have reached struct page before the write-out
      assert.equal(vm.run([{ kind: OP.RECLAIM, mm: 1, a: F }])[0], 1, `${where}: reclaimed on the next pass`);
      const s = vm.stats();
      assert.equal(
        s.lost_dirty + s.lost_young + s.stale_mappings + s.use_after_free,
        0,
        `${where}: ${JSON.stringify(s)}`,
      );
    }
  }
});

test("KVM rmap descriptors: a gfn mapped by 16 shadow roots takes 6 descriptors of 3 slots or 2 of 14, and every spte goes with the gfn", async () => {
  const at = async (rmap_ext: number) =>
    run("munmap", { design: "virtual", secondary: "kvm", aliases: 16, rmap_ext, sec_access: 1, file_share: 0 });
  const three = await at(3);
  const fourteen = await at(14);
  assert.deepEqual(violations(three), {}, "coherent with 3 slots");
  assert.deepEqual(violations(fourteen), {}, "coherent with 14 slots");
  // per zapped gfn: 16 sptes plus the descriptors walked (6 of 3 slots, 2 of 14)
  assert.ok(three.secondary_invalidations > 0);
  const perGfn = (c: Counters) => c.kvm_rmap_visits / (c.secondary_invalidations / 16);
  assert.equal(perGfn(three), 16 + 6);
  assert.equal(perGfn(fourteen), 16 + 2);
  // descriptor bytes per secondary mapping: 6 x (8 + 12) = 120 against 2 x (8 + 56) = 128 per gfn
  assert.ok(three.kvm_rmap_bytes > 0 && fourteen.kvm_rmap_bytes > 0);
  const single = await run("munmap", { design: "virtual", secondary: "kvm", aliases: 1, sec_access: 1, file_share: 0 });
  assert.equal(single.kvm_rmap_visits, 0, "one spte per gfn needs no rmap walk");
});
