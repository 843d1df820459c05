import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EchoService } from '../../src/services/index.js';
import { PoolHarness, peParameter } from './pool-harness.js';

const handle = new TextEncoder().encode('TestPool');

describe('Business cards over the virtual pool (RFC 5352 §3.9)', () => {
  it("a PE's card sets the failover order: after its death the PU goes to the first alternate without resolving", () => {
    const h = new PoolHarness();
    h.addPe(1, new EchoService(), {
      businessCard: { poolHandle: handle, poolElements: [peParameter(3), peParameter(2)] },
    });
    h.addPe(2, new EchoService());
    h.addPe(3, new EchoService());
    const user = h.addUser('pu');
    h.open(user);
    h.run(100);
    assert.equal(user.session.poolElementId, 1);
    assert.deepEqual(
      user.session.businessCard?.poolElements.map((p) => p.id),
      [3, 2],
    );
    h.kill(1);
    h.run(1000);
    assert.equal(user.session.state, 'up');
    assert.equal(user.session.poolElementId, 3);
    assert.equal(h.resolutions.length, 1);
    // Echo still works on the new PE.
    h.send(user, 0, Uint8Array.of(7, 7));
    h.run(50);
    const last = user.events.at(-1);
    assert.deepEqual(last, {
      kind: 'data',
      ppid: 0,
      stream: 0,
      unordered: false,
      bytes: Uint8Array.of(7, 7),
    });
  });

  it('a PU that is also a PE introduces itself to every PE it uses', () => {
    const h = new PoolHarness();
    const pe1 = h.addPe(1, new EchoService());
    const pe2 = h.addPe(2, new EchoService());
    const card = { poolHandle: new TextEncoder().encode('ClientPool'), poolElements: [peParameter(99)] };
    const user = h.addUser('pu', undefined, { ownBusinessCard: card });
    h.open(user);
    h.run(100);
    const first = user.session.poolElementId!;
    h.kill(first);
    h.run(1000);
    const seen = [pe1, pe2].map(
      (p) => p.controlEvents.filter((e) => (e as { kind: string }).kind === 'businessCard').length,
    );
    assert.deepEqual(seen, [1, 1]);
    assert.deepEqual((pe2.controlEvents[0] as { card: unknown }).card, card);
  });

  it('messages sent during a failover are queued and delivered on the new PE after the Cookie Echo, in order', () => {
    const h = new PoolHarness();
    h.addPe(1, new EchoService());
    h.addPe(2, new EchoService());
    const user = h.addUser('pu', undefined, { reportUnreachable: false });
    h.open(user);
    h.run(100);
    h.kill(user.session.poolElementId!);
    h.run(300); // loss detected, failover under way
    assert.notEqual(user.session.state, 'up');
    for (const b of [1, 2, 3]) h.send(user, 0, Uint8Array.of(b));
    h.run(200);
    const echoed = user.events.flatMap((e) => (e.kind === 'data' ? [e.bytes[0]] : []));
    assert.deepEqual(echoed, [1, 2, 3]);
  });
});
