import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import { Registrar, type RegistrarAction, type RegistrarOptions } from '../../src/registrar/registrar.js';
import type { AsapMessage } from '../../src/wire/asap-messages.js';
import type { EnrpMessage } from '../../src/wire/enrp-messages.js';
import { build } from '../helpers/build.js';
import { element, POOL, presenceFrom } from './enrp/build.js';

const ID = 0xa1;
const PEER = 0xb2;

function registrar(options: Partial<RegistrarOptions> = {}) {
  return new Registrar(
    {
      registrarId: ID,
      asapTransport: { kind: 'sctp', port: 3863, transportUse: 'data', addresses: ['10.0.0.1'] },
      enrpTransport: { kind: 'sctp', port: 9901, transportUse: 'data', addresses: ['10.0.0.1'] },
      enrpMulticast: false,
      ...options,
    },
    new SeededRandom(3),
  );
}

const enrpOut = (a: RegistrarAction[]) =>
  a.flatMap((x) =>
    x.kind === 'send' && x.protocol === 'enrp' ? [{ assoc: x.assoc, message: x.message as EnrpMessage }] : [],
  );
const asapOut = (a: RegistrarAction[]) =>
  a.flatMap((x) =>
    x.kind === 'send' && x.protocol === 'asap' ? [{ assoc: x.assoc, message: x.message as AsapMessage }] : [],
  );

const registration = (id: number): AsapMessage => build.registration({ id, address: '10.0.0.9' });

/** A started registrar with ENRP peer PEER on association 2. */
function withPeer(options: Partial<RegistrarOptions> = {}) {
  const r = registrar(options);
  r.handle({ kind: 'start', now: 0 });
  r.handle({
    kind: 'assocUp',
    now: 0,
    assoc: 2,
    protocol: 'enrp',
    peer: { addresses: ['10.0.0.2'], port: 40000 },
  });
  r.handle({ kind: 'received', now: 0, assoc: 2, protocol: 'enrp', message: presenceFrom(PEER) });
  return r;
}

describe('Registrar (ASAP + ENRP core)', () => {
  it('draws a random non-zero id when given 0', () => {
    for (let seed = 0; seed < 50; seed++) {
      const r = new Registrar({ registrarId: 0 }, new SeededRandom(seed));
      assert.notEqual(r.registrarId, 0);
      assert.equal(r.handlespace.ownRegistrarId, r.registrarId);
    }
  });

  it('starts Server Announces only when the ENRP start-up phase ends', () => {
    const r = registrar({ peers: [{ addresses: ['10.0.0.2'], port: 9901 }] });
    r.handle({ kind: 'start', now: 0 });
    assert.equal(r.inStartup, true);
    const early = r.handle({ kind: 'tick', now: 1_000 });
    assert.equal(early.filter((a) => a.kind === 'multicast' && a.protocol === 'asap').length, 0);
    const out: RegistrarAction[] = [];
    for (let now = 1_000; now <= 7_000; now = r.nextDeadline()!) out.push(...r.handle({ kind: 'tick', now }));
    assert.equal(r.inStartup, false);
    assert.ok(
      out.some((a) => a.kind === 'multicast' && a.protocol === 'asap' && a.message.kind === 'serverAnnounce'),
    );
  });

  it('turns a registration into a Handle Update to every peer, and an association loss into a delete', () => {
    const r = withPeer();
    r.handle({
      kind: 'assocUp',
      now: 1,
      assoc: 10,
      protocol: 'asap',
      peer: { addresses: ['10.0.0.9'], port: 5000 },
    });
    const out = r.handle({
      kind: 'received',
      now: 1,
      assoc: 10,
      protocol: 'asap',
      message: registration(0x77),
    });
    assert.equal(asapOut(out)[0]?.message.kind, 'registrationResponse');
    const [u] = enrpOut(out);
    assert.equal(u?.assoc, 2);
    assert.ok(u?.message.kind === 'handleUpdate' && u.message.action === 'addPe');
    assert.deepEqual(u?.message.kind === 'handleUpdate' && u.message.poolElement.asapTransport, {
      kind: 'sctp',
      port: 5000,
      transportUse: 'data',
      addresses: ['10.0.0.9'],
    });
    const lost = r.handle({ kind: 'assocLost', now: 2, assoc: 10 });
    const [d] = enrpOut(lost);
    assert.ok(d?.message.kind === 'handleUpdate' && d.message.action === 'deletePe');
    assert.equal(r.handlespace.size, 0);
  });

  describe('a PE of ours that moves to another home (field test: lost from both handlespaces)', () => {
    /** PE `id` registered with us over association 10. */
    function registered(r: Registrar, id: number): RegistrarAction[] {
      const peer = { addresses: ['10.0.0.9'], port: 5000 };
      r.handle({ kind: 'assocUp', now: 1, assoc: 10, protocol: 'asap', peer });
      return r.handle({ kind: 'received', now: 1, assoc: 10, protocol: 'asap', message: registration(id) });
    }
    const updates = (out: RegistrarAction[]) =>
      enrpOut(out).flatMap((u) => (u.message.kind === 'handleUpdate' ? [u.message] : []));
    /** PEER's Handle Update for PE `id`, naming PEER as its home. */
    const peerUpdate = (action: 'addPe' | 'deletePe', id: number): EnrpMessage =>
      build.handleUpdate({ senderId: PEER, receiverId: ID, action, poolElement: element(id, PEER) });
    const handedOver = (out: RegistrarAction[]) =>
      out.flatMap((a) => (a.kind === 'notify' && a.event.kind === 'elementHandedOver' ? [a.event] : []));

    it('suggested away (T) and then gone from our association: still ours, no delete, until the peer claims it', () => {
      const r = withPeer({ supportTakeoverSuggestion: true });
      // PEER xor 0x01 beats ours: the Handle Update carries T.
      const [add] = updates(registered(r, 0x01));
      assert.equal(add?.takeoverSuggested, true);
      const ownChecksum = r.handlespace.checksumOf(ID);
      // PEER claims it (Keep Alive with H, no Handle Update, as RSPLIB does); the PE leaves us.
      const lost = r.handle({ kind: 'assocLost', now: 50, assoc: 10 });
      assert.deepEqual(updates(lost), [], 'no delete: RSPLIB would drop the live PE');
      // RSPLIB keeps counting it as ours until the PE re-registers there: so do we, or audits purge it.
      const pe = r.handlespace.find(POOL, 0x01);
      assert.equal(pe?.homeRegistrarId, ID);
      assert.equal(pe?.connection, undefined);
      assert.equal(r.handlespace.checksumOf(ID), ownChecksum, "PEER's audit of our PEs still matches");
      // The PE re-registers at PEER, whose Handle Update now names it as home: it is PEER's here.
      const claim = peerUpdate('addPe', 0x01);
      const out = r.handle({ kind: 'received', now: 60, assoc: 2, protocol: 'enrp', message: claim });
      assert.deepEqual(handedOver(out), [
        { kind: 'elementHandedOver', poolHandle: POOL, id: 0x01, to: PEER },
      ]);
      assert.equal(r.handlespace.find(POOL, 0x01)?.homeRegistrarId, PEER);
    });

    it('suggested away and never claimed: deleted as ours after one registration life', () => {
      const r = withPeer({ supportTakeoverSuggestion: true });
      registered(r, 0x01);
      r.handle({ kind: 'assocLost', now: 50, assoc: 10 });
      const life = r.handlespace.find(POOL, 0x01)?.registrationLife ?? 0;
      assert.ok(life > 0);
      const out = r.handle({ kind: 'tick', now: 50 + life });
      assert.deepEqual(
        updates(out).map((u) => [u.action, u.receiverId]),
        [['deletePe', PEER]],
      );
      assert.equal(r.handlespace.find(POOL, 0x01), undefined);
    });

    it('announced by a peer as its own and then gone from our association: kept as the peer PE', () => {
      const r = withPeer();
      registered(r, 0x77);
      const claim = peerUpdate('addPe', 0x77);
      r.handle({ kind: 'received', now: 10, assoc: 2, protocol: 'enrp', message: claim });
      assert.equal(r.handlespace.find(POOL, 0x77)?.homeRegistrarId, ID, 'ours while it is with us');
      const lost = r.handle({ kind: 'assocLost', now: 50, assoc: 10 });
      assert.deepEqual(updates(lost), []);
      assert.equal(r.handlespace.find(POOL, 0x77)?.homeRegistrarId, PEER);
    });

    it('a PE that did not move is deleted as before when its association ends', () => {
      const r = withPeer({ supportTakeoverSuggestion: true });
      registered(r, 0x77); // ours xor 0x77 wins: no suggestion
      const lost = r.handle({ kind: 'assocLost', now: 50, assoc: 10 });
      assert.deepEqual(
        updates(lost).map((u) => [u.action, u.receiverId]),
        [['deletePe', PEER]],
      );
      assert.equal(r.handlespace.size, 0);
    });

    it("answers a peer's delete of a live PE of ours with an add (RSPLIB as the old home, quirk 15)", () => {
      const r = withPeer();
      registered(r, 0x77);
      const del = peerUpdate('deletePe', 0x77);
      const out = r.handle({ kind: 'received', now: 10, assoc: 2, protocol: 'enrp', message: del });
      const [u] = updates(out);
      assert.equal(u?.action, 'addPe');
      assert.equal(u?.receiverId, PEER);
      assert.equal(u?.poolElement.homeRegistrarId, ID);
      assert.equal(r.handlespace.find(POOL, 0x77)?.homeRegistrarId, ID);
    });
  });

  it('answers an hsdump-like client: Presence, then List Request and Handle Table Request', () => {
    const r = withPeer();
    r.handle({
      kind: 'assocUp',
      now: 1,
      assoc: 10,
      protocol: 'asap',
      peer: { addresses: ['10.0.0.9'], port: 5000 },
    });
    r.handle({ kind: 'received', now: 1, assoc: 10, protocol: 'asap', message: registration(0x77) });
    const dump = 0x12345678;
    r.handle({
      kind: 'assocUp',
      now: 2,
      assoc: 20,
      protocol: 'enrp',
      peer: { addresses: ['10.0.0.50'], port: 40001 },
    });
    const p = r.handle({
      kind: 'received',
      now: 2,
      assoc: 20,
      protocol: 'enrp',
      message: presenceFrom(dump),
    });
    assert.ok(enrpOut(p).some((s) => s.assoc === 20 && s.message.kind === 'presence'));
    const l = r.handle({
      kind: 'received',
      now: 3,
      assoc: 20,
      protocol: 'enrp',
      message: { kind: 'listRequest', senderId: dump, receiverId: ID },
    });
    const [lr] = enrpOut(l);
    assert.ok(lr?.message.kind === 'listResponse' && !lr.message.reject);
    const h = r.handle({
      kind: 'received',
      now: 4,
      assoc: 20,
      protocol: 'enrp',
      message: { kind: 'handleTableRequest', senderId: dump, receiverId: ID, ownChildrenOnly: false },
    });
    const [hr] = enrpOut(h);
    assert.ok(hr?.message.kind === 'handleTableResponse' && !hr.message.reject && !hr.message.moreToSend);
    assert.deepEqual(
      hr.message.kind === 'handleTableResponse' &&
        hr.message.pools.flatMap((x) => x.poolElements.map((e) => e.id)),
      [0x77],
    );
  });

  it('completes a takeover end to end: the PE acks the Keep Alive with H and is then monitored like our own', () => {
    const r = withPeer();
    r.enrp.learn(0, POOL, element(9, PEER));
    let connect: Extract<RegistrarAction, { kind: 'connect' }> | undefined;
    for (let now = 500; now <= 12_000 && connect === undefined; now += 500) {
      const out = r.handle({ kind: 'tick', now });
      connect = out.find(
        (a): a is Extract<RegistrarAction, { kind: 'connect' }> =>
          a.kind === 'connect' && a.protocol === 'asap',
      );
    }
    assert.ok(connect, 'takeover (nobody else to ask) and a connect to the PE');
    assert.deepEqual(connect.to, { addresses: ['10.1.0.9'], port: 5000 });
    const up = r.handle({
      kind: 'assocUp',
      now: 12_001,
      assoc: 30,
      protocol: 'asap',
      peer: { addresses: ['10.1.0.9'], port: 5000 },
      ref: connect.ref,
    });
    const [ka] = asapOut(up);
    assert.ok(ka?.message.kind === 'endpointKeepAlive' && ka.message.homeRegistrar && ka.assoc === 30);
    r.handle({
      kind: 'received',
      now: 12_002,
      assoc: 30,
      protocol: 'asap',
      message: { kind: 'endpointKeepAliveAck', poolHandle: POOL, poolElementId: 9 },
    });
    const e = r.handlespace.find(POOL, 9)!;
    assert.equal(e.homeRegistrarId, ID);
    assert.equal(e.timerKind, 'keepAliveTransmission');
    // The association's loss now removes it like any own PE.
    r.handle({ kind: 'assocLost', now: 13_000, assoc: 30 });
    assert.equal(r.handlespace.find(POOL, 9), undefined);
  });

  it('stop closes every association and goes quiet', () => {
    const r = withPeer();
    r.handle({
      kind: 'assocUp',
      now: 1,
      assoc: 10,
      protocol: 'asap',
      peer: { addresses: ['10.0.0.9'], port: 5000 },
    });
    const out = r.handle({ kind: 'stop', now: 5 });
    const closed = out.flatMap((a) => (a.kind === 'close' ? [a.assoc] : [])).sort((a, b) => a - b);
    assert.deepEqual(closed, [2, 10]);
    assert.equal(r.nextDeadline(), undefined);
    assert.deepEqual(r.handle({ kind: 'tick', now: 10_000 }), []);
  });

  it('announces the removal of a peer-owned PE found unreachable (RFC 5353 §3.3.2), not its expiry', () => {
    const r = withPeer({ maxBadPeReports: 1 });
    r.enrp.learn(0, POOL, element(9, PEER));
    r.handle({
      kind: 'assocUp',
      now: 1,
      assoc: 40,
      protocol: 'asap',
      peer: { addresses: ['10.0.0.40'], port: 6000 },
    });
    const out = r.handle({
      kind: 'received',
      now: 2,
      assoc: 40,
      protocol: 'asap',
      message: { kind: 'endpointUnreachable', poolHandle: POOL, poolElementId: 9 },
    });
    const [d] = enrpOut(out);
    assert.ok(
      d?.message.kind === 'handleUpdate' && d.message.action === 'deletePe' && d.message.poolElement.id === 9,
    );
    r.enrp.learn(3, POOL, element(10, PEER, 1_000));
    const expired = r.handle({ kind: 'tick', now: 1_003 });
    assert.equal(r.handlespace.find(POOL, 10), undefined);
    assert.equal(enrpOut(expired).filter((m) => m.message.kind === 'handleUpdate').length, 0);
  });
});
