// Every output of a run, by format, from the one result: the CLI writes what this returns.
import type { RunResult } from "../result.js";
import { csvReport } from "./csv.js";
import { goTextReport } from "./gotext.js";
import { htmlReport } from "./html.js";
import { jsonReport } from "./json.js";
import { markdownReport } from "./markdown.js";
import { type Chart, renderCharts } from "./svg.js";

/** json: the canonical result; md: Markdown; csv; txt: Go benchmark format (benchstat); svg: charts; html: the page. */
export type Format = "json" | "md" | "csv" | "txt" | "svg" | "html";

export const FORMATS: readonly Format[] = ["json", "md", "csv", "txt", "svg", "html"];

export interface ReportMeta {
  /** Parameters that name an entry, in order (the suite's nameKeys). */
  nameKeys: string[];
  /** Lines under the main table (the suite's summary). */
  summary: string[];
}

export interface Output {
  /** Relative to the run's directory: `<run>.json`, `<run>-<chart>.svg`, ... */
  file: string;
  text: string;
}

/**
 * Renders the requested formats, in the order asked, each once. Asynchronous because vega renders charts
 * asynchronously; charts are drawn once and shared by "svg" and "html".
 */
export async function renderAll(r: RunResult, meta: ReportMeta, formats: readonly Format[]): Promise<Output[]> {
  const wanted = [...new Set(formats)];
  let charts: Chart[] | undefined;
  const getCharts = async () => {
    charts ??= await renderCharts(r, meta.nameKeys);
    return charts;
  };
  const out: Output[] = [];
  for (const f of wanted) {
    switch (f) {
      case "json":
        out.push({ file: `${r.run}.json`, text: jsonReport(r) });
        break;
      case "md":
        out.push({ file: `${r.run}.md`, text: markdownReport(r, meta.nameKeys, meta.summary) });
        break;
      case "csv":
        out.push({ file: `${r.run}.csv`, text: csvReport(r) });
        break;
      case "txt":
        out.push({ file: `${r.run}.txt`, text: goTextReport(r) });
        break;
      case "svg":
        for (const c of await getCharts()) out.push({ file: `${r.run}-${c.name}.svg`, text: `${c.svg}\n` });
        break;
      case "html":
        out.push({ file: `${r.run}.html`, text: htmlReport(r, meta.nameKeys, meta.summary, await getCharts()) });
        break;
      default:
        throw new Error(`unknown format "${f satisfies never}"`);
    }
  }
  return out;
}
