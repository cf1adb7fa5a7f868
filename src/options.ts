// Suite parameters: one schema per suite (types, ranges, defaults, docs), and
// the `--set key=value` parser with sweeps: `a,b,c`, `lo..hi*f` (geometric),
// `lo..hi+s` (arithmetic). The grid is the product of every swept parameter.
import { z } from "zod";
import { UsageError } from "./errors.js";

export type Value = string | number | boolean;

export interface Param<T extends Value = Value> {
  /** Validates one value; zod's coercion turns the CLI string into T. */
  schema: z.ZodType<T>;
  /** One value or a sweep. */
  default: T | T[];
  doc: string;
  /** How to write a valid value, for error messages. */
  hint: string;
}

export type ParamSchema = Record<string, Param>;
export type Params = Record<string, Value>;

export const int = (doc: string, def: number | number[], min = 0, max = Number.MAX_SAFE_INTEGER): Param<number> => ({
  schema: z.coerce
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(min, { error: `must be >= ${min}` })
    .max(max, { error: `must be <= ${max}` }),
  default: def,
  doc,
  hint: `a whole number from ${min} to ${max}`,
});

export const num = (doc: string, def: number | number[], min = 0, max = Number.MAX_VALUE): Param<number> => ({
  schema: z.coerce
    .number({ error: "must be a number" })
    .min(min, { error: `must be >= ${min}` })
    .max(max, { error: `must be <= ${max}` }),
  default: def,
  doc,
  hint: `a number from ${min} to ${max}`,
});

export const oneOf = <T extends string>(doc: string, values: readonly T[], def: T | T[]): Param<T> => ({
  schema: z.enum(values as unknown as [T, ...T[]], { error: `must be one of ${values.join(", ")}` }),
  default: def,
  doc,
  hint: values.join(" | "),
});

/** One assignment of a parameter, from `--set` or a config file; `where` names it in error messages. */
export interface SetItem {
  key: string;
  /** A string is expanded (lists, ranges); an array lists the values themselves (strings in it may be ranges). */
  value: Value | Value[];
  where: string;
}

/** Parses one `--set key=value` argument into an assignment. */
export function setItem(set: string): SetItem {
  const eq = set.indexOf("=");
  if (eq <= 0) throw new UsageError(`--set ${set}: expected key=value, e.g. --set workers=2`);
  return { key: set.slice(0, eq).trim(), value: set.slice(eq + 1).trim(), where: `--set ${set}` };
}

/** Parses `--set` arguments against a schema: key -> list of values (a sweep when longer than one). */
export function parseSets(schema: ParamSchema, sets: string[], suite: string): Record<string, Value[]> {
  return applySets(schema, sets.map(setItem), suite);
}

/** The schema's defaults with the assignments applied in order (a later one replaces an earlier one's key). */
export function applySets(schema: ParamSchema, items: SetItem[], suite: string): Record<string, Value[]> {
  const out: Record<string, Value[]> = {};
  for (const [k, p] of Object.entries(schema)) out[k] = Array.isArray(p.default) ? [...p.default] : [p.default];
  for (const { key, value, where } of items) {
    const p = schema[key];
    if (!p) {
      throw new UsageError(
        `${where}: suite ${suite} has no parameter "${key}"; its parameters are ${Object.keys(schema).join(", ")} (see \`rmapbench list\`)`,
      );
    }
    const raw = Array.isArray(value) ? value : [value];
    if (raw.length === 0) throw new UsageError(`${where}: empty list`);
    const values = raw
      .flatMap((v): Value[] => (typeof v === "string" ? expand(v.trim(), where) : [v]))
      .map((v) => check(p, key, v, where));
    const twice = values.find((v, i) => values.indexOf(v) !== i);
    if (twice !== undefined) throw new UsageError(`${where}: ${key} lists ${JSON.stringify(twice)} twice`);
    out[key] = values;
  }
  return out;
}

/** Checks one value against its parameter, with a message that names the field and the fix. */
export function check(p: Param, key: string, v: Value, where: string): Value {
  const r = p.schema.safeParse(v);
  if (!r.success) {
    const why = r.error.issues[0]?.message ?? "is invalid";
    throw new UsageError(`${where}: ${key} ${why} (got ${JSON.stringify(v)}); use ${p.hint}`);
  }
  return r.data as Value;
}

const RANGE = /^(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)(?:([*+])(\d+(?:\.\d+)?))?$/;

/** Expands one `--set` value into its sweep. */
export function expand(raw: string, where: string): string[] {
  if (raw === "") throw new UsageError(`${where}: empty value`);
  const m = RANGE.exec(raw);
  if (!m) {
    if (raw.includes("..")) {
      throw new UsageError(`${where}: malformed range; write lo..hi (step 1), lo..hi*factor or lo..hi+step`);
    }
    return raw.split(",").map((s) => s.trim());
  }
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  const op = m[3] ?? "+";
  const step = m[4] === undefined ? 1 : Number(m[4]);
  if (hi < lo) throw new UsageError(`${where}: range end ${hi} is below its start ${lo}`);
  if (op === "*" && (step <= 1 || lo <= 0)) {
    throw new UsageError(`${where}: a geometric range needs a start > 0 and a factor > 1, e.g. 1..1024*2`);
  }
  if (op === "+" && step <= 0) throw new UsageError(`${where}: an arithmetic range needs a step > 0, e.g. 0..100+10`);
  const values: string[] = [];
  for (let x = lo; x <= hi * (1 + 1e-12); x = op === "*" ? x * step : x + step) {
    values.push(String(Number(x.toPrecision(12))));
    if (values.length > 100_000) throw new UsageError(`${where}: the range has more than 100000 values`);
  }
  return values;
}

/** The cartesian product of the sweeps, in schema order, the last key varying fastest. */
export function grid(sweeps: Record<string, Value[]>): Params[] {
  let cells: Params[] = [{}];
  for (const [k, values] of Object.entries(sweeps)) {
    cells = cells.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
  }
  return cells;
}

/**
 * The parameters that name a run's entries: the suite's name keys, then every other parameter the run sweeps
 * (so `--set mapcount=1..64*2` gives entries that differ by name, not only by params).
 */
export function runNameKeys(nameKeys: string[], sweeps: Record<string, Value[]>): string[] {
  return [...nameKeys, ...Object.keys(sweeps).filter((k) => !nameKeys.includes(k) && sweeps[k].length > 1)];
}

/** Go sub-benchmark style name: `suite/k=v/k=v`. */
export function benchName(suite: string, params: Params, keys: string[]): string {
  return [suite, ...keys.map((k) => `${k}=${params[k]}`)].join("/");
}
