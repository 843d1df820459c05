import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type BusinessCard,
  PoolUserSession,
  type PoolUserSessionAction,
  type PoolUserSessionConfig,
  type PoolUserSessionEvent,
  SequentialIdAllocator,
} from '../../src/session/index.js';
import type { AsapMessage } from '../../src/wire/index.js';
import { decodeAsap, encodeAsap } from '../../src/wire/index.js';
import { peParameter } from './pool-harness.js';

const handle = new TextEncoder().encode('PingPongPool');
const cookieBytes = Uint8Array.of(1, 2, 3, 4);

function make(config: Partial<PoolUserSessionConfig> = {}) {
  const ids = new SequentialIdAllocator(40);
  const s = new PoolUserSession({ poolHandle: handle, ids, ...config });
  return s;
}
const events = (a: PoolUserSessionAction[]): PoolUserSessionEvent[] =>
  a.flatMap((x) => (x.kind === 'notify' ? [x.event] : []));
const kinds = (a: PoolUserSessionAction[]): string[] =>
  a.map((x) => (x.kind === 'notify' ? `notify:${x.event.kind}` : x.kind));
const one = <K extends PoolUserSessionAction['kind']>(a: PoolUserSessionAction[], kind: K) => {
  const found = a.filter((x) => x.kind === kind);
  assert.equal(found.length, 1, `one ${kind} in ${kinds(a).join(',')}`);
  return found[0] as Extract<PoolUserSessionAction, { kind: K }>;
};
const control = (m: AsapMessage) => ({ ppid: 11, stream: 0, bytes: encodeAsap(m) });
const decodeControl = (a: PoolUserSessionAction): AsapMessage => {
  assert.ok(a.kind === 'send' && a.ppid === 11, `control send: ${a.kind}`);
  const d = decodeAsap(a.bytes);
  assert.ok(d.ok);
  return d.value;
};
const resolvedOk = (requestId: number, ids: number[], now = 0) =>
  ({
    kind: 'resolved',
    now,
    requestId,
    result: {
      ok: true,
      value: { poolHandle: handle, policy: undefined, poolElements: ids.map(peParameter), fromCache: false },
    },
  }) as const;

/** open → resolve → connect to `ids[0]` → up on association `assoc`. */
function up(s: PoolUserSession, ids = [1, 2], assoc = 500) {
  const r = one(s.handle({ kind: 'open', now: 0 }), 'resolve');
  const c = one(s.handle(resolvedOk(r.requestId, ids)), 'connect');
  const a = s.handle({ kind: 'connected', now: 10, ref: c.ref, assoc });
  return { resolve: r, connect: c, upActions: a };
}

describe('PoolUserSession: opening', () => {
  it('resolves the handle with a request id from the shared allocator, connects to the first PE, reports up', () => {
    const s = make();
    const r = one(s.handle({ kind: 'open', now: 0 }), 'resolve');
    assert.equal(r.requestId, 41);
    assert.deepEqual(r.poolHandle, handle);
    assert.equal(r.items, 3);
    const c = one(s.handle(resolvedOk(41, [7, 8])), 'connect');
    assert.equal(c.ref, 42);
    assert.equal(c.pe, 7);
    assert.deepEqual(c.to, peParameter(7).userTransport);
    assert.equal(s.state, 'connecting');
    const a = s.handle({ kind: 'connected', now: 5, ref: 42, assoc: 900 });
    assert.deepEqual(events(a), [{ kind: 'up', pe: 7 }]);
    assert.equal(s.state, 'up');
    assert.equal(s.association, 900);
    const send = one(
      s.handle({ kind: 'send', now: 6, ppid: 33, stream: 2, bytes: Uint8Array.of(9) }),
      'send',
    );
    assert.deepEqual(send, {
      kind: 'send',
      assoc: 900,
      ppid: 33,
      stream: 2,
      unordered: false,
      bytes: Uint8Array.of(9),
    });
  });

  it('ignores answers for other request ids and aborts associations it did not ask for', () => {
    const s = make();
    s.handle({ kind: 'open', now: 0 });
    assert.deepEqual(s.handle(resolvedOk(999, [1])), []);
    assert.deepEqual(s.handle({ kind: 'connected', now: 1, ref: 12345, assoc: 77 }), [
      { kind: 'abort', assoc: 77 },
    ]);
  });

  it('queues messages sent before the PE is connected and flushes them in order; the queue is bounded', () => {
    const s = make({ maxBufferedMessages: 2 });
    const r = one(s.handle({ kind: 'open', now: 0 }), 'resolve');
    assert.deepEqual(s.handle({ kind: 'send', now: 0, ppid: 33, stream: 0, bytes: Uint8Array.of(1) }), []);
    assert.deepEqual(s.handle({ kind: 'send', now: 0, ppid: 33, stream: 0, bytes: Uint8Array.of(2) }), []);
    const over = events(s.handle({ kind: 'send', now: 0, ppid: 33, stream: 0, bytes: Uint8Array.of(3) }));
    assert.deepEqual(over, [
      { kind: 'sendFailed', ppid: 33, stream: 0, bytes: Uint8Array.of(3), reason: 'bufferFull' },
    ]);
    const c = one(s.handle(resolvedOk(r.requestId, [1])), 'connect');
    const a = s.handle({ kind: 'connected', now: 1, ref: c.ref, assoc: 5 });
    assert.deepEqual(kinds(a), ['send', 'send', 'notify:up']);
    assert.deepEqual(
      a.flatMap((x) => (x.kind === 'send' ? [x.bytes[0]] : [])),
      [1, 2],
    );
  });

  it('bounds the queue by bytes too', () => {
    const s = make({ maxBufferedBytes: 10 });
    s.handle({ kind: 'open', now: 0 });
    assert.deepEqual(s.handle({ kind: 'send', now: 0, ppid: 1, stream: 0, bytes: new Uint8Array(8) }), []);
    assert.equal(
      events(s.handle({ kind: 'send', now: 0, ppid: 1, stream: 0, bytes: new Uint8Array(3) }))[0]?.kind,
      'sendFailed',
    );
  });
});

describe('PoolUserSession: control channel', () => {
  it('keeps the latest cookie, passes data, reports malformed or misplaced ASAP', () => {
    const s = make();
    up(s);
    const e1 = events(
      s.handle({
        kind: 'delivered',
        now: 20,
        assoc: 500,
        ...control({ kind: 'cookie', cookie: cookieBytes }),
      }),
    );
    assert.deepEqual(e1, [{ kind: 'cookieReceived', cookie: cookieBytes }]);
    s.handle({
      kind: 'delivered',
      now: 21,
      assoc: 500,
      ...control({ kind: 'cookie', cookie: Uint8Array.of(9) }),
    });
    assert.deepEqual(s.cookie, Uint8Array.of(9));
    const data = events(
      s.handle({ kind: 'delivered', now: 22, assoc: 500, ppid: 33, stream: 1, bytes: Uint8Array.of(5) }),
    );
    assert.deepEqual(data, [
      { kind: 'data', ppid: 33, stream: 1, unordered: false, bytes: Uint8Array.of(5) },
    ]);
    const bad = events(
      s.handle({
        kind: 'delivered',
        now: 23,
        assoc: 500,
        ppid: 11,
        stream: 0,
        bytes: Uint8Array.of(0x0b, 0, 0),
      }),
    );
    assert.equal(bad[0]?.kind, 'controlError');
    const echo = events(
      s.handle({
        kind: 'delivered',
        now: 24,
        assoc: 500,
        ...control({ kind: 'cookieEcho', cookie: cookieBytes }),
      }),
    );
    assert.equal(echo[0]?.kind, 'controlError');
    assert.deepEqual(
      s.handle({ kind: 'delivered', now: 25, assoc: 501, ppid: 33, stream: 0, bytes: Uint8Array.of(1) }),
      [],
    );
  });
});

describe('PoolUserSession: failover', () => {
  it('on association loss: failoverNeeded once, Endpoint Unreachable once, a new PE other than the dead one, Cookie Echo first, queued data, failoverComplete', () => {
    const s = make();
    up(s, [1, 2]);
    s.handle({ kind: 'delivered', now: 20, assoc: 500, ...control({ kind: 'cookie', cookie: cookieBytes }) });
    const lost = s.handle({ kind: 'assocLost', now: 30, assoc: 500 });
    assert.deepEqual(kinds(lost), ['notify:failoverNeeded', 'reportUnreachable', 'resolve']);
    assert.deepEqual(events(lost)[0], { kind: 'failoverNeeded', reason: 'associationLost', pe: 1 });
    assert.deepEqual(one(lost, 'reportUnreachable'), {
      kind: 'reportUnreachable',
      poolHandle: handle,
      poolElementId: 1,
    });
    // A second trigger for the same event changes nothing.
    assert.deepEqual(s.handle({ kind: 'assocLost', now: 31, assoc: 500 }), []);
    assert.deepEqual(
      s.handle({ kind: 'sendFailed', now: 31, assoc: 999, ppid: 33, stream: 0, bytes: Uint8Array.of(1) }),
      [],
    );
    s.handle({ kind: 'send', now: 32, ppid: 33, stream: 0, bytes: Uint8Array.of(42) });
    // The registrar still lists the dead PE first: it is skipped.
    const c = one(s.handle(resolvedOk(one(lost, 'resolve').requestId, [1, 2])), 'connect');
    assert.equal(c.pe, 2);
    const done = s.handle({ kind: 'connected', now: 40, ref: c.ref, assoc: 600 });
    assert.deepEqual(kinds(done), ['send', 'send', 'notify:failoverComplete']);
    assert.deepEqual(decodeControl(done[0]!), { kind: 'cookieEcho', cookie: cookieBytes });
    assert.deepEqual(done[1], {
      kind: 'send',
      assoc: 600,
      ppid: 33,
      stream: 0,
      unordered: false,
      bytes: Uint8Array.of(42),
    });
    assert.deepEqual(events(done), [{ kind: 'failoverComplete', pe: 2, cookieEchoed: true }]);
  });

  it('retries the only PE when it is the only one listed', () => {
    const s = make();
    up(s, [1]);
    const lost = s.handle({ kind: 'assocLost', now: 30, assoc: 500 });
    assert.equal(one(s.handle(resolvedOk(one(lost, 'resolve').requestId, [1])), 'connect').pe, 1);
  });

  it('without a cookie the failover completes with cookieEchoed false and no control message', () => {
    const s = make();
    up(s);
    const lost = s.handle({ kind: 'assocLost', now: 30, assoc: 500 });
    const c = one(s.handle(resolvedOk(one(lost, 'resolve').requestId, [2])), 'connect');
    const done = s.handle({ kind: 'connected', now: 40, ref: c.ref, assoc: 600 });
    assert.deepEqual(kinds(done), ['notify:failoverComplete']);
    assert.deepEqual(events(done), [{ kind: 'failoverComplete', pe: 2, cookieEchoed: false }]);
  });

  it('does not report when the option is off (rspterminal, pingpongclient) or after a graceful peer shutdown', () => {
    const quiet = make({ reportUnreachable: false });
    up(quiet);
    assert.deepEqual(kinds(quiet.handle({ kind: 'assocLost', now: 30, assoc: 500 })), [
      'notify:failoverNeeded',
      'resolve',
    ]);
    const s = make();
    up(s);
    const shut = s.handle({ kind: 'peerShutdown', now: 30, assoc: 500 });
    assert.deepEqual(kinds(shut), ['notify:failoverNeeded', 'resolve']);
    assert.deepEqual(events(shut)[0], { kind: 'failoverNeeded', reason: 'peerShutdown', pe: 1 });
    assert.deepEqual(s.handle({ kind: 'assocLost', now: 31, assoc: 500 }), []);
  });

  it('an application failover aborts the association and reports per request', () => {
    const s = make({ reportUnreachable: false });
    up(s);
    const a = s.handle({ kind: 'failover', now: 30, reportUnreachable: true });
    assert.deepEqual(kinds(a), ['abort', 'notify:failoverNeeded', 'reportUnreachable', 'resolve']);
    assert.deepEqual(one(a, 'abort'), { kind: 'abort', assoc: 500 });
    assert.deepEqual(events(a)[0], { kind: 'failoverNeeded', reason: 'application', pe: 1 });
    // While failing over, another request is ignored.
    assert.deepEqual(s.handle({ kind: 'failover', now: 31 }), []);
  });

  it('a send failure reports the message, fails over once; later failures of that association only report', () => {
    const s = make();
    up(s);
    const f = s.handle({
      kind: 'sendFailed',
      now: 30,
      assoc: 500,
      ppid: 33,
      stream: 0,
      bytes: Uint8Array.of(1),
    });
    assert.deepEqual(kinds(f), [
      'notify:sendFailed',
      'abort',
      'notify:failoverNeeded',
      'reportUnreachable',
      'resolve',
    ]);
    const g = s.handle({
      kind: 'sendFailed',
      now: 31,
      assoc: 500,
      ppid: 33,
      stream: 0,
      bytes: Uint8Array.of(2),
    });
    assert.deepEqual(kinds(g), ['notify:sendFailed']);
    assert.deepEqual(
      s.handle({ kind: 'sendFailed', now: 31, assoc: 500, ppid: 11, stream: 0, bytes: Uint8Array.of(2) }),
      [],
    );
    assert.deepEqual(s.handle({ kind: 'assocLost', now: 32, assoc: 500 }), []);
    assert.deepEqual(
      s.handle({ kind: 'delivered', now: 33, assoc: 500, ppid: 33, stream: 0, bytes: Uint8Array.of(3) }),
      [],
    );
  });

  it('messages the transport reports after the loss still reach the application, without a second failover', () => {
    const s = make();
    up(s);
    assert.equal(events(s.handle({ kind: 'assocLost', now: 30, assoc: 500 }))[0]?.kind, 'failoverNeeded');
    const late = s.handle({
      kind: 'sendFailed',
      now: 30,
      assoc: 500,
      ppid: 33,
      stream: 1,
      bytes: Uint8Array.of(8),
    });
    assert.deepEqual(late, [
      {
        kind: 'notify',
        event: {
          kind: 'sendFailed',
          ppid: 33,
          stream: 1,
          bytes: Uint8Array.of(8),
          reason: 'associationFailed',
        },
      },
    ]);
  });

  it('without autoFailover it waits for the application after failoverNeeded', () => {
    const s = make({ autoFailover: false, reportUnreachable: false });
    up(s);
    assert.deepEqual(kinds(s.handle({ kind: 'assocLost', now: 30, assoc: 500 })), ['notify:failoverNeeded']);
    assert.equal(s.state, 'failoverPending');
    assert.deepEqual(kinds(s.handle({ kind: 'failover', now: 35, reportUnreachable: true })), [
      'reportUnreachable',
      'resolve',
    ]);
  });
});

describe('PoolUserSession: no PE, connect failures, timeouts', () => {
  it('waits 250 ms after a failed resolution, then resolves again; gives up after maxAttempts and fails queued sends', () => {
    const s = make({ maxAttempts: 3 });
    let r = one(s.handle({ kind: 'open', now: 0 }), 'resolve');
    s.handle({ kind: 'send', now: 0, ppid: 33, stream: 0, bytes: Uint8Array.of(1) });
    const fail = { ok: false as const, error: { kind: 'unknownPoolHandle' as const } };
    assert.deepEqual(s.handle({ kind: 'resolved', now: 10, requestId: r.requestId, result: fail }), []);
    assert.equal(s.state, 'waiting');
    assert.equal(s.nextDeadline(), 260);
    assert.deepEqual(s.handle({ kind: 'tick', now: 259 }), []);
    r = one(s.handle({ kind: 'tick', now: 260 }), 'resolve');
    s.handle({ kind: 'resolved', now: 270, requestId: r.requestId, result: fail });
    r = one(s.handle({ kind: 'tick', now: 520 }), 'resolve');
    const end = s.handle({ kind: 'resolved', now: 530, requestId: r.requestId, result: fail });
    assert.deepEqual(kinds(end), ['notify:sendFailed', 'notify:failed']);
    assert.equal(s.state, 'failed');
    assert.deepEqual(events(end)[1], {
      kind: 'failed',
      reason: 'resolution failed: unknownPoolHandle',
      attempts: 3,
    });
  });

  it('a connect failure reports that PE and tries the next candidate at once; a timeout cancels the attempt', () => {
    const s = make();
    const r = one(s.handle({ kind: 'open', now: 0 }), 'resolve');
    const c1 = one(s.handle(resolvedOk(r.requestId, [1, 2, 3])), 'connect');
    const a = s.handle({ kind: 'connectFailed', now: 50, ref: c1.ref });
    assert.deepEqual(kinds(a), ['reportUnreachable', 'connect']);
    const c2 = one(a, 'connect');
    assert.equal(c2.pe, 2);
    assert.equal(s.nextDeadline(), 5050);
    const t = s.handle({ kind: 'tick', now: 5050 });
    assert.deepEqual(kinds(t), ['cancelConnect', 'reportUnreachable', 'connect']);
    assert.deepEqual(one(t, 'cancelConnect'), { kind: 'cancelConnect', ref: c2.ref });
    assert.equal(one(t, 'connect').pe, 3);
    // The cancelled attempt completing late is aborted.
    assert.deepEqual(s.handle({ kind: 'connected', now: 5060, ref: c2.ref, assoc: 71 }), [
      { kind: 'abort', assoc: 71 },
    ]);
  });

  it('after all candidates fail it waits, then resolves again', () => {
    const s = make();
    const r = one(s.handle({ kind: 'open', now: 0 }), 'resolve');
    const c = one(s.handle(resolvedOk(r.requestId, [1])), 'connect');
    assert.deepEqual(kinds(s.handle({ kind: 'connectFailed', now: 50, ref: c.ref })), ['reportUnreachable']);
    assert.equal(s.nextDeadline(), 300);
    assert.equal(one(s.handle({ kind: 'tick', now: 300 }), 'resolve').poolHandle, handle);
  });

  it('ignores PEs whose user transport cannot carry a session (UDP)', () => {
    const s = make();
    const r = one(s.handle({ kind: 'open', now: 0 }), 'resolve');
    const udp = {
      ...peParameter(1),
      userTransport: { kind: 'udp' as const, port: 7, addresses: ['10.0.0.1'] },
    };
    const a = s.handle({
      kind: 'resolved',
      now: 1,
      requestId: r.requestId,
      result: {
        ok: true,
        value: {
          poolHandle: handle,
          policy: undefined,
          poolElements: [udp, peParameter(2)],
          fromCache: false,
        },
      },
    });
    assert.equal(one(a, 'connect').pe, 2);
  });
});

describe('PoolUserSession: business cards (RFC 5352 §3.9)', () => {
  const card: BusinessCard = {
    poolHandle: handle,
    poolElements: [peParameter(1), peParameter(5), peParameter(6)],
  };

  it("follows the PE's failover order before resolving, then resolves when it is used up", () => {
    const s = make({ reportUnreachable: false });
    up(s, [1]);
    const e = events(
      s.handle({ kind: 'delivered', now: 20, assoc: 500, ...control({ kind: 'businessCard', ...card }) }),
    );
    assert.deepEqual(e, [{ kind: 'businessCard', card }]);
    const lost = s.handle({ kind: 'assocLost', now: 30, assoc: 500 });
    assert.deepEqual(kinds(lost), ['notify:failoverNeeded', 'connect']);
    const c5 = one(lost, 'connect');
    assert.equal(c5.pe, 5);
    const c6 = one(s.handle({ kind: 'connectFailed', now: 40, ref: c5.ref }), 'connect');
    assert.equal(c6.pe, 6);
    assert.deepEqual(kinds(s.handle({ kind: 'connectFailed', now: 50, ref: c6.ref })), []);
    assert.equal(one(s.handle({ kind: 'tick', now: 300 }), 'resolve').items, 3);
  });

  it("accepts RSPLIB's form with a Policy parameter", () => {
    const s = make();
    up(s);
    const e = events(
      s.handle({
        kind: 'delivered',
        now: 20,
        assoc: 500,
        ...control({ kind: 'businessCard', ...card, policy: { name: 'RoundRobin' } }),
      }),
    );
    assert.deepEqual(e, [{ kind: 'businessCard', card }]);
  });

  it('can ignore received cards', () => {
    const s = make({ useBusinessCards: false, reportUnreachable: false });
    up(s, [1]);
    s.handle({ kind: 'delivered', now: 20, assoc: 500, ...control({ kind: 'businessCard', ...card }) });
    assert.deepEqual(kinds(s.handle({ kind: 'assocLost', now: 30, assoc: 500 })), [
      'notify:failoverNeeded',
      'resolve',
    ]);
  });

  it('a PU that is also a PE sends its own card after the Cookie Echo on every association', () => {
    const own: BusinessCard = {
      poolHandle: new TextEncoder().encode('ClientPool'),
      poolElements: [peParameter(77)],
    };
    const s = make({ ownBusinessCard: own });
    const { upActions } = up(s);
    assert.deepEqual(kinds(upActions), ['send', 'notify:up']);
    assert.deepEqual(decodeControl(upActions[0]!), { kind: 'businessCard', ...own });
    s.handle({ kind: 'delivered', now: 20, assoc: 500, ...control({ kind: 'cookie', cookie: cookieBytes }) });
    const lost = s.handle({ kind: 'assocLost', now: 30, assoc: 500 });
    const c = one(s.handle(resolvedOk(one(lost, 'resolve').requestId, [2])), 'connect');
    const done = s.handle({ kind: 'connected', now: 40, ref: c.ref, assoc: 600 });
    assert.deepEqual(decodeControl(done[0]!).kind, 'cookieEcho');
    assert.deepEqual(decodeControl(done[1]!), { kind: 'businessCard', ...own });
    const later = s.handle({ kind: 'sendBusinessCard', now: 50, card: own });
    assert.deepEqual(decodeControl(one(later, 'send')), { kind: 'businessCard', ...own });
  });
});

describe('PoolUserSession: close', () => {
  it('shuts the association down gracefully; later sends fail and late associations are aborted', () => {
    const s = make();
    const { connect } = up(s);
    const c = s.handle({ kind: 'close', now: 50 });
    assert.deepEqual(kinds(c), ['close', 'notify:closed']);
    assert.equal(s.state, 'closed');
    assert.equal(
      events(s.handle({ kind: 'send', now: 51, ppid: 1, stream: 0, bytes: Uint8Array.of(1) }))[0]?.kind,
      'sendFailed',
    );
    assert.deepEqual(s.handle({ kind: 'connected', now: 52, ref: connect.ref, assoc: 9 }), [
      { kind: 'abort', assoc: 9 },
    ]);
  });

  it('closing while connecting cancels the attempt and fails the queue', () => {
    const s = make();
    const r = one(s.handle({ kind: 'open', now: 0 }), 'resolve');
    const c = one(s.handle(resolvedOk(r.requestId, [1])), 'connect');
    s.handle({ kind: 'send', now: 1, ppid: 1, stream: 0, bytes: Uint8Array.of(1) });
    assert.deepEqual(kinds(s.handle({ kind: 'close', now: 2 })), [
      'cancelConnect',
      'notify:sendFailed',
      'notify:closed',
    ]);
    assert.equal(s.nextDeadline(), undefined);
    void c;
  });
});

describe('PoolUserSession: failover resend (resendOnFailover)', () => {
  const msg = (n: number, unordered = false) => ({
    ppid: 40 + n,
    stream: n % 3,
    unordered,
    bytes: Uint8Array.of(n),
  });
  const failedBack = (assoc: number, n: number, unordered = false) =>
    ({ kind: 'sendFailed', now: 20, assoc, ...msg(n, unordered) }) as const;
  const sends = (a: PoolUserSessionAction[]) =>
    a.flatMap((x) => (x.kind === 'send' ? [{ ...x, bytes: [...x.bytes] }] : []));

  it('resends what the failed association hands back, with its flags, after the Cookie Echo and before newer messages', () => {
    const s = make({ resendOnFailover: true });
    up(s);
    s.handle({ kind: 'delivered', now: 11, assoc: 500, ...control({ kind: 'cookie', cookie: cookieBytes }) });
    const first = s.handle(failedBack(500, 1, true));
    assert.deepEqual(kinds(first), ['abort', 'notify:failoverNeeded', 'reportUnreachable', 'resolve']);
    assert.deepEqual(s.handle({ kind: 'send', now: 21, ...msg(3) }), []);
    assert.deepEqual(s.handle(failedBack(500, 2)), [], 'a late report of the left association is kept too');
    assert.equal(s.queuedMessages, 3);
    const c = one(s.handle(resolvedOk(one(first, 'resolve').requestId, [2])), 'connect');
    const a = s.handle({ kind: 'connected', now: 30, ref: c.ref, assoc: 501 });
    const sent = sends(a);
    assert.equal(decodeControl(a[0]!).kind, 'cookieEcho');
    assert.deepEqual(
      sent.slice(1),
      [msg(1, true), msg(2), msg(3)].map((m) => ({ kind: 'send', assoc: 501, ...m, bytes: [...m.bytes] })),
    );
    assert.deepEqual(events(a), [{ kind: 'failoverComplete', pe: 2, cookieEchoed: true }]);
    // Reported after the new PE is up: sent at once on it.
    assert.deepEqual(sends(s.handle(failedBack(500, 4, true))), [
      { kind: 'send', assoc: 501, ...msg(4, true), bytes: [4] },
    ]);
  });

  it('reports what the bounded queue cannot keep (bufferFull), and never resends control messages', () => {
    const s = make({ resendOnFailover: true, maxBufferedMessages: 1 });
    up(s);
    s.handle({ kind: 'assocLost', now: 20, assoc: 500 });
    assert.deepEqual(s.handle(failedBack(500, 1)), []);
    const full = events(s.handle(failedBack(500, 2)));
    assert.deepEqual(full, [
      { kind: 'sendFailed', ppid: 42, stream: 2, bytes: Uint8Array.of(2), reason: 'bufferFull' },
    ]);
    assert.deepEqual(
      s.handle({
        kind: 'sendFailed',
        now: 21,
        assoc: 500,
        ...control({ kind: 'cookieEcho', cookie: cookieBytes }),
      }),
      [],
    );
    assert.equal(s.queuedMessages, 1);
  });

  it('without it (the default) hands the messages back to the application as sendFailed', () => {
    const s = make();
    up(s);
    s.handle({ kind: 'assocLost', now: 20, assoc: 500 });
    assert.deepEqual(events(s.handle(failedBack(500, 1, true))), [
      { kind: 'sendFailed', ppid: 41, stream: 1, bytes: Uint8Array.of(1), reason: 'associationFailed' },
    ]);
    assert.equal(s.queuedMessages, 0);
  });
});
