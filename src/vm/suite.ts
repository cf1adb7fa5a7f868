// One factory for the primary-MMU suites: each builds the seeded scenario
// (src/workload/scenario.ts) once per design, snapshots the machine, and then
// times batches of one kind of VM operation, restoring the snapshot between
// batches outside the timed region. The primary rmap design is the variant,
// so the four generations run interleaved in every cell.
import { harnessParams } from "../common.js";
import type { MachineSpec } from "../layout.js";
import { int, num, oneOf, type Params } from "../options.js";
import { mix64 } from "../reference/hash.js";
import type { Counters, Prepared, Suite, SuiteContext } from "../suite.js";
import { PRIMARY, type Primary } from "../vmlayout.js";
import {
  buildScenario,
  type Scenario,
  type ScenarioShape,
  SPACE_4LEVEL,
  scenarioEnd,
  scenarioFrames,
} from "../workload/scenario.js";
import { VmMachine, type VmOp } from "./machine.js";

export type OpMaker = (sc: Scenario, p: Params, n: number) => VmOp[] | string;

export interface VmSuiteDef {
  name: string;
  doc: string;
  /** What one op is, for `rmapbench list` and the reports. */
  unitDoc: string;
  ops: OpMaker;
  /** Extra mm slots the ops need (fork's children). */
  extraMms?: (p: Params) => number;
}

const DESIGNS = Object.keys(PRIMARY) as Primary[];

export const scenarioParams = {
  primary: oneOf("primary rmap design: the variant compared side by side", DESIGNS, [...DESIGNS]),
  procs: int("processes in the scenario (families of mapcount + children)", 16, 1, 1 << 16),
  vmas: int("VMAs per process", 8, 1, 4096),
  pages: int("pages per VMA", 64, 1, 1 << 27),
  file_share: num("fraction of each process's VMAs that map a shared file", 0.25, 0, 1),
  mapcount: int("processes mapping each target page (a root and its forked sharers)", 4, 1, 4096),
  children: int("extra forked children per family that write (COW) every anonymous page", 0, 0, 4096),
  range_pages: int("pages per range operation (munmap, mprotect, mremap, truncate)", 16, 1, 1 << 18),
  ops: int("operations per timed batch", 256, 1, 1 << 20),
  frames: int("frames in the machine (0: sized to the scenario)", 0, 0, 1 << 24),
};

function shapeOf(p: Params): ScenarioShape {
  return {
    procs: p.procs as number,
    vmas: p.vmas as number,
    pages: p.pages as number,
    fileShare: p.file_share as number,
    mapcount: p.mapcount as number,
    children: p.children as number,
    seed: p.seed as number,
  };
}

/** The scenario's problems, named by parameter, or undefined. */
export function validateScenario(p: Params): string | undefined {
  const s = shapeOf(p);
  if (s.mapcount > s.procs) return `mapcount (${s.mapcount}) exceeds procs (${s.procs}): set procs >= mapcount`;
  if (s.mapcount + s.children > s.procs) {
    return `a family of mapcount + children (${s.mapcount + s.children}) processes does not fit in procs (${s.procs})`;
  }
  if (scenarioEnd(s) > SPACE_4LEVEL) {
    return `vmas x pages (${s.vmas} x ${s.pages}) reach past the 47-bit user space of 4-level paging: lower vmas or pages`;
  }
  const frames = p.frames as number;
  const need = scenarioFrames(s);
  if (frames && need > frames)
    return `the scenario needs ${need} frames, more than frames (${frames}): raise frames or lower pages`;
  if (need > 1 << 24)
    return `the scenario needs ${need} frames; at most 16 Mi fit in the 4 GiB memory: lower procs, vmas or pages`;
  if ((p.range_pages as number) > s.pages) return `range_pages (${p.range_pages}) exceeds pages per VMA (${s.pages})`;
  return undefined;
}

interface Built {
  vm: VmMachine;
  sc: Scenario;
  snapshot: Uint8Array;
  /** Primary rmap metadata per mapping, in bytes. */
  rmapBytes: number;
  buildSeconds: number;
}

function machineSpec(
  sc: Scenario,
  design: Primary,
  frames: number,
  extraMms: number,
  ops: number,
): MachineSpec & { vm: NonNullable<MachineSpec["vm"]> } {
  const s = sc.shape;
  const need = scenarioFrames(s);
  const nframes = frames || need + ops + 1024; // migration takes a frame before it frees one
  const mms = sc.mmsUsed + extraMms + 1;
  const leafTables = mms * s.vmas * (Math.ceil(s.pages / 512) + 1);
  // pte_chain nodes: one per page with more than one mapping (PageDirect covers one), for
  // every page (ptechain) or the anonymous ones (objlist)
  const perPage = s.mapcount + s.children > 1 ? Math.ceil((s.mapcount + s.children) / 14) : 0;
  const anonShare = 1 - Math.round(s.vmas * s.fileShare) / s.vmas;
  const chained = design === "ptechain" ? need : design === "objlist" ? Math.ceil(need * anonShare) : 0;
  const filePages = sc.families * s.pages * Math.round(s.vmas * s.fileShare);
  return {
    levels: 4,
    frames: nframes,
    tables: leafTables + mms * (2 + 2 * s.vmas) + 64,
    chainNodes: chained * perPage + ops * 4 + 1024,
    vidxSlots: 16,
    mms,
    cpus: 2,
    scratch: 4 << 20,
    vm: {
      design: PRIMARY[design],
      vmas: mms * s.vmas * 2 + 64,
      vmasPerMm: s.vmas * 2 + 16,
      anonVmas: mms * s.vmas * 2 + 64,
      avcs: mms * s.vmas * (s.mapcount + s.children + 2) + 64,
      files: sc.files + 1,
      pageCache: 2 ** Math.ceil(Math.log2(2 * filePages + 16)),
      swapSlots: Math.min(nframes, ops * 2 + 1024),
      scratchPerCpu: Math.max(1024, 2 * (s.mapcount + s.children)),
    },
  };
}

async function build(def: VmSuiteDef, p: Params, ctx: SuiteContext): Promise<Built> {
  const design = p.primary as Primary;
  const shape = shapeOf(p);
  const extra = def.extraMms?.(p) ?? 0;
  const key = `vm:${design}:${JSON.stringify(shape)}:${p.frames}:${extra}:${p.ops}`;
  return ctx.cache(key, async () => {
    const t0 = performance.now();
    const sc = buildScenario(shape);
    const vm = new VmMachine(machineSpec(sc, design, p.frames as number, extra, p.ops as number), "release");
    const CHUNK = 1 << 15;
    for (let i = 0; i < sc.build.length; i += CHUNK) {
      const part = sc.build.slice(i, i + CHUNK);
      const res = vm.run(part);
      const bad = res.findIndex((r) => r !== 1);
      if (bad >= 0)
        throw new Error(`scenario build failed at op ${i + bad} (kind ${part[bad].kind}): out of memory in a pool?`);
    }
    // Faults leave every PTE young; age them once so reclaim sees idle pages.
    vm.mkoldAll();
    const buildSeconds = (performance.now() - t0) / 1000;
    const mappings = vm.mappings();
    const rmapBytes = mappings ? vm.rmapBytes() / mappings : 0;
    ctx.note(
      `${def.name} ${design}: scenario of ${sc.families} families, ${mappings} mappings, built in ${buildSeconds.toFixed(2)} s`,
    );
    return { vm, sc, snapshot: vm.snapshot(), rmapBytes, buildSeconds };
  });
}

const STAT_KEYS = ["rmap_visits", "ptes_cleared", "pages_freed", "tlb_flushes", "hooks_fired"] as const;

export function vmSuite(def: VmSuiteDef): Suite {
  return {
    name: def.name,
    doc: `${def.doc}; one op = ${def.unitDoc}`,
    variantKey: "primary",
    nameKeys: ["primary", "procs", "vmas", "pages", "file_share", "mapcount", "children", "range_pages"],
    params: { ...scenarioParams, ...harnessParams },
    validate: (p) => {
      const bad = validateScenario(p);
      if (bad) return bad;
      const ops = def.ops(buildScenario({ ...shapeOf(p), procs: Math.min(shapeOf(p).procs, 1) }), p, 0);
      return typeof ops === "string" ? ops : undefined;
    },
    async prepare(p: Params, ctx: SuiteContext): Promise<Prepared | { skip: string }> {
      const b = await build(def, p, ctx);
      const n = p.ops as number;
      const ops = def.ops(b.sc, p, n);
      if (typeof ops === "string") return { skip: ops };
      const { vm } = b;
      let last: Counters = {};
      const batch = () => {
        vm.restore(b.snapshot);
        const before = vm.stats();
        const t0 = process.hrtime.bigint();
        const results = vm.run(ops);
        const ns = Number(process.hrtime.bigint() - t0);
        const after = vm.stats();
        const c: Counters = {};
        for (const k of STAT_KEYS) c[k] = (after[k] - before[k]) / ops.length;
        c.rmap_bytes = b.rmapBytes;
        last = c;
        let h = 0;
        for (const r of results) h = (h + mix64(r, 0)) >>> 0;
        const checksum = (BigInt(results.length) << 32n) | BigInt((h ^ vm.digest()) >>> 0);
        return { ns, checksum };
      };
      return { ops: ops.length, unit: "ns/op", async: false, batch, counters: () => last };
    },
  };
}
