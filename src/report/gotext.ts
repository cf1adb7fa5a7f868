// The Go benchmark data format (golang.org/design/14313-benchmark-format), so
// benchstat reads a run unchanged: `benchstat -col /impl run.txt` compares the
// variants of one run, `benchstat old.txt new.txt` two runs.
//
// Choices:
// - One result line per sample, so benchstat sees the distribution and computes
//   its own median, interval and Mann-Whitney U test. The iteration field is 1
//   on every line: a sample is one batch, whose op count is not stored; each
//   value is already per op (or per batch), as the format expects.
// - Names: "Benchmark" + the entry name with the suite capitalised
//   (BenchmarkKernels/op=walk/impl=wasm/workers=1); whitespace becomes "_".
// - Configuration lines only for what makes two runs comparable (goos, goarch,
//   cpu, cpu-count, runtime, v8, harness, build): benchstat splits results whose
//   file configuration differs into separate tables, so per-run values (commit,
//   date, run id, command, package versions) are written as `# key: value`
//   comment lines, which the format ignores; otherwise two runs of different
//   commits could never be compared without -ignore.
// - Counters are extra value/unit pairs (`4 levels/op`), with unit metadata
//   `Unit levels/op better=lower assume=exact` (deterministic: benchstat warns if
//   they vary); times get `Unit ns/op better=lower assume=nothing`. Unit lines
//   are the 2022 benchfmt extension that benchstat reads.
import type { Entry, RunResult } from "../result.js";

const GOARCH: Record<string, string> = { x64: "amd64", ia32: "386", arm: "arm", arm64: "arm64" };
const GOOS: Record<string, string> = { linux: "linux", darwin: "darwin", windows_nt: "windows" };

/** A configuration value: one line, never empty (an empty value deletes the key in benchfmt). */
const configValue = (s: string) => s.replace(/[\r\n]+/g, " ").trim() || "unknown";
const noSpace = (s: string) => s.replace(/\s+/g, "_");

/** The Go benchmark name of an entry: BenchmarkKernels/op=walk/impl=wasm/workers=1. */
export function goName(e: Entry, suite: string): string {
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  const rest = e.name.startsWith(`${suite}/`) || e.name === suite ? e.name.slice(suite.length) : `/${e.name}`;
  return noSpace(`Benchmark${cap(suite)}${rest}`);
}

/** Counters are per op of the entry's unit ("ns/op" -> "levels/op", "ns/batch" -> "levels/batch"). */
const counterUnit = (e: Entry, k: string) => `${noSpace(k)}/${e.unit.split("/")[1] ?? "op"}`;

export function goTextReport(r: RunResult): string {
  const c = r.context;
  const osParts = c.os.split(/\s+/);
  const arch = osParts[osParts.length - 1] ?? "unknown";
  const os = (osParts[0] ?? "unknown").toLowerCase();
  const lines = [
    `goos: ${configValue(GOOS[os] ?? os)}`,
    `goarch: ${configValue(GOARCH[arch] ?? arch)}`,
    `cpu: ${configValue(c.cpu.model)}`,
    `cpu-count: ${c.cpu.cores}`,
    `runtime: ${configValue(`node ${c.node}`)}`,
    `v8: ${configValue(c.v8)}`,
    "harness: rmapbench",
    `build: ${configValue(c.build)}`,
    `# suite: ${configValue(r.suite)}`,
    `# run: ${configValue(r.run)}`,
    `# commit: ${configValue(c.git.commit)}${c.git.dirty ? " (dirty)" : ""}`,
    `# date: ${configValue(c.date)}`,
    `# command: ${configValue(c.command)}`,
    `# packages: ${configValue(
      Object.entries(c.packages)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    )}`,
  ];
  if (r.mode === "aa") lines.push("# mode: aa (every variant is the baseline run against itself)");
  if (r.shard) lines.push(`# shard: ${r.shard.index}/${r.shard.count}`);
  lines.push("# one line per sample (one batch); the iteration field is 1 because a batch's op count is not stored");
  const timeUnits = [...new Set(r.benchmarks.map((e) => noSpace(e.unit)))];
  const counterUnits = [...new Set(r.benchmarks.flatMap((e) => Object.keys(e.counters).map((k) => counterUnit(e, k))))];
  lines.push("");
  for (const u of timeUnits) lines.push(`Unit ${u} better=lower assume=nothing`);
  for (const u of counterUnits) lines.push(`Unit ${u} better=lower assume=exact`);
  if (timeUnits.length + counterUnits.length) lines.push("");
  const names = r.benchmarks.map((e) => goName(e, r.suite));
  const width = Math.max(0, ...names.map((n) => n.length));
  for (const [i, e] of r.benchmarks.entries()) {
    const counters = Object.entries(e.counters)
      .map(([k, v]) => `\t${v} ${counterUnit(e, k)}`)
      .join("");
    for (const x of e.raw) lines.push(`${names[i].padEnd(width)}\t1\t${x} ${noSpace(e.unit)}${counters}`);
  }
  for (const f of r.failed) lines.push(`# FAILED ${configValue(f.name)}: ${configValue(f.error)}`);
  for (const s of r.skipped) lines.push(`# skipped ${configValue(s.name)}: ${configValue(s.reason)}`);
  return `${lines.join("\n")}\n`;
}

// ---- A validator for the format's rules --------------------------------------------------------------------------

export interface GoBenchResult {
  line: number;
  name: string;
  iterations: number;
  values: { value: number; unit: string }[];
  /** The file configuration in force for this result. */
  config: Record<string, string>;
}

export interface GoBenchParse {
  /** The configuration in force at the end of the file. */
  config: Record<string, string>;
  results: GoBenchResult[];
  units: { line: number; unit: string; key: string; value: string }[];
  /** Every line that breaks a rule, with its 1-based number; empty for a valid file. */
  errors: { line: number; text: string; message: string }[];
}

const FLOAT = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;
const CONFIG = /^(\p{Ll}[^\s\p{Lu}:]*):(?:$|[ \t]+(.*)$)/u;
const UNIT_META: Record<string, string[]> = { better: ["higher", "lower"], assume: ["nothing", "exact"] };

/**
 * Parses Go benchmark data by the rules of proposal 14313 and its 2022 unit-metadata extension, strictly:
 * - a result line starts with "Benchmark", followed by the end of the name or an upper-case letter; then, separated
 *   by whitespace, a whole iteration count and one or more value/unit pairs (an even number of fields, at least 4);
 * - a configuration line is `key: value` where key starts with a lower-case letter and has no space or upper-case
 *   letter, and spaces or tabs separate "key:" from the value (which may be omitted, colon kept);
 * - a unit line is `Unit <unit> key=value...` (better=higher|lower, assume=nothing|exact);
 * - blank lines and lines starting with "#" are ignored, as the proposal says.
 * The proposal ignores any other line; this validator reports it, since a writer that emits one has made a mistake.
 */
export function parseGoBench(text: string): GoBenchParse {
  const out: GoBenchParse = { config: {}, results: [], units: [], errors: [] };
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  const unitMeta = new Map<string, string>();
  for (const [i, text] of lines.entries()) {
    const line = i + 1;
    const err = (message: string) => out.errors.push({ line, text, message });
    if (/^\s*$/.test(text) || text.startsWith("#")) continue;
    if (text.startsWith("Benchmark")) {
      const f = text.trim().split(/\s+/);
      const after = f[0].slice("Benchmark".length);
      if (after !== "" && !/^\p{Lu}/u.test(after)) {
        err(`the name must be "Benchmark" alone or followed by an upper-case letter, got "${f[0]}"`);
        continue;
      }
      if (f.length < 2) {
        err("missing iteration count");
        continue;
      }
      if (!/^\d+$/.test(f[1])) {
        err(`the iteration count must be a whole number, got "${f[1]}"`);
        continue;
      }
      if (f.length < 4) {
        err(f.length === 2 ? "missing measurements" : "missing units");
        continue;
      }
      if (f.length % 2) {
        err("missing units: a result line has an even number of fields");
        continue;
      }
      const values: { value: number; unit: string }[] = [];
      let bad = false;
      for (let j = 2; j < f.length; j += 2) {
        if (!FLOAT.test(f[j])) {
          err(`measurement "${f[j]}" is not a number`);
          bad = true;
          break;
        }
        values.push({ value: Number(f[j].replace(/^([+-]?)inf(inity)?$/i, "$1Infinity")), unit: f[j + 1] });
      }
      if (!bad) out.results.push({ line, name: f[0], iterations: Number(f[1]), values, config: { ...out.config } });
      continue;
    }
    const f = text.trim().split(/\s+/);
    if (f[0] === "Unit" && /^Unit\s/.test(text)) {
      if (f.length < 2) {
        err("missing unit");
        continue;
      }
      for (const kv of f.slice(2)) {
        const eq = kv.indexOf("=");
        if (eq <= 0) {
          err(`expected key=value, got "${kv}"`);
          continue;
        }
        const key = kv.slice(0, eq);
        const value = kv.slice(eq + 1);
        if (UNIT_META[key] && !UNIT_META[key].includes(value)) {
          err(`${key} must be one of ${UNIT_META[key].join(", ")}, got "${value}"`);
          continue;
        }
        const id = `${f[1]}\u0000${key}`;
        const have = unitMeta.get(id);
        if (have !== undefined && have !== value) {
          err(`metadata ${key} of unit ${f[1]} already set to ${have}`);
          continue;
        }
        unitMeta.set(id, value);
        out.units.push({ line, unit: f[1], key, value });
      }
      continue;
    }
    const m = CONFIG.exec(text);
    if (m) {
      const value = (m[2] ?? "").trim();
      if (value === "") delete out.config[m[1]];
      else out.config[m[1]] = value;
      continue;
    }
    err(
      "neither a result line (Benchmark...), a configuration line (key: value, key lower-case without spaces) nor a unit line (Unit ...)",
    );
  }
  return out;
}
