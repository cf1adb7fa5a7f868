// Bad input: one clear message naming the problem, exit code 2, nothing written.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const cli = new URL("../src/cli.ts", import.meta.url).pathname;
/** tsx resolved from here, for runs whose working directory is elsewhere. */
const tsx = import.meta.resolve("tsx");

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
  [
    ["run", "kernels", "--format", "json,xml"],
    /--format: unknown format "xml"; formats: json, md, csv, txt, svg, html/,
  ],
  [["run", "kernels", "--shard", "3/2"], /--shard 3\/2: expected i\/n with 1 <= i <= n/],
  [["run", "kernels", "--shard", "0/2"], /--shard 0\/2: expected i\/n/],
  [["run", "kernels", "--shard", "a/b"], /--shard a\/b: expected i\/n/],
  [
    ["run", "kernels", "--set", "impl=wasm,ts", "--baseline", "native"],
    /unknown baseline impl=native; this run's impl: wasm, ts/,
  ],
  [["run", "kernels", "--baseline", "op=walk"], /suite kernels compares impl/],
  [["run", "kernels", "--set", "op=walk,walk"], /op lists "walk" twice/],
  [["run", "kernels", "--resume"], /--resume: no directory .* so no run of kernels to resume/],
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
    rmSync(out, { recursive: true, force: true });
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

// Bad files: each command gets the files below in a fresh directory; nothing may be added to it.
const files: Record<string, string> = {
  "corrupt.json": '{"schema_version": 1, "suite": "kernels", ',
  "other.json": JSON.stringify({ name: "not-a-result", version: "1.0.0" }),
  "v9.json": JSON.stringify({ schema_version: 9, suite: "kernels" }),
  "partial.json": JSON.stringify({ schema_version: 1, suite: "kernels", run: "x" }),
  "bad-syntax.config.json": '{"set": {"workers": [1, 2]',
  "bad-field.config.json": JSON.stringify({ sets: { workers: 2 } }),
  "bad-value.config.json": JSON.stringify({ set: { workers: 0 } }),
  "bad-type.config.json": JSON.stringify({ set: { op: { walk: true } } }),
  "bad-format.config.json": JSON.stringify({ formats: ["json", "pdf"] }),
};

const fileCases: [string[], RegExp][] = [
  [["compare", "corrupt.json", "other.json"], /^rmapbench: corrupt\.json: not valid JSON/],
  [["compare", "other.json", "other.json"], /^rmapbench: other\.json: not an rmapbench result \(no schema_version\)/],
  [["compare", "v9.json", "v9.json"], /^rmapbench: v9\.json: schema_version 9; this rmapbench reads version 1/],
  [["compare", "partial.json", "partial.json"], /^rmapbench: partial\.json: not an rmapbench result: context /],
  [["compare", "corrupt.json"], /compare takes two result files/],
  [["report", "corrupt.json"], /^rmapbench: corrupt\.json: not valid JSON/],
  [["report", "other.json"], /^rmapbench: other\.json: not an rmapbench result/],
  [["report", "."], /^rmapbench: (\.\/)?bad-field\.config\.json: not an rmapbench result/],
  [["report", "missing"], /^rmapbench: missing: no such file or directory/],
  [["merge", "corrupt.json", "other.json"], /^rmapbench: corrupt\.json: not valid JSON/],
  [["run", "--resume", "v9.json"], /^rmapbench: v9\.json: schema_version 9/],
  [["run", "--config", "bad-syntax.config.json"], /^rmapbench: config bad-syntax\.config\.json: not valid JSON: /],
  [["run", "--config", "bad-field.config.json"], /unknown field "sets"; the fields are suite, set, baseline, formats/],
  [["run", "--config", "bad-value.config.json"], /config bad-value\.config\.json: set\.workers: workers must be >= 1/],
  [
    ["run", "--config", "bad-type.config.json"],
    /config bad-type\.config\.json: set\.op must be a value, a list of values/,
  ],
  [["run", "--config", "bad-format.config.json"], /formats: unknown format "pdf"/],
  [["run", "--config", "nosuch.json"], /config nosuch\.json: cannot read it \(ENOENT\)/],
];

for (const [args, message] of fileCases) {
  test(`rmapbench ${args.join(" ")} (bad file) exits 2 with one line and writes nothing`, () => {
    const dir = mkdtempSync(join(tmpdir(), "rmapbench-files-"));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const r = spawnSync(process.execPath, ["--import", tsx, cli, ...args], { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line, got:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal(r.stdout, "");
    assert.deepEqual(readdirSync(dir).sort(), Object.keys(files).sort(), "nothing written");
    rmSync(dir, { recursive: true, force: true });
  });
}

test("rmapbench --help lists every command and run flag", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", cli, "--help"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  for (const cmd of ["run", "list", "compare", "merge", "report", "help"])
    assert.match(r.stdout, new RegExp(`^  ${cmd}\\b`, "m"));
  for (const flag of [
    "--set",
    "--config",
    "--baseline",
    "--aa",
    "--format",
    "--shard",
    "--resume",
    "--out",
    "-o FILE",
  ]) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

const vmCases: [string[], RegExp][] = [
  [["run", "reclaim", "--set", "mapcount=8", "--set", "procs=4"], /mapcount \(8\) exceeds procs \(4\)/],
  [["run", "munmap", "--set", "vmas=1024", "--set", "pages=67108864"], /past the 47-bit user space/],
  [["run", "age", "--set", "frames=1000"], /more than frames \(1000\)/],
  [["run", "fork", "--set", "primary=pte"], /primary must be one of ptechain, objlist, anonvma, avc/],
  [
    ["run", "reclaim", "--set", "design=global"],
    /design must be one of none, virtual, physical, physical\+range, interval/,
  ],
  [["run", "reclaim", "--set", "secondary=iommu"], /secondary must be one of kvm, gru, xpmem/],
  [["run", "reclaim", "--set", "rmap_ext=0"], /rmap_ext must be >= 1/],
  [["run", "reclaim", "--set", "partitions=0"], /partitions must be >= 1/],
];

for (const [args, message] of vmCases) {
  test(`rmapbench ${args.join(" ")} is refused before anything runs`, () => {
    const out = mkdtempSync(join(tmpdir(), "rmapbench-vm-"));
    const r = rmapbench(args, out);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.deepEqual(readdirSync(out), []);
  });
}

test("every VM suite runs on a tiny scenario: the four primary rmap generations agree, and so do the notifier designs' counters", () => {
  const suites = [
    "reclaim",
    "migrate",
    "mkclean",
    "age",
    "munmap",
    "mprotect",
    "mremap",
    "truncate",
    "fork",
    "exit",
    "cow",
  ];
  for (const suite of [...suites, "secfault"]) {
    const out = mkdtempSync(join(tmpdir(), "rmapbench-vm-"));
    const primaries =
      suite === "secfault"
        ? ["--set", "design=virtual,interval"]
        : ["--set", "design=none", "--set", "primary=ptechain,objlist,anonvma,avc"];
    const r = rmapbench(
      [
        "run",
        suite,
        ...primaries,
        "--set",
        "procs=8",
        "--set",
        "vmas=4",
        "--set",
        "pages=32",
        "--set",
        "file_share=0.5",
        "--set",
        "ops=16",
        "--set",
        "range_pages=4",
        "--set",
        "rounds=1",
        "--set",
        "iterations=1",
        "--set",
        "warmup=0",
        "--format",
        "json",
      ],
      out,
    );
    assert.equal(r.code, 0, `${suite}: ${r.stderr}`);
    const dir = join(out, suite);
    const file = readdirSync(dir).find((f) => f.endsWith(".json")) ?? "";
    const json = JSON.parse(readFileSync(join(dir, file), "utf8"));
    assert.equal(json.benchmarks.length, suite === "secfault" ? 2 : 4, `${suite}: one entry per variant`);
    if (suite !== "secfault") {
      const sums = new Set(json.benchmarks.map((e: { checksum: string }) => e.checksum));
      assert.equal(sums.size, 1, `${suite}: the primary designs end in the same state`);
    }
    for (const e of json.benchmarks) {
      for (const k of ["rmap_visits", "ptes_cleared", "pages_freed", "tlb_flushes", "hooks_fired", "rmap_bytes"]) {
        assert.ok(k in e.counters, `${suite} ${e.name}: counter ${k}`);
      }
    }
  }
});

test("the scaling suite: throughput against cpus on 1 and 2 workers, speedup analysed, the limiting lock named", () => {
  const out = mkdtempSync(join(tmpdir(), "rmapbench-scaling-"));
  const sets = ["design=virtual,interval", "mix=lock", "cpus=1,2", "workers=1,2", "ops=150", "rounds=1"];
  const r = rmapbench(["run", "scaling", ...sets.flatMap((s) => ["--set", s]), "--format", "json,md"], out);
  assert.equal(r.code, 0, r.stderr);
  const dir = join(out, "scaling");
  const file = (ext: string) => join(dir, readdirSync(dir).find((f) => f.endsWith(ext)) ?? "");
  const json = JSON.parse(readFileSync(file(".json"), "utf8"));
  assert.equal(json.benchmarks.length, 8);
  for (const e of json.benchmarks) {
    assert.ok(e.counters.modeled_ns > 0, `${e.name}: modeled time`);
    assert.ok(e.counters.lock_mmap_lock_acq > 0, `${e.name}: lock statistics`);
  }
  // two CPUs on one worker wait for each other in modeled time: the lock clock serializes them
  const two = json.benchmarks.find(
    (e: { params: Record<string, unknown> }) => e.params.cpus === 2 && e.params.workers === 1,
  );
  assert.ok(two.counters.lock_wait_ns > 0, "modeled lock waits with two CPUs");
  const xs = json.analysis.scaling.map((s: { x: string }) => s.x);
  assert.ok(xs.includes("cpus"), "speedup and efficiency against cpus");
  assert.match(readFileSync(file(".md"), "utf8"), /waits longest on [a-z_]+/);
});
