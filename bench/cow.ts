// cow: one copy-on-write break — a sharer writes a page it shares with its
// family since fork (do_wp_page: the old translation is flushed and notified
// under the PT lock before the new page is mapped; domain.md §9.3 case B).
import { vmSuite } from "../src/vm/suite.js";
import { OP } from "../src/vmlayout.js";

export const cow = vmSuite({
  name: "cow",
  doc: "copy-on-write break by a forked sharer",
  unitDoc: "one write fault that copies a page shared since fork",
  ops: (sc, _p, n) => {
    if (sc.real) {
      const t = sc.real.cow(n).map((x) => ({ kind: OP.FAULT, mm: x.mm, a: x.va, c: 1 }));
      return t.length ? t : "cow needs anonymous pages shared since fork in writable VMAs: the snapshot has none";
    }
    const anon = sc.layout.filter((v) => !v.file);
    if (sc.shape.mapcount < 2 || !anon.length)
      return "cow needs sharers of anonymous pages: set mapcount >= 2 and file_share < 1";
    const ops = [];
    for (let i = 0; ops.length < n && i < sc.families * anon.length * sc.shape.pages; i++) {
      const fam = sc.members[i % sc.families];
      const v = anon[Math.floor(i / sc.families) % anon.length];
      const page = Math.floor(i / (sc.families * anon.length));
      ops.push({ kind: OP.FAULT, mm: fam[1], a: v.start + (BigInt(page) << 12n), c: 1 });
    }
    return ops;
  },
});
