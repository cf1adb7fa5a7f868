// Seeded random operation sequences on the Wasm core (debug build) and the TS
// twin: every result and, at the end, every byte of machine state must agree.
// An independent Map model checks walks and rmap lookups, so a bug shared by
// both twins does not pass either.
import assert from "node:assert/strict";
import { test } from "node:test";
import { H, PTE, RESERVED_LOW, RMAP_MM_SHIFT, WALK_NOT_PRESENT, WALK_PROT_FAULT } from "../src/layout.js";
import { mix64 } from "../src/reference/hash.js";
import { Rng } from "../src/rng.js";
import {
  getU32,
  getU64,
  putU32,
  putU64,
  smallSpec,
  type TestMachine,
  tsMachine,
  wasmMachine,
} from "./support/machine.js";

const SEEDS = Number(process.env.DIFF_SEEDS ?? 24);
const OPS = Number(process.env.DIFF_OPS ?? 400);

type Pte = bigint;
const NX = 1n << 63n;

class Model {
  /** `${mm}:${vpn}` -> pte */
  pt = new Map<string, Pte>();
  /** pfn -> entries (u64 words) */
  rmap = new Map<number, bigint[]>();
}

function regions(rng: Rng, levels: 4 | 5): bigint[] {
  const bits = levels === 4 ? 47 : 56;
  const out: bigint[] = [];
  for (let i = 0; i < 4; i++) {
    const hi = BigInt(rng.below(2 ** (bits - 21 - 20))) << 20n;
    out.push((hi | BigInt(rng.below(2 ** 20))) << 21n);
  }
  // two regions that share upper-level tables: adjacent 2 MiB blocks
  out.push(out[0] + (2n << 20n));
  return out;
}

function runSequence(seed: number, levels: 4 | 5): void {
  const rng = new Rng(seed);
  const spec = smallSpec(levels);
  const a = wasmMachine(spec);
  const b = tsMachine(spec);
  const both = [a, b];
  const model = new Model();
  const bases = regions(rng, levels);
  const mms = spec.mms - 1;
  const m = a.plan.m;
  const randVa = () => bases[rng.below(bases.length)] + (BigInt(rng.below(600)) << 12n);
  const randEnt = () => (BigInt(1 + rng.below(mms)) << BigInt(RMAP_MM_SHIFT)) | (randVa() >> 12n);

  for (let op = 0; op < OPS; op++) {
    for (const t of both) t.arena.reset();
    const kind = rng.below(10);
    const where = `seed ${seed} levels ${levels} op ${op} kind ${kind}`;
    const mm = 1 + rng.below(mms);
    if (kind <= 1) {
      const n = 1 + rng.below(8);
      const vas: bigint[] = [];
      const ptes: bigint[] = [];
      for (let i = 0; i < n; i++) {
        const va = randVa();
        const pfn = BigInt(rng.below(spec.frames));
        let pte = (pfn << 12n) | BigInt(PTE.P | PTE.US);
        if (rng.below(3)) pte |= BigInt(PTE.RW);
        if (rng.below(2)) pte |= BigInt(PTE.A);
        if (rng.below(4) === 0) pte |= BigInt(PTE.D);
        if (rng.below(4) === 0) pte |= NX;
        vas.push(va);
        ptes.push(pte);
        model.pt.set(`${mm}:${va >> 12n}`, pte);
      }
      const r = both.map((t) => t.core.pt_map_batch(m, mm, putU64(t, vas), putU64(t, ptes), n));
      assert.equal(r[0], r[1], where);
    } else if (kind <= 3) {
      const n = 1 + rng.below(16);
      const vas = Array.from({ length: n }, () => {
        const off = BigInt(rng.below(4096));
        return randVa() | off | (rng.below(3) === 0 ? 1n << 63n : 0n);
      });
      const sums = both.map((t) => {
        const out = t.arena.u64(n).addr;
        const s = t.core.pt_walk_batch(m, 0, mm, putU64(t, vas), n, out);
        return { s, out: getU64(t, out, n) };
      });
      assert.equal(sums[0].s, sums[1].s, where);
      assert.deepEqual(sums[0].out, sums[1].out, where);
      // model
      vas.forEach((v, i) => {
        const write = v >> 63n === 1n;
        const key = `${mm}:${(v & ~(1n << 63n)) >> 12n}`;
        const pte = model.pt.get(key);
        let want: bigint;
        if (pte === undefined) want = WALK_NOT_PRESENT;
        else if (write && !(pte & BigInt(PTE.RW))) want = WALK_PROT_FAULT;
        else {
          want = (pte & 0x000f_ffff_ffff_f000n) >> 12n;
          model.pt.set(key, pte | BigInt(PTE.A) | (write ? BigInt(PTE.D) : 0n));
        }
        assert.equal(sums[0].out[i], want, `${where} walk ${i}`);
      });
    } else if (kind <= 6) {
      const n = 1 + rng.below(3);
      const flat: bigint[] = [];
      const spans: [bigint, bigint][] = [];
      for (let i = 0; i < n; i++) {
        const start = randVa() + BigInt(rng.below(3) === 0 ? rng.below(4096) : 0);
        const len = BigInt(1 + rng.below(rng.below(4) === 0 ? 1 << 22 : 1 << 18));
        flat.push(start, start + len);
        spans.push([start >> 12n, (start + len - 1n) >> 12n]);
      }
      const fn = kind === 4 ? "pt_zap_batch" : kind === 5 ? "pt_protect_batch" : "pt_mkold_batch";
      const r = both.map((t) => t.core[fn](m, 0, mm, putU64(t, flat), n));
      assert.equal(r[0], r[1], where);
      let expect = 0;
      for (const [key, pte] of [...model.pt]) {
        const [kmm, kvpn] = key.split(":");
        if (Number(kmm) !== mm) continue;
        const vpn = BigInt(kvpn);
        if (!spans.some(([f, l]) => vpn >= f && vpn <= l)) continue;
        if (kind === 4) {
          model.pt.delete(key);
          expect++;
        } else if (kind === 5 && pte & BigInt(PTE.RW)) {
          model.pt.set(key, pte & ~BigInt(PTE.RW));
          expect++;
        } else if (kind === 6 && pte & BigInt(PTE.A)) {
          model.pt.set(key, pte & ~BigInt(PTE.A));
          expect++;
        }
      }
      assert.equal(kind === 4 ? Number(r[0] >> 32n) : Number(r[0]), expect, `${where} range count`);
    } else if (kind === 7) {
      const n = 1 + rng.below(6);
      const remove = rng.below(3) === 0;
      const pfns: number[] = [];
      const ents: bigint[] = [];
      for (let i = 0; i < n; i++) {
        const pfn = rng.below(48);
        const list = model.rmap.get(pfn) ?? [];
        const ent = remove && list.length && rng.below(4) ? list[rng.below(list.length)] : randEnt();
        pfns.push(pfn);
        ents.push(ent);
        if (remove) {
          const k = list.indexOf(ent);
          if (k >= 0) list.splice(k, 1);
        } else list.push(ent);
        model.rmap.set(pfn, list);
      }
      const fn = remove ? "rmap_remove_batch" : "rmap_add_batch";
      const r = both.map((t) => t.core[fn](m, putU32(t, pfns), putU64(t, ents), n));
      assert.equal(r[0], r[1], where);
    } else if (kind === 8) {
      const n = 1 + rng.below(8);
      const pfns = Array.from({ length: n }, () => rng.below(64));
      const r = both.map((t) => {
        const out = t.arena.u64(n).addr;
        return { s: t.core.rmap_lookup_batch(m, 1, putU32(t, pfns), n, out), out: getU64(t, out, n) };
      });
      assert.equal(r[0].s, r[1].s, where);
      assert.deepEqual(r[0].out, r[1].out, where);
      pfns.forEach((pfn, i) => {
        const list = model.rmap.get(pfn) ?? [];
        let h = 0;
        for (const e of list) h = (h + mix64(Number(e & 0xffffffffn), Number(e >> 32n))) >>> 0;
        assert.equal(r[0].out[i], (BigInt(list.length) << 32n) | BigInt(h), `${where} lookup ${i}`);
      });
    } else {
      const n = 1 + rng.below(8);
      const keys = Array.from({ length: n }, randEnt);
      const sub = rng.below(3);
      if (sub === 0) {
        const handles = keys.map(() => rng.u32());
        const r = both.map((t) => t.core.vidx_insert_batch(m, putU64(t, keys), putU32(t, handles), n));
        assert.equal(r[0], r[1], where);
      } else if (sub === 1) {
        const r = both.map((t) => t.core.vidx_remove_batch(m, putU64(t, keys), n));
        assert.equal(r[0], r[1], where);
      } else {
        const r = both.map((t) => {
          const out = t.arena.u32(n).addr;
          return { s: t.core.vidx_lookup_batch(m, 1, putU64(t, keys), n, out), out: getU32(t, out, n) };
        });
        assert.deepEqual(r[0], r[1], where);
      }
    }
    if (op % 50 === 49) {
      for (let k = 1; k <= mms; k++) assert.equal(a.core.pt_digest(m, k), b.core.pt_digest(m, k), `${where} digest`);
    }
  }
  assertSameState(a, b, `seed ${seed} levels ${levels} final state`);
}

function assertSameState(a: TestMachine, b: TestMachine, where: string): void {
  // Ticket-lock words count acquisitions, which only the Wasm core makes.
  const lock = (a.plan.m + H.ALLOC_LOCK - RESERVED_LOW) / 4;
  const x = new Uint8Array(a.core.buffer.slice(RESERVED_LOW, a.plan.bytes));
  const y = new Uint8Array(b.core.buffer.slice(RESERVED_LOW, b.plan.bytes));
  new Uint32Array(x.buffer)[lock] = 0;
  new Uint32Array(y.buffer)[lock] = 0;
  if (Buffer.compare(x, y) !== 0) {
    const i = x.findIndex((v, k) => v !== y[k]);
    assert.fail(`${where}: memories differ first at byte ${RESERVED_LOW + i} (wasm ${x[i]}, ts ${y[i]})`);
  }
}

for (const levels of [4, 5] as const) {
  test(`wasm core and TS twin agree on ${SEEDS} seeded sequences of ${OPS} ops (${levels}-level)`, () => {
    for (let s = 1; s <= SEEDS; s++) {
      const seed = levels * 1000 + s;
      try {
        runSequence(seed, levels);
      } catch (e) {
        (e as Error).message = `[reproduce with seed ${seed}] ${(e as Error).message}`;
        throw e;
      }
    }
  });
}
