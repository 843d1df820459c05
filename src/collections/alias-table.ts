/**
 * Walker's alias method (Vose's construction): after an O(n) build over fixed weights, a weighted draw is
 * one uniform number and one 8-byte read, whatever n. A pool whose weights do not change between
 * resolutions (WeightedRandom, Random, RandomizedLeastUsed between load updates) draws from one instead of
 * descending its `WeightArena` sums; any change to the weights drops the table.
 */
export class AliasTable {
  /**
   * Column i as one 8-byte pair, so that a draw reads one place in memory (at a million PEs each further
   * read is a cache miss): at [2i] of `keeps` (a float32 view) the probability of keeping the column, at
   * [2i + 1] of `aliases` (an int32 view of the same bytes) the column taken otherwise. A float32
   * probability moves a column's share by at most 2^-25 / n (statistically nil).
   */
  private readonly keeps: Float32Array;
  private readonly aliases: Int32Array;
  private readonly count: number;

  /** `weights[i]` >= 0 with a positive sum. O(n). */
  constructor(weights: ArrayLike<number>, count: number) {
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
    // What is left holds (up to rounding) exactly one column's worth: kept, so its alias is itself.
    for (const i of large) keep[i] = 1;
    for (const i of small) keep[i] = scaled[i]! > 0 ? 1 : 0;
    for (const i of small) if (keep[i] === 0) alias[i] = largestColumn(keep, i);
    const bytes = new ArrayBuffer(count * 8);
    this.keeps = new Float32Array(bytes);
    this.aliases = new Int32Array(bytes);
    for (let i = 0; i < count; i++) {
      this.keeps[2 * i] = keep[i]!;
      this.aliases[2 * i + 1] = keep[i] === 1 ? i : alias[i]!;
    }
  }

  get size(): number {
    return this.count;
  }

  /** The column drawn by a uniform `u` in [0, 1). */
  draw(u: number): number {
    const x = u * this.count;
    const i = Math.floor(x);
    return x - i < this.keeps[2 * i]! ? i : this.aliases[2 * i + 1]!;
  }
}

/** A column to send a weight-0 leftover to (rounding left it without a partner): one kept with certainty. */
function largestColumn(keep: Float64Array, not: number): number {
  for (let i = 0; i < keep.length; i++) if (i !== not && keep[i] === 1) return i;
  return not;
}
