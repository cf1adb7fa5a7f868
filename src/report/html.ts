// One self-contained HTML page: inline CSS, inline SVG charts, no scripts and no external URL.
import type { RunResult } from "../result.js";
import type { Chart } from "./svg.js";
import { analysisTables, contextRows, extraLines, resultTable, type Table } from "./table.js";

export function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

export const CSS = `
:root { color-scheme: light; }
body { margin: 0; background: #fafafa; color: #1a1a1a; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
dl.context { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dl.context dt { color: #555; }
dl.context dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; margin: 14px 0 4px; }
table { border-collapse: collapse; background: white; font-size: 12.5px; }
caption { text-align: left; font-weight: 600; padding: 0 0 6px; font-size: 14px; white-space: nowrap; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e6e6e6; white-space: nowrap; }
th { background: #f0f0f0; text-align: left; font-weight: 600; }
td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
td.num, th.num { text-align: right; }
tbody tr:last-child td { border-bottom: 1px solid #ccc; }
ul.notes { margin: 4px 0 0; padding-left: 18px; color: #555; font-size: 12px; }
ul.summary { padding-left: 18px; }
figure { margin: 16px 0; background: white; border: 1px solid #e3e3e3; padding: 8px; display: inline-block; max-width: calc(100% - 18px); }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #555; font-size: 12px; margin-top: 4px; }
`;

export function renderHtmlTable(t: Table): string {
  const cls = (i: number) => (t.numeric[i] ? ' class="num"' : "");
  const head = t.header.map((h, i) => `<th scope="col"${cls(i)}>${escapeHtml(h)}</th>`).join("");
  const body = t.rows
    .map((row) => `<tr>${row.map((c, i) => `<td${cls(i)}>${escapeHtml(c)}</td>`).join("")}</tr>`)
    .join("\n");
  const notes = t.notes?.length
    ? `\n<ul class="notes">${t.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>`
    : "";
  return `<div class="table-wrap"><table>\n<caption>${escapeHtml(t.title)}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table></div>${notes}`;
}

export function htmlReport(r: RunResult, nameKeys: string[], summary: string[], charts: Chart[]): string {
  const title = `${r.suite}: run ${r.run}`;
  const context = contextRows(r)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join("\n");
  const parts = [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${CSS}</style>`,
    "</head>",
    "<body>",
    "<main>",
    `<h1>${escapeHtml(title)}</h1>`,
    '<section id="context">',
    `<dl class="context">\n${context}\n</dl>`,
    "</section>",
  ];
  if (summary.length)
    parts.push(
      '<section id="summary">',
      "<h2>Summary</h2>",
      `<ul class="summary">${summary.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ul>`,
      "</section>",
    );
  parts.push('<section id="tables">', "<h2>Tables</h2>", renderHtmlTable(resultTable(r, nameKeys)));
  for (const t of analysisTables(r, nameKeys)) parts.push(renderHtmlTable(t));
  parts.push("</section>");
  if (charts.length) {
    parts.push('<section id="charts">', "<h2>Charts</h2>");
    for (const c of charts)
      parts.push(
        `<figure id="chart-${escapeHtml(c.name)}">`,
        c.svg,
        `<figcaption>${escapeHtml(c.title)}</figcaption>`,
        "</figure>",
      );
    parts.push("</section>");
  }
  const extra = extraLines(r);
  if (extra.length)
    parts.push(
      '<section id="notes">',
      "<h2>Notes</h2>",
      `<ul class="notes">${extra.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ul>`,
      "</section>",
    );
  parts.push("</main>", "</body>", "</html>", "");
  return parts.join("\n");
}
