/**
 * One pool's selection index and the selection algorithm (notes/rsplib-interop.md §3.2):
 *
 * Both kinds use a keyed tree (numeric key and tie in the shared node store, no comparator calls).
 *
 * - sort policies keep the PEs in a red-black tree ordered by (policy key, sequence number) and return
 *   the first N; the first `maxIncrement` of them get a fresh sequence number (round robin among equals),
 *   their degradation grows by loadDegradation, WeightedRoundRobin's turn counter advances by one,
 *   and they are re-linked: O(k + maxIncrement * log n).
 * - value policies keep the PEs ordered by PE id in a tree with subtree sums of their weights; each of the
 *   N picks draws r uniformly in [0, total) and takes the node covering r; a PE drawn again is redrawn
 *   (rejection sampling: exactly the distribution over the remaining weights, no PE twice, RFC 5356
 *   §4.3.2). After 8 redraws the selected PEs' weights are set to 0 for the rest of the selection and
 *   restored at the end. Degradation policies re-weight the advanced PEs. O(k log n) expected.
 *
 * WeightedRoundRobin is stride scheduling with exact keys: a PE with turn counter n is due at virtual
 * time n / weight (a correctly rounded division, so equal times tie exactly), ties by sequence; a
 * selection increments n. Over a round each PE is chosen exactly weight times and its turns are spread
 * evenly (RFC 5356 §4.2.2). A new PE starts one turn after the pool's earliest due time, so it neither
 * starves nor floods; weight 0 PEs come after all others.
 */
import { type Random, randomBelow } from '../base/random.js';
import { NIL, RedBlackTree, type TreeNodeStore } from '../collections/index.js';
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

/** Uniform in [0, total): unbiased integers up to 2^32, 53-bit resolution above. */
function uniformBelow(rng: Random, total: number): number {
  if (total <= 0x1_0000_0000 && Number.isInteger(total)) return randomBelow(rng, total);
  return ((rng.u32() * 0x200000 + (rng.u32() >>> 11)) / TWO_POW_53) * total;
}

/**
 * A pool's selection index. It is itself the (keyed) red-black tree of its candidates, which saves a
 * pointer hop per selection: at a million PEs the cost of a resolution is mostly cache misses.
 */
export class PoolSelection<C extends PolicyCandidate> extends RedBlackTree<C> {
  readonly descriptor: PolicyDescriptor;
  private readonly isSort: boolean;

  /** `store` must be `keyed`, and also `summed` for value policies; pools of one handlespace share it. */
  constructor(policyName: PolicyName, store: TreeNodeStore<C>) {
    super(undefined, store);
    this.descriptor = policyDescriptor(policyName);
    this.isSort = this.descriptor.selection === 'sort';
  }

  /** The selection tree (this object). */
  get tree(): RedBlackTree<C> {
    return this;
  }

  /** Links a new candidate; `sequence` should be fresh so that a new PE queues behind its equals. */
  add(c: C, sequence: number): void {
    c.sequence = sequence;
    if (c.policy.name === 'WeightedRoundRobin') {
      const first = this.first();
      const head = first === NIL ? undefined : this.item(first);
      const headWeight = head === undefined ? 0 : weightedRoundRobinWeight(head.policy);
      const w = weightedRoundRobinWeight(c.policy);
      c.turn = head === undefined || headWeight === 0 ? 1 : Math.floor((head.turn * w) / headWeight) + 1;
    }
    this.linkCandidate(c);
  }

  /** Re-positions a candidate after its policy parameters, distance or degradation changed. */
  update(c: C): void {
    if (this.isSort) {
      // WeightedRoundRobin keeps its turn counter; a new weight changes its due time n / weight.
      const key = policySortKey(c);
      if (key === c.sortKey) return;
      this.remove(c.selectionNode);
      this.linkCandidate(c);
    } else {
      this.setValue(c.selectionNode, policyWeight(c));
    }
  }

  removeCandidate(c: C): void {
    this.remove(c.selectionNode);
    c.selectionNode = NIL;
  }

  /** Selects up to `count` distinct candidates in policy order and advances the state of the first ones. */
  select(count: number, options: SelectionOptions): C[] {
    const n = Math.min(count, this.size);
    if (n <= 0) return [];
    const increments = Math.min(n, options.maxIncrement || DEFAULT_MAX_INCREMENT);
    return this.isSort
      ? this.selectSorted(n, increments, options)
      : this.selectRandom(n, increments, options);
  }

  private selectSorted(n: number, increments: number, options: SelectionOptions): C[] {
    const out: C[] = [];
    for (let node = this.first(); node !== NIL && out.length < n; node = this.next(node))
      out.push(this.item(node));
    for (let i = 0; i < increments; i++) {
      const c = out[i]!;
      this.remove(c.selectionNode);
      this.advance(c, options.sequence);
      this.linkCandidate(c);
    }
    return out;
  }

  private selectRandom(n: number, increments: number, options: SelectionOptions): C[] {
    const rng = options.rng;
    const out: C[] = [];
    // Rejection sampling: drawing from all weights and redrawing on an already selected PE gives exactly
    // the distribution of drawing from the remaining weights, at one O(log n) descent per draw.
    const total = this.totalValue;
    let rejections = 0;
    while (out.length < n && total > 0 && rejections < MAX_REJECTIONS) {
      const node = this.findByCumulative(uniformBelow(rng, total));
      if (node === NIL) break;
      const c = this.item(node);
      if (out.includes(c)) rejections++;
      else out.push(c);
    }
    if (out.length < n && rejections >= MAX_REJECTIONS) {
      // The selected PEs hold most of the weight: zero them for the rest of this selection.
      for (const c of out) this.setValue(c.selectionNode, 0);
      while (out.length < n) {
        const rest = this.totalValue;
        if (rest <= 0) break;
        const node = this.findByCumulative(uniformBelow(rng, rest));
        if (node === NIL) break;
        out.push(this.item(node));
        this.setValue(node, 0);
      }
      for (const c of out) this.setValue(c.selectionNode, policyWeight(c));
    }
    if (out.length < n) {
      // Only weight-0 PEs are left: take them in PE id order rather than return fewer than asked.
      for (let node = this.first(); node !== NIL && out.length < n; node = this.next(node)) {
        const c = this.item(node);
        if (!out.includes(c)) out.push(c);
      }
    }
    for (let i = 0; i < increments; i++) {
      const c = out[i]!;
      this.advance(c, options.sequence);
      if (this.descriptor.degrades) this.setValue(c.selectionNode, policyWeight(c));
    }
    return out;
  }

  private advance(c: C, sequence: SequenceCounter): void {
    c.sequence = sequence.next();
    c.selectionCount++;
    if (this.descriptor.degrades) c.degradation += policyLoadDegradation(c.policy);
    if (c.policy.name === 'WeightedRoundRobin') c.turn++;
  }

  private linkCandidate(c: C): void {
    if (this.isSort) {
      c.sortKey = policySortKey(c);
      c.selectionNode = this.insertKeyed(c, c.sortKey, c.sequence);
    } else {
      c.selectionNode = this.insertKeyed(c, c.id, 0, policyWeight(c));
    }
  }
}
