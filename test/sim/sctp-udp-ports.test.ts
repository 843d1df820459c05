/** The UDP port convention (docs/sctp.md): several components behind one IP address. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimClock } from '../../src/testing/clock.js';
import { SimNetwork } from '../../src/testing/network.js';
import { SimSctpNode } from '../sctp/sim-node.js';

function host(jitterMs = 0) {
  const clock = new SimClock();
  const net = new SimNetwork(clock, 5, { latencyMs: 5, jitterMs });
  // One host, one address: a registrar owns UDP 9899, a pool element binds UDP = its SCTP port.
  const registrar = new SimSctpNode(clock, net, '10.0.0.2', 9899, { port: 3863 }, 1);
  const element = new SimSctpNode(clock, net, '10.0.0.2', 10001, { port: 10001 }, 2);
  const user = new SimSctpNode(clock, net, '10.0.0.1', 40000, { port: 40000 }, 3);
  return { clock, net, registrar, element, user };
}

test('a peer on UDP = its SCTP port is reached without knowing its UDP port; the ABORT from 9899 is ignored', () => {
  for (const jitter of [0, 20]) {
    const { clock, registrar, element, user } = host(jitter);
    const id = user.connect('10.0.0.2', 10001);
    assert.ok(
      clock.runUntil(() => user.isUp(id), 10_000),
      `jitter ${jitter}`,
    );
    assert.equal(user.endpoint.status(id)!.paths[0]!.udpPort, 10001);
    assert.equal(element.endpoint.associationCount, 1);
    assert.equal(registrar.endpoint.associationCount, 0);
    user.send(id, new Uint8Array([1, 2, 3]));
    assert.ok(clock.runUntil(() => element.delivered.length === 1, 10_000));
    clock.advance(60_000);
    assert.equal(user.eventsOf('lost').length, 0);
  }
});

test('the component on 9899 is reached on 9899 (the SCTP-port candidate goes nowhere)', () => {
  const { clock, registrar, user } = host();
  const id = user.connect('10.0.0.2', 3863);
  assert.ok(clock.runUntil(() => user.isUp(id), 10_000));
  assert.equal(user.endpoint.status(id)!.paths[0]!.udpPort, 9899);
  assert.equal(registrar.endpoint.associationCount, 1);
});

test('the learned UDP port of the initiator is used for replies (RFC 6951 §5.4)', () => {
  const { clock, element, user } = host();
  const id = user.connect('10.0.0.2', 10001, 10001);
  assert.ok(clock.runUntil(() => user.isUp(id) && element.endpoint.associationCount === 1, 10_000));
  const e = element.endpoint.associations()[0]!;
  assert.equal(element.endpoint.status(e)!.paths[0]!.udpPort, 40000);
});

test('with the convention off, only 9899 is tried', () => {
  const clock = new SimClock();
  const net = new SimNetwork(clock, 5, { latencyMs: 5 });
  new SimSctpNode(clock, net, '10.0.0.2', 10001, { port: 10001 }, 2);
  const user = new SimSctpNode(
    clock,
    net,
    '10.0.0.1',
    40000,
    { port: 40000, tryPeerSctpPortAsUdpPort: false, maxInitRetransmits: 1 },
    3,
  );
  user.connect('10.0.0.2', 10001);
  assert.ok(clock.runUntil(() => user.eventsOf('lost').length === 1, 60_000));
});

test('one endpoint serves two SCTP ports behind one UDP port (a registrar: ASAP 3863 and ENRP 9901)', () => {
  const clock = new SimClock();
  const net = new SimNetwork(clock, 5, { latencyMs: 5 });
  const registrar = new SimSctpNode(clock, net, '10.0.0.2', 9899, { port: 3863, ports: [9901] }, 1);
  const element = new SimSctpNode(clock, net, '10.0.0.3', 9899, { port: 5000 }, 2);
  const peer = new SimSctpNode(clock, net, '10.0.0.4', 9899, { port: 9901 }, 3);
  const asap = element.connect('10.0.0.2', 3863);
  const enrp = peer.connect('10.0.0.2', 9901);
  const toPeer = registrar.endpoint.connect(clock.now, {
    addresses: ['10.0.0.4'],
    port: 9901,
    localPort: 9901,
  });
  registrar.apply(toPeer.actions);
  assert.ok(
    clock.runUntil(
      () => element.isUp(asap) && peer.isUp(enrp) && registrar.endpoint.associationCount === 2,
      10_000,
    ),
  );
  const ports = registrar.endpoint
    .associations()
    .map((id) => registrar.endpoint.status(id)!.localPort)
    .sort();
  assert.deepEqual(ports, [3863, 9901]);
  assert.equal(
    toPeer.assoc,
    registrar.endpoint.associations().find((id) => registrar.endpoint.status(id)!.localPort === 9901),
  );
  element.send(asap, new Uint8Array([1]), { ppid: 11 });
  peer.send(enrp, new Uint8Array([2]), { ppid: 12 });
  assert.ok(clock.runUntil(() => registrar.delivered.length === 2, 10_000));
  const up = registrar
    .eventsOf('up')
    .map((e) => (e.event.kind === 'up' ? e.event.localPort : 0))
    .sort();
  assert.deepEqual(up, [3863, 9901]);
  assert.throws(
    () => registrar.endpoint.connect(clock.now, { addresses: ['10.0.0.4'], port: 1, localPort: 4444 }),
    RangeError,
  );
});
