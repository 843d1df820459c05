import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NIL, RedBlackTree, TreeNodeStore } from '../../src/collections/index.js';

interface Item {
  key: number;
  tag: number;
  weight: number;
  node: number;
}

const byKey = (a: Item, b: Item): number => a.key - b.key;

function contents(tree: RedBlackTree<Item>): Item[] {
  return [...tree];
}

describe('RedBlackTree', () => {
  it('keeps items sorted, equal keys in insertion order', () => {
    const tree = new RedBlackTree<Item>(byKey);
    const keys = [5, 3, 8, 3, 1, 9, 5, 5];
    keys.forEach((key, tag) => {
      const item = { key, tag, weight: 0, node: NIL };
      item.node = tree.insert(item);
    });
    tree.verify();
    assert.deepEqual(
      contents(tree).map((i) => `${i.key}/${i.tag}`),
      ['1/4', '3/1', '3/3', '5/0', '5/6', '5/7', '8/2', '9/5'],
    );
    assert.equal(tree.size, 8);
  });

  it('finds, lower-bounds and walks in both directions', () => {
    const tree = new RedBlackTree<Item>(byKey);
    for (const key of [10, 20, 30, 40]) tree.insert({ key, tag: 0, weight: 0, node: NIL });
    const probe = (k: number) => (i: Item) => i.key - k;
    assert.equal(tree.item(tree.find(probe(30))).key, 30);
    assert.equal(tree.find(probe(25)), NIL);
    assert.equal(tree.item(tree.lowerBound(probe(25))).key, 30);
    assert.equal(tree.item(tree.lowerBound(probe(30))).key, 30);
    assert.equal(tree.item(tree.upperBound(probe(30))).key, 40);
    assert.equal(tree.lowerBound(probe(41)), NIL);
    assert.equal(tree.item(tree.last()).key, 40);
    assert.equal(tree.item(tree.prev(tree.last())).key, 30);
    assert.equal(tree.prev(tree.first()), NIL);
  });

  it('shares one node store between trees', () => {
    const store = new TreeNodeStore<Item>();
    const a = new RedBlackTree<Item>(byKey, store);
    const b = new RedBlackTree<Item>(byKey, store);
    for (let k = 0; k < 100; k++) {
      a.insert({ key: k, tag: 0, weight: 1, node: NIL });
      b.insert({ key: -k, tag: 0, weight: 2, node: NIL });
    }
    a.verify();
    b.verify();
    assert.equal(a.size, 100);
    assert.equal(b.size, 100);
    assert.equal(store.liveNodes, 200);
    a.clear();
    assert.equal(store.liveNodes, 100);
    b.verify();
  });

  it('orders a keyed store by (key, tie) without a comparator', () => {
    const tree = new RedBlackTree<Item>(undefined, new TreeNodeStore<Item>({ keyed: true }));
    const add = (key: number, tie: number) =>
      tree.insertKeyed({ key, tag: tie, weight: 0, node: NIL }, key, tie);
    add(5, 2);
    add(Number.POSITIVE_INFINITY, 1);
    add(5, 1);
    add(-1, 9);
    add(Number.POSITIVE_INFINITY, 0);
    const n = add(5, 1);
    tree.verify();
    assert.deepEqual(
      [...tree].map((i) => `${i.key}/${i.tag}`),
      ['-1/9', '5/1', '5/1', '5/2', 'Infinity/0', 'Infinity/1'],
    );
    assert.equal(tree.keyOf(n), 5);
    assert.equal(tree.size, 6);
    assert.throws(() => new RedBlackTree<Item>(undefined));
  });

  it('rekey moves a node in place: same handle and item, new (key, tie), tree balanced (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 20 })), { maxLength: 100 }),
        (keys, moves) => {
          const store = new TreeNodeStore<Item>({ keyed: true });
          const tree = new RedBlackTree<Item>(undefined, store);
          let tie = 0;
          const nodes = keys.map((key) =>
            tree.insertKeyed({ key, tag: 0, weight: 0, node: NIL }, key, ++tie),
          );
          const model = new Map(nodes.map((n, i) => [n, { key: keys[i]!, tie: i + 1 }]));
          for (const [pick, key] of moves) {
            const n = nodes[pick % nodes.length]!;
            const item = tree.item(n);
            tree.rekey(n, key, ++tie);
            model.set(n, { key, tie });
            assert.equal(tree.item(n), item);
            assert.equal(tree.keyOf(n), key);
            assert.equal(tree.tieOf(n), tie);
          }
          tree.verify();
          assert.equal(tree.size, nodes.length);
          const order: number[] = [];
          for (let n = tree.first(); n !== NIL; n = tree.next(n)) order.push(n);
          const expected = [...model]
            .sort((a, b) => a[1].key - b[1].key || a[1].tie - b[1].tie)
            .map(([n]) => n);
          assert.deepEqual(order, expected);
        },
      ),
    );
  });

  it('matches a sorted-array model under random inserts and removals (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('insert', 'insert', 'remove'), fc.integer({ min: 0, max: 40 })), {
          maxLength: 300,
        }),
        (ops) => {
          const store = new TreeNodeStore<Item>({ initialCapacity: 1 });
          const tree = new RedBlackTree<Item>(byKey, store);
          const model: Item[] = [];
          let tag = 0;
          for (const [op, k] of ops) {
            if (op === 'insert') {
              const item = { key: k, tag: tag++, weight: k % 7, node: NIL };
              item.node = tree.insert(item);
              let at = model.length;
              while (at > 0 && model[at - 1]!.key > k) at--;
              model.splice(at, 0, item);
            } else if (model.length > 0) {
              const victim = model[k % model.length]!;
              tree.remove(victim.node);
              model.splice(model.indexOf(victim), 1);
            }
          }
          tree.verify();
          assert.deepEqual(contents(tree), model);
        },
      ),
      { numRuns: 300 },
    );
  });
});
