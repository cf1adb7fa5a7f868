// The TS twin of assembly/lib/itree.ts: the same treap-balanced interval tree
// over a u32 word view of the same memory, at the same addresses, so the same
// op sequence leaves every node and root word byte-identical. Every function
// mirrors the one of the same name; see the Wasm file for the node diagram.
import { fmix32 } from "./hash.js";

export const IT = {
  START: 0,
  LAST: 4,
  MAX: 8,
  LEFT: 12,
  RIGHT: 16,
  PARENT: 20,
  PRIO: 24,
  PAD: 28,
  NODE_SIZE: 32,
} as const;

export const IT_ERR = {
  OK: 0,
  ROOT_PARENT: 1,
  PARENT: 2,
  ORDER: 3,
  HEAP: 4,
  MAX: 5,
  PRIO: 6,
  INTERVAL: 7,
} as const;

export const IT_OP = { ROOT: 0, INSERT: 1, REMOVE: 2, QUERY: 3, CHECK: 4, COUNT: 5, SIZE: 16 } as const;
export const IT_BATCH_ERROR = 0xffffffff;

// Word indices of a node's fields: node address / 4 + these.
const START = IT.START >>> 2;
const LAST = IT.LAST >>> 2;
const MAX = IT.MAX >>> 2;
const LEFT = IT.LEFT >>> 2;
const RIGHT = IT.RIGHT >>> 2;
const PARENT = IT.PARENT >>> 2;
const PRIO = IT.PRIO >>> 2;
const PAD = IT.PAD >>> 2;

/** max(last, left.max, right.max) from the node's fields. */
function subtreeMax(w: Uint32Array, n: number): number {
  const i = n >>> 2;
  let m = w[i + LAST];
  const l = w[i + LEFT];
  const r = w[i + RIGHT];
  if (l) {
    const x = w[(l >>> 2) + MAX];
    if (x > m) m = x;
  }
  if (r) {
    const x = w[(r >>> 2) + MAX];
    if (x > m) m = x;
  }
  return m;
}

/** Points whatever held `old` (its parent's child link, or the root word) at `neu`. */
function replaceChild(w: Uint32Array, root: number, p: number, old: number, neu: number): void {
  if (!p) w[root >>> 2] = neu;
  else if (w[(p >>> 2) + LEFT] === old) w[(p >>> 2) + LEFT] = neu;
  else w[(p >>> 2) + RIGHT] = neu;
}

/** Rotates x above its parent p, keeping parent links and max. */
function rotateUp(w: Uint32Array, root: number, x: number): void {
  const xi = x >>> 2;
  const p = w[xi + PARENT];
  const pi = p >>> 2;
  const g = w[pi + PARENT];
  if (w[pi + LEFT] === x) {
    const b = w[xi + RIGHT];
    w[pi + LEFT] = b;
    if (b) w[(b >>> 2) + PARENT] = p;
    w[xi + RIGHT] = p;
  } else {
    const b = w[xi + LEFT];
    w[pi + RIGHT] = b;
    if (b) w[(b >>> 2) + PARENT] = p;
    w[xi + LEFT] = p;
  }
  w[pi + PARENT] = x;
  w[xi + PARENT] = g;
  replaceChild(w, root, g, p, x);
  w[xi + MAX] = w[pi + MAX];
  w[pi + MAX] = subtreeMax(w, p);
}

/** Links `node` as [start, last] (start <= last) into the tree whose root word is at `root`. */
export function itree_insert(w: Uint32Array, root: number, node: number, start: number, last: number): void {
  start >>>= 0;
  last >>>= 0;
  const ni = node >>> 2;
  const prio = fmix32(node);
  w[ni + START] = start;
  w[ni + LAST] = last;
  w[ni + MAX] = last;
  w[ni + LEFT] = 0;
  w[ni + RIGHT] = 0;
  w[ni + PRIO] = prio;
  w[ni + PAD] = 0;
  let p = 0;
  let link = root >>> 2;
  let cur = w[link];
  while (cur) {
    const ci = cur >>> 2;
    if (w[ci + MAX] < last) w[ci + MAX] = last;
    p = cur;
    const s = w[ci + START];
    if (start < s || (start === s && node < cur)) {
      link = ci + LEFT;
      cur = w[ci + LEFT];
    } else {
      link = ci + RIGHT;
      cur = w[ci + RIGHT];
    }
  }
  w[ni + PARENT] = p;
  w[link] = node;
  while (p && w[(p >>> 2) + PRIO] < prio) {
    rotateUp(w, root, node);
    p = w[ni + PARENT];
  }
}

/** Unlinks `node` from the tree whose root word is at `root`; its links are zeroed. */
export function itree_remove(w: Uint32Array, root: number, node: number): void {
  const ni = node >>> 2;
  for (;;) {
    const l = w[ni + LEFT];
    const r = w[ni + RIGHT];
    if (!l || !r) break;
    rotateUp(w, root, w[(l >>> 2) + PRIO] > w[(r >>> 2) + PRIO] ? l : r);
  }
  const l = w[ni + LEFT];
  const c = l ? l : w[ni + RIGHT];
  const p = w[ni + PARENT];
  if (c) w[(c >>> 2) + PARENT] = p;
  replaceChild(w, root, p, node, c);
  w[ni + LEFT] = 0;
  w[ni + RIGHT] = 0;
  w[ni + PARENT] = 0;
  w[ni + MAX] = w[ni + LAST];
  for (let a = p; a; a = w[(a >>> 2) + PARENT]) {
    const m = subtreeMax(w, a);
    if (m === w[(a >>> 2) + MAX]) break;
    w[(a >>> 2) + MAX] = m;
  }
}

/** The first node in n's subtree overlapping [qstart, qlast], or 0; requires n.max >= qstart. */
function subtreeSearch(w: Uint32Array, n: number, qstart: number, qlast: number): number {
  for (;;) {
    const ni = n >>> 2;
    const l = w[ni + LEFT];
    if (l && w[(l >>> 2) + MAX] >= qstart) {
      n = l;
      continue;
    }
    if (w[ni + START] <= qlast) {
      if (w[ni + LAST] >= qstart) return n;
      const r = w[ni + RIGHT];
      if (r && w[(r >>> 2) + MAX] >= qstart) {
        n = r;
        continue;
      }
    }
    return 0;
  }
}

/** The first node overlapping [qstart, qlast] in order of (start, address), or 0. */
export function itree_first(w: Uint32Array, root: number, qstart: number, qlast: number): number {
  qstart >>>= 0;
  qlast >>>= 0;
  const n = w[root >>> 2];
  if (!n || w[(n >>> 2) + MAX] < qstart) return 0;
  return subtreeSearch(w, n, qstart, qlast);
}

/** The next node after `node` (one itree_first/itree_next returned for the same query), or 0. */
export function itree_next(w: Uint32Array, node: number, qstart: number, qlast: number): number {
  qstart >>>= 0;
  qlast >>>= 0;
  let n = node;
  let r = w[(n >>> 2) + RIGHT];
  for (;;) {
    if (r && w[(r >>> 2) + MAX] >= qstart) return subtreeSearch(w, r, qstart, qlast);
    let prev: number;
    do {
      prev = n;
      n = w[(n >>> 2) + PARENT];
      if (!n) return 0;
      r = w[(n >>> 2) + RIGHT];
    } while (prev === r);
    if (w[(n >>> 2) + START] > qlast) return 0;
    if (w[(n >>> 2) + LAST] >= qstart) return n;
  }
}

/** How many nodes the tree holds: an in-order walk, O(n). */
export function itree_count(w: Uint32Array, root: number): number {
  let n = w[root >>> 2];
  if (!n) return 0;
  let count = 0;
  for (;;) {
    for (let l = w[(n >>> 2) + LEFT]; l; l = w[(n >>> 2) + LEFT]) n = l;
    for (;;) {
      count++;
      const r = w[(n >>> 2) + RIGHT];
      if (r) {
        n = r;
        break;
      }
      let prev: number;
      do {
        prev = n;
        n = w[(n >>> 2) + PARENT];
        if (!n) return count;
      } while (w[(n >>> 2) + RIGHT] === prev);
    }
  }
}

function checkNode(w: Uint32Array, n: number): number {
  const ni = n >>> 2;
  if (w[ni + PRIO] !== fmix32(n)) return IT_ERR.PRIO;
  if (w[ni + START] > w[ni + LAST]) return IT_ERR.INTERVAL;
  const l = w[ni + LEFT];
  const r = w[ni + RIGHT];
  if (l && l === r) return IT_ERR.PARENT;
  const prio = w[ni + PRIO];
  if ((l && w[(l >>> 2) + PRIO] >= prio) || (r && w[(r >>> 2) + PRIO] >= prio)) return IT_ERR.HEAP;
  if (w[ni + MAX] !== subtreeMax(w, n)) return IT_ERR.MAX;
  return IT_ERR.OK;
}

/** Debug checker: 0 when every invariant holds, else an IT_ERR code (see the Wasm twin). */
export function itree_check(w: Uint32Array, root: number): number {
  let n = w[root >>> 2];
  if (!n) return IT_ERR.OK;
  if (w[(n >>> 2) + PARENT]) return IT_ERR.ROOT_PARENT;
  let prev = 0;
  for (;;) {
    for (let l = w[(n >>> 2) + LEFT]; l; l = w[(n >>> 2) + LEFT]) {
      if (w[(l >>> 2) + PARENT] !== n) return IT_ERR.PARENT;
      n = l;
    }
    for (;;) {
      const err = checkNode(w, n);
      if (err) return err;
      if (prev) {
        const ps = w[(prev >>> 2) + START];
        const s = w[(n >>> 2) + START];
        if (ps > s || (ps === s && prev >= n)) return IT_ERR.ORDER;
      }
      prev = n;
      const r = w[(n >>> 2) + RIGHT];
      if (r) {
        if (w[(r >>> 2) + PARENT] !== n) return IT_ERR.PARENT;
        n = r;
        break;
      }
      let c: number;
      do {
        c = n;
        n = w[(n >>> 2) + PARENT];
        if (!n) return IT_ERR.OK;
      } while (w[(n >>> 2) + LEFT] !== c);
    }
  }
}

/** Mirrors itree_test_batch: runs `n` 16-byte op records; returns the words written to `out`. */
export function itreeTestBatch(w: Uint32Array, ops: number, n: number, out: number): number {
  let root = 0;
  let o = out >>> 2;
  for (let i = 0; i < n; i++) {
    const op = (ops >>> 2) + 4 * i;
    const kind = w[op];
    const node = w[op + 1];
    const a = w[op + 2];
    const b = w[op + 3];
    if (kind === IT_OP.ROOT) {
      root = node;
      continue;
    }
    if (!root) return IT_BATCH_ERROR;
    if (kind === IT_OP.INSERT) {
      itree_insert(w, root, node, a, b);
    } else if (kind === IT_OP.REMOVE) {
      itree_remove(w, root, node);
    } else if (kind === IT_OP.QUERY) {
      for (let x = itree_first(w, root, a, b); x; x = itree_next(w, x, a, b)) w[o++] = x;
      w[o++] = 0;
    } else if (kind === IT_OP.CHECK) {
      w[o++] = itree_check(w, root);
    } else if (kind === IT_OP.COUNT) {
      w[o++] = itree_count(w, root);
    } else {
      return IT_BATCH_ERROR;
    }
  }
  return o - (out >>> 2);
}
