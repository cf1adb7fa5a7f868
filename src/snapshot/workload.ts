// A captured snapshot as the VM suites' workload (`--set snapshot=FILE`): the
// machine is the snapshot's import (compact frames: the suites copy the whole
// machine between batches), and the suites' targets come from the real
// sharing pattern: pages with the most mappings, ranges inside real VMAs with
// the most resident pages, truncation of the files with the most cached pages,
// COW breaks of anonymous pages shared since fork. Each process's secondary
// MMUs translate the window of its address space (at most SEC_SPAN pages)
// that holds the most resident pages, and touch a share of those pages.
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import type { NotifySpec } from "../layout.js";
import type { Param, Params } from "../options.js";
import { Rng } from "../rng.js";
import type { SuiteContext } from "../suite.js";
import type { VmOp } from "../vm/machine.js";
import type { Built } from "../vm/suite.js";
import { OP, type Primary, SECONDARY, type Secondary, VM_FLAG, XR_SIZE } from "../vmlayout.js";
import type { Scenario, Target } from "../workload/scenario.js";
import { readSnapshot, SnapshotError } from "./format.js";
import { IMPORT, type ImportPlan, importSnapshot, planImport } from "./import.js";

/** The most pages one secondary MMU instance translates (a KVM memslot, an XPmem export): 256 MiB. */
export const SEC_SPAN = 1 << 16;

export const snapshotParam: Param<string> = {
  schema: z.string(),
  default: "",
  doc: "a snapshot (rmapbench snapshot -o FILE) as the workload: its processes, VMAs and real frame sharing; targets are its pages with the most mappings, ranges lie in its VMAs (the shape parameters are then unused)",
  hint: "a snapshot file; empty for the synthetic scenario",
};

const plans = new Map<string, ImportPlan>();

/** The import plan of a snapshot file, read once per process (per path, size and mtime). */
export function loadPlan(file: string): ImportPlan {
  let key = resolve(file);
  try {
    const st = statSync(file);
    key += `:${st.size}:${st.mtimeMs}`;
  } catch {
    // readSnapshot reports it
  }
  let plan = plans.get(key);
  if (!plan) {
    plan = planImport(readSnapshot(file));
    if (plan.maps.n === 0) throw new SnapshotError(`${file}: no page of the snapshot can be imported`);
    plans.set(key, plan);
  }
  return plan;
}

/** Frames by mapcount, most first (then by PFN), each with its first mapping. */
function rankedTargets(plan: ImportPlan, fileOnly: boolean): Target[] {
  const nf = plan.frames.pfn.length;
  const first = new Int32Array(nf).fill(-1);
  for (let k = 0; k < plan.maps.n; k++) if (first[plan.maps.frame[k]] < 0) first[plan.maps.frame[k]] = k;
  const fr = plan.frames;
  const ids: number[] = [];
  for (let f = 0; f < nf; f++) if (!fileOnly || fr.file[f]) ids.push(f);
  // writeback works on dirty shared file pages: those come first among file targets
  ids.sort((a, b) => (fileOnly ? fr.writable[b] - fr.writable[a] : 0) || fr.mapcount[b] - fr.mapcount[a] || a - b);
  return ids.map((f) => {
    const k = first[f];
    return { mm: plan.vmas[plan.maps.vma[k]].mm, va: BigInt(plan.maps.vpn[k]) << 12n };
  });
}

/** Windows of len pages inside real VMAs, the most resident pages first: up to n, disjoint. */
function realRanges(plan: ImportPlan, len: number, n: number): { mm: number; start: bigint; end: bigint }[] {
  const counts = new Map<number, number>(); // vma * 2^21 + window -> resident pages
  const { maps, vmas } = plan;
  for (let k = 0; k < maps.n; k++) {
    const v = vmas[maps.vma[k]];
    const w = Math.floor((maps.vpn[k] - v.startVpn) / len);
    if ((w + 1) * len > v.endVpn - v.startVpn || w >= 2 ** 21) continue;
    const key = maps.vma[k] * 2 ** 21 + w;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, n)
    .map(([key]) => {
      const v = vmas[Math.floor(key / 2 ** 21)];
      const start = BigInt(v.startVpn + (key % 2 ** 21) * len) << 12n;
      return { mm: v.mm, start, end: start + (BigInt(len) << 12n) };
    });
}

/** Cuts of len pages off the ends of the files with the most cached pages, round-robin. */
function realTruncations(plan: ImportPlan, len: number, n: number): { file: number; keep: number }[] {
  const cached = new Uint32Array(plan.files.length + 1);
  const counted = new Uint8Array(plan.frames.pfn.length);
  for (let k = 0; k < plan.maps.n; k++) {
    const f = plan.maps.frame[k];
    if (!plan.frames.file[f] || counted[f]) continue;
    counted[f] = 1;
    cached[plan.vmas[plan.maps.vma[k]].file]++;
  }
  const files = plan.files
    .map((f, i) => ({ id: i + 1, size: f.pages, cached: cached[i + 1], pseudo: f.key.startsWith("[") }))
    .filter((f) => f.cached > 0 && !f.pseudo)
    .sort((a, b) => b.cached - a.cached || a.id - b.id);
  const out: { file: number; keep: number }[] = [];
  for (let i = 0; i < n && files.length; i++) {
    const f = files[i % files.length];
    const keep = f.size - (Math.floor(i / files.length) + 1) * len;
    if (keep < 0) break;
    out.push({ file: f.id, keep });
  }
  return out;
}

/** A resident page a secondary MMU may touch: writes only where the PTE is writable (no COW break). */
interface SecPage {
  va: bigint;
  write: boolean;
}

/** Per mm: the window of at most SEC_SPAN pages with the most resident pages, and those in readable VMAs. */
export function secondaryWindows(plan: ImportPlan): Map<number, { start: bigint; pages: number; touch: SecPage[] }> {
  const out = new Map<number, { start: bigint; pages: number; touch: SecPage[] }>();
  const { maps, vmas } = plan;
  let k = 0;
  while (k < maps.n) {
    const mm = vmas[maps.vma[k]].mm;
    let e = k;
    while (e < maps.n && vmas[maps.vma[e]].mm === mm) e++;
    // maps of one mm are in address order: the best window by two pointers
    let best = k;
    let bestEnd = k;
    for (let i = k, j = k; i < e; i++) {
      while (j < e && maps.vpn[j] < maps.vpn[i] + SEC_SPAN) j++;
      if (j - i > bestEnd - best) {
        best = i;
        bestEnd = j;
      }
    }
    const touch: SecPage[] = [];
    for (let i = best; i < bestEnd; i++) {
      if (!(vmas[maps.vma[i]].flags & VM_FLAG.READ)) continue;
      touch.push({ va: BigInt(maps.vpn[i]) << 12n, write: (maps.flags[i] & IMPORT.WRITE) !== 0 });
    }
    out.set(mm, {
      start: BigInt(maps.vpn[best]) << 12n,
      pages: maps.vpn[bestEnd - 1] - maps.vpn[best] + 1,
      touch,
    });
    k = e;
  }
  return out;
}

/** Write faults by a sharer of an anonymous page shared since fork (a mapping after its first), most shared first. */
function cowTargets(plan: ImportPlan, n: number): Target[] {
  const { maps, vmas, frames } = plan;
  const firstSeen = new Uint8Array(frames.pfn.length);
  const cands: { f: number; t: Target }[] = [];
  for (let k = 0; k < maps.n; k++) {
    const f = maps.frame[k];
    if (frames.file[f] || frames.mapcount[f] < 2) continue;
    const v = vmas[maps.vma[k]];
    if (!firstSeen[f]) {
      firstSeen[f] = 1;
      continue;
    }
    if (firstSeen[f] === 2 || !(v.flags & VM_FLAG.WRITE)) continue;
    firstSeen[f] = 2; // one break per frame
    cands.push({ f, t: { mm: v.mm, va: BigInt(maps.vpn[k]) << 12n } });
  }
  cands.sort((a, b) => frames.mapcount[b.f] - frames.mapcount[a.f] || a.f - b.f);
  return cands.slice(0, n).map((c) => c.t);
}

/** Secondary accesses over every process's window in turn, for secfault. */
function secondaryAccesses(plan: ImportPlan, n: number): { mm: number; va: bigint; write: boolean }[] {
  const windows = [...secondaryWindows(plan)];
  const out: { mm: number; va: bigint; write: boolean }[] = [];
  for (let round = 0; out.length < n; round++) {
    let any = false;
    for (const [mm, w] of windows) {
      if (round >= w.touch.length || out.length >= n) continue;
      any = true;
      const t = w.touch[round];
      out.push({ mm, va: t.va, write: t.write && out.length % 2 === 1 });
    }
    if (!any) break;
  }
  return out;
}

/** The suites' Scenario over a snapshot: everything the op makers read, from the real processes. */
export function snapshotScenario(plan: ImportPlan, p: Params): Scenario {
  const P = plan.pids.length;
  const ops = p.ops as number;
  const top = rankedTargets(plan, false).slice(0, ops);
  const fileTop = rankedTargets(plan, true).slice(0, ops);
  let maxVmas = 0;
  for (let mm = 1; mm <= P; mm++) maxVmas = Math.max(maxVmas, plan.vmasPerMm[mm]);
  let maxMapcount = 0;
  for (const mc of plan.frames.mapcount) maxMapcount = Math.max(maxMapcount, mc);
  const mms = Array.from({ length: P }, (_, i) => i + 1);
  return {
    shape: {
      procs: P,
      vmas: maxVmas,
      pages: 0,
      fileShare: plan.vmas.filter((v) => v.file).length / Math.max(1, plan.vmas.length),
      mapcount: maxMapcount,
      children: 0,
      seed: p.seed as number,
    },
    families: P,
    roots: mms,
    members: [mms],
    layout: [],
    build: [],
    targetCount: top.length,
    targetAt: (k) => top[k],
    fileTargetCount: fileTop.length,
    fileTargetAt: (k) => fileTop[k],
    mmsUsed: P + 1,
    files: plan.files.length + 1,
    real: {
      file: p.snapshot as string,
      ranges: (len, n) => realRanges(plan, len, n),
      truncations: (len, n) => realTruncations(plan, len, n),
      cow: (n) => cowTargets(plan, n),
      secondary: (n) => secondaryAccesses(plan, n),
    },
  };
}

/** The problem with a snapshot cell (the file, or ops the suite cannot make over it), or undefined. */
export function validateSnapshot(
  p: Params,
  makeOps: (sc: Scenario, p: Params, n: number) => VmOp[] | string,
): string | undefined {
  try {
    const plan = loadPlan(p.snapshot as string);
    const r = makeOps(snapshotScenario(plan, p), p, p.ops as number);
    if (typeof r === "string") return `${p.snapshot}: ${r}`;
    return r.length ? undefined : `${p.snapshot}: the snapshot gives this suite nothing to do`;
  } catch (e) {
    if (e instanceof SnapshotError) return e.message;
    throw e;
  }
}

/** A snapshot's machine is built into the same shape as a synthetic scenario's. */
export type SnapshotBuilt = Built;

/** The suite's notifier settings for a machine of mms mms and frames frames, secondaries spanning spanPages. */
export type NotifyOf = (p: Params, mms: number, frames: number, spanPages: number) => NotifySpec | undefined;

/**
 * The machine of one primary design imported from the snapshot, aged once, with `notifiers` secondary MMUs
 * of the cell's kind on every process (each over its window) that touched a seeded `sec_access` share of the
 * window's resident pages; and its copy for restoring between batches.
 */
export function snapshotBuild(
  p: Params,
  ctx: SuiteContext,
  suite: string,
  extraMms: number,
  notifyOf: NotifyOf,
): Promise<SnapshotBuilt> {
  const primary = p.primary as Primary;
  const file = p.snapshot as string;
  // every parameter but the measurement's own shapes the machine or its targets
  const shaping = Object.entries(p).filter(([k]) => !["rounds", "iterations", "warmup"].includes(k));
  const key = `vm:snapshot:${resolve(file)}:${JSON.stringify(shaping)}:${extraMms}`;
  return ctx.cache(key, async () => {
    const t0 = performance.now();
    const plan = loadPlan(file);
    const sc = snapshotScenario(plan, p);
    const windows = secondaryWindows(plan);
    let span = 1;
    for (const w of windows.values()) span = Math.max(span, w.pages);
    const mms = plan.pids.length + extraMms + 1;
    const notify = notifyOf(p, mms, plan.frames.pfn.length, span);
    const imp = importSnapshot(plan, { design: primary, frames: "compact", extraMms, ops: p.ops as number, notify });
    const { vm } = imp;
    // as after the synthetic scenario's faults: idle pages, so reclaim's page_referenced finds none young
    vm.mkoldAll();
    const firstInstance = new Map<number, number>();
    if (p.design !== "none") {
      const run = (ops: VmOp[], ok: (r: number) => boolean, what: string) => {
        for (let i = 0; i < ops.length; i += 1 << 15) {
          const part = ops.slice(i, i + (1 << 15));
          const bad = vm.run(part).findIndex((r) => !ok(r));
          if (bad >= 0) throw new Error(`${what} failed at op ${i + bad}: a pool is too small?`);
        }
      };
      const kind = SECONDARY[p.secondary as Secondary];
      const attach: VmOp[] = [];
      let id = 0;
      for (const [mm, w] of windows) {
        firstInstance.set(mm, id);
        for (let k = 0; k < (p.notifiers as number); k++, id++)
          attach.push({ kind: OP.ATTACH, mm, c: kind, a: w.start, d: w.pages });
      }
      run(attach, (r) => r !== 0xffffffff, "attaching secondary MMUs");
      const rng = new Rng((p.seed as number) ^ 0x5ec);
      const share = p.sec_access as number;
      const touch: VmOp[] = [];
      for (const [mm, w] of windows) {
        let n = 0;
        for (const t of w.touch) {
          if (rng.float() >= share) continue;
          touch.push({ kind: OP.SEC_ACCESS, c: firstInstance.get(mm), a: t.va, d: t.write && n++ & 1 ? 1 : 0 });
        }
      }
      run(touch, (r) => r <= 1, "secondary accesses");
    }
    const buildSeconds = (performance.now() - t0) / 1000;
    const mappings = vm.mappings();
    const sec = vm.secondaryEntries();
    ctx.note(
      `${suite} ${p.design}/${p.secondary}/${primary}: snapshot ${file}: ${plan.pids.length} processes, ${plan.vmas.length} VMAs, ${mappings} mappings of ${plan.frames.pfn.length} frames, ${sec} secondary entries, built in ${buildSeconds.toFixed(2)} s`,
    );
    return {
      vm,
      sc,
      snapshot: vm.snapshot(),
      rmapBytes: mappings ? vm.rmapBytes() / mappings : 0,
      extBytes: sec ? (vm.extRmapNodes() * XR_SIZE) / sec : 0,
      kvmRmapBytes: sec ? vm.kvmRmapBytes() / sec : 0,
      buildSeconds,
      firstInstance,
    };
  });
}
