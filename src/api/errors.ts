/** Errors thrown or rejected by the public API: misuse of the API, never a misbehaving peer. */
export type RserpoolErrorCode =
  | 'ERR_RSERPOOL_INVALID_ARGUMENT'
  | 'ERR_RSERPOOL_CLOSED'
  | 'ERR_RSERPOOL_TIMEOUT'
  | 'ERR_RSERPOOL_UNKNOWN_POOL_HANDLE'
  | 'ERR_RSERPOOL_REGISTRAR_ERROR'
  | 'ERR_RSERPOOL_REGISTRATION_REJECTED'
  | 'ERR_RSERPOOL_SESSION_FAILED';

export class RserpoolError extends Error {
  override readonly name: string = 'RserpoolError';

  constructor(
    readonly code: RserpoolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class InvalidArgumentError extends RserpoolError {
  override readonly name = 'InvalidArgumentError';

  constructor(message: string) {
    super('ERR_RSERPOOL_INVALID_ARGUMENT', message);
  }
}
