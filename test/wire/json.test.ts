// JSON form of messages for the CLI: readable, and exact (decode -> JSON -> fromJson -> encode).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../src/base/index.js';
import {
  type AsapMessage,
  decodeErrorToJson,
  decodeMessage,
  type EnrpMessage,
  encodeMessage,
  messageFromJson,
  messageToJson,
} from '../../src/wire/index.js';
import { ASAP_SAMPLES, ENRP_SAMPLES } from './arbitraries.js';

describe('messageToJson / messageFromJson', () => {
  it('a Handle Resolution reads naturally', () => {
    const r = decodeMessage('asap', fromHex('050000180009000c4563686f506f6f6c803f000800000001')!);
    assert.ok(r.ok);
    assert.deepEqual(messageToJson('asap', r.value), {
      protocol: 'asap',
      kind: 'handleResolution',
      subscribe: false,
      poolHandle: { text: 'EchoPool' },
      items: 1,
    });
  });

  it('binary pool handles and bytes are hex', () => {
    const m: AsapMessage = { kind: 'cookie', cookie: Uint8Array.from([0, 255]) };
    assert.deepEqual(messageToJson('asap', m), { protocol: 'asap', kind: 'cookie', cookie: '00ff' });
    const h: AsapMessage = {
      kind: 'endpointUnreachable',
      poolHandle: Uint8Array.from([0x41, 0x0a]),
      poolElementId: 1,
    };
    assert.deepEqual((messageToJson('asap', h) as { poolHandle: unknown }).poolHandle, { hex: '410a' });
    const bad: AsapMessage = {
      kind: 'endpointUnreachable',
      poolHandle: Uint8Array.from([0xc3]),
      poolElementId: 1,
    };
    assert.deepEqual((messageToJson('asap', bad) as { poolHandle: unknown }).poolHandle, { hex: 'c3' });
  });

  it('every sample message survives JSON text and back, bytes unchanged', () => {
    const all: ['asap' | 'enrp', AsapMessage | EnrpMessage][] = [
      ...ASAP_SAMPLES.map((m) => ['asap', m] as ['asap', AsapMessage]),
      ...ENRP_SAMPLES.map((m) => ['enrp', m] as ['enrp', EnrpMessage]),
    ];
    for (const [protocol, m] of all) {
      const bytes = encodeMessage(protocol, m as AsapMessage & EnrpMessage);
      const back = messageFromJson(JSON.parse(JSON.stringify(messageToJson(protocol, m))));
      assert.ok(back.ok, back.ok ? '' : `${m.kind}: ${back.error}`);
      assert.equal(back.value.protocol, protocol);
      assert.equal(
        toHex(encodeMessage(protocol, back.value.message as AsapMessage & EnrpMessage)),
        toHex(bytes),
      );
    }
  });

  it('accepts non-canonical IPv6 text and canonicalises it', () => {
    const r = messageFromJson({
      protocol: 'asap',
      kind: 'serverAnnounce',
      registrarId: 1,
      transports: [{ kind: 'sctp', port: 1, transportUse: 'data', addresses: ['2001:DB8:0:0::1'] }],
    });
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.deepEqual(
      (r.value.message as unknown as { transports: { addresses: string[] }[] }).transports[0]!.addresses,
      ['2001:db8::1'],
    );
  });

  it('refuses what would not re-encode exactly', () => {
    const base = { protocol: 'asap', kind: 'deregistration', poolHandle: { text: 'P' }, poolElementId: 1 };
    assert.ok(messageFromJson(base).ok);
    const bad: [string, unknown][] = [
      ['not an object', 42],
      ['no protocol', { ...base, protocol: undefined }],
      ['unknown kind', { ...base, kind: 'nope' }],
      ['missing field', { ...base, poolElementId: undefined }],
      ['string where a number belongs', { ...base, poolElementId: '1' }],
      ['out of range', { ...base, poolElementId: 2 ** 32 }],
      ['negative', { ...base, poolElementId: -1 }],
      ['fraction', { ...base, poolElementId: 1.5 }],
      ['extra field', { ...base, extra: true }],
      ['bad handle form', { ...base, poolHandle: 'P' }],
      ['handle too long', { ...base, poolHandle: { text: 'x'.repeat(33) } }],
      ['bad hex', { protocol: 'asap', kind: 'cookie', cookie: 'xyz' }],
      [
        'bad address',
        {
          protocol: 'asap',
          kind: 'serverAnnounce',
          registrarId: 1,
          transports: [{ kind: 'sctp', port: 1, transportUse: 'data', addresses: ['1.2.3'] }],
        },
      ],
      [
        'bad policy',
        {
          protocol: 'asap',
          kind: 'handleResolutionResponse',
          subscriptionAccepted: false,
          poolHandle: { text: 'P' },
          policy: { name: 'Nope' },
          poolElements: [],
        },
      ],
      [
        'flag not boolean',
        { protocol: 'asap', kind: 'handleResolution', subscribe: 1, poolHandle: { text: 'P' } },
      ],
    ];
    for (const [why, v] of bad) {
      const r = messageFromJson(v);
      assert.ok(!r.ok, why);
      assert.equal(typeof r.error, 'string');
    }
  });

  it('decodeErrorToJson', () => {
    const r = decodeMessage('asap', fromHex('0e00000c000c00080001')!);
    assert.ok(!r.ok);
    const j = decodeErrorToJson(r.error) as Record<string, unknown>;
    assert.equal(j.cause, r.error.cause);
    assert.equal(typeof j.causeName, 'string');
    assert.equal(j.offending, toHex(r.error.offending));
    assert.equal(j.messageType, 0x0e);
  });
});
