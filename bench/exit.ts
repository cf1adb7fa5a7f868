// exit: one process's exit_mmap — release, then unmap everything, free the
// page tables and the VMAs.
import { vmSuite } from "../src/vm/suite.js";
import { OP } from "../src/vmlayout.js";

export const exit = vmSuite({
  name: "exit",
  doc: "exit of a process of the scenario",
  unitDoc: "one exit_mmap of a process of vmas x pages pages",
  ops: (sc, _p, n) =>
    sc.members
      .flat()
      .slice(0, n)
      .map((mm) => ({ kind: OP.EXIT, mm })),
});
