/**
 * Inputs, actions and events of the ENRP side of a registrar (RFC 5353). The action shapes are the
 * registrar's own (`RegistrarAction` in ../registrar.ts is a superset), so the combined core passes them on.
 */
import type { AssociationId, Instant } from '../../base/index.js';
import type { AsapMessage } from '../../wire/asap-messages.js';
import type { DecodeError } from '../../wire/decode-error.js';
import type { EnrpMessage } from '../../wire/enrp-messages.js';
import type {
  IpAddress,
  OperationError,
  PoolElementId,
  PoolElementParameter,
  PoolHandle,
  RegistrarId,
} from '../../wire/types.js';
import type { PoolElementRemovalReason } from '../asap-types.js';

export type RegistrarProtocol = 'asap' | 'enrp';

/** An SCTP endpoint: a peer registrar's ENRP endpoint or a PE's ASAP transport. */
export interface PeerEndpoint {
  readonly addresses: readonly IpAddress[];
  readonly port: number;
}

export type EnrpInput =
  | {
      readonly kind: 'received';
      readonly now: Instant;
      readonly assoc: AssociationId;
      readonly message: EnrpMessage;
    }
  | {
      readonly kind: 'malformed';
      readonly now: Instant;
      readonly assoc: AssociationId;
      readonly error: DecodeError;
      /** The raw message, if the driver has it: the ENRP Error then names its sender as receiver. */
      readonly bytes?: Uint8Array;
    }
  | {
      readonly kind: 'multicastReceived';
      readonly now: Instant;
      readonly from: { readonly address: IpAddress; readonly port: number };
      readonly message: EnrpMessage;
    }
  /** An association came up; `ref` is set when it answers one of our `connect` actions. */
  | {
      readonly kind: 'assocUp';
      readonly now: Instant;
      readonly assoc: AssociationId;
      readonly protocol: RegistrarProtocol;
      readonly ref?: number;
    }
  | { readonly kind: 'assocLost'; readonly now: Instant; readonly assoc: AssociationId }
  | { readonly kind: 'connectFailed'; readonly now: Instant; readonly ref: number }
  /** A PE we own was added, updated (re-registration) or removed: announce it (RFC 5353 §3.3). */
  | {
      readonly kind: 'ownElementChanged';
      readonly now: Instant;
      readonly change: 'added' | 'updated' | 'removed';
      readonly poolHandle: PoolHandle;
      readonly element: PoolElementParameter;
      /** Why a PE was removed (an association loss may mean it moved to another home). */
      readonly reason?: PoolElementRemovalReason;
    }
  | { readonly kind: 'start'; readonly now: Instant }
  | { readonly kind: 'stop'; readonly now: Instant }
  | { readonly kind: 'tick'; readonly now: Instant };

export type PeerStatus = 'active' | 'probing' | 'takingOver' | 'takenOver';

/** Why a peer left the peer list; `associationLost`: a peer owning no PEs closed its association. */
export type PeerRemovalReason = 'noResponse' | 'takenOver' | 'takeoverExpired' | 'associationLost';

export type EnrpEvent =
  | {
      readonly kind: 'peerRefused';
      readonly registrarId: RegistrarId;
      readonly reason: 'peerLimit';
    }
  | {
      readonly kind: 'peerAdded';
      readonly registrarId: RegistrarId;
      readonly via: 'presence' | 'listResponse' | 'message';
    }
  | {
      readonly kind: 'peerRemoved';
      readonly registrarId: RegistrarId;
      readonly reason: PeerRemovalReason;
    }
  | { readonly kind: 'peerProbed'; readonly registrarId: RegistrarId }
  | { readonly kind: 'mentorSelected'; readonly registrarId: RegistrarId }
  | { readonly kind: 'startupDone'; readonly reason: 'mentorSync' | 'timeout' | 'alone' }
  | {
      readonly kind: 'syncStarted';
      readonly registrarId: RegistrarId;
      readonly reason: 'mentor' | 'audit';
      readonly ownChildrenOnly: boolean;
    }
  | {
      readonly kind: 'syncDone';
      readonly registrarId: RegistrarId;
      readonly reason: 'mentor' | 'audit';
      readonly elements: number;
      readonly purged: number;
    }
  | {
      readonly kind: 'syncFailed';
      readonly registrarId: RegistrarId;
      readonly reason: 'rejected' | 'timeout' | 'associationLost';
    }
  | {
      readonly kind: 'auditMismatch';
      readonly registrarId: RegistrarId;
      readonly theirs: number;
      readonly ours: number;
    }
  | { readonly kind: 'takeoverStarted'; readonly target: RegistrarId; readonly awaiting: RegistrarId[] }
  | {
      readonly kind: 'takeoverAborted';
      readonly target: RegistrarId;
      readonly reason: 'targetAlive' | 'lostArbitration' | 'expired';
    }
  | { readonly kind: 'takeoverDone'; readonly target: RegistrarId; readonly elements: number }
  | { readonly kind: 'takeoverAcknowledged'; readonly target: RegistrarId; readonly by: RegistrarId }
  | {
      readonly kind: 'peerTakenOver';
      readonly target: RegistrarId;
      readonly by: RegistrarId;
      readonly elements: number;
    }
  | {
      readonly kind: 'elementClaimed';
      readonly poolHandle: PoolHandle;
      readonly id: PoolElementId;
      readonly reason: 'takeover' | 'suggestion' | 'restart';
      readonly outcome: 'keepAliveSent' | 'connectFailed' | 'noAsapTransport' | 'gone';
    }
  | {
      readonly kind: 'peerElementChanged';
      readonly registrarId: RegistrarId;
      readonly change: 'added' | 'updated' | 'removed';
      readonly poolHandle: PoolHandle;
      readonly id: PoolElementId;
    }
  /** A PE of ours whose association ended had moved to `to` (takeover suggestion, or `to` claimed it). */
  | {
      readonly kind: 'elementHandedOver';
      readonly poolHandle: PoolHandle;
      readonly id: PoolElementId;
      readonly to: RegistrarId;
    }
  | {
      readonly kind: 'handleUpdateIgnored';
      readonly registrarId: RegistrarId;
      readonly poolHandle: PoolHandle;
      readonly id: PoolElementId;
      readonly reason: 'ownElement' | 'notOwner' | 'inconsistent';
    }
  | { readonly kind: 'enrpMalformed'; readonly assoc: AssociationId; readonly error: DecodeError }
  | {
      readonly kind: 'enrpErrorReceived';
      readonly registrarId: RegistrarId;
      readonly operationError: OperationError;
    }
  | {
      readonly kind: 'handleTableRequestRejected';
      readonly registrarId: RegistrarId;
      readonly reason: 'unknownPeer' | 'startup';
    }
  | { readonly kind: 'stopped' };

export type EnrpAction =
  | {
      readonly kind: 'send';
      readonly assoc: AssociationId;
      readonly protocol: 'enrp';
      readonly message: EnrpMessage;
    }
  | {
      readonly kind: 'send';
      readonly assoc: AssociationId;
      readonly protocol: 'asap';
      readonly message: AsapMessage;
    }
  | {
      readonly kind: 'connect';
      readonly ref: number;
      readonly protocol: RegistrarProtocol;
      readonly to: PeerEndpoint;
    }
  | { readonly kind: 'abort'; readonly assoc: AssociationId; readonly reason: string }
  | { readonly kind: 'close'; readonly assoc: AssociationId }
  | { readonly kind: 'multicast'; readonly protocol: 'enrp'; readonly message: EnrpMessage }
  | { readonly kind: 'notify'; readonly event: EnrpEvent };
