import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/base/index.js';
import {
  CALCAPP_PPID,
  decodeCalcApp,
  decodeCalcAppCookie,
  decodeFgp,
  decodeFractalCookie,
  decodePingPong,
  decodePingPongCookie,
  encodeCalcApp,
  encodeCalcAppCookie,
  encodeFgp,
  encodeFractalCookie,
  encodePingPong,
  encodePingPongCookie,
  FGP_COOKIE_BYTES,
  FGP_END_MARK,
  type FgpMessage,
  type FractalParameter,
  PINGPONG_PPID,
} from '../../src/services/index.js';
import { decodeAsap, encodeAsap } from '../../src/wire/index.js';
import { bytesOf, type FixtureMessage, loadFixture } from '../wire/rsplib-fixtures.js';

type AppFixture = FixtureMessage & { readonly ppid: number | null; readonly tshark: string };

const all = (): AppFixture[] =>
  [...loadFixture('C-apps'), ...loadFixture('A-single-pr')] as unknown as AppFixture[];
const field = (tshark: string, name: string): number => {
  const m = new RegExp(`${name}=(\\d+)`).exec(tshark);
  assert.ok(m, `tshark text has ${name}: ${tshark}`);
  return Number(m[1]);
};

describe('Ping-Pong codec against RSPLIB (C-apps, A-single-pr)', () => {
  const msgs = all().filter((m) => m.protocol === 'pingpong');

  it('decodes every real Ping and Pong and re-encodes the same bytes', () => {
    assert.ok(msgs.length >= 280, `${msgs.length} messages`);
    for (const m of msgs) {
      assert.equal(m.ppid, PINGPONG_PPID);
      const bytes = bytesOf(m);
      const d = decodePingPong(bytes);
      assert.ok(d.ok, `${m.file} frame ${m.frame}: ${d.ok ? '' : d.error.reason}`);
      assert.equal(d.value.kind, m.type === 1 ? 'ping' : 'pong');
      assert.equal(toHex(encodePingPong(d.value)), m.hex, `${m.file} frame ${m.frame}`);
      if (d.value.kind === 'ping') assert.equal(d.value.messageNo, field(m.tshark, 'ping_messageno'));
      else {
        assert.equal(d.value.messageNo, field(m.tshark, 'pong_messageno'));
        assert.equal(d.value.replyNo, field(m.tshark, 'pong_replyno'));
      }
    }
  });

  it('reads frame 154 of C-apps: Pong 1 with ReplyNo 1 echoing the Ping data', () => {
    const pong = msgs.find((m) => m.file === 'C-apps' && m.frame === 154)!;
    const ping = msgs.find((m) => m.file === 'C-apps' && m.frame === 151)!;
    const p = decodePingPong(bytesOf(pong));
    const q = decodePingPong(bytesOf(ping));
    assert.ok(p.ok && p.value.kind === 'pong' && q.ok && q.value.kind === 'ping');
    assert.equal(p.value.messageNo, 1);
    assert.equal(p.value.replyNo, 1);
    assert.deepEqual(p.value.data, q.value.data);
    assert.match(new TextDecoder().decode(q.value.data), /^Nachricht: 1, Zeitstempel: \d+$/);
  });
});

describe('CalcApp codec against RSPLIB', () => {
  const msgs = all().filter((m) => m.protocol === 'calcapp');

  it('decodes every real CalcApp message and re-encodes the same bytes, as tshark reads them', () => {
    assert.ok(msgs.length >= 400, `${msgs.length} messages`);
    const kinds = new Set<string>();
    for (const m of msgs) {
      assert.equal(m.ppid, CALCAPP_PPID);
      const d = decodeCalcApp(bytesOf(m));
      assert.ok(d.ok, `${m.file} frame ${m.frame}`);
      kinds.add(d.value.kind);
      assert.equal(toHex(encodeCalcApp(d.value)), m.hex);
      assert.equal(d.value.jobId, field(m.tshark, 'message_jobid'));
      assert.equal(d.value.jobSize, field(m.tshark, 'message_jobsize'));
      assert.equal(d.value.completed, field(m.tshark, 'message_completed'));
    }
    assert.deepEqual([...kinds].sort(), ['accept', 'complete', 'keepAlive', 'keepAliveAck', 'request']);
  });

  it('reads the Complete of C-apps frame 2488', () => {
    const m = msgs.find((x) => x.file === 'C-apps' && x.frame === 2488)!;
    const d = decodeCalcApp(bytesOf(m));
    assert.deepEqual(d.ok && d.value, { kind: 'complete', jobId: 1, jobSize: 9658287, completed: 9658287 });
  });
});

describe('ASAP Cookies of RSPLIB PEs read as application cookies', () => {
  const control = all().filter((m) => m.protocol === 'asap' && (m.type === 0x0b || m.type === 0x0c));

  it('every Cookie and Cookie Echo payload is a Ping-Pong or CalcApp cookie that re-encodes byte-exact', () => {
    let pingPong = 0;
    let calcApp = 0;
    let echoes = 0;
    for (const m of control) {
      const d = decodeAsap(bytesOf(m));
      assert.ok(d.ok && (d.value.kind === 'cookie' || d.value.kind === 'cookieEcho'), `frame ${m.frame}`);
      if (d.value.kind === 'cookieEcho') echoes++;
      const cookie = d.value.cookie;
      const pp = decodePingPongCookie(cookie);
      const ca = decodeCalcAppCookie(cookie);
      assert.ok(pp.ok !== ca.ok, `frame ${m.frame}: exactly one protocol matches`);
      if (pp.ok) {
        pingPong++;
        assert.deepEqual(encodePingPongCookie(pp.value), cookie);
      } else if (ca.ok) {
        calcApp++;
        assert.deepEqual(encodeCalcAppCookie(ca.value), cookie);
      }
      assert.equal(toHex(encodeAsap(d.value)), m.hex);
    }
    assert.ok(pingPong > 100 && calcApp > 100 && echoes >= 7, `${pingPong} ${calcApp} ${echoes}`);
  });

  it('the Ping-Pong cookie after Pong n carries n + 1 (C-apps frames 154, 156)', () => {
    const m = control.find((x) => x.file === 'C-apps' && x.frame === 156)!;
    const d = decodeAsap(bytesOf(m));
    assert.ok(d.ok && d.value.kind === 'cookie');
    assert.deepEqual(decodePingPongCookie(d.value.cookie), { ok: true, value: { replyNo: 2 } });
  });

  it('the CalcApp Cookie Echo of frame 780 resumes job 1 at 2421220 calculations', () => {
    const m = control.find((x) => x.file === 'C-apps' && x.frame === 780)!;
    const d = decodeAsap(bytesOf(m));
    assert.ok(d.ok && d.value.kind === 'cookieEcho');
    assert.deepEqual(decodeCalcAppCookie(d.value.cookie), {
      ok: true,
      value: { jobId: 1, jobSize: 0x2994b8e, completed: 0x24f1e4 },
    });
  });
});

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => Number.parseInt(b, 16)));

describe('application codec failures', () => {
  const cases: [string, () => { ok: boolean }][] = [
    ['Ping-Pong: 3 bytes', () => decodePingPong(hex('010000'))],
    ['Ping-Pong: length field too big', () => decodePingPong(hex('0100000d0000000000000001'))],
    ['Ping-Pong: Ping without MessageNo', () => decodePingPong(hex('01000004'))],
    ['Ping-Pong: Pong without ReplyNo', () => decodePingPong(hex('0200000c0000000000000001'))],
    ['Ping-Pong: type 3', () => decodePingPong(hex('0300000c0000000000000001'))],
    ['Ping-Pong: MessageNo 2^63', () => decodePingPong(hex('0100000c8000000000000000'))],
    ['Ping-Pong cookie: wrong id', () => decodePingPongCookie(hex('3c50502d5444323e0000000000000002'))],
    ['Ping-Pong cookie: 15 bytes', () => decodePingPongCookie(hex('3c50502d5444313e00000000000002'))],
    ['CalcApp: 20 bytes', () => decodeCalcApp(hex('0100001400000001000000000000000000000000'))],
    ['CalcApp: type 8', () => decodeCalcApp(hex('080000180000000100000000000000000000000000000000'))],
    ['CalcApp: type 0', () => decodeCalcApp(hex('000000180000000100000000000000000000000000000000'))],
    ['CalcApp cookie: 24 bytes', () => decodeCalcAppCookie(new Uint8Array(24))],
    [
      'CalcApp cookie: Completed > JobSize',
      () => decodeCalcAppCookie(hex('0000000100000000000000010000000000000002')),
    ],
    ['FGP: Parameter of 56 bytes', () => decodeFgp(new Uint8Array([1, 0, 0, 56, ...new Uint8Array(52)]))],
    ['FGP: Data with 325 points', () => decodeFgp(dataWithPoints(325))],
    ['FGP: Data points/length mismatch', () => decodeFgp(hex('02000014000000000000000000000002aaaaaaaa'))],
    ['FGP cookie: wrong id', () => decodeFractalCookie(new Uint8Array(FGP_COOKIE_BYTES))],
  ];
  for (const [name, run] of cases) it(`rejects ${name}`, () => assert.equal(run().ok, false));

  it('no decoder throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        for (const d of [
          decodePingPong,
          decodePingPongCookie,
          decodeCalcApp,
          decodeCalcAppCookie,
          decodeFgp,
          decodeFractalCookie,
        ]) {
          d(b);
        }
        // with a matching length field too
        if (b.length >= 4) {
          const c = b.slice();
          c[2] = c.length >> 8;
          c[3] = c.length & 0xff;
          decodePingPong(c);
          decodeCalcApp(c);
          decodeFgp(c);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

function dataWithPoints(n: number): Uint8Array {
  const b = new Uint8Array(16 + 4 * n);
  b[0] = 2;
  new DataView(b.buffer).setUint16(2, b.length);
  new DataView(b.buffer).setUint32(12, n);
  return b;
}

const parameterArb: fc.Arbitrary<FractalParameter> = fc.record({
  width: fc.integer({ min: 1, max: 65536 }),
  height: fc.integer({ min: 1, max: 65536 }),
  maxIterations: fc.integer({ min: 0, max: 0xffffffff }),
  algorithmId: fc.constantFrom(1, 2, 7),
  c1Real: fc.double({ noNaN: true }),
  c1Imag: fc.double({ noNaN: true }),
  c2Real: fc.double({ noNaN: true }),
  c2Imag: fc.double({ noNaN: true }),
  n: fc.double({ noNaN: true }),
});

describe('FGP codec', () => {
  const p: FractalParameter = {
    width: 640,
    height: 480,
    maxIterations: 1024,
    algorithmId: 1,
    c1Real: -1.5,
    c1Imag: -1,
    c2Real: 0.5,
    c2Imag: 1,
    n: 2,
  };

  it('lays a Parameter out as the notes say: four u32 then five big-endian doubles, 60 bytes', () => {
    const b = encodeFgp({ kind: 'parameter', ...p });
    assert.equal(
      toHex(b),
      '0100003c' +
        '00000280000001e00000040000000001' +
        'bff8000000000000bff00000000000003fe00000000000003ff00000000000004000000000000000',
    );
    assert.deepEqual(decodeFgp(b), { ok: true, value: { kind: 'parameter', ...p } });
  });

  it('lays a Data message out with StartX, StartY, Points and u32 values; the end marker has no points', () => {
    assert.equal(
      toHex(encodeFgp({ kind: 'data', startX: 3, startY: 4, values: [1, 0xffffffff] })),
      '020000180000000300000004000000020000000' + '1ffffffff',
    );
    const end = encodeFgp({ kind: 'data', startX: FGP_END_MARK, startY: FGP_END_MARK, values: [] });
    assert.equal(toHex(end), '02000010ffffffffffffffff00000000');
    assert.equal(
      encodeFgp({ kind: 'data', startX: 0, startY: 0, values: new Array(324).fill(7) }).length,
      1312,
    );
    assert.throws(() => encodeFgp({ kind: 'data', startX: 0, startY: 0, values: new Array(325).fill(7) }));
  });

  it('writes the cookie as <FG-TD1>, a Parameter with Length 4 (as RSPLIB), CurrentX, CurrentY; reads Length 60 too', () => {
    const c = encodeFractalCookie({ parameter: p, currentX: 5, currentY: 77 });
    assert.equal(c.length, 76);
    assert.equal(new TextDecoder().decode(c.subarray(0, 8)), '<FG-TD1>');
    assert.equal(toHex(c.subarray(8, 12)), '01000004');
    assert.equal(toHex(c.subarray(68)), '000000050000004d');
    assert.deepEqual(decodeFractalCookie(c), {
      ok: true,
      value: { parameter: p, currentX: 5, currentY: 77 },
    });
    const c60 = c.slice();
    c60[11] = 60;
    assert.ok(decodeFractalCookie(c60).ok);
  });

  it('round-trips arbitrary messages and cookies', () => {
    const msgArb: fc.Arbitrary<FgpMessage> = fc.oneof(
      parameterArb.map((q) => ({ kind: 'parameter' as const, ...q })),
      fc.record({
        kind: fc.constant('data' as const),
        startX: fc.nat({ max: 0xffffffff }),
        startY: fc.nat({ max: 0xffffffff }),
        values: fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 324 }),
      }),
    );
    fc.assert(
      fc.property(msgArb, (m) => {
        const b = encodeFgp(m);
        assert.deepEqual(decodeFgp(b), { ok: true, value: { ...m } });
      }),
    );
    fc.assert(
      fc.property(parameterArb, fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), (q, x, y) => {
        assert.deepEqual(
          decodeFractalCookie(encodeFractalCookie({ parameter: q, currentX: x, currentY: y })),
          {
            ok: true,
            value: { parameter: { ...q }, currentX: x, currentY: y },
          },
        );
      }),
    );
  });
});

describe('Ping-Pong and CalcApp round trips', () => {
  const u64 = fc.nat({ max: Number.MAX_SAFE_INTEGER });
  it('encode → decode is the identity', () => {
    fc.assert(
      fc.property(u64, u64, fc.uint8Array({ maxLength: 100 }), fc.boolean(), (a, b, data, ping) => {
        const m = ping
          ? { kind: 'ping' as const, messageNo: a, data }
          : { kind: 'pong' as const, messageNo: a, replyNo: b, data };
        assert.deepEqual(decodePingPong(encodePingPong(m)), { ok: true, value: m });
        assert.deepEqual(decodePingPongCookie(encodePingPongCookie({ replyNo: a })), {
          ok: true,
          value: { replyNo: a },
        });
      }),
    );
    const kinds = ['request', 'accept', 'reject', 'abort', 'complete', 'keepAlive', 'keepAliveAck'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.nat({ max: 0xffffffff }), u64, u64, (kind, jobId, x, y) => {
        const m = { kind, jobId, jobSize: x, completed: y };
        assert.deepEqual(decodeCalcApp(encodeCalcApp(m)), { ok: true, value: m });
        const c = { jobId, jobSize: Math.max(x, y), completed: Math.min(x, y) };
        assert.deepEqual(decodeCalcAppCookie(encodeCalcAppCookie(c)), { ok: true, value: c });
      }),
    );
  });
});
