/**
 * Pools by pool handle: a Map from `poolHash(handle)` to the pool, collisions chained through
 * `Pool.nextInBucket`. A lookup hashes the handle bytes and compares them with the pool's key; no string
 * is built per message (that cost more than the selection itself).
 */
import type { TreeNodeStore } from '../collections/index.js';
import { policyDescriptor } from '../policy/index.js';
import type { PoolElementParameter, PoolHandle } from '../wire/types.js';
import { Pool, type PoolElementNode, transportUseOf } from './pool.js';
import { keyMatchesHandle, poolHash, poolKey } from './pool-key.js';

export class PoolIndex {
  private readonly buckets = new Map<number, Pool>();
  private count = 0;

  constructor(
    /** Node store of sort-policy selection trees (keyed). */
    private readonly sortStore: TreeNodeStore<PoolElementNode>,
    /** Node store of random-policy selection trees (keyed and summed). */
    private readonly valueStore: TreeNodeStore<PoolElementNode>,
  ) {}

  get size(): number {
    return this.count;
  }

  get(handle: PoolHandle): Pool | undefined {
    let p = this.buckets.get(poolHash(handle));
    while (p !== undefined && !keyMatchesHandle(p.key, handle)) p = p.nextInBucket;
    return p;
  }

  /** Creates the pool of a first registration: its policy, transport and control-channel use. */
  create(poolHandle: PoolHandle, element: PoolElementParameter): Pool {
    const handle = poolHandle.slice();
    const policyName = element.policy.name;
    const store = policyDescriptor(policyName).selection === 'sort' ? this.sortStore : this.valueStore;
    const transport = element.userTransport;
    const pool = new Pool(
      handle,
      poolKey(handle),
      poolHash(handle),
      policyName,
      transport.kind,
      transportUseOf(transport),
      store,
      this,
    );
    pool.nextInBucket = this.buckets.get(pool.hash);
    this.buckets.set(pool.hash, pool);
    this.count++;
    return pool;
  }

  delete(pool: Pool): void {
    let p = this.buckets.get(pool.hash);
    if (p === pool) {
      if (pool.nextInBucket === undefined) this.buckets.delete(pool.hash);
      else this.buckets.set(pool.hash, pool.nextInBucket);
    } else {
      while (p !== undefined && p.nextInBucket !== pool) p = p.nextInBucket;
      if (p === undefined) return;
      p.nextInBucket = pool.nextInBucket;
    }
    pool.nextInBucket = undefined;
    this.count--;
  }

  /** Whether a pool is indexed here (O(1): pools are removed from their index exactly once). */
  owns(pool: Pool): boolean {
    return pool.index === this && pool.elements.size > 0;
  }

  /** All pools (unordered). */
  *[Symbol.iterator](): IterableIterator<Pool> {
    for (const head of this.buckets.values()) {
      for (let p: Pool | undefined = head; p !== undefined; p = p.nextInBucket) yield p;
    }
  }
}
