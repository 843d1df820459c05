/**
 * The peer list (RFC 5353 §3.4): every known registrar with its ENRP endpoint, the association we talk
 * to it over, its monitoring state and a running handle table download. Also the statically configured
 * peers (RSPLIB `-peer=`), whose ids are unknown until their first message arrives.
 */
import type { AssociationId, Instant } from '../../base/index.js';
import { AddressScope, addressScope } from '../../wire/address-scope.js';
import type { EnrpMessage, EnrpPresence } from '../../wire/enrp-messages.js';
import type { RegistrarId, TransportParameter } from '../../wire/types.js';
import { PEER_QUEUE_LIMIT } from './defaults.js';
import type { PeerEndpoint, PeerStatus } from './enrp-types.js';

/** A handle table download from this peer (mentor download, RFC 5353 §3.2.3, or resync, §3.6.3). */
export interface PeerSync {
  readonly reason: 'mentor' | 'audit';
  readonly ownChildrenOnly: boolean;
  /** Abandon when no response arrived by then (MAX-TIME-NO-RESPONSE after each request). */
  deadline: Instant;
  elements: number;
}

export interface Peer {
  readonly id: RegistrarId;
  endpoint: PeerEndpoint | undefined;
  /** The association we send over (ours or the peer's); undefined while none is up. */
  assoc: AssociationId | undefined;
  /** A `connect` in flight to `endpoint`. */
  connectRef: number | undefined;
  /** Messages waiting for the association. */
  queue: EnrpMessage[];
  lastHeard: Instant;
  status: PeerStatus;
  /** active: lastHeard + MAX-TIME-LAST-HEARD; probing: + MAX-TIME-NO-RESPONSE; takenOver: give-up time. */
  deadline: Instant;
  /** Who announced a takeover of this peer (status takenOver). */
  takenOverBy: RegistrarId | undefined;
  sync: PeerSync | undefined;
}

/** A `-peer=` entry: where to connect; `id` once a message arrived over its association. */
export interface StaticPeer {
  readonly endpoint: PeerEndpoint;
  id: RegistrarId | undefined;
  assoc: AssociationId | undefined;
  connectRef: number | undefined;
}

/**
 * The endpoint of a transport parameter a peer sent us (its ENRP endpoint, a PE's ASAP transport): the
 * addresses we can reach. A link-local address names no interface of ours, and a peer's loopback
 * address is our own host unless the peer has nothing else (a registrar on this host's loopback):
 * RSPLIB drops both kinds from every transport parameter (notes §2.2). Undefined if none is left.
 */
export function endpointOf(t: TransportParameter | undefined): PeerEndpoint | undefined {
  if (t === undefined || t.kind === 'opaque') return undefined;
  const scoped = t.addresses.map((a) => [a, addressScope(a)] as const);
  const beyondHost = scoped.filter(([, s]) => s > AddressScope.LinkLocal).map(([a]) => a);
  const addresses =
    beyondHost.length > 0
      ? beyondHost
      : scoped.filter(([, s]) => s === AddressScope.Loopback).map(([a]) => a);
  return addresses.length === 0 ? undefined : { addresses, port: t.port };
}

export class PeerTable {
  private readonly peers = new Map<RegistrarId, Peer>();
  private readonly byAssoc = new Map<AssociationId, RegistrarId>();

  get size(): number {
    return this.peers.size;
  }

  get(id: RegistrarId): Peer | undefined {
    return this.peers.get(id);
  }

  has(id: RegistrarId): boolean {
    return this.peers.has(id);
  }

  all(): IterableIterator<Peer> {
    return this.peers.values();
  }

  /** Peers we monitor and talk to: not dead and not being taken over. */
  *live(): IterableIterator<Peer> {
    for (const p of this.peers.values()) if (p.status === 'active' || p.status === 'probing') yield p;
  }

  isLive(id: RegistrarId): boolean {
    const p = this.peers.get(id);
    return p !== undefined && (p.status === 'active' || p.status === 'probing');
  }

  add(id: RegistrarId, now: Instant, lastHeardTimeoutMs: number): Peer {
    const peer: Peer = {
      id,
      endpoint: undefined,
      assoc: undefined,
      connectRef: undefined,
      queue: [],
      lastHeard: now,
      status: 'active',
      deadline: now + lastHeardTimeoutMs,
      takenOverBy: undefined,
      sync: undefined,
    };
    this.peers.set(id, peer);
    return peer;
  }

  remove(id: RegistrarId): Peer | undefined {
    const peer = this.peers.get(id);
    if (peer === undefined) return undefined;
    this.peers.delete(id);
    return peer;
  }

  /** The registrar id that spoke over an association (undefined before its first message). */
  idOfAssoc(assoc: AssociationId): RegistrarId | undefined {
    return this.byAssoc.get(assoc);
  }

  /** Records who speaks over `assoc`; the peer adopts it if it has none. */
  bindAssoc(assoc: AssociationId, id: RegistrarId): void {
    this.byAssoc.set(assoc, id);
    const peer = this.peers.get(id);
    if (peer !== undefined && peer.assoc === undefined) peer.assoc = assoc;
  }

  /** Forgets an association; returns the peer that was using it, if any. */
  unbindAssoc(assoc: AssociationId): Peer | undefined {
    const id = this.byAssoc.get(assoc);
    this.byAssoc.delete(assoc);
    if (id === undefined) return undefined;
    const peer = this.peers.get(id);
    if (peer === undefined || peer.assoc !== assoc) return undefined;
    peer.assoc = undefined;
    // Another association the same peer spoke over can take its place.
    for (const [a, other] of this.byAssoc) {
      if (other === id) {
        peer.assoc = a;
        break;
      }
    }
    return peer;
  }

  /** Associations we know of (for a graceful stop). */
  associations(): AssociationId[] {
    return [...this.byAssoc.keys()];
  }
}

/** Queues a message for a peer whose association is not up yet. */
export function enqueue(peer: Peer, message: EnrpMessage): void {
  if (peer.queue.length >= PEER_QUEUE_LIMIT) peer.queue.shift();
  peer.queue.push(message);
}

/**
 * Where a Presence's sender takes ENRP associations: its Server Information; for a multicast Presence
 * whose Server Information lacks addresses (or is absent), the UDP source address (and port).
 */
export function presenceEndpoint(
  m: EnrpPresence,
  source: { readonly address: string; readonly port: number } | undefined,
): PeerEndpoint | undefined {
  const t = m.serverInformation?.transport;
  const endpoint = endpointOf(t);
  if (endpoint !== undefined || source === undefined) return endpoint;
  const port = t !== undefined && t.kind !== 'opaque' && t.port !== 0 ? t.port : source.port;
  return { addresses: [source.address], port };
}
