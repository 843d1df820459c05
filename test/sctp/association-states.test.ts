/**
 * Rows of the association state machine (docs/sctp.md) that the other tests do not reach: T1
 * exhausted, the shutdown collision, and the shutdown of an association whose peer vanished (T2
 * retransmissions, then a timeout). The states are read through `status().state`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EndpointOptions, LostCause } from '../../src/sctp/types.js';
import { SimClock } from '../../src/testing/clock.js';
import { SimNetwork } from '../../src/testing/network.js';
import { SimSctpNode } from './sim-node.js';

function pair(opts: Partial<EndpointOptions> = {}) {
  const clock = new SimClock();
  const net = new SimNetwork(clock, 1, { latencyMs: 10 });
  const a = new SimSctpNode(clock, net, '10.0.0.1', 9899, { port: 5000, ...opts }, 8);
  const b = new SimSctpNode(clock, net, '10.0.0.2', 9899, { port: 6000, ...opts }, 9);
  return { clock, a, b };
}

function lostCause(n: SimSctpNode): LostCause['kind'] | undefined {
  const e = n.eventsOf('lost')[0]?.event;
  return e?.kind === 'lost' ? e.cause.kind : undefined;
}

test('cookieWait: T1-init exhausted against a silent address closes with initFailed', () => {
  const { clock, a } = pair({ maxInitRetransmits: 2, rtoMaxMs: 2000 });
  const id = a.connect('10.0.0.9', 6000);
  assert.equal(a.endpoint.status(id)?.state, 'cookieWait');
  assert.ok(clock.runUntil(() => a.eventsOf('lost').length === 1, 60_000));
  assert.equal(lostCause(a), 'initFailed');
  assert.equal(a.endpoint.associationCount, 0);
});

test('shutdown collision: both sides shut down at once, both complete', () => {
  const { clock, a, b } = pair();
  const id = a.connect('10.0.0.2', 6000);
  assert.ok(clock.runUntil(() => a.isUp(id) && b.eventsOf('up').length === 1, 1000));
  const ib = b.eventsOf('up')[0]!.assoc;
  a.shutdown(id);
  b.shutdown(ib);
  assert.equal(a.endpoint.status(id)?.state, 'shutdownSent');
  assert.equal(b.endpoint.status(ib)?.state, 'shutdownSent');
  assert.ok(
    clock.runUntil(
      () => a.eventsOf('shutdownComplete').length === 1 && b.eventsOf('shutdownComplete').length === 1,
      10_000,
    ),
  );
  assert.equal(a.endpoint.associationCount + b.endpoint.associationCount, 0);
});

test('shutdownSent: a vanished peer gets T2 retransmissions, then the association times out', () => {
  const { clock, a, b } = pair({ associationMaxRetrans: 2, rtoMaxMs: 2000 });
  const id = a.connect('10.0.0.2', 6000);
  assert.ok(clock.runUntil(() => a.isUp(id), 1000));
  b.crash();
  a.shutdown(id);
  assert.equal(a.endpoint.status(id)?.state, 'shutdownSent');
  assert.ok(clock.runUntil(() => a.eventsOf('lost').length === 1, 120_000));
  assert.equal(lostCause(a), 'timeout');
  assert.equal(a.endpoint.associationCount, 0);
});
