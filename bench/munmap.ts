// munmap: one call over range_pages pages — split, zap inside one
// range_start/end pair, unlink and free the VMA part.

import { vmSuite } from "../src/vm/suite.js";
import { ranges } from "../src/vm/targets.js";
import { OP } from "../src/vmlayout.js";

export const munmap = vmSuite({
  name: "munmap",
  doc: "munmap of part of a VMA",
  unitDoc: "one munmap call over range_pages pages",
  ops: (sc, p, n) => ranges(sc, p, n).map((r) => ({ kind: OP.MUNMAP, mm: r.mm, a: r.start, b: r.end })),
});
