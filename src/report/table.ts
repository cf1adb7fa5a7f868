// The one table builder: every reporter renders these rows in its own dialect.
import type { Entry, RunResult } from "../result.js";

export interface Table {
  title: string;
  header: string[];
  /** Right-aligned columns (numbers). */
  numeric: boolean[];
  rows: string[][];
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
