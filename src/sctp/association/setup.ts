/**
 * The association's setup part (RFC 9260 §5.1, §5.2): the INIT / COOKIE ECHO under T1, the INIT
 * ACK, the COOKIE ACK, a stale-cookie ERROR (§5.2.6), and the duplicate INIT and COOKIE ECHO of an
 * association that exists (§5.2.1-§5.2.4: restart, collision). It sees the association only
 * through `SetupHost`.
 */
import type { Instant } from '../../base/time.js';
import { reachable } from '../config.js';
import type { LostCause, UdpAddress } from '../types.js';
import { CauseCode, ChunkType } from '../wire/chunk-types.js';
import {
  decodeCauses,
  decodeInit,
  EMPTY,
  encodeCauses,
  type InitChunk,
  protocolViolationCause,
} from '../wire/chunks.js';
import type { RawChunk } from '../wire/packet.js';
import type { CookieFields } from './cookie.js';
import {
  type InitAckTags,
  initAckPacket,
  initialTsn,
  initValue,
  peerAddressesOf,
  randomTag,
} from './handshake.js';
import type { Link } from './link.js';
import type { Path } from './path.js';
import { Receiver } from './receiver.js';
import { Sender } from './sender.js';
import { type AssocState, isUp, type T1Retransmit } from './state.js';

/** What the setup part may see and change of its association. */
export interface SetupHost {
  readonly link: Link;
  state: AssocState;
  sender: Sender;
  receiver: Receiver | undefined;
  inboundStreams: number;
  /** Our initial TSN, repeated in the INIT and in the INIT ACK to a duplicate INIT (§5.2.1). */
  readonly localInitialTsn: number;
  /** Set when a restart changed the local tag: the endpoint re-keys the association. */
  tagChanged: boolean;
  /** UDP ports not chosen at the INIT ACK: an ABORT from them (another endpoint) is ignored. */
  abandonedUdpPorts: number[];
  /** The TCB from a State Cookie (tags, streams, receiver, peer window). */
  establishFrom(c: CookieFields, now: Instant): void;
  /** Notifies `up` and starts heartbeats. */
  emitUp(now: Instant): void;
  /** Reports every message not yet acknowledged as failed (restart, close). */
  failUnacked(reason: string): void;
  close(now: Instant, cause: LostCause | undefined): void;
}

export class Setup {
  constructor(private readonly a: SetupHost) {}

  /** §5.1 A: the COOKIE-WAIT state of an active open (the INIT is sent by `sendT1`). */
  static cookieWait(link: Link, localInitialTsn: number, udpCandidates: number[]): AssocState {
    const value = initValue(link.cfg, link.localTag, localInitialTsn);
    return {
      kind: 'cookieWait',
      t1: { chunk: { type: ChunkType.init, flags: 0, value }, count: 0, at: undefined },
      udpCandidates,
    };
  }

  /** (Re)transmits the setup chunk of the state, alternating paths, and arms T1. */
  sendT1(now: Instant): void {
    const s = this.a.state;
    if (s.kind !== 'cookieWait' && s.kind !== 'cookieEchoed') return;
    const link = this.a.link;
    const c = s.t1.chunk;
    const path = link.paths[s.t1.count % link.paths.length] ?? link.primaryPath;
    const bytes = link.packet(c.type, c.flags, c.value, s.kind === 'cookieWait' ? 0 : link.peerTag);
    if (s.kind === 'cookieWait' && s.udpCandidates.length > 1) {
      // The UDP port convention (docs/sctp.md): INIT to every candidate port; the INIT ACK's source wins.
      for (const port of s.udpCandidates) link.transmitTo({ ip: path.ip, port }, undefined, bytes);
    } else link.transmit(path, bytes);
    s.t1.at = now + link.primaryPath.rtoMs;
  }

  /** T1-init / T1-cookie expiry (§5.1 C/D): retransmit with backoff, or give up. */
  onT1(now: Instant, t1: T1Retransmit): void {
    t1.at = undefined;
    if (++t1.count > this.a.link.cfg.maxInitRetransmits) {
      this.a.close(now, { kind: 'initFailed' });
      return;
    }
    this.a.link.primaryPath.backoff();
    this.sendT1(now);
  }

  /** §5.2.1, §5.2.2, §9.2: an INIT for this association (packet verification tag 0). */
  onInit(now: Instant, init: InitChunk, from: UdpAddress): void {
    const { link, state } = this.a;
    if (state.kind === 'shutdownAckSent') {
      link.transmit(link.pathFor(from.ip) ?? link.primaryPath, link.shutdownAckPacket());
      return;
    }
    const added = peerAddressesOf(init, from.ip).filter((ip) => !link.pathFor(ip));
    if (added.length > 0 && state.kind !== 'cookieWait') {
      // New addresses in a restart: ABORT with the INIT's tag (§5.2.2).
      const info = new TextEncoder().encode(added.join(','));
      const causes = encodeCauses([{ code: CauseCode.restartWithNewAddresses, info }]);
      link.transmitTo(from, undefined, link.packet(ChunkType.abort, 0, causes, init.initiateTag));
      return;
    }
    const tags = this.initAckTags(state);
    const request = { init, from, peerPort: link.peerPort, localPort: link.localPort, tags };
    const bytes = initAckPacket(link.cfg, now, request);
    link.transmitTo(from, undefined, bytes);
  }

  /** §5.2.1 / §5.2.2: the tags of the INIT ACK answering a duplicate INIT in `state`. */
  private initAckTags(state: AssocState): InitAckTags {
    const { link } = this.a;
    const own = { localTag: link.localTag, localInitialTsn: this.a.localInitialTsn };
    if (state.kind === 'cookieWait') return { ...own, localTieTag: 0, peerTieTag: 0 };
    if (state.kind === 'cookieEchoed')
      return { ...own, localTieTag: link.localTag, peerTieTag: link.peerTag };
    const cfg = link.cfg;
    return {
      localTag: randomTag(cfg),
      localInitialTsn: initialTsn(cfg),
      localTieTag: link.localTag,
      peerTieTag: link.peerTag,
    };
  }

  /**
   * §5.2.4: a valid COOKIE ECHO while this association exists. Returns false when the cookie is
   * to be discarded (the rest of the packet with it).
   */
  onCookieEcho(now: Instant, c: CookieFields, from: UdpAddress, stale: boolean): boolean {
    const L = this.a.link.localTag;
    const P = this.a.link.peerTag;
    if (stale && !(c.localTag === L && c.peerTag === P)) return false;
    if (c.localTag !== L && c.peerTag !== P && c.localTieTag === L && c.peerTieTag === P) {
      return this.onPeerRestart(now, c, from); // (A)
    }
    if (c.localTag === L && c.peerTag !== P) {
      // (B) initialization collision.
      if (isUp(this.a.state)) {
        this.a.link.peerTag = c.peerTag;
        this.a.link.queueControl(ChunkType.cookieAck, 0, EMPTY);
      } else this.establishFromCookie(now, c);
      return true;
    }
    if (c.localTag !== L && c.peerTag === P && c.localTieTag === 0 && c.peerTieTag === 0) return false; // (C)
    if (c.localTag === L && c.peerTag === P) {
      // (D)
      const k = this.a.state.kind;
      if (k === 'cookieEchoed' || k === 'cookieWait') this.establishFromCookie(now, c);
      else this.a.link.queueControl(ChunkType.cookieAck, 0, EMPTY);
      return true;
    }
    return false;
  }

  private establishFromCookie(now: Instant, c: CookieFields): void {
    this.a.establishFrom(c, now);
    this.a.state = { kind: 'established' };
    this.a.link.queueControl(ChunkType.cookieAck, 0, EMPTY);
    this.a.emitUp(now);
  }

  /** §5.2.4 (A): the peer restarted; the association starts over with the cookie's TCB. */
  private onPeerRestart(now: Instant, c: CookieFields, from: UdpAddress): boolean {
    const { link } = this.a;
    const path = link.pathFor(from.ip);
    if (this.a.state.kind === 'shutdownAckSent') {
      link.transmit(path ?? link.primaryPath, link.shutdownAckPacket());
      const causes = encodeCauses([{ code: CauseCode.cookieWhileShuttingDown, info: EMPTY }]);
      link.transmit(path ?? link.primaryPath, link.packet(ChunkType.error, 0, causes, c.peerTag));
      return false;
    }
    this.a.failUnacked('peer restarted');
    this.a.sender = new Sender(c.localInitialTsn, c.peerArwnd, c.outboundStreams, link.maxPacketBytes - 28);
    this.a.establishFrom(c, now);
    this.a.tagChanged = true;
    for (const p of link.paths) {
      p.resetCongestion();
      p.errorCount = 0;
      p.t3At = undefined;
      p.heartbeatSentAt = undefined;
    }
    if (path) path.udpPort = from.port;
    link.errorCount = 0;
    this.a.state = { kind: 'established' };
    link.queueControl(ChunkType.cookieAck, 0, EMPTY);
    link.notify({ kind: 'restart', peerAddresses: link.peerAddresses });
    return true;
  }

  /** §5.1 C: the INIT ACK in COOKIE-WAIT; the port it came from is the peer's (docs/sctp.md). */
  onInitAck(now: Instant, c: RawChunk, from: UdpAddress, path: Path | undefined): void {
    const s = this.a.state;
    if (s.kind !== 'cookieWait') return;
    const { link } = this.a;
    this.a.abandonedUdpPorts = s.udpCandidates.filter((p) => p !== from.port);
    s.udpCandidates = [];
    if (!path) link.addPath(from.ip, from.port, true);
    const r = decodeInit(c.value, 'INIT ACK');
    if (!r.ok || !r.value.params.cookie) {
      link.sendAbort([protocolViolationCause(r.ok ? 'no State Cookie' : r.error.reason)]);
      this.a.close(now, { kind: 'initFailed' });
      return;
    }
    const ia = r.value;
    const cookie = ia.params.cookie!;
    this.takePeerParameters(ia, from);
    const chunk = { type: ChunkType.cookieEcho, flags: 0, value: cookie.slice() };
    this.a.state = { kind: 'cookieEchoed', t1: { chunk, count: 0, at: undefined } };
    this.sendT1(now);
    if (ia.params.unrecognized.length > 0) {
      // §3.3.3: report the INIT ACK's unrecognized parameters (each cause carries one parameter).
      const causes = ia.params.unrecognized.map((u) => ({ code: CauseCode.unrecognizedParameters, info: u }));
      link.transmit(link.primaryPath, link.packet(ChunkType.error, 0, encodeCauses(causes)));
    }
  }

  /** The peer's tag, streams, window, initial TSN and addresses from its INIT ACK. */
  private takePeerParameters(ia: InitChunk, from: UdpAddress): void {
    const { link } = this.a;
    const cfg = link.cfg;
    link.peerTag = ia.initiateTag;
    this.a.inboundStreams = Math.min(cfg.inboundStreams, ia.outboundStreams);
    this.a.receiver = new Receiver(
      ia.initialTsn,
      cfg.receiveWindowBytes,
      cfg.maxMessageBytes,
      this.a.inboundStreams,
    );
    this.a.sender.setPeer(ia.arwnd, Math.min(cfg.outboundStreams, ia.inboundStreams));
    for (const ip of [...ia.params.ipv4, ...ia.params.ipv6])
      if (reachable(cfg, ip)) link.addPath(ip, from.port, false);
    const src = link.pathFor(from.ip);
    if (src) {
      src.state = 'active';
      link.primary = link.paths.indexOf(src);
    }
  }

  /** §5.1 E: the COOKIE ACK in COOKIE-ECHOED. */
  onCookieAck(now: Instant): void {
    if (this.a.state.kind !== 'cookieEchoed') return;
    this.a.state = { kind: 'established' };
    this.a.emitUp(now);
  }

  /** An ERROR chunk: only a Stale Cookie in COOKIE-ECHOED has an effect (§5.2.6). */
  onError(now: Instant, c: RawChunk): void {
    const causes = decodeCauses(c.value);
    if (!causes.ok) return;
    for (const cause of causes.value) {
      const s = this.a.state;
      if (cause.code === CauseCode.staleCookie && s.kind === 'cookieEchoed')
        this.onStaleCookie(now, s.t1, cause.info);
    }
  }

  /** §5.2.6: start over with a new INIT asking for a longer cookie life (Cookie Preservative). */
  private onStaleCookie(now: Instant, t1: T1Retransmit, info: Uint8Array): void {
    const { link } = this.a;
    const stalenessUs = info.length >= 4 ? new DataView(info.buffer, info.byteOffset, 4).getUint32(0) : 0;
    const preservativeMs = Math.ceil(stalenessUs / 1000) + link.primaryPath.rtoMs;
    link.peerTag = 0;
    const value = initValue(link.cfg, link.localTag, this.a.localInitialTsn, preservativeMs);
    const chunk = { type: ChunkType.init, flags: 0, value };
    this.a.state = {
      kind: 'cookieWait',
      t1: { chunk, count: t1.count + 1, at: undefined },
      udpCandidates: [],
    };
    if (t1.count + 1 > link.cfg.maxInitRetransmits) {
      this.a.close(now, { kind: 'initFailed' });
      return;
    }
    this.sendT1(now);
  }
}
