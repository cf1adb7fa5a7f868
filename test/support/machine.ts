// Small machines for tests: the same plan on the Wasm core and the TS twin.
import type { Core } from "../../src/core.js";
import { Arena, type MachinePlan, type MachineSpec, planMachine, writeHeader } from "../../src/layout.js";
import { TsCore } from "../../src/reference/core.js";
import { type Build, createMemory, instantiate, loadModule } from "../../src/wasm.js";

export const smallSpec = (levels: 4 | 5 = 4): MachineSpec => ({
  levels,
  frames: 4096,
  tables: 512,
  chainNodes: 2048,
  vidxSlots: 1024,
  mms: 4,
  cpus: 2,
  scratch: 1 << 20,
});

export interface TestMachine {
  core: Core;
  plan: MachinePlan;
  arena: Arena;
}

export function boot(core: Core, plan: MachinePlan, mms: number): TestMachine {
  writeHeader(core.buffer, plan);
  core.machine_init(plan.m);
  for (let mm = 1; mm <= mms; mm++) if (!core.mm_init(plan.m, mm)) throw new Error("out of tables");
  return { core, plan, arena: new Arena(core.buffer, plan.scratch, plan.spec.scratch) };
}

export function wasmMachine(spec: MachineSpec, build: Build = "debug", mms = spec.mms - 1): TestMachine {
  const plan = planMachine(spec);
  return boot(instantiate(loadModule(build), createMemory(plan.bytes)), plan, mms);
}

export function tsMachine(spec: MachineSpec, mms = spec.mms - 1): TestMachine {
  const plan = planMachine(spec);
  return boot(new TsCore(new ArrayBuffer(plan.bytes)), plan, mms);
}

/** Writes u64 values (bigint) into a fresh scratch array; returns its address. */
export function putU64(t: TestMachine, values: bigint[]): number {
  const { addr, view } = t.arena.u64(Math.max(1, values.length));
  values.forEach((v, i) => {
    view[2 * i] = Number(v & 0xffffffffn);
    view[2 * i + 1] = Number((v >> 32n) & 0xffffffffn);
  });
  return addr;
}

export function putU32(t: TestMachine, values: number[]): number {
  const { addr, view } = t.arena.u32(Math.max(1, values.length));
  view.set(values);
  return addr;
}

export function getU64(t: TestMachine, addr: number, n: number): bigint[] {
  const w = new Uint32Array(t.core.buffer, addr, 2 * n);
  return Array.from({ length: n }, (_, i) => (BigInt(w[2 * i + 1]) << 32n) | BigInt(w[2 * i]));
}

export function getU32(t: TestMachine, addr: number, n: number): number[] {
  return Array.from(new Uint32Array(t.core.buffer, addr, n));
}
