/**
 * The PE side of one session: the control channel on one data association (RFC 5352 §3.8, §3.9;
 * notes §4.3). PPID 11 messages are taken out of the data: a Cookie Echo is handed to the
 * application once (the first one; RSPLIB does the same), a Business Card is reported (the PU is also
 * a PE and tells us its pool handle and failover order). The application sends data and, at any
 * time, ASAP Cookies; it may send its own Business Card (RFC 5352 §3.9 says a PE should; RSPLIB
 * cannot decode one, so it is opt-in: `businessCard` in the config sends it when the session starts).
 *
 * Graceful PE shutdown: the PE deregisters first (element core), then `close`s each session: SCTP
 * SHUTDOWN lets the queued data reach the PU, and the PU's session sees `peerShutdown` and fails
 * over at once without reporting the PE unreachable. `abort` is for errors and failure injection.
 */
import type { AssociationId, Instant } from '../base/index.js';
import { cardMessage, controlSend, readDelivery, unexpectedControl } from './control-channel.js';
import {
  type BusinessCard,
  type DataEvent,
  message,
  type SendAction,
  type SessionMessage,
} from './session-messages.js';

export interface PoolElementSessionConfig {
  readonly assoc: AssociationId;
  /** Sent as the first control message when the session starts (off by default for RSPLIB PUs). */
  readonly businessCard?: BusinessCard;
}

export type PoolElementSessionInput =
  | { readonly kind: 'start'; readonly now: Instant }
  | ({ readonly kind: 'delivered'; readonly now: Instant } & SessionMessage)
  | ({ readonly kind: 'send'; readonly now: Instant } & SessionMessage)
  | { readonly kind: 'sendCookie'; readonly now: Instant; readonly cookie: Uint8Array }
  | { readonly kind: 'sendBusinessCard'; readonly now: Instant; readonly card: BusinessCard }
  /** The association ended (lost, shut down or aborted). */
  | { readonly kind: 'ended'; readonly now: Instant }
  /** Graceful end: SCTP SHUTDOWN after queued data. */
  | { readonly kind: 'close'; readonly now: Instant }
  | { readonly kind: 'abort'; readonly now: Instant; readonly reason: string };

export type PoolElementSessionEvent =
  | DataEvent
  | { readonly kind: 'cookieEcho'; readonly cookie: Uint8Array }
  | { readonly kind: 'businessCard'; readonly card: BusinessCard }
  | { readonly kind: 'controlError'; readonly reason: string }
  | { readonly kind: 'ended' };

export type PoolElementSessionAction =
  | SendAction
  | { readonly kind: 'close'; readonly assoc: AssociationId }
  | { readonly kind: 'abort'; readonly assoc: AssociationId; readonly reason: string }
  | { readonly kind: 'notify'; readonly event: PoolElementSessionEvent };

/**
 * `open` (the association is up; `cookieEchoSeen` once the first Cookie Echo went to the application)
 * → `ended` on `ended`, `close` or `abort`; an ended session ignores every input.
 */
type PoolElementSessionPhase =
  | { readonly name: 'open'; readonly cookieEchoSeen: boolean }
  | { readonly name: 'ended' };

export class PoolElementSession {
  private phase: PoolElementSessionPhase = { name: 'open', cookieEchoSeen: false };
  private peerCard: BusinessCard | undefined;

  constructor(private readonly config: PoolElementSessionConfig) {}

  get assoc(): AssociationId {
    return this.config.assoc;
  }

  get isOpen(): boolean {
    return this.phase.name === 'open';
  }

  /** The PU's Business Card, if it is also a PE and sent one. */
  get businessCard(): BusinessCard | undefined {
    return this.peerCard;
  }

  handle(input: PoolElementSessionInput): PoolElementSessionAction[] {
    if (this.phase.name === 'ended') return [];
    const assoc = this.config.assoc;
    switch (input.kind) {
      case 'start':
        return this.config.businessCard ? [controlSend(assoc, cardMessage(this.config.businessCard))] : [];
      case 'delivered':
        return [{ kind: 'notify', event: this.onDelivered(input, this.phase.cookieEchoSeen) }];
      case 'send':
        return [{ kind: 'send', assoc, ...message(input) }];
      case 'sendCookie':
        return [controlSend(assoc, { kind: 'cookie', cookie: input.cookie })];
      case 'sendBusinessCard':
        return [controlSend(assoc, cardMessage(input.card))];
      case 'ended':
        this.phase = { name: 'ended' };
        return [{ kind: 'notify', event: { kind: 'ended' } }];
      case 'close':
        this.phase = { name: 'ended' };
        return [{ kind: 'close', assoc }];
      case 'abort':
        this.phase = { name: 'ended' };
        return [{ kind: 'abort', assoc, reason: input.reason }];
    }
  }

  private onDelivered(m: SessionMessage, cookieEchoSeen: boolean): PoolElementSessionEvent {
    const r = readDelivery(m.ppid, m.bytes);
    switch (r.kind) {
      case 'data':
        return { kind: 'data', ...message(m) };
      case 'cookieEcho':
        // RSPLIB hands the first Cookie Echo to the application, once.
        if (cookieEchoSeen) return { kind: 'controlError', reason: 'second Cookie Echo ignored' };
        this.phase = { name: 'open', cookieEchoSeen: true };
        return { kind: 'cookieEcho', cookie: r.cookie };
      case 'businessCard':
        this.peerCard = r.card;
        return r;
      case 'cookie':
        return unexpectedControl(r.kind);
      case 'controlError':
        return r;
    }
  }
}
