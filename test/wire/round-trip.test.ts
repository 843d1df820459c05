// Round trips for every message kind and every parameter type: encode -> decode gives the same message,
// and decode -> encode gives the same bytes. Samples by hand plus fast-check generated messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/base/index.js';
import {
  type AsapMessage,
  decodeAsap,
  decodeEnrp,
  type EnrpMessage,
  encodeAsap,
  encodeEnrp,
  messagesEqual,
  POLICY_LAYOUTS,
  type Protocol,
} from '../../src/wire/index.js';
import {
  ALL_POLICIES,
  ALL_TRANSPORTS,
  ASAP_SAMPLES,
  ASAP_TRANSPORT,
  arbAsap,
  arbEnrp,
  ENRP_SAMPLES,
  pe,
  text,
} from './arbitraries.js';

function roundTrip(protocol: Protocol, m: AsapMessage | EnrpMessage): void {
  const bytes = protocol === 'asap' ? encodeAsap(m as AsapMessage) : encodeEnrp(m as EnrpMessage);
  assert.equal(bytes.length % 4, 0, 'messages are padded to 4 bytes');
  assert.equal((bytes[2]! << 8) | bytes[3]!, bytes.length, 'header length = message length');
  const r = protocol === 'asap' ? decodeAsap(bytes) : decodeEnrp(bytes);
  assert.ok(r.ok, r.ok ? '' : `${r.error.reason} in ${toHex(bytes)}`);
  assert.deepEqual(r.value, m);
  const again = protocol === 'asap' ? encodeAsap(r.value as AsapMessage) : encodeEnrp(r.value as EnrpMessage);
  assert.equal(toHex(again), toHex(bytes));
}

describe('round trip: every message kind', () => {
  it('covers all 14 ASAP and 10 ENRP kinds', () => {
    assert.equal(new Set(ASAP_SAMPLES.map((m) => m.kind)).size, 14);
    assert.equal(new Set(ENRP_SAMPLES.map((m) => m.kind)).size, 10);
  });
  for (const m of ASAP_SAMPLES) it(`ASAP ${m.kind}`, () => roundTrip('asap', m));
  for (const m of ENRP_SAMPLES) it(`ENRP ${m.kind}`, () => roundTrip('enrp', m));
});

describe('round trip: every parameter type', () => {
  it(`all ${POLICY_LAYOUTS.length} policies, in a Registration and as a response's overall policy`, () => {
    assert.equal(ALL_POLICIES.length, 18);
    for (const policy of ALL_POLICIES) {
      roundTrip('asap', { kind: 'registration', poolHandle: text('P'), poolElement: pe({ policy }) });
      roundTrip('asap', {
        kind: 'handleResolutionResponse',
        subscriptionAccepted: false,
        poolHandle: text('P'),
        policy,
        poolElements: [pe({ policy })],
      });
    }
  });

  it('all six transports as user transport (ASAP and ENRP)', () => {
    for (const userTransport of ALL_TRANSPORTS) {
      roundTrip('asap', { kind: 'registration', poolHandle: text('P'), poolElement: pe({ userTransport }) });
      roundTrip('enrp', {
        kind: 'handleUpdate',
        takeoverSuggested: false,
        senderId: 1,
        receiverId: 2,
        action: 'addPe',
        poolHandle: text('P'),
        poolElement: pe({ userTransport, asapTransport: ASAP_TRANSPORT }),
      });
    }
  });

  it('IPv6, IPv4-mapped IPv6 and 64 addresses in an SCTP transport', () => {
    const addresses = Array.from({ length: 64 }, (_, i) =>
      i % 2 === 0 ? `10.0.0.${i}` : `2001:db8::${i.toString(16)}`,
    );
    addresses[1] = '::ffff:192.0.2.1';
    roundTrip('asap', {
      kind: 'registration',
      poolHandle: text('P'),
      poolElement: pe({ userTransport: { kind: 'sctp', port: 1, transportUse: 'data', addresses } }),
    });
  });

  it('pool handles of 1 and 32 bytes, any byte values', () => {
    for (const poolHandle of [Uint8Array.from([0]), Uint8Array.from({ length: 32 }, (_, i) => 255 - i)]) {
      roundTrip('asap', { kind: 'handleResolution', subscribe: false, poolHandle, items: 1 });
    }
  });

  it('registration life -1 (infinite) and 0xffffffff ids', () => {
    roundTrip('asap', {
      kind: 'registration',
      poolHandle: text('P'),
      poolElement: pe({ id: 0xffffffff, homeRegistrarId: 0xffffffff, registrationLife: -1 }),
    });
  });

  it('unrecognized skip parameters are kept and re-encoded after the message parameters', () => {
    const unrecognized = [Uint8Array.from([0x80, 0x99, 0, 5, 7]), Uint8Array.from([0xc0, 1, 0, 4])];
    roundTrip('asap', { kind: 'deregistration', poolHandle: text('P'), poolElementId: 1, unrecognized });
    roundTrip('enrp', { kind: 'listRequest', senderId: 1, receiverId: 2, unrecognized });
  });
});

describe('round trip: generated messages (fast-check)', () => {
  it('ASAP: encode -> decode is the identity, and encoding is stable', () => {
    fc.assert(
      fc.property(arbAsap, (m) => {
        const bytes = encodeAsap(m);
        const r = decodeAsap(bytes);
        if (!r.ok) throw new Error(`${r.error.reason}: ${toHex(bytes)}`);
        return messagesEqual(r.value, m) && toHex(encodeAsap(r.value)) === toHex(bytes);
      }),
      { numRuns: 1500 },
    );
  });

  it('ENRP: encode -> decode is the identity, and encoding is stable', () => {
    fc.assert(
      fc.property(arbEnrp, (m) => {
        const bytes = encodeEnrp(m);
        const r = decodeEnrp(bytes);
        if (!r.ok) throw new Error(`${r.error.reason}: ${toHex(bytes)}`);
        return messagesEqual(r.value, m) && toHex(encodeEnrp(r.value)) === toHex(bytes);
      }),
      { numRuns: 1500 },
    );
  });
});
