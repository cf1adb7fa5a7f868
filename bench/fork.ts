// fork: one process of the scenario's shape forked (dup_mmap, anon_vma_fork,
// copy_page_range inside a range_start/end pair on the parent).
import { vmSuite } from "../src/vm/suite.js";
import { OP } from "../src/vmlayout.js";

export const fork = vmSuite({
  name: "fork",
  doc: "fork of a process of the scenario",
  unitDoc: "one fork of a process of vmas x pages pages",
  extraMms: (p) => p.ops as number,
  ops: (sc, _p, n) =>
    Array.from({ length: n }, (_, i) => ({ kind: OP.FORK, mm: sc.roots[i % sc.roots.length], c: sc.mmsUsed + i })),
});
