/**
 * ENRP timers and limits. RFC 5353 §4.2 names the thresholds; we default to RSPLIB's values (notes §1.2,
 * §2.8) because RSPLIB is the deployed peer and its shorter timers make takeover happen in seconds.
 */
export const ENRP_DEFAULTS = {
  /** PEER-HEARTBEAT-CYCLE (RFC 5353 §4.2: 30 s); RSPLIB `-peerheartbeatcycle` 2444.444 ms, randomised +-12.5 %. */
  peerHeartbeatCycleMs: 2444.444,
  /** MAX-TIME-LAST-HEARD (RFC 5353 §4.2: 61 s); RSPLIB `-peermaxtimelastheard` 5 s. */
  peerMaxTimeLastHeardMs: 5_000,
  /** MAX-TIME-NO-RESPONSE (RFC 5353 §4.2: 5 s); RSPLIB `-peermaxtimenoresponse` 5 s. */
  peerMaxTimeNoResponseMs: 5_000,
  /** Length of the start-up (mentor discovery) phase (RFC 5353 §3.2.2.1; RSPLIB `-mentordiscoverytimeout`). */
  mentorDiscoveryTimeoutMs: 5_000,
  /** How long a takeover waits for all Init Takeover Acks (RFC 5353 §3.5.1; RSPLIB `-takeoverexpiryinterval`). */
  takeoverExpiryIntervalMs: 5_000,
  /** PEs per Handle Table Response (RFC 5353 §3.2.3 leaves it open; RSPLIB `-maxelementsperhtrequest`). */
  maxElementsPerHtRequest: 128,
  /** Encoded size limit of a Handle Table Response (RSPLIB's 1400-byte buffer, notes §2.8). */
  maxHandleTableResponseBytes: 1_400,
  /** Takeover suggestion (draft-dreibholz-rserpool-enrp-takeover; RSPLIB `-supporttakeoversuggestion`). */
  supportTakeoverSuggestion: false,
  /** ENRP Presence multicast (RFC 5353 §3.1 group-cast; RSPLIB `-enrpannounce=auto`: on). */
  multicast: true,
} as const;

/** Hard cap of PEs per Handle Table Response (RSPLIB NTE_MAX_POOL_ELEMENT_NODES, notes §2.8). */
export const MAX_ELEMENTS_PER_HT_REQUEST = 1024;

/**
 * Peers a registrar keeps at most. Presence is unauthenticated (RFC 5353 §6.2: a receiver must be prepared
 * for many multicast announcements from attackers); each peer costs state, an association attempt and,
 * when it falls silent, a takeover run. An operation scope has a handful of registrars.
 */
export const MAX_PEERS = 256;

/** Messages queued for a peer while its association is being set up; older ones are dropped beyond this. */
export const PEER_QUEUE_LIMIT = 4096;
