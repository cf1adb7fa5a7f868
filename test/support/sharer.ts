// The sharer helper (test/fixtures/sharer.c): builds it with gcc, starts it,
// and knows by construction which of its processes' pages share a frame.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
export const SHARER_SRC = join(root, "test/fixtures/sharer.c");
export const SHARER_BIN = join(root, "build/sharer");

/** Builds build/sharer when it is missing or older than its source; returns why it cannot, or undefined. */
export function buildSharer(): string | undefined {
  if (existsSync(SHARER_BIN) && statSync(SHARER_BIN).mtimeMs >= statSync(SHARER_SRC).mtimeMs) return undefined;
  mkdirSync(join(root, "build"), { recursive: true });
  const r = spawnSync("gcc", ["-O2", "-Wall", "-o", SHARER_BIN, SHARER_SRC], { encoding: "utf8" });
  if (r.error) return `gcc is not available (${r.error.message})`;
  return r.status === 0 ? undefined : `gcc failed: ${r.stderr}`;
}

export interface SharerProc {
  pid: number;
  parent: number;
  /** "parent", "child<c>", "grandchild". */
  role: string;
}

export interface Region {
  name: string;
  va: bigint;
  pages: number;
  pgoff: number;
  pid: number;
}

export interface Sharer {
  procs: SharerProc[];
  regions: Region[];
  children: number;
  /** Frames by construction: a key per frame, with every (pid, va) that maps it. */
  groups(): Map<string, { pid: number; va: bigint }[]>;
  stop(): Promise<void>;
}

const PAGE = 4096n;

/**
 * A copy of the helper another user can run: the checkout may sit below a directory only its owner may
 * enter (mktemp -d makes them 0700), so the binary goes to a fresh world-readable directory of its own.
 */
function reachableBy(): string {
  const dir = mkdtempSync(join(tmpdir(), "rmapbench-sharer-"));
  chmodSync(dir, 0o755);
  const bin = join(dir, "sharer");
  copyFileSync(SHARER_BIN, bin);
  chmodSync(bin, 0o755);
  return bin;
}

/**
 * Starts the helper with `children` children (plus a grandchild) and waits until every process is in place;
 * `as` runs it as another user (uid and gid), which needs root.
 */
export async function startSharer(children: number, as?: number): Promise<Sharer> {
  const dir = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const file = join(dir, `rmapbench-sharer-${process.pid}-${Date.now()}`);
  const child: ChildProcess = spawn(as === undefined ? SHARER_BIN : reachableBy(), [file, String(children)], {
    stdio: ["pipe", "pipe", "inherit"],
    ...(as === undefined ? {} : { uid: as, gid: as }),
  });
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`sharer not ready after 10 s: ${lines.join(" | ")}`)), 10_000);
    child.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        if (line === "ready") {
          clearTimeout(timer);
          resolve();
        }
        nl = buf.indexOf("\n");
      }
    });
    child.on("exit", (code) => reject(new Error(`sharer exited (${code}) before it was ready: ${lines.join(" | ")}`)));
  });
  const procs: SharerProc[] = [];
  const regions: Region[] = [];
  for (const l of lines) {
    const w = l.split(" ");
    if (w[0] === "proc") procs.push({ pid: Number(w[1]), parent: Number(w[2]), role: w[3] });
    else if (w[0] === "region")
      regions.push({
        name: w[1],
        va: BigInt(`0x${w[2]}`),
        pages: Number(w[3]),
        pgoff: Number(w[4]),
        pid: Number(w[5]),
      });
  }
  const stop = async () => {
    if (child.exitCode !== null) return;
    const gone = new Promise((r) => child.once("exit", r));
    child.stdin?.end();
    await gone;
    rmSync(file, { force: true });
  };
  return { procs, regions, children, groups: () => groupsOf(procs, regions), stop };
}

/**
 * The frame of every page of every process, by construction: the file's pages are one frame each wherever they
 * are mapped; the private mapping's page 0 is the parent's anonymous copy, inherited by everyone; anonymous page
 * j is the parent's, except in the child that wrote it (and, for child 0, its grandchild).
 */
function groupsOf(procs: SharerProc[], regions: Region[]): Map<string, { pid: number; va: bigint }[]> {
  const out = new Map<string, { pid: number; va: bigint }[]>();
  const add = (key: string, pid: number, va: bigint) => {
    const g = out.get(key) ?? [];
    g.push({ pid, va });
    out.set(key, g);
  };
  const region = (name: string) => regions.find((r) => r.name === name) as Region;
  const parent = procs.find((p) => p.role === "parent") as SharerProc;
  const childIndex = (p: SharerProc) => {
    if (p.role.startsWith("child")) return Number(p.role.slice(5));
    if (p.role === "grandchild") return 0; // sees child 0's copy
    return -1;
  };
  const anonPages = region("anon").pages;
  for (const p of procs) {
    const sh = region("shared");
    for (let i = 0; i < sh.pages; i++) add(`file:${i}`, p.pid, sh.va + BigInt(i) * PAGE);
    const pr = region("private");
    add("private-copy", p.pid, pr.va);
    for (let i = 1; i < pr.pages; i++) add(`file:${i}`, p.pid, pr.va + BigInt(i) * PAGE);
    const an = region("anon");
    const c = childIndex(p);
    for (let j = 0; j < anonPages; j++) {
      const owner = c >= 0 && c % anonPages === j ? `child${c}` : "parent";
      add(`anon:${owner === "parent" ? parent.pid : owner}:${j}`, p.pid, an.va + BigInt(j) * PAGE);
    }
  }
  for (const r of regions.filter((x) => x.name === "extra")) {
    for (let k = 0; k < r.pages; k++) add(`file:${r.pgoff + k}`, r.pid, r.va + BigInt(k) * PAGE);
  }
  return out;
}
