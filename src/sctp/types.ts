/** The public surface of the sans-I/O SCTP endpoint: inputs, actions, events, status, options. */
import type { Random } from '../base/random.js';
import type { Duration, Instant } from '../base/time.js';
import type { ErrorCause } from './wire/chunks.js';

/** An association id, unique within one endpoint, never reused. */
export type AssocId = number;

/** A UDP transport address (where an encapsulated SCTP packet comes from or goes to). */
export interface UdpAddress {
  readonly ip: string;
  readonly port: number;
}

/** The association states of RFC 9260 §4. */
export type AssociationState =
  | 'cookieWait'
  | 'cookieEchoed'
  | 'established'
  | 'shutdownPending'
  | 'shutdownSent'
  | 'shutdownReceived'
  | 'shutdownAckSent'
  | 'closed';

export interface PeerSpec {
  /** Peer IP addresses (multi-homed peers: several); the first is the initial primary path. */
  readonly addresses: readonly string[];
  /** The peer's SCTP port. */
  readonly port: number;
  /** The peer's UDP encapsulation port (default: the endpoint's `remoteUdpPort`). */
  readonly udpPort?: number;
  /** The local SCTP port to use (default: the endpoint's `port`; must be one of its ports). */
  readonly localPort?: number;
}

export type SctpInput =
  /** A received UDP datagram. `bytes` is kept by reference (views) until delivered: do not reuse it. */
  | {
      readonly kind: 'datagram';
      readonly now: Instant;
      readonly from: UdpAddress;
      readonly bytes: Uint8Array;
      /** The local IP the datagram arrived at (multi-homed endpoints reply from it). */
      readonly local?: string;
    }
  /**
   * A message to send. `bytes` is kept by reference until acknowledged: do not modify it.
   * `more: true` defers transmission until a `flush` (lets a driver bundle many small messages).
   */
  | {
      readonly kind: 'send';
      readonly now: Instant;
      readonly assoc: AssocId;
      readonly ppid: number;
      readonly stream: number;
      readonly unordered?: boolean;
      readonly bytes: Uint8Array;
      readonly more?: boolean;
    }
  | { readonly kind: 'flush'; readonly now: Instant }
  | { readonly kind: 'tick'; readonly now: Instant }
  | { readonly kind: 'connect'; readonly now: Instant; readonly peer: PeerSpec }
  /** Graceful SHUTDOWN (§9.2) after all queued data is acknowledged. */
  | { readonly kind: 'shutdown'; readonly now: Instant; readonly assoc: AssocId }
  /** ABORT (§9.1) with a User-Initiated Abort cause carrying `reason`. */
  | { readonly kind: 'abort'; readonly now: Instant; readonly assoc: AssocId; readonly reason?: string };

export type SctpAction =
  | { readonly kind: 'transmit'; readonly to: UdpAddress; readonly from?: string; readonly bytes: Uint8Array }
  | {
      readonly kind: 'deliver';
      readonly assoc: AssocId;
      readonly ppid: number;
      readonly stream: number;
      readonly unordered: boolean;
      readonly bytes: Uint8Array;
    }
  | { readonly kind: 'notify'; readonly assoc: AssocId; readonly event: SctpEvent };

export type LostCause =
  /** The peer sent ABORT (its error causes attached). */
  | { readonly kind: 'peerAbort'; readonly causes: readonly ErrorCause[]; readonly description: string }
  /** Association.Max.Retrans exceeded (§8.1), or T2/T5 gave up during shutdown. */
  | { readonly kind: 'timeout' }
  /** Max.Init.Retransmits exceeded (§5.1) or the peer answered INIT with ABORT. */
  | { readonly kind: 'initFailed' }
  /** Aborted by this side (`abort` input, or a protocol violation / resource limit). */
  | { readonly kind: 'localAbort'; readonly reason: string };

export type SctpEvent =
  | {
      readonly kind: 'up';
      /** The local SCTP port of the association (see `EndpointOptions.ports`). */
      readonly localPort: number;
      readonly peerAddresses: readonly string[];
      readonly peerPort: number;
      readonly inboundStreams: number;
      readonly outboundStreams: number;
    }
  | { readonly kind: 'lost'; readonly cause: LostCause }
  /** The peer restarted (§5.2.4 action A): the association continues with new tags and TSNs. */
  | { readonly kind: 'restart'; readonly peerAddresses: readonly string[] }
  | { readonly kind: 'shutdownComplete' }
  /** The peer started a graceful shutdown: no new messages can be sent. */
  | { readonly kind: 'peerShutdown' }
  /** A message was not (or not entirely) acknowledged before the association ended, or was refused. */
  | {
      readonly kind: 'sendFailed';
      readonly ppid: number;
      readonly stream: number;
      readonly unordered: boolean;
      readonly bytes: Uint8Array;
      readonly reason: string;
    }
  | {
      readonly kind: 'pathChange';
      readonly address: string;
      readonly state: 'active' | 'inactive' | 'confirmed';
    };

export interface PathStatus {
  readonly address: string;
  readonly udpPort: number;
  readonly state: 'active' | 'inactive' | 'unconfirmed';
  readonly primary: boolean;
  readonly srttMs: number | undefined;
  readonly rtoMs: number;
  readonly cwndBytes: number;
  readonly ssthreshBytes: number;
  readonly flightBytes: number;
}

export interface AssociationStatus {
  readonly assoc: AssocId;
  readonly state: AssociationState;
  readonly localPort: number;
  readonly peerPort: number;
  readonly peerAddresses: readonly string[];
  readonly primaryAddress: string;
  /** Of the primary path. */
  readonly srttMs: number | undefined;
  readonly rtoMs: number;
  readonly cwndBytes: number;
  readonly peerRwndBytes: number;
  readonly outstandingBytes: number;
  readonly queuedBytes: number;
  readonly inboundStreams: number;
  readonly outboundStreams: number;
  readonly paths: readonly PathStatus[];
}

/** Message authentication for State Cookies (§5.1.3); io/ supplies HMAC-SHA256 from node:crypto. */
export type CookieMac = (key: Uint8Array, data: Uint8Array) => Uint8Array;

export interface EndpointOptions {
  /** Local SCTP port. */
  readonly port: number;
  /**
   * More local SCTP ports served on the same UDP socket (a registrar: ASAP 3863 and ENRP 9901 both
   * behind UDP 9899, as a kernel SCTP stack would do). Associations carry their `localPort`.
   */
  readonly ports?: readonly number[];
  /** Accept associations initiated by peers (a registrar does; a pure pool user need not). */
  readonly listen?: boolean;
  /** Local addresses announced in INIT/INIT ACK when more than one (multi-homing). */
  readonly localAddresses?: readonly string[];
  readonly random: Random;
  readonly mac: CookieMac;
  /** Secret for cookie MACs; default 32 bytes from `random`. */
  readonly secret?: Uint8Array;
  /** Address families the driver can send to; peer addresses of others are not used (default both). */
  readonly addressFamilies?: readonly ('ipv4' | 'ipv6')[];
  /** UDP port to send to when none has been learned yet (RFC 6951 §5.1: 9899). */
  readonly remoteUdpPort?: number;
  /**
   * The project's UDP port convention (docs/sctp.md): when a peer's UDP port is not given, send
   * the INIT both to `remoteUdpPort` and to UDP port = the peer's SCTP port; the port the INIT ACK
   * comes from is used from then on, and an ABORT from the other candidate is ignored. Default true.
   */
  readonly tryPeerSctpPortAsUdpPort?: boolean;
  readonly rtoInitialMs?: Duration;
  readonly rtoMinMs?: Duration;
  readonly rtoMaxMs?: Duration;
  readonly maxBurst?: number;
  readonly validCookieLifeMs?: Duration;
  readonly associationMaxRetrans?: number;
  readonly pathMaxRetrans?: number;
  readonly maxInitRetransmits?: number;
  readonly heartbeatIntervalMs?: Duration;
  /** false disables heartbeats. */
  readonly heartbeats?: boolean;
  readonly sackDelayMs?: Duration;
  readonly pathMtuBytes?: number;
  /** Path MTU towards loopback addresses (default 16384). */
  readonly loopbackMtuBytes?: number;
  readonly receiveWindowBytes?: number;
  readonly maxMessageBytes?: number;
  readonly outboundStreams?: number;
  readonly inboundStreams?: number;
  readonly autocloseMs?: Duration;
  /** A fixed initial TSN instead of a random one (tests of the 2^32 wrap). */
  readonly initialTsn?: number;
  /** Upper bound on associations (COOKIE ECHOs beyond it are answered with ABORT). */
  readonly maxAssociations?: number;
}
