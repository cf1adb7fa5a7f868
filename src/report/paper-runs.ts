// The runs behind results/README.md: TABLE_RUNS is the one list of commands;
// scripts/tables.ts runs it, the page names it, test/tables.test.ts re-runs one.
import type { RunResult } from "../result.js";

/** One `rmapbench run` of the page: `key` names it in the manifest. */
export interface TableRun {
  key: string;
  suite: string;
  sets: string[];
}

/** Few rounds where counters, not times, carry the table. */
const QUICK = ["rounds=3", "iterations=2", "warmup=1"];
/** Counters only: one batch, every entry checked after every operation. */
export const COVERAGE_SETS = ["check_every=1", "check_sample=0", "ops=64", "rounds=1", "iterations=1", "warmup=0"];

export const TABLE_RUNS: TableRun[] = [
  { key: "seed", suite: "paper", sets: [] },
  { key: "coverage", suite: "paper", sets: COVERAGE_SETS },
  {
    key: "growth_mapcount",
    suite: "reclaim",
    sets: ["secondary=kvm", "mapcount=1..1024*4", "procs=1024", "vmas=2", "pages=16", ...QUICK],
  },
  {
    key: "growth_range",
    suite: "munmap",
    sets: [
      "secondary=kvm",
      "range_pages=1..262144*8",
      "pages=262144",
      "vmas=1",
      "procs=2",
      "mapcount=2",
      "ops=2",
      ...QUICK,
    ],
  },
  { key: "growth_notifiers", suite: "munmap", sets: ["secondary=kvm", "notifiers=1..64*2", "procs=8", ...QUICK] },
  { key: "growth_sharing", suite: "reclaim", sets: ["secondary=kvm", "file_share=0..1+0.25", ...QUICK] },
  // simulated CPUs on 1 and 2 workers, every design, a read-mostly and a lock-bound mix
  { key: "scaling", suite: "scaling", sets: ["ops=2000"] },
  // the shootdown's modeled cost against the CPUs in mm_cpumask
  { key: "shootdown", suite: "munmap", sets: ["design=virtual", "secondary=kvm", "cpus=1,2,4,8", ...QUICK] },
  // the default kernels run: also rewrites results/kernels/README.md
  { key: "kernels", suite: "kernels", sets: [] },
  {
    key: "history_fork",
    suite: "fork",
    sets: [
      "design=none",
      "primary=ptechain,objlist,anonvma,avc",
      "mapcount=1..64*2",
      "procs=64",
      "vmas=4",
      "pages=256",
      "ops=16",
    ],
  },
  {
    key: "history_exit",
    suite: "exit",
    sets: ["design=none", "primary=ptechain,avc", "mapcount=1..64*2", "procs=64", "vmas=4", "pages=256"],
  },
  {
    key: "history_morton",
    suite: "reclaim",
    sets: [
      "design=none",
      "primary=objlist,avc",
      "file_share=1",
      "mapcount=256",
      "procs=256",
      "vmas=1..256*4",
      "pages=1",
      "range_pages=1",
      "ops=16",
      "rounds=2",
      "iterations=1",
    ],
  },
  {
    key: "history_children",
    suite: "age",
    sets: [
      "design=none",
      "primary=anonvma,avc",
      "mapcount=1",
      "children=1..1024*4",
      "procs=1025",
      "vmas=2",
      "pages=64",
      "file_share=0",
      ...QUICK,
    ],
  },
  {
    key: "history_rmap_ext",
    suite: "munmap",
    sets: [
      "design=virtual",
      "secondary=kvm",
      "aliases=1,4,16,64",
      "rmap_ext=3,14",
      "sec_access=1",
      "file_share=0",
      "procs=4",
      "mapcount=2",
      ...QUICK,
    ],
  },
  {
    key: "history_flush",
    suite: "munmap",
    sets: ["secondary=kvm", "flush=range,page", "range_pages=1..512*8", "pages=512", "procs=8", "ops=32", ...QUICK],
  },
  {
    key: "history_ceiling",
    suite: "munmap",
    sets: [
      "design=none",
      "cpus=1",
      "flush_ceiling=5,33",
      "range_pages=1,2,4,8,16,32,33,64",
      "rounds=1",
      "iterations=1",
      "warmup=0",
    ],
  },
  { key: "snapshot", suite: "paper", sets: ["snapshot=test/fixtures/sample.snapshot", ...QUICK] },
  { key: "snapshot_coverage", suite: "paper", sets: ["snapshot=test/fixtures/sample.snapshot", ...COVERAGE_SETS] },
];

/** The command line of a table run (what the page shows and the script runs). */
export const commandOf = (t: TableRun): string[] => ["run", t.suite, ...t.sets.flatMap((s) => ["--set", s])];

export interface ManifestRun {
  key: string;
  /** The result JSON, relative to results/. */
  file: string;
  command: string;
  seconds: number;
}

export interface Manifest {
  generator: string;
  seconds: number;
  runs: ManifestRun[];
}

export interface LoadedRun extends ManifestRun {
  r: RunResult;
  /** Chart and page files of the run, relative to results/. */
  html: string;
  svgs: string[];
}

// --- helpers ----------------------------------------------------------------------------------------------------------
