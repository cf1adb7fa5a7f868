// The one table builder: every reporter (text, Markdown, HTML) renders these
// tables in its own dialect, so numbers are formatted here and only here.
// Everything is a pure function of the result: the same result gives the same text.
import type { Params, Value } from "../options.js";
import type { Comparison, Entry, RunResult } from "../result.js";

export interface Table {
  title: string;
  header: string[];
  /** Right-aligned columns (numbers). */
  numeric: boolean[];
  rows: string[][];
  /** Lines printed under the table: legends, footnotes, warnings. */
  notes?: string[];
}

/** Engineering notation with 3 significant digits: 3.51, 1.29k, 812. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${(x / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(x / 1e3).toPrecision(3)}k`;
  if (a >= 100) return x.toFixed(0);
  return x.toPrecision(3);
}

/** A signed percent with `digits` decimals; a value that rounds to zero has no sign. */
function signed(delta: number, digits: number): string {
  if (!Number.isFinite(delta)) return `${delta}%`;
  const s = Math.abs(delta).toFixed(digits);
  if (Number(s) === 0) return `${s}%`;
  return `${delta < 0 ? "-" : "+"}${s}%`;
}

/** A signed percent change with two decimals, benchstat's style: -17.20%, +3.10%. */
export const pct = (delta: number): string => signed(delta, 2);

/** A signed percent with one decimal, for interval bounds: [-66.1%, -61.8%]. */
const pct1 = (delta: number): string => signed(delta, 1);

/** A ratio as a percent change with its interval: "-64.00% [-66.1%, -61.8%]". */
export function ratioChange(r: { estimate: number; lower: number; upper: number }): string {
  return `${pct((r.estimate - 1) * 100)} [${pct1((r.lower - 1) * 100)}, ${pct1((r.upper - 1) * 100)}]`;
}

/** "n=10" when both sides have the same count, else "n=10+12" (benchstat's style). */
const nText = (n: [number, number]) => (n[0] === n[1] ? `n=${n[0]}` : `n=${n[0]}+${n[1]}`);

/** The "vs base" cell of one comparison: "-17.20% (p=0.000 n=10)" or "~ (p=0.446 n=10)". */
export function vsBase(c: Comparison): string {
  const p = `(p=${c.p_adjusted.toFixed(3)} ${nText(c.n)})`;
  return c.mark === "~" ? `~ ${p}` : `${pct(c.delta)} ${p}`;
}

/**
 * The distribution-free interval of the median from order statistics (the one
 * benchstat prints as "± x%"): [x(k), x(n-k+1)] for the largest k with
 * P(Binomial(n, 1/2) <= k-1) <= (1 - level)/2. Undefined when n is too small
 * to reach `level` (n < 6 at 95%).
 */
export function medianInterval(samples: readonly number[], level = 0.95): { lower: number; upper: number } | undefined {
  const n = samples.length;
  if (n === 0) return undefined;
  const xs = [...samples].sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  let logTerm = -n * Math.LN2; // log P(B = 0)
  let cdf = 0;
  let k = 0;
  for (let j = 0; j < n; j++) {
    cdf += Math.exp(logTerm);
    if (cdf > tail) break;
    k = j + 1;
    logTerm += Math.log(n - j) - Math.log(j + 1);
  }
  if (k === 0) return undefined;
  return { lower: xs[k - 1], upper: xs[n - k] };
}

/** The half-width of the median's 95% interval as a percent of the median: "± 1.3%", or "± ∞" when n < 6. */
export function medianSpread(e: Entry): string {
  const ci = medianInterval(e.raw);
  const m = e.stats.median;
  if (!ci || m === 0) return "± ∞";
  const h = (Math.max(m - ci.lower, ci.upper - m) / Math.abs(m)) * 100;
  return `± ${h < 10 ? h.toFixed(1) : h.toFixed(0)}%`;
}

const counterText = (e: Entry) =>
  Object.entries(e.counters)
    .map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`)
    .join(" ");

/** The main table: one row per entry, named by its non-constant parameters. */
export function resultTable(r: RunResult, nameKeys: string[]): Table {
  return {
    title: `${r.suite} (${r.run})`,
    header: [...nameKeys, "unit", "median", "±rme", "p99", "n", "checksum", "counters/op"],
    numeric: [...nameKeys.map(() => false), false, true, true, true, true, false, false],
    rows: r.benchmarks.map((e) => [
      ...nameKeys.map((k) => String(e.params[k])),
      e.unit,
      fmt(e.stats.median),
      `${e.stats.rme.toFixed(1)}%`,
      fmt(e.stats.p99),
      String(e.stats.samples),
      e.checksum,
      counterText(e),
    ]),
  };
}

/** Skips grouped by reason: one line each. */
export function skipLines(r: RunResult): string[] {
  const by = new Map<string, string[]>();
  for (const s of r.skipped) by.set(s.reason, [...(by.get(s.reason) ?? []), s.name]);
  return [...by].map(([reason, names]) => `skipped ${names.length} (${reason}): ${names.join(", ")}`);
}

/** The keys of a cell in name order (nameKeys first, then any other key in its own order). */
function orderedKeys(key: Params, nameKeys: string[]): string[] {
  const own = Object.keys(key);
  return [...nameKeys.filter((k) => own.includes(k)), ...own.filter((k) => !nameKeys.includes(k))];
}

/** A cell named Go sub-benchmark style: "op=walk/workers=1"; "all" for the one cell of an unswept run. */
export function cellLabel(key: Params, nameKeys: string[]): string {
  const keys = orderedKeys(key, nameKeys);
  return keys.length ? keys.map((k) => `${k}=${key[k]}`).join("/") : "all";
}

const same = (a: Value | undefined, b: Value | undefined) => a !== undefined && String(a) === String(b);

/** The entry of `variant` in the cell `key` measured in `unit`. */
export function findEntry(
  r: RunResult,
  key: Params,
  variantKey: string,
  variant: string,
  unit?: string,
): Entry | undefined {
  return r.benchmarks.find(
    (e) =>
      (unit === undefined || e.unit === unit) &&
      same(e.params[variantKey], variant) &&
      Object.entries(key).every(([k, v]) => same(e.params[k], v)),
  );
}

const geo = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

/**
 * The A/B tables in benchstat's layout, one per unit: a row per cell, the
 * baseline's median ± the half-width of its 95% interval, then for every other
 * variant its median and the change vs base with the Holm-adjusted p-value,
 * "~" when not significant; a last geomean row with the interval of the
 * geometric-mean ratio.
 */
export function abTables(r: RunResult, nameKeys: string[]): Table[] {
  const a = r.analysis;
  if (!a || a.comparisons.length === 0) return [];
  const vk = a.variantKey;
  const order = (r.params[vk] ?? []).map(String);
  const units = [...new Set(a.comparisons.map((c) => c.unit))];
  const tables: Table[] = [];
  const alpha = a.alpha;
  const pairCells = (other: string) => a.comparisons.filter((c) => c.other === other).length;
  for (const unit of units) {
    const cs = a.comparisons.filter((c) => c.unit === unit);
    const others = [...new Set(cs.map((c) => c.other))].sort(
      (x, y) => (order.indexOf(x) + 1 || Infinity) - (order.indexOf(y) + 1 || Infinity),
    );
    const cells = new Map<string, { key: Params; by: Map<string, Comparison> }>();
    for (const c of cs) {
      const label = cellLabel(c.key, nameKeys);
      const cell = cells.get(label) ?? { key: c.key, by: new Map() };
      cell.by.set(c.other, c);
      cells.set(label, cell);
    }
    const notes: string[] = [];
    let infinite = false;
    const value = (key: Params, variant: string) => {
      const e = findEntry(r, key, vk, variant, unit);
      if (!e) return "";
      const s = medianSpread(e);
      if (s === "± ∞") infinite = true;
      return `${fmt(e.stats.median)} ${s}`;
    };
    const rows: string[][] = [];
    const medians = new Map<string, number[]>([[a.baseline, []], ...others.map((o) => [o, []] as [string, number[]])]);
    for (const [label, cell] of cells) {
      const row = [label, value(cell.key, a.baseline)];
      const base = findEntry(r, cell.key, vk, a.baseline, unit);
      if (base) medians.get(a.baseline)?.push(base.stats.median);
      for (const o of others) {
        const c = cell.by.get(o);
        row.push(value(cell.key, o), c ? vsBase(c) : "");
        const e = findEntry(r, cell.key, vk, o, unit);
        if (e) medians.get(o)?.push(e.stats.median);
        for (const w of c?.warnings ?? []) notes.push(`${label} ${vk}=${o}: ${w}`);
      }
      rows.push(row);
    }
    const gm = (v: string) => {
      const xs = medians.get(v) ?? [];
      return xs.length && xs.every((x) => x > 0) ? fmt(geo(xs)) : "";
    };
    const geoRow = ["geomean", gm(a.baseline)];
    for (const o of others) {
      const mine = cs.filter((c) => c.other === o);
      const g = a.geomean.find((x) => x.other === o);
      let text = "";
      if (g && g.cells === mine.length && mine.length === pairCells(o)) text = ratioChange(g.ratio);
      else if (mine.length && mine.every((c) => c.ratio.estimate > 0)) {
        text = pct((geo(mine.map((c) => c.ratio.estimate)) - 1) * 100);
        if (g) notes.push(`geomean of ${vk}=${o} over all ${g.cells} cells (every unit): ${ratioChange(g.ratio)}`);
      }
      geoRow.push(gm(o), text);
    }
    rows.push(geoRow);
    notes.unshift(
      `median ± half-width of its 95% interval; vs base: change of the median, Mann-Whitney U p-value (Holm-adjusted over ${a.comparisons.length} comparisons), ~ = not significant after adjustment at α=${alpha}; geomean interval: 95%.`,
    );
    if (infinite) notes.push("± ∞: fewer than 6 samples, too few for a 95% interval of the median.");
    tables.push({
      title: `A/B (${unit}): ${vk} vs ${vk}=${a.baseline}`,
      header: ["cell", `${vk}=${a.baseline}`, ...others.flatMap((o) => [`${vk}=${o}`, "vs base"])],
      numeric: [false, true, ...others.flatMap(() => [true, true])],
      rows,
      notes: [...new Set(notes)],
    });
  }
  return tables;
}

/** The half-width of an interval as a percent of its estimate: "± 2.1%". */
function spread(e: { estimate: number; lower: number; upper: number }): string {
  if (e.estimate === 0 || !Number.isFinite(e.lower) || !Number.isFinite(e.upper)) return "± ∞";
  const h = (Math.max(e.estimate - e.lower, e.upper - e.estimate) / Math.abs(e.estimate)) * 100;
  return `± ${h < 10 ? h.toFixed(1) : h.toFixed(0)}%`;
}

const percent = (x: number) => `${(x * 100).toFixed(0)}%`;

/** Scaling (will-it-scale's vocabulary): one table per cell, a row per variant and worker count. */
export function scalingTables(r: RunResult, nameKeys: string[]): Table[] {
  const a = r.analysis;
  if (!a || a.scaling.length === 0) return [];
  const groups = new Map<string, { x: string; label: string; rows: string[][]; superlinear: boolean }>();
  for (const s of a.scaling) {
    const label = cellLabel(s.key, nameKeys);
    const id = `${label}\u0000${s.x}`;
    const g = groups.get(id) ?? { x: s.x, label, rows: [], superlinear: false };
    for (const p of s.points) {
      const dagger = p.superlinear ? " †" : "";
      if (p.superlinear) g.superlinear = true;
      g.rows.push([
        s.variant,
        String(p.x),
        `${fmt(p.throughput.estimate)} ${spread(p.throughput)}`,
        `${p.speedup.estimate.toFixed(2)} [${p.speedup.lower.toFixed(2)}, ${p.speedup.upper.toFixed(2)}]${dagger}`,
        `${percent(p.efficiency.estimate)} [${percent(p.efficiency.lower)}, ${percent(p.efficiency.upper)}]${dagger}`,
        fmt(p.linear),
      ]);
    }
    groups.set(id, g);
  }
  return [...groups.values()].map((g) => ({
    title: `Scaling: ${g.label}, throughput vs ${g.x}`,
    header: [a.variantKey, g.x, "ops/s (95% CI)", "speedup", "efficiency", "linear ops/s"],
    numeric: [false, true, true, true, true, true],
    rows: g.rows,
    notes: [
      `speedup = throughput / throughput at ${g.x}=1; efficiency = speedup / ${g.x}; linear = throughput at ${g.x}=1 × ${g.x}; intervals 95%.`,
      ...(g.superlinear ? [`† superlinear: speedup above ${g.x}.`] : []),
    ],
  }));
}

const modelText: Record<string, string> = {
  "1": "a",
  "log n": "a + b·log n",
  n: "a + b·n",
  "n log n": "a + b·n log n",
  "n^2": "a + b·n²",
};

/** Cost-growth fits: cost = a + b·f(x), the model chosen by AICc. */
export function fitsTable(r: RunResult, nameKeys: string[]): Table | undefined {
  const a = r.analysis;
  if (!a || a.fits.length === 0) return undefined;
  return {
    title: "Growth: cost = a + b·f(x)",
    header: ["cell", a.variantKey, "x", "model", "a", "b [95% CI]", "r²", "grows"],
    numeric: [false, false, false, false, true, true, true, false],
    rows: a.fits.map((f) => [
      cellLabel(f.key, nameKeys),
      f.variant,
      f.x,
      modelText[f.model] ?? f.model,
      fmt(f.a),
      f.model === "1" ? "—" : `${fmt(f.b)}${f.b_ci ? ` [${fmt(f.b_ci.lower)}, ${fmt(f.b_ci.upper)}]` : ""}`,
      f.r2.toFixed(3),
      f.grows ? "yes" : "no",
    ]),
    notes: [
      `model chosen by ${[...new Set(a.fits.map((f) => f.criterion))].join(", ")} among a, a + b·log n, a + b·n, a + b·n log n, a + b·n²; log is natural; grows = not constant and the interval of b lies above 0.`,
    ],
  };
}

/** Crossovers: where variant b starts to beat (or fall behind) variant a along x. */
export function crossoverTable(r: RunResult, nameKeys: string[]): Table | undefined {
  const a = r.analysis;
  if (!a || a.crossovers.length === 0) return undefined;
  const vk = a.variantKey;
  return {
    title: "Crossovers",
    header: ["cell", "x", `${vk} a`, `${vk} b`, "crossover"],
    numeric: [false, false, false, false, false],
    rows: a.crossovers.map((c) => [
      cellLabel(c.key, nameKeys),
      c.x,
      c.a,
      c.b,
      c.at === undefined
        ? "none in the swept range"
        : `b ${c.direction === "slower" ? "slower" : "faster"} than a from ${c.x} ≈ ${fmt(c.at)}`,
    ]),
  };
}

/** A/A mode: how often identical variants were called different on this machine. */
export function aaTable(r: RunResult): Table | undefined {
  const aa = r.analysis?.aa;
  if (!aa) return undefined;
  return {
    title: "A/A: false positives on this machine",
    header: ["α", "tests", "significant", "rate"],
    numeric: [true, true, true, true],
    rows: [[String(aa.alpha), String(aa.tests), String(aa.significant), `${(aa.rate * 100).toFixed(1)}%`]],
    notes: [`every variant is the baseline run against itself; about ${(aa.alpha * 100).toFixed(0)}% is expected.`],
  };
}

/** Every table derived from the analysis, in reading order (the main table is separate). */
export function analysisTables(r: RunResult, nameKeys: string[]): Table[] {
  const out = [...abTables(r, nameKeys), ...scalingTables(r, nameKeys)];
  for (const t of [fitsTable(r, nameKeys), crossoverTable(r, nameKeys), aaTable(r)]) if (t) out.push(t);
  return out;
}

/** The main table and then every analysis table. */
export function allTables(r: RunResult, nameKeys: string[]): Table[] {
  return [resultTable(r, nameKeys), ...analysisTables(r, nameKeys)];
}

/** The context block as label/value pairs (HTML and anything else that lists it). */
export function contextRows(r: RunResult): [string, string][] {
  const c = r.context;
  const rows: [string, string][] = [
    ["suite", r.suite],
    ["run", r.run],
    ["command", c.command],
    ["date", c.date],
    ["host", c.host],
    ["cpu", `${c.cpu.model}, ${c.cpu.cores} cores`],
    ["os", c.os],
    ["runtime", `Node ${c.node} (V8 ${c.v8})`],
    ["commit", `${c.git.commit.slice(0, 12)}${c.git.dirty ? " (dirty)" : ""}`],
    ["build", c.build],
    [
      "packages",
      Object.entries(c.packages)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    ],
  ];
  if (r.mode === "aa") rows.push(["mode", "A/A (every variant is the baseline)"]);
  if (r.shard) rows.push(["shard", `${r.shard.index}/${r.shard.count}`]);
  if (r.analysis) rows.push(["baseline", `${r.analysis.variantKey}=${r.analysis.baseline}`]);
  return rows;
}

/** Lines under every report: failures, grouped skips, then the run's notes. */
export function extraLines(r: RunResult): string[] {
  return [...r.failed.map((f) => `FAILED ${f.name}: ${f.error}`), ...skipLines(r), ...r.notes];
}
