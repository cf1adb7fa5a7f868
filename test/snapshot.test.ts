// Snapshots of real address spaces (issue 7): the capture against processes
// whose sharing is known by construction (test/fixtures/sharer.c), the import
// under every primary design, the file format's refusals through the CLI, and
// the VM suites over the sample snapshot, which needs no /proc.
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { harnessParams } from "../src/common.js";
import type { Params } from "../src/options.js";
import { capture } from "../src/snapshot/capture.js";
import {
  decodeSnapshot,
  encodeSnapshot,
  frameIndex,
  PERM,
  PM,
  readSnapshot,
  type Snapshot,
  SnapshotError,
} from "../src/snapshot/format.js";
import { IMPORT, type Imported, importSnapshot, planImport, rmapOf } from "../src/snapshot/import.js";
import type { Prepared } from "../src/suite.js";
import { findSuite } from "../src/suites.js";
import { scenarioParams } from "../src/vm/suite.js";
import { CHECK_RULES } from "../src/vmlayout.js";
import { exportedConstants, loadModule } from "../src/wasm.js";
import { buildSharer, type Sharer, startSharer } from "./support/sharer.js";
import { checkVm, DESIGNS, testContext } from "./support/vm.js";

const root = new URL("../", import.meta.url).pathname;
const CLI = join(root, "src/cli.ts");
const SAMPLE = join(root, "test/fixtures/sample.snapshot");

function rmapbench(args: string[], opts: { uid?: number; gid?: number } = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", CLI, ...args],
      { encoding: "utf8", cwd: root, ...opts },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Why the live-capture tests cannot run here, or undefined. */
function cannotCapture(): string | undefined {
  if (process.platform !== "linux") return "not Linux: no /proc/PID/pagemap";
  return buildSharer();
}

const pfnsOf = (s: Snapshot) => {
  const m = new Map<string, number>();
  for (const p of s.processes)
    for (const v of p.vmas)
      for (let i = 0; i < v.pages.vpn.length; i++) m.set(`${p.pid}:${v.pages.vpn[i]}`, v.pages.pfn[i]);
  return m;
};
const show = (xs: { pid: number; va: bigint }[]) => xs.map((x) => `${x.pid} 0x${x.va.toString(16)}`).sort();

/** The frame of every group by construction: all its members on one PFN, and different groups on different PFNs. */
function groupPfns(snap: Snapshot, sharer: Sharer): Map<string, number> {
  const at = pfnsOf(snap);
  const out = new Map<string, number>();
  for (const [key, members] of sharer.groups()) {
    const pfns = new Set(members.map((m) => at.get(`${m.pid}:${m.va >> 12n}`)));
    assert.equal(pfns.size, 1, `${key}: its mappings are on ${[...pfns].join(", ")}, not one frame`);
    const pfn = [...pfns][0];
    assert.ok(pfn !== undefined && pfn > 0, `${key}: captured with a PFN`);
    out.set(key, pfn as number);
  }
  assert.equal(new Set(out.values()).size, out.size, "distinct frames by construction are distinct PFNs");
  return out;
}

test("the import records and codes mirror assembly/mm/import.ts", () => {
  const g = exportedConstants(loadModule("release"));
  for (const [k, v] of Object.entries(IMPORT)) assert.equal(g[`IMPORT_${k}`], v, `IMPORT_${k}`);
});

test("a snapshot survives encoding: edge values, empty VMAs, a kernel-space VMA, 64-bit inodes", () => {
  const pages = (vpn: number[], pfn: number[], flags: number[]) => ({
    vpn: Float64Array.from(vpn),
    pfn: Float64Array.from(pfn),
    flags: Uint8Array.from(flags),
  });
  const s: Snapshot = {
    header: {
      format: "rmapbench-snapshot",
      version: 1,
      created: "2026-01-01T00:00:00.000Z",
      host: "h",
      kernel: "6.1",
      pageSize: 4096,
      pfns: "visible",
      kpagecount: true,
      kpageflags: true,
      processes: [
        { pid: 7, comm: "a b", vmas: 3, pages: 4, swapped: 2 },
        { pid: 9, comm: "", vmas: 0, pages: 0, swapped: 0 },
      ],
      skipped: [{ pid: 8, reason: "permission denied" }],
      kernelThreads: 3,
      captureSeconds: 0.5,
      notes: [],
    },
    processes: [
      {
        pid: 7,
        comm: "a b",
        vmas: [
          {
            startVpn: 0x400,
            endVpn: 0x410,
            perms: PERM.R | PERM.X,
            offset: 2 ** 40,
            major: 259,
            minor: 1,
            inode: "18446744073709551615",
            path: "/usr/lib/libc.so.6 (deleted)",
            pages: pages([0x400, 0x401, 0x40f], [2 ** 40, 5, 2 ** 40 + 1], [PM.FILE, PM.FILE | PM.SOFT_DIRTY, 0]),
          },
          {
            startVpn: 0x7fff_ffff_0,
            endVpn: 0x7fff_ffff_8,
            perms: PERM.R | PERM.W,
            offset: 0,
            major: 0,
            minor: 0,
            inode: "0",
            path: "[stack]",
            pages: pages([0x7fff_ffff_7], [1], [PM.EXCLUSIVE]),
          },
          {
            startVpn: 0xffff_ffff_ff60_0,
            endVpn: 0xffff_ffff_ff60_1,
            perms: PERM.X,
            offset: 0,
            major: 0,
            minor: 0,
            inode: "0",
            path: "[vsyscall]",
            pages: pages([], [], []),
          },
        ],
      },
      { pid: 9, comm: "", vmas: [] },
    ],
    frames: {
      pfn: Float64Array.from([1, 5, 2 ** 40, 2 ** 40 + 1]),
      count: Uint32Array.from([1, 2, 3, 4]),
      flagsLo: Uint32Array.from([0, 1 << 24, 0xffff_ffff, 5]),
      flagsHi: Uint32Array.from([0, 0, 0x3ff, 0]),
    },
  };
  const back = decodeSnapshot(encodeSnapshot(s).data);
  assert.deepEqual(back, s);
});

test("bad snapshot files are refused with one clear message and exit 2", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rmapbench-snap-"));
  const good = readFileSync(SAMPLE);
  const file = (name: string, data: Uint8Array | string) => {
    const f = join(dir, name);
    writeFileSync(f, data);
    return f;
  };
  const flip = (at: number) => {
    const b = Buffer.from(good);
    b[at] ^= 0x55;
    return b;
  };
  const newer = Buffer.from(good);
  newer.writeUInt32LE(2, 8);
  const headerLen = good.readUInt32LE(12);
  const cases: [string, string, RegExp][] = [
    ["missing", join(dir, "nope.snapshot"), /nope\.snapshot: no such file/],
    ["empty", file("empty", ""), /not an rmapbench snapshot/],
    ["a result JSON", file("result.json", '{"schema_version": 3, "suite": "kernels"}'), /not an rmapbench snapshot/],
    ["a Wasm binary", file("wasm", readFileSync(join(root, "build/release.wasm")).subarray(0, 64)), /not an rmapbench/],
    ["cut in the magic", file("cut1", good.subarray(0, 5)), /truncated snapshot/],
    ["cut in the header", file("cut2", good.subarray(0, 20 + (headerLen >> 1))), /truncated snapshot/],
    ["cut in a section", file("cut3", good.subarray(0, good.length - 40)), /truncated snapshot/],
    ["cut before END", file("cut4", good.subarray(0, good.length - 16)), /truncated snapshot \(no END section\)/],
    ["a flipped header byte", file("flip1", flip(20 + 10)), /corrupted snapshot: the header's CRC/],
    ["a flipped data byte", file("flip2", flip(good.length - 60)), /corrupted snapshot: section/],
    ["a newer version", file("newer", newer), /format version 2 is newer than this rmapbench reads \(1\)/],
  ];
  // the same through the library, each a SnapshotError
  for (const [what, f, message] of cases) {
    assert.throws(
      () => readSnapshot(f),
      (e: Error) => e instanceof SnapshotError && message.test(e.message),
      what,
    );
  }
  const runs = await Promise.all(cases.map(([, f]) => rmapbench(["rmap", "--snapshot", f, "--pfn", "1"])));
  runs.forEach((r, i) => {
    const [what, , message] = cases[i];
    assert.equal(r.code, 2, `${what}: ${r.stderr}`);
    assert.match(r.stderr, message, what);
    assert.equal(r.stderr.trim().split("\n").length, 1, `${what}: one line, got:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
    assert.equal(r.stdout, "", what);
  });
  rmSync(dir, { recursive: true, force: true });
});

test("who maps each frame of processes with known sharing: exactly the known set, under every design; mapcounts agree with /proc/kpagecount", async (t) => {
  const why = cannotCapture();
  if (why) return t.skip(why);
  const sharer = await startSharer(5);
  let snap: Snapshot;
  try {
    snap = capture({ pids: sharer.procs.map((p) => p.pid), all: false });
  } finally {
    await sharer.stop();
  }
  if (snap.header.pfns === "hidden") return t.skip("PFNs read as zero here (no CAP_SYS_ADMIN): sharing unknown");
  assert.equal(snap.processes.length, 7, "parent, 5 children, a grandchild");
  snap = decodeSnapshot(encodeSnapshot(snap).data); // through the file format
  const groups = sharer.groups();
  const pfns = groupPfns(snap, sharer);
  if (snap.frames.count) {
    for (const [key, pfn] of pfns) {
      const kc: number = snap.frames.count[frameIndex(snap.frames, pfn)];
      assert.equal(kc, groups.get(key)?.length, `${key}: /proc/kpagecount of pfn ${pfn}`);
    }
  } else t.diagnostic("/proc/kpagecount is not readable: mapcounts not compared");
  const plan = planImport(snap);
  const check = (imp: Imported, what: string) => {
    for (const [key, pfn] of pfns) {
      const want = show(groups.get(key) ?? []);
      assert.deepEqual(show(rmapOf(imp, pfn)), want, `${what}: who maps ${key} (pfn ${pfn})`);
      const page = imp.vm.page(imp.simFrame(imp.frameOf(pfn)));
      assert.equal(page.mapcount, want.length, `${what}: mapcount of ${key}`);
      if (snap.frames.count) assert.equal(page.mapcount, snap.frames.count[frameIndex(snap.frames, pfn)]);
      assert.equal((page.mapping & 1) === 1, !key.startsWith("file"), `${what}: ${key} anonymous or file`);
    }
  };
  for (const design of DESIGNS) {
    const imp = importSnapshot(plan, { design, frames: "compact", build: "debug" });
    check(imp, `${design} compact`);
    assert.deepEqual(checkVm(imp.vm), [], `${design}: the imported machine keeps every invariant`);
  }
  const real = importSnapshot(plan, { design: "avc", frames: "identity" });
  assert.ok(real.identity);
  check(real, "avc identity");
  // and through the command line, from the file
  const dir = mkdtempSync(join(tmpdir(), "rmapbench-snap-"));
  const f = join(dir, "known.snapshot");
  writeFileSync(f, encodeSnapshot(snap).data);
  const key = "anon:child0:0"; // child 0's copy, shared with its grandchild
  const r = await rmapbench(["rmap", "--snapshot", f, "--pfn", `0x${(pfns.get(key) as number).toString(16)}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n").sort(), show(groups.get(key) ?? []));
  rmSync(dir, { recursive: true, force: true });
});

test("capturing 50 processes: under 10 s, at most 4 bytes per mapped page plus the VMA table", async (t) => {
  const why = cannotCapture();
  if (why) return t.skip(why);
  const sharer = await startSharer(48);
  let snap: Snapshot;
  const t0 = performance.now();
  try {
    snap = capture({ pids: sharer.procs.map((p) => p.pid), all: false });
  } finally {
    await sharer.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  const { size } = encodeSnapshot(snap);
  const pages = snap.header.processes.reduce((a, p) => a + p.pages, 0);
  assert.equal(snap.processes.length, 50);
  t.diagnostic(
    `50 processes, ${pages} pages: captured in ${seconds.toFixed(3)} s; ${size.bytes} bytes = ${(size.pageBytes / pages).toFixed(2)} B/page + ${size.tableBytes} B of header and VMA table`,
  );
  assert.ok(seconds < 10, `capture took ${seconds} s`);
  assert.ok(size.pageBytes / pages <= 4, `${size.pageBytes / pages} bytes per page`);
});

test("processes that vanish or deny access are skipped and listed; PFNs that read as zero are detected and explained", async (t) => {
  const why = cannotCapture();
  if (why) return t.skip(why);
  const gone = spawnSync("true").pid as number;
  const s = capture({ pids: [gone], all: false });
  assert.deepEqual(s.header.skipped, [
    { pid: gone, reason: "no such process (it exited before or during the capture)" },
  ]);
  if (process.getuid?.() !== 0) return t.skip("not root: cannot run the capture as another user");
  const NOBODY = 65534;
  // the CLI runs as nobody from this checkout: below a directory only its owner may enter, it cannot
  const reach = spawnSync(process.execPath, ["--import", "tsx", "-e", "0"], {
    cwd: new URL("..", import.meta.url).pathname,
    uid: NOBODY,
    gid: NOBODY,
  });
  if (reach.status !== 0) return t.skip("the checkout is not readable by nobody (a 0700 directory above it)");
  const sharer = await startSharer(2, NOBODY);
  const dir = mkdtempSync(join(tmpdir(), "rmapbench-snap-"));
  chmodSync(dir, 0o777);
  const f = join(dir, "hidden.snapshot");
  try {
    const pids = sharer.procs.flatMap((p) => ["--pid", String(p.pid)]);
    // as nobody: its own processes are readable without their PFNs; this (root) process is not readable at all
    const r = await rmapbench(["snapshot", ...pids, "--pid", String(process.pid), "-o", f], {
      uid: NOBODY,
      gid: NOBODY,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`skipped pid ${process.pid}: permission denied reading /proc/${process.pid}/`));
    assert.match(r.stdout, /captured 4 processes: .*PFNs hidden/);
    assert.match(r.stdout, /note: PFNs read as zero: .*CAP_SYS_ADMIN.*cannot be reconstructed/);
  } finally {
    await sharer.stop();
  }
  const snap = readSnapshot(f);
  assert.equal(snap.header.pfns, "hidden");
  assert.equal(snap.header.kpagecount, false);
  // the import still shares file pages by (device, inode, offset); anonymous pages are private
  const imp = importSnapshot(planImport(snap), { design: "avc" });
  const at = new Map<string, number>();
  for (let k = 0; k < imp.plan.maps.n; k++) {
    const v = imp.plan.vmas[imp.plan.maps.vma[k]];
    at.set(`${imp.plan.pids[v.mm - 1]}:${imp.plan.maps.vpn[k]}`, imp.plan.frames.pfn[imp.plan.maps.frame[k]]);
  }
  for (const [key, members] of sharer.groups()) {
    const frames = new Set(members.map((m) => at.get(`${m.pid}:${m.va >> 12n}`)));
    if (key.startsWith("file")) {
      assert.equal(frames.size, 1, `${key}: one synthetic frame`);
      assert.deepEqual(show(rmapOf(imp, [...frames][0] as number)), show(members));
    } else assert.equal(frames.size, members.length, `${key}: private without PFNs`);
  }
  const stats = await rmapbench(["rmap", "--snapshot", f, "--stats"]);
  assert.equal(stats.code, 0, stats.stderr);
  assert.match(stats.stderr, /PFNs were hidden at capture/);
  rmSync(dir, { recursive: true, force: true });
});

test("the sample snapshot: rmap --stats, and a suite run over it with tiny rounds", async () => {
  const out = mkdtempSync(join(tmpdir(), "rmapbench-snap-"));
  const [stats, run] = await Promise.all([
    rmapbench(["rmap", "--snapshot", SAMPLE, "--stats"]),
    rmapbench([
      "run",
      "reclaim",
      ...["--set", "snapshot=test/fixtures/sample.snapshot", "--set", "ops=16"],
      ...["--set", "rounds=1", "--set", "iterations=1", "--set", "warmup=0", "--format", "json", "--out", out],
    ]),
  ]);
  assert.equal(stats.code, 0, stats.stderr);
  assert.match(stats.stdout, /^snapshot .*sample\.snapshot: 8 processes, \d+ VMAs, \d+ present pages/);
  assert.match(stats.stdout, /frames by mapcount:\n\s+mapcount\s+anon\s+file\s+total\n\s+1\s+\d+/);
  assert.match(stats.stdout, /\n\s+all\s+\d+\s+\d+\s+\d+\n/);
  assert.equal(run.code, 0, run.stderr);
  const dir = join(out, "reclaim");
  const json = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith(".json")) ?? ""), "utf8"));
  assert.equal(json.benchmarks.length, 4, "one entry per notifier design");
  assert.ok(json.notes.some((n: string) => /snapshot test\/fixtures\/sample\.snapshot: 8 processes/.test(n)));
  for (const e of json.benchmarks) assert.ok(e.counters.rmap_visits > 1, `${e.name}: real sharing walked`);
  rmSync(out, { recursive: true, force: true });
});

const defaults = Object.fromEntries(
  Object.entries({ ...scenarioParams, ...harnessParams }).map(([k, p]) => [
    k,
    Array.isArray(p.default) ? p.default[0] : p.default,
  ]),
) as Params;

test("every VM suite over the sample: the primary generations agree, and the correct notifier designs keep the checker at zero", async () => {
  const { ctx } = testContext();
  const one = async (suite: string, over: Params) => {
    const p: Params = { ...defaults, snapshot: SAMPLE, ops: 32, check_every: 1, check_sample: 0, ...over };
    const s = findSuite(suite);
    assert.equal(s.validate?.(p), undefined, `${suite} ${JSON.stringify(over)}`);
    const prepared = (await s.prepare(p, ctx)) as Prepared;
    assert.ok(!("skip" in prepared), suite);
    assert.ok(prepared.ops > 0, `${suite}: ops from the snapshot`);
    const b = await prepared.batch();
    return { checksum: b.checksum, counters: await prepared.counters() };
  };
  const suites = ["reclaim", "migrate", "mkclean", "age", "munmap", "mprotect", "mremap", "truncate", "fork", "exit"];
  for (const suite of [...suites, "cow"]) {
    const sums = new Set<bigint>();
    for (const primary of DESIGNS) sums.add((await one(suite, { design: "none", primary })).checksum);
    assert.equal(sums.size, 1, `${suite}: the four primary rmap generations end in the same state`);
    for (const design of ["virtual", "physical+range", "interval"]) {
      const { counters } = await one(suite, { design, secondary: "kvm" });
      const v = CHECK_RULES.filter((k) => counters[k]);
      assert.deepEqual(v, [], `${suite} ${design}: checker violations`);
    }
  }
  const sec = await one("secfault", { design: "virtual", secondary: "kvm" });
  assert.ok(sec.counters.secondary_faults > 0, "secfault: the secondary filled entries");
});

test("the sample snapshot is small and was captured with real PFNs", () => {
  const s = readSnapshot(SAMPLE);
  assert.ok(readFileSync(SAMPLE).length < 300 * 1024);
  assert.equal(s.header.pfns, "visible");
  assert.ok(planImport(s).links.length > 0, "anonymous memory shared across processes");
});
