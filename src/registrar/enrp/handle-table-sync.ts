/**
 * Handle table downloads (RFC 5353 §3.2.3 and §3.6.3). As requester: the mentor download in start-up
 * (no W, every PE) and the resynchronisation after an audit mismatch (mark the peer's PEs, request with
 * W, re-add from the responses, purge what is still marked after the last one). As responder: answer a
 * known peer's requests in size-limited pieces with M; reject unknown peers (RSPLIB), and while our own
 * mentor download runs, full-table requests and requests for our own PEs (§3.2.3: not ready).
 */
import type { AssociationId, Instant } from '../../base/index.js';
import type { EnrpHandleTableRequest, EnrpHandleTableResponse } from '../../wire/enrp-messages.js';
import type { RegistrarId } from '../../wire/types.js';
import { MAX_ELEMENTS_PER_HT_REQUEST } from './defaults.js';
import type { EnrpContext } from './enrp-context.js';
import type { EnrpAction } from './enrp-types.js';
import { rejectHandleTable } from './handle-table-response.js';
import type { Peer } from './peer-table.js';

export class HandleTableSync {
  /** The mentor of the start-up phase, once one has been heard. */
  mentor: RegistrarId | undefined;
  /** Our List Request to the mentor awaits its List Response: our peer list is not ready (§3.2.2.2). */
  mentorListPending = false;
  private readonly failedMentors = new Set<RegistrarId>();

  constructor(private readonly server: EnrpContext) {}

  nextDeadline(): Instant | undefined {
    return undefined; // per-peer deadlines live in the peer table
  }

  onTick(_now: Instant, _out: EnrpAction[]): void {}

  // ---- Requester -----------------------------------------------------------------------------------

  /** §3.2.2.2 and §3.2.3 step 1: List Request, then the whole handlespace (no W). */
  startMentor(now: Instant, peer: Peer, out: EnrpAction[]): void {
    if (this.failedMentors.has(peer.id) || peer.status !== 'active') return;
    this.mentor = peer.id;
    const s = this.server;
    s.notify(out, { kind: 'mentorSelected', registrarId: peer.id });
    s.sendToPeer(peer, { kind: 'listRequest', senderId: s.registrarId, receiverId: peer.id }, out);
    this.mentorListPending = true;
    this.request(now, peer, 'mentor', false, out);
  }

  /** §3.6.3 steps 1-2: mark the peer's PEs and ask for its own ones (W). */
  startResync(now: Instant, peer: Peer, out: EnrpAction[]): void {
    this.server.handlespace.markOwnedBy(peer.id);
    this.request(now, peer, 'audit', true, out);
  }

  private request(
    now: Instant,
    peer: Peer,
    reason: 'mentor' | 'audit',
    ownChildrenOnly: boolean,
    out: EnrpAction[],
  ): void {
    const s = this.server;
    peer.sync = { reason, ownChildrenOnly, deadline: now + s.options.peerMaxTimeNoResponseMs, elements: 0 };
    s.notify(out, { kind: 'syncStarted', registrarId: peer.id, reason, ownChildrenOnly });
    this.sendRequest(peer, ownChildrenOnly, out);
  }

  private sendRequest(peer: Peer, ownChildrenOnly: boolean, out: EnrpAction[]): void {
    const s = this.server;
    const message: EnrpHandleTableRequest = {
      kind: 'handleTableRequest',
      senderId: s.registrarId,
      receiverId: peer.id,
      ownChildrenOnly,
    };
    s.sendToPeer(peer, message, out);
  }

  /** §3.2.3 step 4 and §3.6.3 step 4: add or replace each PE; ask for more while M is set. */
  onResponse(now: Instant, peer: Peer, m: EnrpHandleTableResponse, out: EnrpAction[]): void {
    const sync = peer.sync;
    if (sync === undefined) return; // unsolicited: nothing to resume, and nothing safe to purge
    if (m.reject) {
      this.fail(now, peer, 'rejected', out);
      return;
    }
    const s = this.server;
    const hs = s.handlespace;
    const own = s.registrarId;
    for (const pool of m.pools) {
      for (const pe of pool.poolElements) {
        const owner = pe.homeRegistrarId === 0 ? peer.id : pe.homeRegistrarId;
        const existing = hs.find(pool.poolHandle, pe.id);
        // We are the authority on our own PEs; a peer's copy of them may be stale. Except in the mentor
        // download: a PE of ours we do not know means we restarted with the same id; claim it back.
        if (owner === own) {
          if (existing === undefined && sync.reason === 'mentor') s.reclaim(now, pool.poolHandle, pe, out);
          continue;
        }
        if (existing !== undefined && existing.homeRegistrarId === own) continue;
        if (s.learn(now, pool.poolHandle, { ...pe, homeRegistrarId: owner }) !== undefined) sync.elements++;
      }
    }
    if (m.moreToSend) {
      sync.deadline = now + s.options.peerMaxTimeNoResponseMs;
      this.sendRequest(peer, sync.ownChildrenOnly, out);
      return;
    }
    peer.sync = undefined;
    // §3.6.3 step 5: what the peer no longer has is gone.
    const purged = sync.reason === 'audit' ? hs.purgeMarked(peer.id).length : 0;
    s.notify(out, {
      kind: 'syncDone',
      registrarId: peer.id,
      reason: sync.reason,
      elements: sync.elements,
      purged,
    });
    if (sync.reason === 'mentor' && s.inStartup) s.endStartup('mentorSync', out);
  }

  /** A download ended without its last response; a failed mentor is replaced by another live peer. */
  fail(
    now: Instant,
    peer: Peer,
    reason: 'rejected' | 'timeout' | 'associationLost',
    out: EnrpAction[],
  ): void {
    const sync = peer.sync;
    peer.sync = undefined;
    if (sync === undefined) return;
    this.server.notify(out, { kind: 'syncFailed', registrarId: peer.id, reason });
    if (sync.reason === 'mentor' && this.mentor === peer.id) {
      this.failedMentors.add(peer.id);
      this.nextMentor(now, out);
    }
  }

  peerGone(now: Instant, id: RegistrarId, out: EnrpAction[]): void {
    if (this.mentor === id) {
      this.failedMentors.add(id);
      this.nextMentor(now, out);
    }
  }

  private nextMentor(now: Instant, out: EnrpAction[]): void {
    this.mentor = undefined;
    this.mentorListPending = false;
    if (!this.server.inStartup) return;
    for (const p of this.server.peers.live()) {
      if (!this.failedMentors.has(p.id) && p.status === 'active') {
        this.startMentor(now, p, out);
        return;
      }
    }
  }

  // ---- Responder -----------------------------------------------------------------------------------

  onRequest(
    now: Instant,
    peer: Peer,
    assoc: AssociationId,
    m: EnrpHandleTableRequest,
    out: EnrpAction[],
  ): void {
    const s = this.server;
    if (this.notReady(m.ownChildrenOnly)) {
      this.rejectRequest(peer.id, assoc, 'startup', out);
      return;
    }
    const result = s.responder.respond(now, peer.id, {
      senderId: s.registrarId,
      ...(m.ownChildrenOnly ? { owner: s.registrarId } : {}),
      maxElements: Math.max(1, Math.min(s.options.maxElementsPerHtRequest, MAX_ELEMENTS_PER_HT_REQUEST)),
      maxBytes: s.options.maxHandleTableResponseBytes,
    });
    out.push({ kind: 'send', assoc, protocol: 'enrp', message: result.message });
  }

  /**
   * §3.2.3: the whole table is not ready while our mentor download runs in start-up. Nor are our own
   * PEs (W, an audit) until the mentor download has ended: restarted with the same id we learn them
   * from the mentor's table, and an answer without them would make the auditing peer purge PEs that
   * still think they are registered with us (§3.6.3 allows the reject; the peer audits again later).
   */
  private notReady(ownChildrenOnly: boolean): boolean {
    const s = this.server;
    if (!ownChildrenOnly) return s.inStartup && this.mentor !== undefined;
    const mentor = this.mentor === undefined ? undefined : s.peers.get(this.mentor);
    return s.inStartup || mentor?.sync?.reason === 'mentor';
  }

  rejectRequest(
    sender: RegistrarId,
    assoc: AssociationId,
    reason: 'unknownPeer' | 'startup',
    out: EnrpAction[],
  ): void {
    const s = this.server;
    out.push({ kind: 'send', assoc, protocol: 'enrp', message: rejectHandleTable(s.registrarId, sender) });
    s.notify(out, { kind: 'handleTableRequestRejected', registrarId: sender, reason });
  }
}
