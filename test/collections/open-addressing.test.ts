import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fillsHole, homeSlot } from '../../src/collections/index.js';

describe('open addressing rules', () => {
  it('fillsHole: an entry may move back unless its home lies cyclically in (hole, at]', () => {
    const size = 8;
    for (let hole = 0; hole < size; hole++) {
      for (let d = 1; d < size; d++) {
        const at = (hole + d) % size;
        for (let home = 0; home < size; home++) {
          // Walking from hole + 1 to at (cyclically): is home on the way?
          let between = false;
          for (let s = 1; s <= d; s++) if ((hole + s) % size === home) between = true;
          assert.equal(fillsHole(hole, at, home), !between, `hole ${hole} at ${at} home ${home}`);
        }
      }
    }
  });

  it('homeSlot stays in range and spreads consecutive hashes', () => {
    const seen = new Set<number>();
    for (let h = 0; h < 256; h++) {
      const s = homeSlot(h, 10);
      assert.ok(s >= 0 && s < 1024);
      seen.add(s);
    }
    assert.ok(seen.size > 200, `${seen.size} distinct slots`);
  });
});
