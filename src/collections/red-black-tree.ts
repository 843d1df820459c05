/**
 * An augmented red-black tree. Nodes are integer handles into a `TreeNodeStore` (possibly shared by many
 * trees); 0 (`NIL`) means "no node". Two orderings:
 * - a comparator over the items (`insert`), for keys that are not numbers;
 * - over a `keyed` store without comparator, a numeric (key, tie) pair kept in the store (`insertKeyed`):
 *   searching reads no item, which matters when items are scattered over a large heap.
 * Equal items are kept in insertion order. When the store is `summed`, each node carries a numeric value
 * and its subtree sum, so that `findByCumulative` finds the node covering a cumulative value in O(log n)
 * (weighted random selection). Sums are recomputed from the children, never accumulated, so they do not
 * drift with fractional values.
 *
 * Complexity: insert, remove, find, lowerBound, setValue, findByCumulative O(log n); first/last
 * O(log n); next/prev amortised O(1) during an in-order walk.
 */
import { NIL, TreeNodeStore } from './tree-node-store.js';

export type Comparator<T> = (a: T, b: T) => number;
/** Compares an item with a search target: negative if the item sorts before it, 0 if equal. */
export type Probe<T> = (item: T) => number;

// Offsets of a node's fields in `links` (node * 4 + offset).
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

  /** Sum of all values (0 when the store is not summed or the tree is empty). */
  get totalValue(): number {
    const s = this.store;
    return s.summed && this.root !== NIL ? s.nums[this.root * s.numStride + s.sumOffset]! : 0;
  }

  item(node: number): T {
    return this.store.items[node] as T;
  }

  value(node: number): number {
    const s = this.store;
    return s.summed ? s.nums[node * s.numStride + s.valueOffset]! : 0;
  }

  /** The numeric key of a node (keyed store). */
  keyOf(node: number): number {
    const s = this.store;
    return s.nums[node * s.numStride + s.keyOffset]!;
  }

  /** Inserts `item` after all equal items (comparator order); returns its node. */
  insert(item: T, value = 0): number {
    const s = this.store;
    const z = s.allocate(item, value);
    const L = s.links;
    const items = s.items;
    let y = NIL;
    let x = this.root;
    let goLeft = false;
    while (x !== NIL) {
      y = x;
      goLeft = this.compare(item, items[x] as T) < 0;
      x = L[x * 4 + (goLeft ? 0 : R)]!;
    }
    this.link(z, y, goLeft);
    return z;
  }

  /** Inserts `item` at numeric position (key, tie), after equal pairs (keyed store); returns its node. */
  insertKeyed(item: T, key: number, tie: number, value = 0): number {
    const s = this.store;
    const z = s.allocate(item, value);
    const L = s.links;
    const N = s.nums;
    const st = s.numStride;
    N[z * st] = key;
    N[z * st + 1] = tie;
    let y = NIL;
    let x = this.root;
    let goLeft = false;
    while (x !== NIL) {
      y = x;
      const kx = N[x * st]!;
      goLeft = key < kx || (key === kx && tie < N[x * st + 1]!);
      x = L[x * 4 + (goLeft ? 0 : R)]!;
    }
    this.link(z, y, goLeft);
    return z;
  }

  /** Removes a node of this tree (the handle becomes invalid). */
  remove(z: number): void {
    const s = this.store;
    const L = s.links;
    let y = z;
    let yWasRed = L[y * 4 + C] === 1;
    let x: number;
    let xParent: number;
    if (L[z * 4] === NIL) {
      x = L[z * 4 + R]!;
      xParent = L[z * 4 + P]!;
      this.transplant(z, x);
    } else if (L[z * 4 + R] === NIL) {
      x = L[z * 4]!;
      xParent = L[z * 4 + P]!;
      this.transplant(z, x);
    } else {
      y = L[z * 4 + R]!;
      while (L[y * 4] !== NIL) y = L[y * 4]!;
      yWasRed = L[y * 4 + C] === 1;
      x = L[y * 4 + R]!;
      if (L[y * 4 + P] === z) {
        xParent = y;
      } else {
        xParent = L[y * 4 + P]!;
        this.transplant(y, x);
        L[y * 4 + R] = L[z * 4 + R]!;
        L[L[y * 4 + R]! * 4 + P] = y;
      }
      this.transplant(z, y);
      L[y * 4] = L[z * 4]!;
      L[L[y * 4]! * 4 + P] = y;
      L[y * 4 + C] = L[z * 4 + C]!;
    }
    this.count--;
    if (s.summed) this.updateSumsFrom(xParent);
    if (!yWasRed) this.deleteFixup(x, xParent);
    L[NIL + P] = NIL;
    s.release(z);
  }

  /** Changes a node's value and updates the subtree sums on its path to the root. */
  setValue(node: number, value: number): void {
    const s = this.store;
    if (!s.summed) return;
    s.nums[node * s.numStride + s.valueOffset] = value;
    this.updateSumsFrom(node);
  }

  /** A node whose item compares equal to the target (the first such), or NIL. */
  find(probe: Probe<T>): number {
    const n = this.lowerBound(probe);
    return n !== NIL && probe(this.store.items[n] as T) === 0 ? n : NIL;
  }

  /** The first node whose item is >= the target, or NIL. */
  lowerBound(probe: Probe<T>): number {
    const { links: L, items } = this.store;
    let x = this.root;
    let result = NIL;
    while (x !== NIL) {
      if (probe(items[x] as T) >= 0) {
        result = x;
        x = L[x * 4]!;
      } else {
        x = L[x * 4 + R]!;
      }
    }
    return result;
  }

  /** The first node whose item is > the target, or NIL. */
  upperBound(probe: Probe<T>): number {
    const { links: L, items } = this.store;
    let x = this.root;
    let result = NIL;
    while (x !== NIL) {
      if (probe(items[x] as T) > 0) {
        result = x;
        x = L[x * 4]!;
      } else {
        x = L[x * 4 + R]!;
      }
    }
    return result;
  }

  /** The first node whose (key, tie) is greater than (key, tie) (keyed store), or NIL. */
  upperBoundKeyed(key: number, tie = Number.POSITIVE_INFINITY): number {
    const s = this.store;
    const L = s.links;
    const N = s.nums;
    const st = s.numStride;
    let x = this.root;
    let result = NIL;
    while (x !== NIL) {
      const kx = N[x * st]!;
      if (kx > key || (kx === key && N[x * st + 1]! > tie)) {
        result = x;
        x = L[x * 4]!;
      } else {
        x = L[x * 4 + R]!;
      }
    }
    return result;
  }

  first(): number {
    const L = this.store.links;
    let x = this.root;
    if (x === NIL) return NIL;
    while (L[x * 4] !== NIL) x = L[x * 4]!;
    return x;
  }

  last(): number {
    const L = this.store.links;
    let x = this.root;
    if (x === NIL) return NIL;
    while (L[x * 4 + R] !== NIL) x = L[x * 4 + R]!;
    return x;
  }

  next(node: number): number {
    const L = this.store.links;
    let x = L[node * 4 + R]!;
    if (x !== NIL) {
      while (L[x * 4] !== NIL) x = L[x * 4]!;
      return x;
    }
    x = node;
    let p = L[x * 4 + P]!;
    while (p !== NIL && x === L[p * 4 + R]) {
      x = p;
      p = L[p * 4 + P]!;
    }
    return p;
  }

  prev(node: number): number {
    const L = this.store.links;
    let x = L[node * 4]!;
    if (x !== NIL) {
      while (L[x * 4 + R] !== NIL) x = L[x * 4 + R]!;
      return x;
    }
    x = node;
    let p = L[x * 4 + P]!;
    while (p !== NIL && x === L[p * 4]) {
      x = p;
      p = L[p * 4 + P]!;
    }
    return p;
  }

  /**
   * The node covering cumulative value `target` in in-order sequence: the node n with
   * sum(values before n) <= target < sum(values before n) + value(n). Nodes of value 0 are never
   * returned; NIL when the total is 0 or the tree is empty. A target at or beyond the total (rounding)
   * yields the last positive-valued node on the search path.
   */
  findByCumulative(target: number): number {
    const s = this.store;
    const L = s.links;
    const N = s.nums;
    const st = s.numStride;
    const vo = s.valueOffset;
    const so = s.sumOffset;
    let x = this.root;
    let candidate = NIL;
    let t = target;
    while (x !== NIL) {
      const l = L[x * 4]!;
      const ls = l === NIL ? 0 : N[l * st + so]!;
      if (t < ls) {
        x = l;
        continue;
      }
      t -= ls;
      const v = N[x * st + vo]!;
      if (v > 0) {
        if (t < v) return x;
        candidate = x;
      }
      t -= v;
      x = L[x * 4 + R]!;
    }
    return candidate;
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

  /** Checks every invariant (order, colours, black height, parents, sums); throws on a violation. For tests. */
  verify(): void {
    const s = this.store;
    const L = s.links;
    const items = s.items;
    const st = s.numStride;
    const left = (n: number): number => L[n * 4]!;
    const right = (n: number): number => L[n * 4 + R]!;
    const red = (n: number): boolean => L[n * 4 + C] === 1;
    const sum = (n: number): number => (n === NIL ? 0 : s.nums[n * st + s.sumOffset]!);
    if (red(this.root)) throw new Error('red root');
    if (this.root !== NIL && L[this.root * 4 + P] !== NIL) throw new Error('root has a parent');
    if (L[0] !== NIL || L[1] !== NIL || L[2] !== NIL || L[3] !== 0) throw new Error('sentinel modified');
    let counted = 0;
    const order = s.keyed
      ? (a: number, b: number): number =>
          s.nums[a * st]! - s.nums[b * st]! || s.nums[a * st + 1]! - s.nums[b * st + 1]!
      : (a: number, b: number): number => this.compare(items[a] as T, items[b] as T);
    const walk = (n: number): number => {
      if (n === NIL) return 1;
      counted++;
      const l = left(n);
      const r = right(n);
      if (l !== NIL && L[l * 4 + P] !== n) throw new Error('bad parent link');
      if (r !== NIL && L[r * 4 + P] !== n) throw new Error('bad parent link');
      if (red(n) && (red(l) || red(r))) throw new Error('red node with red child');
      if (l !== NIL && order(l, n) > 0) throw new Error('order violated');
      if (r !== NIL && order(r, n) < 0) throw new Error('order violated');
      const bl = walk(l);
      const br = walk(r);
      if (bl !== br) throw new Error('black height differs');
      if (s.summed && sum(n) !== s.nums[n * st + s.valueOffset]! + sum(l) + sum(r)) {
        throw new Error('subtree sum wrong');
      }
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
    L[z * 4 + P] = y;
    if (y === NIL) this.root = z;
    else L[y * 4 + (goLeft ? 0 : R)] = z;
    this.count++;
    if (s.summed) this.updateSumsFrom(y);
    this.insertFixup(z);
  }

  /** Recomputes the subtree sums from `node` up to the root. */
  private updateSumsFrom(node: number): void {
    const s = this.store;
    const L = s.links;
    const N = s.nums;
    const st = s.numStride;
    const so = s.sumOffset;
    const vo = s.valueOffset;
    let x = node;
    while (x !== NIL) {
      const l = L[x * 4]!;
      const r = L[x * 4 + R]!;
      N[x * st + so] =
        N[x * st + vo]! + (l === NIL ? 0 : N[l * st + so]!) + (r === NIL ? 0 : N[r * st + so]!);
      x = L[x * 4 + P]!;
    }
  }

  private recomputeSum(x: number): void {
    const s = this.store;
    const L = s.links;
    const N = s.nums;
    const st = s.numStride;
    const l = L[x * 4]!;
    const r = L[x * 4 + R]!;
    N[x * st + s.sumOffset] =
      N[x * st + s.valueOffset]! +
      (l === NIL ? 0 : N[l * st + s.sumOffset]!) +
      (r === NIL ? 0 : N[r * st + s.sumOffset]!);
  }

  private transplant(u: number, v: number): void {
    const L = this.store.links;
    const p = L[u * 4 + P]!;
    if (p === NIL) this.root = v;
    else if (u === L[p * 4]) L[p * 4] = v;
    else L[p * 4 + R] = v;
    L[v * 4 + P] = p;
  }

  private rotateLeft(x: number): void {
    const s = this.store;
    const L = s.links;
    const y = L[x * 4 + R]!;
    const yl = L[y * 4]!;
    L[x * 4 + R] = yl;
    if (yl !== NIL) L[yl * 4 + P] = x;
    const p = L[x * 4 + P]!;
    L[y * 4 + P] = p;
    if (p === NIL) this.root = y;
    else if (x === L[p * 4]) L[p * 4] = y;
    else L[p * 4 + R] = y;
    L[y * 4] = x;
    L[x * 4 + P] = y;
    if (s.summed) {
      const so = s.sumOffset;
      s.nums[y * s.numStride + so] = s.nums[x * s.numStride + so]!;
      this.recomputeSum(x);
    }
  }

  private rotateRight(x: number): void {
    const s = this.store;
    const L = s.links;
    const y = L[x * 4]!;
    const yr = L[y * 4 + R]!;
    L[x * 4] = yr;
    if (yr !== NIL) L[yr * 4 + P] = x;
    const p = L[x * 4 + P]!;
    L[y * 4 + P] = p;
    if (p === NIL) this.root = y;
    else if (x === L[p * 4 + R]) L[p * 4 + R] = y;
    else L[p * 4] = y;
    L[y * 4 + R] = x;
    L[x * 4 + P] = y;
    if (s.summed) {
      const so = s.sumOffset;
      s.nums[y * s.numStride + so] = s.nums[x * s.numStride + so]!;
      this.recomputeSum(x);
    }
  }

  private insertFixup(node: number): void {
    const L = this.store.links;
    let z = node;
    while (L[L[z * 4 + P]! * 4 + C] === 1) {
      const p = L[z * 4 + P]!;
      const g = L[p * 4 + P]!;
      if (p === L[g * 4]) {
        const u = L[g * 4 + R]!;
        if (L[u * 4 + C] === 1) {
          L[p * 4 + C] = 0;
          L[u * 4 + C] = 0;
          L[g * 4 + C] = 1;
          z = g;
        } else {
          if (z === L[p * 4 + R]) {
            z = p;
            this.rotateLeft(z);
          }
          const p2 = L[z * 4 + P]!;
          const g2 = L[p2 * 4 + P]!;
          L[p2 * 4 + C] = 0;
          L[g2 * 4 + C] = 1;
          this.rotateRight(g2);
        }
      } else {
        const u = L[g * 4]!;
        if (L[u * 4 + C] === 1) {
          L[p * 4 + C] = 0;
          L[u * 4 + C] = 0;
          L[g * 4 + C] = 1;
          z = g;
        } else {
          if (z === L[p * 4]) {
            z = p;
            this.rotateRight(z);
          }
          const p2 = L[z * 4 + P]!;
          const g2 = L[p2 * 4 + P]!;
          L[p2 * 4 + C] = 0;
          L[g2 * 4 + C] = 1;
          this.rotateLeft(g2);
        }
      }
    }
    L[this.root * 4 + C] = 0;
  }

  private deleteFixup(node: number, nodeParent: number): void {
    const L = this.store.links;
    let x = node;
    let xp = nodeParent;
    while (x !== this.root && L[x * 4 + C] !== 1) {
      if (x === L[xp * 4]) {
        let w = L[xp * 4 + R]!;
        if (L[w * 4 + C] === 1) {
          L[w * 4 + C] = 0;
          L[xp * 4 + C] = 1;
          this.rotateLeft(xp);
          w = L[xp * 4 + R]!;
        }
        if (L[L[w * 4]! * 4 + C] !== 1 && L[L[w * 4 + R]! * 4 + C] !== 1) {
          L[w * 4 + C] = 1;
          x = xp;
          xp = L[x * 4 + P]!;
        } else {
          if (L[L[w * 4 + R]! * 4 + C] !== 1) {
            L[L[w * 4]! * 4 + C] = 0;
            L[w * 4 + C] = 1;
            this.rotateRight(w);
            w = L[xp * 4 + R]!;
          }
          L[w * 4 + C] = L[xp * 4 + C]!;
          L[xp * 4 + C] = 0;
          L[L[w * 4 + R]! * 4 + C] = 0;
          this.rotateLeft(xp);
          x = this.root;
          xp = NIL;
        }
      } else {
        let w = L[xp * 4]!;
        if (L[w * 4 + C] === 1) {
          L[w * 4 + C] = 0;
          L[xp * 4 + C] = 1;
          this.rotateRight(xp);
          w = L[xp * 4]!;
        }
        if (L[L[w * 4 + R]! * 4 + C] !== 1 && L[L[w * 4]! * 4 + C] !== 1) {
          L[w * 4 + C] = 1;
          x = xp;
          xp = L[x * 4 + P]!;
        } else {
          if (L[L[w * 4]! * 4 + C] !== 1) {
            L[L[w * 4 + R]! * 4 + C] = 0;
            L[w * 4 + C] = 1;
            this.rotateLeft(w);
            w = L[xp * 4]!;
          }
          L[w * 4 + C] = L[xp * 4 + C]!;
          L[xp * 4 + C] = 0;
          L[L[w * 4]! * 4 + C] = 0;
          this.rotateRight(xp);
          x = this.root;
          xp = NIL;
        }
      }
    }
    L[x * 4 + C] = 0;
  }
}
