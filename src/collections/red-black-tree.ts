/**
 * An augmented red-black tree. Nodes are integer handles into a `TreeNodeStore` (possibly shared by many
 * trees); 0 (`NIL`) means "no node". Two orderings:
 * - a comparator over the items (`insert`), for keys that are not numbers;
 * - over a `keyed` store without comparator, a numeric (key, tie) pair kept in the store (`insertKeyed`):
 *   searching reads no item, which matters when items are scattered over a large heap.
 * Equal items are kept in insertion order. (Weighted random selection uses `WeightArena`, not a tree.)
 *
 * Complexity: insert, remove, find, lowerBound O(log n); first/last
 * O(log n); next/prev amortised O(1) during an in-order walk.
 */
import { NIL, TreeNodeStore } from './tree-node-store.js';

export type Comparator<T> = (a: T, b: T) => number;
/** Compares an item with a search target: negative if the item sorts before it, 0 if equal. */
export type Probe<T> = (item: T) => number;

// Offsets of a node's fields in `links` (node * LS + offset).
const R = 1;
const P = 2;
const C = 3;

export class RedBlackTree<T> {
  readonly store: TreeNodeStore<T>;
  private readonly compare: Comparator<T>;
  private root = NIL;
  private count = 0;

  /**
   * With a comparator, use `insert`; over a `keyed` store and no comparator, the order is the numeric
   * (key, tie) pair given to `insertKeyed` (equal pairs in insertion order).
   */
  constructor(compare: Comparator<T> | undefined, store?: TreeNodeStore<T>) {
    this.store = store ?? new TreeNodeStore<T>();
    if (compare !== undefined) {
      this.compare = compare;
    } else {
      if (!this.store.keyed) throw new Error('a tree without comparator needs a keyed store');
      this.compare = () => 0;
    }
  }

  get size(): number {
    return this.count;
  }

  item(node: number): T {
    return this.store.items[node] as T;
  }

  /** The numeric key of a node (keyed store). */
  keyOf(node: number): number {
    const s = this.store;
    return s.nums[node * s.numStride + s.keyOffset]!;
  }

  /** The tie of a node of a keyed store. */
  tieOf(node: number): number {
    const s = this.store;
    return s.nums[node * s.numStride + s.tieOffset]!;
  }

  /** Inserts `item` after all equal items (comparator order); returns its node. */
  insert(item: T): number {
    const s = this.store;
    const z = s.allocate(item);
    const L = s.links;
    const LS = this.store.linkStride;
    const items = s.items;
    let y = NIL;
    let x = this.root;
    let goLeft = false;
    while (x !== NIL) {
      y = x;
      goLeft = this.compare(item, items[x] as T) < 0;
      x = L[x * LS + (goLeft ? 0 : R)]!;
    }
    this.link(z, y, goLeft);
    return z;
  }

  /** Inserts `item` at numeric position (key, tie), after equal pairs (keyed store); returns its node. */
  insertKeyed(item: T, key: number, tie: number): number {
    const z = this.store.allocate(item);
    this.attachKeyed(z, key, tie);
    return z;
  }

  /**
   * Moves a node of this tree to (key, tie), after equal pairs (keyed store): the node keeps its handle,
   * its item and whatever the caller keeps per node. O(log n).
   */
  rekey(z: number, key: number, tie: number): void {
    this.detach(z);
    const L = this.store.links;
    const b = z * this.store.linkStride;
    L[b] = NIL;
    L[b + R] = NIL;
    L[b + P] = NIL;
    L[b + C] = 1;
    this.attachKeyed(z, key, tie);
  }

  private attachKeyed(z: number, key: number, tie: number): void {
    const s = this.store;
    const L = s.links;
    const LS = s.linkStride;
    s.nums[z * s.numStride + s.keyOffset] = key;
    s.nums[z * s.numStride + s.tieOffset] = tie;
    let y = NIL;
    let x = this.root;
    let goLeft = false;
    while (x !== NIL) {
      y = x;
      goLeft = this.sortsAfter(x, key, tie);
      x = L[x * LS + (goLeft ? 0 : R)]!;
    }
    this.link(z, y, goLeft);
  }

  /** Whether node `x`'s (key, tie) sorts after (key, tie) (keyed store). */
  private sortsAfter(x: number, key: number, tie: number): boolean {
    const s = this.store;
    const kx = s.nums[x * s.numStride + s.keyOffset]!;
    return kx > key || (kx === key && s.nums[x * s.numStride + s.tieOffset]! > tie);
  }

  /** Removes a node of this tree (the handle becomes invalid). */
  remove(z: number): void {
    this.detach(z);
    this.store.release(z);
  }

  /** Unlinks a node from this tree, rebalancing; the node stays allocated. */
  private detach(z: number): void {
    const s = this.store;
    const L = s.links;
    const LS = this.store.linkStride;
    let y = z;
    let yWasRed = L[y * LS + C] === 1;
    let x: number;
    let xParent: number;
    if (L[z * LS] === NIL) {
      x = L[z * LS + R]!;
      xParent = L[z * LS + P]!;
      this.transplant(z, x);
    } else if (L[z * LS + R] === NIL) {
      x = L[z * LS]!;
      xParent = L[z * LS + P]!;
      this.transplant(z, x);
    } else {
      y = L[z * LS + R]!;
      while (L[y * LS] !== NIL) y = L[y * LS]!;
      yWasRed = L[y * LS + C] === 1;
      x = L[y * LS + R]!;
      if (L[y * LS + P] === z) {
        xParent = y;
      } else {
        xParent = L[y * LS + P]!;
        this.transplant(y, x);
        L[y * LS + R] = L[z * LS + R]!;
        L[L[y * LS + R]! * LS + P] = y;
      }
      this.transplant(z, y);
      L[y * LS] = L[z * LS]!;
      L[L[y * LS]! * LS + P] = y;
      L[y * LS + C] = L[z * LS + C]!;
    }
    this.count--;
    if (!yWasRed) this.deleteFixup(x, xParent);
    L[NIL + P] = NIL;
  }

  /** A node whose item compares equal to the target (the first such), or NIL. */
  find(probe: Probe<T>): number {
    const n = this.lowerBound(probe);
    return n !== NIL && probe(this.store.items[n] as T) === 0 ? n : NIL;
  }

  /** The first node whose item is >= the target, or NIL. */
  lowerBound(probe: Probe<T>): number {
    return this.bound(probe, false);
  }

  /** The first node whose item is > the target, or NIL. */
  upperBound(probe: Probe<T>): number {
    return this.bound(probe, true);
  }

  /** The first node whose item is >= (`strict`: >) the target, or NIL. */
  private bound(probe: Probe<T>, strict: boolean): number {
    const { links: L, items } = this.store;
    const LS = this.store.linkStride;
    let x = this.root;
    let result = NIL;
    while (x !== NIL) {
      const c = probe(items[x] as T);
      if (c > 0 || (c === 0 && !strict)) {
        result = x;
        x = L[x * LS]!;
      } else {
        x = L[x * LS + R]!;
      }
    }
    return result;
  }

  /** The first node whose (key, tie) is greater than (key, tie) (keyed store), or NIL. */
  upperBoundKeyed(key: number, tie = Number.POSITIVE_INFINITY): number {
    const L = this.store.links;
    const LS = this.store.linkStride;
    let x = this.root;
    let result = NIL;
    while (x !== NIL) {
      if (this.sortsAfter(x, key, tie)) {
        result = x;
        x = L[x * LS]!;
      } else {
        x = L[x * LS + R]!;
      }
    }
    return result;
  }

  first(): number {
    return this.extreme(0);
  }

  last(): number {
    return this.extreme(R);
  }

  /** The node furthest down on `side` (0 left, R right), or NIL. */
  private extreme(side: number): number {
    const L = this.store.links;
    const LS = this.store.linkStride;
    let x = this.root;
    if (x === NIL) return NIL;
    while (L[x * LS + side] !== NIL) x = L[x * LS + side]!;
    return x;
  }

  next(node: number): number {
    return this.step(node, R);
  }

  prev(node: number): number {
    return this.step(node, 0);
  }

  /** The in-order neighbour on `side` (R: next, 0: previous), or NIL. */
  private step(node: number, side: number): number {
    const L = this.store.links;
    const LS = this.store.linkStride;
    const other = R - side;
    let x = L[node * LS + side]!;
    if (x !== NIL) {
      while (L[x * LS + other] !== NIL) x = L[x * LS + other]!;
      return x;
    }
    x = node;
    let p = L[x * LS + P]!;
    while (p !== NIL && x === L[p * LS + side]) {
      x = p;
      p = L[p * LS + P]!;
    }
    return p;
  }

  /** In-order iteration (do not modify the tree while iterating). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let n = this.first(); n !== NIL; n = this.next(n)) yield this.store.items[n] as T;
  }

  /** Removes every node (O(n)). */
  clear(): void {
    const nodes: number[] = [];
    for (let n = this.first(); n !== NIL; n = this.next(n)) nodes.push(n);
    for (const n of nodes) this.store.release(n);
    this.root = NIL;
    this.count = 0;
  }

  /** Checks every invariant (order, colours, black height, parents); throws on a violation. For tests. */
  verify(): void {
    const s = this.store;
    const L = s.links;
    const LS = this.store.linkStride;
    const items = s.items;
    const st = s.numStride;
    const left = (n: number): number => L[n * LS]!;
    const right = (n: number): number => L[n * LS + R]!;
    const red = (n: number): boolean => L[n * LS + C] === 1;
    if (red(this.root)) throw new Error('red root');
    if (this.root !== NIL && L[this.root * LS + P] !== NIL) throw new Error('root has a parent');
    if (L[0] !== NIL || L[1] !== NIL || L[2] !== NIL || L[3] !== 0) throw new Error('sentinel modified');
    let counted = 0;
    const order = s.keyed
      ? (a: number, b: number): number =>
          s.nums[a * st + s.keyOffset]! - s.nums[b * st + s.keyOffset]! ||
          s.nums[a * st + s.tieOffset]! - s.nums[b * st + s.tieOffset]!
      : (a: number, b: number): number => this.compare(items[a] as T, items[b] as T);
    const walk = (n: number): number => {
      if (n === NIL) return 1;
      counted++;
      const l = left(n);
      const r = right(n);
      if (l !== NIL && L[l * LS + P] !== n) throw new Error('bad parent link');
      if (r !== NIL && L[r * LS + P] !== n) throw new Error('bad parent link');
      if (red(n) && (red(l) || red(r))) throw new Error('red node with red child');
      if (l !== NIL && order(l, n) > 0) throw new Error('order violated');
      if (r !== NIL && order(r, n) < 0) throw new Error('order violated');
      const bl = walk(l);
      const br = walk(r);
      if (bl !== br) throw new Error('black height differs');
      return bl + (red(n) ? 0 : 1);
    };
    walk(this.root);
    if (counted !== this.count) throw new Error(`size ${this.count} but ${counted} nodes`);
    let prev = NIL;
    for (let n = this.first(); n !== NIL; n = this.next(n)) {
      if (prev !== NIL && order(prev, n) > 0) throw new Error('in-order walk unsorted');
      prev = n;
    }
  }

  private link(z: number, y: number, goLeft: boolean): void {
    const s = this.store;
    const L = s.links;
    const LS = this.store.linkStride;
    L[z * LS + P] = y;
    if (y === NIL) this.root = z;
    else L[y * LS + (goLeft ? 0 : R)] = z;
    this.count++;
    this.insertFixup(z);
  }

  private transplant(u: number, v: number): void {
    const L = this.store.links;
    const LS = this.store.linkStride;
    const p = L[u * LS + P]!;
    if (p === NIL) this.root = v;
    else if (u === L[p * LS]) L[p * LS] = v;
    else L[p * LS + R] = v;
    L[v * LS + P] = p;
  }

  /** Rotates at `x`: its child on side `up` (R: a left rotation, 0: a right one) takes its place. */
  private rotate(x: number, up: number): void {
    const L = this.store.links;
    const LS = this.store.linkStride;
    const down = R - up;
    const y = L[x * LS + up]!;
    const inner = L[y * LS + down]!;
    L[x * LS + up] = inner;
    if (inner !== NIL) L[inner * LS + P] = x;
    const p = L[x * LS + P]!;
    L[y * LS + P] = p;
    if (p === NIL) this.root = y;
    else if (x === L[p * LS]) L[p * LS] = y;
    else L[p * LS + R] = y;
    L[y * LS + down] = x;
    L[x * LS + P] = y;
  }

  // The fix-ups of CLRS (ch. 13), each written once for both mirror images: `side` is the side of the
  // node being fixed under its parent, `other` the side of its uncle (insert) or sibling (delete).
  private insertFixup(node: number): void {
    const L = this.store.links;
    const LS = this.store.linkStride;
    let z = node;
    while (L[L[z * LS + P]! * LS + C] === 1) {
      const p = L[z * LS + P]!;
      const g = L[p * LS + P]!;
      const side = p === L[g * LS] ? 0 : R;
      const other = R - side;
      const u = L[g * LS + other]!;
      if (L[u * LS + C] === 1) {
        L[p * LS + C] = 0;
        L[u * LS + C] = 0;
        L[g * LS + C] = 1;
        z = g;
        continue;
      }
      if (z === L[p * LS + other]) {
        z = p;
        this.rotate(z, other);
      }
      const p2 = L[z * LS + P]!;
      const g2 = L[p2 * LS + P]!;
      L[p2 * LS + C] = 0;
      L[g2 * LS + C] = 1;
      this.rotate(g2, side);
    }
    L[this.root * LS + C] = 0;
  }

  private deleteFixup(node: number, nodeParent: number): void {
    const L = this.store.links;
    const LS = this.store.linkStride;
    let x = node;
    let xp = nodeParent;
    while (x !== this.root && L[x * LS + C] !== 1) {
      const side = x === L[xp * LS] ? 0 : R;
      const other = R - side;
      let w = L[xp * LS + other]!;
      if (L[w * LS + C] === 1) {
        L[w * LS + C] = 0;
        L[xp * LS + C] = 1;
        this.rotate(xp, other);
        w = L[xp * LS + other]!;
      }
      if (L[L[w * LS + side]! * LS + C] !== 1 && L[L[w * LS + other]! * LS + C] !== 1) {
        L[w * LS + C] = 1;
        x = xp;
        xp = L[x * LS + P]!;
        continue;
      }
      if (L[L[w * LS + other]! * LS + C] !== 1) {
        L[L[w * LS + side]! * LS + C] = 0;
        L[w * LS + C] = 1;
        this.rotate(w, side);
        w = L[xp * LS + other]!;
      }
      L[w * LS + C] = L[xp * LS + C]!;
      L[xp * LS + C] = 0;
      L[L[w * LS + other]! * LS + C] = 0;
      this.rotate(xp, other);
      x = this.root;
      xp = NIL;
    }
    L[x * LS + C] = 0;
  }
}
