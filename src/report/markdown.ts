// Markdown: the context, the command that made the run, the main table, the summary, then every analysis table
// (the A/B tables in benchstat's layout as pipe tables), then failures, skips and notes.
import type { RunResult } from "../result.js";
import { analysisTables, extraLines, resultTable, type Table } from "./table.js";

const esc = (s: string) => s.replaceAll("|", "\\|");

export function renderMarkdownTable(t: Table): string {
  const row = (cells: string[]) => `| ${cells.map(esc).join(" | ")} |`;
  const rule = `|${t.numeric.map((n) => (n ? "---:" : "---")).join("|")}|`;
  return [row(t.header), rule, ...t.rows.map(row)].join("\n");
}

export function markdownReport(r: RunResult, nameKeys: string[], summary: string[]): string {
  const c = r.context;
  const lines = [
    `# ${r.suite}: run ${r.run}`,
    "",
    `Command: \`${c.command}\``,
    "",
    `Machine: ${c.cpu.model}, ${c.cpu.cores} cores; ${c.os}; Node ${c.node} (V8 ${c.v8}); commit ${c.git.commit.slice(0, 12)}${c.git.dirty ? " (dirty)" : ""}; ${c.date}.`,
    "",
    renderMarkdownTable(resultTable(r, nameKeys)),
    "",
  ];
  if (summary.length) lines.push(...summary.map((s) => `- ${s}`), "");
  for (const t of analysisTables(r, nameKeys)) {
    lines.push(`## ${t.title}`, "", renderMarkdownTable(t), "");
    if (t.notes?.length) lines.push(...t.notes.map((n) => `- ${n}`), "");
  }
  const extra = extraLines(r);
  if (extra.length) lines.push(...extra.map((s) => `- ${s}`), "");
  return lines.join("\n");
}
