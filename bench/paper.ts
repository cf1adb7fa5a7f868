// paper: the headline comparison of results/README.md (issue 8, table 1) in one
// run — every VM operation (`op`, one of the VM suites) under every notifier
// design with every secondary MMU. A cell delegates to the named VM suite, so
// its counters and checksums are that suite's; the designs stay the variant
// and run interleaved within every cell.
import type { Params } from "../src/options.js";
import { oneOf } from "../src/options.js";
import type { Suite } from "../src/suite.js";
import { age } from "./age.js";
import { cow } from "./cow.js";
import { exit } from "./exit.js";
import { fork } from "./fork.js";
import { migrate } from "./migrate.js";
import { mkclean } from "./mkclean.js";
import { mprotect } from "./mprotect.js";
import { mremap } from "./mremap.js";
import { munmap } from "./munmap.js";
import { reclaim } from "./reclaim.js";
import { secfault } from "./secfault.js";
import { truncate } from "./truncate.js";

/** The VM operations of the seed's question, in the order of the list. */
export const PAPER_OPS = [
  reclaim,
  migrate,
  mkclean,
  age,
  munmap,
  mprotect,
  mremap,
  fork,
  truncate,
  exit,
  cow,
  secfault,
] as const;

const OP_NAMES = PAPER_OPS.map((s) => s.name);
const byName = (p: Params): Suite => {
  const s = PAPER_OPS.find((x) => x.name === p.op);
  if (!s) throw new Error(`paper: unknown op ${String(p.op)}`);
  return s;
};

export const paper: Suite = {
  name: "paper",
  doc: "the seed's question in one run: every VM operation (op = a VM suite) x notifier design x secondary MMU; one op = that suite's op",
  variantKey: "design",
  nameKeys: ["op", "design", "secondary"],
  params: {
    op: oneOf("the VM operation, by suite name (the cell runs that suite)", OP_NAMES, OP_NAMES),
    ...reclaim.params,
    secondary: { ...reclaim.params.secondary, default: ["kvm", "gru", "xpmem"] },
  },
  // a snapshot may give some operations nothing to do: those cells are skipped, not refused
  validate: (p) => (p.snapshot ? undefined : byName(p).validate?.(p)),
  async prepare(p, ctx) {
    const s = byName(p);
    if (p.snapshot) {
      const why = s.validate?.(p);
      if (why) return { skip: why };
    }
    return s.prepare(p, ctx);
  },
};
