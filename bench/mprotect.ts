// mprotect: one call write-protecting range_pages pages (change_protection
// inside a range_start/end pair).

import { vmSuite } from "../src/vm/suite.js";
import { ranges } from "../src/vm/targets.js";
import { OP, VM_FLAG } from "../src/vmlayout.js";

export const mprotect = vmSuite({
  name: "mprotect",
  doc: "mprotect(PROT_READ) of part of a VMA",
  unitDoc: "one mprotect call over range_pages pages",
  ops: (sc, p, n) =>
    ranges(sc, p, n).map((r) => ({ kind: OP.MPROTECT, mm: r.mm, a: r.start, b: r.end, c: VM_FLAG.READ })),
});
