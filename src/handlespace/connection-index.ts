/**
 * PEs by the connection (association) they registered over: an open-addressing table (linear probing, at
 * most half full, backward-shift deletion) from the connection key to the first PE of an intrusive doubly
 * linked list through the PE records. O(1) link and unlink; listing a connection's PEs is O(m). Order
 * inside a connection is unspecified.
 *
 * Why not a Map: a registrar has about one association per PE, so at a million PEs this is a million keys,
 * and a Map's lookup there costs several cache misses (bucket, entry chain) plus rehashes as it grows; a
 * probe here reads one slot of a typed array and one of the heads array.
 */
import { assert } from '../base/assert.js';
import { fillsHole, homeSlot } from '../collections/index.js';
import type { PoolElementNode } from './pool.js';

const MIN_BITS = 4;

export class ConnectionIndex {
  /** Connection key per slot (meaningful where `heads` has an entry). */
  private keys = new Float64Array(1 << MIN_BITS);
  private heads: (PoolElementNode | undefined)[] = new Array<PoolElementNode | undefined>(1 << MIN_BITS).fill(
    undefined,
  );
  private bits = MIN_BITS;
  private count = 0;

  /** Links a PE under its current `connection` (no-op when it has none). */
  link(node: PoolElementNode): void {
    const c = node.connection;
    if (c === undefined) return;
    let i = this.find(c);
    const head = i < 0 ? undefined : this.heads[i];
    node.connectionPrev = undefined;
    node.connectionNext = head;
    if (head !== undefined) {
      head.connectionPrev = node;
      this.heads[i] = node;
      return;
    }
    if ((this.count + 1) * 2 > this.heads.length) this.resize(this.bits + 1);
    i = this.freeSlot(c);
    this.keys[i] = c;
    this.heads[i] = node;
    this.count++;
  }

  /** Unlinks a PE from its current `connection` (no-op when it has none). */
  unlink(node: PoolElementNode): void {
    const c = node.connection;
    if (c === undefined) return;
    const { connectionPrev: prev, connectionNext: next } = node;
    if (prev !== undefined) prev.connectionNext = next;
    else {
      const i = this.find(c);
      if (i >= 0) {
        if (next !== undefined) this.heads[i] = next;
        else this.deleteSlot(i);
      }
    }
    if (next !== undefined) next.connectionPrev = prev;
    node.connectionPrev = undefined;
    node.connectionNext = undefined;
  }

  list(connection: number): PoolElementNode[] {
    const out: PoolElementNode[] = [];
    const i = this.find(connection);
    for (let n = i < 0 ? undefined : this.heads[i]; n !== undefined; n = n.connectionNext) out.push(n);
    return out;
  }

  /** Checks the lists against the set of PEs that have a connection; throws on a mismatch. */
  verify(connected: ReadonlySet<PoolElementNode>): void {
    let listed = 0;
    let lists = 0;
    for (let i = 0; i < this.heads.length; i++) {
      const head = this.heads[i];
      if (head === undefined) continue;
      lists++;
      const connection = this.keys[i]!;
      assert(this.find(connection) === i, 'connection slot reachable');
      assert(head.connectionPrev === undefined, 'connection list head');
      for (let n: PoolElementNode | undefined = head; n !== undefined; n = n.connectionNext) {
        assert(n.connection === connection && connected.has(n), 'connection list member');
        assert(
          n.connectionNext === undefined || n.connectionNext.connectionPrev === n,
          'connection list links',
        );
        listed++;
      }
    }
    assert(lists === this.count, 'connection index count');
    assert(listed === connected.size, 'connection index size');
  }

  /** Both 32-bit halves of the key count (keys are integers chosen by the driver). */
  private home(key: number): number {
    return homeSlot((key | 0) ^ Math.imul((key / 0x1_0000_0000) | 0, 0x85ebca6b), this.bits);
  }

  private find(key: number): number {
    const mask = this.heads.length - 1;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      if (this.heads[i] === undefined) return -1;
      if (this.keys[i] === key) return i;
    }
  }

  private freeSlot(key: number): number {
    const mask = this.heads.length - 1;
    let i = this.home(key);
    while (this.heads[i] !== undefined) i = (i + 1) & mask;
    return i;
  }

  private deleteSlot(hole: number): void {
    const mask = this.heads.length - 1;
    let i = hole;
    // Backward-shift deletion: pull later members of the probe run into the hole.
    for (let j = (i + 1) & mask; this.heads[j] !== undefined; j = (j + 1) & mask) {
      const k = this.home(this.keys[j]!);
      if (fillsHole(i, j, k)) {
        this.keys[i] = this.keys[j]!;
        this.heads[i] = this.heads[j];
        i = j;
      }
    }
    this.heads[i] = undefined;
    this.count--;
    if (this.bits > MIN_BITS && this.count * 8 < this.heads.length) this.resize(this.bits - 1);
  }

  private resize(bits: number): void {
    const keys = this.keys;
    const heads = this.heads;
    this.bits = bits;
    this.keys = new Float64Array(1 << bits);
    this.heads = new Array<PoolElementNode | undefined>(1 << bits).fill(undefined);
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h === undefined) continue;
      const j = this.freeSlot(keys[i]!);
      this.keys[j] = keys[i]!;
      this.heads[j] = h;
    }
  }
}
