// The primary MMU: invariants after seeded random VM workloads, every design
// agreeing on the resulting page tables, and the semantics the issue names.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PG_FLAG } from "../src/layout.js";
import { VmModel } from "../src/reference/vm.js";
import { OP, PTE, type VmMachine } from "../src/vm/machine.js";
import { NIL, PTE_SWAP, VM_FLAG } from "../src/vmlayout.js";
import { checkVm, DESIGNS, REGION, randomVmOps, smallVm } from "./support/vm.js";

const SEEDS = Number(process.env.VM_SEEDS ?? 8);
const OPS = Number(process.env.VM_OPS ?? 150);

const ptes = (vm: VmMachine) => vm.scan().map((s) => `${s.mm}:${s.va.toString(16)}:${s.pte.toString(16)}`);

test(`invariants hold and all four designs agree after ${SEEDS} random workloads of ${OPS} ops`, () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const ops = randomVmOps(seed, OPS);
    let reference: string[] | undefined;
    let refResults: number[] | undefined;
    for (const design of DESIGNS) {
      const vm = smallVm(design);
      // in chunks, checking as it goes
      const results: number[] = [];
      for (let i = 0; i < ops.length; i += 25) {
        results.push(...vm.run(ops.slice(i, i + 25)));
        const problems = checkVm(vm);
        assert.deepEqual(problems, [], `[seed ${seed}, ${design}, after op ${Math.min(i + 25, ops.length)}]`);
      }
      const state = ptes(vm);
      if (!reference) {
        reference = state;
        refResults = results;
      } else {
        assert.deepEqual(results, refResults, `[seed ${seed}] ${design} results differ from ${DESIGNS[0]}`);
        assert.deepEqual(state, reference, `[seed ${seed}] ${design} page tables differ from ${DESIGNS[0]}`);
      }
    }
  }
});

const RW = VM_FLAG.READ | VM_FLAG.WRITE;
const A = REGION(0);
const F = REGION(1);
const pfnOf = (vm: VmMachine, mm: number, va: bigint) => vm.pfnAt(mm, va);

for (const design of DESIGNS) {
  test(`${design}: after fork, a write gives each side its own copy; a shared file mapping stays shared`, () => {
    const vm = smallVm(design);
    vm.run([
      { kind: OP.MM_INIT, mm: 1 },
      { kind: OP.MMAP, mm: 1, a: A, c: 4, d: RW },
      { kind: OP.MMAP, mm: 1, a: F, c: 4, d: RW | VM_FLAG.SHARED, b: 1n << 32n },
      { kind: OP.FAULT, mm: 1, a: A, c: 1 },
      { kind: OP.FAULT, mm: 1, a: F, c: 1 },
      { kind: OP.FORK, mm: 1, c: 2 },
    ]);
    const before = pfnOf(vm, 1, A);
    assert.equal(pfnOf(vm, 2, A), before, "the child shares the anonymous page until a write");
    assert.equal(pfnOf(vm, 2, F), -1, "the shared file mapping is not copied at fork");
    assert.deepEqual(
      vm.run([
        { kind: OP.FAULT, mm: 2, a: A, c: 1 },
        { kind: OP.FAULT, mm: 1, a: A, c: 1 },
        { kind: OP.FAULT, mm: 2, a: F, c: 1 },
      ]),
      [0, 0, 0],
    );
    assert.notEqual(pfnOf(vm, 2, A), pfnOf(vm, 1, A), "parent and child each have their own copy");
    assert.equal(pfnOf(vm, 1, A), before, "the parent reuses its page once it is the only user");
    assert.equal(pfnOf(vm, 2, F), pfnOf(vm, 1, F), "both map the one page of the shared file");
    assert.equal(vm.page(pfnOf(vm, 1, F)).mapcount, 2);
    assert.equal(vm.stats().cow_breaks, 1);
    assert.deepEqual(checkVm(vm), []);
  });

  test(`${design}: reclaiming a page mapped by M processes clears M PTEs and frees it`, () => {
    const M = 5;
    const vm = smallVm(design);
    const ops = [
      { kind: OP.MM_INIT, mm: 1 },
      { kind: OP.MMAP, mm: 1, a: A, c: 4, d: RW },
      { kind: OP.FAULT, mm: 1, a: A, c: 1 },
      ...Array.from({ length: M - 1 }, (_, i) => ({ kind: OP.FORK, mm: 1, c: i + 2 })),
      { kind: OP.AGE, mm: 1, a: A },
    ];
    vm.run(ops);
    const pfn = pfnOf(vm, 1, A);
    assert.equal(vm.page(pfn).mapcount, M);
    const s0 = vm.stats();
    assert.deepEqual(vm.run([{ kind: OP.RECLAIM, mm: 1, a: A }]), [1]);
    const s1 = vm.stats();
    assert.equal(s1.hook_invalidate_page - s0.hook_invalidate_page, M, "one invalidate_page per mapping");
    assert.equal(vm.page(pfn).refcount, 0, "the frame is free");
    for (let mm = 1; mm <= M; mm++) assert.equal(pfnOf(vm, mm, A), -1, `mm ${mm} has no PTE for it`);
    assert.deepEqual(vm.run([{ kind: OP.FAULT, mm: 3, a: A, c: 0 }]), [0], "and it comes back from swap");
    assert.deepEqual(checkVm(vm), []);
  });

  test(`${design}: page_mkclean leaves every mapping read-only and clean, the dirt in struct page`, () => {
    const vm = smallVm(design);
    vm.run([
      { kind: OP.MM_INIT, mm: 1 },
      { kind: OP.MMAP, mm: 1, a: F, c: 4, d: RW | VM_FLAG.SHARED, b: 1n << 32n },
      { kind: OP.FORK, mm: 1, c: 2 },
      { kind: OP.FORK, mm: 1, c: 3 },
      { kind: OP.FAULT, mm: 1, a: F, c: 1 },
      { kind: OP.FAULT, mm: 2, a: F, c: 1 },
      { kind: OP.FAULT, mm: 3, a: F, c: 0 },
    ]);
    const pfn = pfnOf(vm, 1, F);
    const raw = vm.core.raw;
    assert.ok(
      vm.scan().some((s) => s.pte & BigInt(PTE.D)),
      "some PTE is dirty before",
    );
    // page_mkclean alone (OP.MKCLEAN also completes the write): call the op and look before end_writeback
    assert.equal(vm.run([{ kind: OP.MKCLEAN, mm: 1, a: F }])[0], 2, "two writable mappings were cleaned");
    for (const s of vm.scan().filter((s) => Number((s.pte >> 12n) & 0xffffffffn) === pfn)) {
      assert.equal(s.pte & BigInt(PTE.RW | PTE.D), 0n, `mm ${s.mm} is read-only and clean`);
    }
    assert.ok(raw);
    assert.equal(vm.page(pfn).flags & PG_FLAG.DIRTY, 0, "the write-back finished, so the page is clean too");
    assert.deepEqual(vm.run([{ kind: OP.FAULT, mm: 2, a: F, c: 1 }]), [0]);
    assert.ok(vm.page(pfn).flags & PG_FLAG.DIRTY, "a new write dirties it again, through a fault");
  });
}

/** Both sides' view of every entry: present mappings by page identity, swap entries by slot identity. */
function compareWithModel(vm: VmMachine, model: VmModel, where: string): void {
  const pfnToPage = new Map<number, number>();
  const pageToPfn = new Map<number, number>();
  const slotToSlot = new Map<number, number>();
  const wasm = new Map<string, bigint>();
  for (const s of vm.scanAll()) wasm.set(`${s.mm}:${s.va}`, s.pte);
  const seen = new Set<string>();
  for (const [mm, m] of model.mms) {
    for (const [vpn, e] of m.ptes) {
      const key = `${mm}:${vpn * 4096n}`;
      seen.add(key);
      const pte = wasm.get(key);
      assert.ok(pte !== undefined, `${where}: the model maps ${key}, Wasm does not`);
      if ("page" in e) {
        assert.ok(pte & 1n, `${where}: ${key} is present in the model only`);
        const pfn = Number((pte >> 12n) & 0xff_ffff_ffffn);
        const bits = (b: number) => (pte & BigInt(b)) !== 0n;
        assert.deepEqual([bits(PTE.RW), bits(PTE.D), bits(PTE.A)], [e.rw, e.d, e.a], `${where}: ${key} rw/d/a`);
        if (pfnToPage.get(pfn) === undefined) pfnToPage.set(pfn, e.page.id);
        if (pageToPfn.get(e.page.id) === undefined) pageToPfn.set(e.page.id, pfn);
        assert.equal(pfnToPage.get(pfn), e.page.id, `${where}: ${key}: frame ${pfn} holds two model pages`);
        assert.equal(pageToPfn.get(e.page.id), pfn, `${where}: ${key}: model page ${e.page.id} is in two frames`);
        assert.equal((vm.page(pfn).flags & PG_FLAG.DIRTY) !== 0, e.page.dirty, `${where}: ${key}: page dirty`);
      } else {
        assert.ok(pte & BigInt(PTE_SWAP), `${where}: ${key} is a swap entry in the model only`);
        const slot = Number((pte >> 12n) & 0xffffffffn);
        if (slotToSlot.get(slot) === undefined) slotToSlot.set(slot, e.slot.id);
        assert.equal(slotToSlot.get(slot), e.slot.id, `${where}: ${key}: swap slot identity`);
      }
    }
  }
  for (const key of wasm.keys()) assert.ok(seen.has(key), `${where}: Wasm maps ${key}, the model does not`);
}

test(`the Wasm model and the TS reference model agree after ${SEEDS} random workloads`, () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const ops = randomVmOps(seed * 7919, OPS);
    for (const design of DESIGNS) {
      const vm = smallVm(design, "release");
      const model = new VmModel();
      for (let i = 0; i < ops.length; i += 25) {
        const part = ops.slice(i, i + 25);
        const got = vm.run(part).map((r, k) => (part[k].kind === OP.MIGRATE && r !== NIL ? 1 : r));
        const want = model.run(part);
        const where = `[seed ${seed * 7919}, ${design}, ops ${i}..${i + part.length}]`;
        assert.deepEqual(got, want, `${where} results`);
        compareWithModel(vm, model, where);
      }
    }
  }
});
