/**
 * The association's timer part: the next deadline of every timer the association runs (T1 of the
 * setup, T2/T5 of the shutdown, the delayed SACK, and per path T3-rtx, the tail loss probe and the
 * HEARTBEAT, RFC 9260 §6.3, §8.3), the expiry of those it owns itself (delayed SACK, T3-rtx, probe,
 * HEARTBEAT, autoclose), and the HEARTBEAT / HEARTBEAT ACK exchange. The setup and shutdown parts
 * handle their own timers' expiry; `Association.onTimer` calls each in turn.
 */
import type { Instant } from '../../base/time.js';
import type { UdpAddress } from '../types.js';
import { ChunkType } from '../wire/chunk-types.js';
import { decodeHeartbeat, encodeHeartbeat } from '../wire/chunks.js';
import type { RawChunk } from '../wire/packet.js';
import type { Link } from './link.js';
import type { Path } from './path.js';
import type { Receiver } from './receiver.js';
import type { Sender } from './sender.js';
import { type AssocState, isUp, shutdownTimersOf, t1Of } from './state.js';

/** HEARTBEAT info (ours): path index (2), padding (2), nonce (4), send time (8). */
const HEARTBEAT_INFO_BYTES = 16;

/** What the timer part may see of its association. */
export interface TimerHost {
  readonly link: Link;
  readonly state: AssocState;
  readonly sender: Sender;
  readonly receiver: Receiver | undefined;
  readonly lastActivityAt: Instant;
  /** Closes the association with a timeout (§8.1). */
  timeout(now: Instant): void;
}

const earlier = (d: number, t: Instant | undefined): number => (t !== undefined && t < d ? t : d);

export class Timers {
  /** When the delayed SACK is due (§6.2), if one is pending. */
  sackAt: Instant | undefined;

  constructor(private readonly a: TimerHost) {}

  nextDeadline(): Instant | undefined {
    const { state, link } = this.a;
    const cfg = link.cfg;
    let d = Number.POSITIVE_INFINITY;
    const t1 = t1Of(state)?.at;
    const st = shutdownTimersOf(state);
    d = earlier(earlier(earlier(earlier(d, t1), st?.t2At), st?.t5At), this.sackAt);
    if (state.kind === 'established' && cfg.autocloseMs > 0)
      d = Math.min(d, this.a.lastActivityAt + cfg.autocloseMs);
    if (isUp(state)) {
      for (const p of link.paths) {
        if (p.t3At !== undefined && p.t3At < d) d = p.t3At;
        if (p.probeAt !== undefined && p.probeAt < d) d = p.probeAt;
        if (cfg.heartbeats && p.heartbeatAt !== undefined && p.heartbeatAt < d) d = p.heartbeatAt;
      }
    }
    return d === Number.POSITIVE_INFINITY ? undefined : d;
  }

  /** The delayed SACK is due: the next flush sends it. */
  onSackTimer(now: Instant): void {
    if (this.sackAt === undefined || this.sackAt > now) return;
    this.sackAt = undefined;
    if (this.a.receiver?.sackPending) this.a.receiver.sackNow = true;
  }

  /** T3-rtx (§6.3.3) and the tail loss probe of each path. Returns true when the association closed. */
  onPathTimers(now: Instant): boolean {
    const { link, sender } = this.a;
    for (const p of link.paths) {
      if (p.t3At !== undefined && p.t3At <= now) {
        sender.onT3Expired(p, link.maxPacketBytes);
        if (link.countError(p)) return this.closed(now);
      }
      if (p.probeAt !== undefined && p.probeAt <= now) {
        p.probeAt = undefined;
        sender.onProbe(p);
      }
    }
    return false;
  }

  /** §8.3: HEARTBEATs due; an unanswered one counts as an error. Returns true when the association closed. */
  onHeartbeatTimers(now: Instant): boolean {
    const { link } = this.a;
    const cfg = link.cfg;
    if (!cfg.heartbeats) return false;
    for (const p of link.paths) {
      if (p.heartbeatAt === undefined || p.heartbeatAt > now) continue;
      if (p.heartbeatSentAt !== undefined) {
        // Unanswered: §8.3 counts it against the path and (for confirmed paths) the association.
        p.heartbeatSentAt = undefined;
        p.backoff();
        if (p.state === 'unconfirmed') {
          if (++p.errorCount > cfg.pathMaxRetrans) {
            p.heartbeatAt = now + cfg.heartbeatIntervalMs;
            continue;
          }
        } else if (link.countError(p)) return this.closed(now);
      }
      this.sendHeartbeat(now, p);
    }
    return false;
  }

  private closed(now: Instant): true {
    this.a.timeout(now);
    return true;
  }

  private sendHeartbeat(now: Instant, p: Path): void {
    const { link } = this.a;
    const info = new Uint8Array(HEARTBEAT_INFO_BYTES);
    const v = new DataView(info.buffer);
    const nonce = link.cfg.random.u32();
    v.setUint16(0, link.paths.indexOf(p));
    v.setUint32(4, nonce);
    v.setFloat64(8, now);
    p.heartbeatNonce = nonce;
    p.heartbeatSentAt = now;
    p.heartbeatAt = now + p.rtoMs;
    link.transmit(p, link.packet(ChunkType.heartbeat, 0, encodeHeartbeat(info)));
  }

  /** §8.3: the HEARTBEAT ACK goes back to the source of the HEARTBEAT, from where it arrived. */
  onHeartbeat(c: RawChunk, from: UdpAddress, local: string | undefined): void {
    if (!decodeHeartbeat(c.value).ok) return;
    const { link } = this.a;
    link.transmitTo(from, local, link.packet(ChunkType.heartbeatAck, 0, c.value));
  }

  /** A HEARTBEAT ACK of ours: RTT measured, path confirmed or heard (§8.3). */
  onHeartbeatAck(now: Instant, c: RawChunk): void {
    const hb = decodeHeartbeat(c.value);
    if (!hb.ok || hb.value.length !== HEARTBEAT_INFO_BYTES) return;
    const v = new DataView(hb.value.buffer, hb.value.byteOffset, HEARTBEAT_INFO_BYTES);
    const index = v.getUint16(0);
    const nonce = v.getUint32(4);
    const sentAt = v.getFloat64(8);
    const { link } = this.a;
    const p = link.paths[index];
    if (!p || p.heartbeatSentAt === undefined || p.heartbeatNonce !== nonce || p.heartbeatSentAt !== sentAt)
      return;
    p.heartbeatSentAt = undefined;
    p.measure(now - sentAt);
    link.errorCount = 0;
    if (p.state === 'unconfirmed') {
      p.state = 'active';
      p.errorCount = 0;
      link.notify({ kind: 'pathChange', address: p.ip, state: 'confirmed' });
    } else link.pathHeard(p);
    p.heartbeatAt = now + link.cfg.heartbeatIntervalMs + link.jitter(p);
  }
}
