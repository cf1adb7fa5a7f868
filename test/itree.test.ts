// The interval tree (assembly/lib/itree.ts) on the Wasm core (debug build) and
// its TS twin (src/reference/itree.ts): seeded op sequences run whole inside
// one itree_test_batch call; every query must equal a brute-force scan, the
// checker must pass after every op, and the node bytes must agree at the end.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RESERVED_LOW } from "../src/layout.js";
import { fmix32 } from "../src/reference/hash.js";
import { IT, IT_BATCH_ERROR, IT_ERR, IT_OP, itree_check, itreeTestBatch } from "../src/reference/itree.js";
import { Rng } from "../src/rng.js";
import { createMemory, exportedConstants, instantiate, loadModule } from "../src/wasm.js";

const SEEDS = Number(process.env.ITREE_SEEDS ?? 12);
const CHURN = Number(process.env.ITREE_CHURN ?? 1500);
const NODES = 800;
const TREES = 2;

// Nodes live inside bigger "owner" structs (a VMA, an anon_vma_chain), at an
// offset, the way the kernel embeds rb_node; the roots sit inside an
// address_space-like struct.
const OWNER_SIZE = 40;
const NODE_OFF = 8;
const NODE_BASE = RESERVED_LOW;
const ROOTS = NODE_BASE + NODES * OWNER_SIZE;
const ROOT_ADDR = [ROOTS + 4, ROOTS + 36];
const OPS_BASE = ROOTS + 64;
const nodeAddr = (i: number) => NODE_BASE + i * OWNER_SIZE + NODE_OFF;
const U32_MAX = 0xffffffff;

type Op = [kind: number, node: number, a: number, b: number];

interface Member {
  tree: number;
  start: number;
  last: number;
}

interface Plan {
  ops: Op[];
  /** The words the batch must write. */
  expected: number[];
  /** For each output-producing op: its index in `ops`, its first word in `expected`, and what it was. */
  marks: { op: number; at: number; what: string }[];
  /** The members at the end, by node address. */
  members: Map<number, Member>;
}

/** A seeded op sequence over TREES trees and its brute-force answers. */
function planSequence(seed: number, nchurn: number): Plan {
  const rng = new Rng(seed);
  const members = new Map<number, Member>();
  const ops: Op[] = [];
  const expected: number[] = [];
  const marks: Plan["marks"] = [];
  let current = -1;
  const use = (tree: number) => {
    if (tree !== current) ops.push([IT_OP.ROOT, ROOT_ADDR[tree], 0, 0]);
    current = tree;
  };
  const emit = (tree: number, op: Op, words: number[], what: string) => {
    use(tree);
    if (words.length) marks.push({ op: ops.length, at: expected.length, what });
    ops.push(op);
    expected.push(...words);
  };
  const inTree = (tree: number) => [...members].filter(([, m]) => m.tree === tree);
  const check = (tree: number, what: string) => emit(tree, [IT_OP.CHECK, 0, 0, 0], [IT_ERR.OK], `check after ${what}`);
  // The treap's root is the member with the largest prio = fmix32(address).
  const treapRoot = (tree: number) => {
    let best = 0;
    for (const [n] of inTree(tree)) if (!best || fmix32(n) > fmix32(best)) best = n;
    return best;
  };

  const interval = (): [number, number] => {
    switch (rng.below(7)) {
      case 0: {
        // nested around 5000
        const h = rng.below(4000);
        return [5000 - h, 5000 + h];
      }
      case 1: {
        // disjoint slots
        const s = 20000 + 16 * rng.below(2000);
        return [s, s + rng.below(8)];
      }
      case 2: {
        // ties in start: many VMAs at one pgoff
        const s = [0, 7, 100, 5000][rng.below(4)];
        return [s, s + rng.below(rng.below(2) ? 4 : 60000)];
      }
      case 3: {
        const s = rng.below(70000);
        return [s, s];
      }
      case 4: {
        // up against the ends of the u32 range
        return rng.below(2) ? [rng.below(100), U32_MAX - rng.below(2)] : [U32_MAX - rng.below(50), U32_MAX];
      }
      default: {
        const s = rng.below(60000);
        return [s, s + rng.below(rng.below(3) ? 64 : 8000)];
      }
    }
  };
  const query = (tree: number): [number, number] => {
    const list = inTree(tree);
    if (list.length && rng.below(3) === 0) {
      // on the boundaries of a member
      const m = list[rng.below(list.length)][1];
      const lo = Math.max(0, m.start - 1);
      const hi = Math.min(U32_MAX, m.last + 1);
      const pairs: [number, number][] = [
        [m.start, m.start],
        [m.last, m.last],
        [lo, lo],
        [hi, hi],
        [m.last, hi],
        [rng.below(m.start + 1), m.start],
        [hi, Math.min(U32_MAX, hi + rng.below(100))],
        [rng.below(lo + 1), lo],
      ];
      return pairs[rng.below(pairs.length)];
    }
    switch (rng.below(6)) {
      case 0: {
        const x = rng.below(70000);
        return [x, x]; // stabbing
      }
      case 1:
        return [0, U32_MAX];
      case 2:
        return [U32_MAX - rng.below(60), U32_MAX];
      case 3:
        return [1000000 + rng.below(1000), 2000000]; // usually empty
      default: {
        const s = rng.below(60000);
        return [s, s + rng.below(rng.below(2) ? 32 : 20000)];
      }
    }
  };

  const insert = (tree: number) => {
    const free: number[] = [];
    for (let i = 0; i < NODES; i++) if (!members.has(nodeAddr(i))) free.push(nodeAddr(i));
    if (!free.length) return;
    const n = free[rng.below(free.length)];
    const [s, l] = interval();
    members.set(n, { tree, start: s, last: l });
    emit(tree, [IT_OP.INSERT, n, s, l], [], "");
    check(tree, `insert ${n} [${s}, ${l}]`);
  };
  const remove = (tree: number) => {
    const list = inTree(tree);
    if (!list.length) return;
    const n = rng.below(4) === 0 ? treapRoot(tree) : list[rng.below(list.length)][0];
    members.delete(n);
    emit(tree, [IT_OP.REMOVE, n, 0, 0], [], "");
    check(tree, `remove ${n}`);
  };
  const ask = (tree: number) => {
    const [qs, ql] = query(tree);
    const want = inTree(tree)
      .filter(([, m]) => m.start <= ql && qs <= m.last)
      .sort(([a, ma], [b, mb]) => ma.start - mb.start || a - b)
      .map(([n]) => n);
    emit(tree, [IT_OP.QUERY, 0, qs, ql], [...want, 0], `query [${qs}, ${ql}]`);
  };
  const count = (tree: number) => emit(tree, [IT_OP.COUNT, 0, 0, 0], [inTree(tree).length], "count");

  // Tree 0 gets most of the traffic, so it grows to hundreds of nodes.
  const pick = () => (rng.below(4) ? 0 : 1);
  const act = (pInsert: number) => {
    const tree = pick();
    const r = rng.float();
    if (r < 0.6) {
      if (rng.float() < pInsert) insert(tree);
      else remove(tree);
    } else if (r < 0.95) ask(tree);
    else count(tree);
  };
  // Grow to 90% of the nodes, churn, drain both trees to empty (roots
  // included), then grow again on the emptied roots.
  while (members.size < 0.9 * NODES) act(0.85);
  for (let i = 0; i < nchurn; i++) act(0.5);
  for (let tree = 0; tree < TREES; tree++) {
    while (inTree(tree).length) {
      remove(tree);
      if (rng.below(4) === 0) ask(tree);
    }
    count(tree);
    emit(tree, [IT_OP.QUERY, 0, 0, U32_MAX], [0], "query of an emptied tree");
  }
  for (let i = 0; i < nchurn / 4; i++) act(0.7);
  for (let tree = 0; tree < TREES; tree++) count(tree);
  return { ops, expected, marks, members };
}

interface Twins {
  wasm: Uint32Array;
  ts: Uint32Array;
  runWasm: (ops: number, n: number, out: number) => number;
  runTs: (ops: number, n: number, out: number) => number;
}

function twins(bytes: number): Twins {
  const memory = createMemory(bytes);
  const core = instantiate(loadModule("debug"), memory);
  const ts = new Uint32Array(new ArrayBuffer(memory.buffer.byteLength));
  return {
    wasm: new Uint32Array(memory.buffer),
    ts,
    runWasm: (ops, n, out) => (core.raw.itree_test_batch(ops, n, out) as number) >>> 0,
    runTs: (ops, n, out) => itreeTestBatch(ts, ops, n, out),
  };
}

function writeOps(w: Uint32Array, at: number, ops: Op[]): void {
  ops.forEach((op, i) => {
    w.set(op, (at >>> 2) + 4 * i);
  });
}

/** Names the first op whose output differs, for the failure message. */
function firstDiff(plan: Plan, got: number[]): string {
  for (let i = 0; i < plan.marks.length; i++) {
    const { op, at, what } = plan.marks[i];
    const end = i + 1 < plan.marks.length ? plan.marks[i + 1].at : plan.expected.length;
    const want = plan.expected.slice(at, end);
    const have = got.slice(at, end);
    if (want.join() !== have.join()) {
      let k = 0;
      while (want[k] === have[k]) k++;
      const near = (a: number[]) =>
        `[${k > 3 ? "..., " : ""}${a.slice(Math.max(0, k - 3), k + 4)}${a.length > k + 4 ? ", ..." : ""}]`;
      return `op ${op} (${what}): answers differ from word ${k}: want ${near(want)} got ${near(have)}`;
    }
  }
  return `${got.length} words written, ${plan.expected.length} expected`;
}

test("random insert/remove/query sequences: Wasm and TS twin equal a brute-force scan", () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const plan = planSequence(seed, CHURN);
    const out = OPS_BASE + plan.ops.length * IT_OP.SIZE;
    const bytes = out + 8 * plan.expected.length + 65536; // room for a wrong answer to be long
    const t = twins(bytes);
    const got: number[][] = [];
    for (const [name, w, run] of [
      ["wasm", t.wasm, t.runWasm],
      ["ts", t.ts, t.runTs],
    ] as const) {
      writeOps(w, OPS_BASE, plan.ops);
      let words: number;
      try {
        words = run(OPS_BASE, plan.ops.length, out);
      } catch (e) {
        throw new Error(`seed ${seed} ${name}: the batch threw`, { cause: e });
      }
      assert.notEqual(words, IT_BATCH_ERROR, `seed ${seed} ${name}: the batch refused its ops`);
      got.push(Array.from(w.subarray(out >>> 2, (out >>> 2) + words)));
    }
    const [wasm, ts] = got;
    if (wasm.join() !== plan.expected.join()) assert.fail(`seed ${seed} wasm: ${firstDiff(plan, wasm)}`);
    if (ts.join() !== plan.expected.join()) assert.fail(`seed ${seed} ts: ${firstDiff(plan, ts)}`);
    // Every node and root word, byte for byte.
    const lo = NODE_BASE >>> 2;
    const hi = OPS_BASE >>> 2;
    assert.deepEqual(t.wasm.subarray(lo, hi), t.ts.subarray(lo, hi), `seed ${seed}: node bytes differ`);
    // The treap's shape is fixed by its members: the root holds the largest prio.
    for (let tree = 0; tree < TREES; tree++) {
      let best = 0;
      for (const [n, m] of plan.members) if (m.tree === tree && (!best || fmix32(n) > fmix32(best))) best = n;
      assert.equal(t.wasm[ROOT_ADDR[tree] >>> 2], best, `seed ${seed}: root of tree ${tree}`);
    }
  }
});

test("the module's exported offsets equal the twin's", () => {
  const g = exportedConstants(loadModule("release"));
  for (const [k, v] of Object.entries(IT)) assert.equal(g[`IT_${k}`], v, `IT_${k}`);
  for (const [k, v] of Object.entries(IT_ERR)) assert.equal(g[k === "OK" ? "IT_OK" : `IT_ERR_${k}`], v, k);
  for (const [k, v] of Object.entries(IT_OP)) assert.equal(g[`IT_OP_${k}`], v, `IT_OP_${k}`);
  assert.equal((g.IT_BATCH_ERROR as number) >>> 0, IT_BATCH_ERROR);
});

test("the batch refuses ops before a ROOT and unknown kinds", () => {
  const t = twins(OPS_BASE + 4096);
  for (const [w, run] of [
    [t.wasm, t.runWasm],
    [t.ts, t.runTs],
  ] as const) {
    writeOps(w, OPS_BASE, [[IT_OP.CHECK, 0, 0, 0]]);
    assert.equal(run(OPS_BASE, 1, OPS_BASE + 1024), IT_BATCH_ERROR);
    writeOps(w, OPS_BASE, [
      [IT_OP.ROOT, ROOT_ADDR[0], 0, 0],
      [99, 0, 0, 0],
    ]);
    assert.equal(run(OPS_BASE, 2, OPS_BASE + 1024), IT_BATCH_ERROR);
  }
});

// --- the checker can fail ------------------------------------------------------

const W = (a: number, field: number) => (a + field) >>> 2;
const set = (w: Uint32Array, node: number, field: number, v: number) => {
  w[W(node, field)] = v;
};

/** A 64-node tree with starts >= 1, built by the batch in both twins. */
function builtTree(): Twins {
  const t = twins(OPS_BASE + 4096);
  const rng = new Rng(7);
  const ops: Op[] = [[IT_OP.ROOT, ROOT_ADDR[0], 0, 0]];
  for (let i = 0; i < 64; i++) {
    const s = 1 + rng.below(500);
    ops.push([IT_OP.INSERT, nodeAddr(i), s, s + rng.below(300)]);
  }
  ops.push([IT_OP.CHECK, 0, 0, 0]);
  for (const [w, run] of [
    [t.wasm, t.runWasm],
    [t.ts, t.runTs],
  ] as const) {
    writeOps(w, OPS_BASE, ops);
    assert.equal(run(OPS_BASE, ops.length, OPS_BASE + 2048), 1);
    assert.equal(w[(OPS_BASE + 2048) >>> 2], IT_ERR.OK);
  }
  return t;
}

function checkBoth(t: Twins): number[] {
  const codes: number[] = [];
  for (const [w, run] of [
    [t.wasm, t.runWasm],
    [t.ts, t.runTs],
  ] as const) {
    writeOps(w, OPS_BASE, [
      [IT_OP.ROOT, ROOT_ADDR[0], 0, 0],
      [IT_OP.CHECK, 0, 0, 0],
    ]);
    assert.equal(run(OPS_BASE, 2, OPS_BASE + 2048), 1);
    codes.push(w[(OPS_BASE + 2048) >>> 2]);
  }
  assert.equal(itree_check(t.ts, ROOT_ADDR[0]), codes[1]);
  return codes;
}

/** Applies the same corruption to both twins' memories. */
function corrupt(t: Twins, f: (w: Uint32Array, root: number) => void): number[] {
  f(t.wasm, t.wasm[ROOT_ADDR[0] >>> 2]);
  f(t.ts, t.ts[ROOT_ADDR[0] >>> 2]);
  return checkBoth(t);
}

const leftmost = (w: Uint32Array, n: number) => {
  while (w[W(n, IT.LEFT)]) n = w[W(n, IT.LEFT)];
  return n;
};
const rightmost = (w: Uint32Array, n: number) => {
  while (w[W(n, IT.RIGHT)]) n = w[W(n, IT.RIGHT)];
  return n;
};
/** A leaf that is some node's left child. */
const leftLeaf = (w: Uint32Array, root: number) => {
  let n = w[W(root, IT.LEFT)];
  for (;;) {
    const l = w[W(n, IT.LEFT)];
    const r = w[W(n, IT.RIGHT)];
    if (!l && !r) return n;
    n = l || r;
  }
};

test("a corrupted tree makes itree_check name the broken invariant", () => {
  const cases: [string, number, (w: Uint32Array, root: number) => void][] = [
    [
      "wrong max on a leaf",
      IT_ERR.MAX,
      (w, root) => set(w, leftLeaf(w, root), IT.MAX, w[W(leftLeaf(w, root), IT.MAX)] + 1),
    ],
    ["root max too low", IT_ERR.MAX, (w, root) => set(w, root, IT.MAX, 0)],
    [
      "start above last",
      IT_ERR.INTERVAL,
      (w, root) => {
        const n = leftLeaf(w, root);
        w[W(n, IT.START)] = w[W(n, IT.LAST)] + 1;
      },
    ],
    ["out-of-order start", IT_ERR.ORDER, (w, root) => set(w, rightmost(w, root), IT.START, 0)],
    [
      "prio not the address hash",
      IT_ERR.PRIO,
      (w, root) => set(w, leftLeaf(w, root), IT.PRIO, fmix32(leftLeaf(w, root)) ^ 1),
    ],
    ["root has a parent", IT_ERR.ROOT_PARENT, (w, root) => set(w, root, IT.PARENT, leftLeaf(w, root))],
    ["child's parent link wrong", IT_ERR.PARENT, (w, root) => set(w, leftLeaf(w, root), IT.PARENT, root + 4)],
    ["left link loops to the root", IT_ERR.PARENT, (w, root) => set(w, leftmost(w, root), IT.LEFT, root)],
    [
      "left == right",
      IT_ERR.PARENT,
      (w, root) => {
        const n = rightmost(w, w[W(root, IT.LEFT)]);
        w[W(n, IT.RIGHT)] = w[W(n, IT.LEFT)] || n;
      },
    ],
  ];
  for (const [what, code, f] of cases) {
    assert.deepEqual(corrupt(builtTree(), f), [code, code], what);
  }
  // Heap order alone: two nodes with honest prios, the lower-prio one on top.
  const t = twins(OPS_BASE + 4096);
  let a = nodeAddr(0);
  let b = nodeAddr(1);
  if (fmix32(b) < fmix32(a)) [a, b] = [b, a];
  for (const w of [t.wasm, t.ts]) {
    w[ROOT_ADDR[0] >>> 2] = a;
    for (const n of [a, b]) {
      w[W(n, IT.START)] = 10;
      w[W(n, IT.LAST)] = 20;
      w[W(n, IT.MAX)] = 20;
      w[W(n, IT.PRIO)] = fmix32(n);
    }
    w[W(a, a < b ? IT.RIGHT : IT.LEFT)] = b; // equal starts: the higher address goes right
    w[W(b, IT.PARENT)] = a;
  }
  assert.deepEqual(checkBoth(t), [IT_ERR.HEAP, IT_ERR.HEAP], "child prio above its parent's");
});
