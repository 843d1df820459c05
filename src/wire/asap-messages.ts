/**
 * Typed ASAP messages (RFC 5352 §2.2), a discriminated union on `kind`. Flags are named booleans; flag
 * bits the RFC does not define are ignored on receipt and sent as zero.
 *
 * `unrecognized` holds copies of parameters of unknown type whose action bits say "skip" (10 or 11),
 * found anywhere in the message (also nested). The encoder appends them after the message's own
 * parameters, so decode -> encode -> decode gives an equal message. Decode sets it only when non-empty.
 */
import type {
  OperationError,
  PoolElementId,
  PoolElementParameter,
  PoolHandle,
  PoolPolicy,
  RegistrarId,
  ServerInformation,
  TransportParameter,
} from './types.js';

export interface MessageExtras {
  readonly unrecognized?: readonly Uint8Array[];
}

/** 0x01: a PE registers (or re-registers) itself. */
export interface AsapRegistration extends MessageExtras {
  readonly kind: 'registration';
  readonly poolHandle: PoolHandle;
  readonly poolElement: PoolElementParameter;
}

/** 0x02 */
export interface AsapDeregistration extends MessageExtras {
  readonly kind: 'deregistration';
  readonly poolHandle: PoolHandle;
  readonly poolElementId: PoolElementId;
}

/** 0x03, flag R = reject. */
export interface AsapRegistrationResponse extends MessageExtras {
  readonly kind: 'registrationResponse';
  readonly reject: boolean;
  readonly poolHandle: PoolHandle;
  readonly poolElementId: PoolElementId;
  readonly operationError?: OperationError;
}

/** 0x04 */
export interface AsapDeregistrationResponse extends MessageExtras {
  readonly kind: 'deregistrationResponse';
  readonly poolHandle: PoolHandle;
  readonly poolElementId: PoolElementId;
  readonly operationError?: OperationError;
}

/** 0x05, flag S = subscribe to dynamic updates; `items` is the Handle Resolution option (0x803f). */
export interface AsapHandleResolution extends MessageExtras {
  readonly kind: 'handleResolution';
  readonly subscribe: boolean;
  readonly poolHandle: PoolHandle;
  /** 0 = registrar default, 0xffffffff = as many as possible; absent = no option sent. */
  readonly items?: number;
}

/**
 * 0x06, flag A = dynamic updates accepted. Positive: policy (optional) and PEs; negative: an Operation
 * Error. Encoded as pool handle, policy, PEs, Operation Error (RSPLIB's order for a negative answer).
 */
export interface AsapHandleResolutionResponse extends MessageExtras {
  readonly kind: 'handleResolutionResponse';
  readonly subscriptionAccepted: boolean;
  readonly poolHandle: PoolHandle;
  readonly policy?: PoolPolicy;
  readonly poolElements: readonly PoolElementParameter[];
  readonly operationError?: OperationError;
}

/** 0x07, flag H = adopt the sender as home registrar. `poolElementId` is RSPLIB's extension (notes §2.4). */
export interface AsapEndpointKeepAlive extends MessageExtras {
  readonly kind: 'endpointKeepAlive';
  readonly homeRegistrar: boolean;
  readonly registrarId: RegistrarId;
  readonly poolHandle: PoolHandle;
  readonly poolElementId?: PoolElementId;
}

/** 0x08 */
export interface AsapEndpointKeepAliveAck extends MessageExtras {
  readonly kind: 'endpointKeepAliveAck';
  readonly poolHandle: PoolHandle;
  readonly poolElementId: PoolElementId;
}

/** 0x09 */
export interface AsapEndpointUnreachable extends MessageExtras {
  readonly kind: 'endpointUnreachable';
  readonly poolHandle: PoolHandle;
  readonly poolElementId: PoolElementId;
}

/**
 * 0x0a. RSPLIB sends no transports (the receiver uses the UDP source); RFC 5352 allows SCTP and TCP
 * transports. RSPLIB's parser also accepts a Server Information parameter, which we keep and re-encode.
 */
export interface AsapServerAnnounce extends MessageExtras {
  readonly kind: 'serverAnnounce';
  readonly registrarId: RegistrarId;
  readonly transports: readonly TransportParameter[];
  readonly serverInformation?: ServerInformation;
}

/** 0x0b: PE -> PU state. */
export interface AsapCookie extends MessageExtras {
  readonly kind: 'cookie';
  readonly cookie: Uint8Array;
}

/** 0x0c: PU -> new PE after failover. */
export interface AsapCookieEcho extends MessageExtras {
  readonly kind: 'cookieEcho';
  readonly cookie: Uint8Array;
}

/**
 * 0x0d. RFC form: pool handle, PEs. RSPLIB's encoder puts a Policy parameter after the handle; it is
 * accepted and kept in `policy` (and re-encoded only when present). Our own code sends the RFC form.
 */
export interface AsapBusinessCard extends MessageExtras {
  readonly kind: 'businessCard';
  readonly poolHandle: PoolHandle;
  readonly policy?: PoolPolicy;
  readonly poolElements: readonly PoolElementParameter[];
}

/** 0x0e */
export interface AsapError extends MessageExtras {
  readonly kind: 'error';
  readonly operationError: OperationError;
}

export type AsapMessage =
  | AsapRegistration
  | AsapDeregistration
  | AsapRegistrationResponse
  | AsapDeregistrationResponse
  | AsapHandleResolution
  | AsapHandleResolutionResponse
  | AsapEndpointKeepAlive
  | AsapEndpointKeepAliveAck
  | AsapEndpointUnreachable
  | AsapServerAnnounce
  | AsapCookie
  | AsapCookieEcho
  | AsapBusinessCard
  | AsapError;

export type AsapMessageKind = AsapMessage['kind'];
