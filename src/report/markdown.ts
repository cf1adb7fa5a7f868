// Markdown: the context, the command that made the run, the table, the summary.
import type { RunResult } from "../result.js";
import { resultTable, skipLines, type Table } from "./table.js";

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
  const extra = [...r.failed.map((f) => `FAILED ${f.name}: ${f.error}`), ...skipLines(r), ...r.notes];
  if (extra.length) lines.push(...extra.map((s) => `- ${s}`), "");
  return lines.join("\n");
}
