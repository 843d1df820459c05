/**
 * The pool user's ASAP endpoint (RFC 5352 §3.3, §3.5, §3.6, §3.7) as a sans-I/O state machine:
 * handle resolution through a home registrar found by the server hunt, answered from a local cache
 * while it is fresh; T1-ENRPrequest retries with a registrar failover; Endpoint Unreachable reports.
 * Requests for the same pool handle share one Handle Resolution on the wire.
 */
import { type AssociationId, earliest, type Instant, type Random, toHex } from '../base/index.js';
import {
  type AnnounceInfo,
  type HuntAction,
  type HuntOptions,
  type RegistrarEndpoint,
  RegistrarHunt,
  RegistrarTable,
} from '../hunt/index.js';
import type { AsapHandleResolutionResponse, AsapMessage } from '../wire/asap-messages.js';
import {
  ErrorCause,
  type OperationError,
  type PoolElementId,
  type PoolElementParameter,
  type PoolHandle,
  type PoolPolicy,
} from '../wire/types.js';
import { USER_DEFAULTS } from './defaults.js';

/** The answer to a handle resolution: the pool's policy and the selected PEs. */
export interface Resolution {
  readonly poolHandle: PoolHandle;
  readonly policy: PoolPolicy | undefined;
  readonly poolElements: readonly PoolElementParameter[];
  readonly fromCache: boolean;
}

export type ResolutionFailure =
  | { readonly kind: 'unknownPoolHandle' }
  | { readonly kind: 'registrarError'; readonly error: OperationError }
  | { readonly kind: 'timeout' };

/** A PU-side cache of resolutions (RFC 5352 §3.3 C1-C4). */
export interface ResolutionCache {
  /** PEs for the handle chosen by the pool policy, or undefined if absent or stale. */
  lookup(now: Instant, poolHandle: PoolHandle, items: number): Resolution | undefined;
  store(now: Instant, response: Resolution): void;
  remove(poolHandle: PoolHandle, id: PoolElementId): void;
  nextDeadline(): Instant | undefined;
  expire(now: Instant): void;
}

export interface PoolUserConfig {
  readonly registrars?: readonly RegistrarEndpoint[];
  /** T1-ENRPrequest; RSPLIB waits 3 s. */
  readonly requestTimeoutMs?: number;
  /**
   * A request not answered this long after it was made fails with `timeout`, whether or not a
   * registrar was found meanwhile (without a home registrar T1 never starts, and the hunt goes on
   * forever). Default: T1 × (MAX-REQUEST-RETRANSMIT + 1), the time the T1 retries take.
   */
  readonly resolutionTimeoutMs?: number;
  /** MAX-REQUEST-RETRANSMIT (RFC 5352 §7.3). */
  readonly maxRequestRetransmit?: number;
  readonly cache?: ResolutionCache;
  readonly hunt?: HuntOptions;
  /**
   * A PE is reported unreachable at most once per this time (RFC 5352 §9.2, threat 8: the number of
   * Endpoint Unreachables SHOULD be limited); sessions failing over from one dead PE make one report.
   */
  readonly unreachableReportHoldMs?: number;
}

export type PoolUserInput =
  | {
      readonly kind: 'resolve';
      readonly now: Instant;
      readonly requestId: number;
      readonly poolHandle: PoolHandle;
      /** PEs wanted: sent as the Handle Resolution option; 0 = registrar default. */
      readonly items?: number;
    }
  | {
      readonly kind: 'reportUnreachable';
      readonly now: Instant;
      readonly poolHandle: PoolHandle;
      readonly poolElementId: PoolElementId;
    }
  | { readonly kind: 'connected'; readonly now: Instant; readonly ref: number; readonly assoc: AssociationId }
  | { readonly kind: 'connectFailed'; readonly now: Instant; readonly ref: number }
  | { readonly kind: 'announce'; readonly now: Instant; readonly announce: AnnounceInfo }
  | {
      readonly kind: 'received';
      readonly now: Instant;
      readonly assoc: AssociationId;
      readonly message: AsapMessage;
    }
  | { readonly kind: 'assocLost'; readonly now: Instant; readonly assoc: AssociationId }
  | { readonly kind: 'close'; readonly now: Instant }
  | { readonly kind: 'tick'; readonly now: Instant };

export type PoolUserAction =
  | Exclude<HuntAction, { kind: 'found' }>
  | { readonly kind: 'send'; readonly assoc: AssociationId; readonly message: AsapMessage }
  | { readonly kind: 'close'; readonly assoc: AssociationId }
  | {
      readonly kind: 'resolved';
      readonly requestId: number;
      readonly result: { ok: true; value: Resolution } | { ok: false; error: ResolutionFailure };
    };

interface PendingRequest {
  readonly requestId: number;
  readonly expiresAt: Instant;
}

interface PendingResolution {
  readonly poolHandle: PoolHandle;
  readonly items: number | undefined;
  /** The requests sharing this resolution, each with its own `resolutionTimeoutMs`. */
  requests: PendingRequest[];
  /** Sent on the current home association and awaiting an answer until this instant. */
  deadline: Instant | undefined;
  transmissions: number;
}

export class PoolUser {
  private home: AssociationId | undefined;
  private readonly hunt: RegistrarHunt;
  private readonly pending = new Map<string, PendingResolution>();
  private readonly unreachableQueue: { poolHandle: PoolHandle; poolElementId: PoolElementId }[] = [];
  /** When each PE was last reported (pruned of entries older than the hold time). */
  private readonly reportedAt = new Map<string, Instant>();
  private readonly unreachableReportHoldMs: number;
  private closed = false;
  private readonly requestTimeoutMs: number;
  private readonly maxRetransmit: number;
  private readonly resolutionTimeoutMs: number;

  constructor(
    private readonly config: PoolUserConfig,
    random: Random,
  ) {
    this.requestTimeoutMs = config.requestTimeoutMs ?? USER_DEFAULTS.requestTimeoutMs;
    this.maxRetransmit = config.maxRequestRetransmit ?? USER_DEFAULTS.maxRequestRetransmit;
    this.resolutionTimeoutMs = config.resolutionTimeoutMs ?? this.requestTimeoutMs * (this.maxRetransmit + 1);
    this.unreachableReportHoldMs = config.unreachableReportHoldMs ?? USER_DEFAULTS.unreachableReportHoldMs;
    this.hunt = new RegistrarHunt(new RegistrarTable(config.registrars ?? []), random, config.hunt);
  }

  get homeAssociation(): AssociationId | undefined {
    return this.home;
  }

  /** The registrar table, e.g. for a CLI that lists known registrars. */
  get registrars(): RegistrarTable {
    return this.hunt.table;
  }

  nextDeadline(): Instant | undefined {
    let next = earliest(this.hunt.nextDeadline(), this.config.cache?.nextDeadline());
    for (const p of this.pending.values()) {
      next = earliest(next, p.deadline);
      for (const r of p.requests) next = earliest(next, r.expiresAt);
    }
    return next;
  }

  handle(input: PoolUserInput): PoolUserAction[] {
    if (this.closed && input.kind !== 'close') return [];
    switch (input.kind) {
      case 'resolve':
        return this.onResolve(input.now, input.requestId, input.poolHandle, input.items);
      case 'reportUnreachable':
        return this.onReportUnreachable(input.now, input.poolHandle, input.poolElementId);
      case 'connected':
      case 'connectFailed':
      case 'announce':
        return this.onHunt(input.now, this.hunt.handle(input));
      case 'received':
        return input.assoc === this.home ? this.onReceived(input.now, input.message) : [];
      case 'assocLost':
        return input.assoc === this.home ? this.onHomeLost(input.now) : [];
      case 'close':
        return this.onClose();
      case 'tick':
        return this.onTick(input.now);
    }
  }

  private onResolve(
    now: Instant,
    requestId: number,
    poolHandle: PoolHandle,
    items?: number,
  ): PoolUserAction[] {
    const cached = this.config.cache?.lookup(now, poolHandle, items && items > 0 ? items : 1);
    if (cached) return [{ kind: 'resolved', requestId, result: { ok: true, value: cached } }];
    const key = toHex(poolHandle);
    const request = { requestId, expiresAt: now + this.resolutionTimeoutMs };
    const existing = this.pending.get(key);
    if (existing) {
      existing.requests.push(request);
      return [];
    }
    const p: PendingResolution = {
      poolHandle,
      items,
      requests: [request],
      deadline: undefined,
      transmissions: 0,
    };
    this.pending.set(key, p);
    return this.home === undefined ? this.startHunt(now) : this.transmit(now, p);
  }

  private transmit(now: Instant, p: PendingResolution): PoolUserAction[] {
    p.deadline = now + this.requestTimeoutMs;
    p.transmissions++;
    const message: AsapMessage = {
      kind: 'handleResolution',
      subscribe: false,
      poolHandle: p.poolHandle,
      ...(p.items === undefined ? {} : { items: p.items }),
    };
    return [{ kind: 'send', assoc: this.home!, message }];
  }

  /** RFC 5352 §3.5: tell a registrar once per hold time; drop the PE from the cache at once. */
  private onReportUnreachable(
    now: Instant,
    poolHandle: PoolHandle,
    poolElementId: PoolElementId,
  ): PoolUserAction[] {
    this.config.cache?.remove(poolHandle, poolElementId);
    if (!this.mayReport(now, `${toHex(poolHandle)}/${poolElementId}`)) return [];
    if (this.home === undefined) {
      this.unreachableQueue.push({ poolHandle, poolElementId });
      return this.startHunt(now);
    }
    return [
      { kind: 'send', assoc: this.home, message: { kind: 'endpointUnreachable', poolHandle, poolElementId } },
    ];
  }

  private mayReport(now: Instant, key: string): boolean {
    const hold = this.unreachableReportHoldMs;
    const last = this.reportedAt.get(key);
    if (last !== undefined && now - last < hold) return false;
    if (this.reportedAt.size >= 1024) {
      for (const [k, t] of this.reportedAt) if (now - t >= hold) this.reportedAt.delete(k);
    }
    this.reportedAt.set(key, now);
    return true;
  }

  private onReceived(now: Instant, message: AsapMessage): PoolUserAction[] {
    if (message.kind !== 'handleResolutionResponse') return [];
    const key = toHex(message.poolHandle);
    const p = this.pending.get(key);
    if (!p) return [];
    this.pending.delete(key);
    const result = this.resultOf(now, message);
    return p.requests.map(({ requestId }) => ({ kind: 'resolved', requestId, result }));
  }

  private resultOf(
    now: Instant,
    response: AsapHandleResolutionResponse,
  ): { ok: true; value: Resolution } | { ok: false; error: ResolutionFailure } {
    const error = response.operationError;
    if (error) {
      const unknown = error.causes.some((c) => c.cause === ErrorCause.UnknownPoolHandle);
      return {
        ok: false,
        error: unknown ? { kind: 'unknownPoolHandle' } : { kind: 'registrarError', error },
      };
    }
    if (response.poolElements.length === 0) return { ok: false, error: { kind: 'unknownPoolHandle' } };
    const value: Resolution = {
      poolHandle: response.poolHandle,
      policy: response.policy,
      poolElements: response.poolElements,
      fromCache: false,
    };
    this.config.cache?.store(now, value);
    return { ok: true, value };
  }

  private onHunt(now: Instant, actions: HuntAction[]): PoolUserAction[] {
    const out: PoolUserAction[] = [];
    for (const a of actions) {
      if (a.kind !== 'found') {
        out.push(a);
        continue;
      }
      this.home = a.assoc;
      for (const u of this.unreachableQueue.splice(0)) {
        out.push({ kind: 'send', assoc: a.assoc, message: { kind: 'endpointUnreachable', ...u } });
      }
      for (const p of this.pending.values()) out.push(...this.transmit(now, p));
    }
    return out;
  }

  private startHunt(now: Instant): PoolUserAction[] {
    return this.onHunt(now, this.hunt.handle({ kind: 'start', now }));
  }

  private onHomeLost(now: Instant): PoolUserAction[] {
    this.home = undefined;
    for (const p of this.pending.values()) p.deadline = undefined;
    return this.pending.size > 0 || this.unreachableQueue.length > 0 ? this.startHunt(now) : [];
  }

  /** §3.7.2: on T1 expiry give up this registrar and retry elsewhere, MAX-REQUEST-RETRANSMIT times. */
  private onTick(now: Instant): PoolUserAction[] {
    this.config.cache?.expire(now);
    const out = this.onHunt(now, this.hunt.handle({ kind: 'tick', now }));
    out.push(...this.expireRequests(now));
    let expired = false;
    for (const [key, p] of this.pending) {
      if (p.deadline === undefined || now < p.deadline) continue;
      expired = true;
      p.deadline = undefined;
      if (p.transmissions > this.maxRetransmit) {
        this.pending.delete(key);
        out.push(...timedOut(p.requests));
      }
    }
    if (expired && this.home !== undefined) {
      out.push({ kind: 'close', assoc: this.home });
      out.push(...this.onHomeLost(now));
    }
    return out;
  }

  /** Fails the requests older than `resolutionTimeoutMs`; a resolution nobody waits for is dropped. */
  private expireRequests(now: Instant): PoolUserAction[] {
    const out: PoolUserAction[] = [];
    for (const [key, p] of this.pending) {
      const expired = p.requests.filter((r) => now >= r.expiresAt);
      if (expired.length === 0) continue;
      p.requests = p.requests.filter((r) => now < r.expiresAt);
      if (p.requests.length === 0) this.pending.delete(key);
      out.push(...timedOut(expired));
    }
    return out;
  }

  private onClose(): PoolUserAction[] {
    this.closed = true;
    const out: PoolUserAction[] = this.hunt.handle({ kind: 'stop' }).filter((a) => a.kind !== 'found');
    if (this.home !== undefined) out.push({ kind: 'close', assoc: this.home });
    this.home = undefined;
    for (const p of this.pending.values()) out.push(...timedOut(p.requests));
    this.pending.clear();
    return out;
  }
}

function timedOut(requests: readonly PendingRequest[]): PoolUserAction[] {
  return requests.map(({ requestId }) => ({
    kind: 'resolved',
    requestId,
    result: { ok: false, error: { kind: 'timeout' } },
  }));
}
