// One factory for the VM suites: each builds the seeded scenario
// (src/workload/scenario.ts) once per configuration, attaches the secondary
// MMUs and lets them touch a share of the pages, snapshots the machine, and
// then times batches of one kind of VM operation, restoring the snapshot
// between batches outside the timed region. The notifier design is the
// variant, so the designs run interleaved in every cell; `design=none` with a
// sweep of `primary` compares the primary rmap generations alone.
import { harnessParams } from "../common.js";
import type { MachineSpec } from "../layout.js";
import { int, num, oneOf, type Params } from "../options.js";
import { mix64 } from "../reference/hash.js";
import { Rng } from "../rng.js";
import { snapshotBuild, snapshotParam, validateSnapshot } from "../snapshot/workload.js";
import type { Counters, Prepared, Suite, SuiteContext } from "../suite.js";
import {
  BUG,
  CHECK_RULES,
  DESIGN,
  type Design,
  OP,
  PRIMARY,
  type Primary,
  SECONDARY,
  type Secondary,
  XR_SIZE,
} from "../vmlayout.js";
import {
  buildScenario,
  SCENARIO_BASE,
  type Scenario,
  type ScenarioShape,
  SPACE_4LEVEL,
  scenarioEnd,
  scenarioFrames,
} from "../workload/scenario.js";
import { VmMachine, type VmOp } from "./machine.js";

/** The ops of one batch, or why the cell cannot run; `first` maps each mm to its first secondary instance. */
export type OpMaker = (sc: Scenario, p: Params, n: number, first?: Map<number, number>) => VmOp[] | string;

export interface VmSuiteDef {
  name: string;
  doc: string;
  /** What one op is, for `rmapbench list` and the reports. */
  unitDoc: string;
  ops: OpMaker;
  /** Extra mm slots the ops need (fork's children). */
  extraMms?: (p: Params) => number;
  /** VM operation records per counted op (reclaim's aging pass and reclaim: 2). */
  perOp?: number;
}

const PRIMARIES = Object.keys(PRIMARY) as Primary[];
const NOTIFIERS = ["none", ...Object.keys(DESIGN)] as ("none" | Design)[];
const SECONDARIES = Object.keys(SECONDARY) as Secondary[];

export const scenarioParams = {
  design: oneOf(
    "notifier design, the variant compared side by side (none: no secondary MMU, hooks only count)",
    NOTIFIERS,
    NOTIFIERS.slice(1),
  ),
  secondary: oneOf("secondary MMU attached to every process", SECONDARIES, "kvm"),
  primary: oneOf("primary rmap generation", PRIMARIES, "avc"),
  procs: int("processes in the scenario (families of mapcount + children)", 16, 1, 1 << 16),
  vmas: int("VMAs per process", 8, 1, 4096),
  pages: int("pages per VMA", 64, 1, 1 << 27),
  file_share: num("fraction of each process's VMAs that map a shared file", 0.25, 0, 1),
  mapcount: int("processes mapping each target page (a root and its forked sharers)", 4, 1, 4096),
  children: int("extra forked children per family that write (COW) every anonymous page", 0, 0, 4096),
  range_pages: int("pages per range operation (munmap, mprotect, mremap, truncate)", 16, 1, 1 << 18),
  ops: int("operations per timed batch", 256, 1, 1 << 20),
  frames: int("frames in the machine (0: sized to the scenario)", 0, 0, 1 << 24),
  notifiers: int("secondary MMU instances per process (notifiers on each mm)", 1, 1, 64),
  sec_access: num("fraction of each process's pages the secondary MMU touches before timing", 0.5, 0, 1),
  rmap_ext: int("KVM rmap descriptor slots (3 in 2.6.3x's pte_list_desc, 14 since 2021)", 14, 1, 64),
  aliases: int("KVM sptes per gfn (shadow roots mapping it); above 1 they are chained on rmap descriptors", 1, 1, 512),
  partitions: int("XPmem remote partitions acknowledging every invalidation", 4, 1, 1024),
  remote_ns: int("XPmem acknowledgement latency, modeled ns", 2000, 0, 1e9),
  tlb_entries: int("GRU TLB entries", 256, 1, 1 << 20),
  flush: oneOf("KVM remote TLB flushes: one per range_start, or one per page", ["range", "page"] as const, "range"),
  kvm_retry: oneOf("KVM's mmu_notifier_seq/count retry on secondary faults", ["on", "off"] as const, "on"),
  check_every: int("operations between sampled coherence checks (0: off)", 64, 0, 1 << 20),
  check_sample: int("secondary entries one sampled check examines (0: all of them)", 16, 0, 1 << 30),
  race: oneOf(
    "inject another CPU's secondary fault into every open range invalidation (the race the seq/count protocols close)",
    ["off", "on"] as const,
    "off",
  ),
  cpus: int(
    "simulated CPUs each process runs on: the scenario faults every process in across CPUs 0..cpus-1, so its mm_cpumask holds them all and a TLB flush from CPU 0 sends cpus - 1 IPIs",
    4,
    1,
    64,
  ),
  flush_ceiling: int(
    "pages above which a TLB flush is a full flush (tlb_single_page_flush_ceiling; assembly/cost.ts, docs/cost-model.md)",
    33,
    1,
    1 << 20,
  ),
  mutate: oneOf(
    "tests only: a deliberately broken variant the checker must catch",
    ["none", ...(Object.keys(BUG) as (keyof typeof BUG)[])],
    "none",
  ),
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

export interface Built {
  vm: VmMachine;
  sc: Scenario;
  snapshot: Uint8Array;
  /** Primary rmap metadata per mapping, in bytes. */
  rmapBytes: number;
  /** External rmap bytes per secondary mapping (the physical designs' cost). */
  extBytes: number;
  /** KVM rmap descriptor bytes per secondary mapping (non-zero with aliases > 1). */
  kvmRmapBytes: number;
  buildSeconds: number;
  /** Each mm's first secondary instance id. */
  firstInstance: Map<number, number>;
}

function machineSpec(
  sc: Scenario,
  design: Primary,
  frames: number,
  extraMms: number,
  ops: number,
  p: Params,
): MachineSpec & { vm: NonNullable<MachineSpec["vm"]> } {
  const s = sc.shape;
  const need = scenarioFrames(s);
  const span = Number((scenarioEnd(s) - SCENARIO_BASE) >> 12n);
  // secondary faults may bring in pages the scenario has not (children's file pages)
  const nframes = frames || need + ops + 1024 + (p.design === "none" ? 0 : need);
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
    cpus: Math.max(2, p.cpus as number, (p.workers as number | undefined) ?? 1),
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
      notify: notifySpec(p, mms, need, span),
      cost: { flush_ceiling: p.flush_ceiling as number },
    },
  };
}

/** The notifier header's settings from a cell's parameters; undefined for design=none. */
function notifySpec(p: Params, mms: number, frames: number, spanPages: number) {
  if (p.design === "none") return undefined;
  const per = p.notifiers as number;
  const slots = p.secondary === "gru" ? (p.tlb_entries as number) : spanPages;
  const aliases = p.secondary === "kvm" ? (p.aliases as number) : 1;
  // KVM with several roots: rmap heads (half a slot per gfn) and the further sptes
  const kvmExtra = aliases > 1 ? Math.ceil(spanPages / 2) + spanPages * (aliases - 1) : 0;
  return {
    design: DESIGN[p.design as Design],
    instances: mms * per + 8,
    entries: mms * per * (slots + kvmExtra) + 64,
    aliases,
    descNodes: aliases > 1 ? mms * per * spanPages * Math.ceil(aliases / (p.rmap_ext as number)) + 64 : 16,
    extNodes: Math.ceil(frames * (p.sec_access as number)) * per * 4 + 1024,
    tlbEntries: p.tlb_entries as number,
    partitions: p.partitions as number,
    remoteNs: p.remote_ns as number,
    rmapExt: p.rmap_ext as number,
    flushPage: p.flush === "page",
    checkEvery: p.check_every as number,
    kvmRetry: p.kvm_retry === "on",
    race: p.race === "on",
    checkSample: p.check_sample as number,
    bugs: p.mutate === "none" ? 0 : BUG[p.mutate as keyof typeof BUG],
  };
}

/** The parameters that shape the machine (everything but the harness's and the suite's op count). */
const MACHINE_KEYS = [
  "design",
  "secondary",
  "primary",
  "procs",
  "vmas",
  "pages",
  "file_share",
  "mapcount",
  "children",
  "frames",
  "notifiers",
  "sec_access",
  "aliases",
  "rmap_ext",
  "partitions",
  "remote_ns",
  "tlb_entries",
  "flush",
  "kvm_retry",
  "check_every",
  "check_sample",
  "mutate",
  "race",
  "cpus",
  "flush_ceiling",
  "seed",
];

/**
 * The scenario's build spread over `cpus` CPUs: every MAP_POPULATE is cut into
 * `cpus` slices, slice j faulted on CPU j (the process's threads on several
 * CPUs), so every populated mm ends with CPUs 0..cpus-1 in its mm_cpumask.
 * The faults keep their order, so the machine built is the same for any cpus
 * but for the masks and the per-CPU counters. Returns runs of ops per CPU.
 */
export function spreadBuild(ops: VmOp[], cpus: number): { cpu: number; ops: VmOp[] }[] {
  const runs: { cpu: number; ops: VmOp[] }[] = [];
  const push = (cpu: number, op: VmOp) => {
    const last = runs[runs.length - 1];
    if (last && last.cpu === cpu) last.ops.push(op);
    else runs.push({ cpu, ops: [op] });
  };
  for (const op of ops) {
    if (op.kind !== OP.POPULATE || cpus <= 1) {
      push(0, op);
      continue;
    }
    const a = op.a ?? 0n;
    const pages = Number(((op.b ?? 0n) - a) >> 12n);
    const n = Math.min(cpus, pages);
    for (let j = 0, at = 0; j < n; j++) {
      const next = Math.round(((j + 1) * pages) / n);
      push(j, { ...op, a: a + (BigInt(at) << 12n), b: a + (BigInt(next) << 12n) });
      at = next;
    }
  }
  return runs;
}

async function build(def: VmSuiteDef, p: Params, ctx: SuiteContext): Promise<Built> {
  // a captured snapshot instead of the synthetic scenario (src/snapshot/workload.ts)
  if (p.snapshot) return snapshotBuild(p, ctx, def.name, def.extraMms?.(p) ?? 0, notifySpec);
  const primary = p.primary as Primary;
  const shape = shapeOf(p);
  const extra = def.extraMms?.(p) ?? 0;
  const key = `vm:${JSON.stringify(MACHINE_KEYS.map((k) => p[k]))}:${extra}:${p.ops}`;
  return ctx.cache(key, async () => {
    const t0 = performance.now();
    const sc = buildScenario(shape);
    const vm = new VmMachine(machineSpec(sc, primary, p.frames as number, extra, p.ops as number, p), "release");
    const CHUNK = 1 << 15;
    const runAll = (ops: VmOp[], ok: (r: number) => boolean, what: string, cpu = 0) => {
      for (let i = 0; i < ops.length; i += CHUNK) {
        const part = ops.slice(i, i + CHUNK);
        const res = vm.run(part, cpu);
        const bad = res.findIndex((r) => !ok(r));
        if (bad >= 0) throw new Error(`${what} failed at op ${i + bad} (kind ${part[bad].kind}): a pool is too small?`);
      }
    };
    for (const run of spreadBuild(sc.build, p.cpus as number))
      runAll(run.ops, (r) => r === 1, "scenario build", run.cpu);
    // Faults leave every PTE young; age them once so reclaim sees idle pages.
    vm.mkoldAll();
    const firstInstance = attachSecondaries(sc, p, runAll);
    const buildSeconds = (performance.now() - t0) / 1000;
    const mappings = vm.mappings();
    const rmapBytes = mappings ? vm.rmapBytes() / mappings : 0;
    const sec = vm.secondaryEntries();
    const extBytes = sec ? (vm.extRmapNodes() * XR_SIZE) / sec : 0;
    const kvmRmapBytes = sec ? vm.kvmRmapBytes() / sec : 0;
    ctx.note(
      `${def.name} ${p.design}/${p.secondary}/${primary}: ${sc.families} families, ${mappings} mappings, ${sec} secondary entries, built in ${buildSeconds.toFixed(2)} s`,
    );
    return { vm, sc, snapshot: vm.snapshot(), rmapBytes, extBytes, kvmRmapBytes, buildSeconds, firstInstance };
  });
}

/**
 * Attaches `notifiers` secondary MMUs of the cell's kind to every process,
 * each translating the scenario's whole range, and lets the first touch a
 * seeded `sec_access` share of the process's pages (writes on every other).
 * Returns each mm's first instance id.
 */
function attachSecondaries(
  sc: Scenario,
  p: Params,
  runAll: (ops: VmOp[], ok: (r: number) => boolean, what: string) => void,
): Map<number, number> {
  const first = new Map<number, number>();
  if (p.design === "none") return first;
  const span = Number((scenarioEnd(sc.shape) - SCENARIO_BASE) >> 12n);
  const kind = SECONDARY[p.secondary as Secondary];
  let id = 0;
  const attach: VmOp[] = [];
  for (const mm of sc.members.flat()) {
    first.set(mm, id);
    for (let k = 0; k < (p.notifiers as number); k++, id++) {
      attach.push({ kind: OP.ATTACH, mm, c: kind, a: SCENARIO_BASE, d: span });
    }
  }
  runAll(attach, (r) => r !== 0xffffffff, "attaching secondary MMUs");
  const rng = new Rng((p.seed as number) ^ 0x5ec);
  const share = p.sec_access as number;
  const touch: VmOp[] = [];
  for (const mm of sc.members.flat()) {
    const inst = first.get(mm) as number;
    let n = 0;
    for (const v of sc.layout) {
      for (let pg = 0; pg < v.pages; pg++) {
        if (rng.float() >= share) continue;
        touch.push({ kind: OP.SEC_ACCESS, c: inst, a: v.start + (BigInt(pg) << 12n), d: n++ & 1 ? 2 : 0 });
      }
    }
  }
  runAll(touch, (r) => r <= 1, "secondary accesses");
  return first;
}

const STAT_KEYS = [
  "rmap_visits",
  "ptes_cleared",
  "pages_freed",
  "tlb_flushes",
  "hooks_fired",
  "ipis",
  "modeled_ns",
] as const;
const NOTIFY_KEYS = [
  "calls_invalidate_page",
  "calls_range_start",
  "calls_range_end",
  "calls_young",
  "calls_release",
  "calls_rmap_page",
  "notifier_calls",
  "ext_rmap_visits",
  "secondary_invalidations",
  "secondary_tlb_flushes",
  "sleeps",
  "lock_sleep_ns",
  "retries",
  "secondary_faults",
  "kvm_rmap_visits",
] as const;

/** Every VM suite's definition by name, for suites that reuse another's operations (scaling, paper). */
export const vmDefs = new Map<string, VmSuiteDef>();

/** The built machine of a cell (cached per run), and the ops of one batch. */
export async function prepareCell(
  def: VmSuiteDef,
  p: Params,
  ctx: SuiteContext,
): Promise<{ b: Built; ops: VmOp[] | string }> {
  const b = await build(def, p, ctx);
  return { b, ops: def.ops(b.sc, p, p.ops as number, b.firstInstance) };
}

export function vmSuite(def: VmSuiteDef): Suite {
  vmDefs.set(def.name, def);
  return {
    name: def.name,
    doc: `${def.doc}; one op = ${def.unitDoc}`,
    variantKey: "design",
    nameKeys: ["design", "secondary", "primary", "mapcount", "range_pages"],
    params: { ...scenarioParams, snapshot: snapshotParam, ...harnessParams },
    validate: (p) => {
      if (p.snapshot) return validateSnapshot(p, def.ops);
      const bad = validateScenario(p);
      if (bad) return bad;
      const ops = def.ops(buildScenario({ ...shapeOf(p), procs: Math.min(shapeOf(p).procs, 1) }), p, 0);
      return typeof ops === "string" ? ops : undefined;
    },
    async prepare(p: Params, ctx: SuiteContext): Promise<Prepared | { skip: string }> {
      const b = await build(def, p, ctx);
      const n = p.ops as number;
      const ops = def.ops(b.sc, p, n, b.firstInstance);
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
        const counted = ops.length / (def.perOp ?? 1);
        for (const k of STAT_KEYS) c[k] = (after[k] - before[k]) / counted;
        c.rmap_bytes = b.rmapBytes;
        if (p.design !== "none") {
          for (const k of NOTIFY_KEYS) c[k] = (after[k] - before[k]) / counted;
          c.ext_rmap_bytes = b.extBytes;
          c.kvm_rmap_bytes = b.kvmRmapBytes;
          // the checker's counts are totals over the batch, not per op: any non-zero is a violation
          for (const k of CHECK_RULES) c[k] = after[k] - before[k];
        }
        last = c;
        let h = 0;
        for (const r of results) h = (h + mix64(r, 0)) >>> 0;
        const checksum = (BigInt(results.length) << 32n) | BigInt((h ^ vm.digest()) >>> 0);
        return { ns, checksum };
      };
      return { ops: ops.length / (def.perOp ?? 1), unit: "ns/op", async: false, batch, counters: () => last };
    },
  };
}
