// The primary-MMU suites' seeded scenario: fork families of processes with
// anonymous and shared-file VMAs, built by running VM operations in Wasm.
//
// A family is a root process, mapcount - 1 children forked from it that share
// its pages, and `children` more that then write every anonymous page (COW),
// as in Rik van Riel's 1000-children case (domain.md §8 row 12). Shared file
// VMAs (a `file_share` fraction of each process's VMAs) map the family's one
// file at distinct offsets; every sharer faults them in, so each of the root's
// pages is mapped by exactly `mapcount` PTEs.
import { Rng } from "../rng.js";
import type { VmOp } from "../vm/machine.js";
import { OP, VM_FLAG } from "../vmlayout.js";

export interface ScenarioShape {
  procs: number;
  vmas: number;
  pages: number;
  fileShare: number;
  mapcount: number;
  children: number;
  seed: number;
}

export interface Target {
  mm: number;
  va: bigint;
}

export interface Scenario {
  shape: ScenarioShape;
  families: number;
  /** mm ids: family f's root is roots[f]; its sharers and COW children follow. */
  roots: number[];
  members: number[][];
  /** Per family: the VMAs of every member, as [start, pages, file?]. */
  layout: { start: bigint; pages: number; file: number }[];
  build: VmOp[];
  /** How many pages are mapped by exactly `mapcount` PTEs: the roots' (or, with children, the COW copies). */
  targetCount: number;
  /** The k-th of them, k < targetCount. */
  targetAt(k: number): Target;
  /** How many of them are shared-file pages (writeback works on these), and the k-th. */
  fileTargetCount: number;
  fileTargetAt(k: number): Target;
  mmsUsed: number;
  files: number;
  /** A captured snapshot's own ranges and truncations (src/snapshot/workload.ts); absent when synthetic. */
  real?: {
    file: string;
    ranges(len: number, n: number): { mm: number; start: bigint; end: bigint }[];
    truncations(len: number, n: number): { file: number; keep: number }[];
    /** Write faults that break COW on anonymous pages shared since fork. */
    cow(n: number): Target[];
    /** Secondary accesses to resident pages of each process's secondary window. */
    secondary(n: number): { mm: number; va: bigint; write: boolean }[];
  };
}

const GAP = 1n << 21n; // VMAs start 2 MiB apart at least, like separate mappings
export const SPACE_4LEVEL = 1n << 47n;
/** Where every process's VMAs start. */
export const SCENARIO_BASE = 1n << 32n;
const BASE = SCENARIO_BASE;

/** The address range the scenario's VMAs take (the same in every process). */
export function scenarioEnd(s: ScenarioShape): bigint {
  const stride = (((BigInt(s.pages) << 12n) + GAP - 1n) / GAP) * GAP + GAP;
  return BASE + stride * BigInt(s.vmas);
}

export function buildScenario(s: ScenarioShape): Scenario {
  const rng = new Rng(s.seed);
  const size = s.mapcount + s.children;
  const families = Math.max(1, Math.floor(s.procs / size));
  const stride = (((BigInt(s.pages) << 12n) + GAP - 1n) / GAP) * GAP + GAP;
  const nFile = Math.round(s.vmas * s.fileShare);
  // which VMA slots are file-backed: a seeded choice, the same in every family
  const order = rng.permutation(s.vmas);
  const isFile = new Set(Array.from(order.slice(0, nFile)));
  const layout = Array.from({ length: s.vmas }, (_, i) => ({
    start: BASE + stride * BigInt(i),
    pages: s.pages,
    file: isFile.has(i) ? 1 : 0,
  }));
  const RW = VM_FLAG.READ | VM_FLAG.WRITE;
  const build: VmOp[] = [];
  const roots: number[] = [];
  const members: number[][] = [];
  let nextMm = 1;
  for (let f = 0; f < families; f++) {
    const root = nextMm++;
    const file = f + 1;
    roots.push(root);
    build.push({ kind: OP.MM_INIT, mm: root });
    let fileOff = 0;
    for (const v of layout) {
      const flags = v.file ? RW | VM_FLAG.SHARED : RW;
      build.push({
        kind: OP.MMAP,
        mm: root,
        a: v.start,
        c: v.pages,
        d: flags,
        b: v.file ? (BigInt(file) << 32n) | BigInt(fileOff) : 0n,
      });
      if (v.file) fileOff += v.pages;
      build.push({ kind: OP.POPULATE, mm: root, a: v.start, b: v.start + (BigInt(v.pages) << 12n), c: 1 });
    }
    const fam = [root];
    for (let k = 1; k < size; k++) {
      const child = nextMm++;
      fam.push(child);
      build.push({ kind: OP.FORK, mm: root, c: child });
      const cow = k >= s.mapcount;
      for (const v of layout) {
        // sharers fault the shared file in (fork does not copy it); COW children write their anonymous pages
        if (!v.file && !cow) continue;
        build.push({ kind: OP.POPULATE, mm: child, a: v.start, b: v.start + (BigInt(v.pages) << 12n), c: 1 });
      }
    }
    members.push(fam);
  }
  // Targets by arithmetic, not as a list: a 16 Mi-frame scenario has millions.
  const owners = s.children > 0 ? size - s.mapcount : 1;
  const slots = s.children > 0 ? layout.filter((v) => !v.file) : layout;
  const fileSlots = s.children > 0 ? [] : layout.filter((v) => v.file);
  const at = (vs: typeof layout, k: number): Target => {
    const page = k % s.pages;
    const v = vs[Math.floor(k / s.pages) % vs.length];
    const owner = Math.floor(k / (s.pages * vs.length));
    const f = Math.floor(owner / owners);
    const mm = members[f][s.children > 0 ? s.mapcount + (owner % owners) : 0];
    return { mm, va: v.start + (BigInt(page) << 12n) };
  };
  return {
    shape: s,
    families,
    roots,
    members,
    layout,
    build,
    targetCount: families * owners * slots.length * s.pages,
    targetAt: (k) => at(slots, k),
    fileTargetCount: families * fileSlots.length * s.pages,
    fileTargetAt: (k) => at(fileSlots, k),
    mmsUsed: nextMm,
    files: families + 1,
  };
}

/** Frames the scenario needs: every page of every root, plus every COW child's copies, plus slack. */
export function scenarioFrames(s: ScenarioShape): number {
  const families = Math.max(1, Math.floor(s.procs / (s.mapcount + s.children)));
  const anon = s.vmas - Math.round(s.vmas * s.fileShare);
  return families * s.pages * (s.vmas + s.children * anon);
}
