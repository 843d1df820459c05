/**
 * Outgoing ENRP associations by `ref`: what each `connect` was for (a known peer, a configured static
 * peer, a takeover claim of a PE) and what happens when it comes up or fails.
 */
import type { AssociationId, Instant } from '../../base/index.js';
import type { ConnectPurpose, EnrpContext } from './enrp-context.js';
import type { EnrpAction } from './enrp-types.js';
import type { Takeover } from './takeover.js';

export class ConnectRefs {
  private readonly refs = new Map<number, ConnectPurpose>();
  private nextRef = 1;

  constructor(
    private readonly ctx: EnrpContext,
    private readonly takeover: Takeover,
  ) {}

  newRef(purpose: ConnectPurpose): number {
    const ref = this.nextRef++;
    this.refs.set(ref, purpose);
    return ref;
  }

  onAssocUp(now: Instant, assoc: AssociationId, ref: number | undefined, out: EnrpAction[]): void {
    if (ref === undefined) return; // accepted: the first message tells who it is
    const purpose = this.take(ref);
    if (purpose === undefined) return;
    if (purpose.kind === 'claim') {
      this.takeover.onClaimConnected(now, purpose, assoc, out);
      return;
    }
    const { peers } = this.ctx;
    if (purpose.kind === 'static') {
      purpose.entry.connectRef = undefined;
      purpose.entry.assoc = assoc;
      if (purpose.entry.id !== undefined) peers.bindAssoc(assoc, purpose.entry.id);
      const message = this.ctx.presence(purpose.entry.id ?? 0, true);
      out.push({ kind: 'send', assoc, protocol: 'enrp', message });
      return;
    }
    const peer = peers.get(purpose.id);
    peers.bindAssoc(assoc, purpose.id);
    if (peer === undefined) return;
    peer.connectRef = undefined;
    if (peer.assoc === undefined) peer.assoc = assoc;
    const queued = peer.queue;
    peer.queue = [];
    for (const message of queued) out.push({ kind: 'send', assoc: peer.assoc, protocol: 'enrp', message });
  }

  onConnectFailed(now: Instant, ref: number, out: EnrpAction[]): void {
    const purpose = this.take(ref);
    if (purpose === undefined) return;
    if (purpose.kind === 'static') purpose.entry.connectRef = undefined;
    else if (purpose.kind === 'claim') this.takeover.onClaimFailed(now, purpose, out);
    else {
      const peer = this.ctx.peers.get(purpose.id);
      if (peer !== undefined) {
        peer.connectRef = undefined;
        peer.queue = [];
      }
    }
  }

  private take(ref: number): ConnectPurpose | undefined {
    const purpose = this.refs.get(ref);
    this.refs.delete(ref);
    return purpose;
  }
}
