import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodePingPong,
  decodePingPongCookie,
  encodePingPong,
  encodePingPongCookie,
  PingPongClient,
  type PingPongClientEvent,
  PingPongService,
  type ServiceAction,
} from '../../src/services/index.js';
import { PoolHarness } from '../session/pool-harness.js';

const ping = (messageNo: number) =>
  encodePingPong({ kind: 'ping', messageNo, data: Uint8Array.of(messageNo) });
const sent = (a: ServiceAction[]) =>
  a.map((x) => {
    if (x.kind === 'send') return decodePingPong(x.bytes);
    if (x.kind === 'sendCookie') return { cookie: decodePingPongCookie(x.cookie) };
    return x.kind;
  });

describe('PingPongService', () => {
  it('answers each Ping with a Pong numbered 1, 2, ... and an ASAP Cookie with the next ReplyNo', () => {
    const s = new PingPongService();
    s.handle({ kind: 'sessionUp', now: 0, session: 1 });
    assert.deepEqual(
      sent(s.handle({ kind: 'message', now: 1, session: 1, ppid: 33, stream: 0, bytes: ping(10) })),
      [
        { ok: true, value: { kind: 'pong', messageNo: 10, replyNo: 1, data: Uint8Array.of(10) } },
        { cookie: { ok: true, value: { replyNo: 2 } } },
      ],
    );
    assert.deepEqual(
      sent(s.handle({ kind: 'message', now: 2, session: 1, ppid: 33, stream: 0, bytes: ping(11) }))[0],
      {
        ok: true,
        value: { kind: 'pong', messageNo: 11, replyNo: 2, data: Uint8Array.of(11) },
      },
    );
  });

  it('resumes the ReplyNo sequence from a Cookie Echo', () => {
    const s = new PingPongService();
    s.handle({ kind: 'sessionUp', now: 0, session: 1 });
    s.handle({ kind: 'cookieEcho', now: 0, session: 1, cookie: encodePingPongCookie({ replyNo: 0x20 }) });
    const a = sent(s.handle({ kind: 'message', now: 1, session: 1, ppid: 33, stream: 0, bytes: ping(32) }));
    assert.deepEqual(a[0], {
      ok: true,
      value: { kind: 'pong', messageNo: 32, replyNo: 0x20, data: Uint8Array.of(32) },
    });
  });

  it('reports malformed input and foreign cookies without answering', () => {
    const s = new PingPongService();
    s.handle({ kind: 'sessionUp', now: 0, session: 1 });
    assert.equal(
      s.handle({ kind: 'message', now: 1, session: 1, ppid: 33, stream: 0, bytes: Uint8Array.of(1) })[0]
        ?.kind,
      'notify',
    );
    assert.equal(
      s.handle({ kind: 'message', now: 1, session: 1, ppid: 0, stream: 0, bytes: ping(1) })[0]?.kind,
      'notify',
    );
    assert.equal(
      s.handle({ kind: 'cookieEcho', now: 1, session: 1, cookie: Uint8Array.of(1) })[0]?.kind,
      'notify',
    );
  });

  it('failureAfter aborts the session after N replies (RSPLIB -pppfailureafter)', () => {
    const s = new PingPongService({ failureAfter: 2 });
    s.handle({ kind: 'sessionUp', now: 0, session: 1 });
    s.handle({ kind: 'message', now: 1, session: 1, ppid: 33, stream: 0, bytes: ping(1) });
    const a = s.handle({ kind: 'message', now: 2, session: 1, ppid: 33, stream: 0, bytes: ping(2) });
    assert.deepEqual(
      a.map((x) => x.kind),
      ['send', 'sendCookie', 'notify', 'abort'],
    );
    assert.equal(s.sessionCount, 0);
  });
});

function pingPongPool(reportUnreachable?: boolean) {
  const h = new PoolHarness();
  for (const id of [0x0b01, 0x0b02, 0x0b03]) h.addPe(id, new PingPongService());
  const client = new PingPongClient({ intervalMs: 1000, count: 30 });
  const user = h.addUser<PingPongClientEvent>(
    'ppc',
    client,
    reportUnreachable === undefined ? {} : { reportUnreachable },
  );
  h.open(user);
  return { h, client, user };
}

describe('Ping-Pong over sessions with failover (virtual time)', () => {
  it('no failover: 30 Pings answered once each, in order, ReplyNo 1..30', () => {
    const { h, client, user } = pingPongPool();
    assert.ok(h.runUntil(() => user.session.state === 'closed', 60_000));
    assert.deepEqual(
      client.answered,
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    const replies = user.clientEvents.flatMap((e) => (e.kind === 'pong' ? [e.replyNo] : []));
    assert.deepEqual(
      replies,
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    assert.equal(client.statistics.replyNoErrors, 0);
  });

  it('a PE killed with a Ping in flight: every Ping is still answered exactly once and in order; ReplyNo continues from the cookie', () => {
    const { h, client, user } = pingPongPool();
    h.runUntil(() => client.statistics.pingsSent === 11, 20_000); // Ping 11 is in flight (5 ms latency)
    const first = user.session.poolElementId!;
    assert.equal(client.outstandingPings, 1);
    h.kill(first);
    assert.ok(h.runUntil(() => user.session.state === 'closed', 60_000));
    assert.deepEqual(
      client.answered,
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    const s = client.statistics;
    assert.equal(s.duplicatePongs, 0);
    assert.equal(s.outOfOrderPongs, 0);
    assert.equal(s.replyNoErrors, 0);
    assert.equal(s.failovers, 1);
    assert.equal(s.failoversWithCookie, 1);
    assert.equal(s.pingsResent, 1);
    const replies = user.clientEvents.flatMap((e) => (e.kind === 'pong' ? [e.replyNo] : []));
    assert.deepEqual(
      replies,
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    // The session reported the dead PE once (default on), and the new PE is another one.
    assert.deepEqual(
      h.reports.map((r) => r.poolElementId),
      [first],
    );
    const kinds = user.events.map((e) => e.kind);
    assert.equal(kinds.filter((k) => k === 'failoverNeeded').length, 1);
    assert.equal(kinds.filter((k) => k === 'failoverComplete').length, 1);
    const pes = new Set(user.clientEvents.flatMap((e) => (e.kind === 'pong' ? [e.pe] : [])));
    assert.equal(pes.size, 2);
  });

  it('a PE killed between Pings with reports off (pingpongclient): continuity kept, no Endpoint Unreachable', () => {
    const h = new PoolHarness();
    h.addPe(1, new PingPongService());
    h.addPe(2, new PingPongService());
    const client = new PingPongClient({ intervalMs: 1000, count: 5 });
    const user = h.addUser<PingPongClientEvent>('ppc', client, { reportUnreachable: false });
    h.open(user);
    h.runUntil(() => client.answered.length === 2, 10_000);
    const pe = user.session.poolElementId!;
    h.kill(pe);
    assert.ok(h.runUntil(() => user.session.state === 'closed', 30_000));
    assert.deepEqual(client.answered, [1, 2, 3, 4, 5]);
    assert.equal(client.statistics.replyNoErrors, 0);
    assert.deepEqual(h.reports, []);
  });

  it('RSPLIB failure injection (failureAfter 4): the ABORT destroys the 4th Pong and its cookie; the Ping is resent and answered with the same ReplyNo', () => {
    const h = new PoolHarness();
    h.addPe(1, new PingPongService({ failureAfter: 4 }));
    h.addPe(2, new PingPongService({ failureAfter: 4 }));
    const client = new PingPongClient({ intervalMs: 500, count: 12 });
    const user = h.addUser<PingPongClientEvent>('ppc', client);
    h.open(user);
    assert.ok(h.runUntil(() => user.session.state === 'closed', 60_000));
    assert.deepEqual(
      client.answered,
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    // Each session answers 4 Pings, but the 4th Pong dies with the ABORT: 3 Pongs per PE session.
    assert.equal(client.statistics.failovers, 3);
    assert.equal(client.statistics.pingsResent, 3);
    assert.equal(client.statistics.replyNoErrors, 0);
    const replies = user.clientEvents.flatMap((e) => (e.kind === 'pong' ? [e.replyNo] : []));
    assert.deepEqual(
      replies,
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
  });

  it('a graceful PE shutdown: failover at once, no unreachable report', () => {
    const { h, client, user } = pingPongPool();
    h.run(5_500);
    const first = user.session.poolElementId!;
    h.shutdown(first);
    h.run(100);
    assert.equal(user.session.state, 'up');
    assert.notEqual(user.session.poolElementId, first);
    assert.ok(h.runUntil(() => user.session.state === 'closed', 60_000));
    assert.deepEqual(
      client.answered,
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    assert.deepEqual(h.reports, []);
    assert.equal(user.events.find((e) => e.kind === 'failoverNeeded')?.kind, 'failoverNeeded');
    assert.deepEqual(
      user.events.filter((e) => e.kind === 'failoverNeeded'),
      [{ kind: 'failoverNeeded', reason: 'peerShutdown', pe: first }],
    );
  });
});

describe('Ping-Pong guarantee under random PE deaths (property)', () => {
  it('every Ping is answered exactly once, in order, with continuous ReplyNos, whatever the kill instants and latency', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 25_000 }), { minLength: 1, maxLength: 2 }),
        fc.constantFrom('kill' as const, 'shutdown' as const),
        fc.boolean(),
        (latencyMs, killAt, how, report) => {
          const h = new PoolHarness(latencyMs, 300 + latencyMs);
          for (const id of [1, 2, 3]) h.addPe(id, new PingPongService());
          const client = new PingPongClient({ intervalMs: 700, count: 40 });
          const user = h.addUser<PingPongClientEvent>('ppc', client, { reportUnreachable: report });
          h.open(user);
          let t = 0;
          for (const at of [...killAt].sort((a, b) => a - b)) {
            h.run(at - t);
            t = at;
            const pe = user.session.poolElementId;
            if (pe === undefined || !h.pes.get(pe)!.alive) continue;
            if (how === 'kill') h.kill(pe);
            else h.shutdown(pe);
          }
          assert.ok(
            h.runUntil(() => user.session.state === 'closed', 120_000),
            `closed (state ${user.session.state})`,
          );
          assert.deepEqual(
            client.answered,
            Array.from({ length: 40 }, (_, i) => i + 1),
          );
          const s = client.statistics;
          assert.equal(s.duplicatePongs + s.outOfOrderPongs + s.replyNoErrors, 0);
          const replies = user.clientEvents.flatMap((e) => (e.kind === 'pong' ? [e.replyNo] : []));
          assert.deepEqual(
            replies,
            Array.from({ length: 40 }, (_, i) => i + 1),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
