/**
 * Storage for red-black tree nodes in typed arrays. A node is an integer index; index 0 is the shared
 * black sentinel (NIL). Several trees may share one store, so that a handlespace with a hundred thousand
 * small pools does not pay for a hundred thousand sets of arrays.
 *
 * Layout: array of structs, so that one node is one or two cache lines, not one per field:
 * - `links` (Int32, stride 4): left, right, parent, red;
 * - `nums` (Float64, stride `numStride`): [key, tie] when `keyed`, then [value, subtree sum] when `summed`.
 *
 * Why: at a million entries, one JS object per node per index costs ~80 bytes and millions of objects for
 * the garbage collector to trace; here a node costs 16 bytes of links, 16 bytes of numeric key (only when
 * `keyed`), 16 bytes of value and subtree sum (only when `summed`), and one slot in the item array.
 */
export const NIL = 0;

/** Offsets in `links`. */
export const LEFT = 0;
export const RIGHT = 1;
export const PARENT = 2;
export const RED = 3;

export class TreeNodeStore<T> {
  links: Int32Array;
  nums: Float64Array;
  readonly items: (T | undefined)[] = [undefined];
  readonly summed: boolean;
  readonly keyed: boolean;
  /** Float64 slots per node in `nums`, and the offsets of each field (-1 when absent). */
  readonly numStride: number;
  readonly keyOffset: number;
  readonly tieOffset: number;
  readonly valueOffset: number;
  readonly sumOffset: number;
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
    this.keyOffset = this.keyed ? 0 : -1;
    this.tieOffset = this.keyed ? 1 : -1;
    this.valueOffset = this.summed ? (this.keyed ? 2 : 0) : -1;
    this.sumOffset = this.summed ? this.valueOffset + 1 : -1;
    this.numStride = (this.keyed ? 2 : 0) + (this.summed ? 2 : 0);
    const capacity = Math.max(16, options.initialCapacity ?? 16);
    this.links = new Int32Array(capacity * 4);
    this.nums = new Float64Array(capacity * this.numStride);
  }

  /** Number of allocated (live) nodes over all trees using this store. */
  get liveNodes(): number {
    return this.live;
  }

  get capacity(): number {
    return this.links.length >> 2;
  }

  /** Bytes held by the typed arrays (the item array is not counted). */
  get arrayBytes(): number {
    return this.links.byteLength + this.nums.byteLength;
  }

  allocate(item: T, value: number): number {
    let n = this.freeHead;
    if (n !== NIL) {
      this.freeHead = this.links[n * 4]!;
      this.items[n] = item;
    } else {
      n = this.used++;
      if (n >= this.capacity) this.grow();
      this.items.push(item);
    }
    this.live++;
    const l = this.links;
    const b = n * 4;
    l[b] = NIL;
    l[b + 1] = NIL;
    l[b + 2] = NIL;
    l[b + 3] = 1;
    if (this.summed) {
      const o = n * this.numStride + this.valueOffset;
      this.nums[o] = value;
      this.nums[o + 1] = value;
    }
    return n;
  }

  release(n: number): void {
    this.items[n] = undefined;
    this.links[n * 4] = this.freeHead;
    this.freeHead = n;
    this.live--;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const links = new Int32Array(capacity * 4);
    links.set(this.links);
    this.links = links;
    const nums = new Float64Array(capacity * this.numStride);
    nums.set(this.nums);
    this.nums = nums;
  }
}
