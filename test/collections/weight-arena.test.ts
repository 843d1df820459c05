import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import { WeightArena, type WeightedSetRef } from '../../src/collections/index.js';

interface Item {
  readonly name: number;
  slot: number;
}

/** A naive model: the same items and weights in slot order, found by a linear scan. */
function linearFind(weights: readonly number[], target: number): number {
  let t = target;
  for (let s = 0; s < weights.length; s++) {
    if (weights[s]! > 0 && t < weights[s]!) return s;
    t -= weights[s]!;
  }
  return -1;
}

function slotsOf(arena: WeightArena<Item>, set: WeightedSetRef): { items: Item[]; weights: number[] } {
  const items: Item[] = [];
  const weights: number[] = [];
  for (let s = 0; s < set.slotCount; s++) {
    items.push(arena.item(set, s));
    weights.push(arena.weight(set, s));
  }
  return { items, weights };
}

describe('WeightArena (Fenwick trees over dense slots)', () => {
  it('finds the slot covering a cumulative value, skipping weight-0 slots', () => {
    const arena = new WeightArena<Item>();
    const set = arena.emptySet();
    const items = [5, 0, 3, 0, 2].map((w, name) => {
      const it: Item = { name, slot: -1 };
      it.slot = arena.add(set, it, w);
      return it;
    });
    assert.equal(set.weightTotal, 10);
    const found = [0, 4.9, 5, 7.99, 8, 9.5].map((t) => arena.item(set, arena.find(set, t)).name);
    assert.deepEqual(found, [0, 0, 2, 2, 4, 4]);
    assert.equal(items[2]!.slot, 2);
    arena.verify(set);
  });

  it('moves the last item into a removed slot and reports it', () => {
    const arena = new WeightArena<Item>();
    const set = arena.emptySet();
    const items = [0, 1, 2, 3].map((name): Item => ({ name, slot: -1 }));
    for (const [i, it] of items.entries()) it.slot = arena.add(set, it, i + 1);
    const moved = arena.remove(set, items[1]!.slot);
    assert.equal(moved, items[3]);
    assert.equal(arena.item(set, 1), items[3]);
    assert.equal(arena.weight(set, 1), 4);
    assert.equal(set.weightTotal, 8);
    assert.equal(arena.remove(set, 2), undefined, 'the last slot moves nothing');
    arena.verify(set);
  });

  it('keeps many sets consistent with a naive model through random adds, removes, re-weights and draws', () => {
    const rng = new SeededRandom(7);
    const arena = new WeightArena<Item>(16);
    const sets = Array.from({ length: 12 }, () => ({ ref: arena.emptySet(), items: [] as Item[] }));
    let name = 0;
    for (let step = 0; step < 20_000; step++) {
      const s = sets[Math.floor(rng.float() * sets.length)]!;
      const op = rng.float();
      if (op < 0.45 || s.items.length === 0) {
        const it: Item = { name: name++, slot: -1 };
        it.slot = arena.add(s.ref, it, Math.floor(rng.float() * 4) * 1000);
        s.items.push(it);
      } else if (op < 0.8) {
        const victim = s.items.splice(Math.floor(rng.float() * s.items.length), 1)[0]!;
        const moved = arena.remove(s.ref, victim.slot);
        if (moved) moved.slot = victim.slot;
      } else {
        const it = s.items[Math.floor(rng.float() * s.items.length)]!;
        arena.setWeight(s.ref, it.slot, Math.floor(rng.float() * 2 ** 32));
      }
      if (step % 97 === 0) {
        for (const x of sets) {
          arena.verify(x.ref);
          const { items, weights } = slotsOf(arena, x.ref);
          assert.deepEqual(new Set(items), new Set(x.items));
          for (const it of x.items) assert.equal(arena.item(x.ref, it.slot), it, 'slot numbers follow moves');
          if (x.ref.weightTotal > 0) {
            for (let k = 0; k < 20; k++) {
              const t = rng.float() * x.ref.weightTotal;
              assert.equal(arena.find(x.ref, t), linearFind(weights, t));
            }
          }
        }
      }
    }
  });

  it('draws correctly from a large set (four levels of sums) after removals and re-weights', () => {
    const rng = new SeededRandom(5);
    const arena = new WeightArena<Item>();
    const set = arena.emptySet();
    const items: Item[] = [];
    for (let i = 0; i < 20_000; i++) {
      const it: Item = { name: i, slot: -1 };
      it.slot = arena.add(set, it, i % 5 === 0 ? 0 : 1 + (i % 13));
      items.push(it);
    }
    for (let i = 0; i < 3_000; i++) {
      const victim = items.splice(Math.floor(rng.float() * items.length), 1)[0]!;
      const moved = arena.remove(set, victim.slot);
      if (moved) moved.slot = victim.slot;
      const it = items[Math.floor(rng.float() * items.length)]!;
      arena.setWeight(set, it.slot, Math.floor(rng.float() * 100));
    }
    arena.verify(set);
    const { weights } = slotsOf(arena, set);
    for (let k = 0; k < 2_000; k++) {
      const t = rng.float() * set.weightTotal;
      assert.equal(arena.find(set, t), linearFind(weights, t));
    }
  });

  it('recycles the runs of emptied and shrunk sets', () => {
    const arena = new WeightArena<Item>();
    const set = arena.emptySet();
    for (let i = 0; i < 1000; i++) arena.add(set, { name: i, slot: i }, 1);
    const bytes = arena.arrayBytes;
    while (set.slotCount > 0) arena.remove(set, set.slotCount - 1);
    assert.equal(set.runBase, -1);
    assert.equal(arena.liveRecords, 0);
    for (let i = 0; i < 1000; i++) arena.add(set, { name: i, slot: i }, 1);
    assert.equal(arena.arrayBytes, bytes, 'no new memory for the same sizes again');
    arena.verify(set);
  });
});
