/**
 * One SCTP association (RFC 9260 §4): creation (active open, or from a State Cookie), packet
 * dispatch with the verification-tag rules (§8.5), DATA and SACK (§6), bundling on transmission.
 * The other concerns are its base classes (association-core, setup, shutdown, timers).
 * Output goes to `ctx.out`; nothing here throws on input.
 */
import { ByteWriter } from '../../base/bytes.js';
import type { Instant } from '../../base/time.js';
import { maxPacketBytesFor, reachable } from '../config.js';
import type { AssocId, LostCause, UdpAddress } from '../types.js';
import { CauseCode, ChunkType, T_BIT, unknownChunkAction } from '../wire/chunk-types.js';
import {
  decodeCauses,
  decodeData,
  decodeHeartbeat,
  decodeSack,
  describeCause,
  EMPTY,
  encodeCauses,
  encodeSack,
  encodeShutdown,
} from '../wire/chunks.js';
import { type Packet, PacketBuilder, type RawChunk, singleChunkPacket } from '../wire/packet.js';
import { type AssociationContext, ESTABLISHED_LIKE } from './association-core.js';
import type { CookieFields } from './cookie.js';
import { initialTsn, initValue, randomTag } from './handshake.js';
import type { Path } from './path.js';
import type { InboundMessage } from './reassembly.js';
import { AssociationTimers } from './timers.js';

export type { AssociationContext } from './association-core.js';

export class Association extends AssociationTimers {
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
    const a = new Association(
      id,
      ctx,
      peerPort,
      now,
      'cookieWait',
      randomTag(ctx.cfg),
      initialTsn(ctx.cfg),
      maxPacketBytesFor(ctx.cfg, addresses[0] ?? ''),
      localPort,
    );
    a.udpCandidates = [...new Set(udpPorts)];
    // Paths only to addresses we can send to; if there is none, try the given ones all the same.
    const usable = addresses.filter((ip) => reachable(ctx.cfg, ip));
    for (const ip of usable.length > 0 ? usable : addresses)
      a.addPath(ip, a.udpCandidates[0] ?? ctx.cfg.remoteUdpPort, true);
    a.t1Chunk = { type: ChunkType.init, flags: 0, value: initValue(ctx.cfg, a.localTag, a.localInitialTsn) };
    a.sendT1(now);
    return a;
  }

  /** Passive open from a valid State Cookie (§5.1.5). */
  static fromCookie(id: AssocId, ctx: AssociationContext, now: Instant, c: CookieFields): Association {
    const a = new Association(
      id,
      ctx,
      c.peerPort,
      now,
      'established',
      c.localTag,
      c.localInitialTsn,
      maxPacketBytesFor(ctx.cfg, c.sourceAddress),
      c.localPort,
    );
    a.addPath(c.sourceAddress, c.sourceUdpPort, true);
    for (const ip of c.peerAddresses) if (reachable(ctx.cfg, ip)) a.addPath(ip, c.sourceUdpPort, false);
    a.establishFrom(c, now);
    a.queueControl(ChunkType.cookieAck, 0, EMPTY);
    a.emitUp(now);
    return a;
  }

  /** Everything queued goes out: control chunks, SACK, retransmissions, new data (bundled). */
  flush(now: Instant): void {
    if (this.state === 'closed') return;
    const cfg = this.cfg;
    let b: PacketBuilder | undefined;
    let bPath: Path | undefined;
    const tag = this.peerTag;
    const close = (): void => {
      if (b && bPath && !b.empty) this.transmit(bPath, b.finish());
      b = undefined;
    };
    const open = (path: Path): PacketBuilder => {
      if (b && bPath === path) return b;
      close();
      bPath = path;
      b = new PacketBuilder(this.maxPacketBytes, this.localPort, this.peerPort, tag, this.scratch());
      return b;
    };
    const primary = this.dataPath();
    if (this.control.length > 0) {
      for (const c of this.control) {
        let pb = open(primary);
        if (!pb.fits(c.value.length)) {
          close();
          pb = open(primary);
          if (!pb.fits(c.value.length)) continue;
        }
        pb.chunk(c.type, c.flags, c.value);
      }
      this.control = [];
    }
    if (!ESTABLISHED_LIKE.has(this.state)) {
      close();
      return;
    }
    const r = this.receiver;
    if (r && (r.sackNow || (r.sackPending && this.sender.wouldSend(primary)))) {
      const value = encodeSack(r.buildSack(Math.max(4, Math.min(100, (this.maxPacketBytes - 200) >> 2))));
      const pb = open(primary);
      if (!pb.fits(value.length)) close();
      open(primary).chunk(ChunkType.sack, 0, value);
      this.sackAt = undefined;
    }
    if (
      this.state === 'established' ||
      this.state === 'shutdownPending' ||
      this.state === 'shutdownReceived'
    ) {
      this.sender.fill(now, primary, this.rtxPath(), { open, close }, cfg.maxBurst);
    } else if (this.state === 'shutdownSent' || this.state === 'shutdownAckSent') {
      this.sender.fill(now, primary, this.rtxPath(), { open, close }, cfg.maxBurst);
    }
    close();
    // DATA sent now (re)arms the tail loss probe of its path, unless a probe is still unanswered.
    for (const p of this.paths) {
      if (p.lastSendAt === now && !p.probeSent)
        p.probeAt = this.sender.probeDeadline(p, now, this.maxPacketBytes);
    }
    this.checkShutdownProgress(now);
  }

  /** API: a message to send. Returns a reason string when refused (sendFailed is notified). */
  send(
    now: Instant,
    stream: number,
    ppid: number,
    unordered: boolean,
    bytes: Uint8Array,
  ): string | undefined {
    let reason: string | undefined;
    if (this.state !== 'established' && this.state !== 'cookieWait' && this.state !== 'cookieEchoed') {
      reason = `association is ${this.state}`;
    } else if (bytes.length === 0) reason = 'empty message';
    else if (stream >= this.sender.outboundStreams)
      reason = `stream ${stream} >= ${this.sender.outboundStreams}`;
    if (reason) {
      this.notify({ kind: 'sendFailed', ppid, stream, unordered, bytes, reason });
      return reason;
    }
    this.sender.enqueue(stream, ppid, unordered, bytes);
    this.lastActivityAt = now;
    return undefined;
  }

  /** A packet demultiplexed to this association (INIT and COOKIE ECHO first chunks are handled before). */
  /** Returns false when the packet fails the verification-tag rules (§8.5) and is dropped. */
  onPacket(now: Instant, packet: Packet, from: UdpAddress, skipFirst: boolean, local?: string): boolean {
    const first = packet.chunks[0]!;
    const vtag = packet.verificationTag;
    if (!skipFirst) {
      if (first.type === ChunkType.abort || first.type === ChunkType.shutdownComplete) {
        const t = (first.flags & T_BIT) !== 0;
        if (!(t ? vtag === this.peerTag && this.peerTag !== 0 : vtag === this.localTag)) return false;
      } else if (vtag !== this.localTag) {
        return false;
      }
    } else if (vtag !== this.localTag) return false;
    let path = this.pathFor(from.ip);
    const fromCandidate =
      this.udpCandidates.includes(from.port) || this.abandonedUdpPorts.includes(from.port);
    if (path && path.udpPort !== from.port && !(first.type === ChunkType.abort && fromCandidate)) {
      path.udpPort = from.port; // RFC 6951 §5.4: the remote encapsulation port is learned per path.
    }
    if (path && local !== undefined) path.localIp = local;
    let hadData = false;
    for (let i = skipFirst ? 1 : 0; i < packet.chunks.length; i++) {
      if (this.state === 'closed') return true;
      const c = packet.chunks[i]!;
      switch (c.type) {
        case ChunkType.data:
          if (this.onData(now, c)) hadData = true;
          break;
        case ChunkType.sack:
          this.onSack(now, c);
          break;
        case ChunkType.heartbeat: {
          const hb = decodeHeartbeat(c.value);
          if (hb.ok) {
            // §8.3: the HEARTBEAT ACK goes back to the source of the HEARTBEAT, from where it arrived.
            const pkt = singleChunkPacket(
              this.localPort,
              this.peerPort,
              this.peerTag,
              ChunkType.heartbeatAck,
              0,
              c.value,
            );
            this.ctx.out.push(
              local !== undefined
                ? { kind: 'transmit', to: from, from: local, bytes: pkt }
                : { kind: 'transmit', to: from, bytes: pkt },
            );
          }
          break;
        }
        case ChunkType.heartbeatAck:
          this.onHeartbeatAck(now, c);
          break;
        case ChunkType.abort: {
          if (
            this.state === 'cookieWait' &&
            this.udpCandidates.length > 1 &&
            this.udpCandidates.includes(from.port)
          ) {
            // Another endpoint owns that UDP port on the peer's host: wait for the other candidates.
            this.udpCandidates = this.udpCandidates.filter((p) => p !== from.port);
            return true;
          }
          if (this.abandonedUdpPorts.includes(from.port) && path && path.udpPort !== from.port) return true;
          const causes = decodeCauses(c.value, 'ABORT');
          const list = causes.ok ? causes.value : [];
          const cause: LostCause =
            this.state === 'cookieWait' || this.state === 'cookieEchoed'
              ? { kind: 'initFailed' }
              : { kind: 'peerAbort', causes: list, description: list.map(describeCause).join('; ') };
          this.close(now, cause);
          return true;
        }
        case ChunkType.initAck:
          if (this.state === 'cookieWait') {
            this.abandonedUdpPorts = this.udpCandidates.filter((p) => p !== from.port);
            this.udpCandidates = [];
            if (!path) path = this.addPath(from.ip, from.port, true);
            this.onInitAck(now, c, from);
          }
          break;
        case ChunkType.cookieAck:
          if (this.state === 'cookieEchoed') {
            this.state = 'established';
            this.t1At = undefined;
            this.t1Chunk = undefined;
            this.emitUp(now);
          }
          break;
        case ChunkType.error:
          this.onError(now, c);
          break;
        case ChunkType.shutdown:
          this.onShutdown(now, c);
          break;
        case ChunkType.shutdownAck:
          if (this.state === 'shutdownSent' || this.state === 'shutdownAckSent') {
            const pkt = singleChunkPacket(
              this.localPort,
              this.peerPort,
              this.peerTag,
              ChunkType.shutdownComplete,
              0,
              EMPTY,
            );
            this.transmit(path ?? this.primaryPath, pkt);
            this.close(now, undefined);
            return true;
          }
          break;
        case ChunkType.shutdownComplete:
          if (this.state === 'shutdownAckSent') {
            this.close(now, undefined);
            return true;
          }
          break;
        case ChunkType.init:
        case ChunkType.cookieEcho:
        case ChunkType.ecne:
        case ChunkType.cwr:
          break;
        default: {
          const action = unknownChunkAction(c.type);
          if (action.report) this.reportUnknownChunk(c);
          if (!action.skip) i = packet.chunks.length;
        }
      }
    }
    if (hadData && this.receiver) {
      this.receiver.endOfPacket(this.cfg.sackFrequency);
      if (this.state === 'shutdownSent') {
        this.receiver.sackNow = true;
        this.queueControl(ChunkType.shutdown, 0, encodeShutdown(this.receiver.cumTsn));
        this.t2At = now + this.primaryPath.rtoMs;
      }
      if (!this.receiver.sackNow && this.sackAt === undefined) this.sackAt = now + this.cfg.sackDelayMs;
    }
    return true;
  }

  protected reportUnknownChunk(c: RawChunk): void {
    const w = new ByteWriter(8 + c.value.length);
    w.u8(c.type)
      .u8(c.flags)
      .u16(4 + c.value.length)
      .bytes(c.value.subarray(0, 1000));
    this.queueControl(
      ChunkType.error,
      0,
      encodeCauses([{ code: CauseCode.unrecognizedChunkType, info: w.finish() }]),
    );
  }

  /** Turns a reassembled message into a `deliver` action (one closure per association). */
  private readonly deliver = (m: InboundMessage): void => {
    this.ctx.out.push({
      kind: 'deliver',
      assoc: this.id,
      ppid: m.ppid,
      stream: m.stream,
      unordered: m.unordered,
      bytes: m.bytes,
    });
  };

  protected onData(now: Instant, c: RawChunk): boolean {
    const r = this.receiver;
    if (!r || !ESTABLISHED_LIKE.has(this.state) || this.state === 'shutdownAckSent') return false;
    const d = decodeData(c.flags, c.value);
    if (!d.ok) return false;
    this.lastActivityAt = now;
    const verdict = r.onData(d.value, this.deliver);
    if (verdict === 'noUserData') {
      this.sendAbort([{ code: CauseCode.noUserData, info: c.value.subarray(0, 4).slice() }]);
      this.close(now, { kind: 'localAbort', reason: 'DATA chunk without user data' });
      return false;
    }
    if (verdict === 'tooLarge') {
      this.sendAbort([{ code: CauseCode.outOfResource, info: EMPTY }]);
      this.close(now, { kind: 'localAbort', reason: 'message larger than maxMessageBytes' });
      return false;
    }
    if (verdict === 'invalidStream') {
      const info = new Uint8Array(4);
      info[0] = d.value.stream >> 8;
      info[1] = d.value.stream & 0xff;
      this.queueControl(
        ChunkType.error,
        0,
        encodeCauses([{ code: CauseCode.invalidStreamIdentifier, info }]),
      );
    }
    return true;
  }

  protected onSack(now: Instant, c: RawChunk): void {
    if (!ESTABLISHED_LIKE.has(this.state)) return;
    const s = decodeSack(c.value);
    if (!s.ok) return;
    this.applySack(now, s.value);
  }
}
