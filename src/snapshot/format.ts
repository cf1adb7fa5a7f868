// The snapshot file (docs/snapshot.md): a magic, a version, a JSON header and
// binary sections of varints, each raw-DEFLATE compressed and CRC-checked,
// ending with an END section. Pages are stored column by column (VPN gaps,
// PFN deltas, run-length flags) so that each column compresses on its own.
import { readFileSync } from "node:fs";
import { crc32, deflateRawSync, inflateRawSync } from "node:zlib";
import { z } from "zod";
import { UsageError } from "../errors.js";

export const SNAPSHOT_MAGIC = "RMAPSNAP";
export const SNAPSHOT_VERSION = 1;
const PRELUDE = 20; // magic 8, version 4, header length 4, header CRC 4
const SECTION_HEAD = 16; // tag 4, raw length 4, stored length 4, CRC of the raw bytes 4

/** A snapshot file that cannot be read: one message, exit code 2. */
export class SnapshotError extends UsageError {}

/** VMA permission bits (the `rwxs` of /proc/PID/maps). */
export const PERM = { R: 1, W: 2, X: 4, S: 8 } as const;

/** Per-mapping flags kept from a pagemap entry (bits 55, 56, 57, 61). */
export const PM = { SOFT_DIRTY: 1, EXCLUSIVE: 2, UFFD_WP: 4, FILE: 8 } as const;

/** /proc/kpageflags bits the import and the reports use (include/uapi/linux/kernel-page-flags.h). */
export const KPF = {
  REFERENCED: 2,
  DIRTY: 4,
  LRU: 5,
  ANON: 12,
  SWAPCACHE: 13,
  THP: 22,
  NOPAGE: 20,
  KSM: 21,
  ZERO_PAGE: 24,
} as const;

export interface SnapPages {
  /** Virtual page numbers (va >> 12), ascending. */
  vpn: Float64Array;
  /** Frame numbers; all 0 when the capture could not read them. */
  pfn: Float64Array;
  /** PM_* bits. */
  flags: Uint8Array;
}

export interface SnapVma {
  startVpn: number;
  endVpn: number;
  /** PERM_* bits. */
  perms: number;
  /** The file offset in pages. */
  offset: number;
  major: number;
  minor: number;
  /** Decimal; "0" for anonymous memory. */
  inode: string;
  /** The maps line's path or [name]; "" for none. */
  path: string;
  pages: SnapPages;
}

export interface SnapProcess {
  pid: number;
  comm: string;
  vmas: SnapVma[];
}

/**
 * The distinct frames of the snapshot, ascending, with what /proc/kpagecount and /proc/kpageflags said; empty
 * when neither was readable.
 */
export interface SnapFrames {
  pfn: Float64Array;
  count?: Uint32Array;
  flagsLo?: Uint32Array;
  flagsHi?: Uint32Array;
}

const headerSchema = z.object({
  format: z.literal("rmapbench-snapshot"),
  version: z.number().int(),
  created: z.string(),
  host: z.string(),
  kernel: z.string(),
  pageSize: z.literal(4096),
  pfns: z.enum(["visible", "hidden"]),
  kpagecount: z.boolean(),
  kpageflags: z.boolean(),
  processes: z.array(
    z.object({
      pid: z.number().int().positive(),
      comm: z.string(),
      vmas: z.number().int().nonnegative(),
      pages: z.number().int().nonnegative(),
      swapped: z.number().int().nonnegative(),
    }),
  ),
  skipped: z.array(z.object({ pid: z.number().int(), reason: z.string() })),
  kernelThreads: z.number().int().nonnegative(),
  captureSeconds: z.number().nonnegative(),
  notes: z.array(z.string()),
});

export type SnapHeader = z.infer<typeof headerSchema>;

export interface Snapshot {
  header: SnapHeader;
  processes: SnapProcess[];
  frames: SnapFrames;
}

/** Whether frame i of the table has kpageflags bit `bit`. */
export function kpf(frames: SnapFrames, i: number, bit: number): boolean {
  if (!frames.flagsLo || !frames.flagsHi) return false;
  return bit < 32 ? ((frames.flagsLo[i] >>> bit) & 1) === 1 : ((frames.flagsHi[i] >>> (bit - 32)) & 1) === 1;
}

// --- varints ------------------------------------------------------------------------------------------------------

class Writer {
  buf = new Uint8Array(1 << 16);
  n = 0;
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }
  byte(b: number): void {
    this.room(1);
    this.buf[this.n++] = b;
  }
  /** An unsigned integer below 2^53, 7 bits a byte, low first. */
  uv(v: number): void {
    this.room(8);
    while (v >= 128) {
      this.buf[this.n++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.n++] = v;
  }
  /** A signed integer, zigzag-coded. */
  sv(v: number): void {
    this.uv(v >= 0 ? 2 * v : -2 * v - 1);
  }
  big(v: bigint): void {
    this.room(10);
    while (v >= 128n) {
      this.buf[this.n++] = Number(v & 127n) | 128;
      v >>= 7n;
    }
    this.buf[this.n++] = Number(v);
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.n);
  }
}

class Reader {
  at = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly where: string,
  ) {}
  get done(): boolean {
    return this.at >= this.buf.length;
  }
  private need(): number {
    if (this.at >= this.buf.length) throw new Error(`section ${this.where} ends early`);
    return this.buf[this.at++];
  }
  byte(): number {
    return this.need();
  }
  uv(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      const b = this.need();
      v += (b & 127) * scale;
      if (b < 128) return v;
      scale *= 128;
      if (i >= 7) throw new Error(`section ${this.where} holds an overlong number`);
    }
  }
  sv(): number {
    const z = this.uv();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  big(): bigint {
    let v = 0n;
    let shift = 0n;
    for (let i = 0; ; i++) {
      const b = this.need();
      v |= BigInt(b & 127) << shift;
      if (b < 128) return v;
      shift += 7n;
      if (i >= 9) throw new Error(`section ${this.where} holds an overlong number`);
    }
  }
}

// --- encoding -------------------------------------------------------------------------------------------------------

export interface EncodedSize {
  bytes: number;
  /** Bytes of the page and frame sections (with their section heads). */
  pageBytes: number;
  /** Everything else: prelude, header, strings, VMA table, END. */
  tableBytes: number;
  sections: Record<string, number>;
}

/** The snapshot's bytes, and what each part took. */
export function encodeSnapshot(s: Snapshot): { data: Uint8Array; size: EncodedSize } {
  const strings = new Map<string, number>();
  const str = (x: string) => {
    if (!x) return 0;
    let i = strings.get(x);
    if (i === undefined) {
      i = strings.size + 1;
      strings.set(x, i);
    }
    return i;
  };
  const vmas = new Writer();
  const vpns = new Writer();
  const pfns = new Writer();
  const flags = new Writer();
  // with a frame table, pages name frames by their index in it: smaller numbers than PFNs spread over all of RAM
  const table = s.header.kpagecount || s.header.kpageflags ? s.frames.pfn : undefined;
  const code = (pfn: number) => {
    if (!table) return pfn;
    const i = frameIndex(s.frames, pfn);
    if (i < 0) throw new Error(`PFN ${pfn} is missing from the frame table`);
    return i;
  };
  let prevPfn = 0;
  let run = 0;
  let runFlag = -1;
  for (const p of s.processes) {
    vmas.uv(p.vmas.length);
    let prevEnd = 0;
    for (const v of p.vmas) {
      if (v.startVpn < prevEnd || v.endVpn < v.startVpn) throw new Error(`pid ${p.pid}: VMAs overlap or go backwards`);
      vmas.uv(v.startVpn - prevEnd);
      vmas.uv(v.endVpn - v.startVpn);
      vmas.byte(v.perms);
      vmas.uv(v.offset);
      vmas.uv(v.major);
      vmas.uv(v.minor);
      vmas.big(BigInt(v.inode));
      vmas.uv(str(v.path));
      prevEnd = v.endVpn;
      const { vpn, pfn, flags: f } = v.pages;
      vpns.uv(vpn.length);
      let prev = v.startVpn - 1;
      for (let i = 0; i < vpn.length; i++) {
        vpns.uv(vpn[i] - prev - 1);
        prev = vpn[i];
        const c = code(pfn[i]);
        pfns.sv(c - prevPfn);
        prevPfn = c;
        if (f[i] === runFlag) run++;
        else {
          if (run) {
            flags.uv(run);
            flags.byte(runFlag);
          }
          runFlag = f[i];
          run = 1;
        }
      }
    }
  }
  if (run) {
    flags.uv(run);
    flags.byte(runFlag);
  }
  const strs = new TextEncoder().encode([...strings.keys()].join("\0"));
  const sections: [string, Uint8Array, boolean][] = [
    ["STRS", strs, false],
    ["VMAS", vmas.bytes(), false],
    ["PVPN", vpns.bytes(), true],
    ["PPFN", pfns.bytes(), true],
    ["PFLG", flags.bytes(), true],
  ];
  const fr = s.frames;
  if (s.header.kpagecount || s.header.kpageflags) {
    const w = new Writer();
    w.uv(fr.pfn.length);
    let prev = 0;
    for (const x of fr.pfn) {
      w.uv(x - prev);
      prev = x;
    }
    sections.push(["FPFN", w.bytes(), true]);
    if (fr.count) {
      const c = new Writer();
      for (const x of fr.count) c.uv(x);
      sections.push(["FCNT", c.bytes(), true]);
    }
    if (fr.flagsLo && fr.flagsHi) {
      const lo = new Writer();
      for (let i = 0; i < fr.flagsLo.length; i++) {
        lo.uv(fr.flagsLo[i]);
        lo.uv(fr.flagsHi[i]);
      }
      sections.push(["FFLG", lo.bytes(), true]);
    }
  }
  const header = new TextEncoder().encode(JSON.stringify(s.header));
  const parts: Uint8Array[] = [];
  const prelude = Buffer.alloc(PRELUDE);
  prelude.write(SNAPSHOT_MAGIC, 0, "latin1");
  prelude.writeUInt32LE(SNAPSHOT_VERSION, 8);
  prelude.writeUInt32LE(header.length, 12);
  prelude.writeUInt32LE(crc32(header), 16);
  parts.push(prelude, header);
  const size: EncodedSize = { bytes: 0, pageBytes: 0, tableBytes: PRELUDE + header.length, sections: {} };
  for (const [tag, raw, isPage] of [...sections, ["END.", new Uint8Array(0), false] as [string, Uint8Array, boolean]]) {
    const stored = raw.length ? deflateRawSync(raw, { level: 9, memLevel: 9 }) : new Uint8Array(0);
    const head = Buffer.alloc(SECTION_HEAD);
    head.write(tag, 0, "latin1");
    head.writeUInt32LE(raw.length, 4);
    head.writeUInt32LE(stored.length, 8);
    head.writeUInt32LE(raw.length ? crc32(raw) : 0, 12);
    parts.push(head, stored);
    size.sections[tag] = SECTION_HEAD + stored.length;
    if (isPage) size.pageBytes += SECTION_HEAD + stored.length;
    else size.tableBytes += SECTION_HEAD + stored.length;
  }
  const data = Buffer.concat(parts);
  size.bytes = data.length;
  return { data, size };
}

// --- decoding -------------------------------------------------------------------------------------------------------

const KNOWN = ["STRS", "VMAS", "PVPN", "PPFN", "PFLG", "FPFN", "FCNT", "FFLG"];

/** Reads and checks a snapshot file; every problem is a SnapshotError naming the file. */
export function readSnapshot(file: string): Snapshot {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (e as Error).message;
    throw new SnapshotError(`${file}: ${why}`);
  }
  try {
    return decodeSnapshot(data);
  } catch (e) {
    if (e instanceof SnapshotError) throw new SnapshotError(`${file}: ${e.message}`);
    throw new SnapshotError(`${file}: corrupted snapshot: ${(e as Error).message}`);
  }
}

/** Decodes snapshot bytes; throws SnapshotError (bad kind, version, truncation) or Error (corruption). */
export function decodeSnapshot(data: Uint8Array): Snapshot {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const magic = buf.subarray(0, 8).toString("latin1");
  if (magic !== SNAPSHOT_MAGIC) {
    if (buf.length < 8 && SNAPSHOT_MAGIC.startsWith(magic) && buf.length > 0)
      throw new SnapshotError("truncated snapshot (it ends inside the magic)");
    const shown = JSON.stringify(
      buf
        .subarray(0, 16)
        .toString("latin1")
        .replace(/[^\x20-\x7e]/g, "."),
    );
    throw new SnapshotError(
      `not an rmapbench snapshot (no ${SNAPSHOT_MAGIC} magic; it starts with ${shown}); make one with \`rmapbench snapshot\``,
    );
  }
  if (buf.length < PRELUDE) throw new SnapshotError("truncated snapshot (it ends inside the prelude)");
  const version = buf.readUInt32LE(8);
  if (version > SNAPSHOT_VERSION)
    throw new SnapshotError(
      `snapshot format version ${version} is newer than this rmapbench reads (${SNAPSHOT_VERSION}): update rmapbench`,
    );
  if (version < 1) throw new Error(`version ${version} does not exist`);
  const hlen = buf.readUInt32LE(12);
  if (PRELUDE + hlen > buf.length) throw new SnapshotError("truncated snapshot (it ends inside the header)");
  const hbytes = buf.subarray(PRELUDE, PRELUDE + hlen);
  if (crc32(hbytes) !== buf.readUInt32LE(16)) throw new Error("the header's CRC does not match");
  let json: unknown;
  try {
    json = JSON.parse(hbytes.toString("utf8"));
  } catch {
    throw new Error("the header is not JSON");
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`header field ${issue.path.join(".") || "(top)"}: ${issue.message}`);
  }
  const header = parsed.data;
  if (header.version !== version) throw new Error("the header's version differs from the prelude's");

  const sections = new Map<string, Uint8Array>();
  let at = PRELUDE + hlen;
  let ended = false;
  while (at < buf.length) {
    if (at + SECTION_HEAD > buf.length) throw new SnapshotError("truncated snapshot (it ends inside a section head)");
    const tag = buf.subarray(at, at + 4).toString("latin1");
    const rawLen = buf.readUInt32LE(at + 4);
    const storedLen = buf.readUInt32LE(at + 8);
    const crc = buf.readUInt32LE(at + 12);
    at += SECTION_HEAD;
    if (tag === "END.") {
      if (rawLen || storedLen) throw new Error("the END section is not empty");
      ended = true;
      break;
    }
    if (!KNOWN.includes(tag)) throw new Error(`unknown section ${JSON.stringify(tag)}`);
    if (sections.has(tag)) throw new Error(`section ${tag} appears twice`);
    if (at + storedLen > buf.length) throw new SnapshotError(`truncated snapshot (it ends inside section ${tag})`);
    let raw: Uint8Array = new Uint8Array(0);
    if (rawLen) {
      try {
        raw = inflateRawSync(buf.subarray(at, at + storedLen), { maxOutputLength: rawLen });
      } catch (e) {
        throw new Error(`section ${tag} does not inflate (${(e as Error).message})`);
      }
    }
    if (raw.length !== rawLen) throw new Error(`section ${tag} inflates to ${raw.length} bytes, not ${rawLen}`);
    if ((rawLen ? crc32(raw) : 0) !== crc) throw new Error(`section ${tag}'s CRC does not match`);
    sections.set(tag, raw);
    at += storedLen;
  }
  if (!ended) throw new SnapshotError("truncated snapshot (no END section)");
  if (at !== buf.length) throw new Error(`${buf.length - at} bytes after the END section`);
  const need = (tag: string) => {
    const s = sections.get(tag);
    if (!s) throw new Error(`section ${tag} is missing`);
    return s;
  };
  const frames: SnapFrames = { pfn: new Float64Array(0) };
  const fp = sections.get("FPFN");
  if (fp) {
    const r = new Reader(fp, "FPFN");
    const n = r.uv();
    if (n > fp.length) throw new Error("section FPFN counts more frames than it holds");
    frames.pfn = new Float64Array(n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const d = r.uv();
      if (i > 0 && d === 0) throw new Error("section FPFN lists a frame twice");
      prev += d;
      frames.pfn[i] = prev;
    }
    if (!r.done) throw new Error("section FPFN has bytes left over");
    const fc = sections.get("FCNT");
    if (fc) {
      const c = new Reader(fc, "FCNT");
      frames.count = new Uint32Array(n);
      for (let i = 0; i < n; i++) frames.count[i] = c.uv();
      if (!c.done) throw new Error("section FCNT has bytes left over");
    }
    const ff = sections.get("FFLG");
    if (ff) {
      const f = new Reader(ff, "FFLG");
      frames.flagsLo = new Uint32Array(n);
      frames.flagsHi = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        frames.flagsLo[i] = f.uv();
        frames.flagsHi[i] = f.uv();
      }
      if (!f.done) throw new Error("section FFLG has bytes left over");
    }
  }
  if (header.kpagecount !== !!frames.count) throw new Error("the header and the FCNT section disagree");
  if (header.kpageflags !== !!frames.flagsLo) throw new Error("the header and the FFLG section disagree");
  const frameTable = header.kpagecount || header.kpageflags ? frames.pfn : undefined;
  const strs = need("STRS");
  const table = strs.length ? new TextDecoder().decode(strs).split("\0") : [];
  const vmas = new Reader(need("VMAS"), "VMAS");
  const vpns = new Reader(need("PVPN"), "PVPN");
  const pfns = new Reader(need("PPFN"), "PPFN");
  const flagR = new Reader(need("PFLG"), "PFLG");
  let run = 0;
  let runFlag = 0;
  let prevPfn = 0;
  const processes: SnapProcess[] = [];
  for (const hp of header.processes) {
    const n = vmas.uv();
    if (n !== hp.vmas) throw new Error(`pid ${hp.pid}: ${n} VMAs in the table, ${hp.vmas} in the header`);
    const list: SnapVma[] = [];
    let prevEnd = 0;
    let pages = 0;
    for (let k = 0; k < n; k++) {
      const startVpn = prevEnd + vmas.uv();
      const endVpn = startVpn + vmas.uv();
      const perms = vmas.byte();
      const offset = vmas.uv();
      const major = vmas.uv();
      const minor = vmas.uv();
      const inode = vmas.big().toString();
      const si = vmas.uv();
      if (si > table.length) throw new Error(`pid ${hp.pid}: a VMA names string ${si} of ${table.length}`);
      prevEnd = endVpn;
      const count = vpns.uv();
      if (count > endVpn - startVpn) throw new Error(`pid ${hp.pid}: more pages than the VMA holds`);
      const vpn = new Float64Array(count);
      const pfn = new Float64Array(count);
      const flags = new Uint8Array(count);
      let prev = startVpn - 1;
      for (let i = 0; i < count; i++) {
        prev += vpns.uv() + 1;
        vpn[i] = prev;
        prevPfn += pfns.sv();
        if (prevPfn < 0) throw new Error("a PFN below zero");
        if (frameTable && prevPfn >= frameTable.length) throw new Error("a page names a frame past the frame table");
        pfn[i] = frameTable ? frameTable[prevPfn] : prevPfn;
        if (!run) {
          run = flagR.uv();
          runFlag = flagR.byte();
          if (!run) throw new Error("an empty run of flags");
        }
        flags[i] = runFlag;
        run--;
      }
      if (count && prev >= endVpn) throw new Error(`pid ${hp.pid}: a page outside its VMA`);
      pages += count;
      list.push({
        startVpn,
        endVpn,
        perms,
        offset,
        major,
        minor,
        inode,
        path: si ? table[si - 1] : "",
        pages: { vpn, pfn, flags },
      });
    }
    if (pages !== hp.pages) throw new Error(`pid ${hp.pid}: ${pages} pages in the sections, ${hp.pages} in the header`);
    processes.push({ pid: hp.pid, comm: hp.comm, vmas: list });
  }
  for (const r of [vmas, vpns, pfns, flagR]) if (!r.done) throw new Error(`section ${r.where} has bytes left over`);
  if (run) throw new Error("section PFLG has flags left over");
  return { header, processes, frames };
}

/** Index of pfn in the frame table, or -1. */
export function frameIndex(frames: SnapFrames, pfn: number): number {
  const a = frames.pfn;
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < pfn) lo = mid + 1;
    else hi = mid;
  }
  return lo < a.length && a[lo] === pfn ? lo : -1;
}
