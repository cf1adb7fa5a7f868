// secfault: one secondary MMU fault — a KVM guest access, a GRU TLB dropin or
// an XPmem remote access to a page it has no entry for: the sequence sample,
// the primary lookup (faulting the page in when needed), the retry check
// under the secondary's lock, the entry installed (domain.md §3).
import { vmSuite } from "../src/vm/suite.js";
import { OP } from "../src/vmlayout.js";

export const secfault = vmSuite({
  name: "secfault",
  doc: "secondary MMU faults on pages the secondary has not touched",
  unitDoc: "one secondary access that misses and fills",
  ops: (sc, p, n, first) => {
    if (p.design === "none") return "secfault needs a secondary MMU: set design to a notifier design";
    if (sc.real)
      return sc.real
        .secondary(n)
        .map((x) => ({ kind: OP.SEC_ACCESS, c: first?.get(x.mm) ?? 0, a: x.va, d: x.write ? 1 : 0 }));
    const ops = [];
    const procs = sc.members.flat();
    // every page in turn; the ones sec_access already touched hit, so count fills in the counters
    for (let i = 0; ops.length < n && i < procs.length * sc.layout.length * sc.shape.pages; i++) {
      const mm = procs[i % procs.length];
      const v = sc.layout[Math.floor(i / procs.length) % sc.layout.length];
      const page = Math.floor(i / (procs.length * sc.layout.length));
      ops.push({ kind: OP.SEC_ACCESS, c: first?.get(mm) ?? 0, a: v.start + (BigInt(page) << 12n), d: i & 1 });
    }
    return ops;
  },
});
