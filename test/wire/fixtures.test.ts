// The RSPLIB 3.4.4 captures (test/fixtures/rsplib, copied from ../shared): every ASAP/ENRP message RSPLIB sent must decode
// and re-encode to exactly the same bytes; every hand-made message of scenario D must give the outcome
// stated below, and where RSPLIB answered with an Error our DecodeError must yield the same cause.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/base/index.js';
import {
  type AsapMessage,
  decodeErrorCause,
  decodeMessage,
  ErrorCause,
  encodeMessage,
  messageFromJson,
  messageToJson,
} from '../../src/wire/index.js';
import {
  bytesOf,
  type FixtureMessage,
  loadFixture,
  protocolOf,
  rserpoolMessages,
} from './rsplib-fixtures.js';

describe('RSPLIB captures: decode -> encode gives the same bytes', () => {
  const all = rserpoolMessages().filter((m) => m.origin !== 'crafted');

  it(`all ${all.length} RSPLIB ASAP/ENRP messages of A, C and D`, () => {
    assert.ok(all.length > 1900, `expected the full captures, got ${all.length} messages`);
    const kinds = new Set<string>();
    for (const m of all) {
      const protocol = protocolOf(m);
      const r = decodeMessage(protocol, bytesOf(m));
      assert.ok(r.ok, `${m.file}#${m.frame} ${m.typeName}: ${r.ok ? '' : r.error.reason}`);
      kinds.add(`${protocol}:${r.value.kind}`);
      assert.equal(toHex(encodeMessage(protocol, r.value)), m.hex, `${m.file}#${m.frame} ${m.typeName}`);
    }
    // Every type RSPLIB sent in these captures (README coverage table).
    for (const k of [
      'asap:registration',
      'asap:deregistration',
      'asap:registrationResponse',
      'asap:deregistrationResponse',
      'asap:handleResolution',
      'asap:handleResolutionResponse',
      'asap:endpointKeepAlive',
      'asap:endpointKeepAliveAck',
      'asap:endpointUnreachable',
      'asap:serverAnnounce',
      'asap:cookie',
      'asap:cookieEcho',
      'asap:error',
      'enrp:presence',
      'enrp:handleTableResponse',
      'enrp:listResponse',
      'enrp:initTakeoverAck',
      'enrp:error',
    ]) {
      assert.ok(kinds.has(k), `no ${k} decoded`);
    }
  });

  it('every distinct message also survives decode -> JSON -> fromJson -> encode', () => {
    const seen = new Set<string>();
    for (const m of all) {
      if (seen.has(m.hex)) continue;
      seen.add(m.hex);
      const protocol = protocolOf(m);
      const r = decodeMessage(protocol, bytesOf(m));
      assert.ok(r.ok);
      const json = JSON.parse(JSON.stringify(messageToJson(protocol, r.value)));
      const back = messageFromJson(json);
      assert.ok(back.ok, `${m.file}#${m.frame}: ${back.ok ? '' : back.error}`);
      assert.equal(toHex(encodeMessage(back.value.protocol, back.value.message as AsapMessage)), m.hex);
    }
  });

  it('decodes the fields of known messages', () => {
    const a = loadFixture('A-single-pr');
    const frame = (n: number): FixtureMessage => a.find((m) => m.frame === n)!;
    // pe01's first Registration: home registrar 0, life 90000 ms, SCTP data+control at 10.77.0.2.
    const reg = decodeMessage('asap', bytesOf(frame(22)));
    assert.ok(reg.ok && reg.value.kind === 'registration');
    assert.deepEqual(reg.value.poolElement, {
      id: 0xa0000101,
      homeRegistrarId: 0,
      registrationLife: 90000,
      userTransport: { kind: 'sctp', port: 59305, transportUse: 'dataAndControl', addresses: ['10.77.0.2'] },
      policy: { name: 'RoundRobin' },
    });
    // pe14: LeastUsedDegradationDPF with degradation 0.1, load DPF 0.3, distance 0.
    const dpf = decodeMessage('asap', bytesOf(frame(213)));
    assert.ok(dpf.ok && dpf.value.kind === 'registration');
    assert.deepEqual(dpf.value.poolElement.policy, {
      name: 'LeastUsedDegradationDPF',
      load: 0,
      loadDegradation: 0x1999999a,
      loadDpf: 0x4ccccccc,
      distance: 0,
    });
    // pe18's reject: R flag and an Operation Error cause 0x0005 without data (notes §9 item 17).
    const rej = decodeMessage('asap', bytesOf(frame(298)));
    assert.ok(rej.ok && rej.value.kind === 'registrationResponse');
    assert.equal(rej.value.reject, true);
    assert.deepEqual(rej.value.operationError, {
      causes: [{ cause: ErrorCause.InconsistentPoolingPolicy, data: new Uint8Array(0) }],
    });
  });
});

type Expected =
  | { readonly outcome: 'decodes'; readonly kind: string; readonly why: string }
  | { readonly outcome: 'error'; readonly cause: number; readonly silent: boolean; readonly why: string };

/** The hand-made messages of scenario D by frame: what we must do with each, and why. */
const CRAFTED: Record<number, Expected> = {
  36: { outcome: 'decodes', kind: 'handleResolution', why: 'HR option items=0xffffffff is valid' },
  54: {
    outcome: 'error',
    cause: ErrorCause.UnrecognizedParameter,
    silent: false,
    why: 'TLV 0x4123 has action bits 01: stop and report; RSPLIB answers cause 0x0001 + TLV copy',
  },
  69: {
    outcome: 'error',
    cause: ErrorCause.UnrecognizedParameter,
    silent: true,
    why: 'TLV 0x0123 has action bits 00: stop, discard silently; RSPLIB sends nothing',
  },
  85: {
    outcome: 'decodes',
    kind: 'handleResolution',
    why: 'TLV 0xc123 has action bits 11: skip (kept in `unrecognized` for a report; RSPLIB does not report)',
  },
  100: {
    outcome: 'error',
    cause: ErrorCause.RsplibInvalidMessage,
    silent: false,
    why: 'header length 256 exceeds the data; RSPLIB answers 0x0010 without data',
  },
  118: {
    outcome: 'error',
    cause: ErrorCause.UnrecognizedMessage,
    silent: false,
    why: 'type 0x42 has action bits 01: RFC 5354 §4 says report; RSPLIB deviates and stays silent',
  },
  132: {
    outcome: 'decodes',
    kind: 'registration',
    why: 'PE id 0 is a registrar decision (0xf000), not a codec error',
  },
  150: {
    outcome: 'decodes',
    kind: 'registration',
    why: 'TCP into an SCTP pool is a registrar decision (0x100a)',
  },
  165: {
    outcome: 'decodes',
    kind: 'registration',
    why: 'address not on the association: registrar decision (0xf008)',
  },
  183: {
    outcome: 'error',
    cause: ErrorCause.RsplibUnsupportedPoolPolicy,
    silent: false,
    why: 'policy type 0x12345678 is unknown; RSPLIB answers an ASAP Error 0x100b without data',
  },
  200: { outcome: 'decodes', kind: 'registration', why: 'valid LeastUsedDegradation registration' },
  217: { outcome: 'decodes', kind: 'endpointKeepAliveAck', why: 'valid' },
  219: { outcome: 'decodes', kind: 'handleResolution', why: 'valid' },
  223: { outcome: 'decodes', kind: 'deregistration', why: 'valid' },
  234: { outcome: 'decodes', kind: 'endpointUnreachable', why: 'valid' },
  237: { outcome: 'decodes', kind: 'endpointUnreachable', why: 'valid' },
  245: { outcome: 'decodes', kind: 'endpointUnreachable', why: 'valid' },
  248: { outcome: 'decodes', kind: 'handleResolution', why: 'items=0 means the registrar default' },
  287: { outcome: 'decodes', kind: 'handleTableRequest', why: 'unknown sender: the registrar rejects (R)' },
  304: { outcome: 'decodes', kind: 'listRequest', why: 'valid' },
  319: {
    outcome: 'error',
    cause: ErrorCause.RsplibInvalidValue,
    silent: false,
    why: 'PE Checksum TLV length 5 instead of 6; RSPLIB answers 0x0011 with the 5-byte TLV copy',
  },
  338: { outcome: 'decodes', kind: 'initTakeover', why: 'unknown target: the registrar acks' },
  354: {
    outcome: 'decodes',
    kind: 'initTakeover',
    why: 'target is the registrar itself: it answers with Presence',
  },
  372: { outcome: 'decodes', kind: 'presence', why: 'valid (R set)' },
  390: { outcome: 'decodes', kind: 'handleTableRequest', why: 'valid (W set)' },
  405: {
    outcome: 'decodes',
    kind: 'listRequest',
    why: 'a valid ENRP message; RSPLIB aborts because of the PPID/port, a transport-level decision',
  },
  412: {
    outcome: 'error',
    cause: ErrorCause.RsplibInvalidValue,
    silent: false,
    why: 'pool handle of 40 bytes > 32 (RSPLIB flags it invalid, then crashes); we refuse it in the decoder',
  },
};

describe('RSPLIB scenario D: the hand-made messages', () => {
  const d = loadFixture('D-errors');
  const crafted = d.filter((m) => m.origin === 'crafted');

  it('the table covers every crafted message', () => {
    assert.deepEqual(
      crafted.map((m) => m.frame),
      Object.keys(CRAFTED).map(Number),
    );
  });

  for (const m of crafted) {
    const exp = CRAFTED[m.frame]!;
    it(`frame ${m.frame} (port ${m.srcport}, ${m.typeName}): ${exp.why}`, () => {
      const r = decodeMessage(protocolOf(m), bytesOf(m));
      if (exp.outcome === 'decodes') {
        assert.ok(r.ok, r.ok ? '' : r.error.reason);
        assert.equal(r.value.kind, exp.kind);
        return;
      }
      assert.ok(!r.ok, 'expected a decode error');
      assert.equal(r.error.cause, exp.cause, r.error.reason);
      assert.equal(r.error.silent, exp.silent);
      assert.equal(r.error.messageType, m.type);
      // Where RSPLIB answered with an ASAP/ENRP Error, our cause (with its data) is the same.
      const reply = d.find(
        (x) => x.frame > m.frame && x.src === '10.77.0.2' && x.dstport === m.srcport && x.dst === m.src,
      );
      if (reply !== undefined && reply.typeName === 'Error') {
        const answer = decodeMessage(protocolOf(reply), bytesOf(reply));
        assert.ok(answer.ok && answer.value.kind === 'error');
        assert.deepEqual(answer.value.operationError.causes, [decodeErrorCause(r.error)]);
      }
    });
  }

  it("our error cause equals the cause of RSPLIB's Error reply for frames 54, 100, 183 and 319", () => {
    for (const [frame, replyFrame] of [
      [54, 56],
      [100, 102],
      [183, 185],
      [319, 321],
    ] as const) {
      const m = d.find((x) => x.frame === frame)!;
      const reply = d.find((x) => x.frame === replyFrame)!;
      const r = decodeMessage(protocolOf(m), bytesOf(m));
      const answer = decodeMessage(protocolOf(reply), bytesOf(reply));
      assert.ok(!r.ok && answer.ok && answer.value.kind === 'error');
      assert.deepEqual(answer.value.operationError.causes, [decodeErrorCause(r.error)], `frame ${frame}`);
    }
  });

  it('decodes from a view into a larger buffer (byteOffset != 0)', () => {
    const m = d.find((x) => x.frame === 38)!;
    const b = bytesOf(m);
    const big = new Uint8Array(b.length + 7);
    big.set(b, 5);
    const r = decodeMessage('asap', big.subarray(5, 5 + b.length));
    assert.ok(r.ok);
    assert.equal(toHex(encodeMessage('asap', r.value)), m.hex);
  });

  it('the unknown skip-and-report TLV of frame 85 is kept for a report and re-encoded', () => {
    const m = d.find((x) => x.frame === 85)!;
    const r = decodeMessage('asap', bytesOf(m));
    assert.ok(r.ok);
    assert.deepEqual(r.value.unrecognized, [Uint8Array.from([0xc1, 0x23, 0, 8, 1, 2, 3, 4])]);
    assert.equal(toHex(encodeMessage('asap', r.value)), m.hex);
  });
});
