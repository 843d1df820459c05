/** Pool element timers and thresholds (RFC 5352 §7) and the RSPLIB values we default to for interop. */
export const ELEMENT_DEFAULTS = {
  /** T2-registration (RFC 5352 §7.1: 30 s). RSPLIB waits 3 s for a response; we use its value. */
  registrationTimeoutMs: 3_000,
  /** T3-deregistration (RFC 5352 §7.1: 30 s); RSPLIB's response timeout is 3 s. */
  deregistrationTimeoutMs: 3_000,
  /** T4-reregistration: RSPLIB's rspserver default interval (notes §1.3). */
  reregistrationIntervalMs: 30_000,
  /** RSPLIB registers with a life of three re-registration intervals (notes §2.4). */
  registrationLifeFactor: 3,
  /** MAX-REG-ATTEMPT (RFC 5352 §7.3): failures before the upper layer is told (we keep trying). */
  maxRegistrationAttempts: 2,
} as const;
