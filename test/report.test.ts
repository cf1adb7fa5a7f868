// Exact-text tests of every text reporter on a hand-built run (test/support/report-fixture.ts), the JSON round trip,
// the Go benchmark format validator against proposal 14313's own examples, and CSV quoting.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { csvField, csvReport } from "../src/report/csv.js";
import { goName, goTextReport, parseGoBench } from "../src/report/gotext.js";
import { jsonReport } from "../src/report/json.js";
import { markdownReport } from "../src/report/markdown.js";
import { medianInterval, pct, ratioChange } from "../src/report/table.js";
import { textReport } from "../src/report/text.js";
import type { RunResult } from "../src/result.js";
import { fixture, NAME_KEYS, SUMMARY } from "./support/report-fixture.js";

const lines = (...ls: string[]) => `${ls.join("\n")}\n`;
const crlf = (...ls: string[]) => `${ls.join("\r\n")}\r\n`;
const fixtureText = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8");

const TEXT = lines(
  "op     impl    workers  unit      median  ±rme    p99  n  checksum            counters/op",
  "-----  ------  -------  --------  ------  ----  -----  -  ------------------  -----------",
  "walk   wasm    1        ns/op       3.50  0.6%   3.53  8  0x00000000deadbeef  levels=4",
  "walk   ts      1        ns/op       5.96  0.6%   6.01  8  0x00000000deadbeef  levels=4",
  "walk   native  1        ns/op       2.90  0.6%   2.93  8  0x00000000deadbeef  levels=4",
  "walk   wasm    2        ns/op       1.81  0.6%   1.83  8  0x00000000deadbeef  levels=4",
  "walk   ts      2        ns/op       3.06  0.6%   3.09  8  0x00000000deadbeef  levels=4",
  "walk   native  2        ns/op       1.79  0.6%   1.81  8  0x00000000deadbeef  levels=4",
  "floor  wasm    1        ns/batch     412  2.0%    418  4  0x0000000000000000",
  "floor  ts      1        ns/batch     420  2.0%    426  4  0x0000000000000000",
  "floor  wasm    2        ns/batch   52.4k  2.0%  53.1k  4  0x0000000000000000",
  "floor  ts      2        ns/batch   18.9k  2.0%  19.2k  4  0x0000000000000000",
  "",
  "A/B (ns/op): impl vs impl=wasm",
  "cell                 impl=wasm      impl=ts                vs base  impl=native                   vs base",
  "-----------------  -----------  -----------  ---------------------  -----------  ------------------------",
  "op=walk/workers=1  3.50 ± 1.1%  5.96 ± 1.1%  +70.00% (p=0.001 n=8)  2.90 ± 1.1%     -17.00% (p=0.001 n=8)",
  "op=walk/workers=2  1.81 ± 1.1%  3.06 ± 1.1%  +69.00% (p=0.001 n=8)  1.79 ± 1.1%           ~ (p=0.820 n=8)",
  "geomean                   2.52         4.27                +69.50%         2.28  -64.00% [-66.1%, -61.8%]",
  "median ± half-width of its 95% interval; vs base: change of the median, Mann-Whitney U p-value (Holm-adjusted over 6 comparisons), ~ = not significant after adjustment at α=0.05; geomean interval: 95%.",
  "geomean of impl=ts over all 4 cells (every unit): +2.34% [-1.9%, +6.6%]",
  "",
  "A/B (ns/batch): impl vs impl=wasm",
  "cell                impl=wasm    impl=ts          vs base",
  "------------------  ---------  ---------  ---------------",
  "op=floor/workers=1    412 ± ∞    420 ± ∞  ~ (p=1.000 n=4)",
  "op=floor/workers=2  52.4k ± ∞  18.9k ± ∞  ~ (p=0.114 n=4)",
  "geomean                  4645       2817          -39.40%",
  "median ± half-width of its 95% interval; vs base: change of the median, Mann-Whitney U p-value (Holm-adjusted over 6 comparisons), ~ = not significant after adjustment at α=0.05; geomean interval: 95%.",
  "op=floor/workers=1 impl=ts: n=4 samples: the U test cannot reach p < 0.05 with fewer than 4 samples per side at this α",
  "geomean of impl=ts over all 4 cells (every unit): +2.34% [-1.9%, +6.6%]",
  "± ∞: fewer than 6 samples, too few for a 95% interval of the median.",
  "",
  "Scaling: op=walk, throughput vs workers",
  "impl  workers  ops/s (95% CI)              speedup           efficiency  linear ops/s",
  "----  -------  --------------  -------------------  -------------------  ------------",
  "wasm        1     286M ± 1.0%    1.00 [1.00, 1.00]    100% [100%, 100%]          286M",
  "wasm        2     552M ± 2.6%    1.93 [1.88, 1.97]       97% [94%, 99%]          572M",
  "ts          1     168M ± 1.0%    1.00 [1.00, 1.00]    100% [100%, 100%]          168M",
  "ts          2     343M ± 2.9%  2.04 [1.99, 2.10] †  102% [100%, 105%] †          336M",
  "speedup = throughput / throughput at workers=1; efficiency = speedup / workers; linear = throughput at workers=1 × workers; intervals 95%.",
  "† superlinear: speedup above workers.",
  "",
  "Growth: cost = a + b·f(x)",
  "cell                      impl  x         model       a         b [95% CI]     r²  grows",
  "------------------------  ----  --------  -------  ----  -----------------  -----  -----",
  "op=rmap_lookup/workers=1  wasm  mapcount  a + b·n  12.5  3.25 [3.10, 3.40]  0.999  yes",
  "op=rmap_lookup/workers=1  ts    mapcount  a        80.2                  —  0.000  no",
  "model chosen by AICc among a, a + b·log n, a + b·n, a + b·n log n, a + b·n²; log is natural; grows = not constant and the interval of b lies above 0.",
  "",
  "Crossovers",
  "cell                      x         impl a  impl b  crossover",
  "------------------------  --------  ------  ------  ------------------------------------",
  "op=rmap_lookup/workers=1  mapcount  wasm    ts      b faster than a from mapcount ≈ 21.5",
  "op=walk/workers=1         mapcount  wasm    native  none in the swept range",
  "",
  "A/A: false positives on this machine",
  "   α  tests  significant  rate",
  "----  -----  -----------  ----",
  "0.05     40            3  7.5%",
  "every variant is the baseline run against itself; about 5% is expected.",
  "",
  "skipped 2 (no C compiler): kernels/op=floor/impl=native/workers=1, kernels/op=floor/impl=native/workers=2",
  "walk: wasm/native 1.21x (target <= 1.25x), ts/wasm 1.70x",
);
const MARKDOWN = lines(
  "# kernels: run 20260101-000000Z",
  "",
  "Command: `rmapbench run kernels --set op=walk,floor --set impl=wasm,ts,native`",
  "",
  "Machine: Example CPU @ 3.00GHz, 2 cores; Linux 6.1.0 x64; Node v20.19.0 (V8 11.3.244.8-node.23); commit 0123456789ab; 2026-01-01T00:00:00.000Z.",
  "",
  "| op | impl | workers | unit | median | ±rme | p99 | n | checksum | counters/op |",
  "|---|---|---|---|---:|---:|---:|---:|---|---|",
  "| walk | wasm | 1 | ns/op | 3.50 | 0.6% | 3.53 | 8 | 0x00000000deadbeef | levels=4 |",
  "| walk | ts | 1 | ns/op | 5.96 | 0.6% | 6.01 | 8 | 0x00000000deadbeef | levels=4 |",
  "| walk | native | 1 | ns/op | 2.90 | 0.6% | 2.93 | 8 | 0x00000000deadbeef | levels=4 |",
  "| walk | wasm | 2 | ns/op | 1.81 | 0.6% | 1.83 | 8 | 0x00000000deadbeef | levels=4 |",
  "| walk | ts | 2 | ns/op | 3.06 | 0.6% | 3.09 | 8 | 0x00000000deadbeef | levels=4 |",
  "| walk | native | 2 | ns/op | 1.79 | 0.6% | 1.81 | 8 | 0x00000000deadbeef | levels=4 |",
  "| floor | wasm | 1 | ns/batch | 412 | 2.0% | 418 | 4 | 0x0000000000000000 |  |",
  "| floor | ts | 1 | ns/batch | 420 | 2.0% | 426 | 4 | 0x0000000000000000 |  |",
  "| floor | wasm | 2 | ns/batch | 52.4k | 2.0% | 53.1k | 4 | 0x0000000000000000 |  |",
  "| floor | ts | 2 | ns/batch | 18.9k | 2.0% | 19.2k | 4 | 0x0000000000000000 |  |",
  "",
  "- walk: wasm/native 1.21x (target <= 1.25x), ts/wasm 1.70x",
  "",
  "## A/B (ns/op): impl vs impl=wasm",
  "",
  "| cell | impl=wasm | impl=ts | vs base | impl=native | vs base |",
  "|---|---:|---:|---:|---:|---:|",
  "| op=walk/workers=1 | 3.50 ± 1.1% | 5.96 ± 1.1% | +70.00% (p=0.001 n=8) | 2.90 ± 1.1% | -17.00% (p=0.001 n=8) |",
  "| op=walk/workers=2 | 1.81 ± 1.1% | 3.06 ± 1.1% | +69.00% (p=0.001 n=8) | 1.79 ± 1.1% | ~ (p=0.820 n=8) |",
  "| geomean | 2.52 | 4.27 | +69.50% | 2.28 | -64.00% [-66.1%, -61.8%] |",
  "",
  "- median ± half-width of its 95% interval; vs base: change of the median, Mann-Whitney U p-value (Holm-adjusted over 6 comparisons), ~ = not significant after adjustment at α=0.05; geomean interval: 95%.",
  "- geomean of impl=ts over all 4 cells (every unit): +2.34% [-1.9%, +6.6%]",
  "",
  "## A/B (ns/batch): impl vs impl=wasm",
  "",
  "| cell | impl=wasm | impl=ts | vs base |",
  "|---|---:|---:|---:|",
  "| op=floor/workers=1 | 412 ± ∞ | 420 ± ∞ | ~ (p=1.000 n=4) |",
  "| op=floor/workers=2 | 52.4k ± ∞ | 18.9k ± ∞ | ~ (p=0.114 n=4) |",
  "| geomean | 4645 | 2817 | -39.40% |",
  "",
  "- median ± half-width of its 95% interval; vs base: change of the median, Mann-Whitney U p-value (Holm-adjusted over 6 comparisons), ~ = not significant after adjustment at α=0.05; geomean interval: 95%.",
  "- op=floor/workers=1 impl=ts: n=4 samples: the U test cannot reach p < 0.05 with fewer than 4 samples per side at this α",
  "- geomean of impl=ts over all 4 cells (every unit): +2.34% [-1.9%, +6.6%]",
  "- ± ∞: fewer than 6 samples, too few for a 95% interval of the median.",
  "",
  "## Scaling: op=walk, throughput vs workers",
  "",
  "| impl | workers | ops/s (95% CI) | speedup | efficiency | linear ops/s |",
  "|---|---:|---:|---:|---:|---:|",
  "| wasm | 1 | 286M ± 1.0% | 1.00 [1.00, 1.00] | 100% [100%, 100%] | 286M |",
  "| wasm | 2 | 552M ± 2.6% | 1.93 [1.88, 1.97] | 97% [94%, 99%] | 572M |",
  "| ts | 1 | 168M ± 1.0% | 1.00 [1.00, 1.00] | 100% [100%, 100%] | 168M |",
  "| ts | 2 | 343M ± 2.9% | 2.04 [1.99, 2.10] † | 102% [100%, 105%] † | 336M |",
  "",
  "- speedup = throughput / throughput at workers=1; efficiency = speedup / workers; linear = throughput at workers=1 × workers; intervals 95%.",
  "- † superlinear: speedup above workers.",
  "",
  "## Growth: cost = a + b·f(x)",
  "",
  "| cell | impl | x | model | a | b [95% CI] | r² | grows |",
  "|---|---|---|---|---:|---:|---:|---|",
  "| op=rmap_lookup/workers=1 | wasm | mapcount | a + b·n | 12.5 | 3.25 [3.10, 3.40] | 0.999 | yes |",
  "| op=rmap_lookup/workers=1 | ts | mapcount | a | 80.2 | — | 0.000 | no |",
  "",
  "- model chosen by AICc among a, a + b·log n, a + b·n, a + b·n log n, a + b·n²; log is natural; grows = not constant and the interval of b lies above 0.",
  "",
  "## Crossovers",
  "",
  "| cell | x | impl a | impl b | crossover |",
  "|---|---|---|---|---|",
  "| op=rmap_lookup/workers=1 | mapcount | wasm | ts | b faster than a from mapcount ≈ 21.5 |",
  "| op=walk/workers=1 | mapcount | wasm | native | none in the swept range |",
  "",
  "## A/A: false positives on this machine",
  "",
  "| α | tests | significant | rate |",
  "|---:|---:|---:|---:|",
  "| 0.05 | 40 | 3 | 7.5% |",
  "",
  "- every variant is the baseline run against itself; about 5% is expected.",
  "",
  "- skipped 2 (no C compiler): kernels/op=floor/impl=native/workers=1, kernels/op=floor/impl=native/workers=2",
  "- kernels workload: 384 MiB, built in 1.20 s",
);
const CSV = crlf(
  "name,unit,median,mean,p99,min,max,rme,samples,checksum,parameter_op,parameter_impl,parameter_workers,parameter_regions,parameter_seed,parameter_rounds,parameter_iterations,counter_levels",
  "kernels/op=walk/impl=wasm/workers=1,ns/op,3.504375,3.50328125,3.5343875000000002,3.465,3.535,0.5573687668170961,8,0x00000000deadbeef,walk,wasm,1,64,1,2,4,4",
  "kernels/op=walk/impl=ts/workers=1,ns/op,5.95744,5.95558,6.0084591,5.8905,6.0095,0.557375635742134,8,0x00000000deadbeef,walk,ts,1,64,1,2,4,4",
  "kernels/op=walk/impl=native/workers=1,ns/op,2.903625,2.90271875,2.9284925,2.871,2.929,0.5573687668170922,8,0x00000000deadbeef,walk,native,1,64,1,2,4,4",
  "kernels/op=walk/impl=wasm/workers=2,ns/op,1.81226,1.8116975,1.8277836,1.7919,1.8281,0.5573763118516766,8,0x00000000deadbeef,walk,wasm,2,64,1,2,4,4",
  "kernels/op=walk/impl=ts/workers=2,ns/op,3.063825,3.06286875,3.0900645,3.0294,3.0906,0.5573687668170928,8,0x00000000deadbeef,walk,ts,2,64,1,2,4,4",
  "kernels/op=walk/impl=native/workers=2,ns/op,1.79224,1.79168,1.8075871000000001,1.7721,1.8079,0.5573916080609825,8,0x00000000deadbeef,walk,native,2,64,1,2,4,4",
  "kernels/op=floor/impl=wasm/workers=1,ns/batch,412.05,412.05,418.077,405.9,418.2,2.044040056478132,4,0x0000000000000000,floor,wasm,1,64,1,2,4,",
  "kernels/op=floor/impl=ts/workers=1,ns/batch,420.09000000000003,420.09000000000003,426.2346,413.82,426.36,2.044040056478131,4,0x0000000000000000,floor,ts,1,64,1,2,4,",
  "kernels/op=floor/impl=wasm/workers=2,ns/batch,52360.5,52360.5,53126.37,51579,53142,2.0440400564781305,4,0x0000000000000000,floor,wasm,2,64,1,2,4,",
  "kernels/op=floor/impl=ts/workers=2,ns/batch,18894,18894,19170.36,18612,19176,2.0440400564781305,4,0x0000000000000000,floor,ts,2,64,1,2,4,",
);
const GO_TEXT = lines(
  "goos: linux",
  "goarch: amd64",
  "cpu: Example CPU @ 3.00GHz",
  "cpu-count: 2",
  "runtime: node v20.19.0",
  "v8: 11.3.244.8-node.23",
  "harness: rmapbench",
  "build: release",
  "# suite: kernels",
  "# run: 20260101-000000Z",
  "# commit: 0123456789abcdef0123456789abcdef01234567",
  "# date: 2026-01-01T00:00:00.000Z",
  "# command: rmapbench run kernels --set op=walk,floor --set impl=wasm,ts,native",
  "# packages: tinybench 6.2.5, piscina 5.3.2",
  "# one line per sample (one batch); the iteration field is 1 because a batch's op count is not stored",
  "",
  "Unit ns/op better=lower assume=nothing",
  "Unit ns/batch better=lower assume=nothing",
  "Unit levels/op better=lower assume=exact",
  "",
  "BenchmarkKernels/op=walk/impl=wasm/workers=1  \t1\t3.5 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=1  \t1\t3.5175 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=1  \t1\t3.4825 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=1  \t1\t3.535 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=1  \t1\t3.465 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=1  \t1\t3.50875 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=1  \t1\t3.49125 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=1  \t1\t3.52625 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=1    \t1\t5.95 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=1    \t1\t5.97975 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=1    \t1\t5.92025 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=1    \t1\t6.0095 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=1    \t1\t5.8905 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=1    \t1\t5.96488 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=1    \t1\t5.93513 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=1    \t1\t5.99463 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=1\t1\t2.9 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=1\t1\t2.9145 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=1\t1\t2.8855 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=1\t1\t2.929 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=1\t1\t2.871 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=1\t1\t2.90725 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=1\t1\t2.89275 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=1\t1\t2.92175 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=2  \t1\t1.81 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=2  \t1\t1.81905 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=2  \t1\t1.80095 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=2  \t1\t1.8281 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=2  \t1\t1.7919 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=2  \t1\t1.81452 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=2  \t1\t1.80548 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=wasm/workers=2  \t1\t1.82358 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=2    \t1\t3.06 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=2    \t1\t3.0753 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=2    \t1\t3.0447 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=2    \t1\t3.0906 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=2    \t1\t3.0294 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=2    \t1\t3.06765 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=2    \t1\t3.05235 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=ts/workers=2    \t1\t3.08295 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=2\t1\t1.79 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=2\t1\t1.79895 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=2\t1\t1.78105 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=2\t1\t1.8079 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=2\t1\t1.7721 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=2\t1\t1.79448 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=2\t1\t1.78553 ns/op\t4 levels/op",
  "BenchmarkKernels/op=walk/impl=native/workers=2\t1\t1.80343 ns/op\t4 levels/op",
  "BenchmarkKernels/op=floor/impl=wasm/workers=1 \t1\t410 ns/batch",
  "BenchmarkKernels/op=floor/impl=wasm/workers=1 \t1\t414.1 ns/batch",
  "BenchmarkKernels/op=floor/impl=wasm/workers=1 \t1\t405.9 ns/batch",
  "BenchmarkKernels/op=floor/impl=wasm/workers=1 \t1\t418.2 ns/batch",
  "BenchmarkKernels/op=floor/impl=ts/workers=1   \t1\t418 ns/batch",
  "BenchmarkKernels/op=floor/impl=ts/workers=1   \t1\t422.18 ns/batch",
  "BenchmarkKernels/op=floor/impl=ts/workers=1   \t1\t413.82 ns/batch",
  "BenchmarkKernels/op=floor/impl=ts/workers=1   \t1\t426.36 ns/batch",
  "BenchmarkKernels/op=floor/impl=wasm/workers=2 \t1\t52100 ns/batch",
  "BenchmarkKernels/op=floor/impl=wasm/workers=2 \t1\t52621 ns/batch",
  "BenchmarkKernels/op=floor/impl=wasm/workers=2 \t1\t51579 ns/batch",
  "BenchmarkKernels/op=floor/impl=wasm/workers=2 \t1\t53142 ns/batch",
  "BenchmarkKernels/op=floor/impl=ts/workers=2   \t1\t18800 ns/batch",
  "BenchmarkKernels/op=floor/impl=ts/workers=2   \t1\t18988 ns/batch",
  "BenchmarkKernels/op=floor/impl=ts/workers=2   \t1\t18612 ns/batch",
  "BenchmarkKernels/op=floor/impl=ts/workers=2   \t1\t19176 ns/batch",
  "# skipped kernels/op=floor/impl=native/workers=1: no C compiler",
  "# skipped kernels/op=floor/impl=native/workers=2: no C compiler",
);

test("text: the main table, every analysis table with its notes, then skips and the summary", () => {
  assert.equal(textReport(fixture(), NAME_KEYS, SUMMARY), TEXT);
});

test("markdown: the header (command, machine), the main table, the summary, every analysis table, the notes", () => {
  assert.equal(markdownReport(fixture(), NAME_KEYS, SUMMARY), MARKDOWN);
});

test("csv: hyperfine-like columns, one row per entry, full precision, CRLF", () => {
  assert.equal(csvReport(fixture()), CSV);
});

test("go text: configuration, unit metadata, one line per sample", () => {
  assert.equal(goTextReport(fixture()), GO_TEXT);
});

test("json: the result round-trips unchanged", () => {
  const r = fixture();
  const text = jsonReport(r);
  assert.deepEqual(JSON.parse(text), r);
  assert.equal(jsonReport(JSON.parse(text) as RunResult), text);
});

test("go text passes the format's rules and carries every sample", () => {
  const r = fixture();
  const p = parseGoBench(goTextReport(r));
  assert.deepEqual(p.errors, []);
  assert.equal(
    p.results.length,
    r.benchmarks.reduce((n, e) => n + e.raw.length, 0),
  );
  assert.deepEqual(p.config, {
    goos: "linux",
    goarch: "amd64",
    cpu: "Example CPU @ 3.00GHz",
    "cpu-count": "2",
    runtime: "node v20.19.0",
    v8: "11.3.244.8-node.23",
    harness: "rmapbench",
    build: "release",
  });
  assert.deepEqual(
    p.units.map((u) => `${u.unit} ${u.key}=${u.value}`),
    [
      "ns/op better=lower",
      "ns/op assume=nothing",
      "ns/batch better=lower",
      "ns/batch assume=nothing",
      "levels/op better=lower",
      "levels/op assume=exact",
    ],
  );
  const walk = p.results.filter((x) => x.name === "BenchmarkKernels/op=walk/impl=wasm/workers=1");
  assert.deepEqual(
    walk.map((x) => x.values[0].value),
    r.benchmarks[0].raw,
  );
  assert.deepEqual(walk[0].values[1], { value: 4, unit: "levels/op" });
  assert.equal(walk[0].iterations, 1);
});

test("go names: Benchmark + the suite capitalised, no whitespace", () => {
  const e = { ...fixture().benchmarks[0], name: "kernels/op=walk/impl=wasm build/workers=1" };
  assert.equal(goName(e, "kernels"), "BenchmarkKernels/op=walk/impl=wasm_build/workers=1");
});

test("the validator accepts proposal 14313's examples", () => {
  const background = parseGoBench(fixtureText("go-bench-14313-background.txt"));
  assert.deepEqual(background.errors, []);
  assert.equal(background.results.length, 27);
  assert.deepEqual(background.results[0], {
    line: 1,
    name: "BenchmarkDecodeDigitsSpeed1e4-8",
    iterations: 100,
    values: [
      { value: 154125, unit: "ns/op" },
      { value: 64.88, unit: "MB/s" },
      { value: 40418, unit: "B/op" },
      { value: 7, unit: "allocs/op" },
    ],
    config: {},
  });
  const example = parseGoBench(fixtureText("go-bench-14313-example.txt"));
  assert.deepEqual(example.errors, []);
  assert.equal(example.results.length, 27);
  assert.deepEqual(example.config, {
    commit: "7cd9055",
    "commit-time": "2016-02-11T13:25:45-0500",
    goos: "darwin",
    goarch: "amd64",
    cpu: "Intel(R) Core(TM) i7-4980HQ CPU @ 2.80GHz",
    "cpu-count": "8",
    "cpu-physical-count": "4",
    os: "Mac OS X 10.11.3",
    mem: "16 GB",
  });
  const last = example.results[26];
  assert.equal(last.name, "BenchmarkEncode/text:digits/level:best/size:1e6/gomaxprocs:8");
  assert.deepEqual(last.values, [
    { value: 137962041, unit: "ns/op" },
    { value: 7.25, unit: "MB/s" },
  ]);
  assert.equal(last.config.commit, "7cd9055");
});

test("the validator accepts the other lines the rules allow", () => {
  const ok = [
    "BenchmarkDecodeDigits \t    200\t   7442373 ns/op\t   1.34 MB/s\t    128 B/op\t       2 allocs/op",
    "Benchmark 1 2 ns/op",
    "BenchmarkX 10 1e-3 sec/op -2.5E+2 delta/op",
    "commit: 7cd9055",
    "key-with-no-value:",
    "note:\tvalue: with a colon",
    "# a comment",
    "",
    "   ",
    "Unit ns/op better=lower assume=nothing",
    "Unit ops/s better=higher",
    "Unit levels/op assume=exact",
  ];
  assert.deepEqual(parseGoBench(ok.join("\n")).errors, []);
});

test("the validator rejects lines that break the rules", () => {
  const bad: [string, RegExp][] = [
    ["Benchmarkdecode 200 7442373 ns/op", /upper-case letter/],
    ["BenchmarkDecode", /missing iteration count/],
    ["BenchmarkDecode 7442373 ns/op", /missing units/],
    ["BenchmarkDecode ns/op 7442373", /iteration count must be a whole number/],
    ["BenchmarkDecode 1.5 7442373 ns/op", /iteration count must be a whole number/],
    ["BenchmarkDecode 200", /missing measurements/],
    ["BenchmarkDecode 200 7442373 ns/op 1.34", /even number of fields/],
    ["BenchmarkDecode 200 fast ns/op", /not a number/],
    ["my key: value", /neither a result line/],
    ["Commit: 7cd9055", /neither a result line/],
    ["cpuCount: 8", /neither a result line/],
    ["commit:7cd9055", /neither a result line/],
    ["PASS", /neither a result line/],
    ["Unit ns/op better", /expected key=value/],
    ["Unit ns/op better=faster", /better must be one of higher, lower/],
  ];
  for (const [line, message] of bad) {
    const p = parseGoBench(`commit: 7cd9055\n${line}\n`);
    assert.equal(p.errors.length, 1, line);
    assert.equal(p.errors[0].line, 2, line);
    assert.match(p.errors[0].message, message, line);
  }
  const conflict = parseGoBench("Unit ns/op better=lower\nUnit ns/op better=higher\n");
  assert.match(conflict.errors[0].message, /already set to lower/);
});

test("csv: a field with a comma or a quote is quoted, quotes doubled", () => {
  assert.equal(csvField("plain"), "plain");
  assert.equal(csvField("a,b"), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField("two\nlines"), '"two\nlines"');
  const r = fixture();
  r.benchmarks = [{ ...r.benchmarks[0], params: { ...r.benchmarks[0].params, note: 'x,"y"' } }];
  const [header, row] = csvReport(r).split("\r\n");
  assert.ok(header.endsWith(",parameter_iterations,parameter_note,counter_levels"), header);
  assert.ok(row.endsWith(',4,"x,""y""",4'), row);
});

test("the median's interval is the order-statistic one benchstat uses", () => {
  const xs = (n: number) => Array.from({ length: n }, (_, i) => n - i); // n..1, unsorted on purpose
  assert.equal(medianInterval(xs(5)), undefined, "n=5 cannot reach 95%");
  assert.deepEqual(medianInterval(xs(6)), { lower: 1, upper: 6 }, "P(B<=0) = 1/64 <= 0.025");
  assert.deepEqual(medianInterval(xs(10)), { lower: 2, upper: 9 }, "P(B<=1) = 11/1024, P(B<=2) = 56/1024");
  assert.deepEqual(medianInterval(xs(20)), { lower: 6, upper: 15 }, "P(B<=5) = 0.0207, P(B<=6) = 0.0577");
});

test("percent formatting: signed, two decimals; intervals with one", () => {
  assert.equal(pct(-17.2), "-17.20%");
  assert.equal(pct(115.82), "+115.82%");
  assert.equal(pct(-0.001), "0.00%");
  assert.equal(pct(0.004), "0.00%");
  assert.equal(ratioChange({ estimate: 0.36, lower: 0.339, upper: 0.382 }), "-64.00% [-66.1%, -61.8%]");
});
