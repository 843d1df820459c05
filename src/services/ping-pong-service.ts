/**
 * Ping-Pong service (RSPLIB rspserver -pingpong; notes §1.3, §2.9): answers each Ping with a Pong
 * carrying the Ping's MessageNo and data and the session's ReplyNo (1, 2, ...), then sends an ASAP
 * Cookie `<PP-TD1>` + the next ReplyNo. A Cookie Echo received before the first Ping resumes the
 * ReplyNo sequence. `failureAfter` = N aborts the session after N Pongs (failover tests).
 */
import { SERVICE_DEFAULTS } from './defaults.js';
import {
  decodePingPong,
  decodePingPongCookie,
  encodePingPong,
  encodePingPongCookie,
  PINGPONG_PPID,
} from './ping-pong-messages.js';
import {
  type CookieEchoInput,
  type MessageInput,
  ServiceSessions,
  SessionService,
} from './service-sessions.js';
import type { ServiceAction } from './service-types.js';

export interface PingPongServiceOptions {
  readonly failureAfter?: number;
}

interface PingPongSession {
  replyNo: number;
  replies: number;
}

export class PingPongService extends SessionService<PingPongSession> {
  readonly defaultPoolHandle = 'PingPongPool';
  protected readonly sessions = new ServiceSessions((): PingPongSession => ({ replyNo: 1, replies: 0 }));
  private readonly failureAfter: number;

  constructor(options: PingPongServiceOptions = {}) {
    super();
    this.failureAfter = options.failureAfter ?? SERVICE_DEFAULTS.pingPongFailureAfter;
  }

  protected override onCookieEcho({ now, session: ref, cookie }: CookieEchoInput): ServiceAction[] {
    const s = this.sessions.of(now, ref);
    const decoded = decodePingPongCookie(cookie);
    if (!decoded.ok)
      return [{ kind: 'notify', event: { kind: 'malformed', session: ref, reason: decoded.error.reason } }];
    if (s.replies === 0) s.replyNo = decoded.value.replyNo;
    return [];
  }

  protected override onMessage({ now, session: ref, ppid, stream, bytes }: MessageInput): ServiceAction[] {
    const s = this.sessions.of(now, ref);
    const decoded = ppid === PINGPONG_PPID ? decodePingPong(bytes) : undefined;
    if (!decoded?.ok || decoded.value.kind !== 'ping') {
      const reason =
        decoded === undefined ? `PPID ${ppid}` : decoded.ok ? 'Pong sent to a PE' : decoded.error.reason;
      return [{ kind: 'notify', event: { kind: 'malformed', session: ref, reason } }];
    }
    const pong = encodePingPong({
      kind: 'pong',
      messageNo: decoded.value.messageNo,
      replyNo: s.replyNo,
      data: decoded.value.data,
    });
    s.replyNo++;
    s.replies++;
    const out: ServiceAction[] = [
      { kind: 'send', session: ref, ppid: PINGPONG_PPID, stream, unordered: false, bytes: pong },
      { kind: 'sendCookie', session: ref, cookie: encodePingPongCookie({ replyNo: s.replyNo }) },
    ];
    if (this.failureAfter > 0 && s.replies >= this.failureAfter) {
      this.sessions.delete(ref);
      out.push(
        { kind: 'notify', event: { kind: 'failureInjected', session: ref } },
        { kind: 'abort', session: ref, reason: `failure injected after ${s.replies} replies` },
      );
    }
    return out;
  }
}
