import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomBelow, SeededRandom } from '../../src/base/random.js';

describe('SeededRandom', () => {
  it('is reproducible from its seed', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    for (let i = 0; i < 100; i++) assert.equal(a.u32(), b.u32());
    assert.notEqual(new SeededRandom(1).u32(), new SeededRandom(2).u32());
  });

  it('gives u32 and [0,1) floats', () => {
    const r = new SeededRandom(7);
    for (let i = 0; i < 1000; i++) {
      const x = r.u32();
      assert.ok(Number.isInteger(x) && x >= 0 && x <= 0xffff_ffff);
      const f = r.float();
      assert.ok(f >= 0 && f < 1);
    }
  });

  it('randomBelow is uniform enough over 6 buckets', () => {
    const r = new SeededRandom(3);
    const counts = new Array<number>(6).fill(0);
    const n = 60_000;
    for (let i = 0; i < n; i++) counts[randomBelow(r, 6)]!++;
    // Each bucket expects 10,000; 5 standard deviations is about +-456.
    for (const c of counts) assert.ok(Math.abs(c - n / 6) < 500, `bucket ${c}`);
    assert.equal(randomBelow(r, 1), 0);
  });
});
