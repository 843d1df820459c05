// Golden byte vectors written by hand from the RFC text (RFC 5352 §2.2, RFC 5353 §2, RFC 5354 §3/§4,
// draft-dreibholz-rserpool-asap-hropt §2.1), one or more per message type, including the synthetic vectors
// of notes/rsplib-interop.md §2.4/§2.5. Each must decode to the given message and encode to the same bytes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../src/base/index.js';
import {
  type AsapMessage,
  decodeMessage,
  type EnrpMessage,
  encodeMessage,
  POLICY_LAYOUTS,
  type PoolElementParameter,
  type Protocol,
} from '../../src/wire/index.js';
import { ALL_POLICIES, text } from './arbitraries.js';

interface Golden {
  readonly name: string;
  readonly protocol: Protocol;
  readonly hex: string;
  readonly message: AsapMessage | EnrpMessage;
}

const ECHO = text('EchoPool');
const P = text('P');

// PE 1 (home 0xaaaaaaaa, life 30000): SCTP port 8080 data+control at 192.0.2.1, RoundRobin,
// ASAP transport SCTP 3863 at 192.0.2.1. 56 bytes:
//   000a0038                      Pool Element, length 56
//   00000001 aaaaaaaa 00007530    PE id, home registrar, registration life
//   00040010 1f900001             SCTP transport (16): port 8080, use 1 = data+control
//     00010008 c0000201           IPv4 192.0.2.1
//   00080008 00000001             policy (8): RoundRobin
//   00040010 0f170000             ASAP transport SCTP (16): port 3863, use 0
//     00010008 c0000201           IPv4 192.0.2.1
const ENRP_PE_HEX =
  '000a0038 00000001 aaaaaaaa 00007530 00040010 1f900001 00010008 c0000201 00080008 00000001 00040010 0f170000 00010008 c0000201';
const ENRP_PE: PoolElementParameter = {
  id: 1,
  homeRegistrarId: 0xaaaaaaaa,
  registrationLife: 30000,
  userTransport: { kind: 'sctp', port: 8080, transportUse: 'dataAndControl', addresses: ['192.0.2.1'] },
  policy: { name: 'RoundRobin' },
  asapTransport: { kind: 'sctp', port: 3863, transportUse: 'data', addresses: ['192.0.2.1'] },
};
const IDS = { senderId: 0xaaaaaaaa, receiverId: 0xbbbbbbbb };

const VECTORS: Golden[] = [
  {
    // notes §2.4 synthetic Registration:
    //   0100003c                      type 1, flags 0, length 60
    //   0009000c 4563686f506f6f6c     Pool Handle "EchoPool"
    //   000a002c 11223344 00000000 00007530   Pool Element (44): id, home 0, life 30000 ms
    //     00040010 00070001 00010008 0a000001  SCTP port 7, data+control, 10.0.0.1
    //     0008000c 40000001 12345678           LeastUsed, load 0x12345678
    name: 'ASAP Registration (notes §2.4)',
    protocol: 'asap',
    hex: '0100003c 0009000c 4563686f506f6f6c 000a002c 11223344 00000000 00007530 00040010 00070001 00010008 0a000001 0008000c 40000001 12345678',
    message: {
      kind: 'registration',
      poolHandle: ECHO,
      poolElement: {
        id: 0x11223344,
        homeRegistrarId: 0,
        registrationLife: 30000,
        userTransport: { kind: 'sctp', port: 7, transportUse: 'dataAndControl', addresses: ['10.0.0.1'] },
        policy: { name: 'LeastUsed', load: 0x12345678 },
      },
    },
  },
  {
    // 02000018 | Pool Handle "EchoPool" | 000e0008 PE Identifier 0x11223344
    name: 'ASAP Deregistration',
    protocol: 'asap',
    hex: '02000018 0009000c 4563686f506f6f6c 000e0008 11223344',
    message: { kind: 'deregistration', poolHandle: ECHO, poolElementId: 0x11223344 },
  },
  {
    // 03010020: type 3, R flag, length 32 | handle | PE id | 000c0008 Operation Error (8):
    //   00050004 cause 5 (Inconsistent Pooling Policy), cause length 4, no data (RSPLIB form)
    name: 'ASAP Registration Response, reject',
    protocol: 'asap',
    hex: '03010020 0009000c 4563686f506f6f6c 000e0008 11223344 000c0008 00050004',
    message: {
      kind: 'registrationResponse',
      reject: true,
      poolHandle: ECHO,
      poolElementId: 0x11223344,
      operationError: { causes: [{ cause: 5, data: new Uint8Array(0) }] },
    },
  },
  {
    // 04000018 | handle | PE id; no Operation Error = success
    name: 'ASAP Deregistration Response',
    protocol: 'asap',
    hex: '04000018 0009000c 4563686f506f6f6c 000e0008 11223344',
    message: { kind: 'deregistrationResponse', poolHandle: ECHO, poolElementId: 0x11223344 },
  },
  {
    // notes §2.4: 05000018 | handle | 803f0008 00000001 Handle Resolution option, items 1
    name: 'ASAP Handle Resolution (notes §2.4)',
    protocol: 'asap',
    hex: '05000018 0009000c 4563686f506f6f6c 803f0008 00000001',
    message: { kind: 'handleResolution', subscribe: false, poolHandle: ECHO, items: 1 },
  },
  {
    // 0501000c: S flag, length 12 | 00090005 50 000000 handle "P" (length 5, 3 padding bytes)
    name: 'ASAP Handle Resolution, S flag, no option',
    protocol: 'asap',
    hex: '0501000c 00090005 50000000',
    message: { kind: 'handleResolution', subscribe: true, poolHandle: P },
  },
  {
    // 0600003c: length 60 | handle "P" | 00080008 00000001 overall policy RoundRobin |
    // 000a0028 PE (40): id 1, home 2, life 30000; SCTP port 8080 data-only at 192.0.2.1; RoundRobin
    name: 'ASAP Handle Resolution Response',
    protocol: 'asap',
    hex: '0600003c 00090005 50000000 00080008 00000001 000a0028 00000001 00000002 00007530 00040010 1f900000 00010008 c0000201 00080008 00000001',
    message: {
      kind: 'handleResolutionResponse',
      subscriptionAccepted: false,
      poolHandle: P,
      policy: { name: 'RoundRobin' },
      poolElements: [
        {
          id: 1,
          homeRegistrarId: 2,
          registrationLife: 30000,
          userTransport: { kind: 'sctp', port: 8080, transportUse: 'data', addresses: ['192.0.2.1'] },
          policy: { name: 'RoundRobin' },
        },
      ],
    },
  },
  {
    // 0600001c | handle "NoSuchPool" (14, 2 padding) | 000c0008 00090004 Unknown Pool Handle (A frame 1460)
    name: 'ASAP Handle Resolution Response, negative',
    protocol: 'asap',
    hex: '0600001c 0009000e 4e6f53756368506f6f6c0000 000c0008 00090004',
    message: {
      kind: 'handleResolutionResponse',
      subscriptionAccepted: false,
      poolHandle: text('NoSuchPool'),
      poolElements: [],
      operationError: { causes: [{ cause: 9, data: new Uint8Array(0) }] },
    },
  },
  {
    // 0701001c: H flag, length 28 | a0000001 server identifier | handle | PE id (RSPLIB extension)
    name: 'ASAP Endpoint Keep Alive',
    protocol: 'asap',
    hex: '0701001c a0000001 0009000c 4563686f506f6f6c 000e0008 11223344',
    message: {
      kind: 'endpointKeepAlive',
      homeRegistrar: true,
      registrarId: 0xa0000001,
      poolHandle: ECHO,
      poolElementId: 0x11223344,
    },
  },
  {
    // RFC 5352 form without PE Identifier: 07000014 | server id | handle
    name: 'ASAP Endpoint Keep Alive, RFC form',
    protocol: 'asap',
    hex: '07000014 a0000001 0009000c 4563686f506f6f6c',
    message: { kind: 'endpointKeepAlive', homeRegistrar: false, registrarId: 0xa0000001, poolHandle: ECHO },
  },
  {
    // 08000018: type 8, length 24 | 0009000c "EchoPool" | 000e0008 11223344 PE Identifier
    name: 'ASAP Endpoint Keep Alive Ack',
    protocol: 'asap',
    hex: '08000018 0009000c 4563686f506f6f6c 000e0008 11223344',
    message: { kind: 'endpointKeepAliveAck', poolHandle: ECHO, poolElementId: 0x11223344 },
  },
  {
    // 09000018: type 9, length 24 | 0009000c "EchoPool" | 000e0008 11223344 PE Identifier
    name: 'ASAP Endpoint Unreachable',
    protocol: 'asap',
    hex: '09000018 0009000c 4563686f506f6f6c 000e0008 11223344',
    message: { kind: 'endpointUnreachable', poolHandle: ECHO, poolElementId: 0x11223344 },
  },
  {
    // RSPLIB form: 0a000008 | a0000001 server identifier, no transports
    name: 'ASAP Server Announce, RSPLIB form',
    protocol: 'asap',
    hex: '0a000008 a0000001',
    message: { kind: 'serverAnnounce', registrarId: 0xa0000001, transports: [] },
  },
  {
    // RFC form: 0a000018 | server id | 00040010 0f170000 SCTP port 3863 | 00010008 0a000001
    name: 'ASAP Server Announce, RFC form',
    protocol: 'asap',
    hex: '0a000018 a0000001 00040010 0f170000 00010008 0a000001',
    message: {
      kind: 'serverAnnounce',
      registrarId: 0xa0000001,
      transports: [{ kind: 'sctp', port: 3863, transportUse: 'data', addresses: ['10.0.0.1'] }],
    },
  },
  {
    // 0b00000c | 000d0007 010203 + 1 padding byte: Cookie of 3 bytes
    name: 'ASAP Cookie',
    protocol: 'asap',
    hex: '0b00000c 000d0007 01020300',
    message: { kind: 'cookie', cookie: Uint8Array.from([1, 2, 3]) },
  },
  {
    // 0c000010 | 000d000c "<PP-TD1>"
    name: 'ASAP Cookie Echo',
    protocol: 'asap',
    hex: '0c000010 000d000c 3c50502d5444313e',
    message: { kind: 'cookieEcho', cookie: text('<PP-TD1>') },
  },
  {
    // RFC form: 0d00003c | handle | 000a002c PE (44): id 5, home 0, life -1 (infinite);
    //   00060010 00350000 00010008 0a000001  UDP port 53 at 10.0.0.1
    //   0008000c 00000002 00000003           WeightedRoundRobin, weight 3
    name: 'ASAP Business Card, RFC form',
    protocol: 'asap',
    hex: '0d00003c 0009000c 4563686f506f6f6c 000a002c 00000005 00000000 ffffffff 00060010 00350000 00010008 0a000001 0008000c 00000002 00000003',
    message: {
      kind: 'businessCard',
      poolHandle: ECHO,
      poolElements: [
        {
          id: 5,
          homeRegistrarId: 0,
          registrationLife: -1,
          userTransport: { kind: 'udp', port: 53, addresses: ['10.0.0.1'] },
          policy: { name: 'WeightedRoundRobin', weight: 3 },
        },
      ],
    },
  },
  {
    // RSPLIB form: a Policy parameter (00080008 00000003 Random) between the handle and the PEs
    name: 'ASAP Business Card, RSPLIB form',
    protocol: 'asap',
    hex: '0d000044 0009000c 4563686f506f6f6c 00080008 00000003 000a002c 00000005 00000000 ffffffff 00060010 00350000 00010008 0a000001 0008000c 00000002 00000003',
    message: {
      kind: 'businessCard',
      poolHandle: ECHO,
      policy: { name: 'Random' },
      poolElements: [
        {
          id: 5,
          homeRegistrarId: 0,
          registrationLife: -1,
          userTransport: { kind: 'udp', port: 53, addresses: ['10.0.0.1'] },
          policy: { name: 'WeightedRoundRobin', weight: 3 },
        },
      ],
    },
  },
  {
    // 0e000014 | 000c0010 Operation Error (16) | 0001000c Unrecognized Parameter, cause length 12 |
    //   41230008 01020304 the offending TLV (D-errors frame 56)
    name: 'ASAP Error',
    protocol: 'asap',
    hex: '0e000014 000c0010 0001000c 41230008 01020304',
    message: {
      kind: 'error',
      operationError: { causes: [{ cause: 1, data: Uint8Array.from([0x41, 0x23, 0, 8, 1, 2, 3, 4]) }] },
    },
  },
  {
    // notes §2.5: 0101002c R flag | sender aabbccdd | receiver 0 | 000f0006 1234 0000 PE Checksum |
    //   000b0018 aabbccdd Server Information | 00040010 26ad0000 SCTP 9901 | 00010008 0a000002
    name: 'ENRP Presence (notes §2.5)',
    protocol: 'enrp',
    hex: '0101002c aabbccdd 00000000 000f0006 12340000 000b0018 aabbccdd 00040010 26ad0000 00010008 0a000002',
    message: {
      kind: 'presence',
      replyRequired: true,
      senderId: 0xaabbccdd,
      receiverId: 0,
      peChecksum: 0x1234,
      serverInformation: {
        registrarId: 0xaabbccdd,
        transport: { kind: 'sctp', port: 9901, transportUse: 'data', addresses: ['10.0.0.2'] },
      },
    },
  },
  {
    // 0201000c W flag, length 12 | sender | receiver
    name: 'ENRP Handle Table Request',
    protocol: 'enrp',
    hex: '0201000c aaaaaaaa bbbbbbbb',
    message: { kind: 'handleTableRequest', ownChildrenOnly: true, ...IDS },
  },
  {
    // 0302004c M flag, length 76 | ids | handle "P" | the PE above (56)
    name: 'ENRP Handle Table Response',
    protocol: 'enrp',
    hex: `0302004c aaaaaaaa bbbbbbbb 00090005 50000000 ${ENRP_PE_HEX}`,
    message: {
      kind: 'handleTableResponse',
      reject: false,
      moreToSend: true,
      ...IDS,
      pools: [{ poolHandle: P, poolElements: [ENRP_PE] }],
    },
  },
  {
    // 0301000c R flag, no entries (D-errors frame 289)
    name: 'ENRP Handle Table Response, reject',
    protocol: 'enrp',
    hex: '0301000c d0000001 dead0001',
    message: {
      kind: 'handleTableResponse',
      reject: true,
      moreToSend: false,
      senderId: 0xd0000001,
      receiverId: 0xdead0001,
      pools: [],
    },
  },
  {
    // 04010050 T flag, length 80 | ids | 0001 0000 DEL_PE, reserved | handle "P" | the PE above
    name: 'ENRP Handle Update',
    protocol: 'enrp',
    hex: `04010050 aaaaaaaa bbbbbbbb 00010000 00090005 50000000 ${ENRP_PE_HEX}`,
    message: {
      kind: 'handleUpdate',
      takeoverSuggested: true,
      ...IDS,
      action: 'deletePe',
      poolHandle: P,
      poolElement: ENRP_PE,
    },
  },
  {
    // 0500000c: type 5, length 12 (RFC 5353 §2.5: fixed) | sender aaaaaaaa | receiver bbbbbbbb
    name: 'ENRP List Request',
    protocol: 'enrp',
    hex: '0500000c aaaaaaaa bbbbbbbb',
    message: { kind: 'listRequest', ...IDS },
  },
  {
    // 06000030 | ids | 000b0024 cccccccc Server Information (36) | 0004001c 26ad0000 SCTP 9901 (28) |
    //   00020014 20010db8000000000000000000000001 IPv6 2001:db8::1
    name: 'ENRP List Response',
    protocol: 'enrp',
    hex: '06000030 aaaaaaaa bbbbbbbb 000b0024 cccccccc 0004001c 26ad0000 00020014 20010db8000000000000000000000001',
    message: {
      kind: 'listResponse',
      reject: false,
      ...IDS,
      servers: [
        {
          registrarId: 0xcccccccc,
          transport: { kind: 'sctp', port: 9901, transportUse: 'data', addresses: ['2001:db8::1'] },
        },
      ],
    },
  },
  {
    // 07000010 | ids | dead00ff targeting server
    name: 'ENRP Init Takeover',
    protocol: 'enrp',
    hex: '07000010 aaaaaaaa bbbbbbbb dead00ff',
    message: { kind: 'initTakeover', ...IDS, targetId: 0xdead00ff },
  },
  {
    // 08000010: type 8, length 16 | sender | receiver | dead00ff targeting server
    name: 'ENRP Init Takeover Ack',
    protocol: 'enrp',
    hex: '08000010 aaaaaaaa bbbbbbbb dead00ff',
    message: { kind: 'initTakeoverAck', ...IDS, targetId: 0xdead00ff },
  },
  {
    // 09000010: type 9, length 16 | sender | receiver | dead00ff targeting server
    name: 'ENRP Takeover Server',
    protocol: 'enrp',
    hex: '09000010 aaaaaaaa bbbbbbbb dead00ff',
    message: { kind: 'takeoverServer', ...IDS, targetId: 0xdead00ff },
  },
  {
    // 0a00001c | ids | 000c000d Operation Error (13, not covering the last padding) |
    //   00110009 cause 0x0011, length 9 | 000f000512 the 5-byte offending TLV | 000000 padding (D frame 321)
    name: 'ENRP Error',
    protocol: 'enrp',
    hex: '0a00001c dead0001 00000000 000c000d 00110009 000f0005 12000000',
    message: {
      kind: 'error',
      senderId: 0xdead0001,
      receiverId: 0,
      operationError: { causes: [{ cause: 0x11, data: Uint8Array.from([0x00, 0x0f, 0x00, 0x05, 0x12]) }] },
    },
  },
];

function bytes(hex: string): Uint8Array {
  const b = fromHex(hex);
  assert.ok(b !== undefined, `bad hex ${hex}`);
  return b;
}

describe('golden vectors from the RFC text', () => {
  it('cover all 14 ASAP and 10 ENRP message types', () => {
    const types = new Set(VECTORS.map((v) => `${v.protocol}:${v.message.kind}`));
    assert.equal([...types].filter((t) => t.startsWith('asap:')).length, 14);
    assert.equal([...types].filter((t) => t.startsWith('enrp:')).length, 10);
  });

  for (const v of VECTORS) {
    it(v.name, () => {
      const b = bytes(v.hex);
      const r = decodeMessage(v.protocol, b);
      assert.ok(r.ok, r.ok ? '' : r.error.reason);
      assert.deepEqual(r.value, v.message);
      assert.equal(toHex(encodeMessage(v.protocol, v.message)), toHex(b));
    });
  }
});

describe('golden vectors: policy parameters (RFC 5356 §4, notes §2.7)', () => {
  // Type 0x0008, length 8 + 4 * fields, policy type, fields in layout order.
  const EXPECTED: Record<string, string> = {
    RoundRobin: '00080008 00000001',
    WeightedRoundRobin: '0008000c 00000002 11111112',
    Random: '00080008 00000003',
    WeightedRandom: '0008000c 00000004 11111114',
    Priority: '0008000c 00000005 11111115',
    LeastUsed: '0008000c 40000001 11111116',
    LeastUsedDegradation: '00080010 40000002 11111117 22222228',
    PriorityLeastUsed: '00080010 40000003 11111118 22222229',
    RandomizedLeastUsed: '0008000c 40000004 11111119',
    RandomizedPriorityLeastUsed: '00080010 b0001001 1111111a 2222222b',
    RandomizedLeastUsedDegradation: '00080010 b0001002 1111111b 2222222c',
    PriorityLeastUsedDegradation: '00080010 b0001003 1111111c 2222222d',
    RandomizedPriorityLeastUsedDegradation: '00080010 b0001004 1111111d 2222222e',
    WeightedRandomDPF: '00080014 b0002001 1111111e 2222222f 33333340',
    LeastUsedDPF: '00080014 b0002002 1111111f 22222230 33333341',
    LeastUsedDegradationDPF: '00080018 b0002003 11111120 22222231 33333342 44444453',
    PriorityLeastUsedDPF: '00080018 b0002004 11111121 22222232 33333343 44444454',
    PriorityLeastUsedDegradationDPF: '00080018 b0002005 11111122 22222233 33333344 44444455',
  };

  it(`all ${POLICY_LAYOUTS.length} policies encode as specified`, () => {
    for (const policy of ALL_POLICIES) {
      const m: AsapMessage = {
        kind: 'handleResolutionResponse',
        subscriptionAccepted: false,
        poolHandle: P,
        policy,
        poolElements: [],
      };
      const b = encodeMessage('asap', m);
      const expected = bytes(EXPECTED[policy.name]!);
      assert.equal(toHex(b.subarray(12, 12 + expected.length)), toHex(expected), policy.name);
    }
  });
});
