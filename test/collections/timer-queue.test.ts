import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TimerQueue } from '../../src/collections/timer-queue.js';

test('pops in time order, FIFO among equal instants', () => {
  const q = new TimerQueue<string>();
  q.schedule(30, 'c');
  q.schedule(10, 'a1');
  q.schedule(20, 'b');
  q.schedule(10, 'a2');
  assert.equal(q.peek(), 10);
  assert.equal(q.popDue(5), undefined);
  const out: string[] = [];
  for (let v = q.popDue(100); v !== undefined; v = q.popDue(100)) out.push(v);
  assert.deepEqual(out, ['a1', 'a2', 'b', 'c']);
  assert.equal(q.size, 0);
  assert.equal(q.peek(), undefined);
});

test('reschedule and cancel', () => {
  const q = new TimerQueue<string>();
  const a = q.schedule(10, 'a');
  const b = q.schedule(20, 'b');
  q.reschedule(a, 30);
  assert.equal(q.popDue(25), 'b');
  q.cancel(a);
  q.cancel(a);
  assert.equal(q.size, 0);
  q.reschedule(b, 5);
  assert.equal(q.popDue(5), 'b');
  assert.equal(b.at, undefined);
});

test('matches a sorted model under random operations', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 1000 }), fc.nat()), {
        maxLength: 200,
      }),
      (ops) => {
        const q = new TimerQueue<number>();
        const model = new Map<number, { at: number; seq: number }>();
        const entries = new Map<number, ReturnType<typeof q.schedule>>();
        let id = 0;
        let seq = 0;
        for (const [op, at, pick] of ops) {
          const keys = [...model.keys()];
          if (op === 0 || keys.length === 0) {
            entries.set(id, q.schedule(at, id));
            model.set(id++, { at, seq: seq++ });
          } else if (op === 1) {
            const k = keys[pick % keys.length]!;
            q.reschedule(entries.get(k)!, at);
            model.set(k, { at, seq: seq++ });
          } else if (op === 2) {
            const k = keys[pick % keys.length]!;
            q.cancel(entries.get(k)!);
            model.delete(k);
          } else {
            const sorted = [...model.entries()].sort((x, y) => x[1].at - y[1].at || x[1].seq - y[1].seq);
            const first = sorted[0]!;
            if (first[1].at <= at) {
              assert.equal(q.popDue(at), first[0]);
              model.delete(first[0]);
            } else assert.equal(q.popDue(at), undefined);
          }
          assert.equal(q.size, model.size);
        }
      },
    ),
  );
});
