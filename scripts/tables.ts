// `npm run tables`: regenerates results/ from scratch — every run of
// TABLE_RUNS (src/report/paper-runs.ts) as a plain `rmapbench run` into
// results/<suite>/, then results/tables.json (which run made which table) and
// results/README.md, written from the run JSONs.
//   --readme   only rewrite results/README.md from the runs tables.json lists
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { writeAtomic } from "../src/output.js";
import {
  commandOf,
  type LoadedRun,
  type Manifest,
  type ManifestRun,
  paperHtml,
  paperReadme,
  TABLE_RUNS,
} from "../src/report/paper.js";
import { loadResult } from "../src/runs.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const results = join(root, "results");
const manifestFile = join(results, "tables.json");

const jsons = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json") && !f.includes(".shard-")) : [];

function runAll(): Manifest {
  const t0 = performance.now();
  rmSync(results, { recursive: true, force: true });
  const runs: ManifestRun[] = [];
  for (const t of TABLE_RUNS) {
    const dir = join(results, t.suite);
    const before = new Set(jsons(dir));
    const args = commandOf(t);
    process.stderr.write(`tables: rmapbench ${args.join(" ")}\n`);
    const s0 = performance.now();
    const r = spawnSync(process.execPath, [join(root, "bin/rmapbench.js"), ...args, "--out", results], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (r.status !== 0) throw new Error(`rmapbench ${args.join(" ")} exited ${r.status ?? r.signal}`);
    const made = jsons(dir).filter((f) => !before.has(f));
    if (made.length !== 1) throw new Error(`rmapbench ${args.join(" ")} wrote ${made.length} result files`);
    const file = relative(results, join(dir, made[0]));
    runs.push({
      key: t.key,
      file,
      command: `rmapbench ${args.join(" ")}`,
      seconds: (performance.now() - s0) / 1000,
    });
  }
  return { generator: "npm run tables (scripts/tables.ts)", seconds: (performance.now() - t0) / 1000, runs };
}

function load(m: Manifest): Map<string, LoadedRun> {
  const out = new Map<string, LoadedRun>();
  for (const run of m.runs) {
    const r = loadResult(join(results, run.file));
    const dir = run.file.slice(0, run.file.lastIndexOf("/"));
    const svgs = readdirSync(join(results, dir))
      .filter((f) => f.startsWith(`${r.run}-`) && f.endsWith(".svg"))
      .sort()
      .map((f) => `${dir}/${f}`);
    out.set(run.key, { ...run, r, html: `${dir}/${r.run}.html`, svgs });
  }
  return out;
}

const readmeOnly = process.argv.includes("--readme");
const manifest: Manifest = readmeOnly ? JSON.parse(readFileSync(manifestFile, "utf8")) : runAll();
if (!readmeOnly) writeAtomic(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
const readme = paperReadme(manifest, load(manifest));
writeAtomic(join(results, "README.md"), readme);
writeAtomic(join(results, "index.html"), paperHtml(readme));
process.stderr.write(
  `tables: wrote results/README.md and results/index.html from ${manifest.runs.length} runs (${manifest.seconds.toFixed(0)} s)\n`,
);
