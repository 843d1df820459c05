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
import { CONTROL_CHANNEL_PPID, classifyDelivery, encodeControl } from './control-channel.js';
import type { BusinessCard, SessionMessage } from './pool-user-session-types.js';

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
  | {
      readonly kind: 'data';
      readonly ppid: number;
      readonly stream: number;
      readonly unordered: boolean;
      readonly bytes: Uint8Array;
    }
  | { readonly kind: 'cookieEcho'; readonly cookie: Uint8Array }
  | { readonly kind: 'businessCard'; readonly card: BusinessCard }
  | { readonly kind: 'controlError'; readonly reason: string }
  | { readonly kind: 'ended' };

export type PoolElementSessionAction =
  | {
      readonly kind: 'send';
      readonly assoc: AssociationId;
      readonly ppid: number;
      readonly stream: number;
      readonly unordered: boolean;
      readonly bytes: Uint8Array;
    }
  | { readonly kind: 'close'; readonly assoc: AssociationId }
  | { readonly kind: 'abort'; readonly assoc: AssociationId; readonly reason: string }
  | { readonly kind: 'notify'; readonly event: PoolElementSessionEvent };

export class PoolElementSession {
  private cookieEchoDelivered = false;
  private open = true;
  private peerCard: BusinessCard | undefined;

  constructor(private readonly config: PoolElementSessionConfig) {}

  get assoc(): AssociationId {
    return this.config.assoc;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** The PU's Business Card, if it is also a PE and sent one. */
  get businessCard(): BusinessCard | undefined {
    return this.peerCard;
  }

  handle(input: PoolElementSessionInput): PoolElementSessionAction[] {
    if (!this.open) return [];
    const assoc = this.config.assoc;
    switch (input.kind) {
      case 'start':
        return this.config.businessCard
          ? [this.control({ kind: 'businessCard', ...this.config.businessCard })]
          : [];
      case 'delivered':
        return this.onDelivered(input.ppid, input.stream, input.unordered ?? false, input.bytes);
      case 'send':
        return [
          {
            kind: 'send',
            assoc,
            ppid: input.ppid,
            stream: input.stream,
            unordered: input.unordered ?? false,
            bytes: input.bytes,
          },
        ];
      case 'sendCookie':
        return [this.control({ kind: 'cookie', cookie: input.cookie })];
      case 'sendBusinessCard':
        return [this.control({ kind: 'businessCard', ...input.card })];
      case 'ended':
        this.open = false;
        return [{ kind: 'notify', event: { kind: 'ended' } }];
      case 'close':
        this.open = false;
        return [{ kind: 'close', assoc }];
      case 'abort':
        this.open = false;
        return [{ kind: 'abort', assoc, reason: input.reason }];
    }
  }

  private control(message: Parameters<typeof encodeControl>[0]): PoolElementSessionAction {
    return {
      kind: 'send',
      assoc: this.config.assoc,
      ppid: CONTROL_CHANNEL_PPID,
      stream: 0,
      unordered: false,
      bytes: encodeControl(message),
    };
  }

  private onDelivered(
    ppid: number,
    stream: number,
    unordered: boolean,
    bytes: Uint8Array,
  ): PoolElementSessionAction[] {
    const d = classifyDelivery(ppid, bytes);
    if (d.kind === 'data')
      return [{ kind: 'notify', event: { kind: 'data', ppid, stream, unordered, bytes } }];
    if (d.kind === 'malformedControl')
      return [{ kind: 'notify', event: { kind: 'controlError', reason: d.reason } }];
    const m = d.message;
    if (m.kind === 'cookieEcho') {
      if (this.cookieEchoDelivered) {
        return [{ kind: 'notify', event: { kind: 'controlError', reason: 'second Cookie Echo ignored' } }];
      }
      this.cookieEchoDelivered = true;
      return [{ kind: 'notify', event: { kind: 'cookieEcho', cookie: m.cookie } }];
    }
    if (m.kind === 'businessCard') {
      const card: BusinessCard = { poolHandle: m.poolHandle, poolElements: m.poolElements };
      this.peerCard = card;
      return [{ kind: 'notify', event: { kind: 'businessCard', card } }];
    }
    return [
      {
        kind: 'notify',
        event: { kind: 'controlError', reason: `unexpected ASAP ${m.kind} on a data association` },
      },
    ];
  }
}
