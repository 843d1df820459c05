/**
 * One SCTP association (RFC 9260 §4): the state machine, verification-tag rules (§8.5), the
 * handshake from the initiator's side and duplicate-setup handling (§5.2), DATA and SACK through
 * `Sender`/`Receiver`, timers (T1, T2, T3, T5, delayed SACK, heartbeat, autoclose), fault
 * management (§8) and termination (§9). Output goes to `ctx.out`; nothing here throws on input.
 */
import { ByteWriter } from '../../base/bytes.js';
import type { Instant } from '../../base/time.js';
import { maxPacketBytesFor, type SctpConfig } from '../config.js';
import type {
  AssocId,
  AssociationState,
  AssociationStatus,
  LostCause,
  SctpAction,
  SctpEvent,
  UdpAddress,
} from '../types.js';
import { CauseCode, ChunkType, T_BIT, unknownChunkAction } from '../wire/chunk-types.js';
import {
  decodeCauses,
  decodeData,
  decodeHeartbeat,
  decodeInit,
  decodeSack,
  decodeShutdown,
  describeCause,
  EMPTY,
  type ErrorCause,
  encodeCauses,
  encodeHeartbeat,
  encodeSack,
  encodeShutdown,
  type InitChunk,
  protocolViolationCause,
  type SackChunk,
  userAbortCause,
} from '../wire/chunks.js';
import {
  type Packet,
  PacketBuilder,
  PacketScratch,
  type RawChunk,
  singleChunkPacket,
} from '../wire/packet.js';
import type { CookieFields } from './cookie.js';
import { initAckPacket, initialTsn, initValue, peerAddressesOf, randomTag } from './handshake.js';
import { Path } from './path.js';
import { Receiver } from './receiver.js';
import { Sender } from './sender.js';

export interface AssociationContext {
  readonly cfg: SctpConfig;
  /** Where actions go; the endpoint swaps it per input. */
  out: SctpAction[];
  scratch?: PacketScratch;
}

interface Control {
  readonly type: number;
  readonly flags: number;
  readonly value: Uint8Array;
}

const ESTABLISHED_LIKE = new Set<AssociationState>([
  'established',
  'shutdownPending',
  'shutdownSent',
  'shutdownReceived',
  'shutdownAckSent',
]);

export class Association {
  state: AssociationState;
  localTag: number;
  peerTag = 0;
  localInitialTsn: number;
  readonly paths: Path[] = [];
  primary = 0;
  sender: Sender;
  receiver: Receiver | undefined;
  inboundStreams = 0;
  errorCount = 0;
  private t1At: Instant | undefined;
  private t1Count = 0;
  private t1Chunk: Control | undefined;
  private t2At: Instant | undefined;
  private t5At: Instant | undefined;
  private sackAt: Instant | undefined;
  private lastActivityAt: Instant;
  private control: Control[] = [];
  private closeRequested = false;
  /** Set by the endpoint when the association must be re-keyed (restart changed the local tag). */
  tagChanged = false;

  constructor(
    readonly id: AssocId,
    private readonly ctx: AssociationContext,
    readonly peerPort: number,
    now: Instant,
    state: AssociationState,
    localTag: number,
    localInitialTsn: number,
    readonly maxPacketBytes: number,
  ) {
    this.state = state;
    this.localTag = localTag;
    this.localInitialTsn = localInitialTsn;
    this.lastActivityAt = now;
    const cfg = ctx.cfg;
    this.sender = new Sender(
      localInitialTsn,
      cfg.receiveWindowBytes,
      cfg.outboundStreams,
      maxPacketBytes - 28,
    );
  }

  /** The endpoint's packet assembly buffer (flushes never nest). */
  private scratch(): PacketScratch {
    const s = this.ctx.scratch;
    if (s && s.buf.length >= this.maxPacketBytes) return s;
    const fresh = new PacketScratch(Math.max(this.maxPacketBytes, s?.buf.length ?? 0));
    this.ctx.scratch = fresh;
    return fresh;
  }

  private get cfg(): SctpConfig {
    return this.ctx.cfg;
  }

  // ------------------------------------------------------------------ creation

  /** Active open (§5.1 step A): INIT sent to the first address, T1-init started. */
  static connect(
    id: AssocId,
    ctx: AssociationContext,
    now: Instant,
    addresses: readonly string[],
    peerPort: number,
    udpPort: number,
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
    );
    for (const ip of addresses) a.addPath(ip, udpPort, true);
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
    );
    a.addPath(c.sourceAddress, c.sourceUdpPort, true);
    for (const ip of c.peerAddresses) a.addPath(ip, c.sourceUdpPort, false);
    a.establishFrom(c, now);
    a.queueControl(ChunkType.cookieAck, 0, EMPTY);
    a.emitUp(now);
    return a;
  }

  private establishFrom(c: CookieFields, now: Instant): void {
    this.peerTag = c.peerTag;
    this.localTag = c.localTag;
    this.localInitialTsn = c.localInitialTsn;
    this.inboundStreams = c.inboundStreams;
    this.receiver = new Receiver(
      c.peerInitialTsn,
      this.cfg.receiveWindowBytes,
      this.cfg.maxMessageBytes,
      c.inboundStreams,
    );
    this.sender.setPeer(c.peerArwnd, c.outboundStreams);
    this.lastActivityAt = now;
  }

  addPath(ip: string, udpPort: number, confirmed: boolean): Path {
    const existing = this.paths.find((p) => p.ip === ip);
    if (existing) return existing;
    const p = new Path(ip, udpPort, this.cfg, this.maxPacketBytes, confirmed);
    this.paths.push(p);
    return p;
  }

  pathFor(ip: string): Path | undefined {
    for (const p of this.paths) if (p.ip === ip) return p;
    return undefined;
  }

  get peerAddresses(): string[] {
    return this.paths.map((p) => p.ip);
  }

  // ------------------------------------------------------------------ output helpers

  private notify(event: SctpEvent): void {
    this.ctx.out.push({ kind: 'notify', assoc: this.id, event });
  }

  private emitUp(now: Instant): void {
    this.notify({
      kind: 'up',
      peerAddresses: this.peerAddresses,
      peerPort: this.peerPort,
      inboundStreams: this.inboundStreams,
      outboundStreams: this.sender.outboundStreams,
    });
    const cfg = this.cfg;
    for (const p of this.paths) {
      p.heartbeatAt = p.state === 'unconfirmed' ? now : now + cfg.heartbeatIntervalMs + this.jitter(p);
    }
  }

  private jitter(p: Path): number {
    return p.rtoMs * (this.cfg.random.float() - 0.5) + p.rtoMs;
  }

  private queueControl(type: number, flags: number, value: Uint8Array): void {
    if (this.control.length < 64) this.control.push({ type, flags, value });
  }

  private transmit(path: Path, bytes: Uint8Array): void {
    this.ctx.out.push({ kind: 'transmit', to: { ip: path.ip, port: path.udpPort }, bytes });
  }

  private get primaryPath(): Path {
    return this.paths[this.primary]!;
  }

  /** The path for new data: the primary if active, else the first active one (§6.4). */
  private dataPath(): Path {
    const p = this.primaryPath;
    if (p.state === 'active') return p;
    return this.paths.find((q) => q.state === 'active') ?? p;
  }

  /** §6.4.1: retransmit to an active alternate destination if there is one. */
  private rtxPath(): Path {
    const d = this.dataPath();
    if (this.paths.length === 1) return d;
    const alternate = this.paths.find((q) => q !== d && q.state === 'active');
    return alternate ?? d;
  }

  private sendT1(now: Instant): void {
    const c = this.t1Chunk;
    if (!c) return;
    const path = this.paths[this.t1Count % this.paths.length] ?? this.primaryPath;
    const tag = c.type === ChunkType.init ? 0 : this.peerTag;
    this.transmit(path, singleChunkPacket(this.cfg.port, this.peerPort, tag, c.type, c.flags, c.value));
    this.t1At = now + this.primaryPath.rtoMs;
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
      b = new PacketBuilder(this.maxPacketBytes, cfg.port, this.peerPort, tag, this.scratch());
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
    this.checkShutdownProgress(now);
  }

  // ------------------------------------------------------------------ inputs

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

  /** API: graceful shutdown (§9.2). */
  shutdown(now: Instant): void {
    if (this.state === 'cookieWait' || this.state === 'cookieEchoed') {
      this.abort(now, 'shutdown before established');
      return;
    }
    if (this.state !== 'established') return;
    this.state = 'shutdownPending';
    this.closeRequested = true;
    this.checkShutdownProgress(now);
  }

  /** API: ABORT with a User-Initiated Abort cause (§9.1). */
  abort(now: Instant, reason: string): void {
    if (this.state === 'closed') return;
    this.sendAbort([userAbortCause(reason)]);
    this.close(now, { kind: 'localAbort', reason });
  }

  private sendAbort(causes: ErrorCause[]): void {
    const known = this.peerTag !== 0;
    const bytes = singleChunkPacket(
      this.cfg.port,
      this.peerPort,
      known ? this.peerTag : this.localTag,
      ChunkType.abort,
      known ? 0 : T_BIT,
      encodeCauses(causes),
    );
    this.transmit(this.primaryPath, bytes);
  }

  private close(_now: Instant, cause: LostCause | undefined): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const m of this.sender.drainUnacked()) {
      this.notify({
        kind: 'sendFailed',
        ppid: m.ppid,
        stream: m.stream,
        unordered: m.unordered,
        bytes: m.bytes,
        reason: cause ? `association ${cause.kind}` : 'association closed',
      });
    }
    this.notify(cause ? { kind: 'lost', cause } : { kind: 'shutdownComplete' });
  }

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
        cfg.port,
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
      bytes: initAckPacket(cfg, now, init, from, this.peerPort, tags),
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
          this.cfg.port,
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
      this.closeRequested = false;
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

  /** A packet demultiplexed to this association (INIT and COOKIE ECHO first chunks are handled before). */
  onPacket(now: Instant, packet: Packet, from: UdpAddress, skipFirst: boolean): void {
    const first = packet.chunks[0]!;
    const vtag = packet.verificationTag;
    if (!skipFirst) {
      if (first.type === ChunkType.abort || first.type === ChunkType.shutdownComplete) {
        const t = (first.flags & T_BIT) !== 0;
        if (!(t ? vtag === this.peerTag && this.peerTag !== 0 : vtag === this.localTag)) return;
      } else if (vtag !== this.localTag) {
        return;
      }
    } else if (vtag !== this.localTag) return;
    let path = this.pathFor(from.ip);
    if (path && path.udpPort !== from.port) path.udpPort = from.port; // RFC 6951 §5.4
    let hadData = false;
    for (let i = skipFirst ? 1 : 0; i < packet.chunks.length; i++) {
      if (this.state === 'closed') return;
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
            const target = path ?? this.primaryPath;
            const pkt = singleChunkPacket(
              this.cfg.port,
              this.peerPort,
              this.peerTag,
              ChunkType.heartbeatAck,
              0,
              c.value,
            );
            this.ctx.out.push({ kind: 'transmit', to: { ip: target.ip, port: from.port }, bytes: pkt });
          }
          break;
        }
        case ChunkType.heartbeatAck:
          this.onHeartbeatAck(now, c);
          break;
        case ChunkType.abort: {
          const causes = decodeCauses(c.value, 'ABORT');
          const list = causes.ok ? causes.value : [];
          const cause: LostCause =
            this.state === 'cookieWait' || this.state === 'cookieEchoed'
              ? { kind: 'initFailed' }
              : { kind: 'peerAbort', causes: list, description: list.map(describeCause).join('; ') };
          this.close(now, cause);
          return;
        }
        case ChunkType.initAck:
          if (this.state === 'cookieWait') {
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
              this.cfg.port,
              this.peerPort,
              this.peerTag,
              ChunkType.shutdownComplete,
              0,
              EMPTY,
            );
            this.transmit(path ?? this.primaryPath, pkt);
            this.close(now, undefined);
            return;
          }
          break;
        case ChunkType.shutdownComplete:
          if (this.state === 'shutdownAckSent') {
            this.close(now, undefined);
            return;
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
  }

  private reportUnknownChunk(c: RawChunk): void {
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

  private onInitAck(now: Instant, c: RawChunk, from: UdpAddress): void {
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
    for (const ip of [...ia.params.ipv4, ...ia.params.ipv6]) this.addPath(ip, from.port, false);
    const src = this.pathFor(from.ip);
    if (src) {
      src.state = 'active';
      this.primary = this.paths.indexOf(src);
    }
    this.state = 'cookieEchoed';
    this.t1Chunk = { type: ChunkType.cookieEcho, flags: 0, value: cookie.slice() };
    this.t1Count = 0;
    this.sendT1(now);
  }

  private onError(now: Instant, c: RawChunk): void {
    const causes = decodeCauses(c.value);
    if (!causes.ok) return;
    for (const cause of causes.value) {
      if (cause.code === CauseCode.staleCookie && this.state === 'cookieEchoed') {
        // §5.2.6: start over with a new INIT (the stale cookie's tags are abandoned).
        this.state = 'cookieWait';
        this.peerTag = 0;
        this.t1Chunk = {
          type: ChunkType.init,
          flags: 0,
          value: initValue(this.cfg, this.localTag, this.localInitialTsn),
        };
        if (++this.t1Count > this.cfg.maxInitRetransmits) {
          this.close(now, { kind: 'initFailed' });
          return;
        }
        this.sendT1(now);
      }
    }
  }

  private onData(now: Instant, c: RawChunk): boolean {
    const r = this.receiver;
    if (!r || !ESTABLISHED_LIKE.has(this.state) || this.state === 'shutdownAckSent') return false;
    const d = decodeData(c.flags, c.value);
    if (!d.ok) return false;
    this.lastActivityAt = now;
    const verdict = r.onData(d.value, (m) =>
      this.ctx.out.push({
        kind: 'deliver',
        assoc: this.id,
        ppid: m.ppid,
        stream: m.stream,
        unordered: m.unordered,
        bytes: m.bytes,
      }),
    );
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

  private onSack(now: Instant, c: RawChunk): void {
    if (!ESTABLISHED_LIKE.has(this.state)) return;
    const s = decodeSack(c.value);
    if (!s.ok) return;
    this.applySack(now, s.value);
  }

  private applySack(now: Instant, s: SackChunk): void {
    const o = this.sender.onSack(s, now, this.maxPacketBytes);
    if (o.violation) {
      this.sendAbort([protocolViolationCause('SACK acknowledges a TSN not sent')]);
      this.close(now, { kind: 'localAbort', reason: 'protocol violation: SACK beyond last TSN sent' });
      return;
    }
    if (o.ignored) return;
    if (o.ackedPaths.size > 0) {
      this.errorCount = 0;
      for (const p of o.ackedPaths) this.pathHeard(p);
    }
    // §6.3.2 R2/R3.
    for (const p of this.paths) {
      if (p.flight === 0) p.t3At = undefined;
      else if (o.cumAdvanced) p.t3At = now + p.rtoMs;
    }
  }

  private pathHeard(p: Path): void {
    p.errorCount = 0;
    if (p.state === 'inactive') {
      p.state = 'active';
      this.notify({ kind: 'pathChange', address: p.ip, state: 'active' });
    }
  }

  private onHeartbeatAck(now: Instant, c: RawChunk): void {
    const hb = decodeHeartbeat(c.value);
    if (!hb.ok || hb.value.length !== 16) return;
    const v = new DataView(hb.value.buffer, hb.value.byteOffset, 16);
    const index = v.getUint16(0);
    const nonce = v.getUint32(4);
    const sentAt = v.getFloat64(8);
    const p = this.paths[index];
    if (!p || p.heartbeatSentAt === undefined || p.heartbeatNonce !== nonce || p.heartbeatSentAt !== sentAt)
      return;
    p.heartbeatSentAt = undefined;
    p.measure(now - sentAt);
    this.errorCount = 0;
    if (p.state === 'unconfirmed') {
      p.state = 'active';
      p.errorCount = 0;
      this.notify({ kind: 'pathChange', address: p.ip, state: 'confirmed' });
    } else this.pathHeard(p);
    p.heartbeatAt = now + this.cfg.heartbeatIntervalMs + this.jitter(p);
  }

  private sendHeartbeat(now: Instant, p: Path): void {
    const info = new Uint8Array(16);
    const v = new DataView(info.buffer);
    const nonce = this.cfg.random.u32();
    v.setUint16(0, this.paths.indexOf(p));
    v.setUint32(4, nonce);
    v.setFloat64(8, now);
    p.heartbeatNonce = nonce;
    p.heartbeatSentAt = now;
    p.heartbeatAt = now + p.rtoMs;
    const pkt = singleChunkPacket(
      this.cfg.port,
      this.peerPort,
      this.peerTag,
      ChunkType.heartbeat,
      0,
      encodeHeartbeat(info),
    );
    this.transmit(p, pkt);
  }

  // ------------------------------------------------------------------ shutdown (§9.2)

  private onShutdown(now: Instant, c: RawChunk): void {
    const cum = decodeShutdown(c.value);
    if (!cum.ok || !ESTABLISHED_LIKE.has(this.state)) return;
    this.applySack(now, {
      cumTsnAck: cum.value,
      arwnd: this.sender.peerRwnd + this.sender.totalFlight,
      gapStarts: [],
      gapEnds: [],
      dupTsns: [],
    });
    if (this.state === 'closed') return;
    if (this.state === 'established' || this.state === 'shutdownPending') {
      this.state = 'shutdownReceived';
      this.notify({ kind: 'peerShutdown' });
    } else if (this.state === 'shutdownSent') {
      // Shutdown collision: answer with SHUTDOWN ACK.
      this.state = 'shutdownReceived';
    }
    this.checkShutdownProgress(now);
  }

  private shutdownAckPacket(): Uint8Array {
    return singleChunkPacket(this.cfg.port, this.peerPort, this.peerTag, ChunkType.shutdownAck, 0, EMPTY);
  }

  private shutdownPacket(): Uint8Array {
    const cum = this.receiver?.cumTsn ?? 0;
    return singleChunkPacket(
      this.cfg.port,
      this.peerPort,
      this.peerTag,
      ChunkType.shutdown,
      0,
      encodeShutdown(cum),
    );
  }

  private checkShutdownProgress(now: Instant): void {
    if (!this.sender.idle) return;
    if (this.state === 'shutdownPending') {
      this.state = 'shutdownSent';
      this.transmit(this.dataPath(), this.shutdownPacket());
      this.t2At = now + this.dataPath().rtoMs;
      this.t5At = now + this.cfg.shutdownGuardMs;
    } else if (this.state === 'shutdownReceived') {
      this.state = 'shutdownAckSent';
      this.transmit(this.dataPath(), this.shutdownAckPacket());
      this.t2At = now + this.dataPath().rtoMs;
    }
  }

  // ------------------------------------------------------------------ timers

  nextDeadline(): Instant | undefined {
    let d = Number.POSITIVE_INFINITY;
    if (this.t1At !== undefined && this.t1At < d) d = this.t1At;
    if (this.t2At !== undefined && this.t2At < d) d = this.t2At;
    if (this.t5At !== undefined && this.t5At < d) d = this.t5At;
    if (this.sackAt !== undefined && this.sackAt < d) d = this.sackAt;
    if (this.state === 'established') {
      if (this.cfg.autocloseMs > 0) d = Math.min(d, this.lastActivityAt + this.cfg.autocloseMs);
    }
    if (ESTABLISHED_LIKE.has(this.state)) {
      for (const p of this.paths) {
        if (p.t3At !== undefined && p.t3At < d) d = p.t3At;
        if (this.cfg.heartbeats && p.heartbeatAt !== undefined && p.heartbeatAt < d) d = p.heartbeatAt;
      }
    }
    return d === Number.POSITIVE_INFINITY ? undefined : d;
  }

  /** Counts an error toward Association.Max.Retrans (§8.1); closes on excess. Returns true if closed. */
  private countError(now: Instant, p: Path | undefined): boolean {
    if (p) {
      p.errorCount++;
      if (p.errorCount > this.cfg.pathMaxRetrans && p.state === 'active') {
        p.state = 'inactive';
        this.notify({ kind: 'pathChange', address: p.ip, state: 'inactive' });
      }
    }
    if (++this.errorCount > this.cfg.associationMaxRetrans) {
      this.close(now, { kind: 'timeout' });
      return true;
    }
    return false;
  }

  onTimer(now: Instant): void {
    const cfg = this.cfg;
    if (this.t1At !== undefined && this.t1At <= now) {
      this.t1At = undefined;
      if (++this.t1Count > cfg.maxInitRetransmits) {
        this.close(now, { kind: 'initFailed' });
        return;
      }
      this.primaryPath.backoff();
      this.sendT1(now);
    }
    if (this.t2At !== undefined && this.t2At <= now) {
      this.t2At = undefined;
      const p = this.dataPath();
      p.backoff();
      if (this.countError(now, p)) return;
      if (this.state === 'shutdownSent') this.transmit(p, this.shutdownPacket());
      else if (this.state === 'shutdownAckSent') this.transmit(p, this.shutdownAckPacket());
      this.t2At = now + p.rtoMs;
    }
    if (this.t5At !== undefined && this.t5At <= now) {
      this.t5At = undefined;
      this.sendAbort([userAbortCause('T5-shutdown-guard expired')]);
      this.close(now, { kind: 'timeout' });
      return;
    }
    if (this.sackAt !== undefined && this.sackAt <= now) {
      this.sackAt = undefined;
      if (this.receiver?.sackPending) this.receiver.sackNow = true;
    }
    if (!ESTABLISHED_LIKE.has(this.state)) return;
    for (const p of this.paths) {
      if (p.t3At !== undefined && p.t3At <= now) {
        this.sender.onT3Expired(p, this.maxPacketBytes);
        if (this.countError(now, p)) return;
      }
    }
    if (cfg.heartbeats) {
      for (const p of this.paths) {
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
          } else if (this.countError(now, p)) return;
        }
        this.sendHeartbeat(now, p);
      }
    }
    if (this.state === 'established' && cfg.autocloseMs > 0 && now >= this.lastActivityAt + cfg.autocloseMs) {
      this.shutdown(now);
    }
  }

  // ------------------------------------------------------------------ status

  status(): AssociationStatus {
    const p = this.primaryPath;
    return {
      assoc: this.id,
      state: this.state,
      peerPort: this.peerPort,
      peerAddresses: this.peerAddresses,
      primaryAddress: p.ip,
      srttMs: p.srttMs,
      rtoMs: p.rtoMs,
      cwndBytes: p.cwnd,
      peerRwndBytes: this.sender.peerRwnd,
      outstandingBytes: this.sender.outstandingBytes,
      queuedBytes: this.sender.queuedBytes,
      inboundStreams: this.inboundStreams,
      outboundStreams: this.sender.outboundStreams,
      paths: this.paths.map((q, i) => ({
        address: q.ip,
        udpPort: q.udpPort,
        state: q.state,
        primary: i === this.primary,
        srttMs: q.srttMs,
        rtoMs: q.rtoMs,
        cwndBytes: q.cwnd,
        ssthreshBytes: q.ssthresh,
        flightBytes: q.flight,
      })),
    };
  }

  /** Makes `ip` the primary path (RFC 6458 SCTP_PRIMARY_ADDR). */
  setPrimary(ip: string): boolean {
    const i = this.paths.findIndex((p) => p.ip === ip);
    if (i < 0) return false;
    this.primary = i;
    return true;
  }

  get closeWasRequested(): boolean {
    return this.closeRequested;
  }
}
