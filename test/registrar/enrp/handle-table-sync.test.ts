import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EnrpHandleTableResponse, EnrpMessage } from '../../../src/wire/enrp-messages.js';
import { encodeEnrp } from '../../../src/wire/index.js';
import {
  connects,
  element,
  enrpServer,
  eventsOf,
  handle,
  messagesOf,
  OWN,
  POOL,
  presenceFrom,
  started,
  withPeer,
} from './build.js';

const htRequest = (from: number, ownChildrenOnly: boolean): EnrpMessage => ({
  kind: 'handleTableRequest',
  senderId: from,
  receiverId: OWN,
  ownChildrenOnly,
});

/** Registrar 0x200's Handle Table Response to us: one piece of pool POOL (or a rejection). */
function responseFrom200(
  poolElements: readonly ReturnType<typeof element>[],
  options: { more?: boolean; reject?: boolean } = {},
): EnrpMessage {
  return {
    kind: 'handleTableResponse',
    senderId: 0x200,
    receiverId: OWN,
    reject: options.reject ?? false,
    moreToSend: options.more ?? false,
    pools: options.reject ? [] : [{ poolHandle: POOL, poolElements: [...poolElements] }],
  };
}

function fill(hs: ReturnType<typeof enrpServer>['hs'], n: number, owner: number, first = 1, pools = 3): void {
  for (let i = 0; i < n; i++) {
    const r = hs.register({
      poolHandle: handle(`pool-${i % pools}`),
      element: element(first + i, owner),
      now: 0,
    });
    assert.ok(r.ok);
  }
}

/** Plays a requester against `server` until the response without M; returns all responses. */
function download(
  server: ReturnType<typeof enrpServer>['server'],
  from: number,
  w: boolean,
): EnrpHandleTableResponse[] {
  const responses: EnrpHandleTableResponse[] = [];
  for (let i = 0; i < 10_000; i++) {
    const out = server.handle({ kind: 'received', now: 1 + i, assoc: 4, message: htRequest(from, w) });
    const [r] = messagesOf(out, 'handleTableResponse');
    assert.ok(r, 'a response');
    responses.push(r.message);
    if (!r.message.moreToSend) break;
  }
  return responses;
}

describe('Handle Table responder (RFC 5353 §3.2.3, §3.6.3)', () => {
  it('rejects a request from a registrar that has not sent a Presence (RSPLIB hygiene)', () => {
    const { server } = enrpServer();
    started(server);
    const out = server.handle({ kind: 'received', now: 1, assoc: 4, message: htRequest(0x200, false) });
    const [r] = messagesOf(out, 'handleTableResponse');
    assert.equal(r?.message.reject, true);
    assert.deepEqual(r?.message.pools, []);
    assert.equal(r?.message.receiverId, 0x200);
    assert.equal(server.peers.has(0x200), false, 'an HT request does not make a peer');
  });

  it('sends 1,000 PEs in pieces of at most 1400 bytes and 128 PEs, M on all but the last, nothing lost or repeated', () => {
    const { server, hs } = enrpServer();
    started(server);
    fill(hs, 600, OWN);
    fill(hs, 400, 0x300, 10_000);
    withPeer(server, 0x200, 4, 0); // hsdump-like: Presence first, then the request
    const responses = download(server, 0x200, false);
    const ids: number[] = [];
    for (const [i, r] of responses.entries()) {
      assert.ok(encodeEnrp(r).length <= 1400, `response ${i} is ${encodeEnrp(r).length} bytes`);
      const n = r.pools.reduce((s, p) => s + p.poolElements.length, 0);
      assert.ok(n >= 1 && n <= 128);
      assert.equal(r.moreToSend, i < responses.length - 1);
      for (const p of r.pools)
        for (const pe of p.poolElements) {
          ids.push(pe.id);
          assert.ok(pe.asapTransport, 'PEs in ENRP carry their ASAP transport');
        }
    }
    assert.equal(ids.length, 1000);
    assert.equal(new Set(ids).size, 1000);
    assert.ok(responses.length >= 1000 / 128);
  });

  it('honours maxElementsPerHtRequest', () => {
    const { server, hs } = enrpServer({ maxElementsPerHtRequest: 5 });
    started(server);
    fill(hs, 12, OWN);
    withPeer(server, 0x200, 4, 0);
    const counts = download(server, 0x200, false).map((r) =>
      r.pools.reduce((s, p) => s + p.poolElements.length, 0),
    );
    assert.deepEqual(counts, [5, 5, 2]);
  });

  it('with W sends only our own PEs', () => {
    const { server, hs } = enrpServer();
    started(server);
    fill(hs, 30, OWN);
    fill(hs, 20, 0x300, 1000);
    withPeer(server, 0x200, 4, 0);
    const ids = download(server, 0x200, true).flatMap((r) =>
      r.pools.flatMap((p) => p.poolElements.map((e) => e.id)),
    );
    assert.equal(ids.length, 30);
    assert.ok(ids.every((id) => id < 1000));
  });

  it('an empty handlespace gives one response without M and no pools', () => {
    const { server } = enrpServer();
    started(server);
    withPeer(server, 0x200, 4, 0);
    const [r] = download(server, 0x200, false);
    assert.deepEqual(
      { ...r, pools: [...r!.pools] },
      {
        kind: 'handleTableResponse',
        senderId: OWN,
        receiverId: 0x200,
        reject: false,
        moreToSend: false,
        pools: [],
      },
    );
  });
});

describe('Mentor download in start-up (RFC 5353 §3.2.2-§3.2.3, notes §3.5)', () => {
  it('takes the first peer heard as mentor: List Request, Handle Table Request without W, follows M, ends start-up', () => {
    const { server, hs } = enrpServer({ multicast: true });
    started(server);
    const out = server.handle({ kind: 'received', now: 100, assoc: 4, message: presenceFrom(0x200) });
    assert.deepEqual(eventsOf(out, 'mentorSelected'), [{ kind: 'mentorSelected', registrarId: 0x200 }]);
    assert.equal(messagesOf(out, 'listRequest').length, 1);
    const [req] = messagesOf(out, 'handleTableRequest');
    assert.equal(req?.message.ownChildrenOnly, false);
    // The mentor answers in two pieces; PEs of several owners arrive.
    const piece = (more: boolean, ids: number[], owner: number): EnrpMessage =>
      responseFrom200(
        ids.map((id) => element(id, owner)),
        { more },
      );
    const r1 = server.handle({ kind: 'received', now: 110, assoc: 4, message: piece(true, [1, 2], 0x200) });
    assert.equal(messagesOf(r1, 'handleTableRequest')[0]?.message.ownChildrenOnly, false, 'asks for more');
    assert.equal(server.inStartup, true);
    const r2 = server.handle({ kind: 'received', now: 120, assoc: 4, message: piece(false, [3], 0x300) });
    assert.deepEqual(eventsOf(r2, 'startupDone'), [{ kind: 'startupDone', reason: 'mentorSync' }]);
    assert.equal(hs.size, 3);
    assert.equal(hs.find(POOL, 3)?.homeRegistrarId, 0x300);
    assert.equal(hs.find(POOL, 3)?.timerKind, 'expiry');
    assert.equal(hs.find(POOL, 3)?.timerDeadline, 120 + 30_000, 'expiry = registration life (ms, RSPLIB)');
  });

  it('claims back PEs the mentor lists as ours that we do not know (restart with the same id)', () => {
    const { server, hs } = enrpServer({ multicast: true });
    started(server);
    server.handle({ kind: 'received', now: 100, assoc: 4, message: presenceFrom(0x200) });
    const out = server.handle({
      kind: 'received',
      now: 110,
      assoc: 4,
      message: responseFrom200([element(5, OWN), element(6, 0x200)]),
    });
    assert.equal(hs.find(POOL, 5)?.homeRegistrarId, OWN);
    assert.equal(hs.find(POOL, 5)?.timerKind, 'keepAliveTimeout');
    assert.deepEqual(
      connects(out).map((c) => [c.protocol, c.to.port]),
      [['asap', 5000]],
    );
  });

  it('a rejecting mentor is replaced by another live peer', () => {
    const { server } = enrpServer({ multicast: true });
    started(server);
    server.handle({ kind: 'received', now: 100, assoc: 4, message: presenceFrom(0x200) });
    server.handle({ kind: 'received', now: 101, assoc: 5, message: presenceFrom(0x300) });
    const out = server.handle({
      kind: 'received',
      now: 110,
      assoc: 4,
      message: responseFrom200([], { reject: true }),
    });
    assert.deepEqual(eventsOf(out, 'syncFailed'), [
      { kind: 'syncFailed', registrarId: 0x200, reason: 'rejected' },
    ]);
    assert.deepEqual(eventsOf(out, 'mentorSelected'), [{ kind: 'mentorSelected', registrarId: 0x300 }]);
    assert.equal(messagesOf(out, 'handleTableRequest')[0]?.assoc, 5);
  });

  it('rejects full-table requests, own-PE requests (W) and, until the mentor answered our List Request, List Requests while its own mentor download runs', () => {
    const { server } = enrpServer({ multicast: true });
    started(server);
    server.handle({ kind: 'received', now: 100, assoc: 4, message: presenceFrom(0x200) });
    withPeer(server, 0x300, 5, 101);
    const out = server.handle({ kind: 'received', now: 102, assoc: 5, message: htRequest(0x300, false) });
    assert.equal(messagesOf(out, 'handleTableResponse')[0]?.message.reject, true);
    // Restarted with the same id, we learn our own PEs from the mentor: an empty W answer now would
    // make the auditing peer purge them.
    const w = server.handle({ kind: 'received', now: 102, assoc: 5, message: htRequest(0x300, true) });
    assert.equal(messagesOf(w, 'handleTableResponse')[0]?.message.reject, true);
    const l = server.handle({
      kind: 'received',
      now: 103,
      assoc: 5,
      message: { kind: 'listRequest', senderId: 0x300, receiverId: OWN },
    });
    assert.equal(messagesOf(l, 'listResponse')[0]?.message.reject, true);
  });
  it("answers List Requests once the mentor's List Response arrived, while the table download still runs", () => {
    const { server } = enrpServer({ multicast: true });
    started(server);
    server.handle({ kind: 'received', now: 100, assoc: 4, message: presenceFrom(0x200) });
    withPeer(server, 0x300, 5, 101);
    server.handle({
      kind: 'received',
      now: 102,
      assoc: 4,
      message: { kind: 'listResponse', senderId: 0x200, receiverId: OWN, reject: false, servers: [] },
    });
    assert.equal(server.inStartup, true, 'the handle table download from the mentor still runs');
    const full = server.handle({ kind: 'received', now: 103, assoc: 5, message: htRequest(0x300, false) });
    assert.equal(messagesOf(full, 'handleTableResponse')[0]?.message.reject, true, 'the table is not ready');
    const l = server.handle({
      kind: 'received',
      now: 104,
      assoc: 5,
      message: { kind: 'listRequest', senderId: 0x300, receiverId: OWN },
    });
    // RFC 5353 §3.2.2.2: reject only when not ready to provide the peer list.
    const [r] = messagesOf(l, 'listResponse');
    assert.equal(r?.message.reject, false);
    assert.equal(r?.message.receiverId, 0x300);
  });

  it('answers own-PE requests (W) once the mentor download ended, with the PEs it claimed back', () => {
    const { server } = enrpServer({ multicast: true });
    started(server);
    server.handle({ kind: 'received', now: 100, assoc: 4, message: presenceFrom(0x200) });
    server.handle({
      kind: 'received',
      now: 110,
      assoc: 4,
      message: responseFrom200([element(5, OWN)]),
    });
    assert.equal(server.inStartup, false);
    const w = server.handle({ kind: 'received', now: 120, assoc: 4, message: htRequest(0x200, true) });
    const [r] = messagesOf(w, 'handleTableResponse');
    assert.equal(r?.message.reject, false);
    assert.deepEqual(
      r?.message.pools.flatMap((p) => p.poolElements.map((e) => e.id)),
      [5],
    );
  });
});

describe('Audit and resynchronisation (RFC 5353 §3.6)', () => {
  it('a matching checksum starts nothing; a mismatch marks, requests with W, re-adds and purges', () => {
    const { server, hs } = enrpServer();
    started(server);
    withPeer(server, 0x200, 4, 0);
    // We believe 0x200 owns PEs 1..3; it really owns 2, 3 and 4.
    for (const id of [1, 2, 3]) server.learn(0, POOL, element(id, 0x200));
    const ours = hs.checksumOf(0x200);
    const same = server.handle({
      kind: 'received',
      now: 10,
      assoc: 4,
      message: presenceFrom(0x200, { checksum: ours }),
    });
    assert.equal(messagesOf(same, 'handleTableRequest').length, 0);

    const out = server.handle({
      kind: 'received',
      now: 20,
      assoc: 4,
      message: presenceFrom(0x200, { checksum: 0x1234 }),
    });
    assert.deepEqual(eventsOf(out, 'auditMismatch'), [
      { kind: 'auditMismatch', registrarId: 0x200, theirs: 0x1234, ours },
    ]);
    const [req] = messagesOf(out, 'handleTableRequest');
    assert.equal(req?.message.ownChildrenOnly, true);
    // While the download runs, further Presences do not start another one.
    const again = server.handle({
      kind: 'received',
      now: 21,
      assoc: 4,
      message: presenceFrom(0x200, { checksum: 0x1234 }),
    });
    assert.equal(messagesOf(again, 'handleTableRequest').length, 0);
    const done = server.handle({
      kind: 'received',
      now: 30,
      assoc: 4,
      message: responseFrom200([2, 3, 4].map((id) => element(id, 0x200))),
    });
    assert.deepEqual(eventsOf(done, 'syncDone'), [
      { kind: 'syncDone', registrarId: 0x200, reason: 'audit', elements: 3, purged: 1 },
    ]);
    assert.deepEqual(
      hs.elementsOwnedBy(0x200).map((e) => e.id),
      [2, 3, 4],
    );
  });

  it('audits only Presence received over SCTP (like RSPLIB), not multicast', () => {
    const { server } = enrpServer();
    started(server);
    withPeer(server, 0x200, 4, 0);
    const out = server.handle({
      kind: 'multicastReceived',
      now: 5,
      from: { address: '10.0.9.2', port: 9901 },
      message: presenceFrom(0x200, { checksum: 0x1234 }),
    });
    assert.equal(messagesOf(out, 'handleTableRequest').length, 0);
  });

  it('never lets a peer overwrite a PE we own', () => {
    const { server, hs } = enrpServer();
    started(server);
    withPeer(server, 0x200, 4, 0);
    hs.register({ poolHandle: POOL, element: element(9, OWN), now: 0, connection: 77 });
    server.handle({
      kind: 'received',
      now: 20,
      assoc: 4,
      message: presenceFrom(0x200, { checksum: 0x1234 }),
    });
    server.handle({
      kind: 'received',
      now: 30,
      assoc: 4,
      message: responseFrom200([element(9, 0x200)]),
    });
    assert.equal(hs.find(POOL, 9)?.homeRegistrarId, OWN);
    assert.equal(hs.find(POOL, 9)?.connection, 77);
  });

  it('abandons a download without a response after MAX-TIME-NO-RESPONSE', () => {
    const { server } = enrpServer();
    started(server);
    withPeer(server, 0x200, 4, 0);
    server.handle({
      kind: 'received',
      now: 20,
      assoc: 4,
      message: presenceFrom(0x200, { checksum: 0x1234 }),
    });
    const out = server.handle({ kind: 'tick', now: 20 + 5_000 });
    assert.deepEqual(eventsOf(out, 'syncFailed'), [
      { kind: 'syncFailed', registrarId: 0x200, reason: 'timeout' },
    ]);
  });
});
