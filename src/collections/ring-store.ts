/**
 * Circular doubly linked lists (queues) whose nodes live in one shared store, as tree nodes do in
 * `TreeNodeStore`: a node is an integer index into an Int32Array of [prev, next] records, index 0 is NIL.
 * Round robin needs nothing more than a queue: take from the head, move the taken one to the back. A list
 * does that in O(1) with four link writes, where a balanced tree ordered by sequence numbers pays a removal
 * and an insertion with rebalancing on every selection.
 */
import { NodeCounters } from './node-counters.js';
import { NIL } from './tree-node-store.js';

/** A list's place in its store; the caller keeps these numbers (e.g. in its own object). */
export interface RingRef {
  /** First node (NIL when empty). */
  ringHead: number;
  ringSize: number;
}

export class RingStore<T> {
  /** Per node: [prev, next]. */
  links: Int32Array;
  readonly items: (T | undefined)[] = [undefined];
  /** Per node: how often its item was selected (0 when allocated). */
  readonly counts = new NodeCounters();
  private freeHead = NIL;
  private used = 1;

  constructor(initialCapacity = 16) {
    this.links = new Int32Array(Math.max(16, initialCapacity) * 2);
  }

  emptyRing(): RingRef {
    return { ringHead: NIL, ringSize: 0 };
  }

  item(node: number): T {
    return this.items[node] as T;
  }

  /** The node after `node`, NIL after the last. */
  next(ring: RingRef, node: number): number {
    const n = this.links[node * 2 + 1]!;
    return n === ring.ringHead ? NIL : n;
  }

  /** Appends `item` at the back; returns its node. O(1). */
  pushBack(ring: RingRef, item: T): number {
    const node = this.allocate(item);
    this.linkBack(ring, node);
    ring.ringSize++;
    return node;
  }

  remove(ring: RingRef, node: number): void {
    this.unlink(ring, node);
    ring.ringSize--;
    this.items[node] = undefined;
    this.links[node * 2 + 1] = this.freeHead;
    this.freeHead = node;
  }

  /** Moves `node` to the back of its list. O(1). */
  moveToBack(ring: RingRef, node: number): void {
    if (node === ring.ringHead) {
      // The head of a circular list moves to the back by advancing the head.
      ring.ringHead = this.links[node * 2 + 1]!;
      return;
    }
    this.unlink(ring, node);
    this.linkBack(ring, node);
  }

  /** Checks the links of a list; throws on a mismatch. O(n). */
  verify(ring: RingRef): void {
    if (ring.ringHead === NIL) {
      if (ring.ringSize !== 0) throw new Error('empty ring with a size');
      return;
    }
    let n = ring.ringHead;
    let count = 0;
    do {
      const next = this.links[n * 2 + 1]!;
      if (this.links[next * 2] !== n) throw new Error('ring links broken');
      if (this.items[n] === undefined) throw new Error('ring node without item');
      n = next;
      if (++count > ring.ringSize) throw new Error('ring longer than its size');
    } while (n !== ring.ringHead);
    if (count !== ring.ringSize) throw new Error('ring shorter than its size');
  }

  private linkBack(ring: RingRef, node: number): void {
    const l = this.links;
    const head = ring.ringHead;
    if (head === NIL) {
      l[node * 2] = node;
      l[node * 2 + 1] = node;
      ring.ringHead = node;
      return;
    }
    const tail = l[head * 2]!;
    l[node * 2] = tail;
    l[node * 2 + 1] = head;
    l[tail * 2 + 1] = node;
    l[head * 2] = node;
  }

  private unlink(ring: RingRef, node: number): void {
    const l = this.links;
    const prev = l[node * 2]!;
    const next = l[node * 2 + 1]!;
    if (next === node) {
      ring.ringHead = NIL;
      return;
    }
    l[prev * 2 + 1] = next;
    l[next * 2] = prev;
    if (ring.ringHead === node) ring.ringHead = next;
  }

  private allocate(item: T): number {
    let n = this.freeHead;
    if (n !== NIL) {
      this.freeHead = this.links[n * 2 + 1]!;
      this.items[n] = item;
      this.counts.set(n, 0);
      return n;
    }
    n = this.used++;
    if (n * 2 >= this.links.length) {
      const grown = new Int32Array(this.links.length * 2);
      grown.set(this.links);
      this.links = grown;
    }
    this.items.push(item);
    return n;
  }
}
