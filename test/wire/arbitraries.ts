/**
 * Sample values and fast-check arbitraries for every message and parameter type of the codec: all
 * 18 policies, all six transports, IPv4, IPv6 and IPv4-mapped addresses.
 */
import fc from 'fast-check';
import {
  type AsapMessage,
  type EnrpMessage,
  formatIpv4,
  formatIpv6,
  type IpAddress,
  type OperationError,
  POLICY_LAYOUTS,
  type PoolElementParameter,
  type PoolPolicy,
  type ServerInformation,
  type TransportParameter,
} from '../../src/wire/index.js';

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** One value per policy, with distinct field values. */
export const ALL_POLICIES: PoolPolicy[] = POLICY_LAYOUTS.map((l, i) => {
  const p: Record<string, string | number> = { name: l.name };
  l.fields.forEach((f, j) => {
    p[f] = (0x11111111 * (j + 1) + i) >>> 0;
  });
  return p as unknown as PoolPolicy;
});

export const ALL_TRANSPORTS: TransportParameter[] = [
  {
    kind: 'sctp',
    port: 7,
    transportUse: 'dataAndControl',
    addresses: ['10.0.0.1', '2001:db8::1', '::ffff:10.1.2.3'],
  },
  { kind: 'tcp', port: 80, transportUse: 'data', addresses: ['192.168.1.1'] },
  { kind: 'udp', port: 53, addresses: ['fe80::1:2'] },
  { kind: 'udpLite', port: 5000, addresses: ['10.0.0.9'] },
  { kind: 'dccp', port: 6000, serviceCode: 0x12345678, addresses: ['2001:db8:0:1::'] },
  { kind: 'opaque', data: Uint8Array.from([1, 2, 3, 4, 5]) },
];

export const ASAP_TRANSPORT: TransportParameter = {
  kind: 'sctp',
  port: 3863,
  transportUse: 'data',
  addresses: ['10.0.0.1'],
};

export const pe = (over: Partial<PoolElementParameter> = {}): PoolElementParameter => ({
  id: 0x11223344,
  homeRegistrarId: 0xa0000001,
  registrationLife: 30000,
  userTransport: ALL_TRANSPORTS[0]!,
  policy: { name: 'LeastUsed', load: 0x12345678 },
  ...over,
});

export const SERVER: ServerInformation = {
  registrarId: 0xaabbccdd,
  transport: { kind: 'sctp', port: 9901, transportUse: 'data', addresses: ['10.0.0.2', '2001:db8::2'] },
};

const OP_ERROR: OperationError = {
  causes: [
    { cause: 0x0001, data: Uint8Array.from([0x41, 0x23, 0, 5, 9]) },
    { cause: 0x0009, data: new Uint8Array(0) },
  ],
};

const H = text('EchoPool');

/** One sample of every ASAP message kind, with optional parts present. */
export const ASAP_SAMPLES: AsapMessage[] = [
  { kind: 'registration', poolHandle: H, poolElement: pe() },
  { kind: 'deregistration', poolHandle: H, poolElementId: 1 },
  { kind: 'registrationResponse', reject: true, poolHandle: H, poolElementId: 2, operationError: OP_ERROR },
  { kind: 'registrationResponse', reject: false, poolHandle: H, poolElementId: 2 },
  { kind: 'deregistrationResponse', poolHandle: H, poolElementId: 3, operationError: OP_ERROR },
  { kind: 'handleResolution', subscribe: true, poolHandle: H, items: 0xffffffff },
  { kind: 'handleResolution', subscribe: false, poolHandle: H },
  {
    kind: 'handleResolutionResponse',
    subscriptionAccepted: true,
    poolHandle: H,
    policy: { name: 'RoundRobin' },
    poolElements: [pe(), pe({ id: 5, registrationLife: -1 })],
  },
  {
    kind: 'handleResolutionResponse',
    subscriptionAccepted: false,
    poolHandle: H,
    poolElements: [],
    operationError: OP_ERROR,
  },
  { kind: 'endpointKeepAlive', homeRegistrar: true, registrarId: 9, poolHandle: H, poolElementId: 4 },
  { kind: 'endpointKeepAlive', homeRegistrar: false, registrarId: 9, poolHandle: H },
  { kind: 'endpointKeepAliveAck', poolHandle: H, poolElementId: 4 },
  { kind: 'endpointUnreachable', poolHandle: H, poolElementId: 4 },
  { kind: 'serverAnnounce', registrarId: 0xa0000001, transports: [] },
  {
    kind: 'serverAnnounce',
    registrarId: 1,
    transports: [ASAP_TRANSPORT, { kind: 'tcp', port: 3863, transportUse: 'data', addresses: ['::1'] }],
    serverInformation: SERVER,
  },
  { kind: 'cookie', cookie: text('<PP-TD1>12345678') },
  { kind: 'cookieEcho', cookie: Uint8Array.from([1, 2, 3]) },
  { kind: 'businessCard', poolHandle: H, poolElements: [pe()] },
  { kind: 'businessCard', poolHandle: H, policy: { name: 'Random' }, poolElements: [pe(), pe({ id: 9 })] },
  { kind: 'error', operationError: OP_ERROR },
];

const IDS = { senderId: 0xaabbccdd, receiverId: 0x11223344 };
const ENRP_PE = pe({ asapTransport: ASAP_TRANSPORT });

/** One sample of every ENRP message kind. */
export const ENRP_SAMPLES: EnrpMessage[] = [
  { kind: 'presence', replyRequired: true, ...IDS, peChecksum: 0x1234, serverInformation: SERVER },
  { kind: 'presence', replyRequired: false, ...IDS },
  { kind: 'handleTableRequest', ownChildrenOnly: true, ...IDS },
  {
    kind: 'handleTableResponse',
    reject: false,
    moreToSend: true,
    ...IDS,
    pools: [
      { poolHandle: H, poolElements: [ENRP_PE, pe({ id: 7, asapTransport: ASAP_TRANSPORT })] },
      { poolHandle: Uint8Array.from([0, 0xff]), poolElements: [ENRP_PE] },
    ],
  },
  { kind: 'handleTableResponse', reject: true, moreToSend: false, ...IDS, pools: [] },
  {
    kind: 'handleUpdate',
    takeoverSuggested: true,
    ...IDS,
    action: 'addPe',
    poolHandle: H,
    poolElement: ENRP_PE,
  },
  {
    kind: 'handleUpdate',
    takeoverSuggested: false,
    ...IDS,
    action: 'deletePe',
    poolHandle: H,
    poolElement: ENRP_PE,
  },
  { kind: 'listRequest', ...IDS },
  { kind: 'listResponse', reject: false, ...IDS, servers: [SERVER, { ...SERVER, registrarId: 2 }] },
  { kind: 'listResponse', reject: true, ...IDS, servers: [] },
  { kind: 'initTakeover', ...IDS, targetId: 0xdead00ff },
  { kind: 'initTakeoverAck', ...IDS, targetId: 0xdead00ff },
  { kind: 'takeoverServer', ...IDS, targetId: 0xdead00ff },
  { kind: 'error', ...IDS, operationError: OP_ERROR },
];

// ---- fast-check arbitraries -------------------------------------------------------------------

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const bool = fc.boolean();
export const arbHandle = fc.uint8Array({ minLength: 1, maxLength: 32 });

export const arbAddress: fc.Arbitrary<IpAddress> = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIpv4(b)),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b)),
  fc
    .uint8Array({ minLength: 4, maxLength: 4 })
    .map((b) => formatIpv6(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...b]))),
  fc.constantFrom('::', '::1', '2001:db8::', 'fe80::1'),
);

const addrs = (max: number) => fc.array(arbAddress, { minLength: 1, maxLength: max });
const use = fc.constantFrom('data' as const, 'dataAndControl' as const);

export const arbSctp: fc.Arbitrary<TransportParameter> = fc.record({
  kind: fc.constant('sctp' as const),
  port: u16,
  transportUse: use,
  addresses: addrs(64),
});

const arbTcp: fc.Arbitrary<TransportParameter> = fc.record({
  kind: fc.constant('tcp' as const),
  port: u16,
  transportUse: use,
  addresses: addrs(2),
});

export const arbTransport: fc.Arbitrary<TransportParameter> = fc.oneof(
  arbSctp,
  arbTcp,
  fc.record({ kind: fc.constant('udp' as const), port: u16, addresses: addrs(2) }),
  fc.record({ kind: fc.constant('udpLite' as const), port: u16, addresses: addrs(2) }),
  fc.record({ kind: fc.constant('dccp' as const), port: u16, serviceCode: u32, addresses: addrs(2) }),
  fc.record({ kind: fc.constant('opaque' as const), data: fc.uint8Array({ maxLength: 40 }) }),
);

export const arbPolicy: fc.Arbitrary<PoolPolicy> = fc.constantFrom(...POLICY_LAYOUTS).chain((l) =>
  fc.array(u32, { minLength: l.fields.length, maxLength: l.fields.length }).map((vals) => {
    const p: Record<string, string | number> = { name: l.name };
    l.fields.forEach((f, i) => {
      p[f] = vals[i]!;
    });
    return p as unknown as PoolPolicy;
  }),
);

const arbPe = (withAsap: boolean): fc.Arbitrary<PoolElementParameter> =>
  fc
    .record({
      id: u32,
      homeRegistrarId: u32,
      registrationLife: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      userTransport: arbTransport,
      policy: arbPolicy,
      asap: withAsap
        ? arbSctp.map((t) => t as TransportParameter | undefined)
        : fc.option(arbSctp, { nil: undefined }),
    })
    .map(({ asap, ...rest }) => (asap === undefined ? rest : { ...rest, asapTransport: asap }));

const arbOpError: fc.Arbitrary<OperationError> = fc.record({
  causes: fc.array(fc.record({ cause: u16, data: fc.uint8Array({ maxLength: 24 }) }), {
    minLength: 1,
    maxLength: 3,
  }),
});

const arbServer: fc.Arbitrary<ServerInformation> = fc.record({ registrarId: u32, transport: arbSctp });

/** Adds `key` only when the optional value is present (decode never sets an undefined key). */
function opt<T extends object, K extends string, V>(base: T, key: K, v: V | undefined): T {
  return v === undefined ? base : { ...base, [key]: v };
}

export const arbAsap: fc.Arbitrary<AsapMessage> = fc.oneof(
  fc.record({ kind: fc.constant('registration' as const), poolHandle: arbHandle, poolElement: arbPe(false) }),
  fc.record({ kind: fc.constant('deregistration' as const), poolHandle: arbHandle, poolElementId: u32 }),
  fc.record({
    kind: fc.constant('endpointKeepAliveAck' as const),
    poolHandle: arbHandle,
    poolElementId: u32,
  }),
  fc.record({ kind: fc.constant('endpointUnreachable' as const), poolHandle: arbHandle, poolElementId: u32 }),
  fc
    .tuple(bool, arbHandle, u32, fc.option(arbOpError, { nil: undefined }))
    .map(([reject, poolHandle, poolElementId, e]) =>
      opt({ kind: 'registrationResponse' as const, reject, poolHandle, poolElementId }, 'operationError', e),
    ),
  fc
    .tuple(arbHandle, u32, fc.option(arbOpError, { nil: undefined }))
    .map(([poolHandle, poolElementId, e]) =>
      opt({ kind: 'deregistrationResponse' as const, poolHandle, poolElementId }, 'operationError', e),
    ),
  fc
    .tuple(bool, arbHandle, fc.option(u32, { nil: undefined }))
    .map(([subscribe, poolHandle, items]) =>
      opt({ kind: 'handleResolution' as const, subscribe, poolHandle }, 'items', items),
    ),
  fc
    .tuple(
      bool,
      arbHandle,
      fc.option(arbPolicy, { nil: undefined }),
      fc.array(arbPe(false), { maxLength: 4 }),
      fc.option(arbOpError, { nil: undefined }),
    )
    .map(([subscriptionAccepted, poolHandle, policy, poolElements, e]) =>
      opt(
        opt(
          { kind: 'handleResolutionResponse' as const, subscriptionAccepted, poolHandle, poolElements },
          'policy',
          policy,
        ),
        'operationError',
        e,
      ),
    ),
  fc
    .tuple(bool, u32, arbHandle, fc.option(u32, { nil: undefined }))
    .map(([homeRegistrar, registrarId, poolHandle, id]) =>
      opt(
        { kind: 'endpointKeepAlive' as const, homeRegistrar, registrarId, poolHandle },
        'poolElementId',
        id,
      ),
    ),
  fc
    .tuple(
      u32,
      fc.array(fc.oneof(arbSctp, arbTcp), { maxLength: 3 }),
      fc.option(arbServer, { nil: undefined }),
    )
    .map(([registrarId, transports, s]) =>
      opt({ kind: 'serverAnnounce' as const, registrarId, transports }, 'serverInformation', s),
    ),
  fc.record({ kind: fc.constant('cookie' as const), cookie: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('cookieEcho' as const), cookie: fc.uint8Array({ maxLength: 64 }) }),
  fc
    .tuple(arbHandle, fc.option(arbPolicy, { nil: undefined }), fc.array(arbPe(false), { maxLength: 3 }))
    .map(([poolHandle, policy, poolElements]) =>
      opt({ kind: 'businessCard' as const, poolHandle, poolElements }, 'policy', policy),
    ),
  fc.record({ kind: fc.constant('error' as const), operationError: arbOpError }),
);

const ids = { senderId: u32, receiverId: u32 };

export const arbEnrp: fc.Arbitrary<EnrpMessage> = fc.oneof(
  fc
    .tuple(bool, u32, u32, fc.option(u16, { nil: undefined }), fc.option(arbServer, { nil: undefined }))
    .map(([replyRequired, senderId, receiverId, sum, s]) =>
      opt(
        opt({ kind: 'presence' as const, replyRequired, senderId, receiverId }, 'peChecksum', sum),
        'serverInformation',
        s,
      ),
    ),
  fc.record({ kind: fc.constant('handleTableRequest' as const), ownChildrenOnly: bool, ...ids }),
  fc.record({
    kind: fc.constant('handleTableResponse' as const),
    reject: bool,
    moreToSend: bool,
    ...ids,
    pools: fc.array(
      fc.record({
        poolHandle: arbHandle,
        poolElements: fc.array(arbPe(true), { minLength: 1, maxLength: 3 }),
      }),
      {
        maxLength: 3,
      },
    ),
  }),
  fc.record({
    kind: fc.constant('handleUpdate' as const),
    takeoverSuggested: bool,
    ...ids,
    action: fc.constantFrom('addPe' as const, 'deletePe' as const),
    poolHandle: arbHandle,
    poolElement: arbPe(true),
  }),
  fc.record({ kind: fc.constant('listRequest' as const), ...ids }),
  fc.record({
    kind: fc.constant('listResponse' as const),
    reject: bool,
    ...ids,
    servers: fc.array(arbServer, { maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('initTakeover' as const), ...ids, targetId: u32 }),
  fc.record({ kind: fc.constant('initTakeoverAck' as const), ...ids, targetId: u32 }),
  fc.record({ kind: fc.constant('takeoverServer' as const), ...ids, targetId: u32 }),
  fc.record({ kind: fc.constant('error' as const), ...ids, operationError: arbOpError }),
);
