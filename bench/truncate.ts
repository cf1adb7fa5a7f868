// truncate: one call cutting range_pages pages off the end of a family's file
// (unmap_mapping_range over every VMA that maps them, then the page cache).
import { vmSuite } from "../src/vm/suite.js";
import { OP } from "../src/vmlayout.js";

export const truncate = vmSuite({
  name: "truncate",
  doc: "truncate of a shared file mapped by every process of its family",
  unitDoc: "one truncate call removing range_pages pages",
  ops: (sc, p, n) => {
    const len = p.range_pages as number;
    if (sc.real) {
      const cuts = sc.real.truncations(len, n).map((t) => ({ kind: OP.TRUNCATE, c: t.file, d: t.keep }));
      return cuts.length || n === 0 ? cuts : "truncate needs files with cached pages: the snapshot maps none";
    }
    const filePages = sc.layout.filter((v) => v.file).length * sc.shape.pages;
    if (!filePages) return "truncate needs shared file VMAs: set file_share > 0";
    const ops = [];
    for (let i = 0; i < n; i++) {
      const keep = filePages - (Math.floor(i / sc.families) + 1) * len;
      if (keep < 0) break;
      ops.push({ kind: OP.TRUNCATE, c: (i % sc.families) + 1, d: keep });
    }
    return ops;
  },
});
