/**
 * CalcApp client (RSPLIB calcappclient; notes §1.4) for one job per session: sends a Request,
 * waits for Accept, exchanges KeepAlive/KeepAliveAck, and ends at Complete. A missing KeepAliveAck
 * after `keepAliveTimeoutIntervalMs` asks the session for a failover *with* an Endpoint Unreachable
 * report (what calcappclient does, notes §9 quirk 19); a Reject or Abort asks for one without. After
 * a failover with Cookie Echo the new PE resumes the job and answers Accept; without a cookie the
 * client sends the Request again and the job starts over.
 */
import type { Instant } from '../base/index.js';
import {
  CALCAPP_PPID,
  type CalcAppMessage,
  decodeCalcApp,
  decodeCalcAppCookie,
  encodeCalcApp,
} from './calc-app-messages.js';
import { SERVICE_DEFAULTS } from './defaults.js';
import type { ClientAction, ClientInput } from './service-types.js';

export interface CalcAppClientOptions {
  readonly jobId?: number;
  readonly jobSize?: number;
  readonly keepAliveTransmissionIntervalMs?: number;
  readonly keepAliveTimeoutIntervalMs?: number;
}

export interface CalcAppJobReport {
  readonly jobId: number;
  readonly jobSize: number;
  readonly startedAt: Instant;
  readonly completedAt: Instant;
  readonly failovers: number;
  readonly resumedFromCookie: number;
  readonly restarts: number;
  /** Calculations acknowledged by the latest cookie before each failover. */
  readonly cookieProgress: readonly number[];
  /** The PEs that worked on the job, in order. */
  readonly poolElements: readonly number[];
}

export type CalcAppClientEvent =
  | { readonly kind: 'accepted'; readonly pe: number }
  | { readonly kind: 'rejected'; readonly pe: number }
  | { readonly kind: 'keepAliveTimeout'; readonly pe: number }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'completed'; readonly report: CalcAppJobReport };

type Phase = 'waiting' | 'requesting' | 'running' | 'failingOver' | 'done';

export class CalcAppClient {
  private readonly jobId: number;
  private readonly jobSize: number;
  private readonly keepAliveIntervalMs: number;
  private readonly keepAliveTimeoutMs: number;
  private phase: Phase = 'waiting';
  private startedAt: Instant | undefined;
  private keepAliveAt: Instant | undefined;
  private keepAliveTimeoutAt: Instant | undefined;
  private pe = 0;
  private failovers = 0;
  private resumed = 0;
  private restarts = 0;
  private lastCookieCompleted = 0;
  private readonly cookieProgress: number[] = [];
  private readonly poolElements: number[] = [];
  report: CalcAppJobReport | undefined;

  constructor(options: CalcAppClientOptions = {}) {
    this.jobId = options.jobId ?? 1;
    this.jobSize = options.jobSize ?? SERVICE_DEFAULTS.calcAppJobSize;
    this.keepAliveIntervalMs =
      options.keepAliveTransmissionIntervalMs ?? SERVICE_DEFAULTS.calcAppKeepAliveTransmissionIntervalMs;
    this.keepAliveTimeoutMs =
      options.keepAliveTimeoutIntervalMs ?? SERVICE_DEFAULTS.calcAppKeepAliveTimeoutIntervalMs;
  }

  get state(): Phase {
    return this.phase;
  }

  /** Calculations the latest cookie says are done. */
  get progress(): number {
    return this.lastCookieCompleted;
  }

  nextDeadline(): Instant | undefined {
    if (this.phase !== 'requesting' && this.phase !== 'running') return undefined;
    const a = this.keepAliveAt;
    const b = this.keepAliveTimeoutAt;
    return a === undefined ? b : b === undefined ? a : Math.min(a, b);
  }

  handle(input: ClientInput): ClientAction<CalcAppClientEvent>[] {
    switch (input.kind) {
      case 'up':
        if (this.phase !== 'waiting') return [];
        this.startedAt = input.now;
        this.pe = input.pe;
        this.poolElements.push(input.pe);
        return this.request(input.now);
      case 'message':
        return this.onMessage(input.now, input.ppid, input.bytes);
      case 'cookie': {
        const c = decodeCalcAppCookie(input.cookie);
        if (c.ok && c.value.jobId === this.jobId) this.lastCookieCompleted = c.value.completed;
        return [];
      }
      case 'failoverNeeded':
        if (this.phase === 'requesting' || this.phase === 'running') this.phase = 'failingOver';
        return [];
      case 'failoverComplete':
        return this.onFailoverComplete(input.now, input.pe, input.cookieEchoed);
      case 'closed':
        if (this.phase !== 'done') this.phase = 'done';
        return [];
      case 'tick':
        return this.onTick(input.now);
    }
  }

  private send(m: Omit<CalcAppMessage, 'jobId'>): ClientAction<CalcAppClientEvent> {
    return { kind: 'send', ppid: CALCAPP_PPID, stream: 0, bytes: encodeCalcApp({ ...m, jobId: this.jobId }) };
  }

  private request(now: Instant): ClientAction<CalcAppClientEvent>[] {
    this.phase = 'requesting';
    this.armKeepAlive(now);
    return [this.send({ kind: 'request', jobSize: this.jobSize, completed: 0 })];
  }

  private armKeepAlive(now: Instant): void {
    this.keepAliveAt = now + this.keepAliveIntervalMs;
    this.keepAliveTimeoutAt = undefined;
  }

  private onMessage(now: Instant, ppid: number, bytes: Uint8Array): ClientAction<CalcAppClientEvent>[] {
    const d = ppid === CALCAPP_PPID ? decodeCalcApp(bytes) : undefined;
    if (!d?.ok) {
      return [
        {
          kind: 'notify',
          event: { kind: 'malformed', reason: d === undefined ? `PPID ${ppid}` : d.error.reason },
        },
      ];
    }
    const m = d.value;
    if (this.phase === 'done' || this.phase === 'failingOver') return [];
    switch (m.kind) {
      case 'accept':
        if (this.phase === 'requesting') this.phase = 'running';
        return [{ kind: 'notify', event: { kind: 'accepted', pe: this.pe } }];
      case 'reject':
      case 'abort':
        this.phase = 'failingOver';
        return [
          { kind: 'notify', event: { kind: 'rejected', pe: this.pe } },
          { kind: 'failover', reportUnreachable: false },
        ];
      case 'keepAlive':
        return [this.send({ kind: 'keepAliveAck', jobSize: 0, completed: 0 })];
      case 'keepAliveAck':
        this.keepAliveTimeoutAt = undefined;
        return [];
      case 'complete': {
        this.phase = 'done';
        this.report = {
          jobId: this.jobId,
          jobSize: this.jobSize,
          startedAt: this.startedAt ?? now,
          completedAt: now,
          failovers: this.failovers,
          resumedFromCookie: this.resumed,
          restarts: this.restarts,
          cookieProgress: [...this.cookieProgress],
          poolElements: [...this.poolElements],
        };
        return [{ kind: 'notify', event: { kind: 'completed', report: this.report } }, { kind: 'close' }];
      }
      default:
        return [{ kind: 'notify', event: { kind: 'malformed', reason: `${m.kind} sent to a PU` } }];
    }
  }

  private onFailoverComplete(
    now: Instant,
    pe: number,
    cookieEchoed: boolean,
  ): ClientAction<CalcAppClientEvent>[] {
    if (this.phase === 'done' || this.phase === 'waiting') return [];
    this.failovers++;
    this.pe = pe;
    this.poolElements.push(pe);
    this.cookieProgress.push(cookieEchoed ? this.lastCookieCompleted : 0);
    if (cookieEchoed) {
      this.resumed++;
      this.phase = 'requesting';
      this.armKeepAlive(now);
      return [];
    }
    this.restarts++;
    return this.request(now);
  }

  private onTick(now: Instant): ClientAction<CalcAppClientEvent>[] {
    if (this.phase !== 'requesting' && this.phase !== 'running') return [];
    if (this.keepAliveTimeoutAt !== undefined && now >= this.keepAliveTimeoutAt) {
      this.phase = 'failingOver';
      this.keepAliveAt = undefined;
      this.keepAliveTimeoutAt = undefined;
      return [
        { kind: 'notify', event: { kind: 'keepAliveTimeout', pe: this.pe } },
        { kind: 'failover', reportUnreachable: true },
      ];
    }
    if (this.keepAliveAt !== undefined && now >= this.keepAliveAt) {
      this.keepAliveAt = now + this.keepAliveIntervalMs;
      this.keepAliveTimeoutAt ??= now + this.keepAliveTimeoutMs;
      return [this.send({ kind: 'keepAlive', jobSize: 0, completed: 0 })];
    }
    return [];
  }
}
