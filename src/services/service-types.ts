/**
 * The sans-I/O contract of the application services (PE side) and clients (PU side). A PE service is
 * one object per pool element serving all its sessions (so that capacity and job limits are shared);
 * the glue names each session (one association) by a number of its choosing. A client is one object
 * per pool user session. Inputs and actions are plain data; time is injected; nothing here throws on
 * network input.
 */
import type { Instant } from '../base/index.js';

/** The glue's name for one PE-side session (e.g. its association id). */
export type ServiceSessionRef = number;

/** Wall-clock time for Daytime: microseconds since the Unix epoch and the local offset to UTC. */
export interface WallClock {
  readonly epochUs: number;
  readonly utcOffsetMinutes: number;
}

/** One application message as SCTP carries it: the same three fields whichever side sends or receives it. */
export interface AppData {
  readonly ppid: number;
  readonly stream: number;
  readonly bytes: Uint8Array;
}

export type ServiceInput =
  /** A PU opened a session (a new association on the PE's user transport). */
  | {
      readonly kind: 'sessionUp';
      readonly now: Instant;
      readonly session: ServiceSessionRef;
      readonly wallClock?: WallClock;
    }
  /** Application data (any PPID except 11; the control channel is handled by the session layer). */
  | ({
      readonly kind: 'message';
      readonly now: Instant;
      readonly session: ServiceSessionRef;
      readonly unordered?: boolean;
    } & AppData)
  /** The PU's ASAP Cookie Echo (handed over once per session by the session layer). */
  | {
      readonly kind: 'cookieEcho';
      readonly now: Instant;
      readonly session: ServiceSessionRef;
      readonly cookie: Uint8Array;
    }
  /** The session's association can take about `roomBytes` more (flow control for streaming services). */
  | {
      readonly kind: 'writable';
      readonly now: Instant;
      readonly session: ServiceSessionRef;
      readonly roomBytes: number;
    }
  /** The association is gone (lost, shut down or aborted). */
  | { readonly kind: 'sessionDown'; readonly now: Instant; readonly session: ServiceSessionRef }
  /** The PE is going down: the service ends all sessions. */
  | { readonly kind: 'shutdown'; readonly now: Instant }
  | { readonly kind: 'tick'; readonly now: Instant };

export type ServiceEvent =
  | { readonly kind: 'malformed'; readonly session: ServiceSessionRef; readonly reason: string }
  | {
      readonly kind: 'jobAccepted';
      readonly session: ServiceSessionRef;
      readonly jobId: number;
      readonly resumed: boolean;
    }
  | { readonly kind: 'jobRejected'; readonly session: ServiceSessionRef; readonly jobId: number }
  | { readonly kind: 'jobCompleted'; readonly session: ServiceSessionRef; readonly jobId: number }
  | { readonly kind: 'failureInjected'; readonly session: ServiceSessionRef }
  | { readonly kind: 'imageCompleted'; readonly session: ServiceSessionRef };

export type ServiceAction =
  | ({ readonly kind: 'send'; readonly session: ServiceSessionRef; readonly unordered: boolean } & AppData)
  /** Send an ASAP Cookie (PPID 11) on the session's control channel. */
  | { readonly kind: 'sendCookie'; readonly session: ServiceSessionRef; readonly cookie: Uint8Array }
  /** Graceful end (SCTP SHUTDOWN after queued data). */
  | { readonly kind: 'close'; readonly session: ServiceSessionRef }
  /** Abrupt end (SCTP ABORT): RSPLIB's failure injection and protocol errors. */
  | { readonly kind: 'abort'; readonly session: ServiceSessionRef; readonly reason: string }
  | { readonly kind: 'notify'; readonly event: ServiceEvent };

export interface PoolElementService {
  /** RSPLIB's default pool handle for the service, e.g. "EchoPool". */
  readonly defaultPoolHandle: string;
  handle(input: ServiceInput): ServiceAction[];
  nextDeadline(): Instant | undefined;
  /** Sessions currently served (for a LeastUsed load report). */
  readonly sessionCount: number;
}

/** What a PU-side session tells its client (the glue maps the session layer's events to these). */
export type ClientInput =
  /** The first PE is connected; `pe` is its identifier. */
  | { readonly kind: 'up'; readonly now: Instant; readonly pe: number }
  | ({ readonly kind: 'message'; readonly now: Instant } & AppData)
  /** The PE sent an ASAP Cookie (the session keeps it for the Cookie Echo; clients may read it). */
  | { readonly kind: 'cookie'; readonly now: Instant; readonly cookie: Uint8Array }
  | { readonly kind: 'failoverNeeded'; readonly now: Instant }
  | {
      readonly kind: 'failoverComplete';
      readonly now: Instant;
      readonly pe: number;
      readonly cookieEchoed: boolean;
    }
  /** The session ended (closed by the application or failed). */
  | { readonly kind: 'closed'; readonly now: Instant }
  | { readonly kind: 'tick'; readonly now: Instant };

export type ClientAction<E> =
  | ({ readonly kind: 'send' } & AppData)
  /** Ask the session for a failover (e.g. after a keep-alive timeout). */
  | { readonly kind: 'failover'; readonly reportUnreachable: boolean }
  | { readonly kind: 'close' }
  | { readonly kind: 'notify'; readonly event: E };
