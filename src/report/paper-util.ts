// Helpers the sections of results/README.md share: reading figures out of
// run entries, formatting them, and naming the run a table came from.
import type { Params } from "../options.js";
import type { Entry, RunResult } from "../result.js";
import { CHECK_RULES } from "../vmlayout.js";
import { renderMarkdownTable } from "./markdown.js";
import type { LoadedRun } from "./paper-runs.js";
import { fmt, type Table } from "./table.js";

export const DESIGNS = ["virtual", "physical", "physical+range", "interval"];
export const SECONDARIES = ["kvm", "gru", "xpmem"];
export const c = (e: Entry | undefined, k: string): number => e?.counters[k] ?? Number.NaN;
export const med = (e: Entry | undefined): number => e?.stats.median ?? Number.NaN;
export const f = (x: number): string => (Number.isFinite(x) ? fmt(x) : "—");
export const num = (x: number, d = 2): string => (Number.isFinite(x) ? Number(x.toFixed(d)).toString() : "—");
export const ratio = (a: number, b: number): string =>
  Number.isFinite(a / b) && b !== 0 ? `${(a / b).toFixed(2)}×` : "—";
export const md = (t: Table): string => `**${t.title}**

${renderMarkdownTable(t)}`;

export function find(r: RunResult, want: Params): Entry | undefined {
  return r.benchmarks.find((e) => Object.entries(want).every(([k, v]) => String(e.params[k]) === String(v)));
}

export function values(r: RunResult, key: string): (string | number)[] {
  return [...new Set(r.benchmarks.map((e) => e.params[key] as string | number))];
}

/** The rules an entry broke, with their counts: "" when coherent. */
export function broken(e: Entry): string[] {
  return CHECK_RULES.filter((k) => (e.counters[k] ?? 0) > 0);
}

/** Least-squares slope of y against x. */
export function slope(pts: { x: number; y: number }[]): { a: number; b: number } {
  const n = pts.length;
  const mx = pts.reduce((s, p) => s + p.x, 0) / n;
  const my = pts.reduce((s, p) => s + p.y, 0) / n;
  const sxx = pts.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const b = sxx ? pts.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx : 0;
  return { a: my - b * mx, b };
}

export const list = (xs: string[]): string => (xs.length ? xs.join(", ") : "none");

// --- the tables ---------------------------------------------------------------------------------------------------

/** Extra per-op counters shown when the run has them (the modeled-time work, when it lands). */
export function modeledKeys(r: RunResult): string[] {
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
export function growthTable(r: RunResult, x: string, counters: string[], variants: string[], title: string): Table {
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

export function fitSentence(r: RunResult, x: string): string {
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

export function crossoverSentence(r: RunResult): string {
  const cs = (r.analysis?.crossovers ?? []).filter((x) => x.at !== undefined);
  if (!cs.length) return "no design overtakes another within the swept range";
  return cs.map((x) => `${x.b} becomes ${x.direction} than ${x.a} from ${x.x} ≈ ${f(x.at as number)}`).join("; ");
}

// --- the page ---------------------------------------------------------------------------------------------------

export function runBlock(l: LoadedRun): string[] {
  const ctx = l.r.context;
  const charts = l.svgs.map((s) => `[${s.replace(/^.*?-\d{6}Z(-\d+)?-/, "").replace(/\.svg$/, "")}](${s})`);
  return [
    `Command: \`npx ${ctx.command}\` → [${l.file}](${l.file}), [HTML report](${l.html})${charts.length ? `; charts: ${charts.join(", ")}` : ""}. Ran in ${l.seconds.toFixed(0)} s.`,
    "",
  ];
}

export const pctGain = (x: number): string =>
  Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${(x * 100).toFixed(0)}%` : "—";
