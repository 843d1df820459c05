import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type BusinessCard,
  PoolElementSession,
  type PoolElementSessionAction,
} from '../../src/session/index.js';
import { decodeAsap, encodeAsap } from '../../src/wire/index.js';
import { peParameter } from './pool-harness.js';

const card: BusinessCard = {
  poolHandle: new TextEncoder().encode('EchoPool'),
  poolElements: [peParameter(3), peParameter(4)],
};
const events = (a: PoolElementSessionAction[]) => a.flatMap((x) => (x.kind === 'notify' ? [x.event] : []));

describe('PoolElementSession: the PE side of the control channel', () => {
  it('hands the first Cookie Echo to the application once, passes data, reports Business Cards', () => {
    const s = new PoolElementSession({ assoc: 8 });
    assert.deepEqual(s.handle({ kind: 'start', now: 0 }), []);
    const echo = encodeAsap({ kind: 'cookieEcho', cookie: Uint8Array.of(7) });
    assert.deepEqual(events(s.handle({ kind: 'delivered', now: 1, ppid: 11, stream: 0, bytes: echo })), [
      { kind: 'cookieEcho', cookie: Uint8Array.of(7) },
    ]);
    assert.equal(
      events(s.handle({ kind: 'delivered', now: 2, ppid: 11, stream: 0, bytes: echo }))[0]?.kind,
      'controlError',
    );
    assert.deepEqual(
      events(s.handle({ kind: 'delivered', now: 3, ppid: 34, stream: 1, bytes: Uint8Array.of(1) })),
      [{ kind: 'data', ppid: 34, stream: 1, unordered: false, bytes: Uint8Array.of(1) }],
    );
    const bc = encodeAsap({ kind: 'businessCard', ...card });
    assert.deepEqual(events(s.handle({ kind: 'delivered', now: 4, ppid: 11, stream: 0, bytes: bc })), [
      { kind: 'businessCard', card },
    ]);
    assert.deepEqual(s.businessCard, card);
    assert.equal(
      events(s.handle({ kind: 'delivered', now: 5, ppid: 11, stream: 0, bytes: Uint8Array.of(1, 2) }))[0]
        ?.kind,
      'controlError',
    );
    const cookie = encodeAsap({ kind: 'cookie', cookie: Uint8Array.of(1) });
    assert.equal(
      events(s.handle({ kind: 'delivered', now: 6, ppid: 11, stream: 0, bytes: cookie }))[0]?.kind,
      'controlError',
    );
  });

  it('sends data, ASAP Cookies and its Business Card (opt-in at start) on its association', () => {
    const s = new PoolElementSession({ assoc: 8, businessCard: card });
    const start = s.handle({ kind: 'start', now: 0 });
    assert.equal(start.length, 1);
    const a = start[0]!;
    assert.ok(a.kind === 'send' && a.ppid === 11 && a.assoc === 8);
    assert.deepEqual(decodeAsap(a.bytes), { ok: true, value: { kind: 'businessCard', ...card } });
    const c = s.handle({ kind: 'sendCookie', now: 1, cookie: Uint8Array.of(5, 6) })[0]!;
    assert.ok(c.kind === 'send' && c.ppid === 11);
    assert.deepEqual(decodeAsap(c.bytes), {
      ok: true,
      value: { kind: 'cookie', cookie: Uint8Array.of(5, 6) },
    });
    assert.deepEqual(s.handle({ kind: 'send', now: 2, ppid: 33, stream: 3, bytes: Uint8Array.of(1) }), [
      { kind: 'send', assoc: 8, ppid: 33, stream: 3, unordered: false, bytes: Uint8Array.of(1) },
    ]);
  });

  it('closes gracefully or aborts, then does nothing more', () => {
    const s = new PoolElementSession({ assoc: 8 });
    assert.deepEqual(s.handle({ kind: 'close', now: 0 }), [{ kind: 'close', assoc: 8 }]);
    assert.equal(s.isOpen, false);
    assert.deepEqual(s.handle({ kind: 'send', now: 1, ppid: 1, stream: 0, bytes: Uint8Array.of(1) }), []);
    const t = new PoolElementSession({ assoc: 9 });
    assert.deepEqual(t.handle({ kind: 'abort', now: 0, reason: 'x' }), [
      { kind: 'abort', assoc: 9, reason: 'x' },
    ]);
    const u = new PoolElementSession({ assoc: 10 });
    assert.deepEqual(u.handle({ kind: 'ended', now: 0 }), [{ kind: 'notify', event: { kind: 'ended' } }]);
  });
});
