import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex } from '../../src/base/bytes.js';
import { SeededRandom } from '../../src/base/random.js';
import { Handlespace } from '../../src/handlespace/index.js';
import { AsapServer } from '../../src/registrar/asap-server.js';
import type { AsapServerAction } from '../../src/registrar/asap-types.js';
import { AddressScope } from '../../src/wire/address-scope.js';
import type { AsapMessage } from '../../src/wire/asap-messages.js';
import { decodeAsap } from '../../src/wire/index.js';
import { ErrorCause, type PoolElementParameter, type PoolPolicy } from '../../src/wire/types.js';
import { build } from '../helpers/build.js';
import { loadFixture } from '../wire/rsplib-fixtures.js';

const REGISTRAR = 0xa0000001;
const enc = (s: string) => new TextEncoder().encode(s);
const echo = enc('EchoPool');

function server(options: Partial<ConstructorParameters<typeof AsapServer>[1]> = {}) {
  const hs = new Handlespace({ ownRegistrarId: REGISTRAR });
  const s = new AsapServer(
    hs,
    { registrarId: REGISTRAR, minAddressScope: AddressScope.SiteLocal, ...options },
    new SeededRandom(9),
  );
  return { s, hs };
}

function registration(
  id: number,
  policy: PoolPolicy = { name: 'RoundRobin' },
  address = '10.0.0.1',
): AsapMessage {
  return build.registration({ id, policy, address, transportUse: 'dataAndControl' });
}

const sentTo = (actions: AsapServerAction[], assoc?: number): AsapMessage[] =>
  actions.flatMap((a) =>
    a.kind === 'send' && (assoc === undefined || a.assoc === assoc) ? [a.message] : [],
  );
const causeOf = (m: AsapMessage | undefined): number | undefined =>
  m && 'operationError' in m ? m.operationError?.causes[0]?.cause : undefined;
const idsOf = (m: AsapMessage | undefined): number[] =>
  m && m.kind === 'handleResolutionResponse' ? m.poolElements.map((p) => p.id) : [];
const changes = (actions: AsapServerAction[]) =>
  actions.flatMap((a) => (a.kind === 'notify' && a.event.kind === 'handlespaceChanged' ? [a.event] : []));

/** Registers PE `id` over association `assoc` from peer 10.0.0.<assoc>. */
function register(
  s: AsapServer,
  assoc: number,
  id: number,
  now = 0,
  policy?: PoolPolicy,
): AsapServerAction[] {
  const address = `10.0.0.${assoc}`;
  s.handle({ kind: 'assocUp', now, assoc, peer: { addresses: [address], port: 5000 + assoc } });
  return s.handle({ kind: 'received', now, assoc, message: registration(id, policy, address) });
}

describe('AsapServer registration (RFC 5352 §3.1)', () => {
  it('accepts, owns the PE, records the ASAP transport and reports the change for ENRP', () => {
    const { s, hs } = server();
    const out = register(s, 1, 0x101);
    const [resp] = sentTo(out, 1);
    assert.deepEqual(resp, {
      kind: 'registrationResponse',
      reject: false,
      poolHandle: echo,
      poolElementId: 0x101,
    });
    const entry = hs.find(echo, 0x101)!;
    assert.equal(entry.homeRegistrarId, REGISTRAR);
    assert.deepEqual(entry.asapTransport, {
      kind: 'sctp',
      port: 5001,
      transportUse: 'data',
      addresses: ['10.0.0.1'],
    });
    assert.equal(changes(out)[0]?.change, 'added');
    assert.equal(changes(register(s, 1, 0x101, 10))[0]?.change, 'updated');
  });

  it('rejects an inconsistent policy with cause 0x5 carrying the pool policy (RFC 5354 §3.12.6)', () => {
    const { s } = server();
    register(s, 1, 0x101);
    const [resp] = sentTo(register(s, 2, 0x102, 0, { name: 'Random' }), 2);
    assert.ok(resp && resp.kind === 'registrationResponse' && resp.reject);
    const cause = resp.operationError!.causes[0]!;
    assert.equal(cause.cause, ErrorCause.InconsistentPoolingPolicy);
    assert.deepEqual([...cause.data], [0, 8, 0, 8, 0, 0, 0, 1], 'the RoundRobin policy TLV');
  });

  it('rejects a transport of another protocol with RSPLIB cause 0x100a and the pool transport', () => {
    const { s } = server();
    register(s, 1, 0x101);
    s.handle({ kind: 'assocUp', now: 0, assoc: 2, peer: { addresses: ['10.0.0.2'], port: 1 } });
    const m = registration(0x102, undefined, '10.0.0.2');
    const tcp: AsapMessage =
      m.kind === 'registration'
        ? {
            ...m,
            poolElement: {
              ...m.poolElement,
              userTransport: {
                kind: 'tcp',
                port: 7,
                transportUse: 'dataAndControl',
                addresses: ['10.0.0.2'],
              },
            },
          }
        : m;
    const [resp] = sentTo(s.handle({ kind: 'received', now: 0, assoc: 2, message: tcp }));
    assert.ok(resp && resp.kind === 'registrationResponse' && resp.reject);
    assert.equal(resp.operationError!.causes[0]!.cause, ErrorCause.RsplibWrongProtocol);
    assert.equal(resp.operationError!.causes[0]!.data[1], 4, 'an SCTP transport TLV');
  });

  it('rejects PE id 0 with 0xf000 and foreign addresses with 0xf008, as RSPLIB does', () => {
    const { s } = server();
    assert.equal(causeOf(sentTo(register(s, 1, 0))[0]), 0xf000);
    const out = s.handle({
      kind: 'received',
      now: 0,
      assoc: 1,
      message: registration(5, undefined, '10.99.99.99'),
    });
    assert.equal(causeOf(sentTo(out)[0]), 0xf008);
  });
});

describe('AsapServer handle resolution (RFC 5352 §3.3, hropt)', () => {
  it('answers with the pool policy and up to MaxHResItems PEs by default, capped at 128', () => {
    const { s } = server();
    for (let i = 1; i <= 5; i++) register(s, i, 0x100 + i);
    const resolve = (items?: number) => {
      const [r] = sentTo(
        s.handle({
          kind: 'received',
          now: 1,
          assoc: 9,
          message: {
            kind: 'handleResolution',
            subscribe: false,
            poolHandle: echo,
            ...(items === undefined ? {} : { items }),
          },
        }),
      );
      assert.ok(r && r.kind === 'handleResolutionResponse');
      return r;
    };
    assert.equal(resolve().poolElements.length, 3);
    assert.equal(resolve(0).poolElements.length, 3);
    assert.equal(resolve(1).poolElements.length, 1);
    assert.equal(resolve(0xffffffff).poolElements.length, 5);
    assert.deepEqual(resolve().policy, { name: 'RoundRobin' });
    assert.equal(resolve().poolElements[0]!.asapTransport, undefined, 'no ASAP transport toward PUs');
  });

  it('round-robins over the pool across resolutions', () => {
    const { s } = server();
    for (let i = 1; i <= 3; i++) register(s, i, i);
    const ids: number[] = [];
    for (let k = 0; k < 6; k++) {
      const [r] = sentTo(
        s.handle({
          kind: 'received',
          now: 1,
          assoc: 9,
          message: { kind: 'handleResolution', subscribe: false, poolHandle: echo, items: 1 },
        }),
      );
      ids.push(...idsOf(r));
    }
    assert.deepEqual(ids, [1, 2, 3, 1, 2, 3]);
  });

  it('answers an unknown pool with Unknown Pool Handle (0x9)', () => {
    const { s } = server();
    const [r] = sentTo(
      s.handle({
        kind: 'received',
        now: 1,
        assoc: 9,
        message: { kind: 'handleResolution', subscribe: false, poolHandle: enc('NoSuchPool'), items: 1 },
      }),
    );
    assert.ok(r && r.kind === 'handleResolutionResponse');
    assert.equal(r.operationError?.causes[0]?.cause, ErrorCause.UnknownPoolHandle);
  });
});

describe('AsapServer keep-alive monitoring and removal', () => {
  it('sends Endpoint Keep Alives within the interval; removes and aborts a PE that stops acking', () => {
    const { s, hs } = server();
    register(s, 1, 0x101);
    let now = s.nextDeadline()!;
    assert.ok(now >= 2_500 && now <= 5_000);
    let out = s.handle({ kind: 'tick', now });
    const [ka] = sentTo(out, 1);
    assert.deepEqual(ka, {
      kind: 'endpointKeepAlive',
      homeRegistrar: false,
      registrarId: REGISTRAR,
      poolHandle: echo,
      poolElementId: 0x101,
    });
    s.handle({
      kind: 'received',
      now: now + 10,
      assoc: 1,
      message: { kind: 'endpointKeepAliveAck', poolHandle: echo, poolElementId: 0x101 },
    });
    now = s.nextDeadline()!;
    s.handle({ kind: 'tick', now });
    out = s.handle({ kind: 'tick', now: now + 5_000 });
    assert.ok(out.some((a) => a.kind === 'abort' && a.assoc === 1));
    assert.equal(changes(out)[0]?.reason, 'keepAliveTimeout');
    assert.equal(hs.size, 0);
  });

  it('removes every PE of a lost association', () => {
    const { s, hs } = server();
    register(s, 1, 1);
    s.handle({
      kind: 'received',
      now: 0,
      assoc: 1,
      message: { ...registration(2), poolHandle: enc('Other') } as AsapMessage,
    });
    register(s, 2, 3);
    const out = s.handle({ kind: 'assocLost', now: 5, assoc: 1 });
    assert.equal(changes(out).length, 2);
    assert.equal(hs.size, 1);
  });

  it('removes a PE after MAX-BAD-PE-REPORT unreachable reports, probing it first', () => {
    const { s, hs } = server();
    register(s, 1, 0x101);
    const report: AsapMessage = { kind: 'endpointUnreachable', poolHandle: echo, poolElementId: 0x101 };
    const first = s.handle({ kind: 'received', now: 1, assoc: 9, message: report });
    assert.equal(sentTo(first, 1)[0]?.kind, 'endpointKeepAlive');
    s.handle({ kind: 'received', now: 2, assoc: 9, message: report });
    const third = s.handle({ kind: 'received', now: 3, assoc: 9, message: report });
    assert.equal(changes(third)[0]?.reason, 'unreachable');
    assert.equal(hs.size, 0);
  });

  it('refuses to deregister a PE registered over another live association (RFC 5355 §2.3)', () => {
    const { s, hs } = server();
    register(s, 1, 0x101);
    const message: AsapMessage = { kind: 'deregistration', poolHandle: echo, poolElementId: 0x101 };
    const spoofed = s.handle({ kind: 'received', now: 1, assoc: 9, message });
    assert.equal(causeOf(sentTo(spoofed, 9)[0]), ErrorCause.RejectedDueToSecurityConsiderations);
    assert.equal(hs.size, 1);
    const own = s.handle({ kind: 'received', now: 2, assoc: 1, message });
    assert.equal(causeOf(sentTo(own, 1)[0]), undefined);
    assert.equal(hs.size, 0);
  });

  it('deregisters and answers even for an unknown PE', () => {
    const { s, hs } = server();
    register(s, 1, 0x101);
    const out = s.handle({
      kind: 'received',
      now: 1,
      assoc: 1,
      message: { kind: 'deregistration', poolHandle: echo, poolElementId: 0x101 },
    });
    assert.equal(sentTo(out)[0]?.kind, 'deregistrationResponse');
    assert.equal(hs.size, 0);
    const again = s.handle({
      kind: 'received',
      now: 2,
      assoc: 1,
      message: { kind: 'deregistration', poolHandle: echo, poolElementId: 0x101 },
    });
    assert.equal(sentTo(again)[0]?.kind, 'deregistrationResponse');
  });

  it('announces itself every cycle once started', () => {
    const { s } = server({
      asapTransport: { kind: 'sctp', port: 3863, transportUse: 'data', addresses: ['10.0.0.254'] },
    });
    assert.equal(s.nextDeadline(), undefined);
    s.startAnnouncing(0);
    const out = s.handle({ kind: 'tick', now: 0 });
    const a = out.find((x) => x.kind === 'announce');
    assert.ok(
      a && a.kind === 'announce' && a.message.kind === 'serverAnnounce' && a.message.transports.length === 1,
    );
    const next = s.nextDeadline()!;
    assert.ok(next >= 875 && next <= 1125);
  });
});

describe('AsapServer against the crafted messages of D-errors.json', () => {
  const crafted = loadFixture('D-errors').filter((m) => m.origin === 'crafted' && m.protocol === 'asap');
  const { s } = server();
  s.handle({ kind: 'assocUp', now: 0, assoc: 1, peer: { addresses: ['10.77.0.1'], port: 41000 } });
  const answers = crafted.map((m) => {
    const decoded = decodeAsap(fromHex(m.hex)!);
    const out = decoded.ok
      ? s.handle({ kind: 'received', now: 0, assoc: 1, message: decoded.value })
      : s.handle({ kind: 'malformed', now: 0, assoc: 1, error: decoded.error });
    return { m, sent: sentTo(out) };
  });
  const errorCause = (msgs: AsapMessage[]) => {
    const e = msgs.find((x) => x.kind === 'error' || (x.kind === 'registrationResponse' && x.reject));
    return e && 'operationError' in e ? e.operationError?.causes[0]?.cause : undefined;
  };

  it('answers every crafted ASAP message without throwing', () =>
    assert.equal(answers.length, crafted.length));

  it('gives the causes RSPLIB gave: 0x1, 0x10, 0xf000, 0x100a, 0xf008, 0x100b, and answers a 40-byte handle', () => {
    const byPort = new Map<number, number | undefined>();
    for (const a of answers) if (!byPort.has(a.m.srcport)) byPort.set(a.m.srcport, errorCause(a.sent));
    assert.equal(byPort.get(41002), ErrorCause.UnrecognizedParameter);
    assert.equal(byPort.get(41003), undefined, 'action bits 00: silently dropped');
    assert.equal(byPort.get(41005), ErrorCause.RsplibInvalidMessage);
    assert.equal(byPort.get(41007), ErrorCause.RsplibInvalidId);
    assert.equal(byPort.get(41009), ErrorCause.RsplibNoUsableUserAddresses);
    assert.equal(byPort.get(41010), ErrorCause.RsplibUnsupportedPoolPolicy);
    assert.ok(byPort.get(41021) !== undefined, 'RSPLIB crashed here; we answer with an error');
  });
});

describe('AsapServer and PEs owned by peers (timers set by the ENRP side)', () => {
  it('removes a peer-owned PE when its expiry timer fires, reporting the reason; no keep-alive for it', () => {
    const { s, hs } = server();
    const r = hs.register({
      poolHandle: echo,
      element: {
        ...(registration(0x55) as { poolElement: PoolElementParameter }).poolElement,
        homeRegistrarId: 0xb0,
      },
      now: 0,
    });
    assert.ok(r.ok);
    hs.setTimer(r.value.element, 'expiry', 1_000);
    assert.deepEqual(s.handle({ kind: 'tick', now: 999 }), []);
    const out = s.handle({ kind: 'tick', now: 1_000 });
    assert.deepEqual(
      changes(out).map((c) => [c.change, c.reason, c.element.homeRegistrarId]),
      [['removed', 'expired', 0xb0]],
    );
    assert.equal(sentTo(out).length, 0);
    assert.equal(hs.size, 0);
  });

  it('ignores a deregistration of a PE it does not own (but answers it)', () => {
    const { s, hs } = server();
    hs.register({
      poolHandle: echo,
      element: {
        ...(registration(0x56) as { poolElement: PoolElementParameter }).poolElement,
        homeRegistrarId: 0xb0,
      },
      now: 0,
    });
    s.handle({ kind: 'assocUp', now: 0, assoc: 3, peer: { addresses: ['10.0.0.3'], port: 5003 } });
    const out = s.handle({
      kind: 'received',
      now: 1,
      assoc: 3,
      message: { kind: 'deregistration', poolHandle: echo, poolElementId: 0x56 },
    });
    assert.equal(sentTo(out, 3)[0]?.kind, 'deregistrationResponse');
    assert.ok(hs.find(echo, 0x56));
  });
});

describe('AsapServer flood limits (RFC 5352 §9.2, RFC 5355 threats 8 and 9)', () => {
  const resolve = (s: AsapServer, now: number, assoc = 9, poolHandle = echo) =>
    s.handle({
      kind: 'received',
      now,
      assoc,
      message: { kind: 'handleResolution', poolHandle, subscribe: false },
    });
  const limited = (actions: AsapServerAction[]) =>
    actions.flatMap((a) => (a.kind === 'notify' && a.event.kind === 'rateLimited' ? [a.event.request] : []));

  it('answers a pool user over its handle-resolution rate "Unknown Pool Handle" without PEs (RSPLIB -maxhrrate)', () => {
    const { s } = server({ maxHandleResolutionRate: 10 });
    register(s, 1, 0x101);
    for (let i = 0; i < 16; i++) assert.deepEqual(idsOf(sentTo(resolve(s, 100))[0]), [0x101], `burst ${i}`);
    const refused = resolve(s, 100);
    assert.equal(causeOf(sentTo(refused)[0]), ErrorCause.UnknownPoolHandle);
    assert.deepEqual(idsOf(sentTo(refused)[0]), []);
    assert.deepEqual(limited(refused), ['handleResolution']);
    // Another pool user is not affected; the first one gets a token back every 100 ms.
    assert.deepEqual(idsOf(sentTo(resolve(s, 100, 10))[0]), [0x101]);
    assert.deepEqual(idsOf(sentTo(resolve(s, 200))[0]), [0x101]);
    assert.equal(causeOf(sentTo(resolve(s, 201))[0]), ErrorCause.UnknownPoolHandle);
  });

  it('drops endpoint-unreachable reports over the rate (RSPLIB -maxeurate) and forgets a lost association', () => {
    const { s, hs } = server({ maxEndpointUnreachableRate: 1, maxBadPeReports: 1_000 });
    register(s, 1, 0x101);
    const report: AsapMessage = { kind: 'endpointUnreachable', poolHandle: echo, poolElementId: 0x101 };
    for (let i = 0; i < 20; i++) s.handle({ kind: 'received', now: 10, assoc: 9, message: report });
    assert.equal(hs.find(echo, 0x101)?.unreachabilityReports, 16);
    s.handle({ kind: 'assocLost', now: 11, assoc: 9 });
    s.handle({ kind: 'received', now: 12, assoc: 9, message: report });
    assert.equal(hs.find(echo, 0x101)?.unreachabilityReports, 17);
  });

  it('probes a reported PE with an unscheduled Keep Alive at most once per keep-alive interval', () => {
    const { s } = server({ keepAliveIntervalMs: 5_000, maxBadPeReports: 1_000 });
    register(s, 1, 0x101);
    const report: AsapMessage = { kind: 'endpointUnreachable', poolHandle: echo, poolElementId: 0x101 };
    const ack: AsapMessage = {
      kind: 'endpointKeepAliveAck',
      poolHandle: echo,
      poolElementId: 0x101,
    };
    let probes = 0;
    for (let t = 1; t < 10_000; t += 10) {
      probes += sentTo(s.handle({ kind: 'received', now: t, assoc: 9, message: report }), 1).length;
      s.handle({ kind: 'received', now: t + 1, assoc: 1, message: ack });
    }
    assert.equal(probes, 2, 'one probe per 5 s of reports every 10 ms');
  });
});
