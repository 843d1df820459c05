/** Chunk type codes (RFC 9260 §3.2) and the extensions we recognise only by name. */
export const ChunkType = {
  data: 0,
  init: 1,
  initAck: 2,
  sack: 3,
  heartbeat: 4,
  heartbeatAck: 5,
  abort: 6,
  shutdown: 7,
  shutdownAck: 8,
  error: 9,
  cookieEcho: 10,
  cookieAck: 11,
  ecne: 12,
  cwr: 13,
  shutdownComplete: 14,
  auth: 15,
  iData: 64,
  asconfAck: 128,
  reconfig: 130,
  pad: 132,
  forwardTsn: 192,
  asconf: 193,
  iForwardTsn: 194,
} as const;

/** DATA chunk flags (RFC 9260 §3.3.1). */
export const DataFlag = { end: 1, begin: 2, unordered: 4, immediate: 8 } as const;
/** The T bit of ABORT and SHUTDOWN COMPLETE: the verification tag is the sender's own (reflected). */
export const T_BIT = 1;

/** Parameter types (RFC 9260 §3.3.2, §3.3.3, §3.3.6; RFC 6951). */
export const ParamType = {
  heartbeatInfo: 1,
  ipv4: 5,
  ipv6: 6,
  stateCookie: 7,
  unrecognized: 8,
  cookiePreservative: 9,
  hostName: 11,
  supportedAddressTypes: 12,
  ecnCapable: 0x8000,
  forwardTsnSupported: 0xc000,
  supportedExtensions: 0x8008,
} as const;

/** Error cause codes (RFC 9260 §3.3.10; 14 comes from later SCTP-over-UDP work, listed for naming only). */
export const CauseCode = {
  invalidStreamIdentifier: 1,
  missingMandatoryParameter: 2,
  staleCookie: 3,
  outOfResource: 4,
  unresolvableAddress: 5,
  unrecognizedChunkType: 6,
  invalidMandatoryParameter: 7,
  unrecognizedParameters: 8,
  noUserData: 9,
  cookieWhileShuttingDown: 10,
  restartWithNewAddresses: 11,
  userInitiatedAbort: 12,
  protocolViolation: 13,
  restartWithNewEncapsulationPort: 14,
} as const;

/** What the two high bits of an unknown chunk or parameter type ask for (RFC 9260 §3.2, §3.2.1). */
export interface UnknownAction {
  /** Skip it and go on (bit 0x80 / 0x8000 set); otherwise stop processing. */
  readonly skip: boolean;
  /** Report it to the sender (bit 0x40 / 0x4000 set). */
  readonly report: boolean;
}

export const unknownChunkAction = (type: number): UnknownAction => ({
  skip: (type & 0x80) !== 0,
  report: (type & 0x40) !== 0,
});

export const unknownParamAction = (type: number): UnknownAction => ({
  skip: (type & 0x8000) !== 0,
  report: (type & 0x4000) !== 0,
});
