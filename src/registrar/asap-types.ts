/**
 * What goes into and out of the registrar's ASAP side (asap-server.ts): its options, inputs, actions and
 * the events it reports (`handlespaceChanged` feeds the ENRP side's Handle Updates).
 */
import type { AssociationId, Instant } from '../base/index.js';
import type { AddressScope } from '../wire/address-scope.js';
import type { AsapMessage } from '../wire/asap-messages.js';
import type { DecodeError } from '../wire/decode-error.js';
import type { PoolElementParameter, PoolHandle, RegistrarId, TransportParameter } from '../wire/types.js';
import type { AssociationPeer } from './registration-check.js';

export interface AsapServerOptions {
  readonly registrarId: RegistrarId;
  /** Our ASAP endpoint, put into Server Announces (RFC 5352 §2.2.10); omitted as RSPLIB does if absent. */
  readonly asapTransport?: TransportParameter;
  readonly keepAliveIntervalMs?: number;
  readonly keepAliveTimeoutMs?: number;
  readonly maxBadPeReports?: number;
  readonly maxHResItems?: number;
  readonly minAddressScope?: AddressScope;
  readonly distanceStepMs?: number;
  readonly maxIncrement?: number;
  /** Period of ASAP Server Announces; 0 turns them off. */
  readonly serverAnnounceCycleMs?: number;
  /**
   * Handle Resolutions per second a PU may make per pool (RSPLIB `-maxhrrate`); 0 = unlimited. Over the
   * limit the PU is answered "Unknown Pool Handle" (0x9) without PEs, as RSPLIB does.
   */
  readonly maxHandleResolutionRate?: number;
  /** Endpoint Unreachables per second a PU may send per pool (RSPLIB `-maxeurate`); 0 = unlimited. Over
   * the limit they are dropped. */
  readonly maxEndpointUnreachableRate?: number;
}

export type AsapServerInput =
  | {
      readonly kind: 'received';
      readonly now: Instant;
      readonly assoc: AssociationId;
      readonly message: AsapMessage;
      /** Smoothed RTT of the association, for the distance of DPF policies. */
      readonly srttMs?: number;
    }
  | {
      readonly kind: 'malformed';
      readonly now: Instant;
      readonly assoc: AssociationId;
      readonly error: DecodeError;
    }
  | {
      readonly kind: 'assocUp';
      readonly now: Instant;
      readonly assoc: AssociationId;
      readonly peer: AssociationPeer;
    }
  | { readonly kind: 'assocLost'; readonly now: Instant; readonly assoc: AssociationId }
  | { readonly kind: 'tick'; readonly now: Instant };

export type PoolElementRemovalReason =
  | 'deregistered'
  | 'keepAliveTimeout'
  | 'unreachable'
  | 'associationLost'
  | 'expired';

export type AsapServerEvent =
  | {
      readonly kind: 'handlespaceChanged';
      readonly change: 'added' | 'updated' | 'removed';
      readonly poolHandle: PoolHandle;
      /** The PE as ENRP sends it (with its ASAP transport). */
      readonly element: PoolElementParameter;
      readonly reason?: PoolElementRemovalReason;
    }
  | {
      readonly kind: 'registrationRejected';
      readonly poolHandle: PoolHandle;
      readonly id: number;
      readonly cause: number;
    }
  | { readonly kind: 'malformedMessage'; readonly assoc: AssociationId; readonly error: DecodeError }
  /** A Deregistration for a PE registered over another association (RFC 5355 §2.3). */
  | {
      readonly kind: 'deregistrationRefused';
      readonly assoc: AssociationId;
      readonly poolHandle: PoolHandle;
      readonly id: number;
    }
  | {
      readonly kind: 'rateLimited';
      readonly assoc: AssociationId;
      readonly request: 'handleResolution' | 'endpointUnreachable';
      readonly poolHandle: PoolHandle;
    };

export type AsapServerAction =
  | { readonly kind: 'send'; readonly assoc: AssociationId; readonly message: AsapMessage }
  | { readonly kind: 'abort'; readonly assoc: AssociationId; readonly reason: string }
  | { readonly kind: 'announce'; readonly message: AsapMessage }
  | { readonly kind: 'notify'; readonly event: AsapServerEvent };
