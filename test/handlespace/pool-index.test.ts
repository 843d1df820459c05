import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import { RingStore, TreeNodeStore, WeightArena } from '../../src/collections/index.js';
import type { Pool, PoolElementNode } from '../../src/handlespace/pool.js';
import { PoolIndex } from '../../src/handlespace/pool-index.js';
import type { PoolElementParameter } from '../../src/wire/types.js';

const element: PoolElementParameter = {
  id: 1,
  homeRegistrarId: 1,
  registrationLife: 30000,
  userTransport: { kind: 'sctp', port: 7, transportUse: 'data', addresses: ['10.0.0.1'] },
  policy: { name: 'RoundRobin' },
};

const newIndex = (): PoolIndex =>
  new PoolIndex({
    sorted: new TreeNodeStore<PoolElementNode>({ keyed: true }),
    weighted: new WeightArena<PoolElementNode>(),
    queued: new RingStore<PoolElementNode>(),
  });

const handle = (i: number): Uint8Array =>
  // Lengths 1-40 bytes: inline words (<= 16 bytes) and the key-string path.
  new TextEncoder().encode(`${'x'.repeat(i % 37)}${i.toString(16)}`);

describe('PoolIndex (open addressing)', () => {
  it('finds exactly the live pools through random creations and deletions, growing and shrinking', () => {
    const rng = new SeededRandom(11);
    const index = newIndex();
    const live = new Map<number, Pool>();
    for (let step = 0; step < 30_000; step++) {
      const i = Math.floor(rng.float() * 3000);
      const existing = live.get(i);
      if (existing === undefined) {
        assert.equal(index.get(handle(i)), undefined);
        live.set(i, index.create(handle(i), element));
      } else if (rng.float() < 0.7 || step > 25_000) {
        index.delete(existing);
        live.delete(i);
      }
      if (step % 499 === 0) {
        assert.equal(index.size, live.size);
        for (const [k, p] of live) assert.equal(index.get(handle(k)), p, `pool ${k}`);
        assert.equal(new Set(index).size, live.size);
        for (let k = 3000; k < 3050; k++) assert.equal(index.get(handle(k)), undefined);
      }
    }
  });

  it('tells handles apart that share a prefix, a length or inline words', () => {
    const index = newIndex();
    const names = [
      'a',
      'ab',
      'ab\0',
      'abcd',
      'abce',
      'abcdefghijklmnop',
      'abcdefghijklmnoq',
      'abcdefghijklmnopq',
    ];
    const pools = names.map((n) => index.create(new TextEncoder().encode(n), element));
    for (const [i, n] of names.entries()) assert.equal(index.get(new TextEncoder().encode(n)), pools[i]);
    assert.equal(index.get(new TextEncoder().encode('abcdefghijklmnopr')), undefined);
    assert.equal(index.get(new Uint8Array(0)), undefined);
  });
});
