/** Pool user timers and thresholds (RFC 5352 §7) and RSPLIB's values where we follow them. */
export const USER_DEFAULTS = {
  /** T1-ENRPrequest (RFC 5352 §7.1: 15 s); RSPLIB's request timeout is 3 s (notes §2.8). */
  requestTimeoutMs: 3_000,
  /** MAX-REQUEST-RETRANSMIT (RFC 5352 §7.3). */
  maxRequestRetransmit: 2,
  /** A PE is reported unreachable at most once per this time (the registrar's keep-alive interval). */
  unreachableReportHoldMs: 5_000,
} as const;
