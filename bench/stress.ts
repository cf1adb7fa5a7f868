// stress: simulated CPUs on worker threads running seeded mixes of every VM
// operation at once over shared processes, every checker rule on; the run
// exits non-zero when a rule fires that docs/coherence.md does not list as
// expected for the design (issue 6 item 7).
import { int } from "../src/options.js";
import type { Suite } from "../src/suite.js";
import { prepareScheduled, schedParams, unexpected } from "../src/vm/scheduled.js";
import { validateScenario } from "../src/vm/suite.js";

export const stress: Suite = {
  name: "stress",
  doc: "concurrent random VM operations on scheduled CPUs, checked by every coherence rule; one op = one record",
  variantKey: "design",
  nameKeys: ["design", "secondary", "cpus", "workers", "mix", "kvm_retry"],
  // a small, crowded scenario: CPUs meet on the same pages often, so race windows are reached
  params: {
    ...schedParams,
    procs: int("processes in the scenario (families of mapcount + children)", 4, 1, 1 << 16),
    vmas: int("VMAs per process", 2, 1, 4096),
    pages: int("pages per VMA", 32, 1, 1 << 27),
    range_pages: int("pages per munmap and mprotect", 8, 1, 1 << 18),
  },
  validate: (p) => validateScenario(p),
  prepare: (p, ctx) => prepareScheduled("stress", p, ctx),
  verdict: (e) => {
    const bad = unexpected(e.params, e.counters);
    return bad.length ? `checker violations not expected for ${e.params.design}: ${bad.join(", ")}` : undefined;
  },
};
