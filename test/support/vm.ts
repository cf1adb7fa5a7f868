// Small primary-MMU machines and seeded random VM workloads for tests.
import { C } from "../../src/layout.js";
import { Rng } from "../../src/rng.js";
import type { SuiteContext } from "../../src/suite.js";
import { VmMachine, type VmOp } from "../../src/vm/machine.js";
import { OP, PRIMARY, type Primary, VM_FLAG } from "../../src/vmlayout.js";
import type { Build } from "../../src/wasm.js";

export const DESIGNS = Object.keys(PRIMARY) as Primary[];

export function smallVm(design: Primary, build: Build = "debug", mms = 12): VmMachine {
  return new VmMachine(
    {
      levels: 4,
      frames: 8192,
      tables: 2048,
      chainNodes: 8192,
      vidxSlots: 16,
      mms,
      cpus: 2,
      scratch: 1 << 20,
      vm: {
        design: PRIMARY[design],
        vmas: 1024,
        vmasPerMm: 64,
        anonVmas: 1024,
        avcs: 4096,
        files: 8,
        pageCache: 4096,
        swapSlots: 4096,
        scratchPerCpu: 512,
      },
    },
    build,
  );
}

const RW = VM_FLAG.READ | VM_FLAG.WRITE;
export const REGION = (i: number) => BigInt(0x1000_0000 + i * 0x100_0000); // 16 MiB apart
const PAGES = 24;

/**
 * A seeded random sequence: a few mms with anonymous, shared-file and
 * private-file VMAs, then faults, forks, exits, munmap, mprotect, mremap,
 * truncate, reclaim (after aging, so no mapping is young), migration, writeback.
 */
export function randomVmOps(seed: number, n: number, mms = 12): VmOp[] {
  const rng = new Rng(seed);
  const ops: VmOp[] = [{ kind: OP.MM_INIT, mm: 1 }];
  const alive = new Set([1]);
  const free = Array.from({ length: mms - 2 }, (_, i) => i + 2);
  const kinds: [number, bigint, number][] = []; // flags, base, file
  for (let r = 0; r < 4; r++) {
    const file = r === 1 ? 1 : r === 2 ? 2 : 0;
    const flags = r === 1 ? RW | VM_FLAG.SHARED : RW;
    kinds.push([flags, REGION(r), file]);
    ops.push({ kind: OP.MMAP, mm: 1, a: REGION(r), c: PAGES, d: flags, b: (BigInt(file) << 32n) | 0n });
  }
  const pick = () => [...alive][rng.below(alive.size)];
  const va = () => REGION(rng.below(4)) + BigInt(rng.below(PAGES)) * 4096n;
  for (let i = 0; i < n; i++) {
    const mm = pick();
    const k = rng.below(20);
    if (k < 8) ops.push({ kind: OP.FAULT, mm, a: va(), c: rng.below(2) });
    else if (k === 8 && free.length) {
      const child = free.shift() as number;
      alive.add(child);
      ops.push({ kind: OP.FORK, mm, c: child });
    } else if (k === 9 && alive.size > 1) {
      alive.delete(mm);
      ops.push({ kind: OP.EXIT, mm });
    } else if (k === 10) {
      const s = va();
      ops.push({ kind: OP.MUNMAP, mm, a: s, b: s + BigInt(1 + rng.below(4)) * 4096n });
    } else if (k === 11) {
      const s = va();
      ops.push({
        kind: OP.MPROTECT,
        mm,
        a: s,
        b: s + BigInt(1 + rng.below(4)) * 4096n,
        c: rng.below(2) ? RW : VM_FLAG.READ,
      });
    } else if (k === 12) {
      const s = va();
      const to = 0x7000_0000 + rng.below(64) * 0x10_0000;
      ops.push({ kind: OP.MREMAP, mm, a: s, b: s + BigInt(1 + rng.below(3)) * 4096n, c: to, d: 0 });
    } else if (k === 13) ops.push({ kind: OP.TRUNCATE, c: 1 + rng.below(2), d: rng.below(PAGES) });
    else if (k === 14 || k === 15) {
      const a = va();
      ops.push({ kind: OP.AGE, mm, a }, { kind: OP.AGE, mm, a }, { kind: OP.RECLAIM, mm, a });
    } else if (k === 16) ops.push({ kind: OP.MIGRATE, mm, a: va() });
    else if (k === 17) ops.push({ kind: OP.MKCLEAN, mm, a: va() });
    else ops.push({ kind: OP.AGE, mm, a: va() });
  }
  return ops;
}

/** Checks the primary-MMU invariants by brute force; returns the problems found. */
export function checkVm(vm: VmMachine): string[] {
  const problems: string[] = [];
  const scan = vm.scan();
  const byPfn = new Map<number, string[]>();
  for (const s of scan) {
    const pfn = Number((s.pte >> 12n) & 0xff_ffff_ffffn);
    byPfn.set(pfn, [...(byPfn.get(pfn) ?? []), `${s.mm}:${s.va}`]);
  }
  for (let cpu = 0; cpu < vm.plan.spec.cpus; cpu++) {
    const area = vm.plan.cpu + cpu * C.SIZE;
    const viol = vm.dv.getUint32(area + C.LOCK_VIOLATIONS, true);
    if (viol)
      problems.push(
        `cpu ${cpu}: ${viol} lock-order violations (first: kind ${vm.dv.getUint32(area + C.VIOL_KIND, true)}, held class ${vm.dv.getUint32(area + C.VIOL_HELD, true) & 0xff}, new class ${vm.dv.getUint32(area + C.VIOL_NEW, true) & 0xff})`,
      );
    const depth = vm.dv.getUint32(area + C.LOCK_DEPTH, true);
    if (depth) problems.push(`cpu ${cpu}: ${depth} locks still held between operations`);
  }
  const used = vm.framesUsed();
  for (let pfn = 0; pfn < used; pfn++) {
    const p = vm.page(pfn);
    const maps = (byPfn.get(pfn) ?? []).sort();
    if (p.mapcount !== maps.length) problems.push(`pfn ${pfn}: mapcount ${p.mapcount}, ${maps.length} PTEs map it`);
    if (p.refcount < p.mapcount) problems.push(`pfn ${pfn}: refcount ${p.refcount} < mapcount ${p.mapcount}`);
    if (maps.length && p.refcount <= 0) problems.push(`pfn ${pfn}: a present PTE maps a free frame`);
    if (maps.length) {
      const r = vm.rmap(pfn);
      if (JSON.stringify(r) !== JSON.stringify(maps)) problems.push(`pfn ${pfn}: rmap finds ${r} but PTEs are ${maps}`);
    }
  }
  return problems;
}

/** A suite context for tests: a per-test cache, and the close hooks kept so the test can run them. */
export function testContext(): { ctx: SuiteContext; closers: (() => unknown)[] } {
  const cache = new Map<string, Promise<unknown>>();
  const closers: (() => unknown)[] = [];
  const ctx: SuiteContext = {
    cache: <T>(k: string, make: () => Promise<T>) => {
      if (!cache.has(k)) cache.set(k, make());
      return cache.get(k) as Promise<T>;
    },
    onClose: (fn) => closers.push(fn),
    note: () => {},
  };
  return { ctx, closers };
}
