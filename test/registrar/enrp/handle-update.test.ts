import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EnrpMessage } from '../../../src/wire/enrp-messages.js';
import type { PoolElementParameter } from '../../../src/wire/types.js';
import { build } from '../../helpers/build.js';
import {
  connects,
  element,
  enrpServer,
  eventsOf,
  messagesOf,
  OWN,
  POOL,
  started,
  withPeer,
} from './build.js';

const update = (
  from: number,
  action: 'addPe' | 'deletePe',
  pe: PoolElementParameter,
  takeoverSuggested = false,
): EnrpMessage => build.handleUpdate({ senderId: from, takeoverSuggested, action, poolElement: pe });

function withTwoPeers(options = {}) {
  const x = enrpServer(options);
  started(x.server);
  withPeer(x.server, 0x200, 4, 0);
  withPeer(x.server, 0x300, 5, 0);
  return x;
}

describe('Handle Update out (RFC 5353 §3.3)', () => {
  it("announces an own PE change to every live peer with that peer's id as receiver id", () => {
    const { server } = withTwoPeers();
    const out = server.handle({
      kind: 'ownElementChanged',
      now: 1,
      change: 'added',
      poolHandle: POOL,
      element: element(7, OWN),
    });
    const updates = messagesOf(out, 'handleUpdate');
    assert.deepEqual(updates.map((u) => u.assoc).sort(), [4, 5]);
    // RFC 5353 §2.1: point to point, the receiver's id (field test: always 0, even to known peers).
    assert.deepEqual(updates.map((u) => [u.assoc, u.message.receiverId]).sort(), [
      [4, 0x200],
      [5, 0x300],
    ]);
    for (const u of updates) {
      assert.equal(u.message.action, 'addPe');
      assert.equal(u.message.senderId, OWN);
      assert.equal(u.message.takeoverSuggested, false);
    }
    const del = server.handle({
      kind: 'ownElementChanged',
      now: 2,
      change: 'removed',
      poolHandle: POOL,
      element: element(7, OWN),
    });
    assert.deepEqual(
      messagesOf(del, 'handleUpdate')
        .map((u) => [u.message.action, u.message.receiverId])
        .sort(),
      [
        ['deletePe', 0x200],
        ['deletePe', 0x300],
      ],
    );
  });
});

describe('Handle Update in (RFC 5353 §3.3, notes §3.4)', () => {
  it('adds a peer PE with an expiry of one registration life, refreshed by the next update', () => {
    const { server, hs } = withTwoPeers();
    server.handle({
      kind: 'received',
      now: 10,
      assoc: 4,
      message: update(0x200, 'addPe', element(7, 0x200, 20_000)),
    });
    const e = hs.find(POOL, 7)!;
    assert.equal(e.homeRegistrarId, 0x200);
    assert.equal(e.connection, undefined);
    assert.equal(e.timerKind, 'expiry');
    assert.equal(e.timerDeadline, 10 + 20_000);
    server.handle({
      kind: 'received',
      now: 500,
      assoc: 4,
      message: update(0x200, 'addPe', element(7, 0x200, 20_000)),
    });
    assert.equal(hs.find(POOL, 7)?.timerDeadline, 500 + 20_000);
  });

  it('a PE with infinite life (-1) gets no expiry', () => {
    const { server, hs } = withTwoPeers();
    server.handle({
      kind: 'received',
      now: 10,
      assoc: 4,
      message: update(0x200, 'addPe', element(7, 0x200, -1)),
    });
    assert.equal(hs.find(POOL, 7)?.timerKind, undefined);
  });

  it('moves a PE to its new home when another peer announces it', () => {
    const { server, hs } = withTwoPeers();
    server.handle({
      kind: 'received',
      now: 10,
      assoc: 4,
      message: update(0x200, 'addPe', element(7, 0x200)),
    });
    server.handle({
      kind: 'received',
      now: 20,
      assoc: 5,
      message: update(0x300, 'addPe', element(7, 0x300)),
    });
    assert.equal(hs.find(POOL, 7)?.homeRegistrarId, 0x300);
    assert.equal(hs.countOwnedBy(0x200), 0);
  });

  it('deletes on the owner’s word only (unlike RSPLIB quirk 11), or when the owner is no live peer', () => {
    const { server, hs } = withTwoPeers();
    server.handle({
      kind: 'received',
      now: 10,
      assoc: 4,
      message: update(0x200, 'addPe', element(7, 0x200)),
    });
    const ignored = server.handle({
      kind: 'received',
      now: 20,
      assoc: 5,
      message: update(0x300, 'deletePe', element(7, 0x300)),
    });
    assert.deepEqual(
      eventsOf(ignored, 'handleUpdateIgnored').map((e) => e.reason),
      ['notOwner'],
    );
    assert.ok(hs.find(POOL, 7));
    server.handle({
      kind: 'received',
      now: 30,
      assoc: 4,
      message: update(0x200, 'deletePe', element(7, 0x200)),
    });
    assert.equal(hs.find(POOL, 7), undefined);
    // Owner unknown (e.g. taken over and forgotten): anybody's delete counts.
    server.learn(40, POOL, element(8, 0x999));
    server.handle({
      kind: 'received',
      now: 50,
      assoc: 5,
      message: update(0x300, 'deletePe', element(8, 0x300)),
    });
    assert.equal(hs.find(POOL, 8), undefined);
  });

  it('ignores an add that claims us as home and any delete of our own PE', () => {
    const { server, hs } = withTwoPeers();
    const a = server.handle({
      kind: 'received',
      now: 10,
      assoc: 4,
      message: update(0x200, 'addPe', element(7, OWN)),
    });
    assert.deepEqual(
      eventsOf(a, 'handleUpdateIgnored').map((e) => e.reason),
      ['ownElement'],
    );
    assert.equal(hs.find(POOL, 7), undefined);
    hs.register({ poolHandle: POOL, element: element(8, OWN), now: 0, connection: 9 });
    server.handle({
      kind: 'received',
      now: 20,
      assoc: 4,
      message: update(0x200, 'deletePe', element(8, 0x200)),
    });
    assert.ok(hs.find(POOL, 8));
  });

  it('ignores a peer’s add of a PE we own (a late update of its old home must not undo our takeover)', () => {
    const { server, hs } = withTwoPeers();
    hs.register({ poolHandle: POOL, element: element(8, OWN), now: 0, connection: 9 });
    const a = server.handle({
      kind: 'received',
      now: 10,
      assoc: 4,
      message: update(0x200, 'addPe', element(8, 0x200)),
    });
    assert.deepEqual(
      eventsOf(a, 'handleUpdateIgnored').map((e) => e.reason),
      ['ownElement'],
    );
    assert.equal(hs.find(POOL, 8)?.homeRegistrarId, OWN);
    assert.equal(hs.find(POOL, 8)?.connection, 9);
  });

  it('learns a new peer from its Handle Update and asks for its Presence (§3.4.1)', () => {
    const { server } = enrpServer();
    started(server);
    const out = server.handle({
      kind: 'received',
      now: 10,
      assoc: 6,
      message: update(0x400, 'addPe', element(7, 0x400)),
    });
    assert.deepEqual(eventsOf(out, 'peerAdded'), [{ kind: 'peerAdded', registrarId: 0x400, via: 'message' }]);
    const [p] = messagesOf(out, 'presence');
    assert.equal(p?.assoc, 6);
    assert.equal(p?.message.replyRequired, true);
  });
});

describe('Takeover suggestion (draft-dreibholz-rserpool-enrp-takeover, option)', () => {
  it('off by default: no T flag, and a T flag received is a plain add', () => {
    const { server, hs } = withTwoPeers();
    const out = server.handle({
      kind: 'ownElementChanged',
      now: 1,
      change: 'added',
      poolHandle: POOL,
      element: element(0xffff0000, OWN),
    });
    assert.ok(messagesOf(out, 'handleUpdate').every((u) => !u.message.takeoverSuggested));
    const r = server.handle({
      kind: 'received',
      now: 2,
      assoc: 4,
      message: update(0x200, 'addPe', element(9, 0x200), true),
    });
    assert.equal(connects(r).length, 0);
    assert.equal(hs.find(POOL, 9)?.homeRegistrarId, 0x200);
  });

  it('on: the peer with the largest (peer id XOR PE id) above ours gets T', () => {
    const { server } = withTwoPeers({ supportTakeoverSuggestion: true });
    const id = 0x00000301; // 0x300 ^ id = 0x001 ; 0x200 ^ id = 0x101 ; OWN ^ id = 0x201
    const out = server.handle({
      kind: 'ownElementChanged',
      now: 1,
      change: 'added',
      poolHandle: POOL,
      element: element(id, OWN),
    });
    assert.deepEqual(
      messagesOf(out, 'handleUpdate')
        .filter((u) => u.message.takeoverSuggested)
        .map((u) => u.assoc),
      [],
    );
    const id2 = 0x00000001; // 0x300 ^ 1 = 0x301 > 0x200 ^ 1 = 0x201 > OWN ^ 1 = 0x101
    const out2 = server.handle({
      kind: 'ownElementChanged',
      now: 1,
      change: 'added',
      poolHandle: POOL,
      element: element(id2, OWN),
    });
    assert.deepEqual(
      messagesOf(out2, 'handleUpdate')
        .filter((u) => u.message.takeoverSuggested)
        .map((u) => u.assoc),
      [5],
    );
  });

  it('on: a suggested PE is claimed (Keep Alive with H over a new association) and re-announced with us as home', () => {
    const { server, hs } = withTwoPeers({ supportTakeoverSuggestion: true });
    const out = server.handle({
      kind: 'received',
      now: 2,
      assoc: 4,
      message: update(0x200, 'addPe', element(9, 0x200), true),
    });
    assert.equal(hs.find(POOL, 9)?.homeRegistrarId, OWN);
    const [c] = connects(out);
    assert.equal(c?.protocol, 'asap');
    assert.deepEqual(
      messagesOf(out, 'handleUpdate')
        .map((u) => [u.assoc, u.message.poolElement.homeRegistrarId])
        .sort(),
      [
        [4, OWN],
        [5, OWN],
      ],
    );
    const up = server.handle({ kind: 'assocUp', now: 3, assoc: 50, protocol: 'asap', ref: c!.ref });
    const ka = up.find((a) => a.kind === 'send' && a.protocol === 'asap');
    assert.deepEqual(ka && ka.kind === 'send' ? ka.message : undefined, {
      kind: 'endpointKeepAlive',
      homeRegistrar: true,
      registrarId: OWN,
      poolHandle: POOL,
      poolElementId: 9,
    });
    assert.equal(hs.find(POOL, 9)?.connection, 50);
  });
});
