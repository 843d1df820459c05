import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { winsArbitration } from '../../../src/registrar/enrp/takeover-process.js';
import type { EnrpMessage } from '../../../src/wire/enrp-messages.js';
import {
  asapSent,
  connects,
  element,
  enrpServer,
  eventsOf,
  messagesOf,
  OWN,
  POOL,
  presenceFrom,
  started,
  withPeer,
} from './build.js';

const X = 0x500; // the target
const B = 0x200; // another survivor (higher id than OWN)
const A0 = 0x050; // a survivor with a lower id than OWN

/** OWN with peers B (assoc 4) and X (assoc 6); X owns PEs 1..n; everybody is silent from t=0. */
function world(n = 3) {
  const w = enrpServer();
  started(w.server);
  withPeer(w.server, B, 4, 0);
  withPeer(w.server, X, 6, 0);
  for (let i = 1; i <= n; i++) w.server.learn(0, POOL, element(i, X));
  return w;
}

/** Runs ticks until the takeover of X starts; B keeps talking so only X is silent. */
function untilTakeover(server: ReturnType<typeof world>['server']) {
  for (let now = 1_000; now <= 20_000; now += 1_000) {
    server.handle({ kind: 'received', now, assoc: 4, message: presenceFrom(B) });
    const out = server.handle({ kind: 'tick', now });
    if (eventsOf(out, 'takeoverStarted').length > 0) return { now, out };
  }
  throw new Error('no takeover');
}

const ack = (from: number, target = X): EnrpMessage => ({
  kind: 'initTakeoverAck',
  senderId: from,
  receiverId: OWN,
  targetId: target,
});
const init = (from: number, target = X): EnrpMessage => ({
  kind: 'initTakeover',
  senderId: from,
  receiverId: 0,
  targetId: target,
});

describe('Takeover (RFC 5353 §3.5, notes §3.7)', () => {
  it('the lower id wins (RSPLIB; RFC 5353 §3.5.1 2A reads the other way)', () => {
    assert.equal(winsArbitration(1, 2), true);
    assert.equal(winsArbitration(2, 1), false);
  });

  it('a silent peer owning PEs: Init Takeover to all after MAX-TIME-LAST-HEARD + MAX-TIME-NO-RESPONSE', () => {
    const { server } = world();
    const { now, out } = untilTakeover(server);
    assert.equal(now, 10_000);
    assert.deepEqual(eventsOf(out, 'takeoverStarted'), [
      { kind: 'takeoverStarted', target: X, awaiting: [B] },
    ]);
    const inits = messagesOf(out, 'initTakeover');
    assert.deepEqual(inits.map((i) => i.assoc).sort(), [4, 6], 'to the peers and the target');
    assert.ok(inits.every((i) => i.message.targetId === X && i.message.senderId === OWN));
  });

  it('all acks: Takeover Server to the peers, the PEs re-homed, a Keep Alive with H to each over a new association', () => {
    const { server, hs } = world(3);
    const { now } = untilTakeover(server);
    const out = server.handle({ kind: 'received', now: now + 2, assoc: 4, message: ack(B) });
    assert.deepEqual(eventsOf(out, 'takeoverDone'), [{ kind: 'takeoverDone', target: X, elements: 3 }]);
    const ts = messagesOf(out, 'takeoverServer');
    assert.deepEqual(
      ts.map((t) => [t.assoc, t.message.targetId]),
      [[4, X]],
    );
    assert.equal(hs.countOwnedBy(OWN), 3);
    assert.equal(hs.countOwnedBy(X), 0);
    assert.equal(server.peers.has(X), false);
    const c = connects(out);
    assert.equal(c.length, 3);
    assert.ok(c.every((x) => x.protocol === 'asap' && x.to.port === 5000));
    for (const [i, x] of c.entries()) {
      const up = server.handle({
        kind: 'assocUp',
        now: now + 3,
        assoc: 100 + i,
        protocol: 'asap',
        ref: x.ref,
      });
      const [ka] = asapSent(up);
      assert.equal(ka?.assoc, 100 + i);
      assert.equal(ka?.message.kind === 'endpointKeepAlive' && ka.message.homeRegistrar, true);
    }
    assert.deepEqual(
      hs.elementsOwnedBy(OWN).map((e) => [e.connection, e.timerKind]),
      [
        [100, 'keepAliveTimeout'],
        [101, 'keepAliveTimeout'],
        [102, 'keepAliveTimeout'],
      ],
    );
  });

  it('a PE that cannot be reached is removed and announced as deleted', () => {
    const { server, hs } = world(1);
    const { now } = untilTakeover(server);
    const out = server.handle({ kind: 'received', now: now + 2, assoc: 4, message: ack(B) });
    const [c] = connects(out);
    const failed = server.handle({ kind: 'connectFailed', now: now + 10, ref: c!.ref });
    assert.equal(hs.find(POOL, 1), undefined);
    assert.deepEqual(
      messagesOf(failed, 'handleUpdate').map((u) => [u.assoc, u.message.action]),
      [[4, 'deletePe']],
    );
  });

  it('a Presence from the target cancels the takeover (§3.5.1)', () => {
    const { server, hs } = world();
    const { now } = untilTakeover(server);
    const out = server.handle({
      kind: 'received',
      now: now + 1,
      assoc: 6,
      message: presenceFrom(X, { checksum: hs.checksumOf(X) }),
    });
    assert.deepEqual(eventsOf(out, 'takeoverAborted'), [
      { kind: 'takeoverAborted', target: X, reason: 'targetAlive' },
    ]);
    assert.equal(server.peers.get(X)?.status, 'active');
    const late = server.handle({ kind: 'received', now: now + 2, assoc: 4, message: ack(B) });
    assert.equal(eventsOf(late, 'takeoverDone').length, 0);
    assert.equal(hs.countOwnedBy(X), 3);
  });

  it('conflict: an Init Takeover from a higher id is ignored, ours goes on', () => {
    const { server } = world();
    const { now } = untilTakeover(server);
    const out = server.handle({ kind: 'received', now: now + 1, assoc: 4, message: init(B) });
    assert.equal(messagesOf(out, 'initTakeoverAck').length, 0);
    assert.ok(server.takeover.processes.has(X));
  });

  it('conflict: an Init Takeover from a lower id wins; we ack and stop monitoring the target', () => {
    const { server } = world();
    withPeer(server, A0, 7, 0);
    const { now } = untilTakeover(server);
    const out = server.handle({ kind: 'received', now: now + 1, assoc: 7, message: init(A0) });
    assert.deepEqual(eventsOf(out, 'takeoverAborted'), [
      { kind: 'takeoverAborted', target: X, reason: 'lostArbitration' },
    ]);
    const [a] = messagesOf(out, 'initTakeoverAck');
    assert.deepEqual([a?.assoc, a?.message.receiverId, a?.message.targetId], [7, A0, X]);
    assert.equal(server.peers.get(X)?.status, 'takenOver');
    // The winner's Takeover Server re-homes X's PEs to it.
    const ts = server.handle({
      kind: 'received',
      now: now + 5,
      assoc: 7,
      message: { kind: 'takeoverServer', senderId: A0, receiverId: OWN, targetId: X },
    });
    assert.deepEqual(eventsOf(ts, 'peerTakenOver'), [
      { kind: 'peerTakenOver', target: X, by: A0, elements: 3 },
    ]);
    assert.equal(server.handlespace.countOwnedBy(A0), 3);
    assert.equal(server.peers.has(X), false);
  });

  it('without a Takeover Server (RSPLIB never sends one) the target is forgotten after the wait; its PEs stay for the audit', () => {
    const { server, hs } = world();
    server.handle({ kind: 'received', now: 100, assoc: 4, message: init(B) });
    assert.equal(server.peers.get(X)?.status, 'takenOver');
    const out = server.handle({ kind: 'tick', now: 100 + 10_000 });
    assert.deepEqual(eventsOf(out, 'peerRemoved'), [
      { kind: 'peerRemoved', registrarId: X, reason: 'takenOver' },
    ]);
    assert.equal(hs.countOwnedBy(X), 3);
  });

  it('acks an Init Takeover for an unknown target', () => {
    const { server } = world();
    const out = server.handle({ kind: 'received', now: 100, assoc: 4, message: init(B, 0x777) });
    assert.equal(messagesOf(out, 'initTakeoverAck')[0]?.message.targetId, 0x777);
  });

  it('the target answers an Init Takeover with a Presence to everybody (§3.5.1 step 1)', () => {
    const { server } = enrpServer({ multicast: true });
    started(server);
    withPeer(server, B, 4, 0);
    const out = server.handle({ kind: 'received', now: 100, assoc: 4, message: init(B, OWN) });
    assert.equal(out.filter((a) => a.kind === 'multicast').length, 1);
    assert.equal(messagesOf(out, 'presence')[0]?.assoc, 4);
    assert.equal(messagesOf(out, 'initTakeoverAck').length, 0);
  });

  it('expiry without all acks abandons the takeover and forgets the target', () => {
    const { server, hs } = world();
    const { now } = untilTakeover(server);
    let out: ReturnType<typeof server.handle> = [];
    for (let t = now + 1_000; t <= now + 5_000; t += 1_000) {
      server.handle({ kind: 'received', now: t, assoc: 4, message: presenceFrom(B) });
      out = server.handle({ kind: 'tick', now: t });
    }
    assert.deepEqual(eventsOf(out, 'takeoverAborted'), [
      { kind: 'takeoverAborted', target: X, reason: 'expired' },
    ]);
    assert.equal(server.peers.has(X), false);
    assert.equal(hs.countOwnedBy(X), 3, 'left to expire (registration life) or to move with their PEs');
  });

  it('two peers dying together: each takeover stops waiting for the other target', () => {
    const { server, hs } = world(2);
    server.learn(0, POOL, element(50, B));
    const done: number[] = [];
    for (let t = 1_000; t <= 12_000; t += 1_000) {
      const out = server.handle({ kind: 'tick', now: t });
      done.push(...eventsOf(out, 'takeoverDone').map((e) => e.target));
    }
    assert.deepEqual(
      done.sort((a, b) => a - b),
      [B, X],
    );
    assert.equal(hs.countOwnedBy(OWN), 3);
    assert.equal(server.peers.size, 0);
  });
});
