import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import { NIL, type RingRef, RingStore } from '../../src/collections/index.js';

function contents<T>(store: RingStore<T>, ring: RingRef): T[] {
  const out: T[] = [];
  for (let n = ring.ringHead; n !== NIL; n = store.next(ring, n)) out.push(store.item(n));
  return out;
}

describe('RingStore (queues in a shared store)', () => {
  it('appends, moves to the back and removes in O(1), keeping queue order', () => {
    const store = new RingStore<string>();
    const ring = store.emptyRing();
    const nodes = ['a', 'b', 'c', 'd'].map((x) => store.pushBack(ring, x));
    store.moveToBack(ring, nodes[0]!); // the head: advances the head
    assert.deepEqual(contents(store, ring), ['b', 'c', 'd', 'a']);
    store.moveToBack(ring, nodes[2]!);
    assert.deepEqual(contents(store, ring), ['b', 'd', 'a', 'c']);
    store.remove(ring, nodes[1]!);
    assert.deepEqual(contents(store, ring), ['d', 'a', 'c']);
    for (const n of [nodes[0]!, nodes[2]!, nodes[3]!]) store.remove(ring, n);
    assert.equal(ring.ringHead, NIL);
    assert.equal(ring.ringSize, 0);
    store.verify(ring);
  });

  it('matches an array model through random operations on several queues sharing one store', () => {
    const rng = new SeededRandom(3);
    const store = new RingStore<number>(4);
    const queues = Array.from({ length: 5 }, () => ({ ref: store.emptyRing(), model: [] as number[] }));
    const nodeOf = new Map<number, number>();
    let next = 0;
    for (let step = 0; step < 20_000; step++) {
      const q = queues[Math.floor(rng.float() * queues.length)]!;
      const op = rng.float();
      if (op < 0.4 || q.model.length === 0) {
        nodeOf.set(next, store.pushBack(q.ref, next));
        q.model.push(next++);
      } else if (op < 0.7) {
        const i = Math.floor(rng.float() * q.model.length);
        const [x] = q.model.splice(i, 1);
        store.remove(q.ref, nodeOf.get(x!)!);
      } else {
        const i = Math.floor(rng.float() * q.model.length);
        const [x] = q.model.splice(i, 1);
        q.model.push(x!);
        store.moveToBack(q.ref, nodeOf.get(x!)!);
      }
      if (step % 101 === 0) {
        for (const x of queues) {
          store.verify(x.ref);
          assert.deepEqual(contents(store, x.ref), x.model);
        }
      }
    }
  });
});
