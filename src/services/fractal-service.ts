/**
 * Fractal Generator service (RSPLIB rspserver -fractal; notes §1.3, §2.9). A Parameter message starts
 * an image; the PE computes the points in row order and sends Data messages of up to 324 points,
 * paced by flow control: each `writable` input lets it send up to `messagesPerWritable` messages
 * (that many also right after a Parameter or Cookie Echo). Cookies (`<FG-TD1>`, the parameters and
 * the first point not yet sent) go out at the start and then every `cookieMaxPackets` Data messages
 * or `cookieMaxTimeMs`, whichever first. A Cookie Echo on a new session resumes an image at the
 * cookie's point. The image ends with a Data message at (0xffffffff, 0xffffffff) without points.
 * `failureAfter` = N sends a cookie and aborts the session after more than N Data messages.
 */
import type { Instant } from '../base/index.js';
import { SERVICE_DEFAULTS, withDefaults } from './defaults.js';
import {
  decodeFgp,
  decodeFractalCookie,
  encodeFgp,
  encodeFractalCookie,
  FGP_END_MARK,
  FGP_MAX_POINTS,
  FGP_PPID,
  type FractalParameter,
  fractalParameterProblem,
  parameterOf,
} from './fractal-messages.js';
import { fractalPoint } from './mandelbrot.js';
import {
  type CookieEchoInput,
  type MessageInput,
  ServiceSessions,
  SessionService,
  type WritableInput,
} from './service-sessions.js';
import type { ServiceAction, ServiceSessionRef } from './service-types.js';

export interface FractalServiceOptions {
  readonly cookieMaxPackets?: number;
  readonly cookieMaxTimeMs?: number;
  readonly failureAfter?: number;
  readonly messagesPerWritable?: number;
}

/** Bytes of a full Data message (header, StartX, StartY, Points, 324 values). */
export const FGP_DATA_MAX_BYTES = 16 + 4 * FGP_MAX_POINTS;

interface FractalSession {
  parameter: FractalParameter | undefined;
  x: number;
  y: number;
  packets: number;
  lastCookieAt: Instant;
  isNew: boolean;
}

export class FractalService extends SessionService<FractalSession> {
  readonly defaultPoolHandle = 'FractalGeneratorPool';
  protected readonly sessions = new ServiceSessions(newSession, { forgetOnShutdown: true });
  private readonly options: Required<FractalServiceOptions>;

  constructor(options: FractalServiceOptions = {}) {
    super();
    this.options = withDefaults(options, {
      cookieMaxPackets: SERVICE_DEFAULTS.fractalCookieMaxPackets,
      cookieMaxTimeMs: SERVICE_DEFAULTS.fractalCookieMaxTimeMs,
      failureAfter: SERVICE_DEFAULTS.fractalFailureAfter,
      messagesPerWritable: SERVICE_DEFAULTS.fractalMessagesPerWritable,
    });
  }

  protected override onWritable(input: WritableInput): ServiceAction[] {
    const s = this.sessions.get(input.session);
    if (!s?.parameter || input.roomBytes <= 0) return [];
    const n = Math.max(
      1,
      Math.min(this.options.messagesPerWritable, Math.floor(input.roomBytes / FGP_DATA_MAX_BYTES)),
    );
    return this.emit(input.now, input.session, s, n);
  }

  private malformed(ref: ServiceSessionRef, reason: string): ServiceAction[] {
    return [{ kind: 'notify', event: { kind: 'malformed', session: ref, reason } }];
  }

  protected override onMessage({ now, session: ref, ppid, bytes }: MessageInput): ServiceAction[] {
    const s = this.sessions.of(now, ref);
    const d = ppid === FGP_PPID ? decodeFgp(bytes) : undefined;
    if (!d?.ok) return this.malformed(ref, d === undefined ? `PPID ${ppid}` : d.error.reason);
    if (d.value.kind !== 'parameter') return this.malformed(ref, 'Data sent to a PE');
    return this.begin(now, ref, s, parameterOf(d.value), 0, 0);
  }

  protected override onCookieEcho({ now, session: ref, cookie }: CookieEchoInput): ServiceAction[] {
    const s = this.sessions.of(now, ref);
    if (!s.isNew) return this.malformed(ref, 'Cookie Echo on a session that is not new');
    const c = decodeFractalCookie(cookie);
    if (!c.ok) return this.malformed(ref, c.error.reason);
    const { parameter, currentX, currentY } = c.value;
    if (currentX >= parameter.width || currentY > parameter.height)
      return this.malformed(ref, 'cookie position outside the image');
    return this.begin(now, ref, s, parameter, currentX, currentY);
  }

  private begin(
    now: Instant,
    ref: ServiceSessionRef,
    s: FractalSession,
    p: FractalParameter,
    x: number,
    y: number,
  ): ServiceAction[] {
    s.isNew = false;
    const problem = fractalParameterProblem(p);
    if (problem !== undefined) {
      this.sessions.delete(ref);
      return [
        ...this.malformed(ref, problem),
        { kind: 'abort', session: ref, reason: `bad parameters: ${problem}` },
      ];
    }
    s.parameter = p;
    s.x = x;
    s.y = y;
    return [this.cookie(now, ref, s), ...this.emit(now, ref, s, this.options.messagesPerWritable)];
  }

  private cookie(now: Instant, ref: ServiceSessionRef, s: FractalSession): ServiceAction {
    s.lastCookieAt = now;
    const cookie = encodeFractalCookie({ parameter: s.parameter!, currentX: s.x, currentY: s.y });
    return { kind: 'sendCookie', session: ref, cookie };
  }

  private data(ref: ServiceSessionRef, startX: number, startY: number, values: number[]): ServiceAction {
    return {
      kind: 'send',
      session: ref,
      ppid: FGP_PPID,
      stream: 0,
      unordered: false,
      bytes: encodeFgp({ kind: 'data', startX, startY, values }),
    };
  }

  private emit(now: Instant, ref: ServiceSessionRef, s: FractalSession, messages: number): ServiceAction[] {
    const out: ServiceAction[] = [];
    const p = s.parameter;
    for (let m = 0; m < messages && p !== undefined; m++) {
      const startX = s.x;
      const startY = s.y;
      const values: number[] = [];
      while (values.length < FGP_MAX_POINTS && s.y < p.height) {
        values.push(fractalPoint(p, s.x, s.y));
        if (++s.x >= p.width) {
          s.x = 0;
          s.y++;
        }
      }
      if (values.length > 0) {
        out.push(this.data(ref, startX, startY, values));
        s.packets++;
        if (this.options.failureAfter > 0 && s.packets > this.options.failureAfter) {
          this.sessions.delete(ref);
          out.push(this.cookie(now, ref, s), {
            kind: 'notify',
            event: { kind: 'failureInjected', session: ref },
          });
          out.push({
            kind: 'abort',
            session: ref,
            reason: `failure injected after ${s.packets} Data messages`,
          });
          return out;
        }
      }
      if (s.y >= p.height) {
        out.push(this.data(ref, FGP_END_MARK, FGP_END_MARK, []));
        out.push({ kind: 'notify', event: { kind: 'imageCompleted', session: ref } });
        s.parameter = undefined;
        return out;
      }
      if (
        s.packets % this.options.cookieMaxPackets === 0 ||
        now - s.lastCookieAt >= this.options.cookieMaxTimeMs
      ) {
        out.push(this.cookie(now, ref, s));
      }
    }
    return out;
  }
}

function newSession(now: Instant): FractalSession {
  return { parameter: undefined, x: 0, y: 0, packets: 0, lastCookieAt: now, isNew: true };
}
