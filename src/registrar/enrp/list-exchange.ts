/**
 * The list exchange (RFC 5353 §3.2.2.2): a List Request is answered with the Server Information of every
 * live peer (rejected only while our own List Request to our mentor is unanswered); a List Response adds
 * the peers it names, each greeted with a Presence asking for a reply (§3.4.1).
 */
import type { AssociationId, Instant } from '../../base/index.js';
import type { EnrpListResponse } from '../../wire/enrp-messages.js';
import type { ServerInformation, TransportParameter } from '../../wire/types.js';
import type { EnrpContext } from './enrp-context.js';
import type { EnrpAction } from './enrp-types.js';
import type { HandleTableSync } from './handle-table-sync.js';
import { endpointOf, type Peer } from './peer-table.js';

export class ListExchange {
  constructor(
    private readonly ctx: EnrpContext,
    private readonly sync: HandleTableSync,
  ) {}

  onListRequest(peer: Peer, assoc: AssociationId | undefined, out: EnrpAction[]): void {
    // §3.2.2.2: only a registrar "not ready to provide a peer server list (for example, [...] waiting
    // for a response to its own ENRP_LIST_REQUEST)" rejects. Our peer list is ready once the mentor's
    // List Response arrived, though its handle table download may still run (that one is §3.2.3's).
    const reject = this.ctx.inStartup && this.sync.mentorListPending;
    const servers: ServerInformation[] = [];
    if (!reject) {
      for (const p of this.ctx.peers.live()) {
        if (p.id === peer.id || p.endpoint === undefined) continue;
        const transport: TransportParameter = {
          kind: 'sctp',
          port: p.endpoint.port,
          transportUse: 'data',
          addresses: p.endpoint.addresses,
        };
        servers.push({ registrarId: p.id, transport });
      }
    }
    const message: EnrpListResponse = {
      kind: 'listResponse',
      senderId: this.ctx.registrarId,
      receiverId: peer.id,
      reject,
      servers,
    };
    this.ctx.sendToPeer(peer, message, out, assoc);
  }

  onListResponse(now: Instant, m: EnrpListResponse, out: EnrpAction[]): void {
    if (m.reject) return;
    if (m.senderId === this.sync.mentor) this.sync.mentorListPending = false;
    for (const s of m.servers) {
      if (s.registrarId === 0 || s.registrarId === this.ctx.registrarId || this.ctx.peers.has(s.registrarId))
        continue;
      const endpoint = endpointOf(s.transport);
      if (endpoint === undefined) continue;
      const peer = this.ctx.addPeer(now, s.registrarId, 'listResponse', undefined, out);
      if (peer === undefined) return;
      peer.endpoint = endpoint;
      this.ctx.sendToPeer(peer, this.ctx.presence(peer.id, true), out);
    }
  }
}
