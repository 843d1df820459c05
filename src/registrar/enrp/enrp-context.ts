/**
 * What the ENRP procedures (handle-table-sync.ts, takeover.ts) need from the ENRP server, so that they
 * depend on this interface rather than on the server class; plus the server's options.
 */
import type { Instant } from '../../base/index.js';
import type { Handlespace, PoolElementEntry } from '../../handlespace/index.js';
import type { EnrpMessage, EnrpPresence } from '../../wire/enrp-messages.js';
import type { PoolElementParameter, PoolHandle, RegistrarId, TransportParameter } from '../../wire/types.js';
import type { EnrpAction, EnrpEvent, PeerEndpoint, PeerRemovalReason } from './enrp-types.js';
import type { HandleTableResponder } from './handle-table-response.js';
import type { Peer, PeerTable, StaticPeer } from './peer-table.js';

export interface EnrpTimerOptions {
  readonly peerHeartbeatCycleMs?: number;
  readonly peerMaxTimeLastHeardMs?: number;
  readonly peerMaxTimeNoResponseMs?: number;
  readonly mentorDiscoveryTimeoutMs?: number;
  readonly takeoverExpiryIntervalMs?: number;
  readonly maxElementsPerHtRequest?: number;
  readonly maxHandleTableResponseBytes?: number;
  readonly supportTakeoverSuggestion?: boolean;
}

export interface EnrpServerOptions extends EnrpTimerOptions {
  readonly registrarId: RegistrarId;
  /** Our ENRP endpoint, sent in Presence as Server Information (RFC 5353 §2.1). */
  readonly enrpTransport?: TransportParameter;
  /** Statically configured peers' ENRP endpoints (RSPLIB `-peer=`). */
  readonly peers?: readonly PeerEndpoint[];
  /** Send Presence to the ENRP multicast group as well (the driver owns the socket). */
  readonly multicast?: boolean;
  /** Keep-alive timeout for PEs we claim (their Keep Alive with H must be acked within it). */
  readonly keepAliveTimeoutMs?: number;
}

export type ResolvedEnrpOptions = Required<Omit<EnrpServerOptions, 'enrpTransport' | 'peers'>> & {
  readonly enrpTransport: TransportParameter | undefined;
  readonly peers: readonly PeerEndpoint[];
};

/** What a connect `ref` was for. */
export type ConnectPurpose =
  | { readonly kind: 'peer'; readonly id: RegistrarId }
  | { readonly kind: 'static'; readonly entry: StaticPeer }
  | {
      readonly kind: 'claim';
      readonly poolHandle: PoolHandle;
      readonly id: number;
      readonly reason: 'takeover' | 'suggestion' | 'restart';
    };

export interface EnrpContext {
  readonly registrarId: RegistrarId;
  readonly handlespace: Handlespace;
  readonly options: ResolvedEnrpOptions;
  readonly peers: PeerTable;
  readonly responder: HandleTableResponder;
  readonly inStartup: boolean;
  notify(out: EnrpAction[], event: EnrpEvent): void;
  sendToPeer(peer: Peer, message: EnrpMessage, out: EnrpAction[], via?: number): void;
  endStartup(reason: 'mentorSync' | 'timeout' | 'alone', out: EnrpAction[]): void;
  learn(now: Instant, poolHandle: PoolHandle, element: PoolElementParameter): PoolElementEntry | undefined;
  announceChange(
    now: Instant,
    change: 'added' | 'updated' | 'removed',
    poolHandle: PoolHandle,
    element: PoolElementParameter,
    out: EnrpAction[],
  ): void;
  announcePresence(out: EnrpAction[]): void;
  removePeer(now: Instant, id: RegistrarId, reason: PeerRemovalReason, out: EnrpAction[]): void;
  newRef(purpose: ConnectPurpose): number;
  addPeer(
    now: Instant,
    id: RegistrarId,
    via: 'presence' | 'listResponse' | 'message',
    assoc: number | undefined,
    out: EnrpAction[],
  ): Peer | undefined;
  presence(receiverId: RegistrarId, replyRequired: boolean): EnrpPresence;
  /** A PE the mentor lists as ours that we do not have (restart with the same id): claim it back. */
  reclaim(now: Instant, poolHandle: PoolHandle, element: PoolElementParameter, out: EnrpAction[]): void;
}
