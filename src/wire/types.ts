/**
 * Typed forms of the RSerPool parameters (RFC 5354) shared by the codec, the handlespace and the
 * protocol cores. Values mirror the wire: integers are the u32/u16 found there, fractions are
 * fractions of 0xFFFFFFFF as RSPLIB and RFC 5356 encode them.
 */

/** A pool handle: 1..N opaque bytes (RFC 5354 §3.9). Text handles are their UTF-8 bytes. */
export type PoolHandle = Uint8Array;

/** PE identifier (RFC 5354 §3.14), u32, 0 is invalid. */
export type PoolElementId = number;

/** Registrar (ENRP server) identifier (RFC 5353 §2.1), u32, 0 means "unknown". */
export type RegistrarId = number;

/**
 * An IP address in text form: dotted quad for an IPv4 Address parameter (type 0x1), RFC 5952 text for
 * an IPv6 Address parameter (type 0x2). An IPv4-mapped IPv6 address stays IPv6 ("::ffff:10.0.0.1")
 * so that decode -> encode gives the same bytes.
 */
export type IpAddress = string;

/** RFC 5354 §3.4/3.5: whether a user transport carries data only or data plus the ASAP control channel. */
export type TransportUse = 'data' | 'dataAndControl';

export type TransportParameter =
  | {
      readonly kind: 'sctp';
      readonly port: number;
      readonly transportUse: TransportUse;
      readonly addresses: readonly IpAddress[];
    }
  | {
      readonly kind: 'tcp';
      readonly port: number;
      readonly transportUse: TransportUse;
      readonly addresses: readonly IpAddress[];
    }
  | { readonly kind: 'udp'; readonly port: number; readonly addresses: readonly IpAddress[] }
  | { readonly kind: 'udpLite'; readonly port: number; readonly addresses: readonly IpAddress[] }
  | {
      readonly kind: 'dccp';
      readonly port: number;
      readonly serviceCode: number;
      readonly addresses: readonly IpAddress[];
    }
  | { readonly kind: 'opaque'; readonly data: Uint8Array };

export type TransportKind = TransportParameter['kind'];

/**
 * Pool member selection policy parameter (RFC 5354 §3.8, RFC 5356, RSPLIB's extended set). Field
 * meanings: weight and priority are plain u32; load, loadDegradation, loadDpf and weightDpf are
 * fractions of 0xFFFFFFFF; distance is milliseconds (0 when sent by a PE).
 */
export type PoolPolicy =
  | { readonly name: 'RoundRobin' }
  | { readonly name: 'WeightedRoundRobin'; readonly weight: number }
  | { readonly name: 'Random' }
  | { readonly name: 'WeightedRandom'; readonly weight: number }
  | { readonly name: 'Priority'; readonly priority: number }
  | { readonly name: 'LeastUsed'; readonly load: number }
  | { readonly name: 'LeastUsedDegradation'; readonly load: number; readonly loadDegradation: number }
  | { readonly name: 'PriorityLeastUsed'; readonly load: number; readonly loadDegradation: number }
  | { readonly name: 'RandomizedLeastUsed'; readonly load: number }
  | { readonly name: 'RandomizedPriorityLeastUsed'; readonly load: number; readonly loadDegradation: number }
  | {
      readonly name: 'RandomizedLeastUsedDegradation';
      readonly load: number;
      readonly loadDegradation: number;
    }
  | { readonly name: 'PriorityLeastUsedDegradation'; readonly load: number; readonly loadDegradation: number }
  | {
      readonly name: 'RandomizedPriorityLeastUsedDegradation';
      readonly load: number;
      readonly loadDegradation: number;
    }
  | {
      readonly name: 'WeightedRandomDPF';
      readonly weight: number;
      readonly weightDpf: number;
      readonly distance: number;
    }
  | {
      readonly name: 'LeastUsedDPF';
      readonly load: number;
      readonly loadDpf: number;
      readonly distance: number;
    }
  | {
      readonly name: 'LeastUsedDegradationDPF';
      readonly load: number;
      readonly loadDegradation: number;
      readonly loadDpf: number;
      readonly distance: number;
    }
  | {
      readonly name: 'PriorityLeastUsedDPF';
      readonly load: number;
      readonly loadDegradation: number;
      readonly loadDpf: number;
      readonly distance: number;
    }
  | {
      readonly name: 'PriorityLeastUsedDegradationDPF';
      readonly load: number;
      readonly loadDegradation: number;
      readonly loadDpf: number;
      readonly distance: number;
    };

export type PolicyName = PoolPolicy['name'];

/**
 * Pool Element parameter (RFC 5354 §3.10). `registrationLife` is the raw signed 32-bit wire value;
 * RSPLIB (the only other implementation) puts milliseconds there where the RFC says seconds, and
 * we follow RSPLIB for interoperability (docs/interop.md). -1 means infinite.
 * `asapTransport` is present only in ENRP messages (the PE's registration association endpoint).
 */
export interface PoolElementParameter {
  readonly id: PoolElementId;
  readonly homeRegistrarId: RegistrarId;
  readonly registrationLife: number;
  readonly userTransport: TransportParameter;
  readonly policy: PoolPolicy;
  readonly asapTransport?: TransportParameter;
}

/** Server Information parameter (RFC 5354 §3.11): a registrar and its ENRP endpoint. */
export interface ServerInformation {
  readonly registrarId: RegistrarId;
  readonly transport: TransportParameter;
}

/**
 * Error cause codes: RFC 5354 §3.12 plus the implementation-specific codes RSPLIB puts on the wire
 * (notes/rsplib-interop.md §2.6). Any u16 is accepted on decode.
 */
export const ErrorCause = {
  UnspecifiedError: 0x0000,
  UnrecognizedParameter: 0x0001,
  UnrecognizedMessage: 0x0002,
  InvalidValues: 0x0003,
  NonUniquePeIdentifier: 0x0004,
  InconsistentPoolingPolicy: 0x0005,
  LackOfResources: 0x0006,
  InconsistentTransportType: 0x0007,
  InconsistentDataControlConfiguration: 0x0008,
  UnknownPoolHandle: 0x0009,
  RejectedDueToSecurityConsiderations: 0x000a,
  // RSPLIB-specific codes seen on the wire.
  RsplibInvalidMessage: 0x0010,
  RsplibInvalidValue: 0x0011,
  RsplibWrongProtocol: 0x100a,
  RsplibUnsupportedPoolPolicy: 0x100b,
  RsplibUnrecognizedParameterSilent: 0x1009,
  RsplibInvalidId: 0xf000,
  RsplibOwnId: 0xf001,
  RsplibDuplicateId: 0xf002,
  RsplibInvalidPoolPolicy: 0xf003,
  RsplibInvalidPoolHandle: 0xf004,
  RsplibInvalidAddresses: 0xf005,
  RsplibInvalidRegistrator: 0xf006,
  RsplibNoUsableAsapAddresses: 0xf007,
  RsplibNoUsableUserAddresses: 0xf008,
} as const;

/**
 * One error cause (RFC 5354 §3.12). For Unrecognized Parameter, Invalid Values and the like the data is
 * a copy of the offending TLV or message; RSPLIB also sends causes with empty data.
 */
export interface ErrorCauseEntry {
  readonly cause: number;
  readonly data: Uint8Array;
}

/** Operation Error parameter (RFC 5354 §3.12): one or more error causes. */
export interface OperationError {
  readonly causes: readonly ErrorCauseEntry[];
}
