// `rmapbench snapshot` (capture /proc into a snapshot file) and `rmapbench
// rmap` (who maps a frame, and the sharing histogram, answered by the
// simulator's primary rmap over the imported snapshot).
import { renameSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { UsageError } from "../errors.js";
import { PRIMARY, type Primary } from "../vmlayout.js";
import { capture } from "./capture.js";
import { encodeSnapshot, frameIndex, readSnapshot } from "./format.js";
import { importSnapshot, planImport, rmapOf, sharingHistogram } from "./import.js";

export const SNAPSHOT_USAGE = `  snapshot (--pid PID... | --all [--limit N]) -o FILE
                                       capture live processes from /proc (maps, pagemap, kpagecount,
                                       kpageflags) into a snapshot file (docs/snapshot.md)
  rmap --snapshot FILE (--pfn PFN | --stats) [--primary DESIGN]
                                       who maps frame PFN ("PID 0xADDRESS" lines) and the sharing histogram,
                                       answered by the simulator's primary rmap over the imported snapshot`;

const positive = (s: string, what: string): number => {
  if (!/^\d+$/.test(s) || Number(s) < 1 || !Number.isSafeInteger(Number(s)))
    throw new UsageError(`${what} ${s}: expected a positive whole number`);
  return Number(s);
};

export function snapshotCmd(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      pid: { type: "string", multiple: true, short: "p" },
      all: { type: "boolean", default: false },
      limit: { type: "string" },
      output: { type: "string", short: "o" },
    },
  });
  if (positionals.length) throw new UsageError(`snapshot takes no positional arguments, got ${positionals.join(" ")}`);
  const pids = (values.pid ?? []).map((p) => positive(p, "--pid"));
  if (!values.all && pids.length === 0) throw new UsageError("snapshot needs --pid PID (repeatable) or --all");
  if (values.all && pids.length) throw new UsageError("snapshot takes --pid or --all, not both");
  if (values.limit !== undefined && !values.all) throw new UsageError("--limit goes with --all");
  const limit = values.limit === undefined ? undefined : positive(values.limit, "--limit");
  if (!values.output) throw new UsageError("snapshot needs -o FILE: where the snapshot goes");
  const snap = capture({ pids, all: values.all ?? false, limit });
  const h = snap.header;
  for (const s of h.skipped) process.stderr.write(`skipped pid ${s.pid}: ${s.reason}\n`);
  if (snap.processes.length === 0)
    throw new UsageError(
      `no process captured${h.skipped.length ? ` (${h.skipped.length} skipped, listed above)` : ""}; nothing written`,
    );
  const { data, size } = encodeSnapshot(snap);
  const tmp = `${values.output}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, values.output);
  } catch (e) {
    throw new UsageError(`-o ${values.output}: cannot write it (${(e as Error).message})`);
  }
  let pages = 0;
  let vmas = 0;
  for (const p of h.processes) {
    pages += p.pages;
    vmas += p.vmas;
  }
  const frames = new Set<number>();
  for (const p of snap.processes) for (const v of p.vmas) for (const x of v.pages.pfn) frames.add(x);
  console.log(
    `captured ${h.processes.length} processes: ${vmas} VMAs, ${pages} present pages, ${h.pfns === "hidden" ? "PFNs hidden" : `${frames.size} distinct frames`} in ${h.captureSeconds.toFixed(2)} s` +
      (h.skipped.length ? `; ${h.skipped.length} skipped` : "") +
      (h.kernelThreads ? `; ${h.kernelThreads} kernel threads and zombies left out` : ""),
  );
  if (!h.kpagecount || !h.kpageflags)
    console.log(
      `/proc/kpagecount ${h.kpagecount ? "read" : "not readable"}, /proc/kpageflags ${h.kpageflags ? "read" : "not readable"}`,
    );
  for (const n of h.notes) console.log(`note: ${n}`);
  const per = (b: number) => (pages ? (b / pages).toFixed(2) : "0");
  console.log(
    `wrote ${values.output}: ${size.bytes} bytes = ${size.pageBytes} for the pages and frames (${per(size.pageBytes)} bytes per present page) + ${size.tableBytes} for the header and VMA table (${per(size.bytes)} bytes per page in all)`,
  );
  return 0;
}

function parsePfn(s: string): number {
  const v = /^0x[0-9a-f]+$/i.test(s) ? Number.parseInt(s.slice(2), 16) : /^\d+$/.test(s) ? Number(s) : Number.NaN;
  if (!Number.isSafeInteger(v)) throw new UsageError(`--pfn ${s}: expected a frame number, decimal or 0x-hex`);
  return v;
}

export function rmapCmd(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      snapshot: { type: "string" },
      pfn: { type: "string" },
      stats: { type: "boolean", default: false },
      primary: { type: "string", default: "avc" },
    },
  });
  if (positionals.length) throw new UsageError(`rmap takes no positional arguments, got ${positionals.join(" ")}`);
  if (!values.snapshot) throw new UsageError("rmap needs --snapshot FILE (made by `rmapbench snapshot`)");
  if (values.pfn === undefined && !values.stats) throw new UsageError("rmap needs --pfn PFN or --stats (or both)");
  const pfn = values.pfn === undefined ? undefined : parsePfn(values.pfn);
  const primary = values.primary ?? "avc";
  if (!(primary in PRIMARY))
    throw new UsageError(`--primary ${primary}: expected one of ${Object.keys(PRIMARY).join(", ")}`);
  const snap = readSnapshot(values.snapshot);
  const plan = planImport(snap);
  const imp = importSnapshot(plan, { design: primary as Primary, frames: "auto" });
  if (plan.synthetic)
    process.stderr.write(
      "rmapbench: note: this snapshot's PFNs were hidden at capture (no CAP_SYS_ADMIN): its frames are synthetic numbers, file pages shared by (device, inode, offset), anonymous pages private\n",
    );
  if (pfn !== undefined) {
    const lines = rmapOf(imp, pfn);
    for (const l of lines) console.log(`${l.pid} 0x${l.va.toString(16)}`);
    if (lines.length === 0) {
      const fi = frameIndex(snap.frames, pfn);
      process.stderr.write(
        `rmapbench: pfn ${pfn} (0x${pfn.toString(16)}): ${fi >= 0 ? "captured, but none of its mappings could be imported (see --stats)" : "no captured process maps it"}\n`,
      );
    }
  }
  if (values.stats) printStats(values.snapshot, imp, primary);
  return 0;
}

function printStats(file: string, imp: ReturnType<typeof importSnapshot>, primary: string): void {
  const { plan } = imp;
  const h = plan.snapshot.header;
  let pages = 0;
  let vmas = 0;
  for (const p of h.processes) {
    pages += p.pages;
    vmas += p.vmas;
  }
  console.log(
    `snapshot ${file}: ${h.processes.length} processes, ${vmas} VMAs, ${pages} present pages; captured ${h.created} on ${h.host} (Linux ${h.kernel})`,
  );
  const skipped = Object.entries(plan.skipped).sort((a, b) => b[1] - a[1]);
  const nskip = skipped.reduce((a, [, v]) => a + v, 0);
  console.log(
    `imported ${plan.maps.n} mappings of ${plan.frames.pfn.length} frames into ${plan.pids.length} mms, ${plan.vmas.length} VMAs, ${plan.files.length} files (primary rmap: ${primary}; ${imp.identity ? "frame = PFN" : "frames renumbered in PFN order"})`,
  );
  if (nskip) console.log(`not imported: ${nskip} mappings: ${skipped.map(([k, v]) => `${v} ${k}`).join("; ")}`);
  const hist = sharingHistogram(imp);
  const buckets: { label: string; lo: number; hi: number }[] = [];
  const max = hist.length ? hist[hist.length - 1].mapcount : 0;
  for (let c = 1; c <= Math.min(8, max); c++) buckets.push({ label: String(c), lo: c, hi: c });
  for (let lo = 9; lo <= max; lo = lo * 2 - 1) buckets.push({ label: `${lo}-${lo * 2 - 2}`, lo, hi: lo * 2 - 2 });
  console.log("frames by mapcount:");
  console.log(`${"mapcount".padStart(10)} ${"anon".padStart(10)} ${"file".padStart(10)} ${"total".padStart(10)}`);
  const tot = { anon: 0, file: 0 };
  for (const b of buckets) {
    let anon = 0;
    let filec = 0;
    for (const r of hist) {
      if (r.mapcount < b.lo || r.mapcount > b.hi) continue;
      anon += r.anon;
      filec += r.file;
    }
    tot.anon += anon;
    tot.file += filec;
    if (anon + filec === 0) continue;
    console.log(
      `${b.label.padStart(10)} ${String(anon).padStart(10)} ${String(filec).padStart(10)} ${String(anon + filec).padStart(10)}`,
    );
  }
  console.log(
    `${"all".padStart(10)} ${String(tot.anon).padStart(10)} ${String(tot.file).padStart(10)} ${String(tot.anon + tot.file).padStart(10)}`,
  );
  const fr = plan.snapshot.frames;
  if (fr.count && !plan.synthetic) {
    let agree = 0;
    for (let f = 0; f < plan.frames.pfn.length; f++) {
      const i = frameIndex(fr, plan.frames.pfn[f]);
      if (i >= 0 && fr.count[i] === imp.vm.page(imp.simFrame(f)).mapcount) agree++;
    }
    console.log(
      `mapcount equals /proc/kpagecount for ${agree} of ${plan.frames.pfn.length} frames (the others are also mapped by processes outside the snapshot, or changed during the capture)`,
    );
  }
  if (plan.synthetic) console.log(`note: ${h.notes.join(" ")}`);
}
