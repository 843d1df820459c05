/**
 * One SCTP association (RFC 9260 §4), composed of parts: `Link` (tags, paths, output), `Setup`
 * (§5), `Shutdown` (§9.2), `Timers` (deadlines, heartbeats), `Sender` and `Receiver` (DATA and
 * SACK, §6). It owns the state (a discriminated union, state.ts), checks the verification tag of
 * each packet (§8.5) and hands each chunk to the one handler of its type. Output goes to
 * `ctx.out`; nothing here throws on input. docs/sctp.md draws the state machine.
 */
import { ByteWriter } from '../../base/bytes.js';
import type { Instant } from '../../base/time.js';
import { maxPacketBytesFor, reachable } from '../config.js';
import type { AssocId, AssociationStatus, LostCause, UdpAddress } from '../types.js';
import { CauseCode, ChunkType, T_BIT, unknownChunkAction } from '../wire/chunk-types.js';
import {
  decodeCauses,
  describeCause,
  EMPTY,
  encodeCauses,
  type InitChunk,
  type SackChunk,
  userAbortCause,
} from '../wire/chunks.js';
import type { Packet, RawChunk } from '../wire/packet.js';
import { flushAssociation } from './bundling.js';
import type { CookieFields } from './cookie.js';
import { initialTsn, randomTag } from './handshake.js';
import { type AssociationContext, Link } from './link.js';
import type { Path } from './path.js';
import { Receiver } from './receiver.js';
import { Sender } from './sender.js';
import { Setup, type SetupHost } from './setup.js';
import { Shutdown, type ShutdownHost } from './shutdown.js';
import { type AssocState, isUp, shutdownTimersOf, t1Of } from './state.js';
import { type TimerHost, Timers } from './timers.js';
import { Transfer, type TransferHost } from './transfer.js';

export type { AssociationContext } from './link.js';

/** The SCTP common header and UDP overhead a DATA chunk's room is reduced by. */
const DATA_OVERHEAD_BYTES = 28;

/** What a chunk handler says about the rest of the packet: go on, skip the rest, or the packet is finished with. */
type Flow = 'next' | 'stop' | 'done';

/** The packet being dispatched: where it came from, and whether it carried DATA. */
interface Arrival {
  readonly now: Instant;
  readonly from: UdpAddress;
  readonly local: string | undefined;
  path: Path | undefined;
  hadData: boolean;
}

export class Association implements SetupHost, ShutdownHost, TimerHost, TransferHost {
  state: AssocState = { kind: 'closed' };
  readonly link: Link;
  sender: Sender;
  receiver: Receiver | undefined;
  inboundStreams = 0;
  localInitialTsn: number;
  lastActivityAt: Instant;
  abandonedUdpPorts: number[] = [];
  tagChanged = false;
  readonly setup = new Setup(this);
  readonly shutdowns = new Shutdown(this);
  readonly timers = new Timers(this);
  readonly transfer = new Transfer(this);

  private constructor(
    id: AssocId,
    ctx: AssociationContext,
    peerPort: number,
    now: Instant,
    localTag: number,
    localInitialTsn: number,
    maxPacketBytes: number,
    localPort: number,
  ) {
    this.link = new Link(id, ctx, peerPort, localPort, maxPacketBytes, localTag);
    this.localInitialTsn = localInitialTsn;
    this.lastActivityAt = now;
    const cfg = ctx.cfg;
    this.sender = new Sender(
      localInitialTsn,
      cfg.receiveWindowBytes,
      cfg.outboundStreams,
      maxPacketBytes - DATA_OVERHEAD_BYTES,
    );
  }

  /** Active open (§5.1 step A): INIT sent to the first address, T1-init started. */
  static connect(
    id: AssocId,
    ctx: AssociationContext,
    now: Instant,
    addresses: readonly string[],
    peerPort: number,
    udpPorts: readonly number[],
    localPort: number,
  ): Association {
    const mtu = maxPacketBytesFor(ctx.cfg, addresses[0] ?? '');
    const a = new Association(
      id,
      ctx,
      peerPort,
      now,
      randomTag(ctx.cfg),
      initialTsn(ctx.cfg),
      mtu,
      localPort,
    );
    const candidates = [...new Set(udpPorts)];
    // Paths only to addresses we can send to; if there is none, try the given ones all the same.
    const usable = addresses.filter((ip) => reachable(ctx.cfg, ip));
    for (const ip of usable.length > 0 ? usable : addresses)
      a.link.addPath(ip, candidates[0] ?? ctx.cfg.remoteUdpPort, true);
    a.state = Setup.cookieWait(a.link, a.localInitialTsn, candidates);
    a.setup.sendT1(now);
    return a;
  }

  /** Passive open from a valid State Cookie (§5.1.5). */
  static fromCookie(id: AssocId, ctx: AssociationContext, now: Instant, c: CookieFields): Association {
    const mtu = maxPacketBytesFor(ctx.cfg, c.sourceAddress);
    const a = new Association(id, ctx, c.peerPort, now, c.localTag, c.localInitialTsn, mtu, c.localPort);
    a.state = { kind: 'established' };
    a.link.addPath(c.sourceAddress, c.sourceUdpPort, true);
    for (const ip of c.peerAddresses) if (reachable(ctx.cfg, ip)) a.link.addPath(ip, c.sourceUdpPort, false);
    a.establishFrom(c, now);
    a.link.queueControl(ChunkType.cookieAck, 0, EMPTY);
    a.emitUp(now);
    return a;
  }

  get id(): AssocId {
    return this.link.id;
  }
  get localTag(): number {
    return this.link.localTag;
  }
  get peerPort(): number {
    return this.link.peerPort;
  }
  get localPort(): number {
    return this.link.localPort;
  }
  get paths(): readonly Path[] {
    return this.link.paths;
  }
  get closed(): boolean {
    return this.state.kind === 'closed';
  }

  establishFrom(c: CookieFields, now: Instant): void {
    const cfg = this.link.cfg;
    this.link.peerTag = c.peerTag;
    this.link.localTag = c.localTag;
    this.localInitialTsn = c.localInitialTsn;
    this.inboundStreams = c.inboundStreams;
    this.receiver = new Receiver(
      c.peerInitialTsn,
      cfg.receiveWindowBytes,
      cfg.maxMessageBytes,
      c.inboundStreams,
    );
    this.sender.setPeer(c.peerArwnd, c.outboundStreams);
    this.lastActivityAt = now;
  }

  emitUp(now: Instant): void {
    const link = this.link;
    link.notify({
      kind: 'up',
      localPort: link.localPort,
      peerAddresses: link.peerAddresses,
      peerPort: link.peerPort,
      inboundStreams: this.inboundStreams,
      outboundStreams: this.sender.outboundStreams,
    });
    link.startHeartbeats(now);
  }

  failUnacked(reason: string): void {
    for (const m of this.sender.drainUnacked()) {
      const { ppid, stream, unordered, bytes } = m;
      this.link.notify({ kind: 'sendFailed', ppid, stream, unordered, bytes, reason });
    }
  }

  /** API: ABORT with a User-Initiated Abort cause (§9.1). */
  abort(now: Instant, reason: string): void {
    if (this.closed) return;
    this.link.sendAbort([userAbortCause(reason)]);
    this.close(now, { kind: 'localAbort', reason });
  }

  /** API: graceful shutdown (§9.2). */
  shutdown(now: Instant): void {
    this.shutdowns.start(now);
  }

  close(_now: Instant, cause: LostCause | undefined): void {
    if (this.closed) return;
    this.state = { kind: 'closed' };
    this.failUnacked(cause ? `association ${cause.kind}` : 'association closed');
    this.link.notify(cause ? { kind: 'lost', cause } : { kind: 'shutdownComplete' });
  }

  timeout(now: Instant): void {
    this.close(now, { kind: 'timeout' });
  }

  /** Setup (§5.2) of an INIT for this association; see `Setup.onInit`. */
  onInit(now: Instant, init: InitChunk, from: UdpAddress): void {
    this.setup.onInit(now, init, from);
  }

  /** §5.2.4; see `Setup.onCookieEcho`. */
  onCookieEcho(now: Instant, c: CookieFields, from: UdpAddress, stale: boolean): boolean {
    return this.setup.onCookieEcho(now, c, from, stale);
  }

  nextDeadline(): Instant | undefined {
    return this.timers.nextDeadline();
  }

  /** Every timer due at `now`, in a fixed order; stops once the association closed. */
  onTimer(now: Instant): void {
    const t1 = t1Of(this.state);
    if (t1?.at !== undefined && t1.at <= now) {
      this.setup.onT1(now, t1);
      if (this.closed) return;
    }
    const st = shutdownTimersOf(this.state);
    if (st?.t2At !== undefined && st.t2At <= now && this.shutdowns.onT2(now, st)) return;
    if (st?.t5At !== undefined && st.t5At <= now) {
      this.shutdowns.onT5(now, st);
      return;
    }
    this.timers.onSackTimer(now);
    if (!isUp(this.state)) return;
    if (this.timers.onPathTimers(now) || this.timers.onHeartbeatTimers(now)) return;
    const cfg = this.link.cfg;
    if (
      this.state.kind === 'established' &&
      cfg.autocloseMs > 0 &&
      now >= this.lastActivityAt + cfg.autocloseMs
    ) {
      this.shutdown(now);
    }
  }

  /** Everything queued goes out: control chunks, SACK, retransmissions, new data (bundled). */
  flush(now: Instant): void {
    if (this.closed) return;
    flushAssociation(this, now);
    this.shutdowns.progress(now);
  }

  /** API: a message to send. Returns a reason string when refused (sendFailed is notified). */
  send(
    now: Instant,
    stream: number,
    ppid: number,
    unordered: boolean,
    bytes: Uint8Array,
  ): string | undefined {
    const k = this.state.kind;
    let reason: string | undefined;
    if (k !== 'established' && k !== 'cookieWait' && k !== 'cookieEchoed') reason = `association is ${k}`;
    else if (bytes.length === 0) reason = 'empty message';
    else if (stream >= this.sender.outboundStreams)
      reason = `stream ${stream} >= ${this.sender.outboundStreams}`;
    if (reason) {
      this.link.notify({ kind: 'sendFailed', ppid, stream, unordered, bytes, reason });
      return reason;
    }
    this.sender.enqueue(stream, ppid, unordered, bytes);
    this.lastActivityAt = now;
    return undefined;
  }

  /**
   * A packet demultiplexed to this association (INIT and COOKIE ECHO first chunks are handled
   * before: `skipFirst`). Returns false when it fails the verification-tag rules (§8.5) and is dropped.
   */
  onPacket(now: Instant, packet: Packet, from: UdpAddress, skipFirst: boolean, local?: string): boolean {
    const first = packet.chunks[0]!;
    if (!this.tagAccepted(packet.verificationTag, first, skipFirst)) return false;
    const arrival: Arrival = { now, from, local, path: this.link.pathFor(from.ip), hadData: false };
    this.learnPath(arrival, first);
    for (let i = skipFirst ? 1 : 0; i < packet.chunks.length; i++) {
      if (this.closed) return true;
      const flow = this.dispatch(packet.chunks[i]!, arrival);
      if (flow === 'done') return true;
      if (flow === 'stop') break;
    }
    if (arrival.hadData) this.endOfDataPacket(now);
    return true;
  }

  /** §8.5 and §8.5.1: the verification tag a packet must carry (ABORT / SHUTDOWN COMPLETE may reflect ours). */
  private tagAccepted(vtag: number, first: RawChunk, skipFirst: boolean): boolean {
    const { localTag, peerTag } = this.link;
    if (!skipFirst && (first.type === ChunkType.abort || first.type === ChunkType.shutdownComplete)) {
      return (first.flags & T_BIT) !== 0 ? vtag === peerTag && peerTag !== 0 : vtag === localTag;
    }
    return vtag === localTag;
  }

  /** RFC 6951 §5.4: the remote encapsulation port is learned per path (not from a candidate's ABORT). */
  private learnPath(arrival: Arrival, first: RawChunk): void {
    const { path, from, local } = arrival;
    if (!path) return;
    const fromCandidate =
      this.candidatePorts().includes(from.port) || this.abandonedUdpPorts.includes(from.port);
    if (path.udpPort !== from.port && !(first.type === ChunkType.abort && fromCandidate))
      path.udpPort = from.port;
    if (local !== undefined) path.localIp = local;
  }

  private candidatePorts(): readonly number[] {
    return this.state.kind === 'cookieWait' ? this.state.udpCandidates : [];
  }

  /** One handler per chunk type. */
  private dispatch(c: RawChunk, arr: Arrival): Flow {
    const now = arr.now;
    switch (c.type) {
      case ChunkType.data:
        if (this.transfer.onData(now, c)) arr.hadData = true;
        return 'next';
      case ChunkType.sack:
        this.transfer.onSack(now, c);
        return 'next';
      case ChunkType.heartbeat:
        this.timers.onHeartbeat(c, arr.from, arr.local);
        return 'next';
      case ChunkType.heartbeatAck:
        this.timers.onHeartbeatAck(now, c);
        return 'next';
      case ChunkType.abort:
        return this.onAbort(now, c, arr);
      case ChunkType.initAck:
        this.setup.onInitAck(now, c, arr.from, arr.path);
        arr.path ??= this.link.pathFor(arr.from.ip);
        return 'next';
      case ChunkType.cookieAck:
        this.setup.onCookieAck(now);
        return 'next';
      case ChunkType.error:
        this.setup.onError(now, c);
        return 'next';
      case ChunkType.shutdown:
        this.shutdowns.onShutdown(now, c);
        return 'next';
      case ChunkType.shutdownAck:
        return this.shutdowns.onShutdownAck(now, arr.path) ? 'done' : 'next';
      case ChunkType.shutdownComplete:
        return this.shutdowns.onShutdownComplete(now) ? 'done' : 'next';
      case ChunkType.init:
      case ChunkType.cookieEcho:
      case ChunkType.ecne:
      case ChunkType.cwr:
        return 'next';
      default:
        return this.onUnknownChunk(c);
    }
  }

  /** §3.2: the upper two bits of an unknown chunk type say whether to report it and go on. */
  private onUnknownChunk(c: RawChunk): Flow {
    const action = unknownChunkAction(c.type);
    if (action.report) {
      const w = new ByteWriter(8 + c.value.length);
      w.u8(c.type)
        .u8(c.flags)
        .u16(4 + c.value.length)
        .bytes(c.value.subarray(0, 1000));
      const causes = encodeCauses([{ code: CauseCode.unrecognizedChunkType, info: w.finish() }]);
      this.link.queueControl(ChunkType.error, 0, causes);
    }
    return action.skip ? 'next' : 'stop';
  }

  /** ABORT (§9.1), except one from a UDP port candidate that another endpoint owns (docs/sctp.md). */
  private onAbort(now: Instant, c: RawChunk, arr: Arrival): Flow {
    const s = this.state;
    const port = arr.from.port;
    if (s.kind === 'cookieWait' && s.udpCandidates.length > 1 && s.udpCandidates.includes(port)) {
      // Another endpoint owns that UDP port on the peer's host: wait for the other candidates.
      s.udpCandidates = s.udpCandidates.filter((p) => p !== port);
      return 'done';
    }
    if (this.abandonedUdpPorts.includes(port) && arr.path && arr.path.udpPort !== port) return 'done';
    const causes = decodeCauses(c.value, 'ABORT');
    const list = causes.ok ? causes.value : [];
    const cause: LostCause =
      s.kind === 'cookieWait' || s.kind === 'cookieEchoed'
        ? { kind: 'initFailed' }
        : { kind: 'peerAbort', causes: list, description: list.map(describeCause).join('; ') };
    this.close(now, cause);
    return 'done';
  }

  /** After a packet with DATA: SACK now, with the next packet, or after the delay (§6.2). */
  private endOfDataPacket(now: Instant): void {
    const r = this.receiver;
    if (!r) return;
    const cfg = this.link.cfg;
    r.endOfPacket(cfg.sackFrequency);
    if (this.state.kind === 'shutdownSent') this.shutdowns.onDataWhileShutdownSent(now, this.state.timers, r);
    if (!r.sackNow && this.timers.sackAt === undefined) this.timers.sackAt = now + cfg.sackDelayMs;
  }

  /** A SACK (or a SHUTDOWN's cumulative ack); see `Transfer.applySack`. */
  applySack(now: Instant, s: SackChunk): void {
    this.transfer.applySack(now, s);
  }

  setPrimary(ip: string): boolean {
    return this.link.setPrimary(ip);
  }

  status(): AssociationStatus {
    const link = this.link;
    const p = link.primaryPath;
    return {
      assoc: link.id,
      state: this.state.kind,
      localPort: link.localPort,
      peerPort: link.peerPort,
      peerAddresses: link.peerAddresses,
      primaryAddress: p.ip,
      srttMs: p.srttMs,
      rtoMs: p.rtoMs,
      cwndBytes: p.cwnd,
      peerRwndBytes: this.sender.peerRwnd,
      outstandingBytes: this.sender.outstandingBytes,
      queuedBytes: this.sender.queuedBytes,
      inboundStreams: this.inboundStreams,
      outboundStreams: this.sender.outboundStreams,
      paths: link.paths.map((q, i) => ({
        address: q.ip,
        udpPort: q.udpPort,
        state: q.state,
        primary: i === link.primary,
        srttMs: q.srttMs,
        rtoMs: q.rtoMs,
        cwndBytes: q.cwnd,
        ssthreshBytes: q.ssthresh,
        flightBytes: q.flight,
      })),
    };
  }
}
