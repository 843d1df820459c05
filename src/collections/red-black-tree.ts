/**
 * An augmented red-black tree over a user comparator. Nodes are integer handles into a
 * `TreeNodeStore` (possibly shared by many trees); 0 (`NIL`) means "no node". Equal items are allowed
 * and kept in insertion order. When the store is `summed`, each node carries a numeric value and the sum
 * of its subtree, so that `findByCumulative` finds the node covering a cumulative value in O(log n)
 * (weighted random selection). Sums are recomputed from the children, never accumulated, so they do
 * not drift with fractional values.
 *
 * Complexity: insert, remove, find, lowerBound, setValue, findByCumulative O(log n); first/last
 * O(log n); next/prev amortised O(1) during an in-order walk.
 */
import { NIL, TreeNodeStore } from './tree-node-store.js';

export type Comparator<T> = (a: T, b: T) => number;
/** Compares an item with a search target: negative if the item sorts before it, 0 if equal. */
export type Probe<T> = (item: T) => number;

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

  /** Sum of all values (0 when the store is not summed). */
  get totalValue(): number {
    return this.store.summed ? this.store.sum[this.root]! : 0;
  }

  item(node: number): T {
    return this.store.items[node] as T;
  }

  value(node: number): number {
    return this.store.summed ? this.store.value[node]! : 0;
  }

  /** Inserts `item` after all equal items (comparator order); returns its node. */
  insert(item: T, value = 0): number {
    const s = this.store;
    const z = s.allocate(item, value);
    const { left, right } = s;
    const items = s.items;
    let y = NIL;
    let x = this.root;
    let goLeft = false;
    while (x !== NIL) {
      y = x;
      goLeft = this.compare(item, items[x] as T) < 0;
      x = goLeft ? left[x]! : right[x]!;
    }
    this.link(z, y, goLeft);
    return z;
  }

  /** Inserts `item` at numeric position (key, tie), after equal pairs (keyed store); returns its node. */
  insertKeyed(item: T, key: number, tie: number, value = 0): number {
    const s = this.store;
    const z = s.allocate(item, value);
    const { left, right } = s;
    const keys = s.key;
    const ties = s.tie;
    keys[z] = key;
    ties[z] = tie;
    let y = NIL;
    let x = this.root;
    let goLeft = false;
    while (x !== NIL) {
      y = x;
      const kx = keys[x]!;
      goLeft = key < kx || (key === kx && tie < ties[x]!);
      x = goLeft ? left[x]! : right[x]!;
    }
    this.link(z, y, goLeft);
    return z;
  }

  /** The first node whose (key, tie) is greater than (key, tie) (keyed store), or NIL. */
  upperBoundKeyed(key: number, tie = Number.POSITIVE_INFINITY): number {
    const { left, right } = this.store;
    const keys = this.store.key;
    const ties = this.store.tie;
    let x = this.root;
    let result = NIL;
    while (x !== NIL) {
      const kx = keys[x]!;
      if (kx > key || (kx === key && ties[x]! > tie)) {
        result = x;
        x = left[x]!;
      } else {
        x = right[x]!;
      }
    }
    return result;
  }

  /** The numeric key of a node (keyed store). */
  key(node: number): number {
    return this.store.key[node]!;
  }

  private link(z: number, y: number, goLeft: boolean): void {
    const s = this.store;
    const { left, right, parent } = s;
    parent[z] = y;
    if (y === NIL) this.root = z;
    else if (goLeft) left[y] = z;
    else right[y] = z;
    this.count++;
    if (s.summed) this.updateSumsFrom(y);
    this.insertFixup(z);
  }

  /** Removes a node of this tree (the handle becomes invalid). */
  remove(z: number): void {
    const s = this.store;
    const { left, right, parent, red } = s;
    let y = z;
    let yWasRed = red[y] === 1;
    let x: number;
    let xParent: number;
    if (left[z] === NIL) {
      x = right[z]!;
      xParent = parent[z]!;
      this.transplant(z, x);
    } else if (right[z] === NIL) {
      x = left[z]!;
      xParent = parent[z]!;
      this.transplant(z, x);
    } else {
      y = right[z]!;
      while (left[y] !== NIL) y = left[y]!;
      yWasRed = red[y] === 1;
      x = right[y]!;
      if (parent[y] === z) {
        xParent = y;
      } else {
        xParent = parent[y]!;
        this.transplant(y, x);
        right[y] = right[z]!;
        parent[right[y]!] = y;
      }
      this.transplant(z, y);
      left[y] = left[z]!;
      parent[left[y]!] = y;
      red[y] = red[z]!;
    }
    this.count--;
    if (s.summed) this.updateSumsFrom(xParent);
    if (!yWasRed) this.deleteFixup(x, xParent);
    parent[NIL] = NIL;
    s.release(z);
  }

  /** Changes a node's value and updates the subtree sums on its path to the root. */
  setValue(node: number, value: number): void {
    const s = this.store;
    if (!s.summed) return;
    s.value[node] = value;
    this.updateSumsFrom(node);
  }

  /** A node whose item compares equal to the target (the first such), or NIL. */
  find(probe: Probe<T>): number {
    const n = this.lowerBound(probe);
    return n !== NIL && probe(this.store.items[n] as T) === 0 ? n : NIL;
  }

  /** The first node whose item is >= the target, or NIL. */
  lowerBound(probe: Probe<T>): number {
    const { left, right, items } = this.store;
    let x = this.root;
    let result = NIL;
    while (x !== NIL) {
      if (probe(items[x] as T) >= 0) {
        result = x;
        x = left[x]!;
      } else {
        x = right[x]!;
      }
    }
    return result;
  }

  /** The first node whose item is > the target, or NIL. */
  upperBound(probe: Probe<T>): number {
    const { left, right, items } = this.store;
    let x = this.root;
    let result = NIL;
    while (x !== NIL) {
      if (probe(items[x] as T) > 0) {
        result = x;
        x = left[x]!;
      } else {
        x = right[x]!;
      }
    }
    return result;
  }

  first(): number {
    const left = this.store.left;
    let x = this.root;
    if (x === NIL) return NIL;
    while (left[x] !== NIL) x = left[x]!;
    return x;
  }

  last(): number {
    const right = this.store.right;
    let x = this.root;
    if (x === NIL) return NIL;
    while (right[x] !== NIL) x = right[x]!;
    return x;
  }

  next(node: number): number {
    const { left, right, parent } = this.store;
    let x = right[node]!;
    if (x !== NIL) {
      while (left[x] !== NIL) x = left[x]!;
      return x;
    }
    x = node;
    let p = parent[x]!;
    while (p !== NIL && x === right[p]) {
      x = p;
      p = parent[p]!;
    }
    return p;
  }

  prev(node: number): number {
    const { left, right, parent } = this.store;
    let x = left[node]!;
    if (x !== NIL) {
      while (right[x] !== NIL) x = right[x]!;
      return x;
    }
    x = node;
    let p = parent[x]!;
    while (p !== NIL && x === left[p]) {
      x = p;
      p = parent[p]!;
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
    const { left, right, value, sum } = this.store;
    let x = this.root;
    let candidate = NIL;
    let t = target;
    while (x !== NIL) {
      const l = left[x]!;
      const ls = sum[l]!;
      if (t < ls) {
        x = l;
        continue;
      }
      t -= ls;
      const v = value[x]!;
      if (v > 0) {
        if (t < v) return x;
        candidate = x;
      }
      t -= v;
      x = right[x]!;
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
    const { left, right, parent, red, items } = s;
    if (red[this.root] === 1) throw new Error('red root');
    if (parent[this.root] !== NIL && this.root !== NIL) throw new Error('root has a parent');
    let counted = 0;
    const order = s.keyed
      ? (a: number, b: number): number => s.key[a]! - s.key[b]! || s.tie[a]! - s.tie[b]!
      : (a: number, b: number): number => this.compare(items[a] as T, items[b] as T);
    const walk = (n: number): number => {
      if (n === NIL) return 1;
      counted++;
      const l = left[n]!;
      const r = right[n]!;
      if (l !== NIL && parent[l] !== n) throw new Error('bad parent link');
      if (r !== NIL && parent[r] !== n) throw new Error('bad parent link');
      if (red[n] === 1 && (red[l] === 1 || red[r] === 1)) throw new Error('red node with red child');
      if (l !== NIL && order(l, n) > 0) throw new Error('order violated');
      if (r !== NIL && order(r, n) < 0) throw new Error('order violated');
      const bl = walk(l);
      const br = walk(r);
      if (bl !== br) throw new Error('black height differs');
      if (s.summed && s.sum[n] !== s.value[n]! + s.sum[l]! + s.sum[r]!) throw new Error('subtree sum wrong');
      return bl + (red[n] === 1 ? 0 : 1);
    };
    walk(this.root);
    if (counted !== this.count) throw new Error(`size ${this.count} but ${counted} nodes`);
    let prev = NIL;
    for (let n = this.first(); n !== NIL; n = this.next(n)) {
      if (prev !== NIL && this.compare(items[prev] as T, items[n] as T) > 0)
        throw new Error('in-order walk unsorted');
      prev = n;
    }
  }

  private updateSumsFrom(node: number): void {
    const { left, right, parent, value, sum } = this.store;
    let x = node;
    while (x !== NIL) {
      sum[x] = value[x]! + sum[left[x]!]! + sum[right[x]!]!;
      x = parent[x]!;
    }
  }

  private transplant(u: number, v: number): void {
    const { left, right, parent } = this.store;
    const p = parent[u]!;
    if (p === NIL) this.root = v;
    else if (u === left[p]) left[p] = v;
    else right[p] = v;
    parent[v] = p;
  }

  private rotateLeft(x: number): void {
    const s = this.store;
    const { left, right, parent } = s;
    const y = right[x]!;
    right[x] = left[y]!;
    if (left[y] !== NIL) parent[left[y]!] = x;
    const p = parent[x]!;
    parent[y] = p;
    if (p === NIL) this.root = y;
    else if (x === left[p]) left[p] = y;
    else right[p] = y;
    left[y] = x;
    parent[x] = y;
    if (s.summed) {
      const { value, sum } = s;
      sum[y] = sum[x]!;
      sum[x] = value[x]! + sum[left[x]!]! + sum[right[x]!]!;
    }
  }

  private rotateRight(x: number): void {
    const s = this.store;
    const { left, right, parent } = s;
    const y = left[x]!;
    left[x] = right[y]!;
    if (right[y] !== NIL) parent[right[y]!] = x;
    const p = parent[x]!;
    parent[y] = p;
    if (p === NIL) this.root = y;
    else if (x === right[p]) right[p] = y;
    else left[p] = y;
    right[y] = x;
    parent[x] = y;
    if (s.summed) {
      const { value, sum } = s;
      sum[y] = sum[x]!;
      sum[x] = value[x]! + sum[left[x]!]! + sum[right[x]!]!;
    }
  }

  private insertFixup(node: number): void {
    const s = this.store;
    const { left, right, parent, red } = s;
    let z = node;
    while (red[parent[z]!] === 1) {
      const p = parent[z]!;
      const g = parent[p]!;
      if (p === left[g]) {
        const u = right[g]!;
        if (red[u] === 1) {
          red[p] = 0;
          red[u] = 0;
          red[g] = 1;
          z = g;
        } else {
          if (z === right[p]) {
            z = p;
            this.rotateLeft(z);
          }
          const p2 = parent[z]!;
          const g2 = parent[p2]!;
          red[p2] = 0;
          red[g2] = 1;
          this.rotateRight(g2);
        }
      } else {
        const u = left[g]!;
        if (red[u] === 1) {
          red[p] = 0;
          red[u] = 0;
          red[g] = 1;
          z = g;
        } else {
          if (z === left[p]) {
            z = p;
            this.rotateRight(z);
          }
          const p2 = parent[z]!;
          const g2 = parent[p2]!;
          red[p2] = 0;
          red[g2] = 1;
          this.rotateLeft(g2);
        }
      }
    }
    red[this.root] = 0;
  }

  private deleteFixup(node: number, nodeParent: number): void {
    const s = this.store;
    const { left, right, parent, red } = s;
    let x = node;
    let xp = nodeParent;
    while (x !== this.root && red[x] !== 1) {
      if (x === left[xp]) {
        let w = right[xp]!;
        if (red[w] === 1) {
          red[w] = 0;
          red[xp] = 1;
          this.rotateLeft(xp);
          w = right[xp]!;
        }
        if (red[left[w]!] !== 1 && red[right[w]!] !== 1) {
          red[w] = 1;
          x = xp;
          xp = parent[x]!;
        } else {
          if (red[right[w]!] !== 1) {
            red[left[w]!] = 0;
            red[w] = 1;
            this.rotateRight(w);
            w = right[xp]!;
          }
          red[w] = red[xp]!;
          red[xp] = 0;
          red[right[w]!] = 0;
          this.rotateLeft(xp);
          x = this.root;
          xp = NIL;
        }
      } else {
        let w = left[xp]!;
        if (red[w] === 1) {
          red[w] = 0;
          red[xp] = 1;
          this.rotateRight(xp);
          w = left[xp]!;
        }
        if (red[right[w]!] !== 1 && red[left[w]!] !== 1) {
          red[w] = 1;
          x = xp;
          xp = parent[x]!;
        } else {
          if (red[left[w]!] !== 1) {
            red[right[w]!] = 0;
            red[w] = 1;
            this.rotateLeft(w);
            w = left[xp]!;
          }
          red[w] = red[xp]!;
          red[xp] = 0;
          red[left[w]!] = 0;
          this.rotateRight(xp);
          x = this.root;
          xp = NIL;
        }
      }
    }
    red[x] = 0;
  }
}
