// The HTML report opens in headless Chromium with no console or page errors and shows its tables and charts.
// Skips, saying why, where there is no Chromium at /usr/bin/chromium (.ci/run installs Debian's); CHROMIUM_PATH
// overrides the path. RMAPBENCH_SCREENSHOT=FILE keeps a copy of the screenshot to look at.
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { renderAll } from "../src/report/index.js";
import { fixture, NAME_KEYS, SUMMARY } from "./support/report-fixture.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

test("the HTML report opens in headless Chromium and shows its tables and charts", async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`no Chromium at ${CHROMIUM}: install it with \`apt-get install chromium\` (.ci/run does)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "rmapbench-html-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const outputs = await renderAll(fixture(), { nameKeys: NAME_KEYS, summary: SUMMARY }, ["html", "svg"]);
  const html = outputs.find((o) => o.file.endsWith(".html"));
  assert.ok(html);
  const charts = outputs.filter((o) => o.file.endsWith(".svg")).length;
  assert.doesNotMatch(
    html.text,
    /<script|\s(?:src|href)="(?:https?:)?\/\//,
    "self-contained: no script, no external URL",
  );
  const file = join(dir, html.file);
  writeFileSync(file, html.text);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page: ${e.message}`));
  page.on("request", (req) => requests.push(req.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });

  assert.equal(await page.title(), "kernels: run 20260101-000000Z");
  // The main table and the analysis tables: 2 A/B (ns/op, ns/batch), scaling, growth, crossovers, A/A.
  assert.equal(await page.locator("table").count(), 7);
  const tables = page.locator("table");
  for (let i = 0; i < 7; i++) assert.ok(await tables.nth(i).isVisible(), `table ${i} visible`);
  await assert.doesNotReject(
    page.getByRole("cell", { name: "-64.00% [-66.1%, -61.8%]", exact: true }).waitFor({ state: "visible" }),
  );
  assert.equal(
    await page
      .locator("table", { hasText: "A/B (ns/op)" })
      .locator("tbody tr")
      .nth(0)
      .locator("td")
      .nth(3)
      .textContent(),
    "+70.00% (p=0.001 n=8)",
  );
  assert.equal(await page.locator("figure > svg").count(), charts);
  const svgs = page.locator("figure > svg");
  for (let i = 0; i < charts; i++) {
    const box = await svgs.nth(i).boundingBox();
    assert.ok(box && box.width > 100 && box.height > 80, `chart ${i} has a size: ${JSON.stringify(box)}`);
    assert.ok(await svgs.nth(i).isVisible(), `chart ${i} visible`);
  }
  await assert.doesNotReject(page.getByText("impl=ts / impl=wasm: median ratio").first().waitFor({ state: "visible" }));

  const png = join(dir, "report.png");
  await page.screenshot({ path: png, fullPage: true });
  assert.ok(statSync(png).size > 10_000, "a non-empty screenshot");
  if (process.env.RMAPBENCH_SCREENSHOT) copyFileSync(png, process.env.RMAPBENCH_SCREENSHOT);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:")),
    [],
    "no network request",
  );
});
