import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import { PoolUser, type PoolUserAction } from '../../src/user/pool-user.js';
import type { AsapMessage } from '../../src/wire/asap-messages.js';
import type { PoolElementParameter } from '../../src/wire/types.js';
import { build } from '../helpers/build.js';

const handle = new TextEncoder().encode('EchoPool');
const pe = (id: number): PoolElementParameter => build.poolElement({ id, homeRegistrarId: 1 });

const user = (registrars = 2) =>
  new PoolUser(
    {
      registrars: Array.from({ length: registrars }, (_, i) => ({
        addresses: [`10.0.1.${i + 1}`],
        port: 3863,
      })),
    },
    new SeededRandom(5),
  );
const sent = (actions: PoolUserAction[]): AsapMessage[] =>
  actions.flatMap((a) => (a.kind === 'send' ? [a.message] : []));
const firstConnect = (actions: PoolUserAction[]): number => {
  const c = actions.find((a) => a.kind === 'connect');
  assert.ok(c && c.kind === 'connect');
  return c.ref;
};
const resolvedOf = (actions: PoolUserAction[]) => actions.filter((a) => a.kind === 'resolved');

/** A PU connected to a registrar over association 1. */
function connected(): PoolUser {
  const pu = user();
  const ref = firstConnect(
    pu.handle({ kind: 'resolve', now: 0, requestId: 1, poolHandle: handle, items: 1 }),
  );
  const out = pu.handle({ kind: 'connected', now: 1, ref, assoc: 1 });
  assert.equal(sent(out)[0]?.kind, 'handleResolution');
  pu.handle({
    kind: 'received',
    now: 2,
    assoc: 1,
    message: {
      kind: 'handleResolutionResponse',
      subscriptionAccepted: false,
      poolHandle: handle,
      poolElements: [pe(7)],
    },
  });
  return pu;
}

describe('PoolUser handle resolution (RFC 5352 §3.3)', () => {
  it('hunts for a registrar, sends the resolution with the items option and returns the PEs', () => {
    const pu = user();
    const ref = firstConnect(
      pu.handle({ kind: 'resolve', now: 0, requestId: 1, poolHandle: handle, items: 1 }),
    );
    const [hr] = sent(pu.handle({ kind: 'connected', now: 1, ref, assoc: 1 }));
    assert.deepEqual(hr, { kind: 'handleResolution', subscribe: false, poolHandle: handle, items: 1 });
    const out = pu.handle({
      kind: 'received',
      now: 2,
      assoc: 1,
      message: {
        kind: 'handleResolutionResponse',
        subscriptionAccepted: false,
        poolHandle: handle,
        policy: { name: 'RoundRobin' },
        poolElements: [pe(7), pe(8)],
      },
    });
    const [r] = resolvedOf(out);
    assert.ok(r && r.kind === 'resolved' && r.result.ok);
    assert.deepEqual(
      r.result.value.poolElements.map((p) => p.id),
      [7, 8],
    );
  });

  it('shares one request among concurrent resolutions of the same handle', () => {
    const pu = connected();
    assert.equal(sent(pu.handle({ kind: 'resolve', now: 10, requestId: 2, poolHandle: handle })).length, 1);
    assert.equal(sent(pu.handle({ kind: 'resolve', now: 11, requestId: 3, poolHandle: handle })).length, 0);
    const out = pu.handle({
      kind: 'received',
      now: 12,
      assoc: 1,
      message: {
        kind: 'handleResolutionResponse',
        subscriptionAccepted: false,
        poolHandle: handle,
        poolElements: [pe(7)],
      },
    });
    assert.deepEqual(
      resolvedOf(out).map((a) => (a.kind === 'resolved' ? a.requestId : 0)),
      [2, 3],
    );
  });

  it('maps an Unknown Pool Handle error', () => {
    const pu = connected();
    pu.handle({ kind: 'resolve', now: 10, requestId: 2, poolHandle: handle });
    const out = pu.handle({
      kind: 'received',
      now: 12,
      assoc: 1,
      message: {
        kind: 'handleResolutionResponse',
        subscriptionAccepted: false,
        poolHandle: handle,
        poolElements: [],
        operationError: { causes: [{ cause: 9, data: new Uint8Array() }] },
      },
    });
    const [r] = resolvedOf(out);
    assert.ok(r && r.kind === 'resolved' && !r.result.ok && r.result.error.kind === 'unknownPoolHandle');
  });

  it('T1 expiry fails over to another registrar and re-sends; gives up after MAX-REQUEST-RETRANSMIT', () => {
    const pu = connected();
    pu.handle({ kind: 'resolve', now: 100, requestId: 2, poolHandle: handle });
    let now = 3_100;
    let out = pu.handle({ kind: 'tick', now });
    assert.ok(out.some((a) => a.kind === 'close' && a.assoc === 1));
    for (let assoc = 2; assoc <= 3; assoc++) {
      const ref = firstConnect(out);
      assert.equal(sent(pu.handle({ kind: 'connected', now: now + 1, ref, assoc })).length, 1);
      now += 3_001;
      out = pu.handle({ kind: 'tick', now });
    }
    const [r] = resolvedOf(out);
    assert.ok(r && r.kind === 'resolved' && !r.result.ok && r.result.error.kind === 'timeout');
  });

  it('times out a resolution when no registrar is ever found (the hunt alone never ends it)', () => {
    const pu = new PoolUser(
      { registrars: [{ addresses: ['10.0.1.1'], port: 3863 }], resolutionTimeoutMs: 500 },
      new SeededRandom(5),
    );
    const out = pu.handle({ kind: 'resolve', now: 0, requestId: 1, poolHandle: handle });
    assert.ok(out.some((a) => a.kind === 'connect'));
    assert.equal(resolvedOf(pu.handle({ kind: 'tick', now: 100 })).length, 0);
    // A second request for the same handle shares the hunt but keeps its own deadline.
    pu.handle({ kind: 'resolve', now: 200, requestId: 2, poolHandle: handle });
    assert.equal(pu.nextDeadline() !== undefined && pu.nextDeadline()! <= 500, true);
    const [first, ...rest] = resolvedOf(pu.handle({ kind: 'tick', now: 500 }));
    assert.equal(rest.length, 0);
    assert.ok(first && first.requestId === 1 && !first.result.ok && first.result.error.kind === 'timeout');
    const [second] = resolvedOf(pu.handle({ kind: 'tick', now: 700 }));
    assert.ok(second && second.requestId === 2 && !second.result.ok);
  });

  it('times out by default after T1 × (MAX-REQUEST-RETRANSMIT + 1) without a registrar', () => {
    const pu = user(1);
    pu.handle({ kind: 'resolve', now: 0, requestId: 1, poolHandle: handle });
    assert.equal(resolvedOf(pu.handle({ kind: 'tick', now: 8_999 })).length, 0);
    assert.equal(resolvedOf(pu.handle({ kind: 'tick', now: 9_000 })).length, 1);
  });

  it('re-sends pending resolutions when the home registrar is lost', () => {
    const pu = connected();
    pu.handle({ kind: 'resolve', now: 10, requestId: 2, poolHandle: handle });
    const ref = firstConnect(pu.handle({ kind: 'assocLost', now: 20, assoc: 1 }));
    assert.equal(sent(pu.handle({ kind: 'connected', now: 30, ref, assoc: 2 }))[0]?.kind, 'handleResolution');
  });
});

describe('PoolUser unreachable reports (RFC 5352 §3.5)', () => {
  it('sends Endpoint Unreachable to the home registrar, or after the hunt', () => {
    const pu = connected();
    assert.deepEqual(
      sent(pu.handle({ kind: 'reportUnreachable', now: 5, poolHandle: handle, poolElementId: 7 })),
      [{ kind: 'endpointUnreachable', poolHandle: handle, poolElementId: 7 }],
    );
    const fresh = user();
    const ref = firstConnect(
      fresh.handle({ kind: 'reportUnreachable', now: 0, poolHandle: handle, poolElementId: 7 }),
    );
    assert.equal(
      sent(fresh.handle({ kind: 'connected', now: 1, ref, assoc: 4 }))[0]?.kind,
      'endpointUnreachable',
    );
  });

  it('reports a PE at most once per hold time (RFC 5352 §9.2: limit Endpoint Unreachables)', () => {
    const pu = connected();
    const report = (now: number, id = 7) =>
      sent(pu.handle({ kind: 'reportUnreachable', now, poolHandle: handle, poolElementId: id })).length;
    assert.equal(report(10), 1);
    assert.equal(report(20), 0, 'the same PE again: no second report');
    assert.equal(report(30, 8), 1, 'another PE');
    assert.equal(report(10 + 5_000), 1, 'after the hold time');
  });
});
