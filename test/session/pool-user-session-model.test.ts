/**
 * Model-based test of the PU session: random command sequences (answers to its own requests, stale
 * answers, losses, control messages, sends, ticks, failover requests, close) never make it throw
 * and keep its invariants.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  PoolUserSession,
  type PoolUserSessionAction,
  type PoolUserSessionInput,
  SequentialIdAllocator,
} from '../../src/session/index.js';
import { encodeAsap } from '../../src/wire/index.js';
import { peParameter } from './pool-harness.js';

type Command =
  | { c: 'resolve'; ok: boolean; pes: number[]; stale: boolean }
  | { c: 'connect'; ok: boolean; stale: boolean }
  | { c: 'lose'; how: 'assocLost' | 'peerShutdown' | 'sendFailed'; stale: boolean }
  | { c: 'deliver'; what: 'cookie' | 'card' | 'data' | 'junk' | 'echo' }
  | { c: 'send'; size: number }
  | { c: 'failover'; report: boolean }
  | { c: 'tick'; dt: number }
  | { c: 'close' };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    c: fc.constant('resolve' as const),
    ok: fc.boolean(),
    pes: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }),
    stale: fc.boolean(),
  }),
  fc.record({ c: fc.constant('connect' as const), ok: fc.boolean(), stale: fc.boolean() }),
  fc.record({
    c: fc.constant('lose' as const),
    how: fc.constantFrom('assocLost' as const, 'peerShutdown' as const, 'sendFailed' as const),
    stale: fc.boolean(),
  }),
  fc.record({
    c: fc.constant('deliver' as const),
    what: fc.constantFrom(
      'cookie' as const,
      'card' as const,
      'data' as const,
      'junk' as const,
      'echo' as const,
    ),
  }),
  fc.record({ c: fc.constant('send' as const), size: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ c: fc.constant('failover' as const), report: fc.boolean() }),
  fc.record({ c: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 6000 }) }),
  fc.constant({ c: 'close' as const }),
);

describe('PoolUserSession model', () => {
  it('never throws and keeps its invariants under random inputs', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        fc.array(command, { maxLength: 60 }),
        (auto, report, commands) => {
          const s = new PoolUserSession({
            poolHandle: Uint8Array.of(1),
            ids: new SequentialIdAllocator(),
            autoFailover: auto,
            reportUnreachable: report,
            maxBufferedMessages: 5,
            maxAttempts: 4,
          });
          let now = 0;
          let lastRequest = 0;
          let lastRef = 0;
          let nextAssoc = 1;
          let ended = false;
          let established = 0;
          let failovers = 0;
          const refs = new Set<number>();
          const requests = new Set<number>();
          const apply = (input: PoolUserSessionInput): void => {
            const out: PoolUserSessionAction[] = s.handle(input);
            for (const a of out) {
              if (a.kind === 'resolve') {
                assert.ok(!requests.has(a.requestId), 'request ids are unique');
                requests.add(a.requestId);
                lastRequest = a.requestId;
              }
              if (a.kind === 'connect') {
                assert.ok(!refs.has(a.ref), 'connect refs are unique');
                refs.add(a.ref);
                lastRef = a.ref;
              }
              if (ended)
                assert.ok(
                  a.kind === 'abort' || (a.kind === 'notify' && a.event.kind === 'sendFailed'),
                  `after the end: ${a.kind}`,
                );
              if (a.kind === 'notify') {
                if (a.event.kind === 'up' || a.event.kind === 'failoverComplete') established++;
                if (a.event.kind === 'failoverNeeded') failovers++;
                if (a.event.kind === 'closed' || a.event.kind === 'failed') ended = true;
              }
            }
            assert.ok(failovers <= established, 'one failoverNeeded per established association at most');
            assert.equal(s.state === 'up', s.association !== undefined);
            if (s.state === 'waiting' || s.state === 'connecting')
              assert.notEqual(s.nextDeadline(), undefined);
            assert.ok(s.queuedMessages <= 5);
          };
          apply({ kind: 'open', now });
          for (const cmd of commands) {
            switch (cmd.c) {
              case 'resolve':
                apply({
                  kind: 'resolved',
                  now,
                  requestId: cmd.stale ? lastRequest + 1000 : lastRequest,
                  result: cmd.ok
                    ? {
                        ok: true,
                        value: {
                          poolHandle: Uint8Array.of(1),
                          policy: undefined,
                          poolElements: cmd.pes.map(peParameter),
                          fromCache: false,
                        },
                      }
                    : { ok: false, error: { kind: 'timeout' } },
                });
                break;
              case 'connect':
                apply(
                  cmd.ok
                    ? {
                        kind: 'connected',
                        now,
                        ref: cmd.stale ? lastRef + 1000 : lastRef,
                        assoc: nextAssoc++,
                      }
                    : { kind: 'connectFailed', now, ref: cmd.stale ? lastRef + 1000 : lastRef },
                );
                break;
              case 'lose': {
                const assoc = cmd.stale ? 999_999 : (s.association ?? nextAssoc - 1);
                apply(
                  cmd.how === 'sendFailed'
                    ? { kind: 'sendFailed', now, assoc, ppid: 33, stream: 0, bytes: Uint8Array.of(1) }
                    : { kind: cmd.how, now, assoc },
                );
                break;
              }
              case 'deliver': {
                const assoc = s.association ?? 0;
                const bytes =
                  cmd.what === 'cookie'
                    ? encodeAsap({ kind: 'cookie', cookie: Uint8Array.of(1, 2) })
                    : cmd.what === 'card'
                      ? encodeAsap({
                          kind: 'businessCard',
                          poolHandle: Uint8Array.of(1),
                          poolElements: [peParameter(3)],
                        })
                      : cmd.what === 'echo'
                        ? encodeAsap({ kind: 'cookieEcho', cookie: Uint8Array.of(1) })
                        : Uint8Array.of(0x0b, 0, 0, 9);
                apply({
                  kind: 'delivered',
                  now,
                  assoc,
                  ppid: cmd.what === 'data' ? 33 : 11,
                  stream: 0,
                  bytes,
                });
                break;
              }
              case 'send':
                apply({ kind: 'send', now, ppid: 33, stream: 0, bytes: new Uint8Array(cmd.size) });
                break;
              case 'failover':
                apply({ kind: 'failover', now, reportUnreachable: cmd.report });
                break;
              case 'tick':
                now += cmd.dt;
                apply({ kind: 'tick', now });
                break;
              case 'close':
                apply({ kind: 'close', now });
                break;
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
