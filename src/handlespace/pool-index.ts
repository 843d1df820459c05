/**
 * Pools by pool handle: an open-addressing hash table (linear probing, at most half full, deletion by
 * backward shift) whose slots hold the pools themselves. A lookup hashes the handle bytes, reads one slot
 * and compares the pool's hash and inline handle words: at 100,000 pools that is two cache misses (slot,
 * pool), where a Map of hash to pool cost four (bucket, entry, pool, key string). No string is built per
 * message.
 */
import { fillsHole, homeSlot } from '../collections/index.js';
import type { SelectionStores } from '../policy/index.js';
import type { PoolElementParameter, PoolHandle } from '../wire/types.js';
import { Pool, type PoolElementNode, transportUseOf } from './pool.js';
import { poolHash, poolKey } from './pool-key.js';

const MIN_BITS = 4;

export class PoolIndex {
  private slots: (Pool | undefined)[] = new Array<Pool | undefined>(1 << MIN_BITS).fill(undefined);
  private bits = MIN_BITS;
  private count = 0;

  constructor(
    /** Where the pools keep their selection indexes (shared). */
    private readonly stores: SelectionStores<PoolElementNode>,
  ) {}

  get size(): number {
    return this.count;
  }

  get(handle: PoolHandle): Pool | undefined {
    const h = poolHash(handle);
    const mask = this.slots.length - 1;
    for (let i = this.home(h); ; i = (i + 1) & mask) {
      const p = this.slots[i];
      if (p === undefined || (p.hash === h && p.matches(handle))) return p;
    }
  }

  /** Creates the pool of a first registration: its policy, transport and control-channel use. */
  create(poolHandle: PoolHandle, element: PoolElementParameter): Pool {
    const handle = poolHandle.slice();
    const transport = element.userTransport;
    const pool = new Pool(
      handle,
      poolKey(handle),
      poolHash(handle),
      element.policy.name,
      transport.kind,
      transportUseOf(transport),
      this.stores,
      this,
    );
    if ((this.count + 1) * 2 > this.slots.length) this.resize(this.bits + 1);
    this.place(pool);
    this.count++;
    return pool;
  }

  delete(pool: Pool): void {
    const mask = this.slots.length - 1;
    let i = this.home(pool.hash);
    while (this.slots[i] !== pool) {
      if (this.slots[i] === undefined) return;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: pull later members of the probe run into the hole.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const q = this.slots[j];
      if (q === undefined) break;
      const k = this.home(q.hash);
      // q may fill the hole at i unless its home lies cyclically in (i, j].
      if (fillsHole(i, j, k)) {
        this.slots[i] = q;
        i = j;
      }
    }
    this.slots[i] = undefined;
    this.count--;
    if (this.bits > MIN_BITS && this.count * 8 < this.slots.length) this.resize(this.bits - 1);
  }

  /** Whether a pool is indexed here (O(1): pools are removed from their index exactly once). */
  owns(pool: Pool): boolean {
    return pool.index === this && pool.elements.size > 0;
  }

  /** All pools (unordered). */
  *[Symbol.iterator](): IterableIterator<Pool> {
    for (const p of this.slots) if (p !== undefined) yield p;
  }

  private home(hash: number): number {
    return homeSlot(hash, this.bits);
  }

  private place(pool: Pool): void {
    const mask = this.slots.length - 1;
    let i = this.home(pool.hash);
    while (this.slots[i] !== undefined) i = (i + 1) & mask;
    this.slots[i] = pool;
  }

  private resize(bits: number): void {
    const old = this.slots;
    this.bits = bits;
    this.slots = new Array<Pool | undefined>(1 << bits).fill(undefined);
    for (const p of old) if (p !== undefined) this.place(p);
  }
}
