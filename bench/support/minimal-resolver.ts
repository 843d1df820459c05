/**
 * The least work a handle resolution can do, as the benchmark's floor: one probe of a flat open-addressing
 * table (pool number, with the pool's hash and handle bytes inline in a flat record array), then three
 * reads of the pool's items, which lie side by side: the next three in rotation (RoundRobin; one or two
 * cache lines) or three at uniformly random places (any random policy draws at least that). No objects are touched but the returned array; no weights, no
 * policy state, no validation. Its growth from 1 k to 1 M PEs is what the machine's caches alone impose on
 * resolutions of pools drawn at random; the handlespace's growth is judged against it.
 */
import { handleWord, poolHash } from '../../src/handlespace/pool-key.js';
import type { PoolHandle } from '../../src/wire/types.js';

/** Int32 fields of a pool record: hash, length, six handle words (18 bytes), rotation, first item, count. */
const RECORD = 11;
const HEAD = 8;
const FIRST = 9;
const COUNT = 10;

export class MinimalResolver<T> {
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly records: Int32Array;
  private readonly items: T[] = [];

  /** `members[p]`: pool p's items in rotation order; handles of at most 18 bytes. */
  constructor(handles: readonly PoolHandle[], members: readonly (readonly T[])[]) {
    let slots = 16;
    while (slots < handles.length * 2) slots *= 2;
    this.table = new Int32Array(slots).fill(-1);
    this.mask = slots - 1;
    this.records = new Int32Array(handles.length * RECORD);
    handles.forEach((h, p) => {
      if (h.length > 18) throw new Error('MinimalResolver: handles of up to 18 bytes');
      const r = p * RECORD;
      this.records[r] = poolHash(h);
      this.records[r + 1] = h.length;
      for (let w = 0; w < 6; w++) this.records[r + 2 + w] = handleWord(h, w);
      const first = this.items.length;
      const m = members[p]!;
      for (const item of m) this.items.push(item);
      this.records[r + HEAD] = 0;
      this.records[r + FIRST] = first;
      this.records[r + COUNT] = m.length;
      let i = this.records[r]! & this.mask;
      while (this.table[i] !== -1) i = (i + 1) & this.mask;
      this.table[i] = p;
    });
  }

  /** Up to three items of the pool in rotation, the rotation advanced by one; undefined for an unknown handle. */
  resolve(handle: PoolHandle): T[] | undefined {
    const r = this.find(handle, poolHash(handle));
    if (r < 0) return undefined;
    const first = this.records[r + FIRST]!;
    const count = this.records[r + COUNT]!;
    const head = this.records[r + HEAD]!;
    const out: T[] = [];
    for (let k = 0, i = head; k < 3 && k < count; k++, i = i + 1 === count ? 0 : i + 1) {
      out.push(this.items[first + i]!);
    }
    this.records[r + HEAD] = head + 1 === count ? 0 : head + 1;
    return out;
  }

  /** Three items at uniformly random places of the pool (`u` uniform in [0, 1)). */
  resolveRandom(handle: PoolHandle, u: () => number): T[] | undefined {
    const r = this.find(handle, poolHash(handle));
    if (r < 0) return undefined;
    const first = this.records[r + FIRST]!;
    const count = this.records[r + COUNT]!;
    const out: T[] = [];
    for (let k = 0; k < 3; k++) out.push(this.items[first + Math.floor(u() * count)]!);
    return out;
  }

  private find(handle: PoolHandle, h: number): number {
    const rec = this.records;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const p = this.table[i]!;
      if (p === -1) return -1;
      const r = p * RECORD;
      if (rec[r] === h && rec[r + 1] === handle.length && this.wordsMatch(handle, r)) return r;
    }
  }

  private wordsMatch(handle: PoolHandle, r: number): boolean {
    const words = Math.ceil(handle.length / 3);
    for (let w = 0; w < words; w++) if (this.records[r + 2 + w] !== handleWord(handle, w)) return false;
    return true;
  }
}
