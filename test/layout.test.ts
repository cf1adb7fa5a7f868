// src/layout.ts repeats assembly/layout.ts for the host and the TS twin; the
// module exports its offsets as globals, so any drift fails here.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  C,
  CH,
  H,
  MACHINE_MAGIC,
  MACHINE_SIZE,
  MM,
  PG,
  PG_FLAG,
  PTD,
  PTE,
  PTE_TABLE,
  planMachine,
  RMAP_MM_SHIFT,
  VX,
  WALK_NOT_PRESENT,
  WALK_PROT_FAULT,
} from "../src/layout.js";
import { CB, LS } from "../src/vm/sched.js";
import { exportedConstants, loadModule } from "../src/wasm.js";

const g = exportedConstants(loadModule("release"));

test("host offsets equal the module's exported layout", () => {
  const pairs: [string, number | bigint][] = [
    ["MACHINE_MAGIC", MACHINE_MAGIC],
    ["MACHINE_SIZE", MACHINE_SIZE],
    ...Object.entries(H).map(([k, v]) => [`H_${k}`, v] as [string, number]),
    ...Object.entries(PTD).map(([k, v]) => [`PTD_${k}`, v] as [string, number]),
    ...Object.entries(PG)
      .filter(([k]) => k !== "SIZE")
      .map(([k, v]) => [`PG_${k}`, v] as [string, number]),
    ["PAGE_SIZE_BYTES", PG.SIZE],
    ...Object.entries(PG_FLAG).map(([k, v]) => [`PG_${k}`, v] as [string, number]),
    ["CH_NEXT", CH.NEXT],
    ["CH_NR", CH.NR],
    ["CH_ENT", CH.ENT],
    ["CH_SLOTS", CH.SLOTS],
    ["CHAIN_NODE_SIZE", CH.SIZE],
    ["VX_KEY", VX.KEY],
    ["VX_HANDLE", VX.HANDLE],
    ["VIDX_SLOT_SIZE", VX.SIZE],
    ["MM_PGD", MM.PGD],
    ["MM_NR_TABLES", MM.NR_TABLES],
    ["MM_SIZE", MM.SIZE],
    ...Object.entries(C)
      .filter(([k]) => k !== "SIZE")
      .map(([k, v]) => [`C_${k}`, v] as [string, number]),
    ["CPU_AREA_SIZE", C.SIZE],
    ["CB_OFF", CB.OFF],
    ...Object.entries(CB)
      .filter(([k]) => k !== "OFF")
      .map(([k, v]) => [`CB_${k}`, v] as [string, number]),
    ["LS_OFF", LS.OFF],
    ["LS_CLASSES", LS.CLASSES],
    ["LS_SIZE", LS.SIZE],
    ["RMAP_MM_SHIFT", RMAP_MM_SHIFT],
  ];
  for (const [name, v] of pairs) assert.equal(g[name], v, name);
  for (const [k, v] of Object.entries(PTE)) assert.equal(g[`PTE_${k}`], BigInt(v), `PTE_${k}`);
  assert.equal(g.PTE_TABLE, BigInt(PTE_TABLE));
  assert.equal(g.PTE_NX, -(1n << 63n), "NX is bit 63 (an i64 global reads signed)");
  assert.equal(BigInt.asUintN(64, g.WALK_NOT_PRESENT as bigint), WALK_NOT_PRESENT);
  assert.equal(BigInt.asUintN(64, g.WALK_PROT_FAULT as bigint), WALK_PROT_FAULT);
});

test("the plan keeps regions disjoint, aligned and above the module's reserved low memory", () => {
  const p = planMachine({
    levels: 4,
    frames: 1000,
    tables: 10,
    chainNodes: 100,
    vidxSlots: 64,
    mms: 3,
    cpus: 2,
    scratch: 1000,
  });
  const regions = [
    [p.m, MACHINE_SIZE],
    [p.cpu, 2 * C.SIZE],
    [p.mm, 3 * MM.SIZE],
    [p.frames, 1000 * PG.SIZE],
    [p.ptdesc, 10 * PTD.SIZE],
    [p.chain, 100 * CH.SIZE],
    [p.vidx, 64 * VX.SIZE],
    [p.scratch, 1000],
    [p.pt, 10 * 4096],
  ].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < regions.length; i++)
    assert.ok(regions[i - 1][0] + regions[i - 1][1] <= regions[i][0], `region ${i} overlaps`);
  assert.ok(regions[0][0] >= 65536);
  assert.equal(p.pt % 4096, 0);
  assert.equal(p.bytes % 65536, 0);
  const [lastAt, lastSize] = regions[regions.length - 1];
  assert.ok(p.bytes >= lastAt + lastSize);
});
