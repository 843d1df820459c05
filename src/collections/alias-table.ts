/**
 * Walker's alias method (Vose's construction): after an O(n) build over fixed weights, a weighted draw is
 * one uniform number and one read, whatever n. A pool whose weights do not change between resolutions
 * (WeightedRandom, Random, RandomizedLeastUsed between load updates) draws from one instead of descending
 * its `WeightArena` sums; any change to the weights or slots drops the table.
 */

/** Fixed-point scale of a keep probability: small integers stay unboxed in a JS array (V8 Smis). */
const KEEP_SCALE = 2 ** 29;

export class AliasTable<T> {
  /**
   * Column i as three neighbouring cells, so that a draw reads one place in memory (at a million PEs, each
   * further read is a cache miss): [3i] the probability of keeping the column in units of 2^-29, [3i + 1]
   * the column's item, [3i + 2] the item of its alias. The fixed point moves a column's share by at most
   * 2^-29 / n (statistically nil).
   */
  private readonly cells: unknown[];
  private readonly count: number;

  /** `weights[i]` >= 0 with a positive sum; `itemOf(i)` is column i's item. O(n). */
  constructor(weights: ArrayLike<number>, count: number, itemOf: (column: number) => T) {
    this.count = count;
    const keep = new Float64Array(count);
    const alias = new Int32Array(count);
    let total = 0;
    for (let i = 0; i < count; i++) total += weights[i]!;
    const scaled = new Float64Array(count);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < count; i++) {
      scaled[i] = (weights[i]! * count) / total;
      (scaled[i]! < 1 ? small : large).push(i);
    }
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large[large.length - 1]!;
      keep[s] = scaled[s]!;
      alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      if (scaled[l]! < 1) small.push(large.pop()!);
    }
    // What is left holds (up to rounding) exactly one column's worth.
    for (const i of large) keep[i] = 1;
    for (const i of small) keep[i] = scaled[i]! > 0 ? 1 : 0;
    for (const i of small) if (keep[i] === 0) alias[i] = largestColumn(keep, i);
    this.cells = new Array<unknown>(3 * count);
    for (let i = 0; i < count; i++) {
      this.cells[3 * i] = Math.round(keep[i]! * KEEP_SCALE);
      this.cells[3 * i + 1] = itemOf(i);
      this.cells[3 * i + 2] = itemOf(alias[i]!);
    }
  }

  get size(): number {
    return this.count;
  }

  /** The item of the column drawn by a uniform `u` in [0, 1). */
  draw(u: number): T {
    const x = u * this.count;
    const i = Math.floor(x);
    const keep = this.cells[3 * i] as number;
    return this.cells[(x - i) * KEEP_SCALE < keep ? 3 * i + 1 : 3 * i + 2] as T;
  }
}

/** A column to send a weight-0 leftover to (rounding left it without a partner): one kept with certainty. */
function largestColumn(keep: Float64Array, not: number): number {
  for (let i = 0; i < keep.length; i++) if (i !== not && keep[i] === 1) return i;
  return not;
}
