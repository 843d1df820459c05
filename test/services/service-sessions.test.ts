/**
 * The session bookkeeping the PE services share (ServiceSessions, SessionService) and the option
 * defaults (withDefaults): each service used to spell these out itself, so the differences it kept
 * (who forgets sessions at shutdown, lazy state on a first message) are pinned here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withDefaults } from '../../src/services/defaults.js';
import { type MessageInput, ServiceSessions, SessionService } from '../../src/services/service-sessions.js';
import type { ServiceAction } from '../../src/services/service-types.js';

describe('ServiceSessions', () => {
  it('sessionUp makes fresh state, sessionDown forgets it, other inputs are left to the service', () => {
    const t = new ServiceSessions((now) => ({ since: now }));
    assert.deepEqual(t.track({ kind: 'sessionUp', now: 5, session: 1 }), []);
    assert.deepEqual(t.get(1), { since: 5 });
    assert.equal(t.track({ kind: 'tick', now: 6 }), undefined);
    assert.deepEqual(t.track({ kind: 'sessionDown', now: 7, session: 1 }), []);
    assert.equal(t.size, 0);
  });

  it('of() makes state on first use (a message before sessionUp) and keeps it after', () => {
    const t = new ServiceSessions((now) => ({ since: now }));
    const s = t.of(3, 9);
    assert.equal(t.of(4, 9), s);
    assert.deepEqual(s, { since: 3 });
  });

  it('shutdown closes every session in the order they came up; only forgetOnShutdown forgets them', () => {
    for (const forgetOnShutdown of [false, true]) {
      const t = new ServiceSessions(() => 0, { forgetOnShutdown });
      for (const session of [4, 2, 8]) t.track({ kind: 'sessionUp', now: 0, session });
      assert.deepEqual(t.track({ kind: 'shutdown', now: 1 }), [
        { kind: 'close', session: 4 },
        { kind: 'close', session: 2 },
        { kind: 'close', session: 8 },
      ]);
      assert.equal(t.size, forgetOnShutdown ? 0 : 3);
    }
  });
});

describe('SessionService', () => {
  class Counting extends SessionService<number> {
    readonly defaultPoolHandle = 'CountingPool';
    protected readonly sessions = new ServiceSessions(() => 0);

    protected override onMessage(input: MessageInput): ServiceAction[] {
      this.sessions.set(input.session, (this.sessions.get(input.session) ?? 0) + 1);
      return [];
    }

    count(session: number): number | undefined {
      return this.sessions.get(session);
    }
  }

  it('counts sessions, has no deadline, and gives each input kind to its handler (none by default)', () => {
    const s = new Counting();
    s.handle({ kind: 'sessionUp', now: 0, session: 1 });
    s.handle({ kind: 'message', now: 1, session: 1, ppid: 0, stream: 0, bytes: new Uint8Array() });
    assert.equal(s.count(1), 1);
    assert.equal(s.sessionCount, 1);
    assert.equal(s.nextDeadline(), undefined);
    assert.deepEqual(s.handle({ kind: 'writable', now: 2, session: 1, roomBytes: 100 }), []);
    assert.deepEqual(s.handle({ kind: 'cookieEcho', now: 2, session: 1, cookie: new Uint8Array() }), []);
    assert.deepEqual(s.handle({ kind: 'tick', now: 3 }), []);
  });
});

describe('withDefaults', () => {
  it('takes an option left out or undefined from the defaults, and keeps 0 and other given values', () => {
    const d = { a: 1, b: 2, c: 3 };
    assert.deepEqual(withDefaults<{ a?: number; b?: number; c?: number }>({ a: 0, b: undefined }, d), {
      a: 0,
      b: 2,
      c: 3,
    });
  });
});
