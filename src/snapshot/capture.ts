// Capturing live address spaces from /proc: each process's VMAs from
// /proc/PID/maps and, for every present page, its PFN and flags from
// /proc/PID/pagemap; then what /proc/kpagecount and /proc/kpageflags say
// about each distinct frame, where they are readable (docs/snapshot.md).
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { hostname, release } from "node:os";
import { UsageError } from "../errors.js";
import {
  PERM,
  PM,
  SNAPSHOT_VERSION,
  type SnapFrames,
  type SnapHeader,
  type SnapProcess,
  type Snapshot,
  type SnapVma,
} from "./format.js";

export interface CaptureRequest {
  /** Processes to capture; with `all`, every process but this one. */
  pids: number[];
  all: boolean;
  /** With `all`: at most this many processes (the lowest pids). */
  limit?: number;
}

/** Pagemap entries per read (512 KiB). */
const CHUNK = 1 << 16;
/** VMAs of more pages than this (1 GiB) are read only if /proc/PID/smaps shows resident memory in them. */
const HUGE_VMA = 1 << 18;
/** VMAs at or above 2^56 (the vsyscall page) are outside every user address space: pagemap has nothing there. */
const USER_TOP_VPN = 2 ** 44;
const TWO32 = 4294967296;

export const HIDDEN_NOTE =
  "PFNs read as zero: this process lacks CAP_SYS_ADMIN, which reading PFNs from /proc/PID/pagemap needs " +
  "(Linux 4.2+). Which frames are shared cannot be reconstructed from such a snapshot: an import assumes every " +
  "file page is the page-cache page of its (device, inode, offset) and every anonymous page private to its " +
  "process. Capture as root for the real sharing.";

class Vanished extends Error {}

/** Why a process could not be read, from the error of the failed /proc access. */
function reason(e: unknown, what: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (e instanceof Vanished) return "exited during the capture";
  if (code === "ENOENT" || code === "ESRCH") return "no such process (it exited before or during the capture)";
  if (code === "EACCES" || code === "EPERM") return `permission denied reading ${what}`;
  return `${what}: ${(e as Error).message}`;
}

const MAPS_LINE =
  /^([0-9a-f]+)-([0-9a-f]+) ([r-])([w-])([x-])([sp]) ([0-9a-f]+) ([0-9a-f]+):([0-9a-f]+) (\d+)(?: +(.*))?$/;

/** An address's page number, exactly (the addresses of maps are page-aligned hex). */
const vpnOf = (hex: string) => (hex.length > 3 ? Number.parseInt(hex.slice(0, -3), 16) : 0);

export function parseMaps(text: string): Omit<SnapVma, "pages">[] {
  const out: Omit<SnapVma, "pages">[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const m = MAPS_LINE.exec(line);
    if (!m) throw new Error(`unexpected line in maps: ${JSON.stringify(line)}`);
    out.push({
      startVpn: vpnOf(m[1]),
      endVpn: vpnOf(m[2]),
      perms:
        (m[3] === "r" ? PERM.R : 0) |
        (m[4] === "w" ? PERM.W : 0) |
        (m[5] === "x" ? PERM.X : 0) |
        (m[6] === "s" ? PERM.S : 0),
      offset: Number(BigInt(`0x${m[7]}`) >> 12n),
      major: Number.parseInt(m[8], 16),
      minor: Number.parseInt(m[9], 16),
      inode: m[10],
      path: m[11] ?? "",
    });
  }
  return out;
}

/** VMA start page -> resident KiB, from /proc/PID/smaps. */
function residentByVma(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let start = -1;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = /^([0-9a-f]+)-[0-9a-f]+ /.exec(line);
    if (head) start = vpnOf(head[1]);
    else if (line.startsWith("Rss:")) out.set(start, Number.parseInt(line.slice(4), 10));
  }
  return out;
}

interface Scratch {
  u8: Uint8Array;
  u32: Uint32Array;
}

/** Reads the whole of [pos, pos + len) of a /proc file; fewer bytes only at its end. */
function readFully(fd: number, u8: Uint8Array, len: number, pos: number): number {
  let got = 0;
  while (got < len) {
    const n = readSync(fd, u8, got, len - got, pos + got);
    if (n <= 0) break;
    got += n;
  }
  return got;
}

function capturePages(pid: number, vma: Omit<SnapVma, "pages">, fd: number, s: Scratch, swapped: { n: number }) {
  const vpn: number[] = [];
  const pfn: number[] = [];
  const flags: number[] = [];
  for (let at = vma.startVpn; at < vma.endVpn; at += CHUNK) {
    const n = Math.min(CHUNK, vma.endVpn - at);
    const got = readFully(fd, s.u8, n * 8, at * 8) >>> 3;
    // a user range that reads as nothing: the mm has gone (the process exited)
    if (got === 0) throw new Vanished(`pid ${pid}`);
    for (let i = 0; i < got; i++) {
      const hi = s.u32[2 * i + 1];
      if (!(hi & 0x8000_0000)) {
        if (hi & 0x4000_0000) swapped.n++;
        continue;
      }
      vpn.push(at + i);
      pfn.push(s.u32[2 * i] + (hi & 0x7f_ffff) * TWO32);
      flags.push(
        ((hi >>> 23) & 1 ? PM.SOFT_DIRTY : 0) |
          ((hi >>> 24) & 1 ? PM.EXCLUSIVE : 0) |
          ((hi >>> 25) & 1 ? PM.UFFD_WP : 0) |
          ((hi >>> 29) & 1 ? PM.FILE : 0),
      );
    }
  }
  return { vpn: Float64Array.from(vpn), pfn: Float64Array.from(pfn), flags: Uint8Array.from(flags) };
}

type One = { proc: SnapProcess; swapped: number } | { skip: string } | "kthread";

function captureOne(pid: number, s: Scratch): One {
  let comm: string;
  let maps: Omit<SnapVma, "pages">[];
  try {
    // a thread id (from ps -L) reads as its process's address space: capture the process under its own pid
    const tgid = /^Tgid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    if (tgid && Number(tgid) !== pid) return { skip: `a thread of process ${tgid}: capture --pid ${tgid}` };
    comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    maps = parseMaps(readFileSync(`/proc/${pid}/maps`, "utf8"));
  } catch (e) {
    return { skip: reason(e, `/proc/${pid}/maps`) };
  }
  if (maps.length === 0) return "kthread";
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/pagemap`, "r");
  } catch (e) {
    return { skip: reason(e, `/proc/${pid}/pagemap`) };
  }
  const swapped = { n: 0 };
  try {
    let rss: Map<number, number> | undefined;
    const vmas: SnapVma[] = [];
    for (const v of maps) {
      let read = v.startVpn < USER_TOP_VPN;
      if (read && v.endVpn - v.startVpn > HUGE_VMA) {
        rss ??= residentByVma(pid);
        read = (rss.get(v.startVpn) ?? 1) > 0;
      }
      const pages = read
        ? capturePages(pid, v, fd, s, swapped)
        : { vpn: new Float64Array(0), pfn: new Float64Array(0), flags: new Uint8Array(0) };
      vmas.push({ ...v, pages });
    }
    return { proc: { pid, comm, vmas }, swapped: swapped.n };
  } catch (e) {
    return { skip: reason(e, `/proc/${pid}/pagemap`) };
  } finally {
    closeSync(fd);
  }
}

function openIfReadable(path: string): number | undefined {
  try {
    const fd = openSync(path, "r");
    const probe = new Uint8Array(8);
    readSync(fd, probe, 0, 8, 0);
    return fd;
  } catch {
    return undefined;
  }
}

/** The distinct PFNs, with kpagecount and kpageflags read in runs of nearby frames. */
function frameTable(procs: SnapProcess[]): { frames: SnapFrames; kpagecount: boolean; kpageflags: boolean } {
  let n = 0;
  for (const p of procs) for (const v of p.vmas) n += v.pages.pfn.length;
  const all = new Float64Array(n);
  let k = 0;
  for (const p of procs) for (const v of p.vmas) for (const x of v.pages.pfn) all[k++] = x;
  all.sort();
  let u = 0;
  for (let i = 0; i < n; i++) if (u === 0 || all[i] !== all[u - 1]) all[u++] = all[i];
  const pfn = all.slice(0, u);
  const countFd = openIfReadable("/proc/kpagecount");
  const flagsFd = openIfReadable("/proc/kpageflags");
  const frames: SnapFrames = { pfn: countFd === undefined && flagsFd === undefined ? new Float64Array(0) : pfn };
  const WINDOW = 4096;
  const u8 = new Uint8Array(WINDOW * 8);
  const u32 = new Uint32Array(u8.buffer);
  const fill = (fd: number, lo: Uint32Array, hi?: Uint32Array) => {
    for (let i = 0; i < u; ) {
      let j = i + 1;
      while (j < u && pfn[j] - pfn[i] < WINDOW) j++;
      const got = readFully(fd, u8, (pfn[j - 1] - pfn[i] + 1) * 8, pfn[i] * 8) >>> 3;
      for (let x = i; x < j; x++) {
        const off = pfn[x] - pfn[i];
        if (off >= got) continue; // beyond the end of memory: not RAM
        lo[x] = u32[2 * off];
        if (hi) hi[x] = u32[2 * off + 1];
      }
      i = j;
    }
  };
  if (countFd !== undefined) {
    frames.count = new Uint32Array(u);
    fill(countFd, frames.count);
    closeSync(countFd);
  }
  if (flagsFd !== undefined) {
    frames.flagsLo = new Uint32Array(u);
    frames.flagsHi = new Uint32Array(u);
    fill(flagsFd, frames.flagsLo, frames.flagsHi);
    closeSync(flagsFd);
  }
  return { frames, kpagecount: countFd !== undefined, kpageflags: flagsFd !== undefined };
}

/** Every process of /proc (but this one), lowest pid first. */
function allPids(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => p !== process.pid)
    .sort((a, b) => a - b);
}

/** Refuses systems without pagemap, or whose pages are not the 4 KiB ones pagemap entries and the simulator assume. */
function checkSystem(): void {
  if (!existsSync("/proc/self/pagemap"))
    throw new UsageError("snapshot reads Linux's /proc/PID/pagemap, which this system does not have");
  let kb = 4;
  try {
    kb = Number(/KernelPageSize:\s+(\d+) kB/.exec(readFileSync("/proc/self/smaps", "utf8"))?.[1] ?? 4);
  } catch {
    // no smaps: assume 4 KiB
  }
  if (kb !== 4) throw new UsageError(`this system's pages are ${kb} KiB; snapshots hold 4 KiB pages`);
}

export function capture(req: CaptureRequest): Snapshot {
  const t0 = performance.now();
  checkSystem();
  const pids = req.all ? allPids() : [...new Set(req.pids)].sort((a, b) => a - b);
  const scratch = { u8: new Uint8Array(CHUNK * 8), u32: new Uint32Array(0) };
  scratch.u32 = new Uint32Array(scratch.u8.buffer);
  const procs: SnapProcess[] = [];
  const infos: SnapHeader["processes"] = [];
  const skipped: SnapHeader["skipped"] = [];
  let kernelThreads = 0;
  for (const pid of pids) {
    if (req.limit !== undefined && procs.length >= req.limit) break;
    const r = captureOne(pid, scratch);
    if (r === "kthread") {
      if (req.all) kernelThreads++;
      else skipped.push({ pid, reason: "no user address space (a kernel thread or a zombie)" });
    } else if ("skip" in r) skipped.push({ pid, reason: r.skip });
    else {
      procs.push(r.proc);
      let pages = 0;
      for (const v of r.proc.vmas) pages += v.pages.vpn.length;
      infos.push({ pid, comm: r.proc.comm, vmas: r.proc.vmas.length, pages, swapped: r.swapped });
    }
  }
  let present = 0;
  let nonzero = 0;
  for (const p of procs)
    for (const v of p.vmas) {
      present += v.pages.pfn.length;
      for (const x of v.pages.pfn) if (x !== 0) nonzero++;
    }
  const hidden = present > 0 && nonzero === 0;
  const table = hidden
    ? { frames: { pfn: new Float64Array(0) }, kpagecount: false, kpageflags: false }
    : frameTable(procs);
  const notes: string[] = [];
  if (hidden) notes.push(HIDDEN_NOTE);
  const header: SnapHeader = {
    format: "rmapbench-snapshot",
    version: SNAPSHOT_VERSION,
    created: new Date().toISOString(),
    host: hostname(),
    kernel: release(),
    pageSize: 4096,
    pfns: hidden ? "hidden" : "visible",
    kpagecount: table.kpagecount,
    kpageflags: table.kpageflags,
    processes: infos,
    skipped,
    kernelThreads,
    captureSeconds: 0,
    notes,
  };
  header.captureSeconds = Math.round(performance.now() - t0) / 1000;
  return { header, processes: procs, frames: table.frames };
}
