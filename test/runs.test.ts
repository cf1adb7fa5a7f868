// Runs beyond one straight pass: shards and merge, a killed run resumed, Ctrl-C, compare, A/A mode, config files,
// report. Every run is a tiny kernels grid (about a second), so the file stays well under a minute on 2 cores.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Entry, RunResult } from "../src/result.js";

const cli = new URL("../src/cli.ts", import.meta.url).pathname;
const tsx = import.meta.resolve("tsx");

const set = (...kv: string[]) => kv.flatMap((s) => ["--set", s]);
/** Small enough for about a second per run. */
const TINY = set(
  "pages=1024",
  "regions=4",
  "walks=5000",
  "lookups=5000",
  "windows=4",
  "rounds=2",
  "iterations=2",
  "warmup=1",
  "impl=wasm,ts",
  "workers=1",
);
const OPS = set("op=walk,rmap_lookup,zap_range,floor");
/** Ten groups of about 0.2 s each: slow enough to be caught mid-way. */
const SLOW = set(
  "pages=1024",
  "regions=4",
  "walks=1000000",
  "lookups=1000000",
  "windows=4",
  "rounds=2,3",
  "iterations=2",
  "warmup=1",
  "impl=wasm,ts",
  "workers=1",
  "op=walk,rmap_lookup,vidx_lookup,zap_range,floor",
);

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], cwd?: string): { child: ChildProcess; done: Promise<Ran> } {
  const child = spawn(process.execPath, ["--import", tsx, cli, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const done = new Promise<Ran>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

const rmapbench = (args: string[], cwd?: string) => start(args, cwd).done;

const tmp = (what: string) => mkdtempSync(join(tmpdir(), `rmapbench-${what}-`));
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8")) as RunResult;
const jsons = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".json"));
const names = (r: RunResult) => r.benchmarks.map((e) => e.name);
const byName = (r: RunResult) => new Map<string, Entry>(r.benchmarks.map((e) => [e.name, e]));

/** Waits until the run's JSON holds at least `n` entries, then returns it (polls; the file is replaced atomically). */
async function untilEntries(dir: string, n: number, running: Promise<Ran>): Promise<RunResult> {
  let exited = false;
  void running.then(() => {
    exited = true;
  });
  for (;;) {
    const files = existsSync(dir) ? jsons(dir) : [];
    if (files.length === 1) {
      const r = readJson(join(dir, files[0]));
      if (r.benchmarks.length >= n) return r;
    }
    assert.ok(!exited, "the run ended before it could be interrupted");
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

describe("shards and merge", () => {
  const out = tmp("shards");
  let full: RunResult;
  let shards: RunResult[];
  const shardDir = join(out, "shards", "kernels");

  before(async () => {
    const runs = await Promise.all([
      rmapbench(["run", "kernels", ...TINY, ...OPS, "--format", "json", "--out", join(out, "full")]),
      rmapbench([
        "run",
        "kernels",
        ...TINY,
        ...OPS,
        "--shard",
        "1/2",
        "--format",
        "json",
        "--out",
        join(out, "shards"),
      ]),
      rmapbench([
        "run",
        "kernels",
        ...TINY,
        ...OPS,
        "--shard",
        "2/2",
        "--format",
        "json",
        "--out",
        join(out, "shards"),
      ]),
    ]);
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const fullDir = join(out, "full", "kernels");
    full = readJson(join(fullDir, jsons(fullDir)[0]));
    const files = jsons(shardDir).sort((a, b) => a.localeCompare(b));
    assert.equal(files.length, 2);
    assert.match(files.join(" "), /\.shard-1-of-2\.json .*\.shard-2-of-2\.json$/);
    shards = files
      .map((f) => readJson(join(shardDir, f)))
      .sort((a, b) => (a.shard?.index ?? 0) - (b.shard?.index ?? 0));
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  test("shards 1/2 and 2/2 are disjoint, cover the grid, and agree with the unsharded run", () => {
    assert.deepEqual(
      shards.map((s) => s.shard),
      [
        { index: 1, count: 2 },
        { index: 2, count: 2 },
      ],
    );
    assert.equal(full.benchmarks.length, 8);
    const [a, b] = shards.map((s) => new Set(names(s)));
    assert.deepEqual(
      [...a].filter((n) => b.has(n)),
      [],
      "disjoint",
    );
    assert.deepEqual([...a, ...b].sort(), names(full).sort(), "the union is the grid");
    // Whole cells: both variants of an op land in the same shard, round-robin by cell.
    assert.deepEqual(
      shards.map((s) => [...new Set(s.benchmarks.map((e) => e.params.op))]),
      [
        ["walk", "zap_range"],
        ["rmap_lookup", "floor"],
      ],
    );
    const ref = byName(full);
    for (const s of shards) {
      assert.deepEqual(s.params, full.params, "a shard records the whole grid");
      for (const e of s.benchmarks) {
        assert.equal(e.checksum, ref.get(e.name)?.checksum, `${e.name} checksum`);
        assert.deepEqual(e.counters, ref.get(e.name)?.counters, `${e.name} counters`);
      }
    }
  });

  test("merge joins the shards into one result in grid order, with every format", async () => {
    const files = jsons(shardDir).map((f) => join(shardDir, f));
    const r = await rmapbench(["merge", ...files, "-o", join(out, "merged", "all.json")]);
    assert.equal(r.code, 0, r.stderr);
    const merged = readJson(join(out, "merged", "all.json"));
    assert.deepEqual(names(merged), names(full));
    assert.equal(merged.shard, undefined);
    assert.ok(merged.analysis, "the analysis is recomputed");
    assert.doesNotMatch(merged.context.command, /--shard/);
    const written = readdirSync(join(out, "merged"));
    for (const ext of ["json", "md", "csv", "txt", "html"]) assert.ok(written.includes(`all.${ext}`), ext);
    assert.match(r.stdout, /^op\s+impl/m, "the table on stdout");
  });

  test("merge of one shard warns which are missing; a shard twice is refused", async () => {
    const one = join(shardDir, jsons(shardDir).find((f) => f.includes("shard-1-of-2")) ?? "");
    const partial = await rmapbench(["merge", one, "-o", join(out, "partial", "p.json"), "--format", "json"]);
    assert.equal(partial.code, 0, partial.stderr);
    assert.match(partial.stderr, /shard 2\/2 missing/);
    assert.deepEqual(readdirSync(join(out, "partial")), ["p.json"]);
    const twice = await rmapbench(["merge", one, one, "-o", join(out, "twice", "t.json")]);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /shard 1\/2 again/);
    assert.ok(!existsSync(join(out, "twice")));
  });

  test("compare prints one row per entry and warns when the contexts differ", async () => {
    const fullDir = join(out, "full", "kernels");
    const a = join(fullDir, jsons(fullDir)[0]);
    const other = readJson(a);
    other.context.node = "v0.0.0-elsewhere";
    const b = join(out, "elsewhere.json");
    writeFileSync(b, JSON.stringify(other));
    const r = await rmapbench(["compare", a, b]);
    assert.equal(r.code, 0, r.stderr);
    for (const name of names(full)) assert.match(r.stdout, new RegExp(`^${name} `, "m"));
    assert.equal(r.stdout.split("\n").filter((l) => l.startsWith("kernels/")).length, full.benchmarks.length);
    assert.match(r.stdout, /^geomean /m);
    assert.match(r.stdout, /name\s+unit\s+A median ± ci\s+B median ± ci\s+delta\s+p\s+p\(holm\)\s+n/);
    // The same samples on both sides: no change anywhere.
    assert.equal(r.stdout.split("\n").filter((l) => /^kernels\/.* ~ /.test(l)).length, full.benchmarks.length);
    assert.match(r.stderr, /contexts differ: node "v20[^"]*" vs "v0\.0\.0-elsewhere"/);
  });

  test("report regenerates the outputs of every JSON in a directory", async () => {
    const fullDir = join(out, "full", "kernels");
    assert.deepEqual(readdirSync(fullDir).sort(), jsons(fullDir), "--format json wrote only the JSON");
    const r = await rmapbench(["report", join(out, "full"), "--format", "md,csv"]);
    assert.equal(r.code, 0, r.stderr);
    const run = full.run;
    assert.deepEqual(readdirSync(fullDir).sort(), [`${run}.csv`, `${run}.json`, `${run}.md`]);
    assert.match(readFileSync(join(fullDir, `${run}.md`), "utf8"), /kernels/);
    assert.deepEqual(names(readJson(join(fullDir, `${run}.json`))), names(full));
  });
});

describe("interrupted runs", () => {
  test("a run killed mid-way keeps its finished cells, and --resume completes the rest", async () => {
    const out = tmp("kill");
    const dir = join(out, "kernels");
    const { child, done } = start(["run", "kernels", ...SLOW, "--format", "json", "--out", out]);
    const seen = await untilEntries(dir, 2, done);
    child.kill("SIGKILL");
    const killed = await done;
    assert.equal(killed.signal, "SIGKILL");

    const [file] = jsons(dir);
    const partial = readJson(join(dir, file));
    assert.ok(partial.benchmarks.length >= seen.benchmarks.length && partial.benchmarks.length < 20, "mid-way");
    assert.equal(partial.benchmarks.length % 2, 0, "whole cells only");
    for (const e of partial.benchmarks) assert.equal(e.raw.length, e.stats.samples, `${e.name} is complete`);

    const resumed = await rmapbench(["run", "--resume", "--format", "json", "--out", out]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`^\\[${partial.benchmarks.length / 2 + 1}/10\\] `, "m"));
    assert.deepEqual(jsons(dir), [file], "the same file");
    const final = readJson(join(dir, file));
    assert.equal(final.run, partial.run);
    assert.equal(final.benchmarks.length, 20, "the full grid");
    assert.equal(new Set(names(final)).size, 20);
    const after = byName(final);
    for (const e of partial.benchmarks) assert.deepEqual(after.get(e.name), e, `${e.name} untouched`);
    assert.deepEqual(final.params, partial.params);
    assert.deepEqual(final.failed, []);

    // Nothing left: a second resume measures nothing.
    const again = await rmapbench(["run", "--resume", join(dir, file), "--format", "json"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /nothing to resume/);
    rmSync(out, { recursive: true, force: true });
  });

  test("SIGINT stops after the current cell, writes it and exits 130", async () => {
    const out = tmp("sigint");
    const dir = join(out, "kernels");
    const { child, done } = start(["run", "kernels", ...SLOW, "--format", "json", "--out", out]);
    await untilEntries(dir, 2, done);
    child.kill("SIGINT");
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /SIGINT: stopping after the current cell/);
    assert.match(r.stderr, /--resume /);
    const partial = readJson(join(dir, jsons(dir)[0]));
    assert.ok(partial.benchmarks.length >= 2 && partial.benchmarks.length < 20);
    assert.equal(partial.benchmarks.length % 2, 0);
    rmSync(out, { recursive: true, force: true });
  });

  test("a failed cell is reported, the others complete, the run exits 1, and --resume measures it again", async () => {
    const out = tmp("fail");
    const dir = join(out, "kernels");
    // window_pages above pages cannot build its workload: those cells fail, the others run.
    const args = ["run", "kernels", ...TINY, ...set("op=walk,floor", "window_pages=256,2048"), "--format", "json"];
    const r = await rmapbench([...args, "--out", out]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /FAILED kernels\/op=walk\/impl=wasm\/workers=1\/window_pages=2048: window_pages \(2048\) exceeds pages/,
    );
    const first = readJson(join(dir, jsons(dir)[0]));
    assert.deepEqual(
      first.benchmarks.map((e) => e.params.window_pages),
      [256, 256, 256, 256],
    );
    assert.equal(first.failed.length, 4);
    assert.match(r.stdout, /FAILED kernels\/op=floor\/impl=ts\/workers=1\/window_pages=2048/);

    const again = await rmapbench([...args, "--resume", "--out", out]);
    assert.equal(again.code, 1, again.stderr);
    assert.deepEqual(
      again.stderr.split("\n").filter((l) => l.startsWith("[")),
      ["[3/4] kernels op=walk workers=1 window_pages=2048", "[4/4] kernels op=floor workers=1 window_pages=2048"],
      "only the failed cells are measured again",
    );
    const second = readJson(join(dir, jsons(dir)[0]));
    assert.deepEqual(second.benchmarks, first.benchmarks);
    assert.equal(second.failed.length, 4);
    rmSync(out, { recursive: true, force: true });
  });

  test("a grid that differs from the resumed run's is refused", async () => {
    const out = tmp("regrid");
    const first = await rmapbench(["run", "kernels", ...TINY, ...set("op=floor"), "--format", "json", "--out", out]);
    assert.equal(first.code, 0, first.stderr);
    const r = await rmapbench(["run", "kernels", ...TINY, ...set("op=walk"), "--resume", "--out", out]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /another grid \(op: floor vs walk\)/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    rmSync(out, { recursive: true, force: true });
  });
});

describe("A/A mode and config files", () => {
  test("--aa runs the baseline against itself; the config file's sets are overridden by --set", async () => {
    const out = tmp("aa");
    const config = join(out, "sweep.json");
    const tiny = Object.fromEntries(
      TINY.filter((a) => a !== "--set").map((kv) => kv.split("=") as [string, string]),
    ) as Record<string, string | string[]>;
    tiny.impl = ["wasm", "ts"];
    tiny.op = "zap_range";
    writeFileSync(config, JSON.stringify({ suite: "kernels", set: tiny, baseline: "ts", formats: ["json"] }));
    const r = await rmapbench(["run", "--config", config, "--set", "op=walk,floor", "--aa", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const dir = join(out, "kernels");
    assert.equal(readdirSync(dir).length, 1, "formats from the config: only the JSON");
    const res = readJson(join(dir, jsons(dir)[0]));
    assert.equal(res.mode, "aa");
    assert.equal(res.baseline, "ts");
    assert.deepEqual(res.params.op, ["walk", "floor"], "--set overrides the config");
    assert.deepEqual(res.params.impl, ["ts", "ts~aa"]);
    assert.deepEqual(
      res.benchmarks.map((e) => [e.params.op, e.params.impl]),
      [
        ["walk", "ts"],
        ["walk", "ts~aa"],
        ["floor", "ts"],
        ["floor", "ts~aa"],
      ],
    );
    const walk = res.benchmarks.filter((e) => e.params.op === "walk");
    assert.equal(walk[0].checksum, walk[1].checksum);
    assert.equal(res.analysis?.aa?.tests, 2, "the analysis counts the A/A tests");
    assert.match(res.context.command, /--set op=walk,floor .*--baseline ts --aa/);
    rmSync(out, { recursive: true, force: true });
  });
});
