import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeFgp,
  decodeFractalCookie,
  encodeFgp,
  encodeFractalCookie,
  encodePng,
  FGP_END_MARK,
  FractalClient,
  type FractalClientEvent,
  type FractalParameter,
  FractalService,
  fractalPoint,
  fractalToPng,
  type ServiceAction,
} from '../../src/services/index.js';
import { PoolHarness } from '../session/pool-harness.js';

const parameter: FractalParameter = {
  width: 64,
  height: 48,
  maxIterations: 64,
  algorithmId: 1,
  c1Real: -1.5,
  c1Imag: -1.2,
  c2Real: 2.5,
  c2Imag: 1.2,
  n: 2,
};

describe('fractalPoint (RSPLIB: z ← z² − c, escape at |z|² ≥ 2)', () => {
  it('points of the set reach MaxIterations, far points escape at once', () => {
    const p = { ...parameter, width: 4, height: 4, c1Real: 0, c1Imag: 0, c2Real: 4, c2Imag: 4 };
    assert.equal(fractalPoint(p, 0, 0), 64); // c = 0
    assert.equal(fractalPoint(p, 3, 3), 0); // c = 3 + 3i: |z1|² = 18
    assert.equal(fractalPoint({ ...p, algorithmId: 9 }, 0, 0), 0);
    // c = 1 (x = 1): z1 = −1, z2 = 0, ... a cycle: in the set for z ← z² − c.
    assert.equal(fractalPoint(p, 1, 0), 64);
  });

  it('MandelbrotN with N = 2 equals Mandelbrot', () => {
    for (let y = 0; y < parameter.height; y += 7) {
      for (let x = 0; x < parameter.width; x += 5) {
        assert.equal(fractalPoint({ ...parameter, algorithmId: 2 }, x, y), fractalPoint(parameter, x, y));
      }
    }
  });
});

const data = (a: ServiceAction[]) =>
  a.flatMap((x) => {
    if (x.kind !== 'send') return [];
    const d = decodeFgp(x.bytes);
    return d.ok && d.value.kind === 'data' ? [d.value] : [];
  });
const cookies = (a: ServiceAction[]) =>
  a.flatMap((x) => {
    if (x.kind !== 'sendCookie') return [];
    const c = decodeFractalCookie(x.cookie);
    return c.ok ? [[c.value.currentX, c.value.currentY]] : [];
  });

describe('FractalService', () => {
  it('streams the image in Data messages of 324 points with cookies at the start and every N messages, then the end marker', () => {
    const s = new FractalService({ cookieMaxPackets: 3, messagesPerWritable: 4, cookieMaxTimeMs: 60_000 });
    s.handle({ kind: 'sessionUp', now: 0, session: 1 });
    const a = s.handle({
      kind: 'message',
      now: 0,
      session: 1,
      ppid: 32,
      stream: 0,
      bytes: encodeFgp({ kind: 'parameter', ...parameter }),
    });
    assert.deepEqual(cookies(a), [
      [0, 0],
      [(3 * 324) % 64, Math.floor((3 * 324) / 64)],
    ]);
    const all = [...data(a)];
    while (all.at(-1)?.startX !== FGP_END_MARK)
      all.push(...data(s.handle({ kind: 'writable', now: 1, session: 1, roomBytes: 1 << 20 })));
    const points = all.slice(0, -1);
    assert.equal(points.length, Math.ceil((64 * 48) / 324));
    let i = 0;
    for (const d of points) {
      assert.equal(d.startY * 64 + d.startX, i);
      for (const v of d.values) {
        assert.equal(v, fractalPoint(parameter, i % 64, Math.floor(i / 64)));
        i++;
      }
    }
    assert.equal(i, 64 * 48);
    assert.deepEqual(all.at(-1), { kind: 'data', startX: FGP_END_MARK, startY: FGP_END_MARK, values: [] });
    assert.deepEqual(s.handle({ kind: 'writable', now: 2, session: 1, roomBytes: 1 << 20 }), []);
  });

  it("resumes from a Cookie Echo at the cookie's point", () => {
    const s = new FractalService({ messagesPerWritable: 1 });
    s.handle({ kind: 'sessionUp', now: 0, session: 1 });
    const cookie = encodeFractalCookie({ parameter, currentX: 10, currentY: 20 });
    const a = s.handle({ kind: 'cookieEcho', now: 0, session: 1, cookie });
    assert.deepEqual(cookies(a)[0], [10, 20]);
    assert.deepEqual(data(a)[0]?.startX, 10);
    assert.deepEqual(data(a)[0]?.startY, 20);
    // Not on a session that already started.
    assert.equal(s.handle({ kind: 'cookieEcho', now: 0, session: 1, cookie })[0]?.kind, 'notify');
  });

  it('aborts on bad parameters and after failureAfter Data messages (with a last cookie)', () => {
    const s = new FractalService();
    s.handle({ kind: 'sessionUp', now: 0, session: 1 });
    const bad = s.handle({
      kind: 'message',
      now: 0,
      session: 1,
      ppid: 32,
      stream: 0,
      bytes: encodeFgp({ kind: 'parameter', ...parameter, width: 0 }),
    });
    assert.equal(bad.at(-1)?.kind, 'abort');
    const f = new FractalService({ failureAfter: 2, messagesPerWritable: 8 });
    f.handle({ kind: 'sessionUp', now: 0, session: 2 });
    const a = f.handle({
      kind: 'message',
      now: 0,
      session: 2,
      ppid: 32,
      stream: 0,
      bytes: encodeFgp({ kind: 'parameter', ...parameter }),
    });
    assert.equal(data(a).length, 3);
    assert.deepEqual(
      a.slice(-3).map((x) => x.kind),
      ['sendCookie', 'notify', 'abort'],
    );
  });
});

describe('Fractal image over sessions with failover (virtual time)', () => {
  it('a PE killed mid-image: the image completes from the cookie, every point correct, both PEs recorded', () => {
    const h = new PoolHarness();
    const opts = { cookieMaxPackets: 2, messagesPerWritable: 1, cookieMaxTimeMs: 60_000 };
    h.addPe(1, new FractalService(opts), { flowControl: true });
    h.addPe(2, new FractalService(opts), { flowControl: true });
    const c = new FractalClient({ parameter });
    const user = h.addUser<FractalClientEvent>('fpu', c);
    h.open(user);
    h.runUntil(() => c.receivedPoints >= 1500, 10_000);
    const first = user.session.poolElementId!;
    h.kill(first);
    assert.ok(h.runUntil(() => c.state === 'done', 20_000));
    const done = user.clientEvents.find((e) => e.kind === 'completed');
    assert.ok(done && done.kind === 'completed');
    const img = done.image;
    assert.equal(img.missingPoints, 0);
    assert.equal(done.failovers, 1);
    for (let i = 0; i < img.iterations.length; i++) {
      assert.equal(img.iterations[i], fractalPoint(parameter, i % 64, Math.floor(i / 64)));
    }
    const owners = new Set(img.poolElementOf);
    assert.deepEqual([...owners].sort(), [1, 2]);
    // Row-major order: first PE's points come first.
    assert.equal(img.poolElementOf[0], first);
    assert.equal(user.session.state, 'closed');
    const png = encodePng(fractalToPng(img));
    assert.equal(png[1], 0x50);
  });

  it('without flow-control input the PE sends only its first burst; a data timeout then fails over and the next PE resumes from the cookie', () => {
    const h = new PoolHarness();
    h.addPe(1, new FractalService({ messagesPerWritable: 1 }));
    h.addPe(2, new FractalService({ messagesPerWritable: 1 }), { flowControl: true });
    const c = new FractalClient({ parameter, dataTimeoutMs: 1000 });
    const user = h.addUser<FractalClientEvent>('fpu', c, { reportUnreachable: false });
    h.open(user);
    assert.ok(h.runUntil(() => c.state === 'done', 30_000));
    assert.ok(user.clientEvents.some((e) => e.kind === 'dataTimeout'));
    assert.equal(c.image().missingPoints, 0);
  });
});

describe('Fractal under random PE deaths (property)', () => {
  it('the image is always complete and correct', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 2 }),
        fc.integer({ min: 1, max: 20 }),
        (kills, latency) => {
          const h = new PoolHarness(latency, 300);
          for (const id of [1, 2, 3])
            h.addPe(id, new FractalService({ messagesPerWritable: 1, cookieMaxPackets: 3 }), {
              flowControl: true,
            });
          const c = new FractalClient({ parameter });
          const user = h.addUser<FractalClientEvent>('fpu', c);
          h.open(user);
          for (const at of kills) {
            h.runUntil(() => c.receivedPoints >= at, 60_000);
            const pe = user.session.poolElementId;
            if (c.state !== 'done' && pe !== undefined && h.pes.get(pe)!.alive) h.kill(pe);
          }
          assert.ok(h.runUntil(() => c.state === 'done', 60_000));
          const img = c.image();
          assert.equal(img.missingPoints, 0);
          for (let i = 0; i < img.iterations.length; i++) {
            assert.equal(img.iterations[i], fractalPoint(parameter, i % 64, Math.floor(i / 64)));
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
