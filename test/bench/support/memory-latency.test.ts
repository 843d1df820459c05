import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pointerChaseNs } from '../../../bench/support/memory-latency.js';

describe('pointerChaseNs', () => {
  it('returns a positive time per read for small and odd sizes', () => {
    for (const bytes of [64, 1000, 64 * 1024]) {
      const ns = pointerChaseNs(bytes, 10_000);
      assert.ok(Number.isFinite(ns) && ns > 0, `${bytes}: ${ns}`);
    }
  });
});
