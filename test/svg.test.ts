// Every chart kind renders to SVG that names its series, and rendering is deterministic.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FORMATS, renderAll } from "../src/report/index.js";
import { isGeometric, renderCharts, slug, stableIds } from "../src/report/svg.js";
import { fixture, NAME_KEYS, SUMMARY } from "./support/report-fixture.js";

const kinds: [string, string[]][] = [
  ["medians-ns-op", ["Median ns/op per entry", "op=walk/workers=1", "impl=wasm", "impl=ts", "impl=native"]],
  ["medians-ns-batch", ["Median ns/batch per entry", "op=floor/workers=2", "impl=wasm", "impl=ts"]],
  ["scaling-op-walk-workers", ["Scaling: op=walk", "impl=wasm", "impl=ts", "workers"]],
  ["growth-op-rmap-lookup-workers-1-mapcount", ["median vs mapcount", "impl=wasm", "impl=ts", "a + b·n"]],
  ["ratio-impl-ts", ["impl=ts / impl=wasm: median ratio", "1.70", "0.36 ~", "workers", "op"]],
  ["ratio-impl-native", ["impl=native / impl=wasm: median ratio", "0.83", "0.99 ~"]],
];

const escapeXml = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

test("every chart kind renders to SVG naming its series", async () => {
  const charts = await renderCharts(fixture(), NAME_KEYS);
  assert.deepEqual(
    charts.map((c) => c.name),
    kinds.map(([name]) => name),
  );
  for (const [name, texts] of kinds) {
    const c = charts.find((x) => x.name === name);
    assert.ok(c, name);
    assert.ok(c.svg.startsWith("<svg"), `${name} starts with <svg`);
    assert.ok(c.svg.trimEnd().endsWith("</svg>"), `${name} ends with </svg>`);
    assert.match(c.svg, /viewBox="0 0 \d+ \d+"/);
    for (const t of texts) assert.ok(c.svg.includes(escapeXml(t)), `${name} mentions "${t}"`);
  }
});

test("rendering twice gives identical SVG, with ids unique to each chart", async () => {
  const first = await renderCharts(fixture(), NAME_KEYS);
  const second = await renderCharts(fixture(), NAME_KEYS);
  assert.deepEqual(
    second.map((c) => c.svg),
    first.map((c) => c.svg),
  );
  for (const c of first) {
    for (const m of c.svg.matchAll(/\sid="([^"]+)"/g))
      assert.ok(m[1].startsWith(`${c.name}-`), `${c.name}: id ${m[1]}`);
    const urls = [...c.svg.matchAll(/https?:\/\/[^"'\s)]+/g)].map((m) => m[0]);
    assert.deepEqual([...new Set(urls)].sort(), ["http://www.w3.org/1999/xlink", "http://www.w3.org/2000/svg"]);
  }
});

test("a run without analysis or sweeps still gets its bar chart of medians", async () => {
  const r = fixture();
  delete r.analysis;
  r.benchmarks = r.benchmarks.slice(0, 1);
  const charts = await renderCharts(r, NAME_KEYS);
  assert.deepEqual(
    charts.map((c) => c.name),
    ["medians-ns-op"],
  );
  assert.ok(charts[0].svg.includes("op=walk/impl=wasm/workers=1"));
});

test("stableIds renames ids and their references in order", () => {
  const svg =
    '<svg><clipPath id="clip7"><rect/></clipPath><g clip-path="url(#clip7)"/><use href="#clip7"/><g id="x"/></svg>';
  assert.equal(
    stableIds(svg, "c"),
    '<svg><clipPath id="c-1"><rect/></clipPath><g clip-path="url(#c-1)"/><use href="#c-1"/><g id="c-2"/></svg>',
  );
});

test("geometric sweeps get a log axis, arithmetic ones do not", () => {
  assert.equal(isGeometric([1, 4, 16, 64]), true);
  assert.equal(isGeometric([64, 1, 16, 4, 4]), true);
  assert.equal(isGeometric([1, 2, 3, 4]), false);
  assert.equal(isGeometric([0, 10, 20]), false);
  assert.equal(isGeometric([1, 1024]), true);
  assert.equal(isGeometric([1, 2]), false);
  assert.equal(slug("ns/op"), "ns-op");
  assert.equal(slug("op=rmap_lookup/workers=1"), "op-rmap-lookup-workers-1");
});

test("renderAll names every output after the run", async () => {
  const r = fixture();
  const out = await renderAll(r, { nameKeys: NAME_KEYS, summary: SUMMARY }, FORMATS);
  assert.deepEqual(
    out.map((o) => o.file),
    [
      "20260101-000000Z.json",
      "20260101-000000Z.md",
      "20260101-000000Z.csv",
      "20260101-000000Z.txt",
      ...kinds.map(([name]) => `20260101-000000Z-${name}.svg`),
      "20260101-000000Z.html",
    ],
  );
  for (const o of out) assert.ok(o.text.endsWith("\n"), o.file);
  const only = await renderAll(r, { nameKeys: NAME_KEYS, summary: SUMMARY }, ["csv", "json", "csv"]);
  assert.deepEqual(
    only.map((o) => o.file),
    ["20260101-000000Z.csv", "20260101-000000Z.json"],
  );
});
