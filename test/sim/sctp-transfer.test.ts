/**
 * SCTP on the simulated network: loss, reordering, duplication and delay; every message arrives
 * intact, ordered ones in order per stream, with no stall. Seeds are printed on failure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import { SimClock } from '../../src/testing/clock.js';
import { type LinkConditions, SimNetwork } from '../../src/testing/network.js';
import { SimSctpNode } from '../sctp/sim-node.js';

function message(stream: number, seq: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (stream * 31 + seq * 7 + i) & 0xff;
  b[0] = stream;
  b[1] = seq & 0xff;
  if (size > 2) b[2] = seq >> 8;
  return b;
}

function run(seed: number, cond: Partial<LinkConditions>, count: number, opts = {}) {
  const clock = new SimClock();
  const net = new SimNetwork(clock, seed, { latencyMs: 20, ...cond });
  const a = new SimSctpNode(clock, net, '10.0.0.1', 9899, { port: 5000, ...opts }, seed + 100);
  const b = new SimSctpNode(clock, net, '10.0.0.2', 9899, { port: 6000, ...opts }, seed + 200);
  const rng = new SeededRandom(seed);
  const id = a.connect('10.0.0.2', 6000);
  const sent: { stream: number; seq: number; size: number; unordered: boolean }[] = [];
  const seqs = [0, 0, 0, 0];
  for (let i = 0; i < count; i++) {
    const stream = rng.u32() % 4;
    const size = 3 + (rng.float() < 0.1 ? rng.u32() % 20_000 : rng.u32() % 300);
    const unordered = stream === 3;
    const seq = seqs[stream]!++;
    sent.push({ stream, seq, size, unordered });
    a.send(id, message(stream, seq, size), { stream, unordered, ppid: 11, more: i % 10 !== 9 });
  }
  a.flush();
  const bId = () => b.endpoint.associations()[0];
  let backSent = false;
  const ok = clock.runUntil(() => {
    if (!backSent && bId() !== undefined && b.isUp(bId()!)) {
      for (let i = 0; i < 20; i++) b.send(bId()!, message(0, i, 100), { ppid: 12 });
      backSent = true;
    }
    return b.delivered.length === count && a.delivered.length === 20;
  }, 3_600_000);
  const ctx = `seed ${seed} ${JSON.stringify(cond)}: b got ${b.delivered.length}/${count}, a got ${a.delivered.length}/20 at t=${clock.now}`;
  assert.ok(ok, ctx);
  for (let s = 0; s < 4; s++) {
    const want = sent.filter((m) => m.stream === s);
    const got = b.delivered.filter((d) => d.stream === s);
    assert.equal(got.length, want.length, ctx);
    const key = (d: Uint8Array) => d[1]! | ((d[2] ?? 0) << 8);
    const order = s === 3 ? [...got].sort((x, y) => key(x.bytes) - key(y.bytes)) : got;
    for (let i = 0; i < want.length; i++) {
      const w = want[i]!;
      assert.deepEqual(order[i]!.bytes, message(s, w.seq, w.size), `${ctx} stream ${s} #${i}`);
      assert.equal(order[i]!.unordered, w.unordered);
    }
  }
  for (let i = 0; i < 20; i++) assert.deepEqual(a.delivered[i]!.bytes, message(0, i, 100));
  return { clock, net, a, b, id };
}

for (const loss of [0, 0.05, 0.1, 0.2]) {
  test(`transfer with ${loss * 100}% loss, reordering and duplication`, () => {
    for (const seed of [1, 2, 3]) run(seed, { loss, jitterMs: 30, duplicate: 0.05 }, 400);
  });
}

test('TSN wrap at 2^32 and SSN wrap at 2^16 under loss', () => {
  const clock = new SimClock();
  const net = new SimNetwork(clock, 9, { latencyMs: 5, loss: 0.02, jitterMs: 5 });
  const opts = { initialTsn: 0xffffffff - 50, rtoMinMs: 200, rtoInitialMs: 200 };
  const a = new SimSctpNode(clock, net, '10.0.0.1', 9899, { port: 5000, ...opts }, 1);
  const b = new SimSctpNode(clock, net, '10.0.0.2', 9899, { port: 6000, ...opts }, 2);
  const id = a.connect('10.0.0.2', 6000);
  const n = 70_000;
  let next = 0;
  let got = 0;
  let bad = 0;
  b.onDeliver = (d) => {
    const v = d.bytes[0]! | (d.bytes[1]! << 8) | (d.bytes[2]! << 16);
    if (v !== got) bad++;
    got++;
  };
  const ok = clock.runUntil(() => {
    if (a.isUp(id) && next < n && (a.endpoint.status(id)?.queuedBytes ?? 0) < 20_000) {
      for (let k = 0; k < 500 && next < n; k++, next++)
        a.send(id, new Uint8Array([next & 0xff, (next >> 8) & 0xff, next >> 16]), { more: true });
      a.flush();
    }
    b.delivered.length = 0;
    return got === n;
  }, 3_600_000);
  assert.ok(ok, `delivered ${got}/${n}`);
  assert.equal(bad, 0);
});
