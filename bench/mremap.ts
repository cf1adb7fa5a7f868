// mremap: one call moving range_pages pages to a free address (move_ptes
// inside a range_start/end pair on the old range).

import { vmSuite } from "../src/vm/suite.js";
import { MREMAP_BASE, ranges } from "../src/vm/targets.js";
import { OP } from "../src/vmlayout.js";

export const mremap = vmSuite({
  name: "mremap",
  doc: "mremap (move) of part of a VMA",
  unitDoc: "one mremap call over range_pages pages",
  ops: (sc, p, n) =>
    ranges(sc, p, n).map((r, i) => {
      const to = MREMAP_BASE + BigInt(i) * (r.end - r.start + (1n << 21n));
      return { kind: OP.MREMAP, mm: r.mm, a: r.start, b: r.end, c: Number(to & 0xffffffffn), d: Number(to >> 32n) };
    }),
});
