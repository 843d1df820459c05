/**
 * One destination transport address of the peer (RFC 9260 §6.4, §8.2): its RTO estimator
 * (§6.3.1), congestion state (§7.2), error counter, heartbeat and T3-rtx timer.
 */
import type { Instant } from '../../base/time.js';

export interface RtoSettings {
  readonly rtoInitialMs: number;
  readonly rtoMinMs: number;
  readonly rtoMaxMs: number;
}

export type PathState = 'active' | 'inactive' | 'unconfirmed';

export class Path {
  srttMs: number | undefined = undefined;
  rttvarMs = 0;
  rtoMs: number;
  cwnd: number;
  ssthresh: number;
  partialBytesAcked = 0;
  flight = 0;
  errorCount = 0;
  state: PathState;
  /** When the T3-rtx timer expires (undefined: not running). */
  t3At: Instant | undefined = undefined;
  /** When to send a tail loss probe if no SACK arrives (undefined: none armed). */
  probeAt: Instant | undefined = undefined;
  /** A probe went out and no SACK came since: no second one (one probe per silence; T3 takes over). */
  probeSent = false;
  /** When the next HEARTBEAT is due. */
  heartbeatAt: Instant | undefined = undefined;
  /** The outstanding HEARTBEAT, if any. */
  heartbeatNonce = 0;
  heartbeatSentAt: Instant | undefined = undefined;
  /** Last time DATA was sent on this path (for the idle heartbeat rule). */
  lastSendAt: Instant = 0;
  /** The local address the peer's packets on this path arrive at (used as source when known). */
  localIp: string | undefined = undefined;

  constructor(
    readonly ip: string,
    public udpPort: number,
    private readonly rto: RtoSettings,
    readonly mtu: number,
    confirmed: boolean,
  ) {
    this.rtoMs = rto.rtoInitialMs;
    // §7.2.1: initial cwnd = min(4*MTU, max(2*MTU, 4380 bytes)); ssthresh arbitrarily high.
    this.cwnd = Math.min(4 * mtu, Math.max(2 * mtu, 4380));
    this.ssthresh = 0x7fffffff;
    this.state = confirmed ? 'active' : 'unconfirmed';
  }

  /** §6.3.1 C1-C3 (alpha 1/8, beta 1/4), clamped to [RTO.Min, RTO.Max]. */
  measure(rttMs: number): void {
    const r = Math.max(0, rttMs);
    if (this.srttMs === undefined) {
      this.srttMs = r;
      this.rttvarMs = r / 2;
    } else {
      this.rttvarMs = 0.75 * this.rttvarMs + 0.25 * Math.abs(this.srttMs - r);
      this.srttMs = 0.875 * this.srttMs + 0.125 * r;
    }
    const rto = this.srttMs + Math.max(4 * this.rttvarMs, 1);
    this.rtoMs = Math.min(this.rto.rtoMaxMs, Math.max(this.rto.rtoMinMs, rto));
  }

  /** §6.3.3 E2: double the RTO, at most RTO.Max. */
  backoff(): void {
    this.rtoMs = Math.min(this.rto.rtoMaxMs, this.rtoMs * 2);
  }

  /** §6.2.1 / §5.2.4 A: congestion state back to initial values. */
  resetCongestion(): void {
    this.cwnd = Math.min(4 * this.mtu, Math.max(2 * this.mtu, 4380));
    this.ssthresh = 0x7fffffff;
    this.partialBytesAcked = 0;
    this.flight = 0;
  }
}
