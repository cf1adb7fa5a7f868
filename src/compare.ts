// `rmapbench compare A.json B.json`: benchstat's comparison of two saved runs,
// from their raw samples. Entries are matched by name; each pair gets the
// median with a bootstrap interval on both sides, the change of the median and
// a Mann-Whitney U p-value, Holm-adjusted across the entries ("~" when the
// adjusted p is above alpha).
import { UsageError } from "./errors.js";
import type { Entry, RunResult } from "./result.js";
import { contextDiffs } from "./runs.js";
import { compare, DEFAULT_ALPHA, deriveSeed, geomeanRatio, holm, median, medianCI } from "./stats/index.js";

export interface CompareReport {
  /** The table, for stdout. */
  text: string;
  /** Context differences and unmatched entries, for stderr. */
  warnings: string[];
  rows: number;
}

const SEED = 1;

export function compareRuns(
  a: { file: string; r: RunResult },
  b: { file: string; r: RunResult },
  alpha = DEFAULT_ALPHA,
): CompareReport {
  const warnings = contextDiffs(a.r.context, b.r.context).map((d) => `contexts differ: ${d}`);
  const usable = (e: Entry) => e.raw.length > 0 && e.raw.every(Number.isFinite);
  const inB = new Map(b.r.benchmarks.map((e) => [e.name, e]));
  const inA = new Set(a.r.benchmarks.map((e) => e.name));
  const pairs: { x: Entry; y: Entry }[] = [];
  for (const x of a.r.benchmarks) {
    const y = inB.get(x.name);
    if (!y) continue;
    if (x.unit !== y.unit) warnings.push(`${x.name}: unit ${x.unit} in A but ${y.unit} in B; not compared`);
    else if (!usable(x) || !usable(y)) warnings.push(`${x.name}: no raw samples on one side; not compared`);
    else pairs.push({ x, y });
  }
  const onlyA = a.r.benchmarks.filter((e) => !inB.has(e.name)).map((e) => e.name);
  const onlyB = b.r.benchmarks.filter((e) => !inA.has(e.name)).map((e) => e.name);
  if (onlyA.length) warnings.push(`only in A (${onlyA.length}): ${list(onlyA)}`);
  if (onlyB.length) warnings.push(`only in B (${onlyB.length}): ${list(onlyB)}`);
  if (pairs.length === 0) throw new UsageError(`${a.file} and ${b.file} have no entry in common to compare`);

  const tests = pairs.map(({ x, y }, i) => compare(x.raw, y.raw, { seed: deriveSeed(SEED, i), alpha }));
  const adjusted = holm(tests.map((t) => t.p));
  const rows = pairs.map(({ x, y }, i) => {
    const t = tests[i];
    const significant = adjusted[i] <= alpha;
    return [
      x.name,
      x.unit,
      withCI(x.raw, deriveSeed(SEED, 2 * i + 1_000_000)),
      withCI(y.raw, deriveSeed(SEED, 2 * i + 1_000_001)),
      significant ? pct(t.delta) : "~",
      fmtP(t.p),
      fmtP(adjusted[i]),
      `${t.n[0]}+${t.n[1]}`,
    ];
  });
  const g = pairs.length > 1 ? geomean(pairs) : undefined;
  if (g) rows.push(["geomean", "", "", "", pct(100 * (g.estimate - 1)), "", "", ""]);
  const header = ["name", "unit", "A median ± ci", "B median ± ci", "delta", "p", "p(holm)", "n"];
  const numeric = [false, false, true, true, true, true, true, true];
  const lines = [
    `A: ${a.file} (${describe(a.r)})`,
    `B: ${b.file} (${describe(b.r)})`,
    "",
    table(header, numeric, rows),
    "",
    `delta is B's median over A's, "~" when not significant (Mann-Whitney U, Holm-adjusted across ${pairs.length} entr${pairs.length === 1 ? "y" : "ies"}, alpha ${alpha}); ci: 95% bootstrap of the median (± ∞: fewer than ${MIN_CI_SAMPLES} samples)`,
  ];
  return { text: `${lines.join("\n")}\n`, warnings, rows: pairs.length };
}

/** The geometric mean of the ratios with its interval; undefined when a median is zero. */
function geomean(pairs: { x: Entry; y: Entry }[]) {
  try {
    return geomeanRatio(
      pairs.map(({ x, y }) => ({ base: x.raw, other: y.raw })),
      { seed: SEED },
    );
  } catch {
    return undefined;
  }
}

function describe(r: RunResult): string {
  const c = r.context;
  return `${r.suite} run ${r.run}, ${c.cpu.model}, Node ${c.node}, commit ${c.git.commit.slice(0, 12)}${c.git.dirty ? " dirty" : ""}`;
}

/** benchstat's rule: fewer than 6 samples give no 95% interval of the median. */
const MIN_CI_SAMPLES = 6;

function withCI(raw: number[], seed: number): string {
  if (raw.length < MIN_CI_SAMPLES) return `${num(median(raw))} ± ∞`;
  const m = medianCI(raw, { seed });
  const half = Math.max(m.upper - m.estimate, m.estimate - m.lower);
  const rel = m.estimate !== 0 ? (100 * half) / Math.abs(m.estimate) : 0;
  return `${num(m.estimate)} ± ${rel < 10 ? rel.toFixed(1) : rel.toFixed(0)}%`;
}

/** Three significant digits, with k/M/G above 10^4. */
function num(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${(x / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(x / 1e3).toPrecision(3)}k`;
  if (a >= 100) return x.toFixed(0);
  return x.toPrecision(3);
}

const pct = (d: number) => `${d >= 0 ? "+" : ""}${d.toFixed(2)}%`;
const fmtP = (p: number) => (p < 0.001 ? p.toExponential(1) : p.toFixed(3));
const list = (names: string[]) => (names.length > 5 ? `${names.slice(0, 5).join(", ")}, ...` : names.join(", "));

function table(header: string[], numeric: boolean[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
