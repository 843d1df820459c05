/**
 * Codec benchmark: encode and decode rates (messages/s) for
 *   - an ASAP Registration (the notes §2.4 vector),
 *   - an ASAP Handle Resolution Response with 128 PEs,
 *   - an ENRP Handle Table Response of about 1,400 bytes (RSPLIB's limit per response),
 *   - the registrar's hot path: decoding a Handle Resolution and encoding a 3-PE response.
 * Baseline, measured in the same run: the standard JSON serialiser on the same message in its JSON form
 * (messageToJson): JSON.parse of its text for decode, JSON.stringify of the object for encode. The
 * ratio is codec rate ÷ JSON rate (above 1: the codec is faster than JSON).
 *
 *   npm run bench:codec             table
 *   npm run bench:codec -- --json   only a JSON array of {metric, value, unit}
 */
import {
  type AsapMessage,
  decodeMessage,
  type EnrpMessage,
  encodeMessage,
  messageToJson,
  type PoolElementParameter,
  type Protocol,
} from '../src/wire/index.js';
import { compare, type Metric, note, report, runBench } from './harness.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function pe(i: number, withAsap: boolean): PoolElementParameter {
  const address = `10.${(i >> 8) & 255}.${i & 255}.1`;
  return {
    id: 0xa0000000 + i,
    homeRegistrarId: 0xa0000001,
    registrationLife: 90000,
    userTransport: { kind: 'sctp', port: 10000 + i, transportUse: 'dataAndControl', addresses: [address] },
    policy: { name: 'LeastUsed', load: i * 1000 },
    ...(withAsap
      ? { asapTransport: { kind: 'sctp', port: 3863, transportUse: 'data', addresses: [address] } }
      : {}),
  };
}

const registration: AsapMessage = {
  kind: 'registration',
  poolHandle: text('EchoPool'),
  poolElement: pe(1, false),
};

const response = (n: number): AsapMessage => ({
  kind: 'handleResolutionResponse',
  subscriptionAccepted: false,
  poolHandle: text('EchoPool'),
  policy: { name: 'LeastUsed', load: 0 },
  poolElements: Array.from({ length: n }, (_, i) => pe(i, false)),
});

/** The largest Handle Table Response of one pool that stays within 1,400 bytes. */
function tableResponse(): EnrpMessage {
  let n = 1;
  const make = (k: number): EnrpMessage => ({
    kind: 'handleTableResponse',
    reject: false,
    moreToSend: true,
    senderId: 0xa0000001,
    receiverId: 0xa0000002,
    pools: [{ poolHandle: text('EchoPool'), poolElements: Array.from({ length: k }, (_, i) => pe(i, true)) }],
  });
  while (encodeMessage('enrp', make(n + 1)).length <= 1400) n++;
  return make(n);
}

const handleResolution: AsapMessage = {
  kind: 'handleResolution',
  subscribe: false,
  poolHandle: text('EchoPool'),
  items: 3,
};

interface Case {
  readonly name: string;
  readonly protocol: Protocol;
  readonly message: AsapMessage | EnrpMessage;
  readonly ops: readonly ('encode' | 'decode')[];
}

const CASES: Case[] = [
  { name: 'Registration', protocol: 'asap', message: registration, ops: ['encode', 'decode'] },
  { name: 'HR Response 128 PEs', protocol: 'asap', message: response(128), ops: ['encode', 'decode'] },
  {
    name: 'ENRP HT Response <=1400 B',
    protocol: 'enrp',
    message: tableResponse(),
    ops: ['encode', 'decode'],
  },
  { name: 'Handle Resolution', protocol: 'asap', message: handleResolution, ops: ['decode'] },
  { name: 'HR Response 3 PEs', protocol: 'asap', message: response(3), ops: ['encode'] },
];

const metrics: Metric[] = [];
for (const c of CASES) {
  const bytes = encodeMessage(c.protocol, c.message as AsapMessage & EnrpMessage);
  const json = messageToJson(c.protocol, c.message);
  const jsonText = JSON.stringify(json);
  note(`${c.name}: ${bytes.length} bytes on the wire, ${jsonText.length} bytes as JSON`);
  for (const op of c.ops) {
    const subject =
      op === 'decode'
        ? runBench(`decode ${c.name}`, () => decodeMessage(c.protocol, bytes))
        : runBench(`encode ${c.name}`, () =>
            encodeMessage(c.protocol, c.message as AsapMessage & EnrpMessage),
          );
    const baseline =
      op === 'decode'
        ? runBench('JSON.parse', () => JSON.parse(jsonText))
        : runBench('JSON.stringify', () => JSON.stringify(json));
    metrics.push(...compare(`${op} ${c.name}`, 'msg/s', subject, baseline));
  }
}
report(metrics);
