/**
 * The part of an association every other part talks through: its ports and verification tags,
 * its peer's paths (RFC 9260 §6.4 path choice, §8.1/§8.2 error counting) and its output (transmit,
 * notify, the queue of control chunks bundled at the next flush). Keeping these in one place lets
 * the setup, shutdown, timer and data parts share them without sharing each other's fields.
 */
import type { Instant } from '../../base/time.js';
import type { SctpConfig } from '../config.js';
import type { AssocId, SctpAction, SctpEvent, UdpAddress } from '../types.js';
import { ChunkType, T_BIT } from '../wire/chunk-types.js';
import { EMPTY, type ErrorCause, encodeCauses, encodeShutdown } from '../wire/chunks.js';
import { PacketScratch, singleChunkPacket } from '../wire/packet.js';
import { Path } from './path.js';
import type { Control } from './state.js';

export interface AssociationContext {
  readonly cfg: SctpConfig;
  /** Where actions go; the endpoint swaps it per input. */
  out: SctpAction[];
  scratch?: PacketScratch;
}

/** At most this many control chunks wait for a flush (a flood of them is not answered in full). */
const MAX_QUEUED_CONTROL = 64;

export class Link {
  localTag: number;
  peerTag = 0;
  readonly paths: Path[] = [];
  primary = 0;
  /** Association errors since the last acknowledgement (Association.Max.Retrans, §8.1). */
  errorCount = 0;
  control: Control[] = [];

  constructor(
    readonly id: AssocId,
    readonly ctx: AssociationContext,
    readonly peerPort: number,
    /** The local SCTP port (an endpoint may serve several on one UDP socket). */
    readonly localPort: number,
    readonly maxPacketBytes: number,
    localTag: number,
  ) {
    this.localTag = localTag;
  }

  get cfg(): SctpConfig {
    return this.ctx.cfg;
  }

  /** The endpoint's packet assembly buffer (flushes never nest). */
  scratch(): PacketScratch {
    const s = this.ctx.scratch;
    if (s && s.buf.length >= this.maxPacketBytes) return s;
    const fresh = new PacketScratch(Math.max(this.maxPacketBytes, s?.buf.length ?? 0));
    this.ctx.scratch = fresh;
    return fresh;
  }

  addPath(ip: string, udpPort: number, confirmed: boolean): Path {
    const existing = this.pathFor(ip);
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

  get primaryPath(): Path {
    return this.paths[this.primary]!;
  }

  /** The path for new data: the primary if active, else the first active one (§6.4). */
  dataPath(): Path {
    const p = this.primaryPath;
    if (p.state === 'active') return p;
    return this.paths.find((q) => q.state === 'active') ?? p;
  }

  /** §6.4.1: retransmit to an active alternate destination if there is one. */
  rtxPath(): Path {
    const d = this.dataPath();
    if (this.paths.length === 1) return d;
    const alternate = this.paths.find((q) => q !== d && q.state === 'active');
    return alternate ?? d;
  }

  /** A random heartbeat delay around the path's RTO (§8.3). */
  jitter(p: Path): number {
    return p.rtoMs * (this.cfg.random.float() - 0.5) + p.rtoMs;
  }

  notify(event: SctpEvent): void {
    this.ctx.out.push({ kind: 'notify', assoc: this.id, event });
  }

  queueControl(type: number, flags: number, value: Uint8Array): void {
    if (this.control.length < MAX_QUEUED_CONTROL) this.control.push({ type, flags, value });
  }

  transmit(path: Path, bytes: Uint8Array): void {
    this.transmitTo({ ip: path.ip, port: path.udpPort }, path.localIp || undefined, bytes);
  }

  transmitTo(to: UdpAddress, from: string | undefined, bytes: Uint8Array): void {
    this.ctx.out.push(
      from !== undefined ? { kind: 'transmit', to, from, bytes } : { kind: 'transmit', to, bytes },
    );
  }

  /** A packet of one chunk to the peer, under the peer's tag unless another is given. */
  packet(type: number, flags: number, value: Uint8Array, tag = this.peerTag): Uint8Array {
    return singleChunkPacket(this.localPort, this.peerPort, tag, type, flags, value);
  }

  /** ABORT (§9.1): with the peer's tag, or reflected (T bit, own tag) while it is unknown. */
  sendAbort(causes: ErrorCause[]): void {
    const known = this.peerTag !== 0;
    const bytes = this.packet(
      ChunkType.abort,
      known ? 0 : T_BIT,
      encodeCauses(causes),
      known ? this.peerTag : this.localTag,
    );
    this.transmit(this.primaryPath, bytes);
  }

  shutdownAckPacket(): Uint8Array {
    return this.packet(ChunkType.shutdownAck, 0, EMPTY);
  }

  shutdownPacket(cumTsn: number): Uint8Array {
    return this.packet(ChunkType.shutdown, 0, encodeShutdown(cumTsn));
  }

  /** The peer was heard on `p`: its error counter clears and an inactive path comes back (§8.2). */
  pathHeard(p: Path): void {
    p.errorCount = 0;
    if (p.state === 'inactive') {
      p.state = 'active';
      this.notify({ kind: 'pathChange', address: p.ip, state: 'active' });
    }
  }

  /**
   * Counts an error against `p` (Path.Max.Retrans, §8.2) and the association (§8.1). Returns true
   * when the association's count exceeds Association.Max.Retrans: the caller closes it.
   */
  countError(p: Path | undefined): boolean {
    if (p) {
      p.errorCount++;
      if (p.errorCount > this.cfg.pathMaxRetrans && p.state === 'active') {
        p.state = 'inactive';
        this.notify({ kind: 'pathChange', address: p.ip, state: 'inactive' });
      }
    }
    return ++this.errorCount > this.cfg.associationMaxRetrans;
  }

  /** Makes `ip` the primary path (RFC 6458 SCTP_PRIMARY_ADDR). */
  setPrimary(ip: string): boolean {
    const i = this.paths.findIndex((p) => p.ip === ip);
    if (i < 0) return false;
    this.primary = i;
    return true;
  }

  /** Heartbeats start: at once on unconfirmed paths, after an interval on the others. */
  startHeartbeats(now: Instant): void {
    for (const p of this.paths) {
      p.heartbeatAt = p.state === 'unconfirmed' ? now : now + this.cfg.heartbeatIntervalMs + this.jitter(p);
    }
  }
}
