import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CalcAppClient,
  type CalcAppClientEvent,
  type CalcAppMessage,
  CalcAppService,
  decodeCalcApp,
  decodeCalcAppCookie,
  encodeCalcApp,
  encodeCalcAppCookie,
  type ServiceAction,
} from '../../src/services/index.js';
import { PoolHarness } from '../session/pool-harness.js';

const msg = (m: CalcAppMessage) => encodeCalcApp(m);
const req = (jobId: number, jobSize: number) => msg({ kind: 'request', jobId, jobSize, completed: 0 });
const out = (a: ServiceAction[]) =>
  a.flatMap((x) => {
    if (x.kind === 'send') {
      const d = decodeCalcApp(x.bytes);
      return d.ok
        ? [`${x.session}:${d.value.kind}:${d.value.jobId}:${d.value.jobSize}:${d.value.completed}`]
        : ['?'];
    }
    if (x.kind === 'sendCookie') {
      const c = decodeCalcAppCookie(x.cookie);
      return c.ok ? [`${x.session}:cookie:${c.value.jobId}:${c.value.jobSize}:${c.value.completed}`] : ['?'];
    }
    if (x.kind === 'notify') return [];
    return [`${x.session}:${x.kind}`];
  });

describe('CalcAppService (virtual time)', () => {
  const opts = {
    capacity: 1_000_000,
    maxJobs: 2,
    keepAliveTransmissionIntervalMs: 2000,
    keepAliveTimeoutIntervalMs: 2000,
    cookieMaxTimeMs: 500,
  };

  it('accepts, computes at its capacity, sends cookies every cookieMaxTime and Complete at the end', () => {
    const s = new CalcAppService(opts);
    s.handle({ kind: 'sessionUp', now: 0, session: 1 });
    assert.deepEqual(
      out(s.handle({ kind: 'message', now: 0, session: 1, ppid: 34, stream: 0, bytes: req(7, 1_200_000) })),
      ['1:accept:7:0:0'],
    );
    assert.equal(s.load, 0.5);
    assert.equal(s.nextDeadline(), 500);
    assert.deepEqual(out(s.handle({ kind: 'tick', now: 500 })), ['1:cookie:7:1200000:500000']);
    assert.deepEqual(out(s.handle({ kind: 'tick', now: 1000 })), ['1:cookie:7:1200000:1000000']);
    assert.equal(s.nextDeadline(), 1200);
    assert.deepEqual(out(s.handle({ kind: 'tick', now: 1200 })), ['1:complete:7:1200000:1200000']);
    assert.equal(s.jobCount, 0);
  });

  it('shares its capacity among jobs (processor sharing): the survivor speeds up when a job ends', () => {
    const s = new CalcAppService({ ...opts, cookieMaxTimeMs: 100_000, cookieMaxCalculations: 1e12 });
    s.handle({ kind: 'sessionUp', now: 0, session: 1 });
    s.handle({ kind: 'sessionUp', now: 0, session: 2 });
    s.handle({ kind: 'message', now: 0, session: 1, ppid: 34, stream: 0, bytes: req(1, 500_000) });
    s.handle({ kind: 'message', now: 0, session: 2, ppid: 34, stream: 0, bytes: req(2, 1_000_000) });
    // Both at 500k/s: job 1 ends at 1 s; job 2 has 500k left, then runs at 1M/s: ends at 1.5 s.
    assert.equal(s.nextDeadline(), 1000);
    assert.deepEqual(out(s.handle({ kind: 'tick', now: 1000 })), ['1:complete:1:500000:500000']);
    assert.deepEqual(s.jobOf(2), { jobId: 2, jobSize: 1_000_000, completed: 500_000 });
    assert.equal(s.nextDeadline(), 1500);
    assert.deepEqual(out(s.handle({ kind: 'tick', now: 1500 })).slice(-1), ['2:complete:2:1000000:1000000']);
  });

  it('rejects jobs beyond maxJobs and a second job on a busy session', () => {
    const s = new CalcAppService(opts);
    for (const r of [1, 2, 3]) s.handle({ kind: 'sessionUp', now: 0, session: r });
    s.handle({ kind: 'message', now: 0, session: 1, ppid: 34, stream: 0, bytes: req(1, 1e6) });
    assert.deepEqual(
      out(s.handle({ kind: 'message', now: 0, session: 1, ppid: 34, stream: 0, bytes: req(9, 1e6) })),
      ['1:reject:9:0:0'],
    );
    s.handle({ kind: 'message', now: 0, session: 2, ppid: 34, stream: 0, bytes: req(2, 1e6) });
    assert.deepEqual(
      out(s.handle({ kind: 'message', now: 0, session: 3, ppid: 34, stream: 0, bytes: req(3, 1e6) })),
      ['3:reject:3:0:0'],
    );
  });

  it('answers KeepAlive with KeepAliveAck, sends its own KeepAlives, aborts a silent PU', () => {
    const s = new CalcAppService({ ...opts, cookieMaxTimeMs: 100_000 });
    s.handle({ kind: 'sessionUp', now: 0, session: 1 });
    s.handle({ kind: 'message', now: 0, session: 1, ppid: 34, stream: 0, bytes: req(1, 1e9) });
    assert.deepEqual(
      out(
        s.handle({
          kind: 'message',
          now: 10,
          session: 1,
          ppid: 34,
          stream: 0,
          bytes: msg({ kind: 'keepAlive', jobId: 1, jobSize: 0, completed: 0 }),
        }),
      ),
      ['1:keepAliveAck:1:0:0'],
    );
    assert.deepEqual(out(s.handle({ kind: 'tick', now: 2000 })), ['1:keepAlive:1:0:0']);
    s.handle({
      kind: 'message',
      now: 2010,
      session: 1,
      ppid: 34,
      stream: 0,
      bytes: msg({ kind: 'keepAliveAck', jobId: 1, jobSize: 0, completed: 0 }),
    });
    assert.deepEqual(out(s.handle({ kind: 'tick', now: 4000 })), ['1:keepAlive:1:0:0']);
    assert.deepEqual(out(s.handle({ kind: 'tick', now: 6000 })), ['1:abort']);
    assert.equal(s.sessionCount, 0);
  });

  it('resumes a job from a Cookie Echo (C-apps frame 780): Accept, a fresh cookie, then the rest', () => {
    const s = new CalcAppService(opts);
    s.handle({ kind: 'sessionUp', now: 0, session: 4 });
    const cookie = encodeCalcAppCookie({ jobId: 1, jobSize: 0x2994b8e, completed: 0x24f1e4 });
    assert.deepEqual(out(s.handle({ kind: 'cookieEcho', now: 0, session: 4, cookie })), [
      '4:accept:1:0:0',
      '4:cookie:1:43600782:2421220',
    ]);
    const remainingMs = (0x2994b8e - 0x24f1e4) / 1000;
    assert.equal(s.nextDeadline(), 500);
    assert.ok(Math.abs(s.nextDeadline()! - 500) < 1);
    const done = s.handle({ kind: 'tick', now: Math.ceil(remainingMs) });
    assert.ok(out(done).includes('4:complete:1:43600782:43600782'));
    // A second Cookie Echo on that session is refused.
    assert.equal(s.handle({ kind: 'cookieEcho', now: 1, session: 4, cookie })[0]?.kind, 'notify');
  });
});

describe('CalcApp over sessions with failover (virtual time)', () => {
  const service = () =>
    new CalcAppService({
      capacity: 1_000_000,
      cookieMaxTimeMs: 500,
      keepAliveTransmissionIntervalMs: 1000,
      keepAliveTimeoutIntervalMs: 1000,
    });
  const client = (jobSize: number) =>
    new CalcAppClient({
      jobId: 1,
      jobSize,
      keepAliveTransmissionIntervalMs: 1000,
      keepAliveTimeoutIntervalMs: 1000,
    });

  it('completes a job on one PE in jobSize / capacity', () => {
    const h = new PoolHarness();
    h.addPe(1, service());
    const c = client(3_000_000);
    const user = h.addUser<CalcAppClientEvent>('cc', c);
    h.open(user);
    assert.ok(h.runUntil(() => c.state === 'done', 10_000));
    const r = c.report!;
    assert.equal(r.failovers, 0);
    const ms = r.completedAt - r.startedAt;
    assert.ok(ms >= 3000 && ms < 3050, `${ms} ms`);
  });

  it('a PE killed mid-job: the job resumes on another PE from the last cookie; work lost ≤ one cookie interval', () => {
    const h = new PoolHarness();
    h.addPe(1, service());
    h.addPe(2, service());
    const c = client(3_000_000);
    const user = h.addUser<CalcAppClientEvent>('cc', c);
    h.open(user);
    h.run(1_700);
    const first = user.session.poolElementId!;
    h.kill(first);
    assert.ok(h.runUntil(() => c.state === 'done', 20_000));
    const r = c.report!;
    assert.equal(r.failovers, 1);
    assert.equal(r.resumedFromCookie, 1);
    assert.equal(r.restarts, 0);
    assert.equal(r.poolElements.length, 2);
    assert.notEqual(r.poolElements[1], first);
    // The cookie at ~1.5 s said ~1.48M calculations were done.
    assert.ok(
      r.cookieProgress[0]! > 1_400_000 && r.cookieProgress[0]! <= 1_700_000,
      `${r.cookieProgress[0]}`,
    );
    // Total ≈ 1.7 s + 300 ms loss detection + 30 ms failover + (3M − cookie) / 1M per s.
    const ms = r.completedAt - r.startedAt;
    const expected = 1_700 + 300 + (3_000_000 - r.cookieProgress[0]!) / 1000;
    assert.ok(Math.abs(ms - expected) < 60, `${ms} vs ${expected}`);
    assert.deepEqual(
      h.reports.map((x) => x.poolElementId),
      [first],
    );
    const peEvents = h.pes.get(r.poolElements[1]!)!.serviceEvents;
    assert.deepEqual(peEvents[0], {
      kind: 'jobAccepted',
      session: (peEvents[0] as { session: number }).session,
      jobId: 1,
      resumed: true,
    });
  });

  it("a hung PE (SIGSTOP, association still up): the client's keep-alive timeout fails over and reports it (calcappclient)", () => {
    const h = new PoolHarness();
    h.addPe(1, service());
    h.addPe(2, service());
    const c = client(3_000_000);
    const user = h.addUser<CalcAppClientEvent>('cc', c, { reportUnreachable: false });
    h.open(user);
    h.run(1_200);
    const first = user.session.poolElementId!;
    h.freeze(first);
    assert.ok(h.runUntil(() => c.state === 'done', 20_000));
    assert.ok(user.clientEvents.some((e) => e.kind === 'keepAliveTimeout'));
    assert.deepEqual(
      h.reports.map((x) => x.poolElementId),
      [first],
    );
    assert.equal(c.report!.resumedFromCookie, 1);
    assert.deepEqual(
      user.events.filter((e) => e.kind === 'failoverNeeded'),
      [{ kind: 'failoverNeeded', reason: 'application', pe: first }],
    );
  });

  it('a kill before the first cookie: the job restarts from zero on the new PE', () => {
    const h = new PoolHarness();
    h.addPe(1, service());
    h.addPe(2, service());
    const c = client(1_000_000);
    const user = h.addUser<CalcAppClientEvent>('cc', c);
    h.open(user);
    h.run(200);
    h.kill(user.session.poolElementId!);
    assert.ok(h.runUntil(() => c.state === 'done', 20_000));
    assert.equal(c.report!.restarts, 1);
    assert.equal(c.report!.resumedFromCookie, 0);
  });

  it('a full PE rejects; the client fails over to another PE', () => {
    const h = new PoolHarness();
    h.addPe(1, new CalcAppService({ maxJobs: 0 }));
    h.addPe(2, service());
    const c = client(500_000);
    const user = h.addUser<CalcAppClientEvent>('cc', c, { reportUnreachable: false });
    h.open(user);
    assert.ok(h.runUntil(() => c.state === 'done', 20_000));
    assert.equal(c.report!.poolElements.at(-1), 2);
  });
});

describe('CalcApp under random PE deaths (property)', () => {
  it('the job always completes; each failover with a cookie loses at most one cookie interval of work', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 50, max: 4_000 }), { minLength: 1, maxLength: 2 }),
        fc.boolean(),
        (gaps, report) => {
          const h = new PoolHarness();
          for (const id of [1, 2, 3]) {
            h.addPe(
              id,
              new CalcAppService({
                capacity: 1_000_000,
                cookieMaxTimeMs: 500,
                keepAliveTransmissionIntervalMs: 1000,
                keepAliveTimeoutIntervalMs: 1000,
              }),
            );
          }
          const c = new CalcAppClient({
            jobSize: 4_000_000,
            keepAliveTransmissionIntervalMs: 1000,
            keepAliveTimeoutIntervalMs: 1000,
          });
          const user = h.addUser<CalcAppClientEvent>('cc', c, { reportUnreachable: report });
          h.open(user);
          for (const gap of gaps) {
            h.run(gap);
            const pe = user.session.poolElementId;
            if (c.state === 'done' || pe === undefined || !h.pes.get(pe)!.alive) continue;
            h.kill(pe);
          }
          assert.ok(
            h.runUntil(() => c.state === 'done', 60_000),
            `state ${c.state}`,
          );
          const r = c.report!;
          const ms = r.completedAt - r.startedAt;
          assert.ok(ms >= 4_000, `${ms}`);
          // Per failover: ≤ 300 ms to notice + ≤ 500 ms of work since the last cookie + ~30 ms to reconnect,
          // or the whole work so far when no cookie existed yet (a restart, which happens only before 500 ms).
          assert.ok(ms <= 4_000 + r.failovers * (300 + 500 + 60), `${ms} ms with ${r.failovers} failovers`);
        },
      ),
      { numRuns: 40 },
    );
  });
});
