// The C twin (bench/native) against the Wasm core: the same machine image,
// the same command script, bit-identical checksums and digests.
// Needs build/release.wasm (`npm run asbuild`) and gcc; without gcc it skips.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildNative, NativeTwin, writeImage } from "../bench/native/native.js";
import type { Core } from "../src/core.js";
import { Arena, type MachinePlan, PTE, planMachine, RMAP_MM_SHIFT, writeHeader } from "../src/layout.js";
import { createMemory, instantiate, loadModule } from "../src/wasm.js";

/** xorshift32: a tiny deterministic PRNG local to this test. */
function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const PAGE = 4096n;
const HUGE = 1n << 21n;
const GIB = 1n << 30n;
const WRITE = 1n << 63n;
const NX = 1n << 63n;
const ADDR_MASK = 0x000f_ffff_ffff_f000n;

interface Leaf {
  mm: number;
  va: bigint;
  pte: bigint;
  pfn: number;
  /** Bytes the leaf maps: 4 KiB, or 2 MiB for a PSE leaf. */
  size: bigint;
}

interface Machine {
  core: Core;
  plan: MachinePlan;
  arena: Arena;
  dv: DataView;
  leaves: Leaf[];
  /** The 2 MiB-aligned first page of each mm's regions. */
  regions: Map<number, bigint[]>;
  rand: () => number;
}

const MMS = [1, 2];
const REGION_PAGES = 700; // > 512, so every region spans two PTE tables

function writeU64s(mach: Machine, values: bigint[]): number {
  const addr = mach.arena.alloc(values.length * 8, 8);
  for (const [i, v] of values.entries()) mach.dv.setBigUint64(addr + i * 8, BigInt.asUintN(64, v), true);
  return addr;
}

function writeU32s(mach: Machine, values: number[]): number {
  const addr = mach.arena.alloc(values.length * 4, 8);
  for (const [i, v] of values.entries()) mach.dv.setUint32(addr + i * 4, v, true);
  return addr;
}

/** The address of the PMD-level table covering va (it must exist). */
function pmdTable(mach: Machine, mm: number, va: bigint): number {
  const { dv, plan } = mach;
  let table = dv.getUint32(plan.mm + mm * 128, true);
  for (let shift = 3 + 9 * plan.spec.levels; shift > 21; shift -= 9) {
    const e = dv.getBigUint64(table + Number((va >> BigInt(shift)) & 511n) * 8, true);
    assert.ok(e & 1n, "pmdTable: missing directory entry");
    table = Number(e & ADDR_MASK);
  }
  return table;
}

/**
 * A machine with two mms, each with 4 regions of REGION_PAGES 4 KiB pages at
 * random 2 MiB-aligned addresses below 2^vaBits (at or above 2^minBits), one
 * 2 MiB PSE leaf per mm written by hand next to its first region, and an rmap
 * entry for every leaf. PFNs come from the first quarter of the frames, so
 * many pages have several mappings and chains of more than one node.
 */
function buildMachine(levels: 4 | 5, seed: number, vaBits: number, minBits: number): Machine {
  const spec = {
    levels,
    frames: 4096,
    tables: 256,
    chainNodes: 8192,
    vidxSlots: 1024,
    mms: 3,
    cpus: 2,
    scratch: 1 << 20,
  };
  const plan = planMachine(spec);
  const memory = createMemory(plan.bytes);
  const core = instantiate(loadModule("release"), memory);
  writeHeader(memory.buffer, plan);
  core.machine_init(plan.m);
  for (const mm of MMS) assert.equal(core.mm_init(plan.m, mm), true);
  const rand = xorshift32(seed);
  const mach: Machine = {
    core,
    plan,
    arena: new Arena(memory.buffer, plan.scratch, spec.scratch),
    dv: new DataView(memory.buffer),
    leaves: [],
    regions: new Map(),
    rand,
  };
  const minSlot = minBits > 21 ? 1n << BigInt(minBits - 21) : 0n;
  const slots = (1n << BigInt(vaBits - 21)) - minSlot - 4n;
  // Two draws: a 5-level space has more than 2^32 slots of 2 MiB.
  const randomHugeSlot = () => minSlot + (((BigInt(rand()) << 32n) | BigInt(rand())) % slots);
  for (const mm of MMS) {
    const vas: bigint[] = [];
    const ptes: bigint[] = [];
    const starts: bigint[] = [];
    for (let r = 0; r < 4; r++) {
      const start = randomHugeSlot() * HUGE;
      starts.push(start);
      for (let k = 0; k < REGION_PAGES; k++) {
        const pfn = rand() % 1024;
        const bits = rand();
        let pte = (BigInt(pfn) << 12n) | BigInt(PTE.P | PTE.US);
        if (bits & 3) pte |= BigInt(PTE.RW); // a quarter read-only: writes to them fault
        if (bits & 4) pte |= BigInt(PTE.A); // half already young
        if ((bits & 24) === 24) pte |= BigInt(PTE.D);
        if (bits & 32) pte |= NX;
        const va = start + BigInt(k) * PAGE;
        vas.push(va);
        ptes.push(pte);
        mach.leaves.push({ mm, va, pte, pfn, size: PAGE });
      }
    }
    mach.regions.set(mm, starts);
    const n = vas.length;
    assert.equal(core.pt_map_batch(plan.m, mm, writeU64s(mach, vas), writeU64s(mach, ptes), n), n);
    mach.arena.reset();
  }
  // One PSE leaf per mm, four 2 MiB slots past the first region (same 1 GiB).
  for (const mm of MMS) {
    const start = mach.regions.get(mm)?.[0] ?? 0n;
    const table = pmdTable(mach, mm, start);
    const idx = (Number((start >> 21n) & 511n) + 4) & 511;
    const va = (start & ~(GIB - 1n)) | (BigInt(idx) << 21n);
    const slot = table + idx * 8;
    assert.equal(mach.dv.getBigUint64(slot, true), 0n, "PSE slot already in use");
    const pfn = 512 * (4 + mm); // 2 MiB-aligned frames above the 4 KiB pages' range
    const pte = (BigInt(pfn) << 12n) | BigInt(PTE.P | PTE.RW | PTE.US | PTE.PSE);
    mach.dv.setBigUint64(slot, pte, true);
    const desc = plan.ptdesc + ((table - plan.pt) >> 12) * 8;
    mach.dv.setUint32(desc, mach.dv.getUint32(desc, true) + 1, true);
    mach.leaves.push({ mm, va, pte, pfn, size: HUGE });
  }
  // Every leaf in the physical index.
  const pfns = mach.leaves.map((l) => l.pfn);
  const ents = mach.leaves.map((l) => (BigInt(l.mm) << BigInt(RMAP_MM_SHIFT)) | (l.va >> 12n));
  const n = pfns.length;
  assert.equal(core.rmap_add_batch(plan.m, writeU32s(mach, pfns), writeU64s(mach, ents), n), n);
  mach.arena.reset();
  return mach;
}

/** Walk operands for mm: mapped addresses (a fifth of them writes) and unmapped ones. */
function walkVas(mach: Machine, mm: number, n: number, vaBits: number): bigint[] {
  const { rand } = mach;
  const mine = mach.leaves.filter((l) => l.mm === mm);
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const kind = rand() % 10;
    let va: bigint;
    if (kind < 7) {
      const l = mine[rand() % mine.length];
      va = l.va + (BigInt(rand()) % l.size);
    } else if (kind < 9) {
      const starts = mach.regions.get(mm) ?? [];
      va = starts[rand() % starts.length] + BigInt(REGION_PAGES + (rand() % 2000)) * PAGE; // tables exist, leaf may not
    } else {
      va = ((BigInt(rand()) << 32n) | BigInt(rand())) & ((1n << BigInt(vaBits)) - 1n);
    }
    if (rand() % 5 === 0) va |= WRITE;
    out.push(va);
  }
  return out;
}

/** Zap ranges over mm's 4 KiB regions, and the leaves (va, pte) that re-install what they clear. */
function zapPlan(mach: Machine, mm: number, vaBits: number): { ranges: bigint[]; vas: bigint[]; ptes: bigint[] } {
  const s = mach.regions.get(mm) ?? [];
  const end = (k: number) => BigInt(k) * PAGE;
  const pairs: [bigint, bigint][] = [
    [s[0], s[0] + end(REGION_PAGES)], // a whole region: its PTE tables empty and are freed
    [s[1] + end(100), s[1] + end(200)],
    [s[1] + end(300) + 100n, s[1] + end(310) + 1n], // unaligned ends
    [s[2] + end(5), s[2] + end(6)],
    [s[3] + end(600), s[3] + end(600)], // empty
    [1n << BigInt(vaBits), 1n << 60n], // beyond the address space: clipped away
  ];
  const ranges = pairs.flat();
  const vas: bigint[] = [];
  const ptes: bigint[] = [];
  for (const l of mach.leaves) {
    if (l.mm !== mm || l.size !== PAGE) continue;
    if (pairs.some(([a, b]) => l.va < b && l.va + PAGE > a)) {
      vas.push(l.va);
      ptes.push(l.pte);
    }
  }
  return { ranges, vas, ptes };
}

async function withTwin(mach: Machine, t: { skip(msg?: string): void }, body: (twin: NativeTwin) => Promise<void>) {
  const built = buildNative();
  if ("skipped" in built) {
    t.skip(built.skipped);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "rmapbench-native-"));
  const image = join(dir, "machine.img");
  try {
    writeImage(mach.core.buffer, mach.plan.bytes, image);
    const twin = await NativeTwin.start(built.path, image);
    try {
      await body(twin);
    } finally {
      await twin.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("native twin matches the Wasm core: walk, lookup, digest, zap, noop (4 levels)", async (t) => {
  const mach = buildMachine(4, 0x2545f491, 47, 0);
  const { core, plan } = mach;
  const m = plan.m;
  const N = 4096;
  const REPS = 3;
  const vas1 = writeU64s(mach, walkVas(mach, 1, N, 47));
  const vas2 = writeU64s(mach, walkVas(mach, 2, N, 47));
  const pfnList: number[] = [];
  for (let i = 0; i < 2048; i++) pfnList.push(i % 8 === 7 ? 512 * (4 + (i % 3)) : mach.rand() % 4096);
  const pfns = writeU32s(mach, pfnList);
  const z1 = zapPlan(mach, 1, 47);
  const ranges1 = writeU64s(mach, z1.ranges);
  const nr1 = z1.ranges.length / 2;
  const mapVas = writeU64s(mach, z1.vas);
  const mapPtes = writeU64s(mach, z1.ptes);
  // mm 2: the whole GiB around its first region, PSE leaf included; no restore.
  const s2 = mach.regions.get(2)?.[0] ?? 0n;
  const ranges2 = writeU64s(mach, [s2 & ~(GIB - 1n), (s2 & ~(GIB - 1n)) + GIB]);

  await withTwin(mach, t, async (twin) => {
    // The twin runs its whole script on its copy of the image first.
    const c = {
      walk1: await twin.walk(m, 0, 1, vas1, N, REPS),
      walk2: await twin.walk(m, 1, 2, vas2, N, REPS),
      lookup: await twin.lookup(m, 1, pfns, pfnList.length, REPS),
      digest1: await twin.digest(m, 1),
      digest2: await twin.digest(m, 2),
      zap1: await twin.zap(m, 0, 1, ranges1, nr1, mapVas, mapPtes, z1.vas.length, REPS),
      zap2: await twin.zap(m, 1, 2, ranges2, 1, 0, 0, 0, 1),
      after1: await twin.digest(m, 1),
      after2: await twin.digest(m, 2),
      walkAfter: await twin.walk(m, 1, 2, vas2, N, 1),
      noop: await twin.noop(m, 0, 1, 12345, 678, REPS),
    };
    for (const r of [c.walk1, c.walk2, c.lookup, c.zap1, c.noop]) {
      assert.equal(r.ns.length, REPS);
      assert.ok(r.ns.every((x) => Number.isInteger(x) && x >= 0));
    }

    // Then the Wasm core runs the same script on the original.
    let walk1 = 0n;
    let walk2 = 0n;
    let lookup = 0n;
    for (let r = 0; r < REPS; r++) walk1 = core.pt_walk_batch(m, 0, 1, vas1, N, 0);
    for (let r = 0; r < REPS; r++) walk2 = core.pt_walk_batch(m, 1, 2, vas2, N, 0);
    for (let r = 0; r < REPS; r++) lookup = core.rmap_lookup_batch(m, 1, pfns, pfnList.length, 0);
    const digest1 = core.pt_digest(m, 1);
    const digest2 = core.pt_digest(m, 2);
    const zaps: bigint[] = [];
    const zapDigests: bigint[] = [];
    for (let r = 0; r < REPS; r++) {
      zaps.push(core.pt_zap_batch(m, 0, 1, ranges1, nr1));
      zapDigests.push(core.pt_digest(m, 1));
      assert.equal(core.pt_map_batch(m, 1, mapVas, mapPtes, z1.vas.length), z1.vas.length);
    }
    const zap2 = core.pt_zap_batch(m, 1, 2, ranges2, 1);
    const zap2Digest = core.pt_digest(m, 2);

    assert.ok(walk1 > 0n && lookup >> 32n > 0n && zaps[0] >> 32n > 0n, "the workload does real work");
    assert.equal(c.walk1.checksum, walk1, "walk mm 1");
    assert.equal(c.walk2.checksum, walk2, "walk mm 2");
    assert.equal(c.lookup.checksum, lookup, "rmap lookup");
    assert.equal(c.digest1.digest, digest1, "digest mm 1 after the walks (A/D bits)");
    assert.equal(c.digest2.digest, digest2, "digest mm 2 after the walks (A/D bits)");
    assert.ok(zaps.every((z) => z === zaps[0]) && zapDigests.every((d) => d === zapDigests[0]));
    assert.equal(zaps[0] >> 32n, BigInt(z1.vas.length), "zap clears exactly the planned leaves");
    assert.equal(c.zap1.checksum, zaps[0], "zap mm 1 checksum");
    assert.equal(c.zap1.digest, zapDigests[0], "digest mm 1 after the zap");
    assert.equal(c.zap2.checksum, zap2, "zap mm 2 (PSE leaf, tables freed) checksum");
    assert.equal(c.zap2.digest, zap2Digest, "digest mm 2 after the zap");
    assert.equal(c.after1.digest, core.pt_digest(m, 1), "digest mm 1 after the restore");
    assert.equal(c.after2.digest, core.pt_digest(m, 2), "digest mm 2 at the end");
    assert.equal(c.walkAfter.checksum, core.pt_walk_batch(m, 1, 2, vas2, N, 0), "walk mm 2 after its zap");
    assert.equal(c.noop.checksum, core.noop_batch(m, 0, 1, 12345, 678), "noop");
  });
});

test("native twin matches the Wasm core: walk above 2^47 (5 levels)", async (t) => {
  const mach = buildMachine(5, 0x9e3779b9, 56, 47);
  const { core, plan } = mach;
  const m = plan.m;
  const N = 4096;
  const list = walkVas(mach, 1, N, 56);
  assert.ok(list.filter((v) => (v & ~WRITE) >= 1n << 47n).length > N / 2, "most operands lie above the 4-level space");
  const vas = writeU64s(mach, list);
  await withTwin(mach, t, async (twin) => {
    const c = await twin.walk(m, 0, 1, vas, N, 2);
    const cDigest = await twin.digest(m, 1);
    let w = 0n;
    for (let r = 0; r < 2; r++) w = core.pt_walk_batch(m, 0, 1, vas, N, 0);
    assert.ok(w > 0n);
    assert.equal(c.checksum, w, "walk, 5 levels");
    assert.equal(cDigest.digest, core.pt_digest(m, 1), "digest, 5 levels");
  });
});

test("native twin reports errors: bad commands reject, a bad image rejects with stderr", async (t) => {
  const built = buildNative();
  if ("skipped" in built) {
    t.skip(built.skipped);
    return;
  }
  const mach = buildMachine(4, 7, 47, 0);
  await withTwin(mach, t, async (twin) => {
    await assert.rejects(twin.digest(mach.plan.m + 64, 1), /no machine/);
    await assert.rejects(twin.walk(mach.plan.m, 0, 1, mach.plan.bytes - 8, 2, 1), /outside/);
    await assert.rejects(twin.walk(mach.plan.m, 0, 9, 0, 0, 1), /mm 9 out of range/);
    // Still answering after errors.
    assert.equal((await twin.digest(mach.plan.m, 1)).digest, mach.core.pt_digest(mach.plan.m, 1));
  });
  const dead = await NativeTwin.start(built.path, join(tmpdir(), "rmapbench-no-such-image.img"));
  await assert.rejects(dead.digest(0, 1), /cannot open image/);
  await dead.close();
});
