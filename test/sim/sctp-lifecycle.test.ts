/** Association life cycle on the simulated network: simultaneous open, restart, dead peer, shutdown. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimClock } from '../../src/testing/clock.js';
import { type LinkConditions, SimNetwork } from '../../src/testing/network.js';
import { SimSctpNode } from '../sctp/sim-node.js';

function pair(seed = 1, cond: Partial<LinkConditions> = {}, opts = {}) {
  const clock = new SimClock();
  const net = new SimNetwork(clock, seed, { latencyMs: 10, ...cond });
  const a = new SimSctpNode(clock, net, '10.0.0.1', 9899, { port: 9901, ...opts }, seed * 7 + 1);
  const b = new SimSctpNode(clock, net, '10.0.0.2', 9899, { port: 9901, ...opts }, seed * 7 + 2);
  return { clock, net, a, b };
}

test('simultaneous open (two registrars) ends with one association each side, up once', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const { clock, a, b } = pair(seed, seed > 10 ? { loss: 0.15, jitterMs: 20 } : {});
    const ia = a.connect('10.0.0.2', 9901);
    const ib = b.connect('10.0.0.1', 9901);
    assert.ok(
      clock.runUntil(() => a.isUp(ia) && b.isUp(ib), 600_000),
      `seed ${seed}: ${a.endpoint.status(ia)?.state} ${b.endpoint.status(ib)?.state}`,
    );
    assert.equal(a.endpoint.associationCount, 1, `seed ${seed}`);
    assert.equal(b.endpoint.associationCount, 1, `seed ${seed}`);
    a.send(ia, new Uint8Array([1]));
    b.send(ib, new Uint8Array([2]));
    assert.ok(
      clock.runUntil(() => a.delivered.length === 1 && b.delivered.length === 1, 600_000),
      `seed ${seed}`,
    );
    clock.advance(120_000);
    assert.equal(a.eventsOf('up').length, 1, `seed ${seed}`);
    assert.equal(b.eventsOf('up').length, 1, `seed ${seed}`);
    assert.equal(a.eventsOf('lost').length + b.eventsOf('lost').length, 0, `seed ${seed}`);
  }
});

test('peer restart (§5.2.4 A): restart event, new tags, data flows again', () => {
  const { clock, a, b } = pair();
  const ia = a.connect('10.0.0.2', 9901);
  clock.runUntil(() => a.isUp(ia), 1000);
  a.send(ia, new Uint8Array([1]));
  clock.runUntil(() => b.delivered.length === 1, 1000);
  b.crash();
  clock.advance(100);
  b.restart(99);
  const ib = b.connect('10.0.0.1', 9901);
  assert.ok(clock.runUntil(() => b.isUp(ib) && a.eventsOf('restart').length === 1, 10_000));
  assert.equal(a.endpoint.associationCount, 1);
  assert.ok(a.isUp(ia));
  a.send(ia, new Uint8Array([7]));
  b.send(ib, new Uint8Array([8]));
  assert.ok(clock.runUntil(() => b.delivered.length === 1 && a.delivered.length === 1, 10_000));
  assert.deepEqual([...b.delivered[0]!.bytes], [7]);
  assert.equal(a.eventsOf('lost').length, 0);
});

const bound = (rto0: number, maxRetrans: number, rtoMax: number): number => {
  let sum = 0;
  for (let i = 0, r = rto0; i <= maxRetrans; i++, r = Math.min(rtoMax, r * 2)) sum += r;
  return sum;
};

test('dead peer with data outstanding: lost (timeout) within the Association.Max.Retrans bound', () => {
  const { clock, net, a, b } = pair();
  const ia = a.connect('10.0.0.2', 9901);
  clock.runUntil(() => a.isUp(ia), 1000);
  net.setDown('10.0.0.2', true);
  b.crash();
  const t0 = clock.now;
  a.send(ia, new Uint8Array(100));
  assert.ok(clock.runUntil(() => a.eventsOf('lost').length === 1, 3_600_000));
  const ev = a.eventsOf('lost')[0]!;
  assert.ok(ev.event.kind === 'lost' && ev.event.cause.kind === 'timeout');
  const limit = bound(1000, 10, 60_000);
  assert.ok(ev.at - t0 <= limit + 1, `detected after ${ev.at - t0} ms, bound ${limit}`);
  assert.equal(a.eventsOf('sendFailed').length, 1);
  assert.equal(a.endpoint.associationCount, 0);
});

test('dead idle peer: heartbeats detect it within HB.interval + RTO + the retransmission bound', () => {
  const { clock, net, a } = pair(3, {}, { heartbeatIntervalMs: 30_000 });
  const ia = a.connect('10.0.0.2', 9901);
  clock.runUntil(() => a.isUp(ia), 1000);
  const t0 = clock.now;
  net.setDown('10.0.0.2', true);
  assert.ok(clock.runUntil(() => a.eventsOf('lost').length === 1, 3_600_000));
  const at = a.eventsOf('lost')[0]!.at - t0;
  const limit = 30_000 + 1500 + bound(1000, 10, 60_000);
  assert.ok(at <= limit, `detected after ${at} ms, bound ${limit}`);
});

test('tuned RTO and retransmission limits detect a dead peer fast', () => {
  const opts = {
    rtoInitialMs: 100,
    rtoMinMs: 100,
    rtoMaxMs: 400,
    associationMaxRetrans: 4,
    heartbeatIntervalMs: 1000,
  };
  const { clock, net, a } = pair(4, {}, opts);
  const ia = a.connect('10.0.0.2', 9901);
  clock.runUntil(() => a.isUp(ia), 1000);
  const t0 = clock.now;
  net.setDown('10.0.0.2', true);
  assert.ok(clock.runUntil(() => a.eventsOf('lost').length === 1, 60_000));
  assert.ok(a.eventsOf('lost')[0]!.at - t0 <= 1000 + 150 + bound(100, 4, 400));
});

test('shutdown from either side and at the same time, under loss', () => {
  for (const who of ['a', 'b', 'both'] as const) {
    for (let seed = 1; seed <= 5; seed++) {
      const { clock, a, b } = pair(seed, { loss: 0.1, jitterMs: 5 });
      const ia = a.connect('10.0.0.2', 9901);
      clock.runUntil(
        () => a.isUp(ia) && b.endpoint.associationCount === 1 && b.isUp(b.endpoint.associations()[0]!),
        600_000,
      );
      const ib = b.endpoint.associations()[0]!;
      a.send(ia, new Uint8Array(3000));
      b.send(ib, new Uint8Array(3000));
      if (who !== 'b') a.shutdown(ia);
      if (who !== 'a') b.shutdown(ib);
      const done = () =>
        a.eventsOf('shutdownComplete').length === 1 && b.eventsOf('shutdownComplete').length === 1;
      const ok = clock.runUntil(done, 600_000);
      const tag = `${who} seed ${seed}`;
      if (!ok) {
        // Under loss the last SHUTDOWN COMPLETE may be lost: the peer then retransmits SHUTDOWN ACK, gets an OOTB SHUTDOWN COMPLETE.
        assert.fail(
          `${tag}: ${JSON.stringify(a.events.map((e) => e.event.kind))} ${JSON.stringify(b.events.map((e) => e.event.kind))}`,
        );
      }
      assert.equal(a.delivered.length, 1, tag);
      assert.equal(b.delivered.length, 1, tag);
      assert.equal(a.eventsOf('lost').length + b.eventsOf('lost').length, 0, tag);
    }
  }
});

test('INIT to nobody: initFailed after Max.Init.Retransmits', () => {
  const { clock, a } = pair(1, {}, { maxInitRetransmits: 3 });
  const ia = a.connect('10.0.0.9', 9901);
  assert.ok(clock.runUntil(() => a.eventsOf('lost').length === 1, 3_600_000));
  const ev = a.eventsOf('lost')[0]!.event;
  assert.ok(ev.kind === 'lost' && ev.cause.kind === 'initFailed');
  assert.equal(a.endpoint.status(ia), undefined);
});

test('INIT to a port nobody listens on is answered with ABORT', () => {
  const { clock, a } = pair();
  a.connect('10.0.0.2', 4444);
  assert.ok(clock.runUntil(() => a.eventsOf('lost').length === 1, 5_000));
});

test('a non-listening endpoint refuses INIT', () => {
  const clock = new SimClock();
  const net = new SimNetwork(clock, 1, { latencyMs: 10 });
  const a = new SimSctpNode(clock, net, '10.0.0.1', 9899, { port: 1 }, 1);
  new SimSctpNode(clock, net, '10.0.0.2', 9899, { port: 2, listen: false }, 2);
  a.connect('10.0.0.2', 2);
  assert.ok(clock.runUntil(() => a.eventsOf('lost').length === 1, 5_000));
});

test('autoclose shuts an idle association down', () => {
  const { clock, a, b } = pair(1, {}, { autocloseMs: 5_000 });
  const ia = a.connect('10.0.0.2', 9901);
  clock.runUntil(() => a.isUp(ia), 1000);
  a.send(ia, new Uint8Array(10));
  assert.ok(
    clock.runUntil(
      () => a.eventsOf('shutdownComplete').length === 1 && b.eventsOf('shutdownComplete').length === 1,
      60_000,
    ),
  );
  assert.ok(clock.now >= 5_000);
});

test('status reports SRTT, RTO, cwnd and the learned UDP port', () => {
  const clock = new SimClock();
  const net = new SimNetwork(clock, 1, { latencyMs: 25 });
  const a = new SimSctpNode(clock, net, '10.0.0.1', 30001, { port: 9901 }, 1);
  new SimSctpNode(clock, net, '10.0.0.2', 30002, { port: 9901 }, 2);
  const ia = a.connect('10.0.0.2', 9901, 30002);
  clock.runUntil(() => a.isUp(ia), 1000);
  for (let i = 0; i < 20; i++) {
    a.send(ia, new Uint8Array(1000));
    clock.advance(200);
  }
  const s = a.endpoint.status(ia)!;
  assert.ok(s.srttMs !== undefined && s.srttMs >= 50 && s.srttMs < 300, `srtt ${s.srttMs}`);
  assert.equal(s.rtoMs, 1000);
  assert.ok(s.cwndBytes > 0);
  assert.equal(s.paths[0]!.udpPort, 30002);
});

test('ten idle hours: heartbeats keep the association up, no growth, bounded work', () => {
  const { clock, net, a, b } = pair(7, { jitterMs: 5, loss: 0.01 });
  const ia = a.connect('10.0.0.2', 9901);
  clock.runUntil(() => a.isUp(ia), 10_000);
  const steps = clock.steps;
  clock.advance(10 * 3600_000);
  assert.equal(a.eventsOf('lost').length + b.eventsOf('lost').length, 0);
  assert.ok(a.isUp(ia));
  assert.ok(clock.steps - steps < 20_000, `${clock.steps - steps} events in 10 h`);
  assert.ok(net.stats.sent < 10_000);
  assert.equal(a.endpoint.status(ia)!.outstandingBytes, 0);
});

test('messages queued before the association is up are sent once it is', () => {
  const { clock, a, b } = pair();
  const ia = a.connect('10.0.0.2', 9901);
  for (let i = 0; i < 10; i++) a.send(ia, new Uint8Array([i]));
  assert.ok(clock.runUntil(() => b.delivered.length === 10, 5_000));
});

test('misuse: connect without address throws; send on an unknown association reports sendFailed', () => {
  const { a } = pair();
  assert.throws(() => a.connect([], 9901), RangeError);
  a.send(999, new Uint8Array(1));
  assert.equal(a.eventsOf('sendFailed').length, 1);
});

test('a peer that crashed and came back without reconnecting answers our next packet with ABORT: lost', () => {
  const { clock, a, b } = pair(2, {}, { heartbeatIntervalMs: 5_000 });
  const ia = a.connect('10.0.0.2', 9901);
  clock.runUntil(() => a.isUp(ia) && b.endpoint.associationCount === 1, 1000);
  b.crash();
  b.restart(42);
  const t0 = clock.now;
  a.send(ia, new Uint8Array([1]));
  assert.ok(clock.runUntil(() => a.eventsOf('lost').length === 1, 10_000));
  const ev = a.eventsOf('lost')[0]!;
  assert.ok(ev.event.kind === 'lost' && ev.event.cause.kind === 'peerAbort');
  assert.ok(ev.at - t0 < 100, 'at once, not after retransmissions');
  assert.equal(b.endpoint.associationCount, 0);
});

test('stale cookie (§5.2.6): ERROR, then a new INIT with a Cookie Preservative succeeds', () => {
  const clock = new SimClock();
  const net = new SimNetwork(clock, 1, { latencyMs: 60 });
  const a = new SimSctpNode(clock, net, '10.0.0.1', 9899, { port: 9901 }, 1);
  const b = new SimSctpNode(clock, net, '10.0.0.2', 9899, { port: 9901, validCookieLifeMs: 100 }, 2);
  const ia = a.connect('10.0.0.2', 9901);
  assert.ok(clock.runUntil(() => a.isUp(ia) && b.endpoint.associationCount === 1, 10_000));
  assert.equal(b.endpoint.stats.staleCookies, 1);
  assert.equal(a.eventsOf('up').length, 1);
});
