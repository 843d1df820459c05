/** SCTP protocol parameters: RFC 9260 §16 defaults, tunable per endpoint (`EndpointOptions`). */
export const SCTP_DEFAULTS = {
  /** RTO.Initial (§16). */
  rtoInitialMs: 1000,
  /** RTO.Min (§16). */
  rtoMinMs: 1000,
  /** RTO.Max (§16). */
  rtoMaxMs: 60_000,
  /** Max.Burst (§16, §7.2.4): packets of new data per sending opportunity. */
  maxBurst: 4,
  /** Valid.Cookie.Life (§16, §5.1.3). */
  validCookieLifeMs: 60_000,
  /** Association.Max.Retrans (§16, §8.1). */
  associationMaxRetrans: 10,
  /** Path.Max.Retrans (§16, §8.2). */
  pathMaxRetrans: 5,
  /** Max.Init.Retransmits (§16, §5.1). */
  maxInitRetransmits: 8,
  /** HB.interval (§16, §8.3). */
  heartbeatIntervalMs: 30_000,
  /** SACK.Delay (§16, §6.2): at most 200 ms (RFC says MUST NOT exceed 500 ms). */
  sackDelayMs: 200,
  /** SACK every second packet carrying DATA (§6.2). */
  sackFrequency: 2,
  /**
   * Path MTU assumed for every path (§7.3: Node's dgram can neither set DF nor read ICMP, so the
   * stack uses a fixed conservative value: the IPv6 minimum MTU).
   */
  pathMtuBytes: 1280,
  /**
   * Path MTU to loopback addresses: the interface MTU is known (Linux lo 65536, macOS lo0 16384),
   * so the smaller of the two is used.
   */
  loopbackMtuBytes: 16384,
  /** IPv6 (40) + UDP (8) header bytes subtracted from the path MTU (RFC 6951 §5.6). */
  ipUdpOverheadBytes: 48,
  /** Advertised receiver window (a_rwnd, §6.2.1). */
  receiveWindowBytes: 1024 * 1024,
  /** Largest message reassembled; a larger one aborts the association (Out of Resource). */
  maxMessageBytes: 4 * 1024 * 1024,
  /** Outbound streams requested and inbound streams accepted (§5.1.1). */
  outboundStreams: 16,
  inboundStreams: 16,
  /** RFC 6951 §5.1: UDP port for SCTP encapsulation registered with IANA. */
  udpEncapsulationPort: 9899,
  /** 0 = never: an idle association is shut down after this long (RFC 6458 SCTP_AUTOCLOSE). */
  autocloseMs: 0,
  /** T5-shutdown-guard (§9.2): 5 × RTO.Max. */
  shutdownGuardFactor: 5,
} as const;
