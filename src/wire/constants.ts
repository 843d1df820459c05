/**
 * Wire codes of ASAP (RFC 5352), ENRP (RFC 5353), their parameters (RFC 5354), the Handle Resolution
 * option (draft-dreibholz-rserpool-asap-hropt) and the limits RSPLIB enforces (notes §2.3, §2.8).
 */

/** Parameter types (RFC 5354 §2, Table 1). The top two bits are the action bits. */
export const ParameterType = {
  Ipv4Address: 0x0001,
  Ipv6Address: 0x0002,
  DccpTransport: 0x0003,
  SctpTransport: 0x0004,
  TcpTransport: 0x0005,
  UdpTransport: 0x0006,
  UdpLiteTransport: 0x0007,
  PoolMemberSelectionPolicy: 0x0008,
  PoolHandle: 0x0009,
  PoolElement: 0x000a,
  ServerInformation: 0x000b,
  OperationError: 0x000c,
  Cookie: 0x000d,
  PeIdentifier: 0x000e,
  PeChecksum: 0x000f,
  OpaqueTransport: 0x0010,
  /** draft-dreibholz-rserpool-asap-hropt §2.1: action bits 10, "skip if unknown". */
  HandleResolutionOption: 0x803f,
} as const;

/** RFC 5354 §2: what to do with a parameter of unknown type, from its two high bits. */
export const ParameterAction = {
  StopSilently: 0b00,
  StopAndReport: 0b01,
  Skip: 0b10,
  SkipAndReport: 0b11,
} as const;

export function parameterAction(type: number): number {
  return (type >>> 14) & 0b11;
}

/** RFC 5352 §2.2, Figure 1. */
export const AsapMessageType = {
  Registration: 0x01,
  Deregistration: 0x02,
  RegistrationResponse: 0x03,
  DeregistrationResponse: 0x04,
  HandleResolution: 0x05,
  HandleResolutionResponse: 0x06,
  EndpointKeepAlive: 0x07,
  EndpointKeepAliveAck: 0x08,
  EndpointUnreachable: 0x09,
  ServerAnnounce: 0x0a,
  Cookie: 0x0b,
  CookieEcho: 0x0c,
  BusinessCard: 0x0d,
  Error: 0x0e,
} as const;

/** RFC 5353 §2, Figure 1. */
export const EnrpMessageType = {
  Presence: 0x01,
  HandleTableRequest: 0x02,
  HandleTableResponse: 0x03,
  HandleUpdate: 0x04,
  ListRequest: 0x05,
  ListResponse: 0x06,
  InitTakeover: 0x07,
  InitTakeoverAck: 0x08,
  TakeoverServer: 0x09,
  Error: 0x0a,
} as const;

/** Message flag bits (RFC 5352 §2.2, RFC 5353 §2, draft-dreibholz-rserpool-enrp-takeover). */
export const MessageFlag = {
  /** ASAP Registration Response R, ENRP Handle Table Response R, ENRP List Response R. */
  Reject: 0x01,
  /** ASAP Handle Resolution S: send dynamic updates. */
  Subscribe: 0x01,
  /** ASAP Handle Resolution Response A: dynamic updates accepted. */
  SubscriptionAccepted: 0x01,
  /** ASAP Endpoint Keep Alive H: adopt the sender as home registrar. */
  HomeRegistrar: 0x01,
  /** ENRP Presence R: reply required. */
  ReplyRequired: 0x01,
  /** ENRP Handle Table Request W: own children only. */
  OwnChildrenOnly: 0x01,
  /** ENRP Handle Table Response M: more to send. */
  MoreToSend: 0x02,
  /** ENRP Handle Update T: takeover suggested. */
  TakeoverSuggested: 0x01,
} as const;

/** RFC 5353 §2.4 Update Action. */
export const UpdateAction = { AddPe: 0x0000, DeletePe: 0x0001 } as const;

/** RFC 5354 §3.4 Transport Use. */
export const TransportUseCode = { DataOnly: 0x0000, DataPlusControl: 0x0001 } as const;

/** Pool policy type codes (RFC 5356 §4 and RSPLIB's extensions, notes §2.7). */
export const PolicyType = {
  RoundRobin: 0x00000001,
  WeightedRoundRobin: 0x00000002,
  Random: 0x00000003,
  WeightedRandom: 0x00000004,
  Priority: 0x00000005,
  LeastUsed: 0x40000001,
  LeastUsedDegradation: 0x40000002,
  PriorityLeastUsed: 0x40000003,
  RandomizedLeastUsed: 0x40000004,
  RandomizedPriorityLeastUsed: 0xb0001001,
  RandomizedLeastUsedDegradation: 0xb0001002,
  PriorityLeastUsedDegradation: 0xb0001003,
  RandomizedPriorityLeastUsedDegradation: 0xb0001004,
  WeightedRandomDPF: 0xb0002001,
  LeastUsedDPF: 0xb0002002,
  LeastUsedDegradationDPF: 0xb0002003,
  PriorityLeastUsedDPF: 0xb0002004,
  PriorityLeastUsedDegradationDPF: 0xb0002005,
} as const;

/**
 * Longest pool handle in bytes (RSPLIB's MAX_POOLHANDLESIZE, notes §2.3): longer handles are refused
 * everywhere (codec, handlespace, registrar, API) so that every registrar agrees; RFC 5354 §3.9 sets
 * no maximum. The one home of this limit.
 */
export const MAX_POOLHANDLESIZE = 32;
/** RSPLIB's MAX_PE_TRANSPORTADDRESSES. */
export const MAX_TRANSPORT_ADDRESSES = 64;
/** RFC 5354 allows one address in TCP/UDP/UDP-Lite/DCCP transports; RSPLIB tolerates two. */
export const MAX_SINGLE_TRANSPORT_ADDRESSES = 2;
/** RSPLIB's MAX_MAX_HANDLE_RESOLUTION_ITEMS: PEs in one Handle Resolution Response. */
export const MAX_HANDLE_RESOLUTION_ITEMS = 128;
/** Handle Resolution option value asking for as many PEs as possible. */
export const HANDLE_RESOLUTION_ITEMS_ALL = 0xffffffff;
/** Registration life meaning "infinite" (RFC 5354 §3.10). */
export const REGISTRATION_LIFE_INFINITE = -1;

/** SCTP payload protocol identifiers (IANA; notes §2.1). */
export const PayloadProtocolId = { Asap: 11, Enrp: 12 } as const;

/** IANA ports (ENRP 9901; RSPLIB's registrar picks random SCTP ports by default, notes §2.1). */
export const WellKnownPort = { Asap: 3863, Enrp: 9901 } as const;
