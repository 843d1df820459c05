import type { Instant } from '../../base/time.js';
import { reachable } from '../config.js';
import type { UdpAddress } from '../types.js';
import { CauseCode, ChunkType } from '../wire/chunk-types.js';
import {
  decodeCauses,
  decodeInit,
  EMPTY,
  encodeCauses,
  type InitChunk,
  protocolViolationCause,
} from '../wire/chunks.js';
import { type RawChunk, singleChunkPacket } from '../wire/packet.js';
import { AssociationCore, ESTABLISHED_LIKE } from './association-core.js';
import type { CookieFields } from './cookie.js';
import { initAckPacket, initialTsn, initValue, peerAddressesOf, randomTag } from './handshake.js';
import { Receiver } from './receiver.js';
import { Sender } from './sender.js';

export abstract class AssociationSetup extends AssociationCore {
  /** §5.2.1, §5.2.2, §9.2: an INIT for this association (packet verification tag 0). */
  onInit(now: Instant, init: InitChunk, from: UdpAddress): void {
    const cfg = this.cfg;
    const path = this.pathFor(from.ip);
    if (this.state === 'shutdownAckSent') {
      this.transmit(path ?? this.primaryPath, this.shutdownAckPacket());
      return;
    }
    const incoming = peerAddressesOf(init, from.ip);
    const added = incoming.filter((a) => !this.pathFor(a));
    if (added.length > 0 && this.state !== 'cookieWait') {
      // New addresses in a restart: ABORT with the INIT's tag (§5.2.2).
      const info = new TextEncoder().encode(added.join(','));
      const bytes = singleChunkPacket(
        this.localPort,
        this.peerPort,
        init.initiateTag,
        ChunkType.abort,
        0,
        encodeCauses([{ code: CauseCode.restartWithNewAddresses, info }]),
      );
      this.ctx.out.push({ kind: 'transmit', to: from, bytes });
      return;
    }
    let tags: { localTag: number; localInitialTsn: number; localTieTag: number; peerTieTag: number };
    if (this.state === 'cookieWait') {
      tags = {
        localTag: this.localTag,
        localInitialTsn: this.localInitialTsn,
        localTieTag: 0,
        peerTieTag: 0,
      };
    } else if (this.state === 'cookieEchoed') {
      tags = {
        localTag: this.localTag,
        localInitialTsn: this.localInitialTsn,
        localTieTag: this.localTag,
        peerTieTag: this.peerTag,
      };
    } else {
      tags = {
        localTag: randomTag(cfg),
        localInitialTsn: initialTsn(cfg),
        localTieTag: this.localTag,
        peerTieTag: this.peerTag,
      };
    }
    this.ctx.out.push({
      kind: 'transmit',
      to: from,
      bytes: initAckPacket(cfg, now, init, from, this.peerPort, tags, this.localPort),
    });
  }

  /**
   * §5.2.4: a valid COOKIE ECHO while this association exists. Returns false when the cookie is
   * to be discarded (the rest of the packet with it).
   */
  onCookieEcho(now: Instant, c: CookieFields, from: UdpAddress, stale: boolean): boolean {
    const L = this.localTag;
    const P = this.peerTag;
    if (stale && !(c.localTag === L && c.peerTag === P)) return false;
    const path = this.pathFor(from.ip);
    if (c.localTag !== L && c.peerTag !== P && c.localTieTag === L && c.peerTieTag === P) {
      // (A) peer restart.
      if (this.state === 'shutdownAckSent') {
        this.transmit(path ?? this.primaryPath, this.shutdownAckPacket());
        const err = singleChunkPacket(
          this.localPort,
          this.peerPort,
          c.peerTag,
          ChunkType.error,
          0,
          encodeCauses([{ code: CauseCode.cookieWhileShuttingDown, info: EMPTY }]),
        );
        this.transmit(path ?? this.primaryPath, err);
        return false;
      }
      for (const m of this.sender.drainUnacked()) {
        this.notify({
          kind: 'sendFailed',
          ppid: m.ppid,
          stream: m.stream,
          unordered: m.unordered,
          bytes: m.bytes,
          reason: 'peer restarted',
        });
      }
      this.sender = new Sender(c.localInitialTsn, c.peerArwnd, c.outboundStreams, this.maxPacketBytes - 28);
      this.establishFrom(c, now);
      this.tagChanged = true;
      for (const p of this.paths) {
        p.resetCongestion();
        p.errorCount = 0;
        p.t3At = undefined;
        p.heartbeatSentAt = undefined;
      }
      if (path) path.udpPort = from.port;
      this.errorCount = 0;
      this.t1At = this.t2At = this.t5At = undefined;
      this.state = 'established';
      this.queueControl(ChunkType.cookieAck, 0, EMPTY);
      this.notify({ kind: 'restart', peerAddresses: this.peerAddresses });
      return true;
    }
    if (c.localTag === L && c.peerTag !== P) {
      // (B) initialization collision.
      const wasUp = ESTABLISHED_LIKE.has(this.state);
      if (!wasUp) {
        this.establishFrom(c, now);
        this.state = 'established';
        this.t1At = undefined;
        this.t1Chunk = undefined;
        this.queueControl(ChunkType.cookieAck, 0, EMPTY);
        this.emitUp(now);
      } else {
        this.peerTag = c.peerTag;
        this.queueControl(ChunkType.cookieAck, 0, EMPTY);
      }
      return true;
    }
    if (c.localTag !== L && c.peerTag === P && c.localTieTag === 0 && c.peerTieTag === 0) return false; // (C)
    if (c.localTag === L && c.peerTag === P) {
      // (D)
      if (this.state === 'cookieEchoed' || this.state === 'cookieWait') {
        this.establishFrom(c, now);
        this.state = 'established';
        this.t1At = undefined;
        this.t1Chunk = undefined;
        this.queueControl(ChunkType.cookieAck, 0, EMPTY);
        this.emitUp(now);
      } else {
        this.queueControl(ChunkType.cookieAck, 0, EMPTY);
      }
      return true;
    }
    return false;
  }

  protected onInitAck(now: Instant, c: RawChunk, from: UdpAddress): void {
    const r = decodeInit(c.value, 'INIT ACK');
    if (!r.ok || !r.value.params.cookie) {
      this.sendAbort([protocolViolationCause(r.ok ? 'no State Cookie' : r.error.reason)]);
      this.close(now, { kind: 'initFailed' });
      return;
    }
    const ia = r.value;
    const cookie = r.value.params.cookie;
    const cfg = this.cfg;
    this.peerTag = ia.initiateTag;
    this.inboundStreams = Math.min(cfg.inboundStreams, ia.outboundStreams);
    this.receiver = new Receiver(
      ia.initialTsn,
      cfg.receiveWindowBytes,
      cfg.maxMessageBytes,
      this.inboundStreams,
    );
    this.sender.setPeer(ia.arwnd, Math.min(cfg.outboundStreams, ia.inboundStreams));
    for (const ip of [...ia.params.ipv4, ...ia.params.ipv6])
      if (reachable(cfg, ip)) this.addPath(ip, from.port, false);
    const src = this.pathFor(from.ip);
    if (src) {
      src.state = 'active';
      this.primary = this.paths.indexOf(src);
    }
    this.state = 'cookieEchoed';
    this.t1Chunk = { type: ChunkType.cookieEcho, flags: 0, value: cookie.slice() };
    this.t1Count = 0;
    this.sendT1(now);
    if (ia.params.unrecognized.length > 0) {
      // §3.3.3: report the INIT ACK's unrecognized parameters (each cause carries one parameter).
      const causes = ia.params.unrecognized.map((u) => ({ code: CauseCode.unrecognizedParameters, info: u }));
      this.transmit(
        this.primaryPath,
        singleChunkPacket(
          this.localPort,
          this.peerPort,
          this.peerTag,
          ChunkType.error,
          0,
          encodeCauses(causes),
        ),
      );
    }
  }

  protected onError(now: Instant, c: RawChunk): void {
    const causes = decodeCauses(c.value);
    if (!causes.ok) return;
    for (const cause of causes.value) {
      if (cause.code === CauseCode.staleCookie && this.state === 'cookieEchoed') {
        // §5.2.6: start over with a new INIT asking for a longer cookie life (Cookie Preservative).
        const stalenessUs =
          cause.info.length >= 4 ? new DataView(cause.info.buffer, cause.info.byteOffset, 4).getUint32(0) : 0;
        const preservativeMs = Math.ceil(stalenessUs / 1000) + this.primaryPath.rtoMs;
        this.state = 'cookieWait';
        this.peerTag = 0;
        this.t1Chunk = {
          type: ChunkType.init,
          flags: 0,
          value: initValue(this.cfg, this.localTag, this.localInitialTsn, preservativeMs),
        };
        if (++this.t1Count > this.cfg.maxInitRetransmits) {
          this.close(now, { kind: 'initFailed' });
          return;
        }
        this.sendT1(now);
      }
    }
  }
}
