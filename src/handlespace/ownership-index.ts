/**
 * PEs by home registrar, in Handle Table order (owner, pool handle [shorter first, then bytes], PE id),
 * with each owner's PE count and unfolded checksum sum (RFC 5353 §3.6.2).
 *
 * Layout: owner -> OwnerSlot; per owner, its pools in a tree ordered by handle (comparator on the pool key,
 * used only when an owner gets its first PE in a pool) plus a Map pool -> slot; per (owner, pool) a keyed
 * tree of PE ids. Adding or removing a PE is two Map lookups and one keyed (comparator-free) tree
 * operation, so it touches no other PE record: at a million PEs a comparator reading PE records on each of
 * ~20 tree levels costs microseconds in cache misses.
 */
import { NIL, RedBlackTree, TreeNodeStore } from '../collections/index.js';
import type { PoolElementId, RegistrarId } from '../wire/types.js';
import type { OwnerPoolSlotRef, Pool, PoolElementNode } from './pool.js';
import { compareKeys, type PoolKey } from './pool-key.js';

/** One owner's PEs of one pool. */
export class OwnerPoolSlot implements OwnerPoolSlotRef {
  readonly ids: RedBlackTree<PoolElementNode>;
  /** This slot's node in its owner's pool tree. */
  node = NIL;

  constructor(
    readonly pool: Pool,
    idStore: TreeNodeStore<PoolElementNode>,
  ) {
    this.ids = new RedBlackTree<PoolElementNode>(undefined, idStore);
  }
}

export class OwnerSlot {
  sum = 0;
  count = 0;
  readonly byPool = new Map<Pool, OwnerPoolSlot>();
  readonly pools: RedBlackTree<OwnerPoolSlot>;

  constructor(
    readonly owner: RegistrarId,
    poolStore: TreeNodeStore<OwnerPoolSlot>,
  ) {
    this.pools = new RedBlackTree<OwnerPoolSlot>((a, b) => compareKeys(a.pool.key, b.pool.key), poolStore);
  }
}

/** Where an extract resumes: strictly after (owner, pool key, id). */
export interface OwnershipCursor {
  readonly owner: RegistrarId;
  readonly key: PoolKey;
  readonly id: PoolElementId;
}

export class OwnershipIndex {
  readonly owners = new Map<RegistrarId, OwnerSlot>();
  private readonly idStore = new TreeNodeStore<PoolElementNode>({ keyed: true });
  private readonly poolStore = new TreeNodeStore<OwnerPoolSlot>();

  add(node: PoolElementNode): void {
    const ownerId = node.homeRegistrarId;
    let owner = this.owners.get(ownerId);
    if (owner === undefined) {
      owner = new OwnerSlot(ownerId, this.poolStore);
      this.owners.set(ownerId, owner);
    }
    let slot = owner.byPool.get(node.pool);
    if (slot === undefined) {
      slot = new OwnerPoolSlot(node.pool, this.idStore);
      slot.node = owner.pools.insert(slot);
      owner.byPool.set(node.pool, slot);
    }
    node.ownerSlot = slot;
    node.ownershipNode = slot.ids.insertKeyed(node, node.id, 0);
    owner.sum += node.checksumPart;
    owner.count++;
  }

  remove(node: PoolElementNode): void {
    const slot = node.ownerSlot as OwnerPoolSlot;
    const owner = this.owners.get(node.homeRegistrarId)!;
    slot.ids.remove(node.ownershipNode);
    node.ownershipNode = NIL;
    node.ownerSlot = undefined;
    if (slot.ids.size === 0) {
      owner.pools.remove(slot.node);
      owner.byPool.delete(slot.pool);
    }
    owner.sum -= node.checksumPart;
    if (--owner.count === 0) this.owners.delete(owner.owner);
  }

  /** Owners with at least one PE, ascending. */
  ownerIds(): RegistrarId[] {
    return [...this.owners.keys()].sort((a, b) => a - b);
  }

  /**
   * Up to `max` PEs in Handle Table order, of `onlyOwner` if given, strictly after `after` if given.
   * `more` tells whether further PEs follow. O(log n + max) plus a sort of the owner ids.
   */
  extract(
    onlyOwner: RegistrarId | undefined,
    after: OwnershipCursor | undefined,
    max: number,
  ): { nodes: PoolElementNode[]; more: boolean } {
    const nodes: PoolElementNode[] = [];
    const owners = onlyOwner === undefined ? this.ownerIds() : this.owners.has(onlyOwner) ? [onlyOwner] : [];
    for (const ownerId of owners) {
      if (after !== undefined && ownerId < after.owner) continue;
      const owner = this.owners.get(ownerId)!;
      const resume = after !== undefined && ownerId === after.owner;
      let p = resume
        ? owner.pools.lowerBound((s) => compareKeys(s.pool.key, after.key))
        : owner.pools.first();
      for (; p !== NIL; p = owner.pools.next(p)) {
        const slot = owner.pools.item(p);
        const ids = slot.ids;
        let n = resume && slot.pool.key === after.key ? ids.upperBoundKeyed(after.id) : ids.first();
        for (; n !== NIL; n = ids.next(n)) {
          if (nodes.length === max) return { nodes, more: true };
          nodes.push(ids.item(n));
        }
      }
    }
    return { nodes, more: false };
  }
}
