import type { Instant } from '../../base/time.js';
import type { SctpConfig } from '../config.js';
import type {
  AssocId,
  AssociationState,
  AssociationStatus,
  LostCause,
  SctpAction,
  SctpEvent,
} from '../types.js';
import { ChunkType, T_BIT } from '../wire/chunk-types.js';
import {
  EMPTY,
  type ErrorCause,
  encodeCauses,
  encodeShutdown,
  protocolViolationCause,
  type SackChunk,
  userAbortCause,
} from '../wire/chunks.js';
import { PacketScratch, singleChunkPacket } from '../wire/packet.js';
import type { CookieFields } from './cookie.js';
import { Path } from './path.js';
import { Receiver } from './receiver.js';
import { Sender } from './sender.js';

export interface AssociationContext {
  readonly cfg: SctpConfig;
  /** Where actions go; the endpoint swaps it per input. */
  out: SctpAction[];
  scratch?: PacketScratch;
}

export interface Control {
  readonly type: number;
  readonly flags: number;
  readonly value: Uint8Array;
}

export const ESTABLISHED_LIKE = new Set<AssociationState>([
  'established',
  'shutdownPending',
  'shutdownSent',
  'shutdownReceived',
  'shutdownAckSent',
]);

export abstract class AssociationCore {
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
  protected t1At: Instant | undefined;
  protected t1Count = 0;
  protected t1Chunk: Control | undefined;
  protected t2At: Instant | undefined;
  protected t5At: Instant | undefined;
  protected sackAt: Instant | undefined;
  protected lastActivityAt: Instant;
  protected control: Control[] = [];
  /** UDP ports an INIT goes to until the INIT ACK tells which one the peer uses (docs/sctp.md). */
  udpCandidates: number[] = [];
  /** Candidates not chosen: an ABORT from them (another endpoint on that port) is ignored. */
  abandonedUdpPorts: number[] = [];
  /** Set by the endpoint when the association must be re-keyed (restart changed the local tag). */
  tagChanged = false;

  constructor(
    readonly id: AssocId,
    protected readonly ctx: AssociationContext,
    readonly peerPort: number,
    now: Instant,
    state: AssociationState,
    localTag: number,
    localInitialTsn: number,
    readonly maxPacketBytes: number,
    /** The local SCTP port (an endpoint may serve several on one UDP socket). */
    readonly localPort: number,
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
  protected scratch(): PacketScratch {
    const s = this.ctx.scratch;
    if (s && s.buf.length >= this.maxPacketBytes) return s;
    const fresh = new PacketScratch(Math.max(this.maxPacketBytes, s?.buf.length ?? 0));
    this.ctx.scratch = fresh;
    return fresh;
  }

  protected get cfg(): SctpConfig {
    return this.ctx.cfg;
  }

  protected establishFrom(c: CookieFields, now: Instant): void {
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

  protected notify(event: SctpEvent): void {
    this.ctx.out.push({ kind: 'notify', assoc: this.id, event });
  }

  protected emitUp(now: Instant): void {
    this.notify({
      kind: 'up',
      localPort: this.localPort,
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

  protected jitter(p: Path): number {
    return p.rtoMs * (this.cfg.random.float() - 0.5) + p.rtoMs;
  }

  protected queueControl(type: number, flags: number, value: Uint8Array): void {
    if (this.control.length < 64) this.control.push({ type, flags, value });
  }

  protected transmit(path: Path, bytes: Uint8Array): void {
    const to = { ip: path.ip, port: path.udpPort };
    this.ctx.out.push(
      path.localIp ? { kind: 'transmit', to, from: path.localIp, bytes } : { kind: 'transmit', to, bytes },
    );
  }

  protected get primaryPath(): Path {
    return this.paths[this.primary]!;
  }

  /** The path for new data: the primary if active, else the first active one (§6.4). */
  protected dataPath(): Path {
    const p = this.primaryPath;
    if (p.state === 'active') return p;
    return this.paths.find((q) => q.state === 'active') ?? p;
  }

  /** §6.4.1: retransmit to an active alternate destination if there is one. */
  protected rtxPath(): Path {
    const d = this.dataPath();
    if (this.paths.length === 1) return d;
    const alternate = this.paths.find((q) => q !== d && q.state === 'active');
    return alternate ?? d;
  }

  protected sendT1(now: Instant): void {
    const c = this.t1Chunk;
    if (!c) return;
    const path = this.paths[this.t1Count % this.paths.length] ?? this.primaryPath;
    const tag = c.type === ChunkType.init ? 0 : this.peerTag;
    const bytes = singleChunkPacket(this.localPort, this.peerPort, tag, c.type, c.flags, c.value);
    if (c.type === ChunkType.init && this.udpCandidates.length > 1) {
      // The UDP port convention (docs/sctp.md): INIT to every candidate port; the INIT ACK's source wins.
      for (const port of this.udpCandidates)
        this.ctx.out.push({ kind: 'transmit', to: { ip: path.ip, port }, bytes });
    } else this.transmit(path, bytes);
    this.t1At = now + this.primaryPath.rtoMs;
  }

  /** API: ABORT with a User-Initiated Abort cause (§9.1). */
  abort(now: Instant, reason: string): void {
    if (this.state === 'closed') return;
    this.sendAbort([userAbortCause(reason)]);
    this.close(now, { kind: 'localAbort', reason });
  }

  protected sendAbort(causes: ErrorCause[]): void {
    const known = this.peerTag !== 0;
    const bytes = singleChunkPacket(
      this.localPort,
      this.peerPort,
      known ? this.peerTag : this.localTag,
      ChunkType.abort,
      known ? 0 : T_BIT,
      encodeCauses(causes),
    );
    this.transmit(this.primaryPath, bytes);
  }

  protected close(_now: Instant, cause: LostCause | undefined): void {
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

  protected applySack(now: Instant, s: SackChunk): void {
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
    // §6.3.2 R2/R3; a SACK re-arms the tail loss probe.
    for (const p of this.paths) {
      if (p.flight === 0) p.t3At = undefined;
      else if (o.cumAdvanced) p.t3At = now + p.rtoMs;
      p.probeSent = false;
      p.probeAt = this.sender.probeDeadline(p, now, this.maxPacketBytes);
    }
  }

  protected pathHeard(p: Path): void {
    p.errorCount = 0;
    if (p.state === 'inactive') {
      p.state = 'active';
      this.notify({ kind: 'pathChange', address: p.ip, state: 'active' });
    }
  }

  protected shutdownAckPacket(): Uint8Array {
    return singleChunkPacket(this.localPort, this.peerPort, this.peerTag, ChunkType.shutdownAck, 0, EMPTY);
  }

  protected shutdownPacket(): Uint8Array {
    const cum = this.receiver?.cumTsn ?? 0;
    return singleChunkPacket(
      this.localPort,
      this.peerPort,
      this.peerTag,
      ChunkType.shutdown,
      0,
      encodeShutdown(cum),
    );
  }

  /** Counts an error toward Association.Max.Retrans (§8.1); closes on excess. Returns true if closed. */
  protected countError(now: Instant, p: Path | undefined): boolean {
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

  status(): AssociationStatus {
    const p = this.primaryPath;
    return {
      assoc: this.id,
      state: this.state,
      localPort: this.localPort,
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
}
