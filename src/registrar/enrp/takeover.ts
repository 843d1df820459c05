/**
 * Taking over a failed peer (RFC 5353 §3.5, notes §3.7): Init Takeover to every peer, wait for an ack
 * from each live one (peers that are dead or being taken over themselves do not count), lower id wins a
 * conflict, a Presence from the target cancels, the expiry abandons. The winner announces Takeover
 * Server, re-homes the target's PEs and sends each an ASAP Endpoint Keep Alive with H over a new
 * association to the PE's ASAP transport; the keep-alive monitoring then runs as for our own PEs.
 * Also the takeover suggestion (draft-dreibholz-rserpool-enrp-takeover): claiming one PE the same way.
 */
import type { AssociationId, Instant } from '../../base/index.js';
import { type PoolElementEntry, poolElementParameter } from '../../handlespace/index.js';
import type { PoolElementId, RegistrarId } from '../../wire/types.js';
import type { ConnectPurpose, EnrpContext } from './enrp-context.js';
import type { EnrpAction } from './enrp-types.js';
import { endpointOf, type Peer } from './peer-table.js';
import { type TakeoverProcess, TakeoverProcesses, winsArbitration } from './takeover-process.js';

type ClaimPurpose = Extract<ConnectPurpose, { kind: 'claim' }>;

export class Takeover {
  readonly processes = new TakeoverProcesses();

  constructor(private readonly server: EnrpContext) {}

  nextDeadline(): Instant | undefined {
    return this.processes.nextDeadline();
  }

  /** §3.5.1: the peer stayed silent; start arbitration. */
  start(now: Instant, target: Peer, out: EnrpAction[]): void {
    const s = this.server;
    target.status = 'takingOver';
    // Only registrars of the scope vote: a peer whose ENRP endpoint we do not know could not take
    // anything over and may be long gone. (An hsdump names its endpoint, as RSPLIB requires; it leaves
    // the peer list when it closes its association.)
    const awaiting = [...s.peers.live()].filter((p) => p.endpoint !== undefined).map((p) => p.id);
    const process = this.processes.start(target.id, awaiting, now + s.options.takeoverExpiryIntervalMs);
    s.notify(out, { kind: 'takeoverStarted', target: target.id, awaiting });
    const init = (receiverId: RegistrarId) =>
      ({ kind: 'initTakeover', senderId: s.registrarId, receiverId, targetId: target.id }) as const;
    for (const p of s.peers.live()) s.sendToPeer(p, init(p.id), out);
    s.sendToPeer(target, init(target.id), out); // the target may refute with a Presence
    this.peerInactive(now, target.id, out);
    if (process.pending.size === 0 && this.processes.get(target.id) === process)
      this.complete(now, process, out);
  }

  onInitTakeover(
    now: Instant,
    sender: RegistrarId,
    assoc: AssociationId | undefined,
    target: RegistrarId,
    out: EnrpAction[],
  ): void {
    const s = this.server;
    if (target === s.registrarId) {
      // §3.5.1 step 1: we are alive; tell everybody.
      s.announcePresence(out);
      return;
    }
    if (this.processes.has(target)) {
      // Step 2: both of us are taking over the same target.
      if (winsArbitration(s.registrarId, sender)) return;
      this.processes.delete(target);
      s.notify(out, { kind: 'takeoverAborted', target, reason: 'lostArbitration' });
    }
    // Steps 2A and 3: ack, and stop monitoring the target (an unknown target is acked as well).
    const ack = {
      kind: 'initTakeoverAck',
      senderId: s.registrarId,
      receiverId: sender,
      targetId: target,
    } as const;
    const senderPeer = s.peers.get(sender);
    if (senderPeer !== undefined) s.sendToPeer(senderPeer, ack, out, assoc);
    else if (assoc !== undefined) out.push({ kind: 'send', assoc, protocol: 'enrp', message: ack });
    const t = s.peers.get(target);
    if (t !== undefined) {
      t.status = 'takenOver';
      t.takenOverBy = sender;
      t.deadline = now + s.options.takeoverExpiryIntervalMs + s.options.peerMaxTimeNoResponseMs;
      this.peerInactive(now, target, out);
    }
    s.notify(out, { kind: 'takeoverAcknowledged', target, by: sender });
  }

  onAck(now: Instant, sender: RegistrarId, target: RegistrarId, out: EnrpAction[]): void {
    for (const done of this.processes.acknowledged(sender, target)) this.complete(now, done, out);
  }

  /** §3.5.2, receiving side: the sender now owns the target's PEs. */
  onTakeoverServer(now: Instant, sender: RegistrarId, target: RegistrarId, out: EnrpAction[]): void {
    const s = this.server;
    if (target === s.registrarId) {
      // Taken over while alive (a partition): our PEs follow their Keep Alives; audits reconcile the rest.
      s.notify(out, { kind: 'peerTakenOver', target, by: sender, elements: 0 });
      return;
    }
    this.processes.delete(target);
    const elements = s.handlespace.transferOwnership(target, sender).length;
    s.notify(out, { kind: 'peerTakenOver', target, by: sender, elements });
    s.removePeer(now, target, 'takenOver', out);
  }

  /** A Presence from a peer we (or another) were taking over: it lives, monitor it again. */
  targetAlive(now: Instant, peer: Peer, out: EnrpAction[]): void {
    const s = this.server;
    if (this.processes.delete(peer.id))
      s.notify(out, { kind: 'takeoverAborted', target: peer.id, reason: 'targetAlive' });
    peer.status = 'active';
    peer.takenOverBy = undefined;
    peer.deadline = now + s.options.peerMaxTimeLastHeardMs;
  }

  /** A peer that is dead or being taken over need not ack; processes waiting only for it complete. */
  peerInactive(now: Instant, id: RegistrarId, out: EnrpAction[]): void {
    for (const done of this.processes.acknowledged(id)) {
      if (this.processes.get(done.target) === done) this.complete(now, done, out);
    }
  }

  onTick(now: Instant, out: EnrpAction[]): void {
    for (const p of this.processes.expired(now)) {
      this.processes.delete(p.target);
      this.server.notify(out, { kind: 'takeoverAborted', target: p.target, reason: 'expired' });
      // RSPLIB abandons and forgets the target; its PEs expire unless their new homes announce them.
      this.server.removePeer(now, p.target, 'takeoverExpired', out);
    }
  }

  /** §3.5.2: announce, re-home, and probe each PE with a Keep Alive carrying H. */
  private complete(now: Instant, process: TakeoverProcess, out: EnrpAction[]): void {
    const s = this.server;
    const target = process.target;
    this.processes.delete(target);
    for (const p of s.peers.live()) {
      s.sendToPeer(
        p,
        { kind: 'takeoverServer', senderId: s.registrarId, receiverId: p.id, targetId: target },
        out,
      );
    }
    const elements = s.handlespace.transferOwnership(target, s.registrarId);
    for (const e of elements) this.claim(now, e, 'takeover', out);
    s.notify(out, { kind: 'takeoverDone', target, elements: elements.length });
    s.removePeer(now, target, 'takenOver', out);
  }

  // ---- Claiming single PEs (takeover and takeover suggestion) ---------------------------------------

  /** The peer a new PE should be suggested to: max (peer id XOR PE id), if it beats our own value. */
  suggestionTarget(id: PoolElementId): RegistrarId | undefined {
    const s = this.server;
    let best: RegistrarId | undefined;
    let bestScore = (s.registrarId ^ id) >>> 0;
    for (const p of s.peers.live()) {
      const score = (p.id ^ id) >>> 0;
      if (score > bestScore) {
        best = p.id;
        bestScore = score;
      }
    }
    return best;
  }

  /** A peer suggested we take this PE: become its home, probe it with H, and announce the new owner. */
  claimSuggested(now: Instant, entry: PoolElementEntry, out: EnrpAction[]): void {
    const s = this.server;
    s.handlespace.setOwner(entry, s.registrarId);
    this.claim(now, entry, 'suggestion', out);
    if (s.handlespace.find(entry.poolHandle, entry.id) === entry) {
      s.announceChange(now, 'updated', entry.poolHandle, poolElementParameter(entry, true), out);
    }
  }

  /**
   * A PE the mentor says is ours but we do not know: we were restarted with the same id. Claim it back
   * (Keep Alive with H over a new association) instead of letting peers purge it until it re-registers.
   */
  reclaim(now: Instant, entry: PoolElementEntry, out: EnrpAction[]): void {
    this.claim(now, entry, 'restart', out);
  }

  private claim(
    now: Instant,
    entry: PoolElementEntry,
    reason: 'takeover' | 'suggestion' | 'restart',
    out: EnrpAction[],
  ): void {
    const s = this.server;
    const to = endpointOf(entry.asapTransport);
    const { poolHandle, id } = entry;
    if (to === undefined) {
      const element = poolElementParameter(entry, true);
      s.handlespace.remove(entry);
      s.announceChange(now, 'removed', poolHandle, element, out);
      s.notify(out, { kind: 'elementClaimed', poolHandle, id, reason, outcome: 'noAsapTransport' });
      return;
    }
    const ref = s.newRef({ kind: 'claim', poolHandle, id, reason });
    out.push({ kind: 'connect', ref, protocol: 'asap', to });
    // Connect plus ack; on expiry the ASAP side drops the PE like any unanswered keep-alive.
    s.handlespace.setTimer(entry, 'keepAliveTimeout', now + 2 * s.options.keepAliveTimeoutMs);
  }

  onClaimConnected(now: Instant, purpose: ClaimPurpose, assoc: AssociationId, out: EnrpAction[]): void {
    const s = this.server;
    const hs = s.handlespace;
    const { poolHandle, id, reason } = purpose;
    const entry = hs.find(poolHandle, id);
    if (entry === undefined || entry.homeRegistrarId !== s.registrarId) {
      out.push({ kind: 'close', assoc });
      s.notify(out, { kind: 'elementClaimed', poolHandle, id, reason, outcome: 'gone' });
      return;
    }
    // The new association becomes the PE's connection (update in place keeps its timer).
    hs.register({
      poolHandle,
      element: poolElementParameter(entry, true),
      connection: assoc,
      now,
      distanceMs: entry.distanceMs,
    });
    hs.setTimer(entry, 'keepAliveTimeout', now + s.options.keepAliveTimeoutMs);
    out.push({
      kind: 'send',
      assoc,
      protocol: 'asap',
      message: {
        kind: 'endpointKeepAlive',
        homeRegistrar: true,
        registrarId: s.registrarId,
        poolHandle,
        poolElementId: id,
      },
    });
    s.notify(out, { kind: 'elementClaimed', poolHandle, id, reason, outcome: 'keepAliveSent' });
  }

  onClaimFailed(now: Instant, purpose: ClaimPurpose, out: EnrpAction[]): void {
    const s = this.server;
    const { poolHandle, id, reason } = purpose;
    const entry = s.handlespace.find(poolHandle, id);
    if (entry !== undefined && entry.homeRegistrarId === s.registrarId && entry.connection === undefined) {
      const element = poolElementParameter(entry, true);
      s.handlespace.remove(entry);
      s.announceChange(now, 'removed', poolHandle, element, out);
    }
    s.notify(out, { kind: 'elementClaimed', poolHandle, id, reason, outcome: 'connectFailed' });
  }
}
