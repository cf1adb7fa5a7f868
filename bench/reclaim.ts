// reclaim: kswapd's two passes over one page — an aging pass (page_referenced)
// that finds it idle or clears its young bits, then shrink_page_list:
// page_referenced again, try_to_unmap of every mapping, the frame freed.

import { vmSuite } from "../src/vm/suite.js";
import { pages } from "../src/vm/targets.js";
import { OP } from "../src/vmlayout.js";

export const reclaim = vmSuite({
  name: "reclaim",
  doc: "page reclaim through the primary rmap",
  unitDoc: "one page (mapped by mapcount PTEs) unmapped and freed",
  ops: (sc, _p, n) => pages(sc, n).map((t) => ({ kind: OP.RECLAIM, mm: t.mm, a: t.va })),
});
