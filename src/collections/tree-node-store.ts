/**
 * Storage for red-black tree nodes as parallel typed arrays ("struct of arrays"). A node is an integer
 * index; index 0 is the shared black sentinel (NIL). Several trees may share one store, so that a
 * handlespace with a hundred thousand small pools does not pay for a hundred thousand sets of arrays.
 *
 * Why: at a million entries, one JS object per node per index costs ~80 bytes and millions of objects
 * for the garbage collector to trace; here a node costs 13 bytes of links and colour, 16 bytes of value
 * and subtree sum (only when `summed`), 16 bytes of numeric key (only when `keyed`), and one item slot.
 */
export const NIL = 0;

export class TreeNodeStore<T> {
  left: Int32Array;
  right: Int32Array;
  parent: Int32Array;
  red: Uint8Array;
  /** Per-node value and subtree sum; zero-length when the store is not `summed`. */
  value: Float64Array;
  sum: Float64Array;
  /** Per-node numeric sort key and tie-breaker; zero-length when the store is not `keyed`. */
  key: Float64Array;
  tie: Float64Array;
  readonly items: (T | undefined)[] = [undefined];
  readonly summed: boolean;
  readonly keyed: boolean;
  private freeHead = NIL;
  private used = 1;
  private live = 0;

  /**
   * `summed`: nodes carry a value and subtree sum. `keyed`: trees order nodes by a numeric (key, tie) pair
   * kept in the store (no comparator calls, no item reads while searching).
   */
  constructor(options: { summed?: boolean; keyed?: boolean; initialCapacity?: number } = {}) {
    this.summed = options.summed ?? false;
    this.keyed = options.keyed ?? false;
    const capacity = Math.max(16, options.initialCapacity ?? 16);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.parent = new Int32Array(capacity);
    this.red = new Uint8Array(capacity);
    this.value = new Float64Array(this.summed ? capacity : 0);
    this.sum = new Float64Array(this.summed ? capacity : 0);
    this.key = new Float64Array(this.keyed ? capacity : 0);
    this.tie = new Float64Array(this.keyed ? capacity : 0);
  }

  /** Number of allocated (live) nodes over all trees using this store. */
  get liveNodes(): number {
    return this.live;
  }

  get capacity(): number {
    return this.left.length;
  }

  /** Approximate bytes held by the typed arrays (the item array is not counted). */
  get arrayBytes(): number {
    return this.capacity * (13 + (this.summed ? 16 : 0) + (this.keyed ? 16 : 0));
  }

  allocate(item: T, value: number): number {
    let n = this.freeHead;
    if (n !== NIL) {
      this.freeHead = this.left[n]!;
      this.items[n] = item;
    } else {
      n = this.used++;
      if (n >= this.left.length) this.grow();
      this.items.push(item);
    }
    this.live++;
    this.left[n] = NIL;
    this.right[n] = NIL;
    this.parent[n] = NIL;
    this.red[n] = 1;
    if (this.summed) {
      this.value[n] = value;
      this.sum[n] = value;
    }
    return n;
  }

  release(n: number): void {
    this.items[n] = undefined;
    this.left[n] = this.freeHead;
    this.freeHead = n;
    this.live--;
  }

  private grow(): void {
    const capacity = this.left.length * 2;
    const copyI32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(capacity);
      b.set(a);
      return b;
    };
    this.left = copyI32(this.left);
    this.right = copyI32(this.right);
    this.parent = copyI32(this.parent);
    const red = new Uint8Array(capacity);
    red.set(this.red);
    this.red = red;
    const copyF64 = (a: Float64Array): Float64Array => {
      if (a.length === 0) return a;
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    this.value = copyF64(this.value);
    this.sum = copyF64(this.sum);
    this.key = copyF64(this.key);
    this.tie = copyF64(this.tie);
  }
}
