/**
 * CalcApp service (RSPLIB rspserver -calcapp; notes §1.3, §2.9) in virtual time. A job is a number of
 * calculations; the PE computes `capacity` calculations per second shared equally among its running
 * jobs (processor sharing), accepts at most `maxJobs` jobs (Reject beyond), sends an ASAP Cookie
 * (JobID, JobSize, Completed) every `cookieMaxTimeMs` or `cookieMaxCalculations`, whichever comes
 * first, exchanges KeepAlive/KeepAliveAck with the PU (aborting a session whose PU stays silent for
 * `keepAliveTimeoutIntervalMs`), and sends Complete (JobSize = Completed) when a job is done. A
 * Cookie Echo resumes the job at the cookie's Completed count: Accept, then a fresh Cookie.
 * One job per session, as RSPLIB's calcappclient uses one session per job.
 */
import type { Instant } from '../base/index.js';
import {
  CALCAPP_PPID,
  type CalcAppMessage,
  decodeCalcApp,
  decodeCalcAppCookie,
  encodeCalcApp,
  encodeCalcAppCookie,
} from './calc-app-messages.js';
import { SERVICE_DEFAULTS, withDefaults } from './defaults.js';
import {
  type CookieEchoInput,
  type MessageInput,
  ServiceSessions,
  SessionService,
  type TickInput,
} from './service-sessions.js';
import type { ServiceAction, ServiceInput, ServiceSessionRef } from './service-types.js';

export interface CalcAppServiceOptions {
  /** Calculations per second of the whole PE. */
  readonly capacity?: number;
  readonly maxJobs?: number;
  readonly keepAliveTransmissionIntervalMs?: number;
  readonly keepAliveTimeoutIntervalMs?: number;
  readonly cookieMaxTimeMs?: number;
  readonly cookieMaxCalculations?: number;
}

interface Job {
  readonly jobId: number;
  readonly jobSize: number;
  /** Calculations done (fractional in between updates). */
  completed: number;
  lastCookieAt: Instant;
  lastCookieCompleted: number;
}

interface CalcAppSession {
  job: Job | undefined;
  /** When this side sends its next KeepAlive. */
  keepAliveAt: Instant | undefined;
  /** When an unanswered KeepAlive times out. */
  keepAliveTimeoutAt: Instant | undefined;
  cookieEchoSeen: boolean;
}

export class CalcAppService extends SessionService<CalcAppSession> {
  readonly defaultPoolHandle = 'CalcAppPool';
  protected readonly sessions = new ServiceSessions(newSession, { forgetOnShutdown: true });
  private readonly options: Required<CalcAppServiceOptions>;
  private lastUpdate: Instant | undefined;
  /** Jobs finished by the last `advance`, with their sessions. */
  private finished: ServiceSessionRef[] = [];

  constructor(options: CalcAppServiceOptions = {}) {
    super();
    this.options = withDefaults(options, {
      capacity: SERVICE_DEFAULTS.calcAppCapacity,
      maxJobs: SERVICE_DEFAULTS.calcAppMaxJobs,
      keepAliveTransmissionIntervalMs: SERVICE_DEFAULTS.calcAppKeepAliveTransmissionIntervalMs,
      keepAliveTimeoutIntervalMs: SERVICE_DEFAULTS.calcAppKeepAliveTimeoutIntervalMs,
      cookieMaxTimeMs: SERVICE_DEFAULTS.calcAppCookieMaxTimeMs,
      cookieMaxCalculations: SERVICE_DEFAULTS.calcAppCookieMaxCalculations,
    });
  }

  /** Running jobs. */
  get jobCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.job) n++;
    return n;
  }

  /** Load for a LeastUsed policy: running jobs / maxJobs, in 0..1. */
  get load(): number {
    return Math.min(1, this.jobCount / this.options.maxJobs);
  }

  /** Progress of the job of a session (for tests and statistics). */
  jobOf(session: ServiceSessionRef): { jobId: number; jobSize: number; completed: number } | undefined {
    const j = this.sessions.get(session)?.job;
    return j && { jobId: j.jobId, jobSize: j.jobSize, completed: Math.floor(j.completed) };
  }

  override nextDeadline(): Instant | undefined {
    let next: Instant | undefined;
    const consider = (t: Instant | undefined): void => {
      if (t !== undefined && (next === undefined || t < next)) next = t;
    };
    const rate = this.ratePerMs();
    for (const s of this.sessions.values()) {
      consider(s.keepAliveAt);
      consider(s.keepAliveTimeoutAt);
      const j = s.job;
      if (!j || this.lastUpdate === undefined) continue;
      consider(j.lastCookieAt + this.options.cookieMaxTimeMs);
      if (rate > 0) {
        consider(this.lastUpdate + Math.max(0, j.jobSize - j.completed) / rate);
        consider(
          this.lastUpdate +
            Math.max(0, j.lastCookieCompleted + this.options.cookieMaxCalculations - j.completed) / rate,
        );
      }
    }
    return next === undefined ? undefined : Math.ceil(next);
  }

  /** Processor sharing runs up to every input's time first, whatever the input. */
  override handle(input: ServiceInput): ServiceAction[] {
    this.advance(input.now);
    return super.handle(input);
  }

  private ratePerMs(): number {
    const n = this.jobCount;
    return n === 0 ? 0 : this.options.capacity / n / 1000;
  }

  /** Processor sharing up to `now`, stepping at each job completion (the others speed up then). */
  private advance(now: Instant): void {
    if (this.lastUpdate === undefined || now <= this.lastUpdate) {
      this.lastUpdate = Math.max(now, this.lastUpdate ?? now);
      return;
    }
    let t = this.lastUpdate;
    for (;;) {
      const running = [...this.sessions.entries()].filter(
        ([, s]) => s.job && s.job.completed < s.job.jobSize,
      );
      if (running.length === 0) break;
      const rate = this.options.capacity / running.length / 1000;
      const remaining = running.map(([, s]) => s.job!.jobSize - s.job!.completed);
      const least = Math.min(...remaining);
      const untilFirstDoneMs = least / rate;
      if (untilFirstDoneMs > now - t) {
        for (const [, s] of running) s.job!.completed += (now - t) * rate;
        break;
      }
      running.forEach(([ref, s], i) => {
        const j = s.job!;
        if (remaining[i] === least) {
          j.completed = j.jobSize;
          this.finished.push(ref);
        } else {
          j.completed = Math.min(j.jobSize, j.completed + least);
        }
      });
      t += untilFirstDoneMs;
    }
    this.lastUpdate = now;
  }

  private send(ref: ServiceSessionRef, m: CalcAppMessage): ServiceAction {
    return {
      kind: 'send',
      session: ref,
      ppid: CALCAPP_PPID,
      stream: 0,
      unordered: false,
      bytes: encodeCalcApp(m),
    };
  }

  private cookie(now: Instant, ref: ServiceSessionRef, j: Job): ServiceAction {
    j.lastCookieAt = now;
    j.lastCookieCompleted = j.completed;
    const completed = Math.floor(j.completed);
    return {
      kind: 'sendCookie',
      session: ref,
      cookie: encodeCalcAppCookie({ jobId: j.jobId, jobSize: j.jobSize, completed }),
    };
  }

  private startJob(
    now: Instant,
    ref: ServiceSessionRef,
    s: CalcAppSession,
    jobId: number,
    jobSize: number,
    completed: number,
    resumed: boolean,
  ): ServiceAction[] {
    if (s.job !== undefined || this.jobCount >= this.options.maxJobs) {
      return [
        this.send(ref, { kind: 'reject', jobId, jobSize: 0, completed: 0 }),
        { kind: 'notify', event: { kind: 'jobRejected', session: ref, jobId } },
      ];
    }
    const job: Job = { jobId, jobSize, completed, lastCookieAt: now, lastCookieCompleted: completed };
    s.job = job;
    s.keepAliveAt = now + this.options.keepAliveTransmissionIntervalMs;
    s.keepAliveTimeoutAt = undefined;
    const out: ServiceAction[] = [
      this.send(ref, { kind: 'accept', jobId, jobSize: 0, completed: 0 }),
      { kind: 'notify', event: { kind: 'jobAccepted', session: ref, jobId, resumed } },
    ];
    if (resumed) out.push(this.cookie(now, ref, job));
    if (completed >= jobSize) {
      job.completed = jobSize;
      this.finished.push(ref);
      out.push(...this.finish());
    }
    return out;
  }

  protected override onMessage({ now, session: ref, ppid, bytes }: MessageInput): ServiceAction[] {
    const s = this.sessions.of(now, ref);
    const d = ppid === CALCAPP_PPID ? decodeCalcApp(bytes) : undefined;
    if (!d?.ok) {
      const reason = d === undefined ? `PPID ${ppid}` : d.error.reason;
      return [{ kind: 'notify', event: { kind: 'malformed', session: ref, reason } }];
    }
    const m = d.value;
    switch (m.kind) {
      case 'request':
        return this.startJob(now, ref, s, m.jobId, m.jobSize, 0, false);
      case 'keepAlive':
        return [this.send(ref, { kind: 'keepAliveAck', jobId: m.jobId, jobSize: 0, completed: 0 })];
      case 'keepAliveAck':
        s.keepAliveTimeoutAt = undefined;
        return [];
      case 'abort':
        s.job = undefined;
        s.keepAliveAt = undefined;
        s.keepAliveTimeoutAt = undefined;
        return [{ kind: 'close', session: ref }];
      default:
        return [
          { kind: 'notify', event: { kind: 'malformed', session: ref, reason: `${m.kind} sent to a PE` } },
        ];
    }
  }

  protected override onCookieEcho({ now, session: ref, cookie }: CookieEchoInput): ServiceAction[] {
    const s = this.sessions.of(now, ref);
    const c = decodeCalcAppCookie(cookie);
    if (!c.ok || s.cookieEchoSeen || s.job) {
      const reason = c.ok ? 'Cookie Echo on a busy session' : c.error.reason;
      return [{ kind: 'notify', event: { kind: 'malformed', session: ref, reason } }];
    }
    s.cookieEchoSeen = true;
    return this.startJob(now, ref, s, c.value.jobId, c.value.jobSize, c.value.completed, true);
  }

  private finish(): ServiceAction[] {
    const out: ServiceAction[] = [];
    for (const ref of this.finished.splice(0)) {
      const s = this.sessions.get(ref);
      const j = s?.job;
      if (!s || !j) continue;
      s.job = undefined;
      s.keepAliveAt = undefined;
      s.keepAliveTimeoutAt = undefined;
      out.push(
        this.send(ref, { kind: 'complete', jobId: j.jobId, jobSize: j.jobSize, completed: j.jobSize }),
        { kind: 'notify', event: { kind: 'jobCompleted', session: ref, jobId: j.jobId } },
      );
    }
    return out;
  }

  protected override onTick({ now }: TickInput): ServiceAction[] {
    const out = this.finish();
    for (const [ref, s] of [...this.sessions.entries()]) {
      if (s.keepAliveTimeoutAt !== undefined && now >= s.keepAliveTimeoutAt) {
        this.sessions.delete(ref);
        out.push({ kind: 'abort', session: ref, reason: 'CalcApp keep-alive timeout' });
        continue;
      }
      const j = s.job;
      if (!j) continue;
      if (s.keepAliveAt !== undefined && now >= s.keepAliveAt) {
        s.keepAliveAt = now + this.options.keepAliveTransmissionIntervalMs;
        if (s.keepAliveTimeoutAt === undefined)
          s.keepAliveTimeoutAt = now + this.options.keepAliveTimeoutIntervalMs;
        out.push(this.send(ref, { kind: 'keepAlive', jobId: j.jobId, jobSize: 0, completed: 0 }));
      }
      if (
        now >= j.lastCookieAt + this.options.cookieMaxTimeMs ||
        j.completed - j.lastCookieCompleted >= this.options.cookieMaxCalculations
      ) {
        out.push(this.cookie(now, ref, j));
      }
    }
    return out;
  }
}

function newSession(): CalcAppSession {
  return { job: undefined, keepAliveAt: undefined, keepAliveTimeoutAt: undefined, cookieEchoSeen: false };
}
