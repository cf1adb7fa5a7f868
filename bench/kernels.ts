// kernels: the three hot paths (PTE walk, rmap lookup, range invalidation)
// plus the virtual-index lookup and the harness floor, each on the Wasm core,
// the TS twin and the C twin, over one fixed seeded workload
// (src/workload/kernels.ts). Checksums must agree across implementations.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { harnessParams } from "../src/common.js";
import type { Core, CoreOp } from "../src/core.js";
import { C, planMachine } from "../src/layout.js";
import { hex } from "../src/measure.js";
import { int, oneOf, type Params } from "../src/options.js";
import { WorkerPool } from "../src/pool.js";
import { TsCore } from "../src/reference/core.js";
import type { Entry } from "../src/result.js";
import type { BatchResult, Counters, Prepared, Suite, SuiteContext } from "../src/suite.js";
import { createMemory, instantiate, loadModule } from "../src/wasm.js";
import type { Call } from "../src/worker.js";
import { buildKernels, type KernelsShape, type KernelsWorkload, kernelsSpec } from "../src/workload/kernels.js";
import { buildNative, NativeTwin, writeImage } from "./native/native.js";

const OPS = ["walk", "rmap_lookup", "vidx_lookup", "zap_range", "floor"] as const;
const IMPLS = ["wasm", "ts", "native"] as const;
type Op = (typeof OPS)[number];
type Impl = (typeof IMPLS)[number];

interface Machine {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  wasm: Core;
  ts: Core;
  w: KernelsWorkload;
  pools: Map<number, Promise<WorkerPool>>;
  native?: Promise<NativeTwin | { skipped: string }>;
}

const now = () => process.hrtime.bigint();
const rotl1 = (d: bigint) => BigInt.asUintN(64, (d << 1n) | (d >> 63n));

export const kernels: Suite = {
  name: "kernels",
  doc: "the hot paths on Wasm, the TS twin and the C twin over one fixed workload",
  variantKey: "impl",
  nameKeys: ["op", "impl", "workers"],
  params: {
    op: oneOf(
      "hot path: walk = one address translated; rmap_lookup = one PFN with all its mappings visited; vidx_lookup = one (mm, va) key found; zap_range = one PTE cleared; floor = an empty batch (ns/batch)",
      OPS,
      [...OPS],
    ),
    impl: oneOf("implementation", IMPLS, [...IMPLS]),
    workers: int("worker threads sharing the one memory (walks and lookups split over them)", [1, 2], 1, 64),
    regions: int("mapped regions at random 2 MiB-aligned bases", 64, 1, 4096),
    pages: int("4 KiB pages per region", 16384, 512, 1 << 20),
    mapcount: int("mms mapping each PFN in the physical index", 4, 1, 4096),
    walks: int("walk addresses per batch", 1 << 20, 1000, 1 << 24),
    lookups: int("PFNs (or keys) per lookup batch", 1 << 20, 1000, 1 << 24),
    windows: int("zap windows per batch, one per region in turn", 64, 1, 4096),
    window_pages: int("pages per zap window (256 = 1 MiB)", 256, 1, 1 << 18),
    ...harnessParams,
  },
  prepare,
  summary,
};

async function machine(params: Params, ctx: SuiteContext): Promise<Machine> {
  const shape: KernelsShape = {
    regions: params.regions as number,
    pages: params.pages as number,
    walks: params.walks as number,
    lookups: params.lookups as number,
    mapcount: params.mapcount as number,
    windows: params.windows as number,
    windowPages: params.window_pages as number,
    seed: params.seed as number,
  };
  return ctx.cache(`kernels:${JSON.stringify(shape)}`, async () => {
    if (shape.windowPages > shape.pages)
      throw new Error(`window_pages (${shape.windowPages}) exceeds pages (${shape.pages})`);
    const plan = planMachine(kernelsSpec(shape));
    const memory = createMemory(plan.bytes);
    const module = loadModule("release");
    const wasm = instantiate(module, memory);
    const t0 = performance.now();
    const w = buildKernels(wasm, shape);
    ctx.note(
      `kernels workload: ${(plan.bytes / 2 ** 20).toFixed(0)} MiB, built in ${((performance.now() - t0) / 1000).toFixed(2)} s`,
    );
    const m: Machine = { memory, module, wasm, ts: new TsCore(memory.buffer), w, pools: new Map() };
    ctx.onClose(async () => {
      for (const p of m.pools.values()) await (await p).close();
      const n = await m.native;
      if (n instanceof NativeTwin) await n.close();
    });
    return m;
  });
}

function pool(m: Machine, workers: number): Promise<WorkerPool> {
  let p = m.pools.get(workers);
  if (!p) {
    p = WorkerPool.open(workers, { module: m.module, memory: m.memory }, m.w.barrier);
    m.pools.set(workers, p);
  }
  return p;
}

function native(m: Machine): Promise<NativeTwin | { skipped: string }> {
  m.native ??= (async () => {
    const built = buildNative();
    if ("skipped" in built) return built;
    const dir = mkdtempSync(join(tmpdir(), "rmapbench-"));
    const image = join(dir, "kernels.img");
    writeImage(m.memory.buffer, m.w.plan.bytes, image);
    try {
      return await NativeTwin.start(built.path, image);
    } finally {
      rmSync(dir, { recursive: true, force: true }); // the twin has read it
    }
  })();
  return m.native;
}

/** The calls of one batch of `op`, split over `workers` (worker i starts i/workers of the way in). */
function calls(m: Machine, op: Op, worker: number, workers: number): Call[] {
  const { w } = m;
  const { plan } = w;
  const cpu = worker;
  const split = (
    fn: "pt_walk_batch" | "rmap_lookup_batch" | "vidx_lookup_batch",
    a: { addr: number; n: number },
    size: number,
  ): Call[] => {
    const off = Math.floor((a.n * worker) / workers);
    const head = (args: number, n: number): Call =>
      fn === "pt_walk_batch" ? [fn, plan.m, cpu, w.mm, args, n, 0] : [fn, plan.m, cpu, args, n, 0];
    return off === 0 ? [head(a.addr, a.n)] : [head(a.addr + off * size, a.n - off), head(a.addr, off)];
  };
  switch (op) {
    case "walk":
      return split("pt_walk_batch", w.walkVas, 8);
    case "rmap_lookup":
      return split("rmap_lookup_batch", w.lookupPfns, 4);
    case "vidx_lookup":
      return split("vidx_lookup_batch", w.vidxKeys, 8);
    case "floor":
      return [["noop_batch", plan.m, cpu, w.mm, 0, 0]];
    case "zap_range":
      return [["pt_zap_batch", plan.m, cpu, w.mm, w.zapRanges.addr, w.zapRanges.n]];
  }
}

function opsPerBatch(w: KernelsWorkload, op: Op): number {
  if (op === "walk") return w.walkVas.n;
  if (op === "rmap_lookup" || op === "vidx_lookup") return w.lookupPfns.n;
  if (op === "zap_range") return w.restoreVas.n;
  return 1;
}

async function prepare(params: Params, ctx: SuiteContext): Promise<Prepared | { skip: string }> {
  const op = params.op as Op;
  const impl = params.impl as Impl;
  const workers = params.workers as number;
  if (impl === "native" && workers > 1) return { skip: "the C twin runs one thread" };
  if (impl === "native" && op === "vidx_lookup") return { skip: "the C twin covers walk, rmap_lookup and zap_range" };
  if (op === "zap_range" && workers > 1) {
    return { skip: "zap_range frees shared tables; concurrent zaps need the PT locks of the primary-MMU model" };
  }
  const m = await machine(params, ctx);
  const { w } = m;
  const { plan } = w;
  const ops = opsPerBatch(w, op);
  const unit = op === "floor" ? "ns/batch" : "ns/op";
  const counters = () => countersOf(m, op);

  /** After a zap: the page-table digest joins the checksum, then the leaves are put back (untimed). */
  const restore = (core: Core, r: bigint): bigint => {
    const d = core.pt_digest(plan.m, w.mm);
    core.pt_map_batch(plan.m, w.mm, w.restoreVas.addr, w.restorePtes.addr, w.restoreVas.n);
    if (Number(r >> 32n) !== ops) throw new Error(`zap cleared ${r >> 32n} PTEs, expected ${ops}`);
    return r ^ rotl1(d);
  };

  if (impl === "native") {
    const twin = await native(m);
    if (!(twin instanceof NativeTwin)) return { skip: twin.skipped };
    const run = async (): Promise<BatchResult> => {
      if (op === "walk") return one(await twin.walk(plan.m, 0, w.mm, w.walkVas.addr, w.walkVas.n, 1));
      if (op === "rmap_lookup") return one(await twin.lookup(plan.m, 0, w.lookupPfns.addr, w.lookupPfns.n, 1));
      if (op === "floor") return one(await twin.noop(plan.m, 0, w.mm, 0, 0, 1));
      const z = w.zapRanges;
      const r = await twin.zap(plan.m, 0, w.mm, z.addr, z.n, w.restoreVas.addr, w.restorePtes.addr, w.restoreVas.n, 1);
      if (Number(r.checksum >> 32n) !== ops)
        throw new Error(`native zap cleared ${r.checksum >> 32n} PTEs, expected ${ops}`);
      return { ns: r.ns[0], checksum: r.checksum ^ rotl1(r.digest ?? 0n) };
    };
    return { ops, unit, async: true, batch: run, counters };
  }

  const core = impl === "wasm" ? m.wasm : m.ts;
  if (workers === 1) {
    const [[fn, ...args]] = calls(m, op, 0, 1);
    const f = (core[fn as CoreOp] as (...a: number[]) => bigint).bind(core);
    return {
      ops,
      unit,
      async: false,
      batch: () => {
        const t0 = now();
        const r = f(...args);
        const ns = Number(now() - t0);
        return { ns, checksum: op === "zap_range" ? restore(core, r) : r };
      },
      counters,
    };
  }
  const p = await pool(m, workers);
  return {
    ops: ops * workers,
    unit,
    async: true,
    batch: async () => {
      const combine = op === "walk" || op === "floor" ? "add" : "sumword";
      const step = await p.step((i) => ({ impl, calls: calls(m, op, i, workers), combine }));
      const first = step.results[0].result;
      for (const r of step.results) {
        if (r.result !== first) throw new Error(`workers disagree: ${hex(first)} vs ${hex(r.result)}`);
      }
      return { ns: step.wallNs, checksum: first };
    },
    counters,
  };
}

function one(r: { ns: number[]; checksum: bigint }): BatchResult {
  return { ns: r.ns[0], checksum: r.checksum };
}

/** Work per op, from one batch on the Wasm core on a spare CPU slot (the same algorithm in every impl). */
function countersOf(m: Machine, op: Op): Counters {
  if (op === "floor") return {};
  const cpu = 15;
  const base = m.w.plan.cpu + cpu * C.SIZE;
  const read = () => {
    const v = new BigUint64Array(m.memory.buffer.slice(base, base + C.SIZE));
    return {
      levels: Number(v[C.LEVELS / 8]),
      ptes_cleared: Number(v[C.PTES_CLEARED / 8]),
      tables_freed: Number(v[C.TABLES_FREED / 8]),
      rmap_visits: Number(v[C.RMAP_VISITS / 8]),
      chain_nodes: Number(v[C.CHAIN_NODES / 8]),
      vidx_probes: Number(v[C.VIDX_PROBES / 8]),
    };
  };
  const before = read();
  const [[fn, , , ...rest]] = calls(m, op, 0, 1);
  const f = (m.wasm[fn as CoreOp] as (...a: number[]) => bigint).bind(m.wasm);
  const r = f(m.w.plan.m, cpu, ...rest);
  if (op === "zap_range") {
    m.wasm.pt_map_batch(m.w.plan.m, m.w.mm, m.w.restoreVas.addr, m.w.restorePtes.addr, m.w.restoreVas.n);
    void r;
  }
  const after = read();
  const ops = opsPerBatch(m.w, op);
  const out: Counters = {};
  for (const k of Object.keys(after) as (keyof typeof after)[]) {
    const d = after[k] - before[k];
    if (d) out[k] = d / ops;
  }
  return out;
}

/**
 * The foundation's targets from this run: the median over rounds of each
 * round's ratio of medians (rounds interleave the variants, so a ratio within
 * a round sees the same machine state).
 */
function summary(entries: Entry[]): string[] {
  const find = (op: string, impl: string, workers = 1) =>
    entries.find((e) => e.params.op === op && e.params.impl === impl && e.params.workers === workers);
  const ratio = (a?: Entry, b?: Entry) => {
    if (!a || !b) return "n/a";
    const n = Math.min(a.round_medians.length, b.round_medians.length);
    const r = Array.from({ length: n }, (_, i) => a.round_medians[i] / b.round_medians[i]).sort((x, y) => x - y);
    const mid = n % 2 ? r[(n - 1) / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
    return `${mid.toFixed(2)}x`;
  };
  const lines: string[] = [];
  const target: Record<string, string> = { walk: "1.25", rmap_lookup: "1.3", zap_range: "1.3" };
  for (const op of ["walk", "rmap_lookup", "zap_range"]) {
    const wasm = find(op, "wasm");
    lines.push(
      `${op}: wasm/native ${ratio(wasm, find(op, "native"))} (target <= ${target[op]}x), ts/wasm ${ratio(find(op, "ts"), wasm)}`,
    );
  }
  const w1 = find("walk", "wasm", 1);
  const w2 = find("walk", "wasm", 2);
  if (w1 && w2) lines.push(`walk throughput, 2 workers over 1 (wasm): ${ratio(w1, w2)} (target >= 1.8x)`);
  const floor = entries.filter((e) => e.params.op === "floor");
  if (floor.length) {
    lines.push(
      `harness floor (an empty batch, ns/batch): ${floor.map((e) => `${e.params.impl}/w${e.params.workers} ${e.stats.median.toFixed(0)}`).join(", ")}`,
    );
  }
  return lines;
}
