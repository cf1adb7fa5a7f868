// results/ is generated (npm run tables): re-running one table's command in
// deterministic mode — the coverage matrix, counters only — must give the
// counters committed in results/, and the page must be the one its JSONs give.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { renderMarkdownTable } from "../src/report/markdown.js";
import {
  COVERAGE_SETS,
  commandOf,
  coverageCounts,
  coverageMatrix,
  type Manifest,
  TABLE_RUNS,
} from "../src/report/paper.js";
import { loadResult } from "../src/runs.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const results = join(root, "results");
const manifestFile = join(results, "tables.json");
const committed = existsSync(manifestFile);

function committedRun(key: string) {
  const m = JSON.parse(readFileSync(manifestFile, "utf8")) as Manifest;
  const run = m.runs.find((x) => x.key === key);
  assert.ok(run, `results/tables.json lists no run "${key}"`);
  return { run, r: loadResult(join(results, run.file)) };
}

test("results/tables.json lists every table run, each with the command TABLE_RUNS gives", { skip: !committed }, () => {
  const m = JSON.parse(readFileSync(manifestFile, "utf8")) as Manifest;
  assert.deepEqual(
    m.runs.map((x) => [x.key, x.command]),
    TABLE_RUNS.map((t) => [t.key, `rmapbench ${commandOf(t).join(" ")}`]),
  );
});

test("the coverage table regenerated in deterministic mode has the committed counters", { skip: !committed }, () => {
  const { r: old } = committedRun("coverage");
  const ops = ["munmap", "age", "truncate"];
  const out = mkdtempSync(join(tmpdir(), "rmapbench-tables-"));
  const args = ["run", "paper", ...COVERAGE_SETS.flatMap((s) => ["--set", s]), "--set", `op=${ops.join(",")}`];
  const p = spawnSync(process.execPath, [join(root, "bin/rmapbench.js"), ...args, "--out", out, "--format", "json"], {
    cwd: root,
    encoding: "utf8",
  });
  assert.equal(p.status, 0, p.stderr);
  const dir = join(out, "paper");
  const fresh = loadResult(join(dir, readdirSync(dir).find((f) => f.endsWith(".json")) as string));
  const now = coverageCounts(fresh);
  const before = coverageCounts(old);
  assert.equal(Object.keys(now).length, ops.length * 4 * 3);
  for (const [cell, counts] of Object.entries(now)) assert.deepEqual(counts, before[cell], cell);
  // and the committed matrix is the one its JSON gives
  const readme = readFileSync(join(results, "README.md"), "utf8");
  assert.ok(readme.includes(renderMarkdownTable(coverageMatrix(old))), "results/README.md has the coverage matrix");
});
