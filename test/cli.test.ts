// Bad input: one clear message naming the problem, exit code 2, nothing written.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const cli = new URL("../src/cli.ts", import.meta.url).pathname;

function rmapbench(args: string[], out: string) {
  const r = spawnSync(process.execPath, ["--import", "tsx", cli, ...args, "--out", out], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cases: [string[], RegExp][] = [
  [["run", "nosuch"], /unknown suite "nosuch".*kernels/],
  [["run", "kernels", "--set", "workers=0"], /workers must be >= 1 \(got "0"\)/],
  [["run", "kernels", "--set", "workers=abc"], /workers must be a number \(got "abc"\)/],
  [["run", "kernels", "--set", "nosuch=1"], /no parameter "nosuch"/],
  [["run", "kernels", "--set", "op=fly"], /op must be one of walk, rmap_lookup/],
  [["run", "kernels", "--set", "pages=1..x"], /malformed range/],
  [["run", "kernels", "--set", "workers"], /expected key=value/],
  [["run", "kernels", "--bogus"], /Unknown option '--bogus'/],
  [["frobnicate"], /unknown command "frobnicate"/],
];

for (const [args, message] of cases) {
  test(`rmapbench ${args.join(" ")} exits 2 with one message and writes nothing`, () => {
    const out = mkdtempSync(join(tmpdir(), "rmapbench-cli-"));
    const r = rmapbench(args, out);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line, got:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal(r.stdout, "");
    assert.deepEqual(readdirSync(out), []);
  });
}

test("rmapbench list prints every kernels parameter with its default", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", cli, "list"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  for (const k of ["op", "impl", "workers", "seed", "mapcount", "rounds"])
    assert.match(r.stdout, new RegExp(`^  ${k} `, "m"));
  assert.match(r.stdout, /workers\s+1,2\s/);
});

test("a small kernels run writes a JSON whose entries carry name, params, unit, stats, checksum, counters", () => {
  const out = mkdtempSync(join(tmpdir(), "rmapbench-run-"));
  const r = rmapbench(
    [
      "run",
      "kernels",
      "--set",
      "pages=1024",
      "--set",
      "regions=8",
      "--set",
      "walks=20000",
      "--set",
      "lookups=20000",
      "--set",
      "windows=8",
      "--set",
      "rounds=2",
      "--set",
      "iterations=2",
      "--set",
      "impl=wasm,ts",
    ],
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  const files = readdirSync(join(out, "kernels"));
  assert.equal(files.filter((f) => f.endsWith(".json")).length, 1);
  assert.ok(!existsSync(join(out, "kernels", "README.md")), "README.md is only for the default scenario");
  const file = files.find((f) => f.endsWith(".json")) ?? "";
  const json = JSON.parse(readFileSync(join(out, "kernels", file), "utf8"));
  assert.equal(json.schema_version, 1);
  assert.ok(json.context.cpu.model && json.context.node && json.context.git.commit);
  const walk1 = json.benchmarks.find((e: { name: string }) => e.name === "kernels/op=walk/impl=wasm/workers=1");
  assert.ok(walk1, "walk wasm workers=1 row");
  assert.deepEqual(Object.keys(walk1).slice(0, 6), ["name", "params", "unit", "stats", "checksum", "counters"]);
  assert.equal(walk1.unit, "ns/op");
  assert.equal(walk1.params.op, "walk");
  assert.equal(walk1.params.workers, 1);
  assert.equal(walk1.stats.samples, 4);
  assert.equal(walk1.counters.levels, 4);
  for (const op of ["walk", "rmap_lookup", "vidx_lookup", "zap_range"]) {
    const sums = new Set(
      json.benchmarks
        .filter((e: { params: { op: string } }) => e.params.op === op)
        .map((e: { checksum: string }) => e.checksum),
    );
    assert.equal(sums.size, 1, `${op}: one checksum across impls and workers`);
  }
  const w2 = json.benchmarks.find((e: { name: string }) => e.name === "kernels/op=walk/impl=wasm/workers=2");
  assert.ok(w2, "walk wasm workers=2 row");
  assert.deepEqual(json.failed, []);
});
