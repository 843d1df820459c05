/**
 * A pool user's session to a pool (RFC 5352 §3.8, §3.9, §6; RSPLIB's enhanced mode, notes §4.3) as a
 * sans-I/O core. It selects a PE through handle resolution (forwarded by the glue to the process's
 * PoolUser core), connects to the PE's user transport, separates the ASAP control channel (PPID 11)
 * from data, keeps the latest Cookie and the peer's Business Card, and fails over transparently:
 *
 * 1. trigger: association lost, peer shutdown, a send failure, or the application's `failover`;
 *    `failoverNeeded` is emitted once per event; a still-open association is aborted;
 * 2. the failed PE is reported with Endpoint Unreachable once per event (option, default on; not
 *    after a graceful peer shutdown) and avoided while others exist;
 * 3. candidates: the peer's Business Card failover order first, then a fresh resolution; no PE or
 *    all candidates failed → wait `retryDelayMs` and resolve again, up to `maxAttempts` → `failed`;
 * 4. connect; a connect failure or timeout reports that PE and tries the next candidate;
 * 5. on the new association: Cookie Echo (PPID 11) first if a cookie is stored, then our own
 *    Business Card if this PU is also a PE, then the messages queued meanwhile, in order;
 *    then `failoverComplete {pe, cookieEchoed}`.
 *
 * Delivery guarantee: messages the application sends while no PE is connected are queued (bounded)
 * and sent, in order, on the next PE after the Cookie Echo; messages handed to an association that
 * then fails are not re-sent (those the transport reports are returned in `sendFailed` events), so
 * an application resends from its cookie state; data still arriving on a failed association is dropped.
 */
import type { AssociationId, Instant } from '../base/index.js';
import type { Resolution, ResolutionFailure } from '../user/pool-user.js';
import type { PoolElementId, PoolElementParameter, PoolHandle } from '../wire/types.js';
import { CONTROL_CHANNEL_PPID, classifyDelivery, encodeControl } from './control-channel.js';
import { SESSION_DEFAULTS } from './defaults.js';
import type {
  BusinessCard,
  FailoverReason,
  PoolUserSessionAction,
  PoolUserSessionConfig,
  PoolUserSessionEvent,
  PoolUserSessionInput,
  PoolUserSessionState,
} from './pool-user-session-types.js';

interface Queued {
  readonly ppid: number;
  readonly stream: number;
  readonly unordered: boolean;
  readonly bytes: Uint8Array;
}

type Out = PoolUserSessionAction[];

export class PoolUserSession {
  private phase: PoolUserSessionState = 'idle';
  private assoc: AssociationId | undefined;
  private current: PoolElementParameter | undefined;
  private storedCookie: Uint8Array | undefined;
  private peerCard: BusinessCard | undefined;
  private ownCard: BusinessCard | undefined;
  private candidates: PoolElementParameter[] = [];
  private readonly avoid = new Set<PoolElementId>();
  private readonly reported = new Set<PoolElementId>();
  private attempts = 0;
  private everUp = false;
  private pendingRequestId: number | undefined;
  private pendingRef: number | undefined;
  private connecting: PoolElementParameter | undefined;
  private connectDeadline: Instant | undefined;
  private retryAt: Instant | undefined;
  /** Associations this session left (failed over from); their late sendFailed reports still reach the app. */
  private readonly formerAssocs = new Set<AssociationId>();
  private readonly queue: Queued[] = [];
  private queuedBytes = 0;
  /** The queue's first `resends` messages are resent ones: they go before those queued since the failure. */
  private resends = 0;
  private reportOnFailover = true;
  private readonly cfg: Required<Omit<PoolUserSessionConfig, 'ownBusinessCard' | 'ids' | 'poolHandle'>>;

  constructor(private readonly config: PoolUserSessionConfig) {
    this.cfg = {
      reportUnreachable: config.reportUnreachable ?? SESSION_DEFAULTS.reportUnreachable,
      autoFailover: config.autoFailover ?? SESSION_DEFAULTS.autoFailover,
      retryDelayMs: config.retryDelayMs ?? SESSION_DEFAULTS.retryDelayMs,
      connectTimeoutMs: config.connectTimeoutMs ?? SESSION_DEFAULTS.connectTimeoutMs,
      maxAttempts: config.maxAttempts ?? SESSION_DEFAULTS.maxAttempts,
      resolutionItems: config.resolutionItems ?? SESSION_DEFAULTS.resolutionItems,
      maxBufferedMessages: config.maxBufferedMessages ?? SESSION_DEFAULTS.maxBufferedMessages,
      maxBufferedBytes: config.maxBufferedBytes ?? SESSION_DEFAULTS.maxBufferedBytes,
      useBusinessCards: config.useBusinessCards ?? true,
      resendOnFailover: config.resendOnFailover ?? SESSION_DEFAULTS.resendOnFailover,
    };
    this.ownCard = config.ownBusinessCard;
  }

  get state(): PoolUserSessionState {
    return this.phase;
  }

  get poolHandle(): PoolHandle {
    return this.config.poolHandle;
  }

  /** The PE currently connected (or last connected). */
  get poolElementId(): PoolElementId | undefined {
    return this.current?.id;
  }

  get association(): AssociationId | undefined {
    return this.assoc;
  }

  get cookie(): Uint8Array | undefined {
    return this.storedCookie;
  }

  get businessCard(): BusinessCard | undefined {
    return this.peerCard;
  }

  get queuedMessages(): number {
    return this.queue.length;
  }

  nextDeadline(): Instant | undefined {
    const a = this.connectDeadline;
    const b = this.retryAt;
    return a === undefined ? b : b === undefined ? a : Math.min(a, b);
  }

  handle(input: PoolUserSessionInput): PoolUserSessionAction[] {
    if (this.phase === 'closed' || this.phase === 'failed') return this.afterEnd(input);
    switch (input.kind) {
      case 'open':
        if (this.phase !== 'idle') return [];
        return this.select(input.now, false);
      case 'send':
        return this.onSend(input.ppid, input.stream, input.unordered ?? false, input.bytes);
      case 'delivered':
        return input.assoc === this.assoc
          ? this.onDelivered(input.ppid, input.stream, input.unordered ?? false, input.bytes)
          : [];
      case 'resolved':
        return input.requestId === this.pendingRequestId ? this.onResolved(input.now, input.result) : [];
      case 'connected':
        return this.onConnected(input.ref, input.assoc);
      case 'connectFailed':
        return input.ref === this.pendingRef ? this.onConnectFailed(input.now) : [];
      case 'assocLost':
        return input.assoc === this.assoc
          ? this.trigger(input.now, 'associationLost', this.cfg.reportUnreachable)
          : [];
      case 'peerShutdown':
        return input.assoc === this.assoc ? this.trigger(input.now, 'peerShutdown', false) : [];
      case 'sendFailed':
        return this.onSendFailed(input.now, input.assoc, {
          ppid: input.ppid,
          stream: input.stream,
          unordered: input.unordered ?? false,
          bytes: input.bytes,
        });
      case 'failover':
        return this.onFailoverRequest(input.now, input.reportUnreachable ?? this.cfg.reportUnreachable);
      case 'sendBusinessCard':
        this.ownCard = input.card;
        return this.assoc === undefined ? [] : [this.controlSend(this.assoc, this.cardMessage(input.card))];
      case 'clearCookie':
        this.storedCookie = undefined;
        return [];
      case 'close':
        return this.onClose();
      case 'tick':
        return this.onTick(input.now);
    }
  }

  /** After close/failed: abort late associations, fail late sends. */
  private afterEnd(input: PoolUserSessionInput): Out {
    if (input.kind === 'connected') return [{ kind: 'abort', assoc: input.assoc }];
    if (input.kind === 'send') return [this.sendFailedEvent(input, 'closed')];
    return [];
  }

  private sendFailedEvent(
    m: { readonly ppid: number; readonly stream: number; readonly bytes: Uint8Array },
    reason: 'associationFailed' | 'bufferFull' | 'closed',
  ): PoolUserSessionAction {
    const { ppid, stream, bytes } = m;
    return { kind: 'notify', event: { kind: 'sendFailed', ppid, stream, bytes, reason } };
  }

  private onSend(ppid: number, stream: number, unordered: boolean, bytes: Uint8Array): Out {
    if (this.phase === 'up' && this.assoc !== undefined) {
      return [{ kind: 'send', assoc: this.assoc, ppid, stream, unordered, bytes }];
    }
    if (!this.hasRoom(bytes)) return [this.sendFailedEvent({ ppid, stream, bytes }, 'bufferFull')];
    this.queue.push({ ppid, stream, unordered, bytes });
    this.queuedBytes += bytes.length;
    return [];
  }

  private hasRoom(bytes: Uint8Array): boolean {
    return (
      this.queue.length < this.cfg.maxBufferedMessages &&
      this.queuedBytes + bytes.length <= this.cfg.maxBufferedBytes
    );
  }

  private onDelivered(ppid: number, stream: number, unordered: boolean, bytes: Uint8Array): Out {
    const d = classifyDelivery(ppid, bytes);
    if (d.kind === 'data')
      return [{ kind: 'notify', event: { kind: 'data', ppid, stream, unordered, bytes } }];
    if (d.kind === 'malformedControl')
      return [{ kind: 'notify', event: { kind: 'controlError', reason: d.reason } }];
    const m = d.message;
    if (m.kind === 'cookie') {
      // RFC 5352 §3.8: keep only the latest cookie.
      this.storedCookie = m.cookie.slice();
      return [{ kind: 'notify', event: { kind: 'cookieReceived', cookie: this.storedCookie } }];
    }
    if (m.kind === 'businessCard') {
      // RFC 5352 §3.9 BC2: the failover order to follow if this PE fails (RSPLIB's form with a policy is accepted).
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

  /** Starts choosing a PE: card/previous candidates first, else a resolution (after a delay if `delayed`). */
  private select(now: Instant, delayed: boolean): Out {
    while (this.candidates.length > 0) {
      const pe = this.candidates.shift()!;
      if (!this.avoid.has(pe.id) && usable(pe)) return this.connect(now, pe);
    }
    if (delayed) {
      this.phase = 'waiting';
      this.retryAt = now + this.cfg.retryDelayMs;
      return [];
    }
    this.phase = 'resolving';
    this.pendingRequestId = this.config.ids.next();
    return [
      {
        kind: 'resolve',
        requestId: this.pendingRequestId,
        poolHandle: this.config.poolHandle,
        items: this.cfg.resolutionItems,
      },
    ];
  }

  private onResolved(
    now: Instant,
    result: { ok: true; value: Resolution } | { ok: false; error: ResolutionFailure },
  ): Out {
    this.pendingRequestId = undefined;
    const found = result.ok ? result.value.poolElements.filter(usable) : [];
    if (found.length === 0)
      return this.attemptFailed(now, result.ok ? 'no usable PE' : `resolution failed: ${result.error.kind}`);
    // Skip PEs that failed in this effort while others exist (RSPLIB retries whatever it gets).
    const fresh = found.filter((pe) => !this.avoid.has(pe.id));
    const chosen = fresh.length > 0 ? fresh : found;
    this.candidates = chosen.slice(1);
    return this.connect(now, chosen[0]!);
  }

  private connect(now: Instant, pe: PoolElementParameter): Out {
    this.phase = 'connecting';
    this.connecting = pe;
    this.pendingRef = this.config.ids.next();
    this.connectDeadline = now + this.cfg.connectTimeoutMs;
    this.retryAt = undefined;
    return [{ kind: 'connect', ref: this.pendingRef, pe: pe.id, to: pe.userTransport }];
  }

  /** One resolution or connection attempt failed: retry after the delay, or give up. */
  private attemptFailed(now: Instant, reason: string): Out {
    this.attempts++;
    if (this.attempts >= this.cfg.maxAttempts) return this.fail(reason);
    return this.select(now, true);
  }

  private fail(reason: string): Out {
    const out: Out = this.dropQueue('closed');
    this.phase = 'failed';
    this.clearTimers();
    out.push({ kind: 'notify', event: { kind: 'failed', reason, attempts: this.attempts } });
    return out;
  }

  private clearTimers(): void {
    this.connectDeadline = undefined;
    this.retryAt = undefined;
    this.pendingRequestId = undefined;
  }

  private dropQueue(reason: 'closed'): Out {
    const out: Out = this.queue.map((q) => this.sendFailedEvent(q, reason));
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.resends = 0;
    return out;
  }

  private onConnected(ref: number, assoc: AssociationId): Out {
    if (ref !== this.pendingRef || this.connecting === undefined) return [{ kind: 'abort', assoc }];
    const pe = this.connecting;
    this.pendingRef = undefined;
    this.connecting = undefined;
    this.connectDeadline = undefined;
    this.assoc = assoc;
    this.current = pe;
    this.phase = 'up';
    this.attempts = 0;
    this.avoid.clear();
    this.reported.clear();
    this.candidates = [];
    const out: Out = [];
    const cookieEchoed = this.storedCookie !== undefined;
    // RFC 5352 §3.8: the Cookie Echo is the first message on the new association.
    if (this.storedCookie)
      out.push(this.controlSend(assoc, { kind: 'cookieEcho', cookie: this.storedCookie }));
    if (this.ownCard) out.push(this.controlSend(assoc, this.cardMessage(this.ownCard)));
    for (const q of this.queue) out.push({ kind: 'send', assoc, ...q });
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.resends = 0;
    const event: PoolUserSessionEvent = this.everUp
      ? { kind: 'failoverComplete', pe: pe.id, cookieEchoed }
      : { kind: 'up', pe: pe.id };
    this.everUp = true;
    out.push({ kind: 'notify', event });
    return out;
  }

  private onConnectFailed(now: Instant): Out {
    const pe = this.connecting;
    this.pendingRef = undefined;
    this.connecting = undefined;
    this.connectDeadline = undefined;
    const out: Out = [];
    if (pe) {
      this.avoid.add(pe.id);
      // RSPLIB reports a PE it cannot connect to.
      if (this.cfg.reportUnreachable) out.push(...this.report(pe.id));
    }
    this.attempts++;
    if (this.attempts >= this.cfg.maxAttempts) return [...out, ...this.fail('connect failed')];
    // Next candidate at once; a fresh resolution only after the retry delay.
    return [...out, ...this.select(now, true)];
  }

  private report(id: PoolElementId): Out {
    if (this.reported.has(id)) return [];
    this.reported.add(id);
    return [{ kind: 'reportUnreachable', poolHandle: this.config.poolHandle, poolElementId: id }];
  }

  private trigger(now: Instant, reason: FailoverReason, reportUnreachable: boolean): Out {
    if (this.phase !== 'up' || this.assoc === undefined || this.current === undefined) return [];
    const old = this.current;
    const out: Out = [];
    if (reason === 'application' || reason === 'sendFailed') out.push({ kind: 'abort', assoc: this.assoc });
    // The transport may report the left association's unsent messages before or after its loss.
    this.formerAssocs.add(this.assoc);
    if (this.formerAssocs.size > MAX_FORMER_ASSOCIATIONS) {
      this.formerAssocs.delete(this.formerAssocs.values().next().value!);
    }
    this.assoc = undefined;
    this.reported.clear();
    this.avoid.clear();
    this.avoid.add(old.id);
    this.attempts = 0;
    out.push({ kind: 'notify', event: { kind: 'failoverNeeded', reason, pe: old.id } });
    this.reportOnFailover = reportUnreachable;
    if (reportUnreachable) out.push(...this.report(old.id));
    const card = this.cfg.useBusinessCards ? this.peerCard : undefined;
    this.candidates = card ? card.poolElements.filter((pe) => pe.id !== old.id) : [];
    if (!this.cfg.autoFailover) {
      this.phase = 'failoverPending';
      return out;
    }
    return [...out, ...this.select(now, false)];
  }

  private onFailoverRequest(now: Instant, reportUnreachable: boolean): Out {
    if (this.phase === 'up') return this.trigger(now, 'application', reportUnreachable);
    if (this.phase !== 'failoverPending') return [];
    const out: Out = [];
    if (reportUnreachable && !this.reportOnFailover && this.current)
      out.push(...this.report(this.current.id));
    return [...out, ...this.select(now, false)];
  }

  /**
   * The transport hands back a message of this session's association unacknowledged. It fails the
   * current association over; the message is sent again on the next PE (`resendOnFailover`), ahead of
   * those queued since the failure, or else reported to the application.
   */
  private onSendFailed(now: Instant, assoc: AssociationId, m: Queued): Out {
    if (assoc !== this.assoc && !this.formerAssocs.has(assoc)) return [];
    const out: Out = assoc === this.assoc ? this.trigger(now, 'sendFailed', this.cfg.reportUnreachable) : [];
    // Our own control messages are not the application's: the Cookie Echo is sent anew anyway.
    if (m.ppid === CONTROL_CHANNEL_PPID) return out;
    if (!this.cfg.resendOnFailover) return [this.sendFailedEvent(m, 'associationFailed'), ...out];
    return [...out, ...this.resend(m)];
  }

  /** A message to send again: at once if a new PE is up, else queued after the earlier resends. */
  private resend(m: Queued): Out {
    if (this.phase === 'up' && this.assoc !== undefined) return [{ kind: 'send', assoc: this.assoc, ...m }];
    if (!this.hasRoom(m.bytes)) return [this.sendFailedEvent(m, 'bufferFull')];
    this.queue.splice(this.resends++, 0, m);
    this.queuedBytes += m.bytes.length;
    return [];
  }

  private onClose(): Out {
    const out: Out = [];
    if (this.assoc !== undefined) out.push({ kind: 'close', assoc: this.assoc });
    if (this.pendingRef !== undefined) out.push({ kind: 'cancelConnect', ref: this.pendingRef });
    out.push(...this.dropQueue('closed'));
    this.assoc = undefined;
    this.pendingRef = undefined;
    this.connecting = undefined;
    this.clearTimers();
    this.phase = 'closed';
    out.push({ kind: 'notify', event: { kind: 'closed' } });
    return out;
  }

  private onTick(now: Instant): Out {
    if (this.connectDeadline !== undefined && now >= this.connectDeadline && this.pendingRef !== undefined) {
      const ref = this.pendingRef;
      return [{ kind: 'cancelConnect', ref }, ...this.onConnectFailed(now)];
    }
    if (this.retryAt !== undefined && now >= this.retryAt) {
      this.retryAt = undefined;
      return this.select(now, false);
    }
    return [];
  }

  private cardMessage(card: BusinessCard): {
    kind: 'businessCard';
    poolHandle: PoolHandle;
    poolElements: readonly PoolElementParameter[];
  } {
    return { kind: 'businessCard', poolHandle: card.poolHandle, poolElements: card.poolElements };
  }

  private controlSend(
    assoc: AssociationId,
    message: Parameters<typeof encodeControl>[0],
  ): PoolUserSessionAction {
    return {
      kind: 'send',
      assoc,
      ppid: CONTROL_CHANNEL_PPID,
      stream: 0,
      unordered: false,
      bytes: encodeControl(message),
    };
  }
}

/** Left associations whose late `sendFailed` reports are still passed on. */
const MAX_FORMER_ASSOCIATIONS = 8;

/** A session needs a user transport that carries the control channel: SCTP (RSPLIB) or TCP. */
function usable(pe: PoolElementParameter): boolean {
  return pe.userTransport.kind === 'sctp' || pe.userTransport.kind === 'tcp';
}
