/** Session layer defaults (RFC 5352 §3.8, §3.9; RSPLIB's session layer, notes §2.8 and §4.3). */
export const SESSION_DEFAULTS = {
  /** Wait before resolving again when no PE was found or all candidates failed (RSPLIB sessioncontrol.c: 250 ms). */
  retryDelayMs: 250,
  /** Give up a connect attempt after this long (RSPLIB session layer: 5 s). */
  connectTimeoutMs: 5000,
  /** Resolutions and connect attempts in one (re)connection effort before `failed` (ours: 5 s of 250 ms retries and more). */
  maxAttempts: 20,
  /** PEs asked for per resolution (RSPLIB asks for 1; a few more let us skip the PE that just failed). */
  resolutionItems: 3,
  /** Messages the application may queue while no PE is connected (ours). */
  maxBufferedMessages: 256,
  /** Bytes the application may queue while no PE is connected (ours). */
  maxBufferedBytes: 1 << 20,
  /** Send Endpoint Unreachable for a PE we fail over from (RFC 5352 §3.5; RSPLIB's calcappclient does, rspterminal does not). */
  reportUnreachable: true,
  /** Send unacknowledged messages of a failed association again on the next PE (the core's default; `PoolUser` sessions default to true). */
  resendOnFailover: false,
  /** Fail over without waiting for the application (RSPLIB's rsp_forcefailover needs a call; its tools call it at once). */
  autoFailover: true,
} as const;
