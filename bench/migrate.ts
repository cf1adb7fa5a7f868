// migrate: one page moved to a new frame — try_to_unmap into migration
// entries, then every entry pointed at the new frame.

import { vmSuite } from "../src/vm/suite.js";
import { pages } from "../src/vm/targets.js";
import { OP } from "../src/vmlayout.js";

export const migrate = vmSuite({
  name: "migrate",
  doc: "page migration through the primary rmap",
  unitDoc: "one page (mapped by mapcount PTEs) migrated",
  ops: (sc, _p, n) => pages(sc, n).map((t) => ({ kind: OP.MIGRATE, mm: t.mm, a: t.va })),
});
