// results/README.md (issue 8): the published tables, written from the run
// JSONs that `npm run tables` (scripts/tables.ts) makes. Every figure in the
// page is read from a result; the prose is templates around those figures.
// TABLE_RUNS is the one list of commands: the script runs it, the page names
// it, and test/tables.test.ts re-runs one of them.
import type { Params } from "../options.js";
import type { Entry, RunResult } from "../result.js";
import { CHECK_RULES } from "../vmlayout.js";
import { CSS, escapeHtml } from "./html.js";
import { renderMarkdownTable } from "./markdown.js";
import { crossoverTable, fitsTable, fmt, scalingTables, type Table } from "./table.js";

/** One `rmapbench run` of the page: `key` names it in the manifest. */
export interface TableRun {
  key: string;
  suite: string;
  sets: string[];
}

/** Few rounds where counters, not times, carry the table. */
const QUICK = ["rounds=3", "iterations=2", "warmup=1"];
/** Counters only: one batch, every entry checked after every operation. */
export const COVERAGE_SETS = ["check_every=1", "check_sample=0", "ops=64", "rounds=1", "iterations=1", "warmup=0"];

export const TABLE_RUNS: TableRun[] = [
  { key: "seed", suite: "paper", sets: [] },
  { key: "coverage", suite: "paper", sets: COVERAGE_SETS },
  {
    key: "growth_mapcount",
    suite: "reclaim",
    sets: ["secondary=kvm", "mapcount=1..1024*4", "procs=1024", "vmas=2", "pages=16", ...QUICK],
  },
  {
    key: "growth_range",
    suite: "munmap",
    sets: [
      "secondary=kvm",
      "range_pages=1..262144*8",
      "pages=262144",
      "vmas=1",
      "procs=2",
      "mapcount=2",
      "ops=2",
      ...QUICK,
    ],
  },
  { key: "growth_notifiers", suite: "munmap", sets: ["secondary=kvm", "notifiers=1..64*2", "procs=8", ...QUICK] },
  { key: "growth_sharing", suite: "reclaim", sets: ["secondary=kvm", "file_share=0..1+0.25", ...QUICK] },
  // the default kernels run: also rewrites results/kernels/README.md
  { key: "scaling", suite: "kernels", sets: [] },
  {
    key: "history_fork",
    suite: "fork",
    sets: [
      "design=none",
      "primary=ptechain,objlist,anonvma,avc",
      "mapcount=1..64*2",
      "procs=64",
      "vmas=4",
      "pages=256",
      "ops=16",
    ],
  },
  {
    key: "history_exit",
    suite: "exit",
    sets: ["design=none", "primary=ptechain,avc", "mapcount=1..64*2", "procs=64", "vmas=4", "pages=256"],
  },
  {
    key: "history_morton",
    suite: "reclaim",
    sets: [
      "design=none",
      "primary=objlist,avc",
      "file_share=1",
      "mapcount=256",
      "procs=256",
      "vmas=1..256*4",
      "pages=1",
      "range_pages=1",
      "ops=16",
      "rounds=2",
      "iterations=1",
    ],
  },
  {
    key: "history_children",
    suite: "age",
    sets: [
      "design=none",
      "primary=anonvma,avc",
      "mapcount=1",
      "children=1..1024*4",
      "procs=1025",
      "vmas=2",
      "pages=64",
      "file_share=0",
      ...QUICK,
    ],
  },
  {
    key: "history_rmap_ext",
    suite: "munmap",
    sets: [
      "design=virtual",
      "secondary=kvm",
      "aliases=1,4,16,64",
      "rmap_ext=3,14",
      "sec_access=1",
      "file_share=0",
      "procs=4",
      "mapcount=2",
      ...QUICK,
    ],
  },
  {
    key: "history_flush",
    suite: "munmap",
    sets: ["secondary=kvm", "flush=range,page", "range_pages=1..512*8", "pages=512", "procs=8", "ops=32", ...QUICK],
  },
  {
    key: "history_ceiling",
    suite: "munmap",
    sets: [
      "design=none",
      "cpus=1",
      "flush_ceiling=5,33",
      "range_pages=1,2,4,8,16,32,33,64",
      "rounds=1",
      "iterations=1",
      "warmup=0",
    ],
  },
  { key: "snapshot", suite: "paper", sets: ["snapshot=test/fixtures/sample.snapshot", ...QUICK] },
  { key: "snapshot_coverage", suite: "paper", sets: ["snapshot=test/fixtures/sample.snapshot", ...COVERAGE_SETS] },
];

/** The command line of a table run (what the page shows and the script runs). */
export const commandOf = (t: TableRun): string[] => ["run", t.suite, ...t.sets.flatMap((s) => ["--set", s])];

export interface ManifestRun {
  key: string;
  /** The result JSON, relative to results/. */
  file: string;
  command: string;
  seconds: number;
}

export interface Manifest {
  generator: string;
  seconds: number;
  runs: ManifestRun[];
}

export interface LoadedRun extends ManifestRun {
  r: RunResult;
  /** Chart and page files of the run, relative to results/. */
  html: string;
  svgs: string[];
}

// --- helpers ----------------------------------------------------------------------------------------------------------

const DESIGNS = ["virtual", "physical", "physical+range", "interval"];
const SECONDARIES = ["kvm", "gru", "xpmem"];
const c = (e: Entry | undefined, k: string): number => e?.counters[k] ?? Number.NaN;
const med = (e: Entry | undefined): number => e?.stats.median ?? Number.NaN;
const f = (x: number): string => (Number.isFinite(x) ? fmt(x) : "—");
const num = (x: number, d = 2): string => (Number.isFinite(x) ? Number(x.toFixed(d)).toString() : "—");
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) && b !== 0 ? `${(a / b).toFixed(2)}×` : "—");
const md = (t: Table): string => `**${t.title}**

${renderMarkdownTable(t)}`;

function find(r: RunResult, want: Params): Entry | undefined {
  return r.benchmarks.find((e) => Object.entries(want).every(([k, v]) => String(e.params[k]) === String(v)));
}

function values(r: RunResult, key: string): (string | number)[] {
  return [...new Set(r.benchmarks.map((e) => e.params[key] as string | number))];
}

/** The rules an entry broke, with their counts: "" when coherent. */
export function broken(e: Entry): string[] {
  return CHECK_RULES.filter((k) => (e.counters[k] ?? 0) > 0);
}

/** Least-squares slope of y against x. */
function slope(pts: { x: number; y: number }[]): { a: number; b: number } {
  const n = pts.length;
  const mx = pts.reduce((s, p) => s + p.x, 0) / n;
  const my = pts.reduce((s, p) => s + p.y, 0) / n;
  const sxx = pts.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const b = sxx ? pts.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx : 0;
  return { a: my - b * mx, b };
}

const list = (xs: string[]): string => (xs.length ? xs.join(", ") : "none");

// --- the tables ---------------------------------------------------------------------------------------------------

/** Extra per-op counters shown when the run has them (the modeled-time work, when it lands). */
function modeledKeys(r: RunResult): string[] {
  return ["modeled_ns", "ipis"].filter((k) => r.benchmarks.some((e) => k in e.counters));
}

/** Table 1 for one secondary: a row per operation and design. */
export function seedTable(r: RunResult, secondary: string, title: string): Table {
  const extra = modeledKeys(r);
  const header = [
    "op",
    "design",
    "ns/op",
    ...extra.map((k) => `${k}/op`),
    "notifier calls/op",
    "sec. invalidations/op",
    "ext rmap visits/op",
    "sec. TLB flushes/op",
    "CPU TLB flushes/op",
    "sleeps/op",
    "ext rmap B/sec. mapping",
    "coherent",
  ];
  const rows: string[][] = [];
  for (const op of values(r, "op")) {
    for (const design of DESIGNS) {
      const e = find(r, { op, design, secondary });
      if (!e) continue;
      const bad = broken(e);
      rows.push([
        String(op),
        design,
        f(med(e)),
        ...extra.map((k) => f(c(e, k))),
        num(c(e, "notifier_calls")),
        num(c(e, "secondary_invalidations")),
        num(c(e, "ext_rmap_visits")),
        num(c(e, "secondary_tlb_flushes")),
        num(c(e, "tlb_flushes")),
        num(c(e, "sleeps")),
        num(c(e, "ext_rmap_bytes"), 1),
        bad.length ? `no: ${bad.join(", ")}` : "yes",
      ]);
    }
  }
  return { title, header, numeric: header.map((_, i) => i >= 2 && i < header.length - 1), rows };
}

/** Table 2: for each operation and design, the rules broken and by which secondaries ("✓": none). */
export function coverageMatrix(r: RunResult): Table {
  const rows: string[][] = [];
  for (const op of values(r, "op")) {
    const row = [String(op)];
    for (const design of DESIGNS) {
      const byRule = new Map<string, string[]>();
      for (const sec of SECONDARIES) {
        const e = find(r, { op, design, secondary: sec });
        if (!e) continue;
        for (const rule of broken(e)) byRule.set(rule, [...(byRule.get(rule) ?? []), sec]);
      }
      row.push(byRule.size ? [...byRule].map(([rule, s]) => `${rule} (${s.join(",")})`).join("; ") : "✓");
    }
    rows.push(row);
  }
  return {
    title: "Coverage: rules broken per operation and design (✓: coherent with kvm, gru and xpmem)",
    header: ["op", ...DESIGNS],
    numeric: DESIGNS.map(() => false).concat(false),
    rows,
  };
}

/** The checker's counts of every cell, keyed by op/design/secondary: what the test compares. */
export function coverageCounts(r: RunResult): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const e of r.benchmarks) {
    const counts: Record<string, number> = {};
    for (const k of [...CHECK_RULES, "notifier_calls", "secondary_invalidations", "rmap_visits"]) {
      counts[k] = e.counters[k] ?? 0;
    }
    out[`${e.params.op}/${e.params.design}/${e.params.secondary}`] = counts;
  }
  return out;
}

/** A growth table: a row per x, per design the median ns/op and the counters that carry the growth. */
function growthTable(r: RunResult, x: string, counters: string[], variants: string[], title: string): Table {
  const vk = r.analysis?.variantKey ?? "design";
  const header = [x];
  for (const v of variants) header.push(`${v} ns/op`, ...counters.map((k) => `${v} ${k}`));
  const rows = values(r, x)
    .sort((a, b) => Number(a) - Number(b))
    .map((xv) => {
      const row = [String(xv)];
      for (const v of variants) {
        const e = find(r, { [x]: xv, [vk]: v });
        row.push(f(med(e)), ...counters.map((k) => num(c(e, k))));
      }
      return row;
    });
  return { title, header, numeric: header.map((_, i) => i > 0), rows };
}

function fitSentence(r: RunResult, x: string): string {
  const fits = (r.analysis?.fits ?? []).filter((ft) => ft.x === x);
  if (!fits.length) return "no fit (too few points)";
  return fits
    .map((ft) => {
      const who = ft.variant === "none" ? String(ft.key.primary ?? ft.variant) : ft.variant;
      return ft.model === "1"
        ? `${who}: flat at ${f(ft.a)} ns/op`
        : `${who}: ${f(ft.a)} + ${f(ft.b)}·${ft.model === "n" ? x : `f(${x}) with f = ${ft.model}`} ns/op`;
    })
    .join("; ");
}

function crossoverSentence(r: RunResult): string {
  const cs = (r.analysis?.crossovers ?? []).filter((x) => x.at !== undefined);
  if (!cs.length) return "no design overtakes another within the swept range";
  return cs.map((x) => `${x.b} becomes ${x.direction} than ${x.a} from ${x.x} ≈ ${f(x.at as number)}`).join("; ");
}

// --- the page ---------------------------------------------------------------------------------------------------

function runBlock(l: LoadedRun): string[] {
  const ctx = l.r.context;
  const charts = l.svgs.map((s) => `[${s.replace(/^.*?-\d{6}Z(-\d+)?-/, "").replace(/\.svg$/, "")}](${s})`);
  return [
    `Command: \`npx ${ctx.command}\` → [${l.file}](${l.file}), [HTML report](${l.html})${charts.length ? `; charts: ${charts.join(", ")}` : ""}. Ran in ${l.seconds.toFixed(0)} s.`,
    "",
  ];
}

export function paperReadme(m: Manifest, runs: Map<string, LoadedRun>): string {
  const get = (k: string): LoadedRun => {
    const l = runs.get(k);
    if (!l) throw new Error(`results/tables.json has no run "${k}"`);
    return l;
  };
  const out: string[] = [];
  const first = get("seed").r.context;
  out.push(
    "# rmapbench results",
    "",
    "Generated by `npm run tables` (scripts/tables.ts): every run below is a plain `rmapbench run`, and this page is",
    "written from their JSONs by src/report/paper.ts. No number on it is typed by hand; `results/tables.json` lists the",
    "runs. Times are wall-clock medians of simulated operations on the machine below; counters (calls, visits, flushes,",
    "sleeps, bytes, the checker's counts) depend only on the seed and are the same on any machine.",
    "",
    `Machine: ${first.cpu.model}, ${first.cpu.cores} cores; ${first.os}; Node ${first.node} (V8 ${first.v8}); commit ${first.git.commit.slice(0, 12)}${first.git.dirty ? " with uncommitted changes" : ""}; ${first.date}. The whole set took ${m.seconds.toFixed(0)} s.`,
    "",
    "The same page with every chart inline: [index.html](index.html).",
    "",
    "Contents: [1 the seed's question](#1-the-seeds-question) · [2 coverage](#2-coverage) · [3 growth](#3-growth) ·",
    "[4 scaling](#4-scaling) · [5 sleeping](#5-sleeping) · [6 history](#6-history) · [7 real address spaces](#7-real-address-spaces)",
    "",
  );
  out.push(...seedSection(get("seed"), get("coverage")));
  out.push(...coverageSection(get("coverage")));
  out.push(...growthSection(get));
  out.push(...scalingSection(get("scaling")));
  out.push(...sleepSection(get("seed"), get("coverage")));
  out.push(...historySection(get));
  out.push(...snapshotSection(get("snapshot"), get("snapshot_coverage"), get("coverage")));
  return `${out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}

/** Geometric mean over cells of modeled_ns(design) / modeled_ns(virtual), where both are positive. */
function modeledGeo(r: RunResult, design: string): string {
  const logs: number[] = [];
  for (const e of r.benchmarks.filter((x) => x.params.design === design)) {
    const base = find(r, { ...e.params, design: "virtual" });
    const a = c(e, "modeled_ns");
    const b = c(base, "modeled_ns");
    if (a > 0 && b > 0) logs.push(Math.log(a / b));
  }
  return logs.length ? `${Math.exp(logs.reduce((x, y) => x + y, 0) / logs.length).toFixed(2)}×` : "—";
}

function seedSection(l: LoadedRun, cov: LoadedRun): string[] {
  const r = l.r;
  const geo = r.analysis?.geomean ?? [];
  const g = (d: string) => geo.find((x) => x.other === d);
  const incoherent = (design: string, rr: RunResult) =>
    values(rr, "op")
      .filter((op) => SECONDARIES.some((s) => broken(find(rr, { op, design, secondary: s }) as Entry).length))
      .map(String);
  const calls = (op: string, d: string) => c(find(r, { op, design: d, secondary: "kvm" }), "notifier_calls");
  const ext = c(find(r, { op: "reclaim", design: "physical", secondary: "kvm" }), "ext_rmap_bytes");
  const modeled = modeledKeys(r);
  const out = [
    "## 1. The seed's question",
    "",
    "What does keeping a secondary MMU coherent cost per VM operation under each notifier design, and where does each",
    "design break? One `paper` run: every VM operation (a VM suite each) × design × secondary MMU, the designs",
    "interleaved within every cell, on the suites' default scenario (16 processes in families of 4 sharers, 8 VMAs of",
    "64 pages, a quarter of them shared files, every process with one secondary MMU that has touched half its pages).",
    "",
    ...runBlock(l),
    `Across the ${r.benchmarks.length / DESIGNS.length} operation × secondary cells the geometric mean of ns/op relative to \`virtual\` is ` +
      `${list(["physical", "physical+range", "interval"].map((d) => `${d} ${g(d) ? `${g(d)?.ratio.estimate.toFixed(2)}×` : "—"}`))}. ` +
      `\`physical\` is the cheapest because it is not called on the paths that bypass the primary rmap — for one ` +
      `munmap of 16 pages with KVM \`virtual\` makes ${num(calls("munmap", "virtual"))} notifier calls and \`physical\` ` +
      `${num(calls("munmap", "physical"))} — and on those paths it is incoherent: in this run's sampled checking ` +
      `\`physical\` broke a rule on ${list(incoherent("physical", r))} (the full check in table 2 finds ${list(incoherent("physical", cov.r))}). ` +
      `Its price is the external rmap: ${num(ext, 1)} bytes per secondary mapping for KVM, where the virtual designs keep none. ` +
      `\`virtual\` with XPmem breaks \`sleep_in_atomic\` on ${list(
        values(cov.r, "op")
          .filter((op) =>
            broken(find(cov.r, { op, design: "virtual", secondary: "xpmem" }) as Entry).includes("sleep_in_atomic"),
          )
          .map(String),
      )}.` +
      (modeled.includes("modeled_ns")
        ? ` In modeled time (\`modeled_ns\`, the cost model of docs/cost-model.md, every process on ` +
          `${r.params.cpus?.[0] ?? "?"} CPUs so each primary flush also sends IPIs) the geometric mean relative to \`virtual\` is ` +
          `${list(["physical", "physical+range", "interval"].map((d) => `${d} ${modeledGeo(r, d)}`))}; the secondary MMUs' own ` +
          "TLB flushes are not priced yet."
        : " Modeled time (`modeled_ns`, `ipis`) is not in this build of the VM suites, so it has no column yet."),
    "",
    "Columns: ns/op is the median wall time per operation; the rest are per operation. *ext rmap B/sec. mapping* is the",
    "physical designs' external rmap per secondary entry. *coherent* is this run's sampled checker (`check_every=64`,",
    "`check_sample=16`); table 2 checks every entry after every operation.",
    "",
  ];
  for (const s of SECONDARIES) out.push(md(seedTable(r, s, `Table 1, secondary MMU ${s}`)), "");
  return out;
}

function coverageSection(l: LoadedRun): string[] {
  const r = l.r;
  const failing = (design: string, rule?: string, sec?: string) =>
    values(r, "op")
      .filter((op) =>
        (sec ? [sec] : SECONDARIES).some((s) => {
          const b = broken(find(r, { op, design, secondary: s }) as Entry);
          return rule ? b.includes(rule) : b.length > 0;
        }),
      )
      .map(String);
  return [
    "## 2. Coverage",
    "",
    "Which VM paths each design keeps coherent, as the checker measured it: every secondary entry walked after every",
    "operation (`check_every=1 check_sample=0`), one batch of 64 operations per cell, so this table is counters only",
    "and is regenerated and compared by `test/tables.test.ts`. The rules are docs/coherence.md's.",
    "",
    ...runBlock(l),
    `Nick Piggin's objection holds: the page-based \`physical\` notifier is called only from \`try_to_unmap\` and ` +
      `\`page_mkclean\`, so it breaks a rule on ${failing("physical").length} of ${values(r, "op").length} operations ` +
      `(${list(failing("physical"))}), and stays coherent only on ${list(
        values(r, "op")
          .map(String)
          .filter((op) => !failing("physical").includes(op)),
      )}. ` +
      `Christoph Lameter's "we need both" is \`physical+range\`: it breaks a rule on ${failing("physical+range").length} operations ` +
      `(${list(failing("physical+range"))}). The merged \`virtual\` design covers every path for KVM and GRU ` +
      `(${list(failing("virtual", undefined, "kvm").concat(failing("virtual", undefined, "gru")))} failing), but XPmem, which must sleep ` +
      `waiting for its partitions, sleeps under a spinlock on ${list(failing("virtual", "sleep_in_atomic", "xpmem"))} — ` +
      `why XPmem could not use 2.6.27's API. The 2019 \`interval\` notifier breaks a rule on ${failing("interval").length} operations.`,
    "",
    md(coverageMatrix(r)),
    "",
  ];
}

function growthSection(get: (k: string) => LoadedRun): string[] {
  const out = [
    "## 3. Growth",
    "",
    "Cost against mapcount (reclaim), range size (munmap), notifiers per mm (munmap) and file sharing (reclaim), with",
    "KVM as the secondary. The fits are the run's own analysis (`analysis.fits`: cost = a + b·f(x), the model chosen",
    "by AICc on the medians) and the crossovers its `analysis.crossovers`; with 3 rounds of 2 batches the times are",
    "indicative and the counters exact.",
    "",
  ];
  const parts: [string, string, string, string[], string][] = [
    ["growth_mapcount", "3a. Against mapcount (reclaim)", "mapcount", ["notifier_calls", "ext_rmap_visits"], ""],
    [
      "growth_range",
      "3b. Against range size (munmap)",
      "range_pages",
      ["notifier_calls", "secondary_invalidations"],
      "",
    ],
    [
      "growth_notifiers",
      "3c. Against notifiers per mm (munmap)",
      "notifiers",
      ["notifier_calls", "secondary_invalidations"],
      "",
    ],
    ["growth_sharing", "3d. Against file sharing (reclaim)", "file_share", ["notifier_calls", "rmap_visits"], ""],
  ];
  for (const [key, title, x, own] of parts) {
    const l = get(key);
    const r = l.r;
    const counters = [...own, ...modeledKeys(r).filter((k) => k === "modeled_ns")];
    const nameKeys = ["design", "secondary", "primary", "mapcount", "range_pages", x];
    const calls = (d: string) => {
      const xs = values(r, x).map(Number);
      const lo = find(r, { [x]: Math.min(...xs), design: d });
      const hi = find(r, { [x]: Math.max(...xs), design: d });
      return `${d} ${num(c(lo, "notifier_calls"))} → ${num(c(hi, "notifier_calls"))}`;
    };
    const xs = values(r, x).map(Number);
    out.push(
      `### ${title}`,
      "",
      ...runBlock(l),
      `From ${x}=${Math.min(...xs)} to ${x}=${Math.max(...xs)} the notifier calls per operation go ${list(DESIGNS.map(calls))}. ` +
        `Fitted: ${fitSentence(r, x)}. Crossovers: ${crossoverSentence(r)}.`,
      "",
      md(growthTable(r, x, counters, DESIGNS, title)),
      "",
    );
    const ft = fitsTable(r, nameKeys);
    if (ft) out.push(md(ft), "");
    const ct = crossoverTable(r, nameKeys);
    if (ct) out.push(md(ct), "");
  }
  return out;
}

function scalingSection(l: LoadedRun): string[] {
  const r = l.r;
  const sc = r.analysis?.scaling ?? [];
  const at2 = sc.map((s) => {
    const p = s.points[s.points.length - 1];
    return `${s.key.op} (${s.variant}) ${p ? `${p.speedup.estimate.toFixed(2)}× (efficiency ${(p.efficiency.estimate * 100).toFixed(0)}%)` : "—"}`;
  });
  const out = [
    "## 4. Scaling",
    "",
    "**Not available yet for the notifier designs.** Throughput, speedup and efficiency against simulated CPUs per",
    "design, and the lock class that limits each, need the VM suites to run on several simulated CPUs at once (issue 6,",
    "and the `cpus` parameter of the modeled-time work); today every VM suite runs its operations on one CPU. What",
    "stands in below is the `kernels` suite's worker threads on the shared Wasm memory — the page-table walk, the",
    `primary rmap lookup and the virtual-index lookup, read-only and lock-free — at ${list(values(r, "workers").map(String))} ` +
      `workers on this ${r.context.cpu.cores}-core machine, for each implementation (\`impl\`). It says how the simulator's ` +
      "own hot paths scale, not how any notifier design does, and names no limiting lock; a speedup above the worker " +
      "count is noise of the shared machine, not a finding. The VM suites' `cpus` parameter puts each process on that " +
      "many simulated CPUs so flushes send IPIs (table 1's `ipis`), but the operations still run on one thread: it is " +
      "not a scaling axis (docs/cost-model.md).",
    "",
    ...runBlock(l),
    `Speedup at the most workers: ${list(at2)}.`,
    "",
  ];
  for (const t of scalingTables(r, ["op", "impl", "workers"])) out.push(md(t), "");
  return out;
}

function sleepSection(seed: LoadedRun, cov: LoadedRun): string[] {
  const r = seed.r;
  const modeled = modeledKeys(r).includes("modeled_ns");
  const timeKey = modeled ? "modeled_ns/op" : "ns/op";
  const time = (e: Entry | undefined) => (modeled ? c(e, "modeled_ns") : med(e));
  const header = ["op", ...DESIGNS.flatMap((d) => [`${d} sleeps/op`, `${d} lock_sleep_ns/op`, `${d} ${timeKey}`])];
  header.push(`gru virtual ${timeKey}`, "virtual sleep_in_atomic");
  const rows = values(r, "op").map((op) => {
    const row = [String(op)];
    for (const d of DESIGNS) {
      const e = find(r, { op, design: d, secondary: "xpmem" });
      row.push(num(c(e, "sleeps")), f(c(e, "lock_sleep_ns")), f(time(e)));
    }
    row.push(f(time(find(r, { op, design: "virtual", secondary: "gru" }))));
    row.push(f(c(find(cov.r, { op, design: "virtual", secondary: "xpmem" }), "sleep_in_atomic")));
    return row;
  });
  const lockSleep = r.benchmarks.filter((e) => e.params.secondary === "xpmem" && (e.counters.lock_sleep_ns ?? 0) > 0);
  const worst = lockSleep.reduce<Entry | undefined>(
    (w, e) => (!w || c(e, "lock_sleep_ns") > c(w, "lock_sleep_ns") ? e : w),
    undefined,
  );
  const lockDesigns = [...new Set(lockSleep.map((e) => String(e.params.design)))];
  const sleepsIn = (d: string) =>
    values(r, "op")
      .filter((op) => c(find(r, { op, design: d, secondary: "xpmem" }), "sleeps") > 0)
      .map(String);
  return [
    "## 5. Sleeping",
    "",
    "What a sleeping notifier costs the VM: XPmem waits for its remote partitions to acknowledge every invalidation",
    `(${r.params.partitions?.[0]} partitions, \`remote_ns=${r.params.remote_ns?.[0]}\` modeled ns). From the table-1 run (sleeps, modeled`,
    "lock-held sleep time `lock_sleep_ns`, wall ns/op) and the table-2 run (`sleep_in_atomic`: sleeps under a spinlock,",
    "counted over the batch).",
    "",
    ...runBlock(seed),
    `XPmem sleeps under \`virtual\` on ${list(sleepsIn("virtual"))}; under \`interval\` on ${list(sleepsIn("interval"))}; ` +
      `under \`physical+range\` on ${list(sleepsIn("physical+range"))}. ` +
      (worst
        ? `Modeled time asleep with a lock held (\`lock_sleep_ns\`) is non-zero only under ${list(lockDesigns)}, on ` +
          `${list(lockSleep.map((e) => `${e.params.op} (${f(c(e, "lock_sleep_ns"))})`))} ns/op, the most on ${worst.params.op}: ` +
          "the sleeps the checker counts as `sleep_in_atomic`, taken with a spinlock held; the other designs sleep with no lock held."
        : "`lock_sleep_ns` is zero in every cell: no design sleeps with a lock held.") +
      (modeled
        ? ` The time columns are modeled (\`modeled_ns\`, docs/cost-model.md), which charges \`remote_ns\` for every sleep; ` +
          `GRU, which never sleeps, is the reference. Wall-clock ns/op would not show the wait: it is modeled, not slept.`
        : " Wall time here is the simulator's: the acknowledgement wait is modeled, not slept, so ns/op does not include it."),
    "",
    md({ title: "xpmem", header, numeric: header.map((_, i) => i > 0), rows }),
    "",
  ];
}

function historySection(get: (k: string) => LoadedRun): string[] {
  const out = [
    "## 6. History",
    "",
    "Each part names the published figure (domain.md §8, or §3.1), rmapbench's, whether direction and growth order agree,",
    "and whether the agreement is by construction (a constant or rule taken from the source) or by outcome.",
    "",
  ];
  // rows 1, 6, 9: rmap memory per mapping
  {
    const l = get("history_fork");
    const r = l.r;
    const mcs = values(r, "mapcount")
      .map(Number)
      .sort((a, b) => a - b);
    const prims = values(r, "primary").map(String);
    const bytes = (p: string, m: number) => c(find(r, { primary: p, mapcount: m }), "rmap_bytes");
    const header = ["mapcount", ...prims.map((p) => `${p} B/mapping`), ...prims.map((p) => `${p} fork ns/op`)];
    const rows = mcs.map((m) => [
      String(m),
      ...prims.map((p) => num(bytes(p, m))),
      ...prims.map((p) => f(med(find(r, { primary: p, mapcount: m })))),
    ]);
    const m2 = mcs.find((m) => m >= 2) ?? mcs[0];
    const mMax = mcs[mcs.length - 1];
    const agree = bytes("ptechain", m2) > bytes("avc", m2);
    out.push(
      "### 6a. pte_chain versus object-based rmap: memory (rows 1, 6, 9)",
      "",
      ...runBlock(l),
      `Published: pte_chains took 182.4 MB on IBM's database workload (row 1); pte_chain slab objects fell 24116 → 716 ` +
        `(${(24116 / 716).toFixed(1)}×) under make -j 256 with objrmap (row 6); a 2002 node was 8 bytes, one per mapped page ` +
        `plus one per extra sharer (row 9). rmapbench: the scenario's primary rmap metadata per mapping, at mapcount ${m2} ` +
        `ptechain ${num(bytes("ptechain", m2))} B against avc ${num(bytes("avc", m2))} B ` +
        `(${ratio(bytes("ptechain", m2), bytes("avc", m2))}); at mapcount ${mMax} ${num(bytes("ptechain", mMax))} B against ` +
        `${num(bytes("avc", mMax))} B. Direction: ${agree ? "agrees" : "does not agree"} (pte_chains cost more). Growth order: ` +
        `agrees — pte_chain memory is per mapping (total linear in mappings), object rmap's per VMA (per mapping it falls as ` +
        `VMAs hold more pages). By construction: the chain node's size and slots are taken from 2.6's pte_chain, so the ` +
        `bytes follow from the source; the 24116 → 716 ratio is a workload's, and rmapbench does not claim it. At mapcount 1 ` +
        `pte_chains cost nothing (PageDirect keeps a single mapping in struct page), as in 2.6.`,
      "",
      md({ title: "rmap memory and fork", header, numeric: header.map(() => true), rows }),
      "",
    );
  }
  // row 7: fork/exit cost
  {
    const fk = get("history_fork").r;
    const ex = get("history_exit");
    const mcs = values(fk, "mapcount")
      .map(Number)
      .sort((a, b) => a - b);
    // the fastest batch of each side: the machine is shared and the medians of a few rounds are bimodal
    const fastest = (r: RunResult, p: string, m: number) =>
      find(r, { primary: p, mapcount: m })?.stats.min ?? Number.NaN;
    const gain = (r: RunResult, m: number) => 1 - fastest(r, "avc", m) / fastest(r, "ptechain", m);
    const header = [
      "mapcount",
      "fork ptechain ns",
      "fork avc ns",
      "fork: avc gain",
      "exit ptechain ns",
      "exit avc ns",
      "exit: avc gain",
    ];
    const rows = mcs.map((m) => [
      String(m),
      f(fastest(fk, "ptechain", m)),
      f(fastest(fk, "avc", m)),
      pctGain(gain(fk, m)),
      f(fastest(ex.r, "ptechain", m)),
      f(fastest(ex.r, "avc", m)),
      pctGain(gain(ex.r, m)),
    ]);
    const shared = mcs.filter((m) => m >= 2);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const verdict = (g: number) =>
      g > 0.1
        ? "agrees (object rmap faster)"
        : g < -0.1
          ? "disagrees (object rmap slower)"
          : "is not reproduced (within about 10%)";
    const fm = median(shared.map((m) => gain(fk, m)));
    const em = median(shared.map((m) => gain(ex.r, m)));
    out.push(
      "### 6b. fork and exit cost (row 7)",
      "",
      ...runBlock(ex),
      `Published: object rmap gave "roughly 50% improvement" on a fork/exit microbenchmark for tasks of file-backed or ` +
        `shared pages (Dave McCracken). rmapbench, fastest batch per side (fork from 6a's run, exit from this one; gain ` +
        `positive when avc is faster), median over shared pages (mapcount ≥ 2): fork ${pctGain(fm)}, exit ${pctGain(em)}; ` +
        `at mapcount 1 fork ${pctGain(gain(fk, 1))}, exit ${pctGain(gain(ex.r, 1))}. For fork the published direction ` +
        `${verdict(fm)}; for exit it ${verdict(em)}. These are outcomes of the model, not constants, and they are timed on ` +
        `a shared ${fk.context.cpu.cores}-core machine on which whole cells swing (see the table's outliers), so only a consistent sign ` +
        `means anything; the size of McCracken's 50% is not claimed. At mapcount 1 PageDirect spares pte_chains any node, ` +
        `as in 2.6, and the anon_vma_chain links fork must add are not spared, so there the older generation wins. Rows ` +
        `1/6/9 (memory) and 10/12 (visits) are counted, not timed, and carry the history more firmly.`,
      "",
      md({ title: "fork/exit: fastest batch, ns per op", header, numeric: header.map(() => true), rows }),
      "",
    );
  }
  // row 10: Morton's 1000 x 1000
  {
    const l = get("history_morton");
    const r = l.r;
    const mc = Number(values(r, "mapcount")[0]);
    const vm = values(r, "vmas")
      .map(Number)
      .sort((a, b) => a - b);
    const pts = vm.map((v) => ({ x: v, y: c(find(r, { primary: "objlist", vmas: v }), "rmap_visits") }));
    const { b } = slope(pts);
    const walks = pts[0].y / (mc * vm[0]); // rmap walks per reclaimed page
    const perVma = b / mc / walks; // VMAs visited per walk per (process × VMA)
    const at1000 = perVma * 1000 * 1000;
    const header = [
      "VMAs per process",
      "VMAs on the file",
      "objlist rmap visits/page",
      "avc rmap visits/page",
      "objlist ns/op",
      "avc ns/op",
    ];
    const rows = vm.map((v) => [
      String(v),
      String(v * mc),
      f(c(find(r, { primary: "objlist", vmas: v }), "rmap_visits")),
      f(c(find(r, { primary: "avc", vmas: v }), "rmap_visits")),
      f(med(find(r, { primary: "objlist", vmas: v }))),
      f(med(find(r, { primary: "avc", vmas: v }))),
    ]);
    out.push(
      "### 6c. Andrew Morton's 1,000 × 1,000 case (row 10)",
      "",
      ...runBlock(l),
      `Published: 1000 processes × 1000 VMAs of one file → 1,000,000 VMAs visited per unmap attempt under objrmap. ` +
        `rmapbench ran ${mc} processes × up to ${vm[vm.length - 1]} VMAs each (${f(mc * vm[vm.length - 1])} VMAs on the file; ` +
        `1000 × 1000 would need about 2 M page-table pages, 8 GiB, past the 4 GiB Wasm memory). Reclaim walks the rmap ${num(walks)} times per page ` +
        `(the aging pass, page_referenced, try_to_unmap), and the fitted slope is ${f(b)} visits per VMA per process ` +
        `(${num(perVma)} per walk per VMA on the file), so 1000 × 1000 extrapolates to ${f(at1000)} VMAs per walk — ` +
        `Morton's 1,000,000 — ${f(at1000 * walks)} per reclaimed page. \`avc\`, whose file side finds only the VMAs that cover ` +
        `the page's offset, stays at ${f(c(find(r, { primary: "avc", vmas: vm[vm.length - 1] }), "rmap_visits"))}. Direction and growth order ` +
        `(linear in VMAs on the file) agree, by construction: objlist walks every VMA on the file's i_mmap list, as 2.5's objrmap ` +
        `did, and the count is the model's, not a measurement of a 2.5 kernel. The extrapolation is by the fitted slope, not run.`,
      "",
      md({ title: "objrmap worst case", header, numeric: header.map(() => true), rows }),
      "",
    );
  }
  // row 12: anon_vma vs anon_vma_chain
  {
    const l = get("history_children");
    const r = l.r;
    const ch = values(r, "children")
      .map(Number)
      .sort((a, b) => a - b);
    const v = (p: string, n: number) => c(find(r, { primary: p, children: n }), "rmap_visits");
    const header = ["children", "anonvma rmap visits/page", "avc rmap visits/page", "anonvma ns/op", "avc ns/op"];
    const rows = ch.map((n) => [
      String(n),
      f(v("anonvma", n)),
      f(v("avc", n)),
      f(med(find(r, { primary: "anonvma", children: n }))),
      f(med(find(r, { primary: "avc", children: n }))),
    ]);
    const top = ch[ch.length - 1];
    out.push(
      "### 6d. anon_vma versus anon_vma_chain for many forked children (row 12)",
      "",
      ...runBlock(l),
      `Published: 1000 children × 1000 COWed pages put 10⁶ pages in one anon_vma and AIM7 failed; anon_vma_chain brought the ` +
        `average scan from O(N) to 2 (Rik van Riel, 2010). rmapbench, aging one of the root's pages after every child wrote ` +
        `(COWed) its copy: at ${top} children \`anonvma\` visits ${f(v("anonvma", top))} VMAs per page and \`avc\` ` +
        `${f(v("avc", top))}. Growth order agrees (linear against constant; fitted on time: ${fitSentence(r, "children")}); ` +
        `the constant is ${f(v("avc", top))}, not van Riel's average of 2, because only the root's pages are aged here — the ` +
        `root's own VMA; a child's page would cost a visit of its own VMA plus its parent's. By construction in part: both ` +
        `generations' structures follow the source, and the visit counts follow from them.`,
      "",
      md({ title: "anon_vma", header, numeric: header.map(() => true), rows }),
      "",
    );
  }
  // row 15
  {
    const l = get("history_rmap_ext");
    const r = l.r;
    const al = values(r, "aliases")
      .map(Number)
      .sort((a, b) => a - b);
    const e = (aliases: number, rmap_ext: number) => find(r, { aliases, rmap_ext });
    const header = [
      "sptes per gfn",
      "3 slots: rmap visits/op",
      "14 slots: rmap visits/op",
      "3 slots: descriptor B/gfn",
      "14 slots: descriptor B/gfn",
      "3 slots: ns/op",
      "14 slots: ns/op",
    ];
    const rows = al.map((a) => [
      String(a),
      num(c(e(a, 3), "kvm_rmap_visits")),
      num(c(e(a, 14), "kvm_rmap_visits")),
      num(c(e(a, 3), "kvm_rmap_bytes")),
      num(c(e(a, 14), "kvm_rmap_bytes")),
      num(med(e(a, 3)), 0),
      num(med(e(a, 14)), 0),
    ]);
    const top = al[al.length - 1];
    const v3 = c(e(top, 3), "kvm_rmap_visits");
    const v14 = c(e(top, 14), "kvm_rmap_visits");
    const t3 = med(e(top, 3));
    const t14 = med(e(top, 14));
    out.push(
      "### 6e. KVM rmap descriptors of 3 versus 14 slots (row 15)",
      "",
      ...runBlock(l),
      `Published: \`./rmap_fork 500\` 367.20 → 302.00 (units not stated) when pte_list_desc grew from 3 to 15 slots (Peter ` +
        `Xu, 2021). rmapbench zaps gfns that ${top} shadow roots map (\`aliases\`), each spte on the gfn's rmap: with 3 ` +
        `slots a munmap op walks ${num(v3)} rmap entries and descriptors, with 14 slots ${num(v14)}; its median time ` +
        `${num(t3, 0)} → ${num(t14, 0)} ns/op (${num(t14 / t3)}×, against the published ${num(302 / 367.2)}×). The direction ` +
        `agrees; the visit counts agree by construction (a chain of ⌈n/slots⌉ descriptors, as pte_list_desc is), the times ` +
        `are this machine's. The published benchmark forks with many sptes per gfn; this one zaps them, the same walk.`,
      "",
      md({ title: "KVM rmap descriptors", header, numeric: header.map(() => true), rows }),
      "",
    );
  }
  // §3.1: one flush per range_start
  {
    const l = get("history_flush");
    const r = l.r;
    const rp = values(r, "range_pages")
      .map(Number)
      .sort((a, b) => a - b);
    const fl = (flush: string, n: number, d = "virtual") =>
      c(find(r, { flush, range_pages: n, design: d }), "secondary_tlb_flushes");
    const header = ["range_pages", ...DESIGNS.flatMap((d) => [`${d} flush=range`, `${d} flush=page`])];
    const rows = rp.map((n) => [String(n), ...DESIGNS.flatMap((d) => [num(fl("range", n, d)), num(fl("page", n, d))])]);
    const top = rp[rp.length - 1];
    out.push(
      "### 6f. One TLB flush per range_start versus one per page (§3.1)",
      "",
      ...runBlock(l),
      `Published: Andrea Arcangeli — range_begin "allows to do a single tlb flush for an unlimited number of sptes being ` +
        `zapped", where a per-page scheme needs a flush per array of pages. rmapbench, KVM remote TLB flushes per munmap: at ` +
        `${top} pages \`virtual\` makes ${num(fl("range", top))} with \`flush=range\` and ${num(fl("page", top))} with ` +
        `\`flush=page\`; at 1 page ${num(fl("range", rp[0]))} and ${num(fl("page", rp[0]))}. Direction and growth order ` +
        `(constant against linear in the pages KVM had mapped) agree by construction: the two flush policies are the rule ` +
        `the source states, and the count follows. \`physical\` makes none on munmap because it is not called there (table 2). ` +
        `The modeled-time work does not price these secondary flushes yet, so this table counts them only.`,
      "",
      md({ title: "secondary TLB flushes per munmap", header, numeric: header.map(() => true), rows }),
      "",
    );
  }
  // row 17: the flush ceiling, in modeled time
  {
    const l = get("history_ceiling");
    const r = l.r;
    // Hansen's cycles per flush_tlb_mm_range call by pages flushed, and a full flush (domain.md §8 row 17)
    const HANSEN: Record<number, number> = { 1: 1276, 2: 1505, 4: 2447, 8: 3542, 16: 5041, 32: 9350, 33: 8534 };
    const HANSEN_FULL = 2283;
    const rp = values(r, "range_pages")
      .map(Number)
      .sort((a, b) => a - b);
    const ceilings = values(r, "flush_ceiling")
      .map(Number)
      .sort((a, b) => a - b);
    const mns = (n: number, ceil: number) => c(find(r, { range_pages: n, flush_ceiling: ceil }), "modeled_ns");
    const header = [
      "pages flushed",
      "Hansen cycles",
      "Hansen vs full flush",
      ...ceilings.map((x) => `modeled_ns/op, ceiling ${x}`),
    ];
    const rows = rp.map((n) => [
      String(n),
      HANSEN[n] ? String(HANSEN[n]) : "—",
      HANSEN[n] ? ratio(HANSEN[n], HANSEN_FULL) : "—",
      ...ceilings.map((x) => f(mns(n, x))),
    ]);
    const [lo, hi] = [ceilings[0], ceilings[ceilings.length - 1]];
    const dearer = rp.filter((n) => mns(n, hi) > mns(n, lo));
    const cheaper = rp.filter((n) => mns(n, hi) < mns(n, lo));
    const hansenBreak = Object.entries(HANSEN).find(([, cyc]) => cyc > HANSEN_FULL)?.[0];
    out.push(
      "### 6g. The flush ceiling (row 17)",
      "",
      ...runBlock(l),
      `Published: Dave Hansen measured a flush of n pages by INVLPG at 1276 cycles for 1 page up to 9350 for 32, a full ` +
        `flush at ${HANSEN_FULL} (his traces add "a couple hundred cycles" of bias), and set the ceiling at 33 pages ` +
        `(domain.md §8 reads it as 5 → 33; cost-model.md §1 as 8, or 128 on IvyBridge, → 33): a flush of more pages is a ` +
        `full flush, "so this caps the maximum overhead at about 3,000 ns" (the tlb.c comment), the full flush's price ` +
        `being the refill of the entries the task still uses (Documentation/x86/tlb.rst). rmapbench: munmap of n pages with ` +
        `no secondary on one CPU, modeled time with ceilings ${lo} and ${hi}. Per-page flushing grows linearly in both ` +
        `(growth order agrees), by construction: the model charges 100 ns per INVLPG and 878 ns for a full flush, constants ` +
        `taken from the same sources (docs/cost-model.md). Direction: in Hansen's cycles a per-page flush already costs more ` +
        `than a full flush from ${hansenBreak} pages; in rmapbench's model, ceiling ${hi} is dearer than ${lo} at ` +
        `${list(dearer.map(String))} pages and cheaper at ${list(cheaper.map(String))}. So the model ${dearer.length ? "does not reproduce" : "reproduces"} ` +
        `why the ceiling was raised: it prices the flush itself but not the refill misses after a full flush, which is ` +
        `what made 33 the better ceiling on real machines.`,
      "",
      md({ title: "flush ceiling", header, numeric: header.map(() => true), rows }),
      "",
    );
  }
  return out;
}

const pctGain = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${(x * 100).toFixed(0)}%` : "—");

function snapshotSection(l: LoadedRun, cov: LoadedRun, synthetic: LoadedRun): string[] {
  const r = l.r;
  const header = [
    "op",
    "secondary",
    ...DESIGNS.map((d) => `${d} ns/op`),
    ...DESIGNS.map((d) => `${d} calls/op`),
    "incoherent designs",
  ];
  const rows: string[][] = [];
  for (const op of values(r, "op")) {
    for (const s of SECONDARIES) {
      const es = DESIGNS.map((d) => find(r, { op, design: d, secondary: s }));
      if (es.every((e) => !e)) continue;
      const bad = DESIGNS.filter((_, i) => es[i] && broken(es[i] as Entry).length);
      rows.push([
        String(op),
        s,
        ...es.map((e) => f(med(e))),
        ...es.map((e) => num(c(e, "notifier_calls"))),
        bad.length ? bad.join(", ") : "none",
      ]);
    }
  }
  const skipped = [...new Set(r.skipped.map((s) => String(s.params.op)))];
  // where the full check on the snapshot differs from the full check on the synthetic scenario
  const real = coverageMatrix(cov.r);
  const synth = coverageMatrix(synthetic.r);
  const diffs: string[] = [];
  for (const row of real.rows) {
    const other = synth.rows.find((x) => x[0] === row[0]);
    DESIGNS.forEach((d, i) => {
      if (other && other[i + 1] !== row[i + 1])
        diffs.push(`${row[0]} under ${d} (${row[i + 1]} here, ${other[i + 1]} there)`);
    });
  }
  return [
    "## 7. Real address spaces",
    "",
    "The seed's question again on `test/fixtures/sample.snapshot` (a capture of real processes' maps and pagemap,",
    "made by `scripts/make-sample-snapshot.sh`; see docs/snapshot.md): the same designs and secondaries, over the real",
    "sharing pattern instead of the synthetic families — once timed (sampled checking), once fully checked.",
    "",
    ...runBlock(l),
    ...runBlock(cov),
    `${r.benchmarks.length} entries ran${skipped.length ? `; ${list(skipped)} had nothing to do on this snapshot and were skipped` : ""}. ` +
      `Fully checked, the snapshot's coverage matrix ${diffs.length ? `differs from the synthetic scenario's (table 2) in ${diffs.length} cells: ${diffs.join("; ")}. A rule a design breaks on the synthetic scenario but not here is one the snapshot's sharing did not give it the chance to break (for instance no secondary entry on the pages touched), not a repair` : "is the synthetic scenario's (table 2), cell for cell"}.`,
    "",
    md({ title: "snapshot", header, numeric: header.map((_, i) => i > 1 && i < header.length - 1), rows }),
    "",
    md({ ...real, title: `Coverage on the snapshot: ${real.title.replace(/^Coverage: /, "")}` }),
    "",
  ];
}

// --- the HTML page of the whole set -------------------------------------------------------------------------------

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (h: string): string =>
  h
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");

/** The inline Markdown this page uses: `code`, **bold**, *emphasis*, [text](href). */
function inline(s: string): string {
  const codes: string[] = [];
  let t = escapeHtml(s).replace(/`([^`]+)`/g, (_, x: string) => `\uE000${codes.push(x) - 1}\uE000`);
  t = t
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '<a href="$2">$1</a>')
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[\s(])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>");
  return t.replace(/\uE000(\d+)\uE000/g, (_, i: string) => `<code>${codes[Number(i)]}</code>`);
}

/**
 * results/index.html: the README's page as one HTML file (its own Markdown subset converted), with each run's
 * charts shown under the paragraph that links them.
 */
export function paperHtml(markdown: string): string {
  const body: string[] = [];
  for (const block of markdown.split(/\n{2,}/)) {
    const b = block.trim();
    if (!b) continue;
    const h = /^(#{1,6}) (.*)$/.exec(b);
    if (h) {
      const n = h[1].length;
      body.push(`<h${n} id="${escapeHtml(anchor(h[2]))}">${inline(h[2])}</h${n}>`);
    } else if (b.startsWith("|")) {
      const cells = (line: string) =>
        line
          .slice(1, -1)
          .split(/(?<!\\)\|/)
          .map((x) => x.trim().replaceAll("\\|", "|"));
      const lines = b.split("\n");
      const right = cells(lines[1]).map((x) => x.endsWith(":"));
      const cls = (i: number) => (right[i] ? ' class="num"' : "");
      const head = cells(lines[0])
        .map((x, i) => `<th${cls(i)}>${escapeHtml(x)}</th>`)
        .join("");
      const rows = lines.slice(2).map(
        (l) =>
          `<tr>${cells(l)
            .map((x, i) => `<td${cls(i)}>${escapeHtml(x)}</td>`)
            .join("")}</tr>`,
      );
      body.push(
        `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table></div>`,
      );
    } else {
      body.push(`<p>${inline(b.replace(/\n/g, " "))}</p>`);
      const svgs = [...b.matchAll(/\]\(([^)\s]+\.svg)\)/g)].map((m) => m[1]);
      for (const s of svgs)
        body.push(
          `<figure><img src="${escapeHtml(s)}" alt="${escapeHtml(s)}"><figcaption>${escapeHtml(s)}</figcaption></figure>`,
        );
    }
  }
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    "<title>rmapbench results</title>",
    `<style>${CSS}\nfigure img { max-width: 100%; display: block; }\np { max-width: 1100px; }\n</style>`,
    "</head>",
    "<body><main>",
    ...body,
    "</main></body>",
    "</html>",
    "",
  ].join("\n");
}
