/**
 * What every stack node (a protocol core bound to its SCTP endpoints) takes in and puts out. A node is
 * sans-I/O: `src/io` feeds it UDP datagrams and ticks and carries out its outputs on real sockets; tests
 * feed it from a simulated network.
 */
import type { Instant } from '../base/index.js';
import type { UdpAddress } from '../sctp/index.js';

/** Which multicast channel a datagram belongs to (RFC 5352 §3.6, RFC 5353 §3.1). */
export type MulticastChannel = 'asapAnnounce' | 'enrpPresence';

export type NodeInput =
  /** An SCTP-over-UDP datagram (RFC 6951) received on the node's UDP socket. */
  | {
      readonly kind: 'datagram';
      readonly now: Instant;
      readonly from: UdpAddress;
      readonly bytes: Uint8Array;
    }
  /** A plain UDP datagram received on a multicast channel (ASAP Server Announce, ENRP Presence). */
  | {
      readonly kind: 'multicast';
      readonly now: Instant;
      readonly channel: MulticastChannel;
      readonly from: UdpAddress;
      readonly bytes: Uint8Array;
    }
  | { readonly kind: 'tick'; readonly now: Instant };

export type NodeOutput<E> =
  | { readonly kind: 'transmit'; readonly to: UdpAddress; readonly from?: string; readonly bytes: Uint8Array }
  | { readonly kind: 'multicast'; readonly channel: MulticastChannel; readonly bytes: Uint8Array }
  | { readonly kind: 'event'; readonly event: E };

/** The SCTP Payload Protocol Identifiers of RSerPool (RFC 5352 §8.3, RFC 5353 §7). */
export const PPID_ASAP = 11;
export const PPID_ENRP = 12;
