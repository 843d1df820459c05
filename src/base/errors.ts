/**
 * The errors the public surface throws or rejects with (docs/architecture.md, "Errors"): one class per
 * failure kind, each with a stable `code`, all subclasses of `RserpoolError` (as undici does). They live
 * here so that the codec (wire/) can refuse a non-bytes argument with the same class the API uses; api/
 * re-exports them. A misbehaving peer never causes one: that yields actions and notifications.
 */

export const RserpoolErrorCode = {
  /** An argument or option of the wrong type, out of range, or malformed. */
  InvalidArgument: 'ERR_RSERPOOL_INVALID_ARGUMENT',
  /** The object (registrar, pool element, pool user, session) was closed. */
  Closed: 'ERR_RSERPOOL_CLOSED',
  /** Nothing answered within the documented time. */
  Timeout: 'ERR_RSERPOOL_TIMEOUT',
  /** The registrar knows no such pool (RFC 5352 §3.3, cause Unknown Pool Handle). */
  UnknownPoolHandle: 'ERR_RSERPOOL_UNKNOWN_POOL_HANDLE',
  /** The registrar answered a request with an Operation Error (RFC 5354 §3.10). */
  RegistrarError: 'ERR_RSERPOOL_REGISTRAR_ERROR',
  /** The registrar refused a registration (RFC 5352 §3.1, Registration Response with R set). */
  RegistrationRejected: 'ERR_RSERPOOL_REGISTRATION_REJECTED',
  /** A session could not reach any pool element within its documented time. */
  SessionFailed: 'ERR_RSERPOOL_SESSION_FAILED',
  /** A local socket could not be bound (address in use, address not on this host). */
  Socket: 'ERR_RSERPOOL_SOCKET',
  /** The association to the peer could not be set up or was lost before the call was answered. */
  AssociationLost: 'ERR_RSERPOOL_ASSOCIATION_LOST',
} as const;

export type RserpoolErrorCode = (typeof RserpoolErrorCode)[keyof typeof RserpoolErrorCode];

export class RserpoolError extends Error {
  override readonly name: string = 'RserpoolError';

  /** Prefer the subclass of the kind; this constructor stays for code written before they existed. */
  constructor(
    readonly code: RserpoolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The base of one failure kind: its own `name` and `code` (typed as that one code), so that each kind
 * is still a class of its own for `instanceof`. Written once here rather than once per kind.
 */
function errorKind<C extends RserpoolErrorCode>(kindName: string, kindCode: C) {
  return class extends RserpoolError {
    override readonly name: string = kindName;
    declare readonly code: C;

    constructor(message: string, options?: { cause?: unknown }) {
      super(kindCode, message, options);
    }
  };
}

export class InvalidArgumentError extends errorKind(
  'InvalidArgumentError',
  RserpoolErrorCode.InvalidArgument,
) {}

export class ClosedError extends errorKind('ClosedError', RserpoolErrorCode.Closed) {}

export class TimeoutError extends errorKind('TimeoutError', RserpoolErrorCode.Timeout) {}

export class UnknownPoolHandleError extends errorKind(
  'UnknownPoolHandleError',
  RserpoolErrorCode.UnknownPoolHandle,
) {}

/** `errorCause` is the first RFC 5354 §3.10 cause code of the registrar's Operation Error (0 if none). */
export class RegistrarError extends errorKind('RegistrarError', RserpoolErrorCode.RegistrarError) {
  constructor(
    message: string,
    readonly errorCause: number,
  ) {
    super(message);
  }
}

/** `errorCause` is the first RFC 5354 §3.10 cause code of the rejection (0 if none). */
export class RegistrationRejectedError extends errorKind(
  'RegistrationRejectedError',
  RserpoolErrorCode.RegistrationRejected,
) {
  constructor(
    message: string,
    readonly errorCause: number,
  ) {
    super(message);
  }
}

export class SessionFailedError extends errorKind('SessionFailedError', RserpoolErrorCode.SessionFailed) {}

/** The socket error (EADDRINUSE, EADDRNOTAVAIL, ...) is the `cause`. */
export class SocketError extends errorKind('SocketError', RserpoolErrorCode.Socket) {}

/** The association failed (no answer to INIT, ABORT) before the answer came: the reason says which. */
export class AssociationLostError extends errorKind(
  'AssociationLostError',
  RserpoolErrorCode.AssociationLost,
) {}
