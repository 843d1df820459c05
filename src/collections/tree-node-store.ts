/**
 * Storage for red-black tree nodes in one ArrayBuffer. A node is an integer index; index 0 is the shared
 * black sentinel (NIL). Several trees may share one store, so that a handlespace with a hundred thousand
 * small pools does not pay for a hundred thousand sets of arrays.
 *
 * Layout: one fixed-size record per node, seen through two views of the same buffer, so that a node's
 * links and numbers share a cache line (a tree descent costs one miss per level, not one per field):
 *
 * | bytes | view | fields |
 * |---|---|---|
 * | 0-15 | `links` (Int32) | left, right, parent, red |
 * | 16-31 | `nums` (Float64) | key, tie (when `keyed`) |
 *
 * Records are 16 bytes (plain) or 32 (keyed).
 * Why: at a million entries, one JS object per node per index costs ~80 bytes and millions of objects for
 * the garbage collector to trace; here a node is a 16-64 byte record and one slot in the item array.
 */
import { NodeCounters } from './node-counters.js';
export const NIL = 0;

export class TreeNodeStore<T> {
  links: Int32Array;
  nums: Float64Array;
  readonly items: (T | undefined)[] = [undefined];
  /** Per node: how often its item was selected (0 when allocated). */
  readonly counts = new NodeCounters();
  readonly keyed: boolean;
  /** Bytes per node record. */
  readonly recordBytes: number;
  /** Int32 slots per record (`links[node * linkStride + field]`). */
  readonly linkStride: number;
  /** Float64 slots per record (`nums[node * numStride + offset]`), and the field offsets (-1 when absent). */
  readonly numStride: number;
  readonly keyOffset: number;
  readonly tieOffset: number;
  private freeHead = NIL;
  private used = 1;
  private live = 0;

  /** `keyed`: trees order nodes by a numeric (key, tie) pair kept in the store (no comparator calls). */
  constructor(options: { keyed?: boolean; initialCapacity?: number } = {}) {
    this.keyed = options.keyed ?? false;
    this.recordBytes = this.keyed ? 32 : 16;
    this.linkStride = this.recordBytes / 4;
    this.numStride = this.recordBytes / 8;
    this.keyOffset = this.keyed ? 2 : -1;
    this.tieOffset = this.keyed ? 3 : -1;
    const capacity = Math.max(16, options.initialCapacity ?? 16);
    const buffer = new ArrayBuffer(capacity * this.recordBytes);
    this.links = new Int32Array(buffer);
    this.nums = new Float64Array(buffer);
  }

  /** Number of allocated (live) nodes over all trees using this store. */
  get liveNodes(): number {
    return this.live;
  }

  get capacity(): number {
    return this.links.length / this.linkStride;
  }

  /** Bytes held by the node records (the item array is not counted). */
  get arrayBytes(): number {
    return this.links.byteLength;
  }

  allocate(item: T): number {
    let n = this.freeHead;
    if (n !== NIL) {
      this.freeHead = this.links[n * this.linkStride]!;
      this.items[n] = item;
    } else {
      n = this.used++;
      if (n >= this.capacity) this.grow();
      this.items.push(item);
    }
    this.live++;
    this.counts.set(n, 0);
    const l = this.links;
    const b = n * this.linkStride;
    l[b] = NIL;
    l[b + 1] = NIL;
    l[b + 2] = NIL;
    l[b + 3] = 1;
    return n;
  }

  release(n: number): void {
    this.items[n] = undefined;
    this.links[n * this.linkStride] = this.freeHead;
    this.freeHead = n;
    this.live--;
  }

  private grow(): void {
    const buffer = new ArrayBuffer(this.links.byteLength * 2);
    new Uint8Array(buffer).set(new Uint8Array(this.links.buffer, 0, this.links.byteLength));
    this.links = new Int32Array(buffer);
    this.nums = new Float64Array(buffer);
  }
}
