/** Multi-homing (RFC 9260 §6.4, §8.2): path monitoring, failover to an alternate path and back. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimClock } from '../../src/testing/clock.js';
import { SimNetwork } from '../../src/testing/network.js';
import { SimSctpNode } from '../sctp/sim-node.js';

function setup(seed = 1) {
  const clock = new SimClock();
  const net = new SimNetwork(clock, seed, { latencyMs: 10 });
  const opts = { heartbeatIntervalMs: 5_000, pathMaxRetrans: 2 };
  const a = new SimSctpNode(clock, net, '10.0.0.1', 9899, { port: 9901, ...opts }, 1);
  const b = new SimSctpNode(
    clock,
    net,
    '10.0.0.2',
    9899,
    { port: 9901, localAddresses: ['10.0.0.2', '10.0.1.2'], ...opts },
    2,
  );
  return { clock, net, a, b };
}

test('the peer addresses of INIT ACK become paths, confirmed by heartbeats', () => {
  const { clock, a } = setup();
  const ia = a.connect('10.0.0.2', 9901);
  assert.ok(clock.runUntil(() => a.isUp(ia), 1000));
  assert.deepEqual(a.endpoint.status(ia)!.peerAddresses, ['10.0.0.2', '10.0.1.2']);
  clock.advance(5_000);
  const paths = a.endpoint.status(ia)!.paths;
  assert.deepEqual(
    paths.map((p) => [p.address, p.state, p.primary]),
    [
      ['10.0.0.2', 'active', true],
      ['10.0.1.2', 'active', false],
    ],
  );
  assert.ok(
    a.eventsOf('pathChange').some((e) => e.event.kind === 'pathChange' && e.event.state === 'confirmed'),
  );
});

test('failover: the primary path fails, data continues on the alternate, the primary comes back', () => {
  const { clock, net, a, b } = setup();
  const ia = a.connect('10.0.0.2', 9901);
  clock.runUntil(() => a.isUp(ia), 1000);
  clock.advance(5_000);
  net.partition('10.0.0.1', '10.0.0.2');
  let sent = 0;
  for (let round = 0; round < 60; round++) {
    a.send(ia, new Uint8Array([round]));
    sent++;
    clock.advance(1_000);
  }
  assert.ok(
    clock.runUntil(() => b.delivered.length === sent, 120_000),
    `${b.delivered.length}/${sent}`,
  );
  assert.deepEqual(
    b.delivered.map((d) => d.bytes[0]),
    Array.from({ length: sent }, (_, i) => i),
  );
  const s = a.endpoint.status(ia)!;
  assert.equal(s.state, 'established');
  assert.equal(s.paths[0]!.state, 'inactive');
  assert.equal(s.paths[1]!.state, 'active');
  assert.ok(
    a.eventsOf('pathChange').some((e) => e.event.kind === 'pathChange' && e.event.state === 'inactive'),
  );
  net.heal();
  clock.advance(150_000);
  assert.equal(a.endpoint.status(ia)!.paths[0]!.state, 'active');
  assert.equal(a.eventsOf('lost').length, 0);
});

test('a multi-homed peer survives the loss of one address while idle', () => {
  const { clock, net, a } = setup();
  const ia = a.connect(['10.0.0.2', '10.0.1.2'], 9901);
  clock.runUntil(() => a.isUp(ia), 1000);
  net.setDown('10.0.0.2', true);
  clock.advance(600_000);
  assert.equal(a.endpoint.status(ia)?.state, 'established');
  assert.equal(a.eventsOf('lost').length, 0);
});
