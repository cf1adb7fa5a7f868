// reclaim: shrink_page_list for one page at a time — page_referenced, then
// try_to_unmap of every mapping, then the frame is freed (domain.md §2.3).

import { vmSuite } from "../src/vm/suite.js";
import { pages } from "../src/vm/targets.js";
import { OP } from "../src/vmlayout.js";

export const reclaim = vmSuite({
  name: "reclaim",
  doc: "page reclaim through the primary rmap",
  unitDoc: "one page (mapped by mapcount PTEs) unmapped and freed",
  ops: (sc, _p, n) => pages(sc, n).map((t) => ({ kind: OP.RECLAIM, mm: t.mm, a: t.va })),
});
