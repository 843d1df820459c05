/**
 * Handle Updates (RFC 5353 §3.3): our own PE changes go to every live peer (with the takeover suggestion
 * flag T for one of them when enabled); a peer's updates add, replace or remove its PEs here. PEs owned by
 * peers carry an expiry timer of one registration life, refreshed by each update (notes §3.4).
 *
 * A PE of ours may move to another home: the peer we suggested it to claims it (Keep Alive with H), or a
 * peer announces it as its own. The PE then closes its association to us. That loss is not the PE's end:
 * we do not announce a delete (RSPLIB deletes whatever the owner, notes quirks 11 and 15).
 * - A peer that announced the PE as its own gets it: the PE becomes that peer's here.
 * - A PE we suggested away stays ours here, without an association, until a peer's Handle Update claims
 *   it or one registration life passes (then we delete it as its owner). RSPLIB claims a suggested PE
 *   without a Handle Update and keeps counting it as the old home's until the PE re-registers: were we
 *   to drop it from our own PEs, the checksum audits of both sides would purge the live PE (field test:
 *   gone from both handlespaces for 30 s).
 */
import type { Instant } from '../../base/index.js';
import { type PoolElementEntry, poolElementParameter } from '../../handlespace/index.js';
import type { EnrpHandleUpdate } from '../../wire/enrp-messages.js';
import type { PoolElementParameter, PoolHandle, RegistrarId } from '../../wire/types.js';
import type { PoolElementRemovalReason } from '../asap-types.js';
import type { EnrpContext } from './enrp-context.js';
import type { EnrpAction, EnrpEvent } from './enrp-types.js';
import type { Peer } from './peer-table.js';
import type { Takeover } from './takeover.js';

type UpdateOutcome =
  | Pick<Extract<EnrpEvent, { kind: 'handleUpdateIgnored' }>, 'kind' | 'reason'>
  | Pick<Extract<EnrpEvent, { kind: 'peerElementChanged' }>, 'kind' | 'change'>;

export class HandleUpdates {
  /** PEs of ours that may move (key: handle and id): to the registrar named, suggested by us or claimed. */
  private readonly movedTo = new Map<string, { readonly to: RegistrarId; readonly claimed: boolean }>();
  /** PEs suggested away whose association to us ended: ours here until a peer claims them. */
  private readonly held = new Set<string>();

  constructor(
    private readonly ctx: EnrpContext,
    private readonly takeover: Takeover,
  ) {}

  /** Announces a change of one of our PEs to every live peer; takeover suggestion behind the option. */
  announce(
    _now: Instant,
    change: 'added' | 'updated' | 'removed',
    poolHandle: PoolHandle,
    element: PoolElementParameter,
    out: EnrpAction[],
  ): void {
    const action = change === 'removed' ? 'deletePe' : 'addPe';
    // A (re-)registration with us, or its end: whatever move was expected did not happen.
    const key = moveKey(poolHandle, element.id);
    this.movedTo.delete(key);
    this.held.delete(key);
    let suggested: RegistrarId | undefined;
    if (change === 'added' && this.ctx.options.supportTakeoverSuggestion) {
      suggested = this.takeover.suggestionTarget(element.id);
      if (suggested !== undefined) this.movedTo.set(key, { to: suggested, claimed: false });
    }
    for (const peer of this.ctx.peers.live()) {
      const message = this.update(peer.id, action, { poolHandle, element });
      this.ctx.sendToPeer(peer, { ...message, takeoverSuggested: peer.id === suggested }, out);
    }
  }

  /**
   * Our PE `element` lost its association: if it was moving to a live peer, true is returned and no
   * delete goes out. Claimed by that peer, it becomes the peer's PE here; suggested by us, it stays ours
   * without an association (see the header). Either way it expires after one registration life unless a
   * Handle Update refreshes or claims it.
   */
  handOver(
    now: Instant,
    poolHandle: PoolHandle,
    element: PoolElementParameter,
    reason: PoolElementRemovalReason | undefined,
    out: EnrpAction[],
  ): boolean {
    const key = moveKey(poolHandle, element.id);
    const move = this.movedTo.get(key);
    this.movedTo.delete(key);
    if (move === undefined || reason !== 'associationLost' || !this.ctx.peers.isLive(move.to)) return false;
    const home = move.claimed ? move.to : this.ctx.registrarId;
    if (this.learn(now, poolHandle, { ...element, homeRegistrarId: home }) === undefined) return false;
    if (move.claimed)
      this.ctx.notify(out, { kind: 'elementHandedOver', poolHandle, id: element.id, to: move.to });
    else this.held.add(key);
    return true;
  }

  /** A peer's add of a PE we hold for a move (suggested away, no association): the peer's now. */
  private claimHeld(now: Instant, m: EnrpHandleUpdate, owner: RegistrarId, out: EnrpAction[]): boolean {
    const key = moveKey(m.poolHandle, m.poolElement.id);
    const existing = this.ctx.handlespace.find(m.poolHandle, m.poolElement.id);
    if (!this.held.has(key) || existing === undefined || existing.connection !== undefined) return false;
    if (owner === this.ctx.registrarId) return false;
    if (this.learn(now, m.poolHandle, { ...m.poolElement, homeRegistrarId: owner }) === undefined)
      return false;
    this.held.delete(key);
    this.ctx.notify(out, {
      kind: 'elementHandedOver',
      poolHandle: m.poolHandle,
      id: m.poolElement.id,
      to: owner,
    });
    return true;
  }

  onHandleUpdate(now: Instant, peer: Peer, m: EnrpHandleUpdate, out: EnrpAction[]): void {
    const existing = this.ctx.handlespace.find(m.poolHandle, m.poolElement.id);
    if (m.action === 'deletePe') {
      if (existing !== undefined) this.onDelete(peer, m, existing, out);
      return;
    }
    const pe = m.poolElement;
    const owner = pe.homeRegistrarId === 0 ? peer.id : pe.homeRegistrarId;
    if (this.claimHeld(now, m, owner, out)) return;
    // notes §5: an add claiming us as home is ignored; we are the authority on our own PEs. So is an
    // add of a PE we own: it may be the old home's update delivered late (SCTP retransmits it after a
    // partition heals) and overwriting our takeover claim would lose the PE. If the PE really moved, our
    // association to it ends and the audit of the new home brings it back.
    if (owner === this.ctx.registrarId || existing?.homeRegistrarId === this.ctx.registrarId) {
      this.report(peer, m, { kind: 'handleUpdateIgnored', reason: 'ownElement' }, out);
      // The peer calls our PE its own: if the PE moved there, its association to us ends; see handOver.
      if (owner !== this.ctx.registrarId && this.ctx.peers.isLive(owner))
        this.movedTo.set(moveKey(m.poolHandle, pe.id), { to: owner, claimed: true });
      return;
    }
    const entry = this.learn(now, m.poolHandle, { ...pe, homeRegistrarId: owner });
    if (entry === undefined) {
      this.report(peer, m, { kind: 'handleUpdateIgnored', reason: 'inconsistent' }, out);
      return;
    }
    this.report(
      peer,
      m,
      { kind: 'peerElementChanged', change: existing === undefined ? 'added' : 'updated' },
      out,
    );
    if (m.takeoverSuggested && this.ctx.options.supportTakeoverSuggestion) {
      this.takeover.claimSuggested(now, entry, out);
    }
  }

  /**
   * RSPLIB deletes whatever the owner (quirk 11), which drops live PEs after a takeover suggestion
   * (quirk 15). We delete only on the owner's word, or when the owner is no live peer of ours.
   */
  private onDelete(peer: Peer, m: EnrpHandleUpdate, existing: PoolElementEntry, out: EnrpAction[]): void {
    const owner = existing.homeRegistrarId;
    if (owner === this.ctx.registrarId) {
      // Ours and alive (we monitor it). The peer dropped it, e.g. as the old home of a PE that moved
      // to us (RSPLIB, quirk 15): give it back at once rather than at the peer's next audit.
      this.report(peer, m, { kind: 'handleUpdateIgnored', reason: 'ownElement' }, out);
      this.ctx.sendToPeer(peer, this.update(peer.id, 'addPe', existing), out);
      return;
    }
    if (owner !== peer.id && this.ctx.peers.isLive(owner)) {
      this.report(peer, m, { kind: 'handleUpdateIgnored', reason: 'notOwner' }, out);
      return;
    }
    this.ctx.handlespace.remove(existing);
    this.report(peer, m, { kind: 'peerElementChanged', change: 'removed' }, out);
  }

  /** A `handleUpdateIgnored` or `peerElementChanged` event about the PE of `m` (fields in the usual order). */
  private report(peer: Peer, m: EnrpHandleUpdate, detail: UpdateOutcome, out: EnrpAction[]): void {
    const registrarId = peer.id;
    const pe = { poolHandle: m.poolHandle, id: m.poolElement.id };
    this.ctx.notify(
      out,
      detail.kind === 'handleUpdateIgnored'
        ? { kind: detail.kind, registrarId, ...pe, reason: detail.reason }
        : { kind: detail.kind, registrarId, change: detail.change, ...pe },
    );
  }

  /** RFC 5353 §2.1 (for every ENRP message): point to point, the receiver's id, which we know. */
  private update(
    receiverId: RegistrarId,
    action: EnrpHandleUpdate['action'],
    pe: PoolElementEntry | { readonly poolHandle: PoolHandle; readonly element: PoolElementParameter },
  ): EnrpHandleUpdate {
    const element = 'element' in pe ? pe.element : poolElementParameter(pe, true);
    return {
      kind: 'handleUpdate',
      senderId: this.ctx.registrarId,
      receiverId,
      takeoverSuggested: false,
      action,
      poolHandle: pe.poolHandle,
      poolElement: element,
    };
  }

  /**
   * Stores a PE owned by a peer (Handle Update, Handle Table Response): no connection of ours, and an
   * expiry timer of one registration life (RSPLIB: ms), refreshed by the next update. False on a pool
   * inconsistency.
   */
  learn(now: Instant, poolHandle: PoolHandle, element: PoolElementParameter): PoolElementEntry | undefined {
    const r = this.ctx.handlespace.register({ poolHandle, element, now });
    if (!r.ok) return undefined;
    const entry = r.value.element;
    if (element.registrationLife > 0)
      this.ctx.handlespace.setTimer(entry, 'expiry', now + element.registrationLife);
    else this.ctx.handlespace.clearTimer(entry);
    return entry;
  }
}

const moveKey = (poolHandle: PoolHandle, id: number): string => `${poolHandle.join(',')}/${id}`;
