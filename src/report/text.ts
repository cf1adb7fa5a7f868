// Plain aligned text for the terminal: the main table, every analysis table, then failures, skips and the summary.
import type { RunResult } from "../result.js";
import { analysisTables, resultTable, skipLines, type Table } from "./table.js";

export function renderTable(t: Table): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (t.numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(t.header), line(widths.map((w) => "-".repeat(w))), ...t.rows.map(line)].join("\n");
}

/** A titled table with its notes underneath. */
export function renderTitledTable(t: Table): string {
  return [t.title, renderTable(t), ...(t.notes ?? [])].join("\n");
}

export function textReport(r: RunResult, nameKeys: string[], summary: string[]): string {
  const out = [renderTable(resultTable(r, nameKeys))];
  for (const t of analysisTables(r, nameKeys)) out.push("", renderTitledTable(t));
  const tail = [...r.failed.map((f) => `FAILED ${f.name}: ${f.error}`), ...skipLines(r), ...summary];
  if (tail.length) out.push("", ...tail);
  return `${out.join("\n")}\n`;
}
