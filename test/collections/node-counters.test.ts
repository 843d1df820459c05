import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeCounters } from '../../src/collections/index.js';

describe('NodeCounters', () => {
  it('counts per node, 0 for nodes never set, and grows past its initial size', () => {
    const c = new NodeCounters();
    assert.equal(c.get(5), 0);
    assert.equal(c.get(1_000_000), 0);
    c.increment(5);
    c.increment(5);
    c.set(100_000, 7);
    c.increment(100_000);
    assert.equal(c.get(5), 2);
    assert.equal(c.get(100_000), 8);
    c.set(5, 0);
    assert.equal(c.get(5), 0);
    assert.ok(c.arrayBytes >= 100_001 * 8);
  });
});
