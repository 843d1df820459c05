/**
 * The association's state (RFC 9260 §4) as a discriminated union: each variant carries only the
 * fields valid in that state, so that no code can read the setup chunk after the handshake or a
 * shutdown timer before the shutdown. The table of transitions is in docs/sctp.md.
 */
import type { Instant } from '../../base/time.js';
import type { AssociationState } from '../types.js';

/** A chunk queued for, or retransmitted in, a packet of its own. */
export interface Control {
  readonly type: number;
  readonly flags: number;
  readonly value: Uint8Array;
}

/** The setup chunk under T1 (§5.1): the INIT in COOKIE-WAIT, the COOKIE ECHO in COOKIE-ECHOED. */
export interface T1Retransmit {
  readonly chunk: Control;
  /** Transmissions so far beyond the first (Max.Init.Retransmits counts them). */
  count: number;
  at: Instant | undefined;
}

/** T2-shutdown (§9.2) and T5-shutdown-guard, both armed while the SHUTDOWN exchange runs. */
export interface ShutdownTimers {
  t2At: Instant | undefined;
  t5At: Instant | undefined;
}

export type AssocState =
  | {
      readonly kind: 'cookieWait';
      readonly t1: T1Retransmit;
      /** UDP ports the INIT goes to until the INIT ACK tells which one the peer uses (docs/sctp.md). */
      udpCandidates: number[];
    }
  | { readonly kind: 'cookieEchoed'; readonly t1: T1Retransmit }
  | { readonly kind: 'established' }
  | { readonly kind: 'shutdownPending' }
  | { readonly kind: 'shutdownSent'; readonly timers: ShutdownTimers }
  /** `timers` only after a SHUTDOWN collision (they keep running from SHUTDOWN-SENT). */
  | { readonly kind: 'shutdownReceived'; readonly timers: ShutdownTimers | undefined }
  | { readonly kind: 'shutdownAckSent'; readonly timers: ShutdownTimers }
  | { readonly kind: 'closed' };

/** States in which DATA and SACK flow (the association is up, possibly shutting down). */
const UP: ReadonlySet<AssociationState> = new Set<AssociationState>([
  'established',
  'shutdownPending',
  'shutdownSent',
  'shutdownReceived',
  'shutdownAckSent',
]);

export function isUp(s: AssocState): boolean {
  return UP.has(s.kind);
}

/** The T1 record of a state that has one. */
export function t1Of(s: AssocState): T1Retransmit | undefined {
  return s.kind === 'cookieWait' || s.kind === 'cookieEchoed' ? s.t1 : undefined;
}

/** The shutdown timers of a state that has them. */
export function shutdownTimersOf(s: AssocState): ShutdownTimers | undefined {
  return s.kind === 'shutdownSent' || s.kind === 'shutdownReceived' || s.kind === 'shutdownAckSent'
    ? s.timers
    : undefined;
}
