// Plain aligned text for the terminal.
import type { RunResult } from "../result.js";
import { resultTable, skipLines, type Table } from "./table.js";

export function renderTable(t: Table): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (t.numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(t.header), line(widths.map((w) => "-".repeat(w))), ...t.rows.map(line)].join("\n");
}

export function textReport(r: RunResult, nameKeys: string[], summary: string[]): string {
  const out = [renderTable(resultTable(r, nameKeys))];
  for (const f of r.failed) out.push(`FAILED ${f.name}: ${f.error}`);
  out.push(...skipLines(r), ...summary);
  return `${out.join("\n")}\n`;
}
