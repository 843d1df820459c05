/**
 * One pool's selection index and the selection algorithm (notes/rsplib-interop.md §3.2):
 *
 * Sort policies use a keyed tree (numeric key and tie in the shared node store, no comparator calls).
 *
 * - RoundRobin keeps its PEs in a queue (a circular list in a shared `RingStore`): the first N in queue
 *   order, the first `maxIncrement` of them moved to the back (O(k)). That is exactly the order a sort by
 *   (constant key, sequence number) gives, without a tree's rebalancing.
 * - other sort policies keep the PEs in a red-black tree ordered by (policy key, sequence number) and return
 *   the first N; the first `maxIncrement` of them get a fresh sequence number (round robin among equals),
 *   their degradation grows by loadDegradation, WeightedRoundRobin's turn counter advances by one,
 *   and they are re-linked: O(k + maxIncrement * log n).
 * - value policies keep the PEs' weights over dense slots with sums of 8-slot blocks (`WeightArena`; slot
 *   order is insertion order with the last PE moved into a freed slot), and an alias table once a pool of
 *   64+ PEs kept its weights for as many draws as it has PEs; each of the N picks draws the slot covering
 *   r uniform in [0, total); a PE drawn again is redrawn (rejection sampling: exactly the distribution
 *   over the remaining weights, no PE twice, RFC 5356 §4.3.2). After 8 redraws the selected PEs' weights
 *   are set to 0 for the rest of the selection and restored at the end. Degradation policies re-weight
 *   the advanced PEs. O(k log n) expected, O(k) with the alias table.
 *
 * WeightedRoundRobin is stride scheduling with exact keys: a PE with turn counter n is due at virtual
 * time n / weight (a correctly rounded division, so equal times tie exactly), ties by sequence; a
 * selection increments n. Over a round each PE is chosen exactly weight times and its turns are spread
 * evenly (RFC 5356 §4.2.2). A new PE starts one turn after the pool's earliest due time, so it neither
 * starves nor floods; weight 0 PEs come after all others.
 */
import type { Random } from '../base/random.js';
import {
  AliasTable,
  NIL,
  RedBlackTree,
  type RingRef,
  type RingStore,
  type TreeNodeStore,
  type WeightArena,
  type WeightedSetRef,
} from '../collections/index.js';
import type { PolicyName } from '../wire/types.js';
import { DEFAULT_MAX_INCREMENT } from './defaults.js';
import {
  type PolicyCandidate,
  policyLoadDegradation,
  policySortKey,
  policyWeight,
  weightedRoundRobinWeight,
} from './policy-candidate.js';
import { type PolicyDescriptor, policyDescriptor } from './policy-registry.js';

/** Source of the sequence numbers that order equal candidates (one per handlespace). */
export class SequenceCounter {
  private n = 0;
  next(): number {
    return ++this.n;
  }
}

export interface SelectionOptions {
  readonly rng: Random;
  readonly sequence: SequenceCounter;
  /** How many of the selected PEs get their state advanced; 0 or absent = policy default (1). */
  readonly maxIncrement?: number;
}

const TWO_POW_53 = 2 ** 53;
/** Redraws tolerated before switching to zeroing the selected PEs' weights. */
const MAX_REJECTIONS = 8;
/**
 * A random pool of at least this many PEs whose weights did not change for as many draws as it has PEs
 * gets an alias table (O(n) to build, so amortised O(1) per draw; any change drops it). Smaller pools'
 * sums fit in a cache line or two anyway.
 */
const ALIAS_MIN_SLOTS = 64;

/**
 * Uniform in [0, total) with 53 random bits: a slot's probability differs from weight / total by at most
 * total / 2^53 (2^-21 for a total of 2^32), far below any statistical test, and it needs no integer
 * rejection loop (whose double modulo cost a third of a small pool's selection).
 */
function uniformBelow(rng: Random, total: number): number {
  return ((rng.u32() * 0x200000 + (rng.u32() >>> 11)) / TWO_POW_53) * total;
}

/** Where the pools of one handlespace keep their selection structures (shared by all its pools). */
export interface SelectionStores<C> {
  /** Nodes of sort-policy trees; must be `keyed`. */
  readonly sorted: TreeNodeStore<C>;
  /** Weighted sets of value (random) policies. */
  readonly weighted: WeightArena<C>;
  /** Queues of RoundRobin pools. */
  readonly queued: RingStore<C>;
}

/**
 * A pool's selection index. It is itself the (keyed) red-black tree of its candidates for sort policies,
 * and the reference to its weighted set for value policies, which saves a pointer hop per selection: at
 * a million PEs the cost of a resolution is mostly cache misses.
 */
export class PoolSelection<C extends PolicyCandidate>
  extends RedBlackTree<C>
  implements WeightedSetRef, RingRef
{
  readonly descriptor: PolicyDescriptor;
  private readonly kind: 'queue' | 'sort' | 'value';
  /** The sort key changes with a selection (degradation, WeightedRoundRobin's turn): recompute it. */
  private readonly keyMoves: boolean;
  private readonly isWeightedRoundRobin: boolean;
  private readonly weights: WeightArena<C>;
  private readonly queue: RingStore<C>;
  ringHead = NIL;
  ringSize = 0;
  runBase = -1;
  runLog2 = 0;
  slotCount = 0;
  weightTotal = 0;
  /** Draws from the current weights by the alias method (value policies; undefined after any change). */
  private alias: AliasTable<C> | undefined = undefined;
  /** Draws since the weights last changed. */
  private stableDraws = 0;

  /** Pools of one handlespace share `stores`. */
  constructor(policyName: PolicyName, stores: SelectionStores<C>) {
    super(undefined, stores.sorted);
    this.weights = stores.weighted;
    this.queue = stores.queued;
    this.descriptor = policyDescriptor(policyName);
    this.kind = policyName === 'RoundRobin' ? 'queue' : this.descriptor.selection;
    this.isWeightedRoundRobin = policyName === 'WeightedRoundRobin';
    this.keyMoves = this.isWeightedRoundRobin || this.descriptor.degrades;
  }

  /** Number of candidates. */
  override get size(): number {
    return this.kind === 'queue' ? this.ringSize : this.kind === 'sort' ? super.size : this.slotCount;
  }

  /** Candidates in selection-index order: policy order, or slot order for value policies. */
  override *[Symbol.iterator](): IterableIterator<C> {
    if (this.kind === 'queue') {
      for (let n = this.ringHead; n !== NIL; n = this.queue.next(this, n)) yield this.queue.item(n);
    } else if (this.kind === 'sort') {
      yield* super[Symbol.iterator]();
    } else {
      for (let s = 0; s < this.slotCount; s++) yield this.weights.item(this, s);
    }
  }

  /** A candidate's selection weight as indexed (value policies). */
  weightOf(c: C): number {
    return this.weights.weight(this, c.selectionNode);
  }

  /** Checks the index against a recomputation; throws on a mismatch. */
  override verify(): void {
    if (this.kind === 'queue') this.queue.verify(this);
    else if (this.kind === 'sort') super.verify();
    else this.weights.verify(this);
  }

  /** Links a new candidate; `sequence` should be fresh so that a new PE queues behind its equals. */
  add(c: C, sequence: number): void {
    c.sequence = sequence;
    if (this.kind === 'queue') {
      c.selectionNode = this.queue.pushBack(this, c);
      return;
    }
    if (this.kind === 'value') {
      c.selectionNode = this.weights.add(this, c, policyWeight(c));
      this.weightsChanged();
      return;
    }
    if (this.isWeightedRoundRobin) {
      const first = this.first();
      const head = first === NIL ? undefined : this.item(first);
      const headWeight = head === undefined ? 0 : weightedRoundRobinWeight(head.policy);
      const w = weightedRoundRobinWeight(c.policy);
      c.turn = head === undefined || headWeight === 0 ? 1 : Math.floor((head.turn * w) / headWeight) + 1;
    }
    this.linkSorted(c, policySortKey(c));
  }

  /** Re-positions a candidate after its policy parameters, distance or degradation changed. */
  update(c: C): void {
    if (this.kind === 'queue') return; // RoundRobin has no parameters
    if (this.kind === 'sort') {
      // WeightedRoundRobin keeps its turn counter; a new weight changes its due time n / weight.
      const key = policySortKey(c);
      if (key === c.sortKey) return;
      this.remove(c.selectionNode);
      this.linkSorted(c, key);
    } else {
      this.setWeight(c, policyWeight(c));
    }
  }

  removeCandidate(c: C): void {
    if (this.kind === 'queue') {
      this.queue.remove(this, c.selectionNode);
    } else if (this.kind === 'sort') {
      this.remove(c.selectionNode);
    } else {
      const moved = this.weights.remove(this, c.selectionNode);
      this.weightsChanged();
      if (moved !== undefined) moved.selectionNode = c.selectionNode;
    }
    c.selectionNode = NIL;
  }

  /** Selects up to `count` distinct candidates in policy order and advances the state of the first ones. */
  select(count: number, options: SelectionOptions): C[] {
    const n = Math.min(count, this.size);
    if (n <= 0) return [];
    const increments = Math.min(n, options.maxIncrement || DEFAULT_MAX_INCREMENT);
    if (this.kind === 'queue') return this.selectQueued(n, increments, options);
    return this.kind === 'sort'
      ? this.selectSorted(n, increments, options)
      : this.selectRandom(n, increments, options);
  }

  private selectQueued(n: number, increments: number, options: SelectionOptions): C[] {
    const q = this.queue;
    const out: C[] = [];
    for (let node = this.ringHead; node !== NIL && out.length < n; node = q.next(this, node))
      out.push(q.item(node));
    for (let i = 0; i < increments; i++) {
      const c = out[i]!;
      q.moveToBack(this, c.selectionNode);
      this.advance(c, options.sequence);
    }
    return out;
  }

  private selectSorted(n: number, increments: number, options: SelectionOptions): C[] {
    const out: C[] = [];
    for (let node = this.first(); node !== NIL && out.length < n; node = this.next(node))
      out.push(this.item(node));
    for (let i = 0; i < increments; i++) {
      const c = out[i]!;
      // A key that does not move with a selection is read from the tree record (in cache), not from the
      // PE or its policy object.
      const kept = this.keyOf(c.selectionNode);
      this.remove(c.selectionNode);
      this.advance(c, options.sequence);
      this.linkSorted(c, this.keyMoves ? policySortKey(c) : kept);
    }
    return out;
  }

  private selectRandom(n: number, increments: number, options: SelectionOptions): C[] {
    const rng = options.rng;
    const w = this.weights;
    const out: C[] = [];
    // Rejection sampling: drawing from all weights and redrawing on an already selected PE gives exactly
    // the distribution of drawing from the remaining weights, at one O(log n) descent per draw.
    const total = this.weightTotal;
    let rejections = 0;
    while (out.length < n && total > 0 && rejections < MAX_REJECTIONS) {
      const c = this.draw(rng, total);
      if (out.includes(c)) rejections++;
      else out.push(c);
    }
    if (out.length < n && rejections >= MAX_REJECTIONS) {
      // The selected PEs hold most of the weight: zero them for the rest of this selection.
      for (const c of out) this.setWeight(c, 0);
      while (out.length < n && this.weightTotal > 0) {
        const c = w.item(this, w.find(this, uniformBelow(rng, this.weightTotal)));
        out.push(c);
        this.setWeight(c, 0);
      }
      for (const c of out) this.setWeight(c, policyWeight(c));
    }
    if (out.length < n) {
      // Only weight-0 PEs are left: take them in slot order rather than return fewer than asked.
      for (let s = 0; s < this.slotCount && out.length < n; s++) {
        const c = w.item(this, s);
        if (!out.includes(c)) out.push(c);
      }
    }
    for (let i = 0; i < increments; i++) {
      const c = out[i]!;
      this.advance(c, options.sequence);
      if (this.descriptor.degrades) this.setWeight(c, policyWeight(c));
    }
    return out;
  }

  /** A candidate drawn with probability weight / total: by the alias table when the weights are stable. */
  private draw(rng: Random, total: number): C {
    if (this.alias !== undefined) return this.alias.draw(uniformBelow(rng, 1));
    if (++this.stableDraws >= this.slotCount && this.slotCount >= ALIAS_MIN_SLOTS) {
      const base = this.runBase;
      this.alias = new AliasTable(
        this.weights.weights.subarray(base, base + this.slotCount),
        this.slotCount,
        (s) => this.weights.item(this, s),
      );
      return this.alias.draw(uniformBelow(rng, 1));
    }
    return this.weights.item(this, this.weights.find(this, uniformBelow(rng, total)));
  }

  private setWeight(c: C, weight: number): void {
    if (this.weights.weight(this, c.selectionNode) === weight) return;
    this.weights.setWeight(this, c.selectionNode, weight);
    this.weightsChanged();
  }

  private weightsChanged(): void {
    this.alias = undefined;
    this.stableDraws = 0;
  }

  private advance(c: C, sequence: SequenceCounter): void {
    c.sequence = sequence.next();
    c.selectionCount++;
    if (this.descriptor.degrades) c.degradation += policyLoadDegradation(c.policy);
    if (this.isWeightedRoundRobin) c.turn++;
  }

  private linkSorted(c: C, key: number): void {
    c.sortKey = key;
    c.selectionNode = this.insertKeyed(c, key, c.sequence);
  }
}
