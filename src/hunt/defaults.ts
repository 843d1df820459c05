/** Timers of the ENRP server hunt (RFC 5352 §7.1, §7.3) and RSPLIB's values where they differ. */
export const HUNT_DEFAULTS = {
  /** T5-Serverhunt initial value (RFC 5352 §7.1: 10 s). Doubled on expiry up to RETRAN-MAX. */
  serverHuntTimeoutMs: 10_000,
  /** RETRAN-MAX (RFC 5352 §7.3: 60 s): the cap of the T5 back-off. */
  retranMaxMs: 60_000,
  /** T7-ENRPoutdate (RFC 5352 §7.1: 5 s): how long an announced registrar stays in the table. */
  enrpOutdateMs: 5_000,
  /** SH1: at most three parallel association attempts. */
  maxParallelAttempts: 3,
  /** A registrar whose connection failed is tried again only after others, for this long. */
  failurePenaltyMs: 5_000,
} as const;

/** Registrars learned from announces kept at most (announces are unauthenticated: bound the table). */
export const MAX_LEARNED_REGISTRARS = 64;

/** The IANA-registered ASAP port (RFC 5352 §8.2), used when an announce carries no transport. */
export const ASAP_PORT = 3863;
