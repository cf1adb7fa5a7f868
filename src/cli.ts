// rmapbench's command line. `run` is one pipeline:
//   parse -> validate (config, sets, flags, resumed run) -> plan grid -> measure cells -> analyze -> publish
// and nothing is written, and no workload built, before every check has passed.
// Run state (resume, shards, merge) lives in runs.ts and shard.ts; outputs in publish.ts.
import { readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { compareRuns } from "./compare.js";
import { loadConfig } from "./config.js";
import { captureContext } from "./context.js";
import { UsageError } from "./errors.js";
import { type CellOutcome, measureGroup } from "./measure.js";
import { applySets, benchName, type Params, runNameKeys, type SetItem, setItem } from "./options.js";
import { openProgress, type Progress } from "./progress.js";
import {
  analyzeRun,
  FORMATS,
  type Format,
  jsonOutput,
  markdownPage,
  type Output,
  parseFormats,
  render,
  terminalTable,
  writeOutputs,
} from "./publish.js";
import { type RunResult, SCHEMA_VERSION } from "./result.js";
import { contextDiffs, dropGroup, gridDiffs, loadResult, planRun, type RunPlan, sortByGrid } from "./runs.js";
import { mergeShards, parseShard, showShard } from "./shard.js";
import { type Stop, signalExitCode, stopOnSignals } from "./signals.js";
import { rmapCmd, SNAPSHOT_USAGE, snapshotCmd } from "./snapshot/commands.js";
import type { Suite, SuiteContext } from "./suite.js";
import { DEFAULT_SUITE, findSuite, suites } from "./suites.js";

const USAGE = `usage: rmapbench <command> [options]

commands:
  run [SUITE] [options]                run a suite (default: ${DEFAULT_SUITE}) over the grid of its parameters
  list                                 suites, their parameters and defaults
  compare A.json B.json                compare two runs entry by entry from their raw samples (benchstat style)
  merge SHARD.json... [-o FILE] [--format LIST]
                                       join the shard results of one grid into one result (every format)
  report DIR|FILE [--format LIST] [--baseline VALUE]
                                       regenerate every output of the result JSON(s), analysis included
${SNAPSHOT_USAGE}
  help                                 this text

run options:
  -s, --set key=value   set a parameter; a value may sweep: k=a,b,c | k=1..1024*2 | k=0..100+10;
                        the grid is the product of the sweeps
  --config FILE         a JSON file: {"suite": "...", "set": {"key": value | [values] | "range"},
                        "baseline": "...", "formats": [...]}; --set and SUITE on the command line win
  --baseline VALUE      the variant the others are compared with (VALUE or key=VALUE; default: the first)
  --aa                  A/A mode: each cell runs the baseline twice, the copy labelled VALUE~aa, so the
                        analysis reports how often this machine calls identical code different
  --format LIST         outputs, comma-separated: ${FORMATS.join(",")} (default: all; the JSON is always written)
  --shard i/n           run the i-th of n slices of the grid (1-based; cells round-robin, a cell's variants
                        stay together); writes RUN.shard-i-of-n.json, to be joined by \`rmapbench merge\`
  --resume [FILE]       continue the newest run of the suite in the output directory (of the same --shard),
                        or FILE: same suite and grid; finished and skipped cells are kept, cells that failed
                        are measured again; the run id and file names stay
  --out DIR             where results go (default: results): DIR/SUITE/RUN.{json,md,...}

The JSON is rewritten after every cell, atomically. Ctrl-C (SIGINT) or SIGTERM stops after the current cell,
writes every output and exits 130/143 (a second signal quits at once); --resume continues.
Exit codes: 0 done, 1 a cell failed (the others still ran), 2 bad input (nothing written), 130/143 interrupted.`;

// --- list -----------------------------------------------------------------------------------------------------------

function list(): void {
  for (const s of suites) {
    console.log(`${s.name}${s.name === DEFAULT_SUITE ? " (default)" : ""}: ${s.doc}`);
    for (const [k, p] of Object.entries(s.params)) {
      const def = Array.isArray(p.default) ? p.default.join(",") : String(p.default);
      console.log(`  ${k.padEnd(13)} ${def.padEnd(40)} ${p.doc}; ${p.hint}`);
    }
  }
}

// --- run ------------------------------------------------------------------------------------------------------------

interface RunArgs {
  plan: RunPlan;
  formats: Format[];
  command: string;
}

/** Parses and checks everything `run` was given; reads the config and a resumed run, writes nothing. */
function parseRun(args: string[]): RunArgs {
  const { values, positionals } = parseArgs({
    args: optionalValue(args, "--resume", (next) => next.endsWith(".json")),
    allowPositionals: true,
    strict: true,
    options: {
      set: { type: "string", multiple: true, short: "s" },
      config: { type: "string" },
      baseline: { type: "string" },
      aa: { type: "boolean", default: false },
      format: { type: "string", multiple: true },
      shard: { type: "string" },
      resume: { type: "string" },
      out: { type: "string", default: "results" },
    },
  });
  if (positionals.length > 1) throw new UsageError(`run takes one suite, got ${positionals.join(" ")}`);
  const config = values.config === undefined ? undefined : loadConfig(values.config);
  const suiteName = positionals[0] ?? config?.suite;
  const suite = findSuite(suiteName ?? DEFAULT_SUITE);
  const sets: SetItem[] = [...(config?.sets ?? []), ...(values.set ?? []).map(setItem)];
  const formats = values.format
    ? parseFormats(values.format)
    : config?.formats
      ? parseFormats(config.formats, `config ${values.config}: formats`)
      : [...FORMATS];
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  const baseline = values.baseline ?? config?.baseline;
  const plan = planRun(
    {
      suite,
      suiteGiven: suiteName !== undefined,
      sets,
      baseline,
      baselineFrom:
        values.baseline === undefined && baseline !== undefined ? `config ${values.config}: baseline` : undefined,
      aa: values.aa ?? false,
      shard,
      resume: values.resume,
      out: values.out ?? "results",
    },
    findSuite,
  );
  // The command that reproduces the run, with the config file's settings spelled out.
  const last = new Map(sets.map((s) => [s.key, Array.isArray(s.value) ? s.value.join(",") : String(s.value)]));
  const command = [
    "rmapbench run",
    plan.suite.name,
    ...[...last].map(([k, v]) => `--set ${k}=${v}`),
    ...((values.baseline ?? config?.baseline) ? [`--baseline ${plan.baseline}`] : []),
    ...(plan.mode === "aa" ? ["--aa"] : []),
    ...(plan.shard ? [`--shard ${showShard(plan.shard)}`] : []),
  ].join(" ");
  return { plan, formats, command };
}

async function run(args: string[]): Promise<number> {
  const { plan, formats, command } = parseRun(args);
  const { suite } = plan;
  const result = plan.prior ?? newResult(plan, command);
  if (plan.prior) noteResume(result, plan);

  const stop = stopOnSignals((sig) =>
    process.stderr.write(`\n${sig}: stopping after the current cell (again to quit at once)\n`),
  );
  const outcome = await measureCells(plan, result, stop);
  stop.dispose();

  const failed = await publishRun(plan, result, formats);
  process.stdout.write(terminalTable(result, suite));
  if (stop.signal) {
    process.stderr.write(`interrupted by ${stop.signal}; continue with: rmapbench run --resume ${plan.base}.json\n`);
    return signalExitCode(stop.signal);
  }
  if (outcome.measured === 0 && plan.prior) process.stderr.write("nothing to resume: every cell was done\n");
  let bad = 0;
  for (const e of result.benchmarks) {
    const v = suite.verdict?.(e);
    if (!v) continue;
    process.stderr.write(`rmapbench: ${e.name}: ${v}\n`);
    bad++;
  }
  return failed || bad ? 1 : 0;
}

function newResult(plan: RunPlan, command: string): RunResult {
  return {
    schema_version: SCHEMA_VERSION,
    suite: plan.suite.name,
    run: plan.run,
    context: captureContext(command, "release"),
    params: plan.params,
    benchmarks: [],
    skipped: [],
    failed: [],
    notes: [],
    baseline: plan.baseline,
    mode: plan.mode,
    ...(plan.shard ? { shard: plan.shard } : {}),
  };
}

/** A resumed run keeps its context; where the rest ran is noted (and warned about when it differs). */
function noteResume(result: RunResult, plan: RunPlan): void {
  if (plan.todo.length === 0) return;
  const now = captureContext(result.context.command, "release");
  const diffs = contextDiffs(result.context, now);
  for (const d of diffs) process.stderr.write(`rmapbench: warning: resuming on another setup: ${d}\n`);
  result.notes.push(
    `resumed ${now.date} on ${now.host} for ${plan.todo.length} of ${plan.groups.length} cells${diffs.length ? ` (differs: ${diffs.join("; ")})` : ""}`,
  );
}

/** Measures the planned cells in order, rewriting the JSON after each; stops early on SIGINT/SIGTERM. */
async function measureCells(plan: RunPlan, result: RunResult, stop: Stop): Promise<{ measured: number }> {
  const { suite } = plan;
  const nameKeys = runNameKeys(suite.nameKeys, plan.params);
  if (plan.groups.length === 0 && plan.shard) {
    process.stderr.write(`shard ${showShard(plan.shard)} has no cells of this grid; its result is empty\n`);
  }
  const progress = openProgress(plan.groups.length, plan.groups.length - plan.todo.length);
  const { ctx, close } = suiteContext(result, progress);
  const analyze = partialAnalysis(suite, (msg) => progress.log(msg));
  let measured = 0;
  try {
    for (const i of plan.todo) {
      // A cell of synchronous batches is one chain of microtasks: yield to the event loop so a signal is seen.
      await new Promise((resolve) => setImmediate(resolve));
      if (stop.signal) break;
      const group = plan.groups[i];
      progress.cell(cellLabel(suite, group[0], nameKeys));
      const o = await measureSafely(suite, group, ctx, plan, nameKeys);
      dropGroup(result, group);
      result.benchmarks.push(...o.entries);
      result.skipped.push(...o.skipped);
      result.failed.push(...o.failed);
      for (const f of o.failed) progress.log(`  FAILED ${f.name}: ${f.error}`);
      sortByGrid(result, suite.variantKey);
      analyze(result);
      writeOutputs([jsonOutput(result, plan.base)]);
      progress.done();
      measured++;
    }
  } finally {
    progress.stop();
    await close();
  }
  return { measured };
}

/**
 * Keeps the analysis of every partial JSON current, spending at most a tenth of the run's time on it (a large grid
 * re-analyzes a growing result after every cell). When it is skipped or fails the JSON carries none rather than a
 * stale one; the final outputs, and `rmapbench report`, analyze the whole result.
 */
function partialAnalysis(suite: Suite, log: (msg: string) => void): (r: RunResult) => void {
  const start = performance.now();
  let spent = 0;
  let warned = false;
  return (r) => {
    if (spent > 0.1 * (performance.now() - start)) {
      delete r.analysis;
      return;
    }
    const t0 = performance.now();
    try {
      analyzeRun(r, suite);
    } catch (e) {
      delete r.analysis;
      if (!warned) log(`  analysis failed; the JSON is written without it: ${(e as Error).message}`);
      warned = true;
    }
    spent += performance.now() - t0;
  };
}

/** One group; an error outside measureGroup's own per-variant handling fails every cell of the group. */
async function measureSafely(
  suite: Suite,
  group: Params[],
  ctx: SuiteContext,
  plan: RunPlan,
  nameKeys: string[],
): Promise<CellOutcome> {
  const p = group[0];
  try {
    return await measureGroup(suite, group, ctx, {
      rounds: p.rounds as number,
      iterations: p.iterations as number,
      warmup: p.warmup as number,
      seed: p.seed as number,
      nameKeys,
      prepareAs: plan.prepareAs,
    });
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return {
      entries: [],
      skipped: [],
      failed: group.map((params) => ({ name: benchName(suite.name, params, nameKeys), params, error })),
    };
  }
}

function cellLabel(suite: Suite, p: Params, nameKeys: string[]): string {
  return [suite.name, ...nameKeys.filter((k) => k !== suite.variantKey).map((k) => `${k}=${p[k]}`)].join(" ");
}

function suiteContext(result: RunResult, progress: Progress): { ctx: SuiteContext; close: () => Promise<void> } {
  const cache = new Map<string, Promise<unknown>>();
  const closers: (() => Promise<void> | void)[] = [];
  const ctx: SuiteContext = {
    cache: <T>(key: string, make: () => Promise<T>) => {
      if (!cache.has(key)) cache.set(key, make());
      return cache.get(key) as Promise<T>;
    },
    onClose: (fn) => closers.push(fn),
    note: (msg) => {
      result.notes.push(msg);
      progress.log(`  ${msg}`);
    },
  };
  return {
    ctx,
    close: async () => {
      for (const c of closers) await c();
    },
  };
}

/** Analyzes and writes every format; returns whether any cell failed. */
async function publishRun(plan: RunPlan, result: RunResult, formats: Format[]): Promise<boolean> {
  const { suite } = plan;
  try {
    analyzeRun(result, suite);
  } catch (e) {
    delete result.analysis;
    process.stderr.write(`rmapbench: warning: analysis failed, outputs have none: ${(e as Error).message}\n`);
  }
  const outputs = await render(result, suite, formats, plan.base);
  // The published scenario (the suite's defaults, whole): its page is regenerated by `npm run bench` alone.
  const defaults = applySets(suite.params, [], suite.name);
  if (plan.mode === "normal" && !plan.shard && gridDiffs(result.params, defaults).length === 0) {
    outputs.push({ path: join(dirname(plan.base), "README.md"), text: markdownPage(result, suite) });
  }
  writeOutputs(outputs);
  process.stderr.write(`wrote ${describeOutputs(plan.base, outputs)}\n`);
  return result.failed.length > 0;
}

// --- compare, merge, report -----------------------------------------------------------------------------------------

function compareCmd(args: string[]): number {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
  if (positionals.length !== 2) throw new UsageError("compare takes two result files: rmapbench compare A.json B.json");
  const [a, b] = positionals.map((file) => ({ file, r: loadResult(file) }));
  const report = compareRuns(a, b);
  for (const w of report.warnings) process.stderr.write(`rmapbench: warning: ${w}\n`);
  process.stdout.write(report.text);
  return 0;
}

async function mergeCmd(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { output: { type: "string", short: "o" }, format: { type: "string", multiple: true } },
  });
  if (positionals.length === 0)
    throw new UsageError("merge takes the shard results: rmapbench merge A.json B.json ...");
  const formats = values.format ? parseFormats(values.format) : [...FORMATS];
  if (values.output !== undefined && !values.output.endsWith(".json")) {
    throw new UsageError(`-o ${values.output}: the merged result is a .json file (other formats go next to it)`);
  }
  const inputs = positionals.map((file) => ({ file, r: loadResult(file) }));
  const { result, warnings } = mergeShards(inputs, findSuite);
  const suite = findSuite(result.suite);
  const out = values.output ?? join(dirname(inputs[0].file), `${result.run}.json`);
  const outputs = await analyzedOutputs(out, result, suite, formats);
  for (const w of warnings) process.stderr.write(`rmapbench: warning: ${w}\n`);
  writeOutputs(outputs);
  process.stdout.write(terminalTable(result, suite));
  process.stderr.write(`wrote ${describeOutputs(join(dirname(out), basename(out, ".json")), outputs)}\n`);
  return 0;
}

async function reportCmd(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { format: { type: "string", multiple: true }, baseline: { type: "string" } },
  });
  if (positionals.length !== 1) throw new UsageError("report takes one directory or result file: rmapbench report DIR");
  const formats = values.format ? parseFormats(values.format) : [...FORMATS];
  const files = resultFiles(positionals[0]);
  // Everything is read, checked, analyzed and rendered before the first file is written.
  const outputs: Output[] = [];
  for (const file of files) {
    const r = loadResult(file);
    if (values.baseline !== undefined) r.baseline = values.baseline.replace(/^[^=]*=/, "");
    const suite = withFile(file, () => findSuite(r.suite));
    outputs.push(...(await analyzedOutputs(file, r, suite, formats)));
  }
  writeOutputs(outputs);
  process.stderr.write(`wrote ${outputs.length} files for ${files.length} run${files.length === 1 ? "" : "s"}\n`);
  return 0;
}

/** The outputs of a result to be written as `file` (a .json path) and its siblings, analysis recomputed. */
async function analyzedOutputs(file: string, r: RunResult, suite: Suite, formats: Format[]): Promise<Output[]> {
  withFile(file, () => analyzeRun(r, suite));
  return await render(r, suite, formats, join(dirname(file), basename(file, ".json")));
}

/** The result JSONs of a report: the file, the JSONs in a directory, or else in its subdirectories. */
function resultFiles(path: string): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new UsageError(`${path}: no such file or directory`);
  }
  if (!isDir) return [path];
  const jsons = (dir: string) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => join(dir, f));
  let files = jsons(path);
  if (files.length === 0) {
    const subdirs = readdirSync(path, { withFileTypes: true }).filter((d) => d.isDirectory());
    files = subdirs.flatMap((d) => jsons(join(path, d.name)));
  }
  if (files.length === 0) throw new UsageError(`${path}: no result JSON in it or its subdirectories`);
  return files;
}

function withFile<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message}`);
  }
}

/** `dir/run.{json,md,...} and 3 charts (run-*.svg)`, plus any other file by name. */
function describeOutputs(base: string, outputs: Output[]): string {
  const exts: string[] = [];
  let charts = 0;
  const others: string[] = [];
  for (const { path } of outputs) {
    if (path.startsWith(`${base}.`) && !path.slice(base.length + 1).includes("."))
      exts.push(path.slice(base.length + 1));
    else if (path.startsWith(`${base}-`)) charts++;
    else others.push(path);
  }
  const main = exts.length > 1 ? `${base}.{${exts.join(",")}}` : `${base}.${exts[0]}`;
  const chartText = charts ? ` and ${charts} chart${charts > 1 ? "s" : ""} (${basename(base)}-*.svg)` : "";
  return [main + chartText, ...others].join(", ");
}

/**
 * Lets a string option take an optional value: `--opt` alone becomes `--opt=`, and `--opt X` keeps X only when
 * `takes(X)` (so `run --resume kernels` still reads kernels as the suite).
 */
function optionalValue(args: string[], opt: string, takes: (next: string) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== opt) out.push(args[i]);
    else if (i + 1 < args.length && takes(args[i + 1])) out.push(`${opt}=${args[++i]}`);
    else out.push(`${opt}=`);
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case "run":
        return await run(rest);
      case "list":
        list();
        return 0;
      case "compare":
        return compareCmd(rest);
      case "merge":
        return await mergeCmd(rest);
      case "report":
        return await reportCmd(rest);
      case "snapshot":
        return snapshotCmd(rest);
      case "rmap":
        return rmapCmd(rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(
          `unknown command "${cmd}"; commands: run, list, compare, merge, report, snapshot, rmap (rmapbench --help)`,
        );
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`rmapbench: ${(e as Error).message.replace(/\s*\n\s*/g, " ")}\n`);
      return 2;
    }
    throw e;
  }
}

// `rmapbench list | head`: a reader that stops early is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));
