/**
 * Weighted sets for random selection: each set is a Fenwick tree (binary indexed tree) over a dense run of
 * slots, and all sets of a handlespace live in one shared arena, as the tree nodes of all sort-policy pools
 * share one `TreeNodeStore`.
 *
 * A set of capacity 2^k occupies a run of 2^k consecutive slots: the slots' weights in one array, items in
 * another, and a Fenwick tree over the sums of blocks of 8 slots (one cache line of weights) in a third.
 * Drawing the slot that covers a cumulative value descends the block tree (k - 3 steps, no pointers) and
 * scans one block: for a pool of 10,000 PEs that is 16 KiB of block sums, whose upper levels stay cached,
 * plus one line of weights, where a binary tree over the slots themselves touches a dozen lines.
 *
 * Slots are dense (0..size-1): removing a slot moves the last one into its place, so the caller learns
 * the moved item (`remove` returns it) and must update its slot number. A set doubles (or halves below an
 * eighth) by moving to a run of the next size class; runs are recycled through free lists per class.
 * Weights must be finite and >= 0; integer weights (all policies' are) keep every sum exact up to 2^53.
 */
import { NodeCounters } from './node-counters.js';

/** A weighted set's place in its arena: the caller keeps these three numbers (e.g. in its own object). */
export interface WeightedSetRef {
  /** First record of the set's run (-1: no run yet). */
  runBase: number;
  /** log2 of the run's capacity. */
  runLog2: number;
  /** Number of occupied slots (0..slotCount-1). */
  slotCount: number;
  /** Sum of all weights. */
  weightTotal: number;
}

const MAX_CAP_LOG2 = 30;
/**
 * Runs shrink (halve) only below an eighth of their capacity and never below 16 slots: a small pool
 * emptying one by one never moves, and a shrink is never undone by the next few additions.
 */
const SHRINK_MIN_LOG2 = 4;
/** Slots per block: 8 weights are one 64-byte cache line. */
const BLOCK_LOG2 = 3;

/** Blocks in a run of capacity 2^runLog2. */
const blocksOf = (runLog2: number): number => 1 << (runLog2 > BLOCK_LOG2 ? runLog2 - BLOCK_LOG2 : 0);

export class WeightArena<T> {
  /** Fenwick entries over block sums: block i of the run at `runBase` has its entry at `runBase + i`. */
  fenwick: Float64Array;
  /** Weight per slot. */
  weights: Float64Array;
  /** Item per record (undefined when free). */
  readonly items: (T | undefined)[] = [];
  /** Per record: how often its item was selected (moves with the item). */
  readonly counts = new NodeCounters();
  private used = 0;
  private readonly free: number[][] = Array.from({ length: MAX_CAP_LOG2 + 1 }, () => []);
  private live = 0;

  constructor(initialRecords = 64) {
    this.fenwick = new Float64Array(Math.max(16, initialRecords));
    this.weights = new Float64Array(this.fenwick.length);
  }

  /** Records in use by sets (capacity, not occupancy). */
  get liveRecords(): number {
    return this.live;
  }

  /** Bytes of the number arrays (items not counted). */
  get arrayBytes(): number {
    return this.fenwick.byteLength + this.weights.byteLength;
  }

  /** An empty set (no run yet; the first `add` allocates one). */
  emptySet(): WeightedSetRef {
    return { runBase: -1, runLog2: 0, slotCount: 0, weightTotal: 0 };
  }

  /** Adds `item` with `weight` at slot `set.slotCount`; returns that slot. Amortised O(log n). */
  add(set: WeightedSetRef, item: T, weight: number): number {
    if (set.runBase < 0) this.moveTo(set, 0);
    else if (set.slotCount === 1 << set.runLog2) this.moveTo(set, set.runLog2 + 1);
    const slot = set.slotCount++;
    this.items[set.runBase + slot] = item;
    this.counts.set(set.runBase + slot, 0);
    this.weights[set.runBase + slot] = weight;
    this.addToFenwick(set, slot, weight);
    set.weightTotal += weight;
    return slot;
  }

  /**
   * Removes the item at `slot`. The last item moves into `slot` and is returned (undefined when `slot` was
   * the last): its owner must record its new slot.
   */
  remove(set: WeightedSetRef, slot: number): T | undefined {
    const last = set.slotCount - 1;
    const w = this.weight(set, slot);
    let moved: T | undefined;
    if (slot !== last) {
      const lw = this.weight(set, last);
      moved = this.items[set.runBase + last];
      this.items[set.runBase + slot] = moved;
      this.counts.set(set.runBase + slot, this.counts.get(set.runBase + last));
      this.weights[set.runBase + slot] = lw;
      this.addToFenwick(set, slot, lw - w);
      this.addToFenwick(set, last, -lw);
    } else {
      this.addToFenwick(set, slot, -w);
    }
    this.weights[set.runBase + last] = 0;
    this.items[set.runBase + last] = undefined;
    set.slotCount--;
    set.weightTotal -= w;
    if (set.slotCount === 0) {
      this.release(set.runBase, set.runLog2);
      set.runBase = -1;
      set.runLog2 = 0;
      set.weightTotal = 0;
    } else if (set.runLog2 > SHRINK_MIN_LOG2 && set.slotCount <= 1 << (set.runLog2 - 3)) {
      this.moveTo(set, set.runLog2 - 1);
    }
    return moved;
  }

  weight(set: WeightedSetRef, slot: number): number {
    return this.weights[set.runBase + slot]!;
  }

  item(set: WeightedSetRef, slot: number): T {
    return this.items[set.runBase + slot] as T;
  }

  setWeight(set: WeightedSetRef, slot: number, weight: number): void {
    const o = set.runBase + slot;
    const delta = weight - this.weights[o]!;
    if (delta === 0) return;
    this.weights[o] = weight;
    this.addToFenwick(set, slot, delta);
    set.weightTotal += delta;
  }

  /**
   * The slot s with sum(weights before s) <= target < sum(weights through s): never a weight-0 slot.
   * `target` must be in [0, total); -1 for an empty set.
   */
  find(set: WeightedSetRef, target: number): number {
    if (set.slotCount === 0) return -1;
    const blocks = blocksOf(set.runLog2);
    const f = this.fenwick;
    const b = set.runBase - 1;
    let block = 0;
    let t = target;
    // The first step (all blocks) never fits a target below the total, and every later one stays in range:
    // no bounds test. Taking a step is computed, not branched on (the branch is a coin toss for the CPU).
    for (let step = blocks >> 1; step > 0; step >>= 1) {
      const v = f[b + block + step]!;
      const take = v <= t ? step : 0;
      block += take;
      t -= take === 0 ? 0 : v;
    }
    const w = this.weights;
    const base = set.runBase;
    const end = Math.min((block + 1) << BLOCK_LOG2, set.slotCount);
    for (let s = block << BLOCK_LOG2; s < end; s++) {
      const x = w[base + s]!;
      if (t < x) return s;
      t -= x;
    }
    // Rounding can push a target at the very top past the last positive slot: take the last one.
    return this.lastPositive(set);
  }

  /** Checks every Fenwick entry and the total against a recomputation; throws on a mismatch. O(n log n). */
  verify(set: WeightedSetRef): void {
    if (set.runBase < 0) {
      if (set.slotCount !== 0 || set.weightTotal !== 0) throw new Error('empty set with contents');
      return;
    }
    const cap = 1 << set.runLog2;
    if (set.slotCount > cap) throw new Error('size beyond capacity');
    let total = 0;
    const blockSums = new Array<number>(blocksOf(set.runLog2)).fill(0);
    for (let s = 0; s < cap; s++) {
      const w = this.weight(set, s);
      if (s >= set.slotCount && (w !== 0 || this.items[set.runBase + s] !== undefined))
        throw new Error('stale slot');
      total += w;
      blockSums[s >> BLOCK_LOG2]! += w;
    }
    for (let i = 1; i <= blockSums.length; i++) {
      let sum = 0;
      for (let j = i - (i & -i); j < i; j++) sum += blockSums[j]!;
      if (this.fenwick[set.runBase + i - 1] !== sum) throw new Error(`Fenwick entry ${i} wrong`);
    }
    for (let i = blockSums.length; i < cap; i++)
      if (this.fenwick[set.runBase + i] !== 0) throw new Error('stale Fenwick entry');
    if (total !== set.weightTotal) throw new Error('total wrong');
  }

  private lastPositive(set: WeightedSetRef): number {
    for (let s = set.slotCount - 1; s >= 0; s--) if (this.weight(set, s) > 0) return s;
    return set.slotCount - 1;
  }

  private addToFenwick(set: WeightedSetRef, slot: number, delta: number): void {
    const blocks = blocksOf(set.runLog2);
    const f = this.fenwick;
    const b = set.runBase - 1;
    for (let i = (slot >> BLOCK_LOG2) + 1; i <= blocks; i += i & -i) f[b + i]! += delta;
  }

  /** Moves the set to a fresh run of capacity 2^capLog2 and rebuilds its block tree: O(capacity). */
  private moveTo(set: WeightedSetRef, capLog2: number): void {
    if (capLog2 > MAX_CAP_LOG2) throw new RangeError('weighted set too large');
    const base = this.allocate(capLog2);
    const cap = 1 << capLog2;
    const w = this.weights;
    const f = this.fenwick;
    for (let s = 0; s < set.slotCount; s++) {
      this.items[base + s] = this.items[set.runBase + s];
      this.counts.set(base + s, this.counts.get(set.runBase + s));
      w[base + s] = w[set.runBase + s]!;
    }
    for (let s = set.slotCount; s < cap; s++) {
      this.items[base + s] = undefined;
      w[base + s] = 0;
    }
    const blocks = blocksOf(capLog2);
    f.fill(0, base, base + cap);
    for (let s = 0; s < set.slotCount; s++) f[base + (s >> BLOCK_LOG2)]! += w[base + s]!;
    for (let i = 1; i <= blocks; i++) {
      const j = i + (i & -i);
      if (j <= blocks) f[base + j - 1]! += f[base + i - 1]!;
    }
    if (set.runBase >= 0) {
      for (let s = 0; s < set.slotCount; s++) this.items[set.runBase + s] = undefined;
      this.release(set.runBase, set.runLog2);
    }
    set.runBase = base;
    set.runLog2 = capLog2;
  }

  private allocate(capLog2: number): number {
    const cap = 1 << capLog2;
    this.live += cap;
    const reused = this.free[capLog2]!.pop();
    if (reused !== undefined) return reused;
    const base = this.used;
    this.used += cap;
    if (this.used > this.fenwick.length) {
      let length = this.fenwick.length * 2;
      while (this.used > length) length *= 2;
      const fenwick = new Float64Array(length);
      fenwick.set(this.fenwick);
      this.fenwick = fenwick;
      const weights = new Float64Array(length);
      weights.set(this.weights);
      this.weights = weights;
    }
    while (this.items.length < this.used) this.items.push(undefined);
    return base;
  }

  private release(base: number, capLog2: number): void {
    const cap = 1 << capLog2;
    for (let s = 0; s < cap; s++) {
      this.fenwick[base + s] = 0;
      this.weights[base + s] = 0;
      this.items[base + s] = undefined;
    }
    this.live -= cap;
    this.free[capLog2]!.push(base);
  }
}
