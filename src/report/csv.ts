// CSV, hyperfine-like: one row per entry, full-precision numbers, `parameter_<k>` and `counter_<k>` columns.
// RFC 4180: fields holding a comma, a double quote or a line break are quoted, quotes doubled; CRLF line ends.
import type { RunResult } from "../result.js";

/** One RFC 4180 field. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const num = (x: number) => String(x);

export function csvReport(r: RunResult): string {
  const params: string[] = Object.keys(r.params);
  const counters: string[] = [];
  for (const e of r.benchmarks) {
    for (const k of Object.keys(e.params)) if (!params.includes(k)) params.push(k);
    for (const k of Object.keys(e.counters)) if (!counters.includes(k)) counters.push(k);
  }
  const header = [
    "name",
    "unit",
    "median",
    "mean",
    "p99",
    "min",
    "max",
    "rme",
    "samples",
    "checksum",
    ...params.map((k) => `parameter_${k}`),
    ...counters.map((k) => `counter_${k}`),
  ];
  const rows = r.benchmarks.map((e) => [
    e.name,
    e.unit,
    num(e.stats.median),
    num(e.stats.mean),
    num(e.stats.p99),
    num(e.stats.min),
    num(e.stats.max),
    num(e.stats.rme),
    String(e.stats.samples),
    e.checksum,
    ...params.map((k) => (e.params[k] === undefined ? "" : String(e.params[k]))),
    ...counters.map((k) => (e.counters[k] === undefined ? "" : num(e.counters[k]))),
  ]);
  return [header, ...rows].map((row) => `${row.map(csvField).join(",")}\r\n`).join("");
}
