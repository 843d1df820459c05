/**
 * Errors thrown or rejected by the public API: misuse of the API, or a documented failure (timeout,
 * rejection), never a misbehaving peer. Their one home is base/ (the codec throws them too).
 */
export {
  AssociationLostError,
  ClosedError,
  InvalidArgumentError,
  RegistrarError,
  RegistrationRejectedError,
  RserpoolError,
  RserpoolErrorCode,
  SessionFailedError,
  SocketError,
  TimeoutError,
  UnknownPoolHandleError,
} from '../base/errors.js';
