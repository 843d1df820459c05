/**
 * Ping-Pong client (RSPLIB pingpongclient; notes §1.4): sends a Ping every `intervalMs` and checks
 * the Pongs. Guarantee it keeps across failovers: every Ping is answered exactly once, in order.
 * While the session fails over it sends nothing; Pings sent before the failure and not yet
 * answered are sent again, in order, on the new PE before any new Ping. ReplyNo continuity is
 * checked against the PE's cookie: after a failover with Cookie Echo the next ReplyNo must be the
 * cookie's; without a cookie the new PE starts again at 1.
 */
import type { Instant } from '../base/index.js';
import { SERVICE_DEFAULTS } from './defaults.js';
import { decodePingPong, decodePingPongCookie, encodePingPong, PINGPONG_PPID } from './ping-pong-messages.js';
import type { ClientAction, ClientInput } from './service-types.js';

export interface PingPongClientOptions {
  readonly intervalMs?: number;
  /** Stop (close the session) after this many Pings are answered; undefined = run until closed. */
  readonly count?: number;
  /** The Ping's data; default "Message: <n>, timestamp: <now ms>". */
  readonly data?: (messageNo: number, now: Instant) => Uint8Array;
}

export interface PingPongStatistics {
  pingsSent: number;
  /** Pings sent again after a failover. */
  pingsResent: number;
  pongsReceived: number;
  /** Pongs for a MessageNo that was not outstanding (answered twice or never sent). */
  duplicatePongs: number;
  /** Pongs that answered a later Ping while an earlier one was still outstanding. */
  outOfOrderPongs: number;
  /** Pongs whose ReplyNo broke the expected sequence. */
  replyNoErrors: number;
  failovers: number;
  failoversWithCookie: number;
  malformed: number;
}

export type PingPongClientEvent =
  | {
      readonly kind: 'pong';
      readonly messageNo: number;
      readonly replyNo: number;
      readonly rttMs: number;
      readonly pe: number;
    }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'finished'; readonly statistics: PingPongStatistics };

const TEXT = new TextEncoder();

export class PingPongClient {
  readonly statistics: PingPongStatistics = {
    pingsSent: 0,
    pingsResent: 0,
    pongsReceived: 0,
    duplicatePongs: 0,
    outOfOrderPongs: 0,
    replyNoErrors: 0,
    failovers: 0,
    failoversWithCookie: 0,
    malformed: 0,
  };
  /** MessageNo of every answered Ping, in the order the Pongs arrived. */
  readonly answered: number[] = [];
  private readonly intervalMs: number;
  private nextMessageNo = 1;
  private readonly outstanding = new Map<number, { bytes: Uint8Array; sentAt: Instant }>();
  private nextPingAt: Instant | undefined;
  private expectedReplyNo: number | undefined = 1;
  private cookieReplyNo: number | undefined;
  private pe = 0;
  private state: 'waiting' | 'running' | 'failingOver' | 'finished' = 'waiting';

  constructor(private readonly options: PingPongClientOptions = {}) {
    this.intervalMs = options.intervalMs ?? SERVICE_DEFAULTS.pingIntervalMs;
  }

  get outstandingPings(): number {
    return this.outstanding.size;
  }

  nextDeadline(): Instant | undefined {
    return this.state === 'running' ? this.nextPingAt : undefined;
  }

  handle(input: ClientInput): ClientAction<PingPongClientEvent>[] {
    switch (input.kind) {
      case 'up':
        if (this.state !== 'waiting') return [];
        this.pe = input.pe;
        this.state = 'running';
        return this.ping(input.now);
      case 'message':
        return this.onMessage(input.now, input.ppid, input.bytes);
      case 'cookie': {
        const c = decodePingPongCookie(input.cookie);
        if (c.ok) this.cookieReplyNo = c.value.replyNo;
        return [];
      }
      case 'failoverNeeded':
        if (this.state === 'running') this.state = 'failingOver';
        return [];
      case 'failoverComplete':
        return this.onFailoverComplete(input.now, input.pe, input.cookieEchoed);
      case 'closed':
        this.state = 'finished';
        return [];
      case 'tick':
        return this.state === 'running' && this.nextPingAt !== undefined && input.now >= this.nextPingAt
          ? this.ping(input.now)
          : [];
    }
  }

  private ping(now: Instant): ClientAction<PingPongClientEvent>[] {
    const count = this.options.count;
    if (count !== undefined && this.nextMessageNo > count) {
      this.nextPingAt = undefined;
      return [];
    }
    const messageNo = this.nextMessageNo++;
    const data =
      this.options.data?.(messageNo, now) ?? TEXT.encode(`Message: ${messageNo}, timestamp: ${now}`);
    const bytes = encodePingPong({ kind: 'ping', messageNo, data });
    this.outstanding.set(messageNo, { bytes, sentAt: now });
    this.statistics.pingsSent++;
    this.nextPingAt = now + this.intervalMs;
    return [{ kind: 'send', ppid: PINGPONG_PPID, stream: 0, bytes }];
  }

  private onMessage(now: Instant, ppid: number, bytes: Uint8Array): ClientAction<PingPongClientEvent>[] {
    const m = ppid === PINGPONG_PPID ? decodePingPong(bytes) : undefined;
    if (!m?.ok || m.value.kind !== 'pong') {
      this.statistics.malformed++;
      const reason = m === undefined ? `PPID ${ppid}` : m.ok ? 'Ping sent to a PU' : m.error.reason;
      return [{ kind: 'notify', event: { kind: 'malformed', reason } }];
    }
    const { messageNo, replyNo } = m.value;
    const sent = this.outstanding.get(messageNo);
    if (sent === undefined) {
      this.statistics.duplicatePongs++;
      return [];
    }
    const first = this.outstanding.keys().next().value;
    if (first !== messageNo) this.statistics.outOfOrderPongs++;
    this.outstanding.delete(messageNo);
    if (this.expectedReplyNo !== undefined && replyNo !== this.expectedReplyNo)
      this.statistics.replyNoErrors++;
    this.expectedReplyNo = replyNo + 1;
    this.statistics.pongsReceived++;
    this.answered.push(messageNo);
    const out: ClientAction<PingPongClientEvent>[] = [
      { kind: 'notify', event: { kind: 'pong', messageNo, replyNo, rttMs: now - sent.sentAt, pe: this.pe } },
    ];
    const count = this.options.count;
    if (count !== undefined && this.answered.length >= count) {
      this.state = 'finished';
      out.push(
        { kind: 'notify', event: { kind: 'finished', statistics: { ...this.statistics } } },
        { kind: 'close' },
      );
    }
    return out;
  }

  private onFailoverComplete(
    now: Instant,
    pe: number,
    cookieEchoed: boolean,
  ): ClientAction<PingPongClientEvent>[] {
    if (this.state === 'finished') return [];
    this.pe = pe;
    this.statistics.failovers++;
    if (cookieEchoed) this.statistics.failoversWithCookie++;
    this.expectedReplyNo = cookieEchoed ? this.cookieReplyNo : 1;
    const out: ClientAction<PingPongClientEvent>[] = [];
    for (const [messageNo, p] of this.outstanding) {
      this.outstanding.set(messageNo, { bytes: p.bytes, sentAt: now });
      this.statistics.pingsResent++;
      out.push({ kind: 'send', ppid: PINGPONG_PPID, stream: 0, bytes: p.bytes });
    }
    this.state = 'running';
    if (this.nextPingAt === undefined || this.nextPingAt < now) this.nextPingAt = now;
    if (this.nextPingAt <= now) out.push(...this.ping(now));
    return out;
  }
}
