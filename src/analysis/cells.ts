// Grouping helpers for the analysis: which parameters make a cell, the
// variants of a run and its baseline, series along one swept parameter, and
// seeds derived from names so no result depends on iteration order.
import type { Params, Value } from "../options.js";
import type { Entry, RunResult } from "../result.js";
import { deriveSeed } from "../stats/index.js";

/** Parameters that only shape the sampling; never fitted against. */
export const HARNESS_PARAMS: readonly string[] = ["seed", "rounds", "iterations", "warmup"];

/** One measured entry placed in its cell. */
export interface Placed {
  entry: Entry;
  variant: string;
  /** The cell: the cell keys' values, in key order. */
  cell: Params;
  /** Canonical id of the cell. */
  cellId: string;
}

/** A run indexed by cell and variant. */
export interface View {
  variantKey: string;
  /** Parameters that make a cell, in order (never the variant key). */
  keys: string[];
  /** Distinct variant values, first-seen in the entries, then any listed in the run's params but never measured. */
  variants: string[];
  /** Every entry that has the variant key, first of each (cell, variant) only, in entry order. */
  placed: Placed[];
  /** Cell ids in first-seen entry order. */
  cells: string[];
  /** cellId -> variant -> placed entry. */
  byCell: Map<string, Map<string, Placed>>;
}

/**
 * The parameters that make a cell: the name keys without the variant key, then every other parameter that takes
 * more than one value among the entries (a sweep of a parameter that is not in the suite's name, such as kernels'
 * `mapcount`, would otherwise merge differently measured entries into one cell).
 */
export function cellKeys(entries: readonly Entry[], nameKeys: readonly string[], variantKey: string): string[] {
  const keys = nameKeys.filter((k) => k !== variantKey);
  const seen = new Set(keys);
  seen.add(variantKey);
  const values = new Map<string, Set<string>>();
  const order: string[] = [];
  for (const e of entries) {
    for (const [k, v] of Object.entries(e.params)) {
      if (seen.has(k)) continue;
      let s = values.get(k);
      if (!s) {
        s = new Set();
        values.set(k, s);
        order.push(k);
      }
      s.add(JSON.stringify(v));
    }
  }
  for (const k of order) {
    // A parameter missing from some entries also varies.
    const everywhere = entries.every((e) => k in e.params);
    if ((values.get(k)?.size ?? 0) > 1 || !everywhere) keys.push(k);
  }
  return keys;
}

/** The values of `keys` in `params`, in key order (missing keys are left out). */
export function pick(params: Params, keys: readonly string[]): Params {
  const out: Params = {};
  for (const k of keys) if (k in params) out[k] = params[k];
  return out;
}

/** A canonical id of a parameter set: independent of key order. */
export function idOf(params: Params): string {
  return JSON.stringify(
    Object.keys(params)
      .sort()
      .map((k) => [k, params[k]]),
  );
}

/** The distinct variants of a run: first-seen among the entries, then those only listed in `r.params`. */
export function variantsOf(r: RunResult, variantKey: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (v: Value | undefined) => {
    if (v === undefined) return;
    const s = String(v);
    if (!seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  };
  for (const e of r.benchmarks) add(e.params[variantKey]);
  for (const v of r.params[variantKey] ?? []) add(v);
  return out;
}

/** The baseline: `wanted` when given (it must be one of the variants), else the first variant. */
export function resolveBaseline(variants: readonly string[], wanted: string | undefined, variantKey: string): string {
  if (wanted === undefined) return variants[0] ?? "";
  // A run with no variants at all (everything failed) has nothing to check against.
  if (variants.length > 0 && !variants.includes(wanted)) {
    throw new Error(`unknown baseline ${variantKey}=${wanted}; valid values: ${variants.join(", ")}`);
  }
  return wanted;
}

/** Indexes a run's entries by cell and variant. */
export function buildView(r: RunResult, nameKeys: readonly string[], variantKey: string): View {
  const keys = cellKeys(r.benchmarks, nameKeys, variantKey);
  const view: View = {
    variantKey,
    keys,
    variants: variantsOf(r, variantKey),
    placed: [],
    cells: [],
    byCell: new Map(),
  };
  for (const entry of r.benchmarks) {
    const v = entry.params[variantKey];
    if (v === undefined) continue;
    const variant = String(v);
    const cell = pick(entry.params, keys);
    const cellId = idOf(cell);
    let row = view.byCell.get(cellId);
    if (!row) {
      row = new Map();
      view.byCell.set(cellId, row);
      view.cells.push(cellId);
    }
    // A repeated (cell, variant) keeps its first entry.
    if (row.has(variant)) continue;
    const placed = { entry, variant, cell, cellId };
    row.set(variant, placed);
    view.placed.push(placed);
  }
  return view;
}

/** The distinct finite numeric values of `key` among the placed entries, ascending. */
export function numericValues(view: View, key: string): number[] {
  const s = new Set<number>();
  for (const p of view.placed) {
    const v = p.entry.params[key];
    if (typeof v === "number" && Number.isFinite(v)) s.add(v);
  }
  return [...s].sort((a, b) => a - b);
}

/** Entries along one parameter `x`, for one cell without `x`, per variant (points ascending by x). */
export interface Series {
  /** The cell without `x`. */
  key: Params;
  byVariant: Map<string, { x: number; entry: Entry }[]>;
}

/** Groups the placed entries of `unit` by the cell without `x` (first-seen order); entries whose `x` is not a finite number are left out. */
export function seriesAlong(view: View, x: string, unit: string): Series[] {
  const rest = view.keys.filter((k) => k !== x);
  const groups = new Map<string, Series>();
  for (const p of view.placed) {
    if (p.entry.unit !== unit) continue;
    const xv = p.entry.params[x];
    if (typeof xv !== "number" || !Number.isFinite(xv)) continue;
    const key = pick(p.cell, rest);
    const id = idOf(key);
    let g = groups.get(id);
    if (!g) {
      g = { key, byVariant: new Map() };
      groups.set(id, g);
    }
    let pts = g.byVariant.get(p.variant);
    if (!pts) {
      pts = [];
      g.byVariant.set(p.variant, pts);
    }
    pts.push({ x: xv, entry: p.entry });
  }
  for (const g of groups.values()) for (const pts of g.byVariant.values()) pts.sort((a, b) => a.x - b.x);
  return [...groups.values()];
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seed derived from the run's seed and a name (what is computed, for which cell and variants). */
export function seedFor(seed: number, ...parts: string[]): number {
  return deriveSeed(seed, hash32(JSON.stringify(parts)));
}

/** Every sample is finite and > 0 (ratios, logs and 1/x are defined). */
export function allPositive(xs: readonly number[]): boolean {
  return xs.length > 0 && xs.every((x) => Number.isFinite(x) && x > 0);
}
