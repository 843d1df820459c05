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
  private alias: AliasTable | undefined = undefined;
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
    c.selectionNode = this.insertKeyed(c, policySortKey(c), sequence);
  }

  /** Re-positions a candidate after its policy parameters, distance or degradation changed. */
  update(c: C): void {
    if (this.kind === 'queue') return; // RoundRobin has no parameters
    if (this.kind === 'sort') {
      // WeightedRoundRobin keeps its turn counter; a new weight changes its due time n / weight.
      const key = policySortKey(c);
      const node = c.selectionNode;
      if (key !== this.keyOf(node)) this.rekey(node, key, this.tieOf(node));
    } else {
      this.setWeight(c, policyWeight(c));
    }
  }

  /** How often `c` was selected with its state advanced; `c` must be a candidate of this selection. */
  selectionCountOf(c: C): number {
    const node = c.selectionNode;
    if (this.kind === 'queue') return this.queue.counts.get(node);
    if (this.kind === 'sort') return this.store.counts.get(node);
    return this.weights.counts.get(this.runBase + node);
  }

  /** Unlinks a candidate; returns how often it was selected (its count is not kept here any longer). */
  removeCandidate(c: C): number {
    const selections = this.selectionCountOf(c);
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
    return selections;
  }

  /** Selects up to `count` distinct candidates in policy order and advances the state of the first ones. */
  select(count: number, options: SelectionOptions): C[] {
    const n = Math.min(count, this.size);
    if (n <= 0) return [];
    const increments = Math.min(n, options.maxIncrement || DEFAULT_MAX_INCREMENT);
    if (this.kind === 'queue') return this.selectQueued(n, increments);
    return this.kind === 'sort'
      ? this.selectSorted(n, increments, options)
      : this.selectRandom(n, increments, options);
  }

  // The selections below read node numbers from the stores, never from the selected PEs' records, and
  // RoundRobin, value and non-degrading sort policies write nothing to them (sequence numbers and keys
  // in the tree records, counts in the stores): at a million PEs each PE record touched is a cache miss.

  private selectQueued(n: number, increments: number): C[] {
    const q = this.queue;
    const out: C[] = [];
    const nodes: number[] = [];
    for (let node = this.ringHead; node !== NIL && out.length < n; node = q.next(this, node)) {
      out.push(q.item(node));
      nodes.push(node);
    }
    for (let i = 0; i < increments; i++) {
      q.moveToBack(this, nodes[i]!);
      q.counts.increment(nodes[i]!);
    }
    return out;
  }

  private selectSorted(n: number, increments: number, options: SelectionOptions): C[] {
    const out: C[] = [];
    const nodes: number[] = [];
    for (let node = this.first(); node !== NIL && out.length < n; node = this.next(node)) {
      out.push(this.item(node));
      nodes.push(node);
    }
    for (let i = 0; i < increments; i++) {
      const c = out[i]!;
      // A key that does not move with a selection is read from the tree record (in cache), not from the
      // PE or its policy object.
      const node = nodes[i]!;
      const kept = this.keyOf(node);
      this.advance(c);
      this.rekey(node, this.keyMoves ? policySortKey(c) : kept, options.sequence.next());
      this.store.counts.increment(node);
    }
    return out;
  }

  private selectRandom(n: number, increments: number, options: SelectionOptions): C[] {
    const rng = options.rng;
    const w = this.weights;
    // Slot numbers, not PEs, are compared: `includes` on objects reads each one's map, a cache miss per
    // PE at a million PEs, where small integers compare in registers.
    const slots: number[] = [];
    // Rejection sampling: drawing from all weights and redrawing on an already selected PE gives exactly
    // the distribution of drawing from the remaining weights, at one O(log n) descent per draw.
    const total = this.weightTotal;
    let rejections = 0;
    while (slots.length < n && total > 0 && rejections < MAX_REJECTIONS) {
      const s = this.drawSlot(rng, total);
      if (slots.includes(s)) rejections++;
      else slots.push(s);
    }
    if (slots.length < n && rejections >= MAX_REJECTIONS) {
      // The selected PEs hold most of the weight: zero them for the rest of this selection.
      for (const s of slots) this.setSlotWeight(s, 0);
      while (slots.length < n && this.weightTotal > 0) {
        const s = w.find(this, uniformBelow(rng, this.weightTotal));
        slots.push(s);
        this.setSlotWeight(s, 0);
      }
      for (const s of slots) this.setSlotWeight(s, policyWeight(w.item(this, s)));
    }
    // Only weight-0 PEs are left: take them in slot order rather than return fewer than asked.
    for (let s = 0; s < this.slotCount && slots.length < n; s++) if (!slots.includes(s)) slots.push(s);
    const out: C[] = [];
    for (const s of slots) out.push(w.item(this, s));
    for (let i = 0; i < increments; i++) {
      w.counts.increment(this.runBase + slots[i]!);
      if (this.descriptor.degrades) {
        const c = out[i]!;
        this.advance(c);
        this.setSlotWeight(slots[i]!, policyWeight(c));
      }
    }
    return out;
  }

  /** A slot drawn with probability weight / total: by the alias table when the weights are stable. */
  private drawSlot(rng: Random, total: number): number {
    if (this.alias !== undefined) return this.alias.draw(uniformBelow(rng, 1));
    if (++this.stableDraws >= this.slotCount && this.slotCount >= ALIAS_MIN_SLOTS) {
      const base = this.runBase;
      this.alias = new AliasTable(this.weights.weights.subarray(base, base + this.slotCount), this.slotCount);
      return this.alias.draw(uniformBelow(rng, 1));
    }
    return this.weights.find(this, uniformBelow(rng, total));
  }

  private setWeight(c: C, weight: number): void {
    this.setSlotWeight(c.selectionNode, weight);
  }

  private setSlotWeight(slot: number, weight: number): void {
    if (this.weights.weight(this, slot) === weight) return;
    this.weights.setWeight(this, slot, weight);
    this.weightsChanged();
  }

  private weightsChanged(): void {
    this.alias = undefined;
    this.stableDraws = 0;
  }

  /** A selection's effect on the PE's own policy state (degradation, WeightedRoundRobin's turn). */
  private advance(c: C): void {
    if (this.descriptor.degrades) c.degradation += policyLoadDegradation(c.policy);
    if (this.isWeightedRoundRobin) c.turn++;
  }
}
