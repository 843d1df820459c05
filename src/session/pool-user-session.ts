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
 * and sent, in order, on the next PE after the Cookie Echo. Messages handed to an association that
 * then fails come back from the transport unacknowledged (`sendFailed` input): with `resendOnFailover`
 * they are queued again, ahead of the messages queued since the failure, and sent on the next PE with
 * their ppid, stream and `unordered` flag (at least once to a PE); without it they are returned in
 * `sendFailed` events and the application resends from its cookie state. A message the bounded queue
 * cannot take is reported (`sendFailed {reason: 'bufferFull'}`). Data still arriving on a failed
 * association is dropped. States and transitions: docs/sessions.md §1 (table) and
 * pool-user-session-state.ts.
 */
import type { AssociationId, Instant } from '../base/index.js';
import type { PoolElementId, PoolElementParameter, PoolHandle } from '../wire/types.js';
import {
  CONTROL_CHANNEL_PPID,
  cardMessage,
  controlSend,
  readDelivery,
  unexpectedControl,
} from './control-channel.js';
import { SESSION_DEFAULTS } from './defaults.js';
import {
  type Effort,
  FormerAssociations,
  newEffort,
  type Phase,
  type PhaseOf,
} from './pool-user-session-state.js';
import type {
  BusinessCardInput,
  FailoverReason,
  PoolUserSessionAction,
  PoolUserSessionConfig,
  PoolUserSessionEvent,
  PoolUserSessionInput,
  PoolUserSessionState,
  ResolvedInput,
  SendFailure,
} from './pool-user-session-types.js';
import { SendQueue } from './send-queue.js';
import { type BusinessCard, type Message, message, type SessionMessage } from './session-messages.js';

type Out = PoolUserSessionAction[];
type Settings = Required<Omit<PoolUserSessionConfig, 'ownBusinessCard' | 'ids' | 'poolHandle'>>;

export class PoolUserSession {
  private phase: Phase = { name: 'idle' };
  /** The PE last connected (the current one while `up`). */
  private lastPe: PoolElementParameter | undefined;
  private everUp = false;
  private storedCookie: Uint8Array | undefined;
  private peerCard: BusinessCard | undefined;
  private ownCard: BusinessCard | undefined;
  /** Associations this session left: their late sendFailed reports are still taken. */
  private readonly formerAssocs = new FormerAssociations();
  private readonly queue: SendQueue;
  private readonly cfg: Settings;

  constructor(private readonly config: PoolUserSessionConfig) {
    this.cfg = settings(config);
    this.ownCard = config.ownBusinessCard;
    this.queue = new SendQueue(this.cfg.maxBufferedMessages, this.cfg.maxBufferedBytes);
  }

  get state(): PoolUserSessionState {
    return this.phase.name;
  }

  get poolHandle(): PoolHandle {
    return this.config.poolHandle;
  }

  /** The PE currently connected (or last connected). */
  get poolElementId(): PoolElementId | undefined {
    return this.lastPe?.id;
  }

  get association(): AssociationId | undefined {
    return this.phase.name === 'up' ? this.phase.assoc : undefined;
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
    if (this.phase.name === 'connecting') return this.phase.deadline;
    return this.phase.name === 'waiting' ? this.phase.retryAt : undefined;
  }

  handle(input: PoolUserSessionInput): PoolUserSessionAction[] {
    const p = this.phase;
    if (p.name === 'closed' || p.name === 'failed') return this.afterEnd(input);
    switch (input.kind) {
      case 'open':
        return p.name === 'idle' ? this.select(input.now, newEffort(), false) : [];
      case 'send':
        return this.onSend(message(input));
      case 'delivered':
        return this.isCurrent(input.assoc) ? this.onDelivered(input) : [];
      case 'resolved':
        return p.name === 'resolving' && input.requestId === p.requestId ? this.onResolved(input, p) : [];
      case 'connected':
        return this.onConnected(input.ref, input.assoc);
      case 'connectFailed':
        return p.name === 'connecting' && input.ref === p.ref ? this.onConnectFailed(input.now, p) : [];
      case 'assocLost':
        return this.isCurrent(input.assoc)
          ? this.trigger(input.now, 'associationLost', this.cfg.reportUnreachable)
          : [];
      case 'peerShutdown':
        return this.isCurrent(input.assoc) ? this.trigger(input.now, 'peerShutdown', false) : [];
      case 'sendFailed':
        return this.onSendFailed(input.now, input.assoc, message(input));
      case 'failover':
        return this.onFailoverRequest(input.now, input.reportUnreachable ?? this.cfg.reportUnreachable);
      default:
        return this.onRequest(input);
    }
  }

  /** The application's requests that do not depend on the phase. */
  private onRequest(
    input: BusinessCardInput | Extract<PoolUserSessionInput, { kind: 'close' | 'tick' }>,
  ): Out {
    switch (input.kind) {
      case 'sendBusinessCard': {
        this.ownCard = input.card;
        const assoc = this.association;
        return assoc === undefined ? [] : [controlSend(assoc, cardMessage(input.card))];
      }
      case 'clearCookie':
        this.storedCookie = undefined;
        return [];
      case 'close':
        return this.onClose();
      case 'tick':
        return this.onTick(input.now);
    }
  }

  private isCurrent(assoc: AssociationId): boolean {
    return this.phase.name === 'up' && this.phase.assoc === assoc;
  }

  /** After close/failed: abort late associations, fail late sends. */
  private afterEnd(input: PoolUserSessionInput): Out {
    if (input.kind === 'connected') return [{ kind: 'abort', assoc: input.assoc }];
    if (input.kind === 'send') return [sendFailed(input, 'closed')];
    return [];
  }

  private onSend(m: Message): Out {
    if (this.phase.name === 'up') return [{ kind: 'send', assoc: this.phase.assoc, ...m }];
    return this.queue.push(m) ? [] : [sendFailed(m, 'bufferFull')];
  }

  private onDelivered(m: SessionMessage): Out {
    const r = readDelivery(m.ppid, m.bytes);
    switch (r.kind) {
      case 'data':
        return [notify({ kind: 'data', ...message(m) })];
      case 'cookie':
        // RFC 5352 §3.8: keep only the latest cookie.
        this.storedCookie = r.cookie.slice();
        return [notify({ kind: 'cookieReceived', cookie: this.storedCookie })];
      case 'businessCard':
        // RFC 5352 §3.9 BC2: the failover order to follow if this PE fails.
        this.peerCard = r.card;
        return [notify(r)];
      case 'cookieEcho':
        return [notify(unexpectedControl(r.kind))];
      case 'controlError':
        return [notify(r)];
    }
  }

  /** Chooses a PE: the effort's candidates first, else a resolution (after the retry delay if `delayed`). */
  private select(now: Instant, effort: Effort, delayed: boolean): Out {
    while (effort.candidates.length > 0) {
      const pe = effort.candidates.shift()!;
      if (!effort.avoid.has(pe.id) && usable(pe)) return this.connect(now, effort, pe);
    }
    if (delayed) {
      this.phase = { name: 'waiting', effort, retryAt: now + this.cfg.retryDelayMs };
      return [];
    }
    const requestId = this.config.ids.next();
    this.phase = { name: 'resolving', effort, requestId };
    const { poolHandle } = this.config;
    return [{ kind: 'resolve', requestId, poolHandle, items: this.cfg.resolutionItems }];
  }

  private onResolved(input: ResolvedInput, p: PhaseOf<'resolving'>): Out {
    const { now, result } = input;
    const found = result.ok ? result.value.poolElements.filter(usable) : [];
    if (found.length === 0) {
      const reason = result.ok ? 'no usable PE' : `resolution failed: ${result.error.kind}`;
      return this.attemptFailed(now, p.effort, reason);
    }
    // Skip PEs that failed in this effort while others exist (RSPLIB retries whatever it gets).
    const fresh = found.filter((pe) => !p.effort.avoid.has(pe.id));
    const chosen = fresh.length > 0 ? fresh : found;
    p.effort.candidates = chosen.slice(1);
    return this.connect(now, p.effort, chosen[0]!);
  }

  private connect(now: Instant, effort: Effort, pe: PoolElementParameter): Out {
    const ref = this.config.ids.next();
    this.phase = { name: 'connecting', effort, ref, pe, deadline: now + this.cfg.connectTimeoutMs };
    return [{ kind: 'connect', ref, pe: pe.id, to: pe.userTransport }];
  }

  /** One resolution or connection attempt failed: retry after the delay, or give up. */
  private attemptFailed(now: Instant, effort: Effort, reason: string): Out {
    effort.attempts++;
    if (effort.attempts >= this.cfg.maxAttempts) return this.fail(reason, effort.attempts);
    return this.select(now, effort, true);
  }

  private fail(reason: string, attempts: number): Out {
    this.phase = { name: 'failed' };
    return [...this.dropQueue(), notify({ kind: 'failed', reason, attempts })];
  }

  private dropQueue(): Out {
    return this.queue.take().map((m) => sendFailed(m, 'closed'));
  }

  private onConnected(ref: number, assoc: AssociationId): Out {
    const p = this.phase;
    if (p.name !== 'connecting' || ref !== p.ref) return [{ kind: 'abort', assoc }];
    this.phase = { name: 'up', assoc, pe: p.pe };
    this.lastPe = p.pe;
    const out: Out = [];
    const cookieEchoed = this.storedCookie !== undefined;
    // RFC 5352 §3.8: the Cookie Echo is the first message on the new association.
    if (this.storedCookie) out.push(controlSend(assoc, { kind: 'cookieEcho', cookie: this.storedCookie }));
    if (this.ownCard) out.push(controlSend(assoc, cardMessage(this.ownCard)));
    for (const m of this.queue.take()) out.push({ kind: 'send', assoc, ...m });
    const event: PoolUserSessionEvent = this.everUp
      ? { kind: 'failoverComplete', pe: p.pe.id, cookieEchoed }
      : { kind: 'up', pe: p.pe.id };
    this.everUp = true;
    out.push(notify(event));
    return out;
  }

  private onConnectFailed(now: Instant, p: PhaseOf<'connecting'>): Out {
    const { effort, pe } = p;
    effort.avoid.add(pe.id);
    // RSPLIB reports a PE it cannot connect to.
    const out = this.cfg.reportUnreachable ? this.report(effort, pe.id) : [];
    effort.attempts++;
    if (effort.attempts >= this.cfg.maxAttempts)
      return [...out, ...this.fail('connect failed', effort.attempts)];
    // Next candidate at once; a fresh resolution only after the retry delay.
    return [...out, ...this.select(now, effort, true)];
  }

  private report(effort: Effort, id: PoolElementId): Out {
    if (effort.reported.has(id)) return [];
    effort.reported.add(id);
    return [{ kind: 'reportUnreachable', poolHandle: this.config.poolHandle, poolElementId: id }];
  }

  /** Leaves the current PE (in `up` only, so once per event) and starts a new effort. */
  private trigger(now: Instant, reason: FailoverReason, reportUnreachable: boolean): Out {
    const p = this.phase;
    if (p.name !== 'up') return [];
    const old = p.pe;
    const out: Out = [];
    if (reason === 'application' || reason === 'sendFailed') out.push({ kind: 'abort', assoc: p.assoc });
    // The transport may report the left association's unsent messages before or after its loss.
    this.formerAssocs.add(p.assoc);
    const effort = newEffort();
    effort.avoid.add(old.id);
    out.push(notify({ kind: 'failoverNeeded', reason, pe: old.id }));
    if (reportUnreachable) out.push(...this.report(effort, old.id));
    const card = this.cfg.useBusinessCards ? this.peerCard : undefined;
    effort.candidates = card ? card.poolElements.filter((pe) => pe.id !== old.id) : [];
    if (!this.cfg.autoFailover) {
      this.phase = { name: 'failoverPending', effort, failed: old, reportedFailed: reportUnreachable };
      return out;
    }
    return [...out, ...this.select(now, effort, false)];
  }

  private onFailoverRequest(now: Instant, reportUnreachable: boolean): Out {
    const p = this.phase;
    if (p.name === 'up') return this.trigger(now, 'application', reportUnreachable);
    if (p.name !== 'failoverPending') return [];
    const out = reportUnreachable && !p.reportedFailed ? this.report(p.effort, p.failed.id) : [];
    return [...out, ...this.select(now, p.effort, false)];
  }

  /**
   * The transport hands back a message of this session's association unacknowledged. It fails the
   * current association over; the message is sent again on the next PE (`resendOnFailover`), ahead of
   * those queued since the failure, or else reported to the application.
   */
  private onSendFailed(now: Instant, assoc: AssociationId, m: Message): Out {
    const current = this.isCurrent(assoc);
    if (!current && !this.formerAssocs.has(assoc)) return [];
    const out: Out = current ? this.trigger(now, 'sendFailed', this.cfg.reportUnreachable) : [];
    // Our own control messages are not the application's: the Cookie Echo is sent anew anyway.
    if (m.ppid === CONTROL_CHANNEL_PPID) return out;
    if (!this.cfg.resendOnFailover) return [sendFailed(m, 'associationFailed'), ...out];
    return [...out, ...this.resend(m)];
  }

  /** A message to send again: at once if a new PE is up, else queued after the earlier resends. */
  private resend(m: Message): Out {
    if (this.phase.name === 'up') return [{ kind: 'send', assoc: this.phase.assoc, ...m }];
    return this.queue.pushResend(m) ? [] : [sendFailed(m, 'bufferFull')];
  }

  private onClose(): Out {
    const p = this.phase;
    const out: Out = [];
    if (p.name === 'up') out.push({ kind: 'close', assoc: p.assoc });
    if (p.name === 'connecting') out.push({ kind: 'cancelConnect', ref: p.ref });
    out.push(...this.dropQueue());
    this.phase = { name: 'closed' };
    out.push(notify({ kind: 'closed' }));
    return out;
  }

  private onTick(now: Instant): Out {
    const p = this.phase;
    if (p.name === 'connecting' && now >= p.deadline)
      return [{ kind: 'cancelConnect', ref: p.ref }, ...this.onConnectFailed(now, p)];
    if (p.name === 'waiting' && now >= p.retryAt) return this.select(now, p.effort, false);
    return [];
  }
}

function settings(config: PoolUserSessionConfig): Settings {
  const d = SESSION_DEFAULTS;
  return {
    reportUnreachable: config.reportUnreachable ?? d.reportUnreachable,
    autoFailover: config.autoFailover ?? d.autoFailover,
    retryDelayMs: config.retryDelayMs ?? d.retryDelayMs,
    connectTimeoutMs: config.connectTimeoutMs ?? d.connectTimeoutMs,
    maxAttempts: config.maxAttempts ?? d.maxAttempts,
    resolutionItems: config.resolutionItems ?? d.resolutionItems,
    maxBufferedMessages: config.maxBufferedMessages ?? d.maxBufferedMessages,
    maxBufferedBytes: config.maxBufferedBytes ?? d.maxBufferedBytes,
    useBusinessCards: config.useBusinessCards ?? true,
    resendOnFailover: config.resendOnFailover ?? d.resendOnFailover,
  };
}

function notify(event: PoolUserSessionEvent): PoolUserSessionAction {
  return { kind: 'notify', event };
}

function sendFailed(m: SessionMessage, reason: SendFailure): PoolUserSessionAction {
  const { ppid, stream, bytes } = m;
  return notify({ kind: 'sendFailed', ppid, stream, bytes, reason });
}

/** A session needs a user transport that carries the control channel: SCTP (RSPLIB) or TCP. */
function usable(pe: PoolElementParameter): boolean {
  return pe.userTransport.kind === 'sctp' || pe.userTransport.kind === 'tcp';
}
