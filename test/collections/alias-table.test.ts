import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AliasTable } from '../../src/collections/index.js';

/** The probability of each column, integrated exactly over u in [0, 1). */
function probabilities(table: AliasTable, n: number): number[] {
  // Each column i owns u in [i/n, (i+1)/n): a fine grid inside it measures its keep share.
  const p = new Array<number>(n).fill(0);
  const steps = 4096;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < steps; k++) p[table.draw((i + (k + 0.5) / steps) / n)]! += 1 / (n * steps);
  }
  return p;
}

describe('AliasTable (Walker / Vose)', () => {
  it('draws each column with probability weight / total, never a weight-0 one', () => {
    for (const weights of [
      [1, 2, 3, 4],
      [0, 5, 0, 1, 0],
      [1],
      [7, 7, 7],
      Array.from({ length: 97 }, (_, i) => (i * 7919) % 13),
    ]) {
      const table = new AliasTable(weights, weights.length);
      const total = weights.reduce((x, y) => x + y, 0);
      const p = probabilities(table, weights.length);
      for (let i = 0; i < weights.length; i++) {
        assert.ok(Math.abs(p[i]! - weights[i]! / total) < 1e-3, `${weights.join()}: column ${i} ${p[i]}`);
        if (weights[i] === 0) assert.equal(p[i], 0);
      }
    }
  });
});
