import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENRP_DEFAULTS, MAX_PEERS } from '../../../src/registrar/enrp/defaults.js';
import type { DecodeError } from '../../../src/wire/decode-error.js';
import type { EnrpMessage } from '../../../src/wire/enrp-messages.js';
import { decodeEnrp, encodeEnrp } from '../../../src/wire/index.js';
import {
  connects,
  enrpSent,
  enrpServer,
  eventsOf,
  messagesOf,
  OWN,
  presenceFrom,
  started,
  withPeer,
} from './build.js';

describe('EnrpServer start-up and Presence (RFC 5353 §3.2, §3.4)', () => {
  it('is alone at once without static peers and multicast (§3.2.2.1)', () => {
    const { server } = enrpServer();
    const out = started(server);
    assert.deepEqual(eventsOf(out, 'startupDone'), [{ kind: 'startupDone', reason: 'alone' }]);
    assert.equal(server.inStartup, false);
  });

  it('connects to static peers and greets them with a Presence asking for a reply', () => {
    const { server } = enrpServer({ peers: [{ addresses: ['10.0.0.2'], port: 9901 }] });
    const out = started(server);
    assert.equal(server.inStartup, true);
    const [c] = connects(out);
    assert.deepEqual(c, {
      kind: 'connect',
      ref: c!.ref,
      protocol: 'enrp',
      to: { addresses: ['10.0.0.2'], port: 9901 },
    });
    const up = server.handle({ kind: 'assocUp', now: 1, assoc: 5, protocol: 'enrp', ref: c!.ref });
    const [p] = messagesOf(up, 'presence');
    assert.equal(p!.assoc, 5);
    assert.equal(p!.message.replyRequired, true);
    assert.equal(p!.message.senderId, OWN);
    assert.equal(p!.message.peChecksum, 0xffff, 'empty own PE set');
    assert.deepEqual(p!.message.serverInformation?.registrarId, OWN);
    // The static peer answers: it becomes a known peer with its id.
    const reply = server.handle({ kind: 'received', now: 2, assoc: 5, message: presenceFrom(0x200) });
    assert.deepEqual(eventsOf(reply, 'peerAdded'), [
      { kind: 'peerAdded', registrarId: 0x200, via: 'presence' },
    ]);
    assert.equal(server.peers.get(0x200)?.assoc, 5);
  });

  it('ends the start-up phase on the mentor discovery timer when nobody answers', () => {
    const { server } = enrpServer({ multicast: true });
    const first = started(server, 0);
    assert.equal(first.filter((a) => a.kind === 'multicast').length, 1, 'first heartbeat at once');
    const out = server.handle({ kind: 'tick', now: ENRP_DEFAULTS.mentorDiscoveryTimeoutMs });
    assert.deepEqual(eventsOf(out, 'startupDone'), [{ kind: 'startupDone', reason: 'timeout' }]);
  });

  it('multicasts a Presence without R every heartbeat cycle, randomised by +-12.5 %', () => {
    const { server } = enrpServer({ multicast: true });
    started(server);
    const times: number[] = [0];
    for (let now = server.nextDeadline()!, i = 0; i < 200; i++) {
      const out = server.handle({ kind: 'tick', now });
      const m = out.filter((a) => a.kind === 'multicast');
      if (m.length > 0) {
        times.push(now);
        const msg = m[0]!.message;
        assert.equal(msg.kind === 'presence' && msg.replyRequired, false);
      }
      now = server.nextDeadline()!;
    }
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const c = ENRP_DEFAULTS.peerHeartbeatCycleMs;
    assert.ok(gaps.length > 100);
    for (const g of gaps) assert.ok(g >= c * 0.875 - 1e-6 && g <= c * 1.125 + 1e-6, `gap ${g}`);
  });

  it('answers a multicast Presence from a new peer with a unicast Presence R (connect, then send)', () => {
    const { server } = enrpServer();
    started(server);
    const out = server.handle({
      kind: 'multicastReceived',
      now: 10,
      from: { address: '10.0.9.2', port: 9901 },
      message: presenceFrom(0x200, { address: '10.0.9.2' }),
    });
    const [c] = connects(out);
    assert.deepEqual(c?.to, { addresses: ['10.0.9.2'], port: 9901 });
    const up = server.handle({ kind: 'assocUp', now: 11, assoc: 3, protocol: 'enrp', ref: c!.ref });
    const [p] = messagesOf(up, 'presence');
    assert.equal(p?.assoc, 3);
    assert.equal(p?.message.replyRequired, true);
    assert.equal(p?.message.receiverId, 0x200);
  });

  it('keeps at most MAX_PEERS peers: a flood of forged multicast Presences cannot grow the table (RFC 5353 §6.2)', () => {
    const { server } = enrpServer();
    started(server);
    let refused = 0;
    let connectsSent = 0;
    for (let i = 1; i <= MAX_PEERS + 50; i++) {
      const out = server.handle({
        kind: 'multicastReceived',
        now: 10,
        from: { address: `10.1.${i >> 8}.${i & 255}`, port: 9901 },
        message: presenceFrom(0x1000 + i, { address: `10.1.${i >> 8}.${i & 255}` }),
      });
      refused += eventsOf(out, 'peerRefused').length;
      connectsSent += connects(out).length;
    }
    assert.equal(server.peers.size, MAX_PEERS);
    assert.equal(refused, 50);
    assert.equal(connectsSent, MAX_PEERS, 'no association attempts for refused ones');
  });

  it('takes the UDP source when a multicast Presence has no usable Server Information', () => {
    const { server } = enrpServer();
    started(server);
    const bare: EnrpMessage = {
      kind: 'presence',
      senderId: 0x200,
      receiverId: 0,
      replyRequired: false,
      peChecksum: 0xffff,
    };
    const out = server.handle({
      kind: 'multicastReceived',
      now: 1,
      from: { address: '10.0.9.7', port: 40123 },
      message: bare,
    });
    assert.deepEqual(connects(out)[0]?.to, { addresses: ['10.0.9.7'], port: 40123 });
    const noAddresses: EnrpMessage = {
      ...bare,
      senderId: 0x300,
      serverInformation: {
        registrarId: 0x300,
        transport: { kind: 'sctp', port: 9911, transportUse: 'data', addresses: [] },
      },
    };
    const out2 = server.handle({
      kind: 'multicastReceived',
      now: 2,
      from: { address: '10.0.9.8', port: 40124 },
      message: noAddresses,
    });
    assert.deepEqual(connects(out2)[0]?.to, { addresses: ['10.0.9.8'], port: 9911 });
  });

  it('replies to a Presence with R on the same association, without R', () => {
    const { server } = enrpServer();
    started(server);
    withPeer(server, 0x200, 4, 1);
    const out = server.handle({
      kind: 'received',
      now: 2,
      assoc: 4,
      message: presenceFrom(0x200, { replyRequired: true }),
    });
    const [p] = messagesOf(out, 'presence');
    assert.equal(p?.assoc, 4);
    assert.equal(p?.message.replyRequired, false);
  });

  it('ignores messages carrying its own id (looped-back multicast) and sender 0', () => {
    const { server } = enrpServer();
    started(server);
    assert.deepEqual(server.handle({ kind: 'received', now: 1, assoc: 1, message: presenceFrom(OWN) }), []);
    assert.deepEqual(server.handle({ kind: 'received', now: 1, assoc: 1, message: presenceFrom(0) }), []);
    assert.equal(server.peers.size, 0);
  });

  it('probes a silent peer after MAX-TIME-LAST-HEARD and drops it after MAX-TIME-NO-RESPONSE when it owns nothing', () => {
    const { server } = enrpServer();
    started(server);
    withPeer(server, 0x200, 4, 0);
    // Keep-alive heartbeats do not count as hearing from it.
    let now = 0;
    let probedAt: number | undefined;
    let removedAt: number | undefined;
    while (removedAt === undefined && now < 60_000) {
      now = server.nextDeadline()!;
      const out = server.handle({ kind: 'tick', now });
      if (eventsOf(out, 'peerProbed').length > 0) {
        probedAt = now;
        const [p] = messagesOf(out, 'presence').filter((s) => s.message.replyRequired);
        assert.equal(p?.assoc, 4, 'Presence with R to the peer');
      }
      if (eventsOf(out, 'peerRemoved').length > 0) {
        removedAt = now;
        assert.deepEqual(eventsOf(out, 'peerRemoved')[0]?.reason, 'noResponse');
      }
    }
    assert.equal(probedAt, ENRP_DEFAULTS.peerMaxTimeLastHeardMs);
    assert.equal(removedAt, ENRP_DEFAULTS.peerMaxTimeLastHeardMs + ENRP_DEFAULTS.peerMaxTimeNoResponseMs);
    assert.equal(server.peers.has(0x200), false);
  });

  it('any message from the peer ends a probe', () => {
    const { server } = enrpServer();
    started(server);
    withPeer(server, 0x200, 4, 0);
    server.handle({ kind: 'tick', now: 5_000 });
    assert.equal(server.peers.get(0x200)?.status, 'probing');
    server.handle({
      kind: 'received',
      now: 6_000,
      assoc: 4,
      message: { kind: 'listRequest', senderId: 0x200, receiverId: OWN },
    });
    assert.equal(server.peers.get(0x200)?.status, 'active');
    assert.equal(server.peers.get(0x200)?.deadline, 11_000);
  });
});

describe('EnrpServer list exchange (RFC 5353 §3.2.2.2)', () => {
  it('answers a List Request with the Server Information of the other peers', () => {
    const { server } = enrpServer();
    started(server);
    withPeer(server, 0x200, 4, 0);
    withPeer(server, 0x300, 5, 0);
    const out = server.handle({
      kind: 'received',
      now: 1,
      assoc: 4,
      message: { kind: 'listRequest', senderId: 0x200, receiverId: OWN },
    });
    const [r] = messagesOf(out, 'listResponse');
    assert.equal(r?.assoc, 4);
    assert.equal(r?.message.reject, false);
    assert.deepEqual(
      r?.message.servers.map((s) => s.registrarId),
      [0x300],
    );
  });

  it('adds the peers of a List Response and greets each new one', () => {
    const { server } = enrpServer();
    started(server);
    withPeer(server, 0x200, 4, 0);
    const out = server.handle({
      kind: 'received',
      now: 1,
      assoc: 4,
      message: {
        kind: 'listResponse',
        senderId: 0x200,
        receiverId: OWN,
        reject: false,
        servers: [
          {
            registrarId: 0x300,
            transport: { kind: 'sctp', port: 9901, transportUse: 'data', addresses: ['10.0.9.3'] },
          },
          {
            registrarId: OWN,
            transport: { kind: 'sctp', port: 9901, transportUse: 'data', addresses: ['10.0.0.1'] },
          },
        ],
      },
    });
    assert.deepEqual(eventsOf(out, 'peerAdded'), [
      { kind: 'peerAdded', registrarId: 0x300, via: 'listResponse' },
    ]);
    assert.deepEqual(connects(out)[0]?.to, { addresses: ['10.0.9.3'], port: 9901 });
  });
});

describe('EnrpServer errors (RFC 5353 §3.7)', () => {
  const error: DecodeError = {
    cause: 0x0003,
    offending: new Uint8Array([1, 2, 3, 4]),
    reason: 'test',
    silent: false,
    messageType: 0x01,
  };

  it('answers a malformed ENRP message with an ENRP Error: our id as sender, the offender as receiver', () => {
    const { server } = enrpServer();
    started(server);
    withPeer(server, 0x200, 4, 0);
    const out = server.handle({ kind: 'malformed', now: 1, assoc: 4, error });
    const [e] = messagesOf(out, 'error');
    assert.equal(e?.assoc, 4);
    assert.equal(e?.message.senderId, OWN);
    assert.equal(e?.message.receiverId, 0x200);
    assert.deepEqual(e?.message.operationError.causes, [
      { cause: 0x0003, data: new Uint8Array([1, 2, 3, 4]) },
    ]);
    // It encodes and decodes.
    assert.equal(decodeEnrp(encodeEnrp(e!.message)).ok, true);
  });

  it('never answers an Error, nor what the action bits say to drop', () => {
    const { server } = enrpServer();
    started(server);
    assert.equal(
      enrpSent(server.handle({ kind: 'malformed', now: 1, assoc: 4, error: { ...error, messageType: 0x0a } }))
        .length,
      0,
    );
    assert.equal(
      enrpSent(server.handle({ kind: 'malformed', now: 1, assoc: 4, error: { ...error, silent: true } }))
        .length,
      0,
    );
  });

  it('reports parameters whose action bits ask for it (Unrecognized Parameter)', () => {
    const { server } = enrpServer();
    started(server);
    const tlv = new Uint8Array([0xc0, 0x99, 0, 4]);
    const out = server.handle({
      kind: 'received',
      now: 1,
      assoc: 4,
      message: { ...presenceFrom(0x200), unrecognized: [tlv] },
    });
    const [e] = messagesOf(out, 'error');
    assert.deepEqual(e?.message.operationError.causes, [{ cause: 0x0001, data: tlv }]);
  });
});
