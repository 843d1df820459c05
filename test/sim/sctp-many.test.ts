/** One listening endpoint (a registrar) with hundreds of peers on a lossy network. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimClock } from '../../src/testing/clock.js';
import { SimNetwork } from '../../src/testing/network.js';
import { SimSctpNode } from '../sctp/sim-node.js';

test('150 peers associate with one endpoint under 5% loss, exchange messages, stay up for an hour', () => {
  const clock = new SimClock();
  const net = new SimNetwork(clock, 11, { latencyMs: 15, jitterMs: 10, loss: 0.05 });
  const registrar = new SimSctpNode(clock, net, '10.0.0.1', 9899, { port: 3863 }, 1);
  const peers: { node: SimSctpNode; id: number }[] = [];
  for (let i = 0; i < 150; i++) {
    const node = new SimSctpNode(clock, net, `10.1.${i >> 8}.${i & 255}`, 9899, { port: 5000 }, 100 + i);
    peers.push({ node, id: node.connect('10.0.0.1', 3863) });
    clock.advance(5);
  }
  for (const p of peers) p.node.send(p.id, new Uint8Array([p.id, 1, 2, 3]), { ppid: 11 });
  assert.ok(
    clock.runUntil(() => registrar.delivered.length === 150, 600_000),
    `${registrar.delivered.length}/150 delivered, ${registrar.endpoint.associationCount} associations`,
  );
  assert.equal(registrar.endpoint.associationCount, 150);
  for (const id of registrar.endpoint.associations()) registrar.send(id, new Uint8Array(2000), { ppid: 11 });
  assert.ok(clock.runUntil(() => peers.every((p) => p.node.delivered.length === 1), 600_000));
  clock.advance(3600_000);
  assert.equal(registrar.eventsOf('lost').length, 0);
  assert.equal(registrar.endpoint.associationCount, 150);
});
