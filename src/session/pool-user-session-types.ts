/**
 * The data of the pool user session (pool-user-session.ts): configuration, inputs, actions, events.
 * Plain discriminated unions on `kind`; the glue maps them to the PoolUser core and SCTP.
 */
import type { AssociationId, Instant } from '../base/index.js';
import type { Resolution, ResolutionFailure } from '../user/pool-user.js';
import type { PoolElementId, PoolHandle, TransportParameter } from '../wire/types.js';
import type { IdAllocator } from './id-allocator.js';
import type { BusinessCard, DataEvent, SendAction, SessionMessage } from './session-messages.js';

export interface PoolUserSessionConfig {
  readonly poolHandle: PoolHandle;
  /** Shared by all sessions of the process: request ids and connect refs. */
  readonly ids: IdAllocator;
  readonly reportUnreachable?: boolean;
  readonly autoFailover?: boolean;
  readonly retryDelayMs?: number;
  readonly connectTimeoutMs?: number;
  readonly maxAttempts?: number;
  readonly resolutionItems?: number;
  readonly maxBufferedMessages?: number;
  readonly maxBufferedBytes?: number;
  /**
   * Send again, on the next PE, the messages the transport hands back unacknowledged when an
   * association of this session fails (its `sendFailed` reports), with their ppid, stream and
   * `unordered` flag: at-least-once delivery to a PE. They share the queue and its bounds
   * (`maxBufferedMessages`/`maxBufferedBytes`); beyond, `sendFailed {reason: 'bufferFull'}`.
   * Default false (the application resends from its cookie state).
   */
  readonly resendOnFailover?: boolean;
  /** Use a received Business Card's failover order before a fresh resolution (default true). */
  readonly useBusinessCards?: boolean;
  /** This PU is also a PE: its card, sent on every association after the Cookie Echo (RFC 5352 §3.9). */
  readonly ownBusinessCard?: BusinessCard;
}

/** Why a message will not reach a PE (see docs/sessions.md, delivery guarantee). */
export type SendFailure = 'associationFailed' | 'bufferFull' | 'closed';

export type FailoverReason = 'associationLost' | 'peerShutdown' | 'sendFailed' | 'application';

export type PoolUserSessionInput =
  | { readonly kind: 'open'; readonly now: Instant }
  | ({ readonly kind: 'send'; readonly now: Instant } & SessionMessage)
  /** A message arrived on an association (any PPID; 11 is the control channel). */
  | ({ readonly kind: 'delivered'; readonly now: Instant; readonly assoc: AssociationId } & SessionMessage)
  | {
      readonly kind: 'resolved';
      readonly now: Instant;
      readonly requestId: number;
      readonly result: { ok: true; value: Resolution } | { ok: false; error: ResolutionFailure };
    }
  | { readonly kind: 'connected'; readonly now: Instant; readonly ref: number; readonly assoc: AssociationId }
  | { readonly kind: 'connectFailed'; readonly now: Instant; readonly ref: number }
  | { readonly kind: 'assocLost'; readonly now: Instant; readonly assoc: AssociationId }
  /** The peer started a graceful shutdown (e.g. a PE going down after deregistering). */
  | { readonly kind: 'peerShutdown'; readonly now: Instant; readonly assoc: AssociationId }
  /** The transport hands back a message it could not (entirely) deliver, with its flags. */
  | ({ readonly kind: 'sendFailed'; readonly now: Instant; readonly assoc: AssociationId } & SessionMessage)
  /** The application asks for a failover (rsp_forcefailover); `reportUnreachable` defaults to the config. */
  | { readonly kind: 'failover'; readonly now: Instant; readonly reportUnreachable?: boolean }
  /** Send (and keep re-sending after failovers) our Business Card: a PU that is also a PE. */
  | { readonly kind: 'sendBusinessCard'; readonly now: Instant; readonly card: BusinessCard }
  /** Forget the stored cookie (e.g. the application's state it described is finished). */
  | { readonly kind: 'clearCookie'; readonly now: Instant }
  | { readonly kind: 'close'; readonly now: Instant }
  | { readonly kind: 'tick'; readonly now: Instant };

export type ResolvedInput = Extract<PoolUserSessionInput, { kind: 'resolved' }>;
export type BusinessCardInput = Extract<PoolUserSessionInput, { kind: 'sendBusinessCard' | 'clearCookie' }>;

export type PoolUserSessionEvent =
  | { readonly kind: 'up'; readonly pe: PoolElementId }
  | DataEvent
  | { readonly kind: 'cookieReceived'; readonly cookie: Uint8Array }
  | { readonly kind: 'businessCard'; readonly card: BusinessCard }
  | { readonly kind: 'failoverNeeded'; readonly reason: FailoverReason; readonly pe: PoolElementId }
  | { readonly kind: 'failoverComplete'; readonly pe: PoolElementId; readonly cookieEchoed: boolean }
  /** A message that was not (or will not be) delivered. */
  | {
      readonly kind: 'sendFailed';
      readonly ppid: number;
      readonly stream: number;
      readonly bytes: Uint8Array;
      readonly reason: SendFailure;
    }
  /** A PPID 11 message we cannot use (malformed, or a type that does not belong on a data association). */
  | { readonly kind: 'controlError'; readonly reason: string }
  | { readonly kind: 'closed' }
  | { readonly kind: 'failed'; readonly reason: string; readonly attempts: number };

export type PoolUserSessionAction =
  | {
      readonly kind: 'resolve';
      readonly requestId: number;
      readonly poolHandle: PoolHandle;
      readonly items: number;
    }
  | {
      readonly kind: 'reportUnreachable';
      readonly poolHandle: PoolHandle;
      readonly poolElementId: PoolElementId;
    }
  | {
      readonly kind: 'connect';
      readonly ref: number;
      readonly pe: PoolElementId;
      readonly to: TransportParameter;
    }
  /** Stop a connect attempt the session gave up on (timeout, close): abort it if it comes up. */
  | { readonly kind: 'cancelConnect'; readonly ref: number }
  | SendAction
  /** Graceful SCTP SHUTDOWN. */
  | { readonly kind: 'close'; readonly assoc: AssociationId }
  | { readonly kind: 'abort'; readonly assoc: AssociationId }
  | { readonly kind: 'notify'; readonly event: PoolUserSessionEvent };

export type PoolUserSessionState =
  | 'idle'
  | 'resolving'
  | 'connecting'
  | 'waiting'
  | 'up'
  | 'failoverPending'
  | 'closed'
  | 'failed';
