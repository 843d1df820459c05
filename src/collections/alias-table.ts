/**
 * Walker's alias method (Vose's construction): after an O(n) build over fixed weights, a weighted draw is
 * one uniform number, one probability and maybe one alias read, whatever n. A pool whose weights do not
 * change between resolutions (WeightedRandom, Random, RandomizedLeastUsed between load updates) draws
 * from one instead of descending its `WeightArena` sums; any change to the weights drops the table.
 */
export class AliasTable {
  /** Probability of keeping column i (else take alias[i]). */
  private readonly keep: Float64Array;
  private readonly alias: Int32Array;

  /** `weights[i]` >= 0 with a positive sum. O(n). */
  constructor(weights: ArrayLike<number>, count: number) {
    this.keep = new Float64Array(count);
    this.alias = new Int32Array(count);
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
      this.keep[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      if (scaled[l]! < 1) small.push(large.pop()!);
    }
    // What is left holds (up to rounding) exactly one column's worth.
    for (const i of large) this.keep[i] = 1;
    for (const i of small) this.keep[i] = scaled[i]! > 0 ? 1 : 0;
    for (const i of small) if (this.keep[i] === 0) this.alias[i] = largestColumn(this.keep, i);
  }

  get size(): number {
    return this.keep.length;
  }

  /** The column drawn by a uniform `u` in [0, 1). */
  draw(u: number): number {
    const x = u * this.keep.length;
    const i = Math.floor(x);
    return x - i < this.keep[i]! ? i : this.alias[i]!;
  }
}

/** A column to send a weight-0 leftover to (rounding left it without a partner): one kept with certainty. */
function largestColumn(keep: Float64Array, not: number): number {
  for (let i = 0; i < keep.length; i++) if (i !== not && keep[i] === 1) return i;
  return not;
}
