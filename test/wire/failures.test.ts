// Failure tables: too short, too long, bad lengths, wrong and unknown types, nested bad TLVs. Each row
// states the cause the decoder must give (RFC 5354 §3.12, or RSPLIB's code where RSPLIB answers with one).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../src/base/index.js';
import {
  decodeErrorCause,
  decodeMessage,
  ErrorCause,
  type Protocol,
  parametersToReport,
} from '../../src/wire/index.js';

const hex = (s: string): string => s.replace(/\s+/g, '');
const u16 = (n: number): string => n.toString(16).padStart(4, '0');
const u32 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/** A TLV with its length computed and its padding added. */
function tlv(type: number, value: string): string {
  const v = hex(value);
  return u16(type) + u16(4 + v.length / 2) + v + '00'.repeat((4 - ((v.length / 2) % 4)) % 4);
}
/** A TLV whose length field is given explicitly (for bad lengths); no padding is added. */
function rawTlv(type: number, length: number, value: string): string {
  return u16(type) + u16(length) + hex(value);
}
/** A message with its length computed from the parts. */
function msg(type: number, flags: number, ...parts: string[]): string {
  const body = parts.map(hex).join('');
  return (
    type.toString(16).padStart(2, '0') + flags.toString(16).padStart(2, '0') + u16(4 + body.length / 2) + body
  );
}

const HANDLE = tlv(0x0009, '4563686f506f6f6c'); // "EchoPool"
const PE_ID = tlv(0x000e, '11223344');
const V4 = tlv(0x0001, '0a000001');
const SCTP = (use = 0, addrs = V4): string => tlv(0x0004, `0007${u16(use)}${addrs}`);
const RR = tlv(0x0008, '00000001');
const PE = (transport = SCTP(1), policy = RR, extra = ''): string =>
  tlv(0x000a, `11223344 00000000 00007530 ${transport} ${policy} ${extra}`);
const IDS = 'aaaaaaaa bbbbbbbb';

interface Row {
  readonly name: string;
  readonly protocol: Protocol;
  readonly hex: string;
  readonly cause: number;
  readonly silent?: boolean;
  /** The offending bytes, when the row checks them. */
  readonly offending?: string;
}

const C = ErrorCause;

const ROWS: Row[] = [
  // --- too short / length field versus data (RSPLIB answers 0x0010) ---
  { name: 'empty input', protocol: 'asap', hex: '', cause: C.RsplibInvalidMessage },
  { name: '3 bytes', protocol: 'enrp', hex: '010000', cause: C.RsplibInvalidMessage },
  {
    name: 'header length exceeds data',
    protocol: 'asap',
    hex: '05000100 0009000c 4563686f506f6f6c',
    cause: C.RsplibInvalidMessage,
  },
  { name: 'header length below 4', protocol: 'asap', hex: '05000002', cause: C.RsplibInvalidMessage },
  {
    name: 'data longer than length + padding',
    protocol: 'asap',
    hex: `${msg(5, 0, HANDLE)}00000000`,
    cause: C.RsplibInvalidMessage,
  },
  { name: 'Keep Alive without server id', protocol: 'asap', hex: '07000004', cause: C.RsplibInvalidMessage },
  {
    name: 'Server Announce of 6 bytes',
    protocol: 'asap',
    hex: '0a000006a000',
    cause: C.RsplibInvalidMessage,
  },
  {
    name: 'ENRP message without receiver id',
    protocol: 'enrp',
    hex: '05000008 aaaaaaaa',
    cause: C.RsplibInvalidMessage,
  },
  {
    name: 'Init Takeover without target',
    protocol: 'enrp',
    hex: msg(7, 0, IDS),
    cause: C.RsplibInvalidMessage,
  },
  {
    name: 'Handle Update without action',
    protocol: 'enrp',
    hex: msg(4, 0, IDS),
    cause: C.RsplibInvalidMessage,
  },

  // --- unknown message types (RFC 5354 §4 action bits) ---
  {
    name: 'ASAP type 0x00 (reserved, bits 00)',
    protocol: 'asap',
    hex: '00000004',
    cause: C.UnrecognizedMessage,
    silent: true,
  },
  {
    name: 'ASAP type 0x0f (bits 00)',
    protocol: 'asap',
    hex: '0f000004',
    cause: C.UnrecognizedMessage,
    silent: true,
  },
  {
    name: 'ASAP type 0x4f (bits 01: report)',
    protocol: 'asap',
    hex: '4f000004',
    cause: C.UnrecognizedMessage,
    silent: false,
    offending: '4f000004',
  },
  {
    name: 'ASAP type 0x8f (bits 10: reserved)',
    protocol: 'asap',
    hex: '8f000004',
    cause: C.UnrecognizedMessage,
    silent: true,
  },
  {
    name: 'ENRP type 0x0b',
    protocol: 'enrp',
    hex: msg(0x0b, 0, IDS),
    cause: C.UnrecognizedMessage,
    silent: true,
  },
  {
    name: 'ENRP type 0x41 (report)',
    protocol: 'enrp',
    hex: msg(0x41, 0, IDS),
    cause: C.UnrecognizedMessage,
    silent: false,
  },

  // --- TLV framing (Invalid Values) ---
  {
    name: 'TLV length 2',
    protocol: 'asap',
    hex: msg(5, 0, rawTlv(9, 2, '00000000')),
    cause: C.InvalidValues,
  },
  {
    name: 'TLV longer than the message',
    protocol: 'asap',
    hex: msg(5, 0, rawTlv(9, 16, '50000000')),
    cause: C.InvalidValues,
  },
  {
    name: 'two stray bytes after the last TLV',
    protocol: 'asap',
    hex: msg(5, 0, HANDLE, '0000'),
    cause: C.InvalidValues,
  },
  { name: 'missing pool handle', protocol: 'asap', hex: msg(5, 0), cause: C.InvalidValues },
  {
    name: 'PE Identifier where the handle belongs',
    protocol: 'asap',
    hex: msg(2, 0, PE_ID, HANDLE),
    cause: C.InvalidValues,
  },
  {
    name: 'Deregistration without PE Identifier',
    protocol: 'asap',
    hex: msg(2, 0, HANDLE),
    cause: C.InvalidValues,
  },
  {
    name: 'two HR options',
    protocol: 'asap',
    hex: msg(5, 0, HANDLE, tlv(0x803f, '00000001'), tlv(0x803f, '00000002')),
    cause: C.InvalidValues,
  },
  {
    name: 'cookie in a Registration',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, tlv(0x000d, '01')),
    cause: C.InvalidValues,
  },
  {
    name: 'trailing PE id after a Registration',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(), PE_ID),
    cause: C.InvalidValues,
  },

  // --- fixed lengths and limits (RSPLIB's Invalid Value 0x0011) ---
  {
    name: 'PE Identifier of length 6',
    protocol: 'asap',
    hex: msg(2, 0, HANDLE, rawTlv(0x000e, 6, '11220000')),
    cause: C.RsplibInvalidValue,
    offending: '000e00061122',
  },
  {
    name: 'PE Identifier of length 12',
    protocol: 'asap',
    hex: msg(2, 0, HANDLE, tlv(0x000e, '1122334455667788')),
    cause: C.RsplibInvalidValue,
  },
  {
    name: 'PE Checksum of length 8',
    protocol: 'enrp',
    hex: msg(1, 0, IDS, tlv(0x000f, '12340000')),
    cause: C.RsplibInvalidValue,
  },
  {
    name: 'HR option of length 6',
    protocol: 'asap',
    hex: msg(5, 0, HANDLE, rawTlv(0x803f, 6, '00010000')),
    cause: C.RsplibInvalidValue,
  },
  { name: 'empty pool handle', protocol: 'asap', hex: msg(5, 0, tlv(9, '')), cause: C.RsplibInvalidValue },
  {
    name: '33-byte pool handle',
    protocol: 'asap',
    hex: msg(5, 0, tlv(9, '41'.repeat(33))),
    cause: C.RsplibInvalidValue,
  },
  {
    name: 'IPv4 address of length 12',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(SCTP(1, tlv(1, '0a0000010a000002')))),
    cause: C.RsplibInvalidValue,
  },
  {
    name: 'IPv6 address of length 8',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(SCTP(1, tlv(2, '20010db8')))),
    cause: C.RsplibInvalidValue,
  },
  {
    name: 'transport without addresses',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(SCTP(1, ''))),
    cause: C.RsplibInvalidValue,
  },
  {
    name: 'SCTP transport with 65 addresses',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(SCTP(1, V4.repeat(65)))),
    cause: C.RsplibInvalidValue,
  },
  {
    name: 'TCP transport with 3 addresses',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(tlv(5, `0050 0000 ${V4.repeat(3)}`))),
    cause: C.RsplibInvalidValue,
  },
  {
    name: 'LeastUsed policy without load',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(SCTP(1), tlv(8, '40000001'))),
    cause: C.RsplibInvalidValue,
  },
  {
    name: 'RoundRobin policy with a field',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(SCTP(1), tlv(8, '00000001 00000005'))),
    cause: C.RsplibInvalidValue,
  },
  {
    name: 'policy without policy type',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(SCTP(1), tlv(8, ''))),
    cause: C.RsplibInvalidValue,
  },

  // --- unknown policy (RSPLIB answers 0x100b) ---
  {
    name: 'unknown policy type',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(SCTP(1), tlv(8, '12345678 00000007'))),
    cause: C.RsplibUnsupportedPoolPolicy,
  },
  {
    name: 'unknown overall policy in a response',
    protocol: 'asap',
    hex: msg(6, 0, HANDLE, tlv(8, 'b0003000')),
    cause: C.RsplibUnsupportedPoolPolicy,
  },

  // --- nested structures ---
  { name: 'transport use 2', protocol: 'asap', hex: msg(1, 0, HANDLE, PE(SCTP(2))), cause: C.InvalidValues },
  {
    name: 'Pool Element of 8 value bytes',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, tlv(0x000a, '11223344 00000000')),
    cause: C.InvalidValues,
  },
  {
    name: 'Pool Element without policy',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, tlv(0x000a, `11223344 00000000 00007530 ${SCTP(1)}`)),
    cause: C.InvalidValues,
  },
  {
    name: 'Pool Element with a policy instead of a transport',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, tlv(0x000a, `11223344 00000000 00007530 ${RR} ${SCTP(1)}`)),
    cause: C.InvalidValues,
  },
  {
    name: 'ASAP transport that is TCP',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(SCTP(1), RR, tlv(5, `0f17 0000 ${V4}`))),
    cause: C.InvalidValues,
  },
  {
    name: 'address TLV inside a transport exceeding it',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(tlv(4, `0007 0001 ${rawTlv(1, 12, '0a000001')}`))),
    cause: C.InvalidValues,
  },
  {
    name: 'PE id inside a transport',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(SCTP(1, `${V4}${PE_ID}`))),
    cause: C.InvalidValues,
  },
  {
    name: 'nested unknown TLV, action 01',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(SCTP(1, `${V4}${tlv(0x4100, '01')}`))),
    cause: C.UnrecognizedParameter,
    silent: false,
    offending: '4100000501',
  },
  {
    name: 'nested unknown TLV, action 00',
    protocol: 'asap',
    hex: msg(1, 0, HANDLE, PE(SCTP(1, `${tlv(0x0100, '')}${V4}`))),
    cause: C.UnrecognizedParameter,
    silent: true,
  },
  {
    name: 'error cause length 3',
    protocol: 'asap',
    hex: msg(0x0e, 0, tlv(0x000c, '00010003')),
    cause: C.InvalidValues,
  },
  {
    name: 'error cause exceeding its parameter',
    protocol: 'asap',
    hex: msg(0x0e, 0, tlv(0x000c, '00010010 00000000')),
    cause: C.InvalidValues,
  },
  { name: 'ASAP Error without Operation Error', protocol: 'asap', hex: msg(0x0e, 0), cause: C.InvalidValues },
  {
    name: 'Server Announce with a UDP transport',
    protocol: 'asap',
    hex: msg(0x0a, 0, 'a0000001', tlv(6, `0f17 0000 ${V4}`)),
    cause: C.InvalidValues,
  },
  {
    name: 'Server Information with a TCP transport',
    protocol: 'enrp',
    hex: msg(6, 0, IDS, tlv(0x000b, `cccccccc ${tlv(5, `26ad 0000 ${V4}`)}`)),
    cause: C.InvalidValues,
  },
  {
    name: 'Handle Table Response pool without PEs',
    protocol: 'enrp',
    hex: msg(3, 0, IDS, HANDLE),
    cause: C.InvalidValues,
  },
  {
    name: 'Handle Table Response PE without ASAP transport',
    protocol: 'enrp',
    hex: msg(3, 0, IDS, HANDLE, PE()),
    cause: C.InvalidValues,
  },
  {
    name: 'Handle Update action 2',
    protocol: 'enrp',
    hex: msg(4, 0, IDS, '00020000', HANDLE, PE(SCTP(1), RR, SCTP(0))),
    cause: C.InvalidValues,
  },
  {
    name: 'Presence with checksum after server information',
    protocol: 'enrp',
    hex: msg(1, 0, IDS, tlv(0x000b, `cccccccc ${SCTP(0)}`), tlv(0x000f, '1234')),
    cause: C.InvalidValues,
  },
];

function bytes(h: string): Uint8Array {
  const b = fromHex(h);
  assert.ok(b !== undefined, `bad hex ${h}`);
  return b;
}

describe('failure table', () => {
  for (const row of ROWS) {
    it(`${row.protocol}: ${row.name} -> 0x${row.cause.toString(16).padStart(4, '0')}`, () => {
      const input = bytes(row.hex);
      const r = decodeMessage(row.protocol, input);
      assert.ok(!r.ok, `decoded: ${JSON.stringify(r.ok ? r.value.kind : '')}`);
      assert.equal(r.error.cause, row.cause, r.error.reason);
      assert.equal(r.error.silent, row.silent ?? false);
      assert.ok(r.error.offending.length <= input.length);
      if (input.length > 0) assert.equal(r.error.messageType, input[0]);
      if (row.offending !== undefined) assert.equal(toHex(r.error.offending), hex(row.offending));
    });
  }

  it('offending bytes are a copy, not a view of the input', () => {
    const input = bytes(msg(2, 0, HANDLE, rawTlv(0x000e, 6, '11220000')));
    const r = decodeMessage('asap', input);
    assert.ok(!r.ok);
    input.fill(0);
    assert.equal(toHex(r.error.offending), '000e00061122');
  });
});

describe('unknown parameters that may be skipped (action bits 1x)', () => {
  it('action 10 is skipped silently, action 11 is skipped and reported; both are kept', () => {
    const skip = tlv(0x8123, '01020304');
    const report = tlv(0xc124, '05');
    const r = decodeMessage('asap', bytes(msg(5, 0, skip, HANDLE, report, tlv(0x803f, '00000003'))));
    assert.ok(r.ok, r.ok ? '' : r.error.reason);
    assert.equal(r.value.kind, 'handleResolution');
    assert.deepEqual(r.value.unrecognized?.map(toHex), [hex('8123000801020304'), hex('c124000505')]);
    assert.deepEqual(parametersToReport(r.value.unrecognized).map(toHex), [hex('c124000505')]);
  });

  it('nested skip parameters are collected too', () => {
    const r = decodeMessage('asap', bytes(msg(1, 0, HANDLE, PE(SCTP(1, `${tlv(0x8001, '')}${V4}`)))));
    assert.ok(r.ok, r.ok ? '' : r.error.reason);
    assert.deepEqual(r.value.unrecognized?.map(toHex), ['80010004']);
  });

  it('decodeErrorCause follows RSPLIB: TLV copy for 0x0001/0x0011, no data for 0x0010/0x100b', () => {
    const cases: [string, number, string][] = [
      [msg(5, 0, HANDLE, tlv(0x4123, '01020304')), C.UnrecognizedParameter, '4123000801020304'],
      [msg(2, 0, HANDLE, rawTlv(0x000e, 5, '11000000')), C.RsplibInvalidValue, '000e000511'],
      ['05000100 0009000c 4563686f506f6f6c', C.RsplibInvalidMessage, ''],
      [msg(1, 0, HANDLE, PE(SCTP(1), tlv(8, '12345678'))), C.RsplibUnsupportedPoolPolicy, ''],
    ];
    for (const [h, cause, data] of cases) {
      const r = decodeMessage('asap', bytes(h));
      assert.ok(!r.ok);
      const c = decodeErrorCause(r.error);
      assert.equal(c.cause, cause);
      assert.equal(toHex(c.data), data);
    }
  });

  it('more than 128 PEs in a Handle Resolution Response are refused', () => {
    const many = msg(6, 0, HANDLE, RR, PE().repeat(129));
    const r = decodeMessage('asap', bytes(many));
    assert.ok(!r.ok);
    assert.equal(r.error.cause, C.RsplibInvalidValue);
    const ok = decodeMessage('asap', bytes(msg(6, 0, HANDLE, RR, PE().repeat(128))));
    assert.ok(ok.ok);
  });

  it('message length may exclude the final padding (RFC 5354 §4)', () => {
    // Cookie of 3 bytes, message length 11 (not covering the padding byte), 12 bytes received.
    const r = decodeMessage('asap', bytes('0b00000b 000d0007 01020300'));
    assert.ok(r.ok, r.ok ? '' : r.error.reason);
    assert.deepEqual(r.value, { kind: 'cookie', cookie: Uint8Array.from([1, 2, 3]) });
    // ... and then also when the padding is absent.
    assert.ok(decodeMessage('asap', bytes('0b00000b 000d0007 010203')).ok);
  });

  it('u32 fields keep their full range', () => {
    const r = decodeMessage('enrp', bytes(msg(7, 0, 'ffffffff fffffffe', u32(0xfffffffd))));
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      kind: 'initTakeover',
      senderId: 0xffffffff,
      receiverId: 0xfffffffe,
      targetId: 0xfffffffd,
    });
  });
});
