// SVG charts, drawn by vega-lite compiled to vega and rendered headless:
// - medians: a bar chart of the median of every entry, per unit (every run has it);
// - scaling: throughput vs workers/CPUs per variant, 95% error bars, the linear reference dashed;
// - growth: median vs a swept parameter per variant with the fitted curve, log x when the sweep is geometric;
// - ratio: a heatmap of each variant's median over the baseline's across two swept parameters.
// The output is deterministic: inline data only, no timestamps, and every element id is rewritten to
// "<chart>-<n>" so that ids are stable and unique when several charts share one HTML page.
import * as vega from "vega";
import * as vl from "vega-lite";
import type { Params } from "../options.js";
import type { RunResult } from "../result.js";
import { predict } from "../stats/fit.js";
import { cellLabel, findEntry, fmt } from "./table.js";

export interface Chart {
  /** File-name friendly: [a-z0-9.-]. */
  name: string;
  title: string;
  svg: string;
}

type Spec = vl.TopLevelSpec;
type Row = Record<string, string | number | boolean | null>;

const WIDTH = 520;
const HEIGHT = 300;

const base = {
  background: "white",
  padding: 8,
  config: {
    font: "sans-serif",
    view: { stroke: "#ddd" },
    axis: { labelFontSize: 11, titleFontSize: 12 },
    legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
    title: { fontSize: 14, subtitleFontSize: 11, anchor: "start" },
  },
} as const;

export function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, "-")
      .replace(/^-+|-+$/g, "") || "chart"
  );
}

/** Renders one vega-lite spec to SVG text with ids rewritten to `<prefix>-<n>`. */
export async function renderSpec(spec: Spec, prefix: string): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
  try {
    return stableIds(await view.toSVG(), prefix);
  } finally {
    view.finalize();
  }
}

/** Rewrites every id (and every reference to it) to `<prefix>-<n>` in order of appearance. */
export function stableIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (!ids.has(m[1])) ids.set(m[1], `${prefix}-${ids.size + 1}`);
  if (ids.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)(")/g, (_all, a: string, id: string, b: string) => `${a}${ids.get(id) ?? id}${b}`)
    .replace(/url\(#([^)]+)\)/g, (all, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : all))
    .replace(/(href=")#([^"]+)(")/g, (all, a: string, id: string, b: string) =>
      ids.has(id) ? `${a}#${ids.get(id)}${b}` : all,
    );
}

const keyText = (key: Params, nameKeys: string[]) => (Object.keys(key).length ? cellLabel(key, nameKeys) : "");

/** Whether positive x values form a geometric sweep (a constant ratio above 1 that is not also a constant step). */
export function isGeometric(xs: number[]): boolean {
  const v = [...new Set(xs)].sort((a, b) => a - b);
  if (v.length < 3 || v[0] <= 0) return v.length === 2 && v[0] > 0 && v[1] / v[0] >= 8;
  const r = v[1] / v[0];
  return r > 1 && v.every((x, i) => i === 0 || Math.abs(x / v[i - 1] / r - 1) < 1e-9);
}

function unitOf(r: RunResult): string {
  const units = [...new Set(r.benchmarks.map((e) => e.unit))];
  return units.length === 1 ? units[0] : "";
}

/** Bar chart of every entry's median, one chart per unit. */
function medianSpecs(r: RunResult, nameKeys: string[]): { name: string; title: string; spec: Spec }[] {
  const vk = r.analysis?.variantKey;
  const units = [...new Set(r.benchmarks.map((e) => e.unit))];
  return units.map((unit) => {
    const es = r.benchmarks.filter((e) => e.unit === unit);
    // A bar per (cell, variant): the cell is the name keys and any other parameter that varies among the entries.
    const varying = [...new Set(es.flatMap((e) => Object.keys(e.params)))].filter(
      (k) => !nameKeys.includes(k) && new Set(es.map((e) => String(e.params[k]))).size > 1,
    );
    const values: Row[] = es.map((e) => {
      const key: Params = {};
      for (const k of [...nameKeys, ...varying]) if (k !== vk && e.params[k] !== undefined) key[k] = e.params[k];
      return {
        cell: vk ? cellLabel(key, nameKeys) : e.name.replace(`${r.suite}/`, ""),
        variant: vk ? `${vk}=${e.params[vk]}` : "",
        median: e.stats.median,
        label: fmt(e.stats.median),
      };
    });
    const cells = [...new Set(values.map((v) => v.cell as string))];
    const variants = [...new Set(values.map((v) => v.variant as string))];
    const band = vk ? Math.max(12, 8 * variants.length) : 16;
    const title = `Median ${unit} per entry`;
    const enc = {
      y: { field: "cell", type: "nominal", sort: cells, title: null },
      // room right of the longest bar for its label
      x: {
        field: "median",
        type: "quantitative",
        title: `median (${unit})`,
        scale: { domain: [0, Math.max(...es.map((e) => e.stats.median)) * 1.12], nice: true },
      },
      ...(vk
        ? {
            yOffset: { field: "variant", type: "nominal", sort: variants },
            color: { field: "variant", type: "nominal", sort: variants, title: vk },
          }
        : {}),
    };
    const spec = {
      ...base,
      title: { text: title, subtitle: `${r.suite}, run ${r.run}` },
      width: WIDTH,
      height: { step: band },
      data: { values },
      layer: [
        { mark: { type: "bar" }, encoding: enc },
        {
          mark: { type: "text", align: "left", dx: 3, fontSize: 10 },
          encoding: { ...enc, text: { field: "label" }, color: { value: "#333" } },
        },
      ],
    } as unknown as Spec;
    return { name: `medians-${slug(unit)}`, title, spec };
  });
}

/** Throughput vs workers per variant, with error bars and the dashed linear reference. */
function scalingSpecs(r: RunResult, nameKeys: string[]): { name: string; title: string; spec: Spec }[] {
  const a = r.analysis;
  if (!a) return [];
  const groups = new Map<string, { key: Params; x: string; values: Row[] }>();
  for (const s of a.scaling) {
    const id = `${keyText(s.key, nameKeys)}\u0000${s.x}`;
    const g = groups.get(id) ?? { key: s.key, x: s.x, values: [] };
    for (const p of s.points)
      g.values.push({
        variant: `${a.variantKey}=${s.variant}`,
        x: p.x,
        throughput: p.throughput.estimate,
        lower: p.throughput.lower,
        upper: p.throughput.upper,
        linear: p.linear,
      });
    groups.set(id, g);
  }
  return [...groups.values()].map((g) => {
    const label = keyText(g.key, nameKeys);
    const variants = [...new Set(g.values.map((v) => v.variant as string))];
    const xs = [...new Set(g.values.map((v) => v.x as number))].sort((p, q) => p - q);
    const x = { field: "x", type: "quantitative", title: g.x, axis: { values: xs, format: "d" } };
    const color = { field: "variant", type: "nominal", sort: variants, title: a.variantKey };
    const y = (field: string) => ({ field, type: "quantitative", title: "ops/s", axis: { format: "~s" } });
    const title = `Scaling${label ? `: ${label}` : ""}`;
    const spec = {
      ...base,
      title: {
        text: title,
        subtitle: `throughput vs ${g.x}, 95% error bars; dashed: linear (throughput at ${g.x}=1 × ${g.x})`,
      },
      width: WIDTH,
      height: HEIGHT,
      data: { values: g.values },
      layer: [
        {
          mark: { type: "line", strokeDash: [5, 4], strokeWidth: 1.2, opacity: 0.7 },
          encoding: { x, y: y("linear"), color, detail: { field: "variant" } },
        },
        {
          mark: { type: "line", point: true },
          encoding: { x, y: y("throughput"), color },
        },
        {
          mark: { type: "errorbar", ticks: true },
          encoding: { x, y: y("lower"), y2: { field: "upper" }, color },
        },
      ],
    } as unknown as Spec;
    return { name: `scaling-${slug(label || "all")}-${slug(g.x)}`, title, spec };
  });
}

/** Median vs a swept parameter per variant with the fitted curve. */
function growthSpecs(r: RunResult, nameKeys: string[]): { name: string; title: string; spec: Spec }[] {
  const a = r.analysis;
  if (!a) return [];
  const groups = new Map<
    string,
    { key: Params; x: string; points: Row[]; curves: Row[]; models: string[]; units: Set<string> }
  >();
  for (const f of a.fits) {
    const id = `${keyText(f.key, nameKeys)}\u0000${f.x}`;
    const g = groups.get(id) ?? { key: f.key, x: f.x, points: [], curves: [], models: [], units: new Set() };
    const variant = `${a.variantKey}=${f.variant}`;
    const unit = findEntry(r, f.key, a.variantKey, f.variant)?.unit;
    if (unit) g.units.add(unit);
    for (const p of f.points) g.points.push({ variant, x: p.x, median: p.median });
    const xs = f.points.map((p) => p.x);
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    const geometric = isGeometric(xs);
    const steps = 48;
    for (let i = 0; i <= steps; i++) {
      const t = i / steps;
      const x = geometric ? lo * (hi / lo) ** t : lo + (hi - lo) * t;
      g.curves.push({ variant, x, fit: predict(f, x) });
    }
    g.models.push(`${variant}: ${f.model === "1" ? "a" : `a + b·${f.model}`} (r² ${f.r2.toFixed(3)})`);
    groups.set(id, g);
  }
  return [...groups.values()].map((g) => {
    const label = keyText(g.key, nameKeys);
    const variants = [...new Set(g.points.map((v) => v.variant as string))];
    const log = isGeometric(g.points.map((p) => p.x as number));
    const xs = [...new Set(g.points.map((v) => v.x as number))].sort((p, q) => p - q);
    const x = {
      field: "x",
      type: "quantitative",
      title: g.x,
      scale: log ? { type: "log", base: 2 } : { zero: false },
      axis: { values: xs, format: "~s" },
    };
    const color = { field: "variant", type: "nominal", sort: variants, title: a.variantKey };
    const unit = g.units.size === 1 ? [...g.units][0] : unitOf(r);
    const title = `Growth${label ? `: ${label}` : ""}, median vs ${g.x}`;
    const spec = {
      ...base,
      title: { text: title, subtitle: g.models },
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          data: { values: g.curves },
          mark: { type: "line", strokeWidth: 1.5 },
          encoding: { x, y: { field: "fit", type: "quantitative" }, color },
        },
        {
          data: { values: g.points },
          mark: { type: "point", filled: true, size: 50 },
          encoding: {
            x,
            y: { field: "median", type: "quantitative", title: unit ? `median (${unit})` : "median" },
            color,
          },
        },
      ],
    } as unknown as Spec;
    return { name: `growth-${slug(label || "all")}-${slug(g.x)}`, title, spec };
  });
}

/** Heatmaps of median(variant)/median(baseline) over the two last swept parameters of the cells. */
function ratioSpecs(r: RunResult, nameKeys: string[]): { name: string; title: string; spec: Spec }[] {
  const a = r.analysis;
  if (!a || a.comparisons.length === 0) return [];
  const vk = a.variantKey;
  const present = new Set(a.comparisons.flatMap((c) => Object.keys(c.key)));
  const swept = [...nameKeys, ...[...present].filter((k) => !nameKeys.includes(k))].filter(
    (k) => k !== vk && present.has(k) && new Set(a.comparisons.map((c) => String(c.key[k]))).size > 1,
  );
  if (swept.length < 2) return [];
  const xk = swept[swept.length - 1];
  const yk = swept[swept.length - 2];
  const rest = swept.slice(0, -2);
  const order = (k: string) => {
    const listed = (r.params[k] ?? []).map(String);
    const seen = [...new Set(a.comparisons.map((c) => String(c.key[k])))];
    return [...listed.filter((v) => seen.includes(v)), ...seen.filter((v) => !listed.includes(v))];
  };
  const groups = new Map<string, { other: string; restLabel: string; values: Row[] }>();
  for (const c of a.comparisons) {
    const restKey: Params = {};
    for (const k of rest) restKey[k] = c.key[k];
    const restLabel = rest.length ? cellLabel(restKey, nameKeys) : "";
    const id = `${c.other}\u0000${restLabel}`;
    const g = groups.get(id) ?? { other: c.other, restLabel, values: [] };
    g.values.push({
      x: String(c.key[xk]),
      y: String(c.key[yk]),
      ratio: c.ratio.estimate,
      label: `${c.ratio.estimate.toFixed(2)}${c.mark === "~" ? " ~" : ""}`,
    });
    groups.set(id, g);
  }
  return [...groups.values()].map((g) => {
    const title = `${vk}=${g.other} / ${vk}=${a.baseline}: median ratio${g.restLabel ? `, ${g.restLabel}` : ""}`;
    const ratios = g.values.map((v) => v.ratio as number).filter((v) => v > 0);
    const span = Math.max(1.05, ...ratios.map((v) => Math.max(v, 1 / v)));
    const spec = {
      ...base,
      title: { text: title, subtitle: "below 1: faster than the baseline; ~: not significant" },
      width: { step: 64 },
      height: { step: 32 },
      data: { values: g.values },
      encoding: {
        x: { field: "x", type: "ordinal", sort: order(xk), title: xk, axis: { labelAngle: 0 } },
        y: { field: "y", type: "ordinal", sort: order(yk), title: yk },
      },
      layer: [
        {
          mark: { type: "rect" },
          encoding: {
            color: {
              field: "ratio",
              type: "quantitative",
              title: "ratio",
              scale: { type: "log", scheme: "redblue", reverse: true, domain: [1 / span, span], domainMid: 1 },
              legend: { format: ".2~f" },
            },
          },
        },
        {
          mark: { type: "text", fontSize: 11 },
          encoding: {
            text: { field: "label" },
            // white on the darkest cells (beyond 60% of the color scale's half-range, in log space)
            color: {
              condition: { test: `abs(log(datum.ratio)) > ${0.6 * Math.log(span)}`, value: "white" },
              value: "black",
            },
          },
        },
      ],
    } as unknown as Spec;
    return { name: `ratio-${slug(`${vk}-${g.other}`)}${g.restLabel ? `-${slug(g.restLabel)}` : ""}`, title, spec };
  });
}

/** Every chart of a run, in reading order: medians, scaling, growth, ratio heatmaps. */
export async function renderCharts(r: RunResult, nameKeys: string[]): Promise<Chart[]> {
  const specs = [
    ...medianSpecs(r, nameKeys),
    ...scalingSpecs(r, nameKeys),
    ...growthSpecs(r, nameKeys),
    ...ratioSpecs(r, nameKeys),
  ];
  const used = new Map<string, number>();
  const out: Chart[] = [];
  for (const s of specs) {
    const n = (used.get(s.name) ?? 0) + 1;
    used.set(s.name, n);
    const name = n === 1 ? s.name : `${s.name}-${n}`;
    out.push({ name, title: s.title, svg: await renderSpec(s.spec, name) });
  }
  return out;
}
