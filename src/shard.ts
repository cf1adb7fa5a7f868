// Shards: `--shard i/n` runs every n-th group of the grid (round-robin by group
// index, so each shard gets a like mix of small and large cells), and
// `rmapbench merge` joins the shards of one grid back into one result.
// Groups are never split: the variants of a cell are compared side by side,
// interleaved on one machine.
import { UsageError } from "./errors.js";
import type { RunResult } from "./result.js";
import { cellKey, contextDiffs, gridDiffs, planGroups, sortByGrid } from "./runs.js";
import type { Suite } from "./suite.js";

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count || !Number.isSafeInteger(count)) {
    throw new UsageError(`--shard ${s}: expected i/n with 1 <= i <= n, e.g. --shard 1/4`);
  }
  return { index, count };
}

/** Whether group `i` (0-based, in grid order) belongs to the shard. */
export function inShard(i: number, shard: Shard | undefined): boolean {
  return !shard || i % shard.count === shard.index - 1;
}

export function sameShard(a: Shard | undefined, b: Shard | undefined): boolean {
  return a?.index === b?.index && a?.count === b?.count;
}

export const showShard = (s: Shard) => `${s.index}/${s.count}`;

/** The file-name part of a shard: `.shard-i-of-n`. */
export function shardSuffix(s: Shard | undefined): string {
  return s ? `.shard-${s.index}-of-${s.count}` : "";
}

/**
 * Joins the shard results of one grid: same suite, grid, mode and baseline; shards disjoint. Missing shards are
 * warned about, not refused (a partial merge is still a valid result). The analysis is left to the caller.
 */
export function mergeShards(
  inputs: { file: string; r: RunResult }[],
  findSuite: (name: string) => Suite,
): { result: RunResult; warnings: string[] } {
  const warnings: string[] = [];
  for (const { file, r } of inputs) {
    if (!r.shard) throw new UsageError(`${file}: not a shard result (made without --shard i/n)`);
  }
  const sorted = [...inputs].sort((a, b) => (a.r.shard?.index ?? 0) - (b.r.shard?.index ?? 0));
  const first = sorted[0];
  const suite = findSuite(first.r.suite);
  const count = first.r.shard?.count ?? 1;
  const seen = new Map<number, string>();
  for (const { file, r } of sorted) {
    const shard = r.shard as Shard;
    const vs = `than ${first.file}`;
    if (r.suite !== first.r.suite)
      throw new UsageError(`${file}: a run of ${r.suite}, not ${first.r.suite} as ${first.file}`);
    const diffs = gridDiffs(first.r.params, r.params);
    if (diffs.length) throw new UsageError(`${file}: another grid ${vs} (${diffs.join("; ")})`);
    if ((r.mode ?? "normal") !== (first.r.mode ?? "normal")) throw new UsageError(`${file}: another mode ${vs}`);
    if (r.baseline !== first.r.baseline) {
      throw new UsageError(`${file}: baseline ${r.baseline} but ${first.file} has ${first.r.baseline}`);
    }
    if (shard.count !== count) {
      throw new UsageError(`${file}: shard ${showShard(shard)}, but ${first.file} is one of ${count} shards`);
    }
    const again = seen.get(shard.index);
    if (again)
      throw new UsageError(`${file}: shard ${showShard(shard)} again (also ${again}); shards must be disjoint`);
    seen.set(shard.index, file);
    for (const d of contextDiffs(first.r.context, r.context))
      warnings.push(`${file} ran elsewhere than ${first.file}: ${d}`);
  }

  // Every entry must lie in its own shard's slice of the grid.
  const keys = Object.keys(first.r.params);
  const groupOf = new Map<string, number>();
  planGroups(first.r.params, suite.variantKey).forEach((g, i) => {
    for (const c of g) groupOf.set(cellKey(c, keys), i);
  });
  for (const { file, r } of sorted) {
    for (const x of [...r.benchmarks, ...r.skipped, ...r.failed]) {
      const g = groupOf.get(cellKey(x.params, keys));
      if (g === undefined || !inShard(g, r.shard)) {
        throw new UsageError(`${file}: ${x.name} is not in shard ${showShard(r.shard as Shard)} of this grid`);
      }
    }
  }

  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length) {
    warnings.push(
      `shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${count}`).join(", ")} missing: the merged result lacks their cells`,
    );
  }
  const base = first.r;
  const result: RunResult = {
    ...base,
    run: sorted.map((x) => x.r.run).sort()[0],
    context: { ...base.context, command: base.context.command.replace(/ --shard \S+/, "") },
    benchmarks: sorted.flatMap((x) => x.r.benchmarks),
    skipped: sorted.flatMap((x) => x.r.skipped),
    failed: sorted.flatMap((x) => x.r.failed),
    notes: [
      ...new Set(sorted.flatMap((x) => x.r.notes)),
      `merged from shards ${sorted
        .map(
          (x) => `${showShard(x.r.shard as Shard)} (run ${x.r.run} on ${x.r.context.host}, ${x.r.context.cpu.model})`,
        )
        .join(", ")}`,
      ...(missing.length ? [`partial: shards ${missing.map((i) => `${i}/${count}`).join(", ")} missing`] : []),
    ],
  };
  delete result.shard;
  delete result.analysis;
  sortByGrid(result, suite.variantKey);
  return { result, warnings };
}
