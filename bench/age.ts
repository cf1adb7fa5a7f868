// age: page_referenced on one page — test-and-clear young in every mapping.

import { vmSuite } from "../src/vm/suite.js";
import { pages } from "../src/vm/targets.js";
import { OP } from "../src/vmlayout.js";

export const age = vmSuite({
  name: "age",
  doc: "aging (page_referenced) through the primary rmap",
  unitDoc: "one page (mapped by mapcount PTEs) aged",
  ops: (sc, _p, n) => pages(sc, n).map((t) => ({ kind: OP.AGE, mm: t.mm, a: t.va })),
});
