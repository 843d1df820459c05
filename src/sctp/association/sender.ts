/**
 * The sending side of DATA: fragmentation (§6.9), TSN and SSN assignment (§6.5), SACK
 * processing with gap blocks (§6.2.1), fast retransmit with HTNA miss indications and fast
 * recovery (§7.2.4), T3-rtx expiry (§6.3.3), cwnd/ssthresh (§7.2.1-§7.2.3), the peer's receiver
 * window and Max.Burst. TSNs are assigned at first transmission so that chunks are bundled in
 * TSN order; outstanding chunks are indexed by their TSN offset (O(1) lookup).
 */
import { add32, gt32, gte32, lt32, sub32 } from '../../base/serial.js';
import type { Instant } from '../../base/time.js';
import { DataFlag } from '../wire/chunk-types.js';
import type { SackChunk } from '../wire/chunks.js';
import type { PacketBuilder } from '../wire/packet.js';
import type { Path } from './path.js';

export interface OutboundMessage {
  readonly stream: number;
  readonly ppid: number;
  readonly unordered: boolean;
  readonly bytes: Uint8Array;
  chunksLeft: number;
}

interface OutChunk {
  tsn: number;
  readonly stream: number;
  ssn: number;
  readonly ppid: number;
  readonly flags: number;
  readonly payload: Uint8Array;
  readonly msg: OutboundMessage;
  sentAt: Instant;
  transmits: number;
  gapAcked: boolean;
  missing: number;
  rtx: boolean;
  fastRtxDone: boolean;
  inFlight: boolean;
  path: Path | undefined;
}

/** Where the sender puts chunks: the association opens packets (bundling control chunks and SACK). */
export interface PacketSink {
  open(path: Path): PacketBuilder;
  close(): void;
}

export interface SackOutcome {
  /** The SACK was older than the current cumulative ack point, or acked unsent TSNs. */
  readonly ignored: boolean;
  readonly violation: boolean;
  readonly cumAdvanced: boolean;
  /** Paths to which newly acknowledged chunks were last sent (their error counters are cleared). */
  readonly ackedPaths: Set<Path>;
}

const DATA_HEADER = 16;
/** RFC 8985 WCDelAckT: the longest a peer may delay its SACK of a lone packet (RFC 9260 §6.2: 200 ms). */
const WORST_CASE_DELAYED_SACK_MS = 200;
/** Shortest probe timeout: below it, a probe races the SACK already on its way. */
const MIN_PROBE_TIMEOUT_MS = 10;

/** What one SACK newly acknowledged, per path: for RTT, cwnd growth and loss detection. */
class AckTally {
  /** Paths to which newly acknowledged chunks were last sent. */
  readonly ackedPaths = new Set<Path>();
  readonly flightBefore = new Map<Path, number>();
  readonly ackedBytes = new Map<Path, number>();
  highest: number | undefined = undefined;
  /** The latest send time of a newly acknowledged retransmission, and its path (see markLostBefore). */
  rackPath: Path | undefined = undefined;
  rackSentAt = Number.NEGATIVE_INFINITY;
}

/** §7.2.1 slow start, §7.2.2 congestion avoidance, per path that had chunks acknowledged. */
function growCwnd(t: AckTally, mtu: number): void {
  for (const [p, acked] of t.ackedBytes) {
    const before = t.flightBefore.get(p) ?? 0;
    const utilized = before + mtu >= p.cwnd;
    if (p.cwnd <= p.ssthresh) {
      if (utilized) p.cwnd += Math.min(acked, mtu);
    } else {
      p.partialBytesAcked += acked;
      if (p.partialBytesAcked >= p.cwnd && utilized) {
        p.partialBytesAcked -= p.cwnd;
        p.cwnd += mtu;
      }
    }
  }
}

export class Sender {
  /** The next TSN to assign. */
  nextTsn: number;
  /** The peer's cumulative TSN ack of our DATA. */
  cumAck: number;
  peerRwnd: number;
  outboundStreams: number;
  private ssn: Uint16Array;
  private pending: OutChunk[] = [];
  private pendingHead = 0;
  private outstanding: OutChunk[] = [];
  private outHead = 0;
  private rtxCount = 0;
  private fastRtxPending = false;
  private recoverTsn: number | undefined = undefined;
  /** §6.3.1 C4-C5 (as in Linux): one chunk at a time is timed; retransmission or T3 cancels it (Karn). */
  private timed: OutChunk | undefined = undefined;
  totalFlight = 0;
  queuedBytes = 0;
  outstandingBytes = 0;

  constructor(
    initialTsn: number,
    peerRwnd: number,
    outboundStreams: number,
    readonly maxChunkPayload: number,
  ) {
    this.nextTsn = initialTsn;
    this.cumAck = add32(initialTsn, 0xffffffff);
    this.peerRwnd = peerRwnd;
    this.outboundStreams = outboundStreams;
    this.ssn = new Uint16Array(Math.max(outboundStreams, 1));
  }

  /** After the handshake: the negotiated stream count and the peer's initial window. */
  setPeer(peerRwnd: number, outboundStreams: number): void {
    this.peerRwnd = peerRwnd;
    this.outboundStreams = outboundStreams;
    if (this.ssn.length < outboundStreams) {
      const s = new Uint16Array(outboundStreams);
      s.set(this.ssn);
      this.ssn = s;
    }
  }

  get idle(): boolean {
    return this.pendingHead === this.pending.length && this.outHead === this.outstanding.length;
  }

  get hasPending(): boolean {
    return this.pendingHead < this.pending.length || this.rtxCount > 0;
  }

  /** Queues a message, fragmented into views of `bytes` (no copy). */
  enqueue(stream: number, ppid: number, unordered: boolean, bytes: Uint8Array): void {
    const max = this.maxChunkPayload;
    const n = Math.max(1, Math.ceil(bytes.length / max));
    const msg: OutboundMessage = { stream, ppid, unordered, bytes, chunksLeft: n };
    let ssn = 0;
    if (!unordered) {
      ssn = this.ssn[stream]!;
      this.ssn[stream] = (ssn + 1) & 0xffff;
    }
    for (let i = 0; i < n; i++) {
      let flags = unordered ? DataFlag.unordered : 0;
      if (i === 0) flags |= DataFlag.begin;
      if (i === n - 1) flags |= DataFlag.end;
      const payload = bytes.subarray(i * max, Math.min(bytes.length, (i + 1) * max));
      this.pending.push({
        tsn: 0,
        stream,
        ssn,
        ppid,
        flags,
        payload,
        msg,
        sentAt: 0,
        transmits: 0,
        gapAcked: false,
        missing: 0,
        rtx: false,
        fastRtxDone: false,
        inFlight: false,
        path: undefined,
      });
      this.queuedBytes += payload.length;
    }
  }

  /** Whether `fill` would put DATA on `path` now (to decide bundling a delayed SACK). */
  wouldSend(path: Path): boolean {
    return this.rtxCount > 0 || (this.pendingHead < this.pending.length && path.flight < path.cwnd);
  }

  private send(c: OutChunk, b: PacketBuilder, path: Path, now: Instant): void {
    b.data(c.flags, c.tsn, c.stream, c.ssn, c.ppid, c.payload);
    const len = c.payload.length;
    c.transmits++;
    c.sentAt = now;
    if (c.transmits === 1 && this.timed === undefined) this.timed = c;
    else if (this.timed === c) this.timed = undefined;
    c.path = path;
    c.inFlight = true;
    path.flight += len;
    path.lastSendAt = now;
    this.totalFlight += len;
    this.peerRwnd = Math.max(0, this.peerRwnd - len);
    if (path.t3At === undefined) path.t3At = now + path.rtoMs;
  }

  /**
   * Puts retransmissions (to `rtxPath`) and new DATA (to `dataPath`) into packets, within cwnd,
   * the peer's window and Max.Burst. Returns the number of DATA packets opened.
   */
  fill(now: Instant, dataPath: Path, rtxPath: Path, sink: PacketSink, maxBurst: number): number {
    let packets = 0;
    if (this.rtxCount > 0) {
      // §7.2.4 (fast retransmit: one packet regardless of cwnd) and §6.3.3 E3 (T3: within cwnd).
      const ignoreCwnd = this.fastRtxPending;
      this.fastRtxPending = false;
      let opened = false;
      for (let i = this.outHead; i < this.outstanding.length && this.rtxCount > 0; i++) {
        const c = this.outstanding[i]!;
        if (!c.rtx) continue;
        const need = DATA_HEADER + c.payload.length;
        if (!ignoreCwnd && rtxPath.flight >= rtxPath.cwnd) break;
        let b = sink.open(rtxPath);
        if (!b.fits(need)) {
          sink.close();
          if (ignoreCwnd && opened) break;
          if (++packets >= maxBurst) return packets;
          b = sink.open(rtxPath);
        }
        if (!opened) packets++;
        opened = true;
        c.rtx = false;
        this.rtxCount--;
        this.send(c, b, rtxPath, now);
      }
    }
    if (this.rtxCount > 0) return packets;
    let opened = packets > 0;
    while (this.pendingHead < this.pending.length) {
      const c = this.pending[this.pendingHead]!;
      const len = c.payload.length;
      if (dataPath.flight >= dataPath.cwnd) break;
      if (this.peerRwnd < len && this.totalFlight > 0) break;
      let b = sink.open(dataPath);
      if (!b.fits(DATA_HEADER + len)) {
        sink.close();
        if (packets >= maxBurst) break;
        b = sink.open(dataPath);
        opened = false;
      }
      if (!opened) {
        if (packets >= maxBurst) break;
        packets++;
        opened = true;
      }
      this.pending[this.pendingHead++] = undefined as unknown as OutChunk;
      this.queuedBytes -= len;
      c.tsn = this.nextTsn;
      this.nextTsn = add32(this.nextTsn, 1);
      this.outstanding.push(c);
      this.outstandingBytes += len;
      this.send(c, b, dataPath, now);
    }
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
    return packets;
  }

  /** §6.2.1 and §7.2: processes a SACK (or the cumulative TSN ack of a SHUTDOWN when `sack.gapStarts` is empty). */
  onSack(s: SackChunk, now: Instant, mtu: number): SackOutcome {
    const tally = new AckTally();
    if (lt32(s.cumTsnAck, this.cumAck))
      return { ignored: true, violation: false, cumAdvanced: false, ackedPaths: tally.ackedPaths };
    const lastSent = add32(this.nextTsn, 0xffffffff);
    if (gt32(s.cumTsnAck, lastSent))
      return { ignored: true, violation: true, cumAdvanced: false, ackedPaths: tally.ackedPaths };
    const cumAdvanced = this.ackCumulative(s.cumTsnAck, now, tally);
    this.ackGapBlocks(s, now, tally);
    if (tally.highest !== undefined && s.gapStarts.length > 0) this.countMisses(tally.highest, mtu);
    if (tally.rackPath !== undefined) this.markLostBefore(tally.rackPath, tally.rackSentAt, mtu);
    if (this.recoverTsn !== undefined && gte32(this.cumAck, this.recoverTsn)) this.recoverTsn = undefined;
    // §7.2.1 slow start, §7.2.2 congestion avoidance (only when the cumulative ack advances).
    if (cumAdvanced && this.recoverTsn === undefined) growCwnd(tally, mtu);
    this.peerRwnd = Math.max(0, s.arwnd - this.totalFlight);
    return { ignored: false, violation: false, cumAdvanced, ackedPaths: tally.ackedPaths };
  }

  /** A chunk acknowledged for the first time (by the cumulative ack or a gap block). */
  private newlyAcked(c: OutChunk, now: Instant, t: AckTally): void {
    const p = c.path;
    if (p && c.transmits > 1 && c.sentAt > t.rackSentAt && now - c.sentAt >= (p.srttMs ?? 0) / 2) {
      t.rackPath = p;
      t.rackSentAt = c.sentAt;
    }
    if (p) {
      if (!t.flightBefore.has(p)) t.flightBefore.set(p, p.flight);
      t.ackedBytes.set(p, (t.ackedBytes.get(p) ?? 0) + c.payload.length);
      t.ackedPaths.add(p);
      if (c === this.timed) {
        if (c.transmits === 1) p.measure(now - c.sentAt);
        this.timed = undefined;
      }
    }
    if (t.highest === undefined || gt32(c.tsn, t.highest)) t.highest = c.tsn;
    this.leaveFlight(c);
    if (c.rtx) {
      c.rtx = false;
      this.rtxCount--;
    }
  }

  /** The cumulative ack: chunks up to it leave the outstanding queue. Returns true if it advanced. */
  private ackCumulative(cumTsnAck: number, now: Instant, t: AckTally): boolean {
    const n = sub32(cumTsnAck, this.cumAck);
    for (let i = 0; i < n; i++) {
      const c = this.outstanding[this.outHead + i]!;
      if (!c.gapAcked) this.newlyAcked(c, now, t);
      this.outstandingBytes -= c.payload.length;
      c.msg.chunksLeft--;
    }
    if (n === 0) return false;
    this.outstanding.fill(undefined as unknown as OutChunk, this.outHead, this.outHead + n);
    this.outHead += n;
    this.cumAck = cumTsnAck;
    if (this.outHead > 1024 && this.outHead * 2 > this.outstanding.length) {
      this.outstanding = this.outstanding.slice(this.outHead);
      this.outHead = 0;
    }
    return true;
  }

  /** Gap ack blocks (offsets from the cumulative ack), clamped to what is outstanding. */
  private ackGapBlocks(s: SackChunk, now: Instant, t: AckTally): void {
    const count = this.outstanding.length - this.outHead;
    for (let g = 0; g < s.gapStarts.length; g++) {
      const end = Math.min(s.gapEnds[g]!, count);
      for (let o = s.gapStarts[g]!; o <= end; o++) {
        const c = this.outstanding[this.outHead + o - 1]!;
        if (!c.gapAcked) {
          c.gapAcked = true;
          this.newlyAcked(c, now, t);
        }
      }
    }
  }

  /** §7.2.4 HTNA miss indications below the highest newly acked TSN, and fast retransmit. */
  private countMisses(highestNewlyAcked: number, mtu: number): void {
    for (let i = this.outHead; i < this.outstanding.length; i++) {
      const c = this.outstanding[i]!;
      if (!lt32(c.tsn, highestNewlyAcked)) break;
      if (c.gapAcked || c.rtx || c.transmits === 0) continue;
      if (++c.missing >= 3 && !c.fastRtxDone) {
        c.fastRtxDone = true;
        this.markLost(c, mtu);
      }
    }
  }

  /**
   * Time-based loss detection for retransmissions (the idea of RACK, RFC 8985, beyond RFC 9260): a
   * retransmission sent at `sentAt` on `path` has been acknowledged, so chunks sent on that path clearly
   * before it (by more than a quarter of the smoothed RTT, the reordering allowance) and still unacked are
   * lost. Without this, the lost tail of a burst whose hole fast retransmit repaired stays "in flight"
   * until T3 (RTO.Min = 1 s): nothing after it gets SACKed, so no miss indications ever come. Only
   * acknowledgments that arrived at least half an RTT after the retransmission count, so that a late ack
   * of the original does not pass for one of the retransmission. Counts as part of the current fast
   * recovery (one window reduction per recovery, RFC 9260 §7.2.4).
   */
  private markLostBefore(path: Path, sentAt: Instant, mtu: number): void {
    const horizon = sentAt - (path.srttMs ?? 0) / 4;
    for (let i = this.outHead; i < this.outstanding.length; i++) {
      const c = this.outstanding[i]!;
      if (c.gapAcked || c.rtx || !c.inFlight || c.path !== path || c.sentAt >= horizon) continue;
      this.markLost(c, mtu);
    }
  }

  /**
   * §7.2.4: a chunk found lost goes out again at once (one packet regardless of cwnd); the first loss of a
   * recovery halves its path's window, later ones in the same recovery do not.
   */
  private markLost(c: OutChunk, mtu: number): void {
    const p = c.path;
    if (p && this.recoverTsn === undefined) {
      p.ssthresh = Math.max(p.cwnd / 2, 4 * mtu);
      p.cwnd = p.ssthresh;
      p.partialBytesAcked = 0;
      this.recoverTsn = add32(this.nextTsn, 0xffffffff);
    }
    this.leaveFlight(c);
    if (this.timed === c) this.timed = undefined;
    c.missing = 0;
    c.rtx = true;
    this.rtxCount++;
    this.fastRtxPending = true;
  }

  private leaveFlight(c: OutChunk): void {
    if (!c.inFlight) return;
    c.inFlight = false;
    const len = c.payload.length;
    if (c.path) c.path.flight = Math.max(0, c.path.flight - len);
    this.totalFlight = Math.max(0, this.totalFlight - len);
  }

  /**
   * Tail loss probe (the idea of RFC 8985 §7, beyond RFC 9260): when to probe `path` if no SACK comes,
   * 2 SRTT after now (plus the peer's delayed-SACK allowance when one packet is in flight); undefined when
   * nothing is in flight, no RTT is known yet, or T3 would fire first.
   */
  probeDeadline(path: Path, now: Instant, mtu: number): Instant | undefined {
    if (path.flight === 0 || path.srttMs === undefined) return undefined;
    const pto =
      2 * path.srttMs + (path.flight <= mtu ? WORST_CASE_DELAYED_SACK_MS : 0) + MIN_PROBE_TIMEOUT_MS;
    const at = now + pto;
    return path.t3At !== undefined && at >= path.t3At ? undefined : at;
  }

  /**
   * The probe timer fired: no SACK for 2 SRTT, so the tail of the flight may be lost. New data that fits
   * is the probe (the next `fill` sends it); else the last chunk in flight on the path goes out again at
   * once, without a window reduction. Its SACK either acknowledges everything (nothing was lost) or, with
   * `markLostBefore`, starts recovery of what was lost before it, instead of waiting for T3.
   */
  onProbe(path: Path): void {
    path.probeSent = true;
    if (this.rtxCount > 0) return;
    if (this.pendingHead < this.pending.length && path.flight < path.cwnd) return;
    for (let i = this.outstanding.length - 1; i >= this.outHead; i--) {
      const c = this.outstanding[i]!;
      if (c.gapAcked || !c.inFlight || c.path !== path) continue;
      this.leaveFlight(c);
      if (this.timed === c) this.timed = undefined;
      c.rtx = true;
      this.rtxCount++;
      this.fastRtxPending = true;
      return;
    }
  }

  /** §6.3.3 E1-E3: T3-rtx expired on `path`. Marks its in-flight chunks for retransmission. */
  onT3Expired(path: Path, mtu: number): void {
    path.ssthresh = Math.max(path.cwnd / 2, 4 * mtu);
    path.cwnd = mtu;
    path.partialBytesAcked = 0;
    path.backoff();
    path.t3At = undefined;
    path.probeAt = undefined;
    this.timed = undefined;
    for (let i = this.outHead; i < this.outstanding.length; i++) {
      const c = this.outstanding[i]!;
      if (c.gapAcked || c.path !== path || !c.inFlight) continue;
      this.leaveFlight(c);
      this.peerRwnd += c.payload.length;
      c.missing = 0;
      if (!c.rtx) {
        c.rtx = true;
        this.rtxCount++;
      }
    }
    this.recoverTsn = undefined;
  }

  /** Messages not entirely acknowledged (for sendFailed), emptying the queues. */
  drainUnacked(): OutboundMessage[] {
    const seen = new Set<OutboundMessage>();
    const out: OutboundMessage[] = [];
    const take = (c: OutChunk | undefined): void => {
      if (c && c.msg.chunksLeft > 0 && !seen.has(c.msg)) {
        seen.add(c.msg);
        out.push(c.msg);
      }
    };
    for (let i = this.outHead; i < this.outstanding.length; i++) take(this.outstanding[i]);
    for (let i = this.pendingHead; i < this.pending.length; i++) take(this.pending[i]);
    this.outstanding = [];
    this.outHead = 0;
    this.pending = [];
    this.pendingHead = 0;
    this.rtxCount = 0;
    this.timed = undefined;
    this.totalFlight = 0;
    this.queuedBytes = 0;
    this.outstandingBytes = 0;
    return out;
  }
}
