// Run state: reading result files back (checked, one-line errors), naming
// runs and their files, planning a run's groups of cells, and resuming one.
// A group (every variant of one cell, measured interleaved) is the unit of
// work, of progress, of sharding and of resuming.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { UsageError } from "./errors.js";
import { groupCells } from "./measure.js";
import { applySets, grid, type Params, runNameKeys, type SetItem, type Value } from "./options.js";
import { type Context, type RunResult, SCHEMA_VERSION } from "./result.js";
import { inShard, type Shard, sameShard, shardSuffix, showShard } from "./shard.js";
import type { Suite } from "./suite.js";

// --- result files ---------------------------------------------------------------------------------------------------

const value = z.union([z.string(), z.number(), z.boolean()]);
const params = z.record(z.string(), value);
/** JSON writes NaN as null. */
const num = z.number().nullable();
const entry = z.looseObject({
  name: z.string(),
  params,
  unit: z.string(),
  stats: z.looseObject({ median: num, mean: num, p99: num, min: num, max: num, rme: num, samples: z.number() }),
  checksum: z.string(),
  counters: z.record(z.string(), num),
  raw: z.array(z.number()),
  round_medians: z.array(num),
});
const resultSchema = z.looseObject({
  schema_version: z.number(),
  suite: z.string(),
  run: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, { error: "must be a run id (letters, digits, ., _, -)" }),
  context: z.looseObject({
    date: z.string(),
    host: z.string(),
    cpu: z.looseObject({ model: z.string(), cores: z.number() }),
    node: z.string(),
    git: z.looseObject({ commit: z.string(), dirty: z.boolean() }),
    command: z.string(),
  }),
  params: z.record(z.string(), z.array(value).min(1)),
  benchmarks: z.array(entry),
  skipped: z.array(z.looseObject({ name: z.string(), params, reason: z.string() })),
  failed: z.array(z.looseObject({ name: z.string(), params, error: z.string() })),
  notes: z.array(z.string()),
  baseline: z.string().optional(),
  mode: z.enum(["normal", "aa"]).optional(),
  shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1) }).optional(),
});

/** Reads and checks one result file; every problem is one line naming the file. */
export function loadResult(file: string): RunResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : `cannot read it (${code})`;
    throw new UsageError(`${file}: ${why}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message.replace(/\s+/g, " ")})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json) || !("schema_version" in json)) {
    throw new UsageError(`${file}: not an rmapbench result (no schema_version)`);
  }
  const version = (json as { schema_version: unknown }).schema_version;
  if (version !== SCHEMA_VERSION) {
    throw new UsageError(
      `${file}: schema_version ${JSON.stringify(version)}; this rmapbench reads version ${SCHEMA_VERSION}`,
    );
  }
  const r = resultSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UsageError(`${file}: not an rmapbench result: ${issue.path.join(".") || "top level"} ${issue.message}`);
  }
  if (r.data.shard && r.data.shard.index > r.data.shard.count) {
    throw new UsageError(`${file}: not an rmapbench result: shard ${showShard(r.data.shard)} is out of range`);
  }
  // The checked object, with every field it carries (the schema only pins what rmapbench reads).
  return json as RunResult;
}

/** The files of a run: `<dir>/<run>[.shard-i-of-n]` plus each format's suffix. */
export function runBase(dir: string, run: string, shard?: Shard): string {
  return join(dir, `${run}${shardSuffix(shard)}`);
}

/** A new run id: the UTC time to the second, with `-2`, `-3`... when that run's file already exists. */
export function newRunId(dir: string, shard: Shard | undefined, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")
    .replace("T", "-");
  let run = stamp;
  for (let i = 2; existsSync(`${runBase(dir, run, shard)}.json`); i++) run = `${stamp}-${i}`;
  return run;
}

/** The newest run of `suite` in `dir` (of that shard, or unsharded), by run id then modification time. */
export function findLatest(dir: string, suite: string, shard: Shard | undefined): string {
  const what = `run of ${suite}${shard ? ` shard ${showShard(shard)}` : ""}`;
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    throw new UsageError(`--resume: no directory ${dir}, so no ${what} to resume (give the JSON: --resume FILE)`);
  }
  let best: { file: string; run: string; mtime: number } | undefined;
  for (const name of names) {
    const file = join(dir, name);
    let r: RunResult;
    try {
      r = loadResult(file);
    } catch {
      continue; // not a result of ours
    }
    if (r.suite !== suite || !sameShard(r.shard, shard)) continue;
    const mtime = statSync(file).mtimeMs;
    if (!best || r.run > best.run || (r.run === best.run && mtime > best.mtime)) best = { file, run: r.run, mtime };
  }
  if (!best) throw new UsageError(`--resume: no ${what} in ${dir} (give the JSON: --resume FILE)`);
  return best.file;
}

/** What differs between the contexts of two results (the machine and the code), for warnings. */
export function contextDiffs(a: Context, b: Context): string[] {
  const out: string[] = [];
  const cmp = (what: string, x: unknown, y: unknown) => {
    if (x !== y) out.push(`${what} ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  };
  cmp("cpu", a.cpu.model, b.cpu.model);
  cmp("node", a.node, b.node);
  cmp("git commit", a.git.commit, b.git.commit);
  cmp("git dirty", a.git.dirty, b.git.dirty);
  return out;
}

// --- the grid -------------------------------------------------------------------------------------------------------

/** The parameter keys of a result, in schema order: the identity of a cell is its values for these. */
export function cellKey(p: Params, keys: readonly string[]): string {
  return JSON.stringify(keys.map((k) => p[k] ?? null));
}

/** The groups of a grid (cells that differ only by the variant), in grid order. */
export function planGroups(sweeps: Record<string, Value[]>, variantKey: string): Params[][] {
  return groupCells(grid(sweeps), variantKey);
}

/** Puts entries, skips and failures in grid order (a resumed or merged run reads like one run). */
export function sortByGrid(r: RunResult, variantKey: string): void {
  const keys = Object.keys(r.params);
  const index = new Map<string, number>();
  for (const c of planGroups(r.params, variantKey).flat()) index.set(cellKey(c, keys), index.size);
  const at = (x: { params: Params }) => index.get(cellKey(x.params, keys)) ?? Number.MAX_SAFE_INTEGER;
  const sort = <T extends { params: Params }>(xs: T[]) => xs.sort((a, b) => at(a) - at(b));
  sort(r.benchmarks);
  sort(r.skipped);
  sort(r.failed);
}

/** Whether every cell of the group was measured or skipped (a group with a failed cell is measured again). */
export function groupDone(r: RunResult, group: Params[]): boolean {
  const keys = Object.keys(r.params);
  const ok = new Set([...r.benchmarks, ...r.skipped].map((x) => cellKey(x.params, keys)));
  const bad = new Set(r.failed.map((x) => cellKey(x.params, keys)));
  return group.every((c) => ok.has(cellKey(c, keys)) && !bad.has(cellKey(c, keys)));
}

/** Removes whatever an earlier attempt left of the group (before it is measured again). */
export function dropGroup(r: RunResult, group: Params[]): void {
  const keys = Object.keys(r.params);
  const cells = new Set(group.map((c) => cellKey(c, keys)));
  const keep = (x: { params: Params }) => !cells.has(cellKey(x.params, keys));
  r.benchmarks = r.benchmarks.filter(keep);
  r.skipped = r.skipped.filter(keep);
  r.failed = r.failed.filter(keep);
}

/** The keys whose sweeps differ between two params objects (empty when they are the same grid). */
export function gridDiffs(a: Record<string, Value[]>, b: Record<string, Value[]>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const show = (v?: Value[]) => (v ? v.join(",") : "(absent)");
  return keys
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${show(a[k])} vs ${show(b[k])}`);
}

/** The label of the baseline's second copy in A/A mode. */
export const aaLabel = (baseline: string) => `${baseline}~aa`;

// --- planning a run -------------------------------------------------------------------------------------------------

/** The suite's own check of every cell of the grid (all shards alike), before anything runs. */
function checkCells(suite: Suite, cells: Params[], prepareAs: RunPlan["prepareAs"], keys: string[]): void {
  if (!suite.validate) return;
  for (const c of cells) {
    const why = suite.validate(prepareAs?.(c) ?? c);
    if (why) throw new UsageError(`${why} (in the cell ${keys.map((k) => `${k}=${c[k]}`).join(" ")})`);
  }
}

/** What the command line asked for, parsed but not yet checked against each other or a resumed run. */
export interface RunRequest {
  suite: Suite;
  /** Whether the suite was named (positionally or in the config), not defaulted. */
  suiteGiven: boolean;
  /** The parameter assignments (config file, then `--set`); none: the defaults, or the resumed run's grid. */
  sets: SetItem[];
  baseline?: string;
  /** Where the baseline was given, for messages (default `--baseline VALUE`). */
  baselineFrom?: string;
  aa: boolean;
  shard?: Shard;
  /** "" for the newest run in the output directory, else a result file. */
  resume?: string;
  out: string;
}

export interface RunPlan {
  suite: Suite;
  /** The grid as recorded in the result (in A/A mode the variants are the baseline and its copy). */
  params: Record<string, Value[]>;
  mode: "normal" | "aa";
  baseline: string;
  shard?: Shard;
  /** Every group of this run (this shard's), in grid order. */
  groups: Params[][];
  /** Indices into `groups` still to measure. */
  todo: number[];
  /** The output path without extension. */
  base: string;
  /** The result so far: a resumed one, or undefined for a new run. */
  prior?: RunResult;
  run: string;
  /** Maps a labelled cell to the parameters it is prepared with (A/A mode). */
  prepareAs?: (p: Params) => Params;
}

/**
 * Checks a request against itself, the suite and (when resuming) the run it continues, and plans the groups.
 * Reads files but writes none; every problem is a UsageError.
 */
export function planRun(req: RunRequest, findSuite: (name: string) => Suite): RunPlan {
  let prior: RunResult | undefined;
  let priorFile: string | undefined;
  let suite = req.suite;
  if (req.resume !== undefined) {
    priorFile = req.resume || findLatest(join(req.out, suite.name), suite.name, req.shard);
    prior = loadResult(priorFile);
    if (req.suiteGiven && prior.suite !== suite.name) {
      throw new UsageError(`--resume ${priorFile}: that is a run of ${prior.suite}, not ${suite.name}`);
    }
    suite = findSuite(prior.suite);
  }
  const vk = suite.variantKey;
  const where = `--resume ${priorFile}`;

  // The mode: --aa, or the resumed run's.
  if (prior && req.aa && prior.mode !== "aa") throw new UsageError(`${where}: that run is not an A/A run (--aa)`);
  const mode = req.aa || prior?.mode === "aa" ? "aa" : "normal";

  // The grid: as set, else the resumed run's (re-checked against the suite's schema), else the defaults.
  let sweeps = req.sets.length ? applySets(suite.params, req.sets, suite.name) : undefined;
  if (!sweeps && prior) {
    const asRun = { ...prior.params };
    if (mode === "aa" && prior.baseline !== undefined) asRun[vk] = [prior.baseline];
    sweeps = applySets(
      suite.params,
      Object.entries(asRun).map(([key, v]) => ({ key, value: v, where: `${where}: params.${key}` })),
      suite.name,
    );
  }
  sweeps ??= applySets(suite.params, [], suite.name);

  // The baseline: one of the variants run (value, or key=value).
  const variants = (sweeps[vk] ?? []).map(String);
  let baseline = req.baseline ?? prior?.baseline ?? variants[0];
  const eq = baseline.indexOf("=");
  if (req.baseline !== undefined && eq >= 0) {
    if (baseline.slice(0, eq) !== vk) {
      throw new UsageError(`--baseline ${baseline}: suite ${suite.name} compares ${vk}; write --baseline ${vk}=VALUE`);
    }
    baseline = baseline.slice(eq + 1);
  }
  if (!variants.includes(baseline)) {
    const from = req.baseline !== undefined ? (req.baselineFrom ?? `--baseline ${req.baseline}`) : where;
    throw new UsageError(`${from}: unknown baseline ${vk}=${baseline}; this run's ${vk}: ${variants.join(", ")}`);
  }
  if (prior?.baseline !== undefined && prior.baseline !== baseline) {
    throw new UsageError(`${where}: that run's baseline is ${vk}=${prior.baseline}, not ${baseline}`);
  }

  const params = { ...sweeps };
  let prepareAs: RunPlan["prepareAs"];
  if (mode === "aa") {
    const typed = sweeps[vk][variants.indexOf(baseline)];
    params[vk] = [baseline, aaLabel(baseline)];
    prepareAs = (p) => (p[vk] === aaLabel(baseline) ? { ...p, [vk]: typed } : p);
  }

  // The shard: --shard, or the resumed run's.
  if (prior && req.shard && !sameShard(prior.shard, req.shard)) {
    throw new UsageError(
      `${where}: that run is ${prior.shard ? `shard ${showShard(prior.shard)}` : "not a shard"}, not shard ${showShard(req.shard)}`,
    );
  }
  const shard = req.shard ?? prior?.shard;

  if (prior) {
    const diffs = gridDiffs(prior.params, params);
    if (diffs.length) {
      throw new UsageError(
        `${where}: that run has another grid (${diffs.join("; ")}); give no --set to continue its grid`,
      );
    }
  }

  const all = planGroups(params, vk);
  checkCells(suite, all.flat(), prepareAs, runNameKeys(suite.nameKeys, params));
  const groups = all.filter((_, i) => inShard(i, shard));
  const todo = groups.flatMap((g, i) => (prior && groupDone(prior, g) ? [] : [i]));
  let base: string;
  let run: string;
  if (prior && priorFile) {
    run = prior.run;
    base = join(dirname(priorFile), basename(priorFile, ".json"));
  } else {
    const dir = join(req.out, suite.name);
    run = newRunId(dir, shard);
    base = runBase(dir, run, shard);
  }
  return { suite, params, mode, baseline, shard, groups, todo, base, prior, run, prepareAs };
}
