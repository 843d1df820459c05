import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import { ConnectionIndex } from '../../src/handlespace/connection-index.js';
import type { PoolElementNode } from '../../src/handlespace/pool.js';

/** Only the fields the index uses. */
interface Linked {
  connection: number | undefined;
  connectionPrev: Linked | undefined;
  connectionNext: Linked | undefined;
  readonly name: number;
}
const asNode = (x: Linked): PoolElementNode => x as unknown as PoolElementNode;

describe('ConnectionIndex (open addressing over connection keys)', () => {
  it('lists exactly the linked PEs of each connection through random links and unlinks', () => {
    const rng = new SeededRandom(4);
    const index = new ConnectionIndex();
    const model = new Map<number, Set<Linked>>();
    const linked = new Set<Linked>();
    // Small and large keys (drivers choose them), so that probing and both key halves matter.
    const keyOf = (k: number): number => (k % 3 === 0 ? 2 ** 40 + k : k % 3 === 1 ? k : 0x7fffffff - k);
    let name = 0;
    for (let step = 0; step < 40_000; step++) {
      if (rng.float() < 0.55 || linked.size === 0) {
        const x: Linked = {
          connection: keyOf(Math.floor(rng.float() * 3000)),
          connectionPrev: undefined,
          connectionNext: undefined,
          name: name++,
        };
        index.link(asNode(x));
        linked.add(x);
        const set = model.get(x.connection!) ?? new Set<Linked>();
        set.add(x);
        model.set(x.connection!, set);
      } else {
        const x = [...linked][Math.floor(rng.float() * linked.size)]!;
        index.unlink(asNode(x));
        linked.delete(x);
        const set = model.get(x.connection!)!;
        set.delete(x);
        if (set.size === 0) model.delete(x.connection!);
      }
      if (step % 997 === 0 || step === 39_999) {
        index.verify(new Set([...linked].map(asNode)));
        for (const [c, set] of model) {
          const listed = index.list(c) as unknown as Linked[];
          assert.deepEqual(new Set(listed), set, `connection ${c}`);
        }
        assert.deepEqual(index.list(-5), []);
      }
    }
    for (const x of linked) index.unlink(asNode(x));
    index.verify(new Set());
  });
});
