// mkclean: writeback of one dirty shared-file page — page_mkclean
// write-protects and cleans every mapping, then the write completes.

import { vmSuite } from "../src/vm/suite.js";
import { pages } from "../src/vm/targets.js";
import { OP } from "../src/vmlayout.js";

export const mkclean = vmSuite({
  name: "mkclean",
  doc: "writeback (page_mkclean) through the primary rmap",
  unitDoc: "one dirty shared-file page (mapped by mapcount PTEs) cleaned",
  ops: (sc, _p, n) =>
    sc.fileTargetCount
      ? pages(sc, n, true).map((t) => ({ kind: OP.MKCLEAN, mm: t.mm, a: t.va }))
      : "mkclean works on shared file pages: set file_share > 0 (and children=0)",
});
