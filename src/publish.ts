// Where a run meets its analysis (src/analysis) and its reporters (src/report):
// every command that writes outputs (run, merge, report) goes through here, so
// they all write the same files, named after the run's base path.
import { basename } from "node:path";
import { analyze } from "./analysis/index.js";
import { UsageError } from "./errors.js";
import { runNameKeys } from "./options.js";
import { writeAtomic } from "./output.js";
import type { Format } from "./report/index.js";
import { jsonReport } from "./report/json.js";
import { markdownReport } from "./report/markdown.js";
import { textReport } from "./report/text.js";
import type { RunResult } from "./result.js";
import type { Suite } from "./suite.js";

export type { Format };

/** The formats src/report renders; kept here so checking `--format` does not load the chart library. */
export const FORMATS = ["json", "md", "csv", "txt", "svg", "html"] as const satisfies readonly Format[];
// Every format of the reporters is listed above (a compile error otherwise).
const _all: readonly (typeof FORMATS)[number][] = [] as Format[];
void _all;

/** Parses a `--format` list (comma-separated; repeated flags add up). The JSON is always written. */
export function parseFormats(lists: readonly string[], where = "--format"): Format[] {
  const out = new Set<Format>(["json"]);
  for (const f of lists.flatMap((l) => l.split(",")).map((s) => s.trim())) {
    if (!(FORMATS as readonly string[]).includes(f)) {
      throw new UsageError(`${where}: unknown format "${f}"; formats: ${FORMATS.join(", ")}`);
    }
    out.add(f as Format);
  }
  return FORMATS.filter((f) => out.has(f));
}

/** The keys that name the run's entries and the suite's summary lines. */
export function presentation(r: RunResult, suite: Suite): { nameKeys: string[]; summary: string[] } {
  return { nameKeys: runNameKeys(suite.nameKeys, r.params), summary: suite.summary?.(r.benchmarks) ?? [] };
}

/** Recomputes `r.analysis` from the raw samples; throws (naming the valid values) when the baseline is unknown. */
export function analyzeRun(r: RunResult, suite: Suite): void {
  r.analysis = analyze(r, {
    variantKey: suite.variantKey,
    nameKeys: runNameKeys(suite.nameKeys, r.params),
    baseline: r.baseline ?? r.analysis?.baseline,
    seed: Number(r.params.seed?.[0] ?? 1),
    ...(suite.scalingKeys ? { scalingKeys: suite.scalingKeys } : {}),
  });
}

export interface Output {
  path: string;
  text: string;
}

/**
 * Renders the result in `formats` to files `<base><suffix>`: `base` is a path without extension
 * (`results/kernels/<run>` or `.../<run>.shard-1-of-2`), the suffix whatever the reporter puts after the run id.
 */
export async function render(r: RunResult, suite: Suite, formats: readonly Format[], base: string): Promise<Output[]> {
  // Loaded on first use: vega takes most of a second to import, and checking input must stay quick.
  const { renderAll } = await import("./report/index.js");
  return (await renderAll(r, presentation(r, suite), formats)).map(({ file, text }) => {
    const name = basename(file);
    const suffix = name.startsWith(r.run) ? name.slice(r.run.length) : `.${name}`;
    return { path: `${base}${suffix}`, text };
  });
}

export function writeOutputs(outputs: readonly Output[]): void {
  for (const o of outputs) writeAtomic(o.path, o.text);
}

/** Only the canonical JSON (written after every cell). */
export function jsonOutput(r: RunResult, base: string): Output {
  return { path: `${base}.json`, text: jsonReport(r) };
}

/** The table printed on stdout at the end of a run. */
export function terminalTable(r: RunResult, suite: Suite): string {
  const p = presentation(r, suite);
  return textReport(r, p.nameKeys, p.summary);
}

/** The markdown page of a run (for results/<suite>/README.md). */
export function markdownPage(r: RunResult, suite: Suite): string {
  const p = presentation(r, suite);
  return markdownReport(r, p.nameKeys, p.summary);
}
