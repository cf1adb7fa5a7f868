// An intrusive augmented interval tree: the primary rmap's i_mmap
// (vma_interval_tree) and anon_vma (anon_vma_interval_tree) trees, keyed by
// [vm_pgoff, vm_pgoff + pages - 1] (domain.md §5.2). Nodes are embedded in
// their owner (a VMA, an anon_vma_chain) the way the kernel embeds rb_node and
// uses container_of; the root is one u32 word inside the owner of the tree
// (an address_space, an anon_vma). The tree keeps no state of its own.
//
// Balancing: a treap whose priority is fmix32(node address). A treap's shape is
// a function of its (key, priority) set alone, so the Wasm core and the TS twin
// (src/reference/itree.ts) build byte-identical trees whatever the history,
// and the expected depth is O(log n). fmix32 is a bijection, so no two nodes
// share a priority. Keys are (start, node address): many VMAs may share a
// pgoff, and ties go by address.
//
// Walks use parent pointers: no recursion and no stack memory. Nodes and the
// root word must be 4-byte aligned (the TS twin reads them as u32 words).

import { fmix32 } from "../hash";

// ╒═══════════════ Interval-tree node (32 B, embedded in its owner) ═══════════════╕
//   0 start: first page offset          4 last: last page offset (inclusive)
//   8 max: largest `last` in the subtree (the augmentation)
//  12 left     16 right     20 parent: node addresses (0 = none)
//  24 prio: fmix32(node address), max-heap ordered    28 pad (0)
// └──────────────────────────────────────────────────────────────────────────────────┘
// BST order on (start, address); heap order on prio (a parent's prio is larger);
// max = max(last, left.max, right.max). A removed node has zero links.
export const IT_START: u32 = 0;
export const IT_LAST: u32 = 4;
export const IT_MAX: u32 = 8;
export const IT_LEFT: u32 = 12;
export const IT_RIGHT: u32 = 16;
export const IT_PARENT: u32 = 20;
export const IT_PRIO: u32 = 24;
export const IT_PAD: u32 = 28;
export const IT_NODE_SIZE: u32 = 32;

// itree_check's answers: 0 = every invariant holds, else the first broken one found.
export const IT_OK: i32 = 0;
/** The root node's parent is not 0. */
export const IT_ERR_ROOT_PARENT: i32 = 1;
/** A child's parent link does not name the node it hangs from, or left == right. */
export const IT_ERR_PARENT: i32 = 2;
/** In-order keys (start, address) are not strictly increasing. */
export const IT_ERR_ORDER: i32 = 3;
/** A child's prio is not below its parent's. */
export const IT_ERR_HEAP: i32 = 4;
/** A node's max is not max(last, left.max, right.max). */
export const IT_ERR_MAX: i32 = 5;
/** A node's prio is not fmix32(its address). */
export const IT_ERR_PRIO: i32 = 6;
/** A node's start is above its last. */
export const IT_ERR_INTERVAL: i32 = 7;

// ╒═════════ itree_test_batch op record (16 B) ═════════╕
//   0 kind    4 node    8 a    12 b
// └─────────────────────────────────────────────────────╛
// ROOT: node = the root word's address, used by the ops that follow.
// INSERT node [a, b]; REMOVE node; QUERY [a, b]: writes every overlapping
// node address in order, then 0; CHECK: writes itree_check; COUNT: writes
// itree_count. The batch returns the words written to `out`, or
// IT_BATCH_ERROR on an unknown kind or an op before the first ROOT.
export const IT_OP_ROOT: u32 = 0;
export const IT_OP_INSERT: u32 = 1;
export const IT_OP_REMOVE: u32 = 2;
export const IT_OP_QUERY: u32 = 3;
export const IT_OP_CHECK: u32 = 4;
export const IT_OP_COUNT: u32 = 5;
export const IT_OP_SIZE: u32 = 16;
export const IT_BATCH_ERROR: u32 = 0xffff_ffff;

// @ts-ignore: decorator
@inline function left(n: usize): usize {
  return <usize>load<u32>(n, IT_LEFT);
}

// @ts-ignore: decorator
@inline function right(n: usize): usize {
  return <usize>load<u32>(n, IT_RIGHT);
}

// @ts-ignore: decorator
@inline function parent(n: usize): usize {
  return <usize>load<u32>(n, IT_PARENT);
}

/** max(last, left.max, right.max) from the node's fields. */
// @ts-ignore: decorator
@inline function subtree_max(n: usize): u32 {
  let m = load<u32>(n, IT_LAST);
  const l = left(n);
  const r = right(n);
  if (l) {
    const x = load<u32>(l, IT_MAX);
    if (x > m) m = x;
  }
  if (r) {
    const x = load<u32>(r, IT_MAX);
    if (x > m) m = x;
  }
  return m;
}

/** Points whatever held `old` (its parent's child link, or the root word) at `neu`. */
// @ts-ignore: decorator
@inline function replace_child(root: usize, p: usize, old: usize, neu: usize): void {
  if (!p) store<u32>(root, <u32>neu);
  else if (left(p) == old) store<u32>(p, <u32>neu, IT_LEFT);
  else store<u32>(p, <u32>neu, IT_RIGHT);
}

/** Rotates x above its parent p, keeping parent links and max. */
function rotate_up(root: usize, x: usize): void {
  const p = parent(x);
  const g = parent(p);
  if (left(p) == x) {
    const b = right(x);
    store<u32>(p, <u32>b, IT_LEFT);
    if (b) store<u32>(b, <u32>p, IT_PARENT);
    store<u32>(x, <u32>p, IT_RIGHT);
  } else {
    const b = left(x);
    store<u32>(p, <u32>b, IT_RIGHT);
    if (b) store<u32>(b, <u32>p, IT_PARENT);
    store<u32>(x, <u32>p, IT_LEFT);
  }
  store<u32>(p, <u32>x, IT_PARENT);
  store<u32>(x, <u32>g, IT_PARENT);
  replace_child(root, g, p, x);
  // x now spans what p spanned; p lost x's far subtree.
  store<u32>(x, load<u32>(p, IT_MAX), IT_MAX);
  store<u32>(p, subtree_max(p), IT_MAX);
}

/** Links `node` as [start, last] (start <= last) into the tree whose root word is at `root`. */
export function itree_insert(root: usize, node: usize, start: u32, last: u32): void {
  const prio = fmix32(<u32>node);
  store<u32>(node, start, IT_START);
  store<u32>(node, last, IT_LAST);
  store<u32>(node, last, IT_MAX);
  store<u32>(node, 0, IT_LEFT);
  store<u32>(node, 0, IT_RIGHT);
  store<u32>(node, prio, IT_PRIO);
  store<u32>(node, 0, IT_PAD);
  // Descend as a plain BST insert, raising max on the way: every node passed
  // keeps `node` in its subtree through the rotations below.
  let p: usize = 0;
  let link = root;
  let cur = <usize>load<u32>(root);
  while (cur) {
    if (load<u32>(cur, IT_MAX) < last) store<u32>(cur, last, IT_MAX);
    p = cur;
    const s = load<u32>(cur, IT_START);
    if (start < s || (start == s && node < cur)) {
      link = cur + IT_LEFT;
      cur = left(cur);
    } else {
      link = cur + IT_RIGHT;
      cur = right(cur);
    }
  }
  store<u32>(node, <u32>p, IT_PARENT);
  store<u32>(link, <u32>node);
  // Restore heap order.
  while (p && load<u32>(p, IT_PRIO) < prio) {
    rotate_up(root, node);
    p = parent(node);
  }
}

/** Unlinks `node` from the tree whose root word is at `root`; its links are zeroed. */
export function itree_remove(root: usize, node: usize): void {
  // Rotate the node down, the higher-prio child up, until it has at most one child.
  for (;;) {
    const l = left(node);
    const r = right(node);
    if (!l || !r) break;
    rotate_up(root, load<u32>(l, IT_PRIO) > load<u32>(r, IT_PRIO) ? l : r);
  }
  const l = left(node);
  const c = l ? l : right(node);
  const p = parent(node);
  if (c) store<u32>(c, <u32>p, IT_PARENT);
  replace_child(root, p, node, c);
  store<u32>(node, 0, IT_LEFT);
  store<u32>(node, 0, IT_RIGHT);
  store<u32>(node, 0, IT_PARENT);
  store<u32>(node, load<u32>(node, IT_LAST), IT_MAX);
  // Lower max along the path; above the first unchanged node nothing changes.
  for (let a = p; a; a = parent(a)) {
    const m = subtree_max(a);
    if (m == load<u32>(a, IT_MAX)) break;
    store<u32>(a, m, IT_MAX);
  }
}

/**
 * The first node in `n`'s subtree (by start, then address) overlapping
 * [qstart, qlast], or 0. Requires n.max >= qstart. The kernel's
 * interval_tree subtree_search: the leftmost node whose last >= qstart is
 * the only candidate, since every node right of it starts no earlier.
 */
function subtree_search(n: usize, qstart: u32, qlast: u32): usize {
  for (;;) {
    const l = left(n);
    if (l && load<u32>(l, IT_MAX) >= qstart) {
      n = l;
      continue;
    }
    if (load<u32>(n, IT_START) <= qlast) {
      if (load<u32>(n, IT_LAST) >= qstart) return n;
      const r = right(n);
      if (r && load<u32>(r, IT_MAX) >= qstart) {
        n = r;
        continue;
      }
    }
    return 0;
  }
}

/** The first node overlapping [qstart, qlast] in order of (start, address), or 0 (vma_interval_tree_iter_first). */
export function itree_first(root: usize, qstart: u32, qlast: u32): usize {
  const n = <usize>load<u32>(root);
  if (!n || load<u32>(n, IT_MAX) < qstart) return 0;
  return subtree_search(n, qstart, qlast);
}

/** The next node after `node` (a node itree_first/itree_next returned for the same query), or 0. */
export function itree_next(node: usize, qstart: u32, qlast: u32): usize {
  let n = node;
  let r = right(n);
  for (;;) {
    // Invariant: n.start <= qlast and r = n.right; first try the right subtree.
    if (r && load<u32>(r, IT_MAX) >= qstart) return subtree_search(r, qstart, qlast);
    // Climb until we arrive from a left child.
    let prev: usize;
    do {
      prev = n;
      n = parent(n);
      if (!n) return 0;
      r = right(n);
    } while (prev == r);
    if (load<u32>(n, IT_START) > qlast) return 0;
    if (load<u32>(n, IT_LAST) >= qstart) return n;
  }  return 0; // not reached: asc's flow analysis wants a return after the loop
}

/** How many nodes the tree holds: an in-order walk, O(n). */
export function itree_count(root: usize): u32 {
  let n = <usize>load<u32>(root);
  if (!n) return 0;
  let count: u32 = 0;
  for (;;) {
    for (let l = left(n); l; l = left(n)) n = l;
    for (;;) {
      count++;
      const r = right(n);
      if (r) {
        n = r;
        break;
      }
      let prev: usize;
      do {
        prev = n;
        n = parent(n);
        if (!n) return count;
      } while (right(n) == prev);
    }
  }  return count; // not reached
}

/** A node's own invariants and those it shares with its children. */
function check_node(n: usize): i32 {
  if (load<u32>(n, IT_PRIO) != fmix32(<u32>n)) return IT_ERR_PRIO;
  if (load<u32>(n, IT_START) > load<u32>(n, IT_LAST)) return IT_ERR_INTERVAL;
  const l = left(n);
  const r = right(n);
  if (l && l == r) return IT_ERR_PARENT;
  const prio = load<u32>(n, IT_PRIO);
  if ((l && load<u32>(l, IT_PRIO) >= prio) || (r && load<u32>(r, IT_PRIO) >= prio)) return IT_ERR_HEAP;
  if (load<u32>(n, IT_MAX) != subtree_max(n)) return IT_ERR_MAX;
  return IT_OK;
}

/**
 * Debug checker: 0 when BST order, heap order, max and parent links all hold,
 * else an IT_ERR_* code. An in-order walk over parent links, each link
 * verified before it is climbed, so a corrupt tree cannot trap the walk.
 */
export function itree_check(root: usize): i32 {
  let n = <usize>load<u32>(root);
  if (!n) return IT_OK;
  if (parent(n)) return IT_ERR_ROOT_PARENT;
  let prev: usize = 0;
  for (;;) {
    for (let l = left(n); l; l = left(n)) {
      if (parent(l) != n) return IT_ERR_PARENT;
      n = l;
    }
    for (;;) {
      const err = check_node(n);
      if (err) return err;
      if (prev) {
        const ps = load<u32>(prev, IT_START);
        const s = load<u32>(n, IT_START);
        if (ps > s || (ps == s && prev >= n)) return IT_ERR_ORDER;
      }
      prev = n;
      const r = right(n);
      if (r) {
        if (parent(r) != n) return IT_ERR_PARENT;
        n = r;
        break;
      }
      // Climb past every node whose right subtree is done; visit the first reached from its left.
      let c: usize;
      do {
        c = n;
        n = parent(n);
        if (!n) return IT_OK;
      } while (left(n) != c);
    }
  }  return IT_OK; // not reached
}

/** Runs `n` op records (see IT_OP_*) in one call, for the tests. Returns the words written to `out`. */
export function itree_test_batch(ops: usize, n: u32, out: usize): u32 {
  let root: usize = 0;
  let w: usize = out;
  for (let i: usize = 0; i < <usize>n; i++) {
    const op = ops + i * IT_OP_SIZE;
    const kind = load<u32>(op, 0);
    const node = <usize>load<u32>(op, 4);
    const a = load<u32>(op, 8);
    const b = load<u32>(op, 12);
    if (kind == IT_OP_ROOT) {
      root = node;
      continue;
    }
    if (!root) return IT_BATCH_ERROR;
    if (kind == IT_OP_INSERT) {
      itree_insert(root, node, a, b);
    } else if (kind == IT_OP_REMOVE) {
      itree_remove(root, node);
    } else if (kind == IT_OP_QUERY) {
      for (let x = itree_first(root, a, b); x; x = itree_next(x, a, b)) {
        store<u32>(w, <u32>x);
        w += 4;
      }
      store<u32>(w, 0);
      w += 4;
    } else if (kind == IT_OP_CHECK) {
      store<i32>(w, itree_check(root));
      w += 4;
    } else if (kind == IT_OP_COUNT) {
      store<u32>(w, itree_count(root));
      w += 4;
    } else {
      return IT_BATCH_ERROR;
    }
  }
  return <u32>((w - out) >> 2);
}
