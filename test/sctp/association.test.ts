/**
 * Two endpoints over the simulated network on the virtual clock: the handshake, ordered delivery
 * per stream, fragmentation of a large message, graceful shutdown and abort, end to end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimClock } from '../../src/testing/clock.js';
import { SimNetwork } from '../../src/testing/network.js';
import { SimSctpNode } from './sim-node.js';

function pair(seed = 1, cond = {}, opts = {}) {
  const clock = new SimClock();
  const net = new SimNetwork(clock, seed, { latencyMs: 10, ...cond });
  const a = new SimSctpNode(clock, net, '10.0.0.1', 9899, { port: 5000, ...opts }, seed * 7 + 1);
  const b = new SimSctpNode(clock, net, '10.0.0.2', 9899, { port: 6000, ...opts }, seed * 7 + 2);
  return { clock, net, a, b };
}

test('handshake: both sides see up', () => {
  const { clock, a, b } = pair();
  const id = a.connect('10.0.0.2', 6000);
  assert.ok(clock.runUntil(() => a.isUp(id) && b.eventsOf('up').length === 1, 10_000));
  assert.equal(a.eventsOf('up').length, 1);
  const s = a.endpoint.status(id)!;
  assert.equal(s.state, 'established');
  assert.deepEqual(s.peerAddresses, ['10.0.0.2']);
  assert.equal(clock.now, 40);
});

test('small messages on several streams arrive intact and in order per stream', () => {
  const { clock, a, b } = pair();
  const id = a.connect('10.0.0.2', 6000);
  for (let i = 0; i < 100; i++)
    a.send(id, new Uint8Array([i, i >> 8]), { stream: i % 3, ppid: 11, more: true });
  a.flush();
  assert.ok(clock.runUntil(() => b.delivered.length === 100, 10_000));
  for (let s = 0; s < 3; s++) {
    const got = b.delivered.filter((d) => d.stream === s).map((d) => d.bytes[0]);
    const want = Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 3 === s);
    assert.deepEqual(got, want);
  }
  assert.ok(b.delivered.every((d) => d.ppid === 11 && !d.unordered));
});

test('a 1 MiB message is fragmented and reassembled', () => {
  const { clock, a, b } = pair();
  const id = a.connect('10.0.0.2', 6000);
  const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7) & 0xff);
  a.send(id, big, { ppid: 12 });
  assert.ok(clock.runUntil(() => b.delivered.length === 1, 60_000));
  assert.deepEqual(b.delivered[0]!.bytes, big);
});

test('graceful shutdown from the initiator', () => {
  const { clock, a, b } = pair();
  const id = a.connect('10.0.0.2', 6000);
  clock.runUntil(() => a.isUp(id), 1000);
  a.send(id, new Uint8Array(5000));
  a.shutdown(id);
  assert.ok(
    clock.runUntil(
      () => a.eventsOf('shutdownComplete').length === 1 && b.eventsOf('shutdownComplete').length === 1,
      10_000,
    ),
  );
  assert.equal(b.delivered.length, 1);
  assert.equal(a.endpoint.associationCount, 0);
  assert.equal(b.endpoint.associationCount, 0);
});

test('abort with a cause reaches the peer as lost', () => {
  const { clock, a, b } = pair();
  const id = a.connect('10.0.0.2', 6000);
  clock.runUntil(() => a.isUp(id) && b.eventsOf('up').length === 1, 1000);
  a.abort(id, 'registrar gives up');
  assert.ok(clock.runUntil(() => b.eventsOf('lost').length === 1, 1000));
  const ev = b.eventsOf('lost')[0]!.event;
  assert.ok(
    ev.kind === 'lost' &&
      ev.cause.kind === 'peerAbort' &&
      ev.cause.description.includes('registrar gives up'),
  );
});
