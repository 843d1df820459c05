/**
 * The associations of one UDP socket (RFC 9260 §8.4, §8.5; RFC 6951): decodes datagrams,
 * demultiplexes them by peer address, SCTP ports and verification tag, answers INIT statelessly
 * with a signed cookie, creates associations from valid COOKIE ECHOs, handles out-of-the-blue
 * packets, and keeps one timer queue for all associations. Sans-I/O: `handle(input)` returns
 * actions; `nextDeadline()` says when to `tick`. No datagram makes it throw.
 */
import type { Instant } from '../base/time.js';
import { type TimerEntry, TimerQueue } from '../collections/timer-queue.js';
import { Association, type AssociationContext } from './association/association.js';
import { openCookie } from './association/cookie.js';
import { initAckPacket, initialTsn, randomTag } from './association/handshake.js';
import { resolveConfig, type SctpConfig } from './config.js';
import type {
  AssocId,
  AssociationStatus,
  EndpointOptions,
  PeerSpec,
  SctpAction,
  SctpInput,
  UdpAddress,
} from './types.js';
import { CauseCode, ChunkType, T_BIT } from './wire/chunk-types.js';
import { decodeCauses, decodeInit, EMPTY, encodeCauses, staleCookieCause } from './wire/chunks.js';
import { decodePacket, type Packet, singleChunkPacket } from './wire/packet.js';

export interface EndpointStats {
  datagrams: number;
  malformed: number;
  badChecksum: number;
  outOfTheBlue: number;
  badVerificationTag: number;
  staleCookies: number;
  badCookies: number;
}

const key = (ip: string, port: number, localPort: number): string => `${ip}|${port}|${localPort}`;

export class SctpEndpoint {
  readonly cfg: SctpConfig;
  private readonly assocs = new Map<AssocId, Association>();
  private readonly byAddress = new Map<string, Association>();
  private readonly byTag = new Map<number, Association>();
  private readonly timers = new TimerQueue<Association>();
  private readonly timerEntries = new Map<AssocId, TimerEntry<Association>>();
  private readonly deferred = new Set<Association>();
  private readonly ctx: AssociationContext;
  private nextId = 1;
  readonly stats: EndpointStats = {
    datagrams: 0,
    malformed: 0,
    badChecksum: 0,
    outOfTheBlue: 0,
    badVerificationTag: 0,
    staleCookies: 0,
    badCookies: 0,
  };

  constructor(options: EndpointOptions) {
    this.cfg = resolveConfig(options);
    this.ctx = { cfg: this.cfg, out: [] };
  }

  get associationCount(): number {
    return this.assocs.size;
  }

  associations(): AssocId[] {
    return [...this.assocs.keys()];
  }

  status(assoc: AssocId): AssociationStatus | undefined {
    return this.assocs.get(assoc)?.status();
  }

  /** Changes the primary path of an association; false if unknown. */
  setPrimary(assoc: AssocId, ip: string): boolean {
    return this.assocs.get(assoc)?.setPrimary(ip) ?? false;
  }

  /** The earliest instant at which a `tick` is needed. */
  nextDeadline(): Instant | undefined {
    return this.timers.peek();
  }

  /** Active open; returns the existing association if one to that peer exists. */
  connect(now: Instant, peer: PeerSpec): { assoc: AssocId; actions: SctpAction[] } {
    if (peer.addresses.length === 0) throw new RangeError('connect: no peer address');
    if (!Number.isInteger(peer.port) || peer.port <= 0 || peer.port > 0xffff) {
      throw new RangeError(`connect: bad SCTP port ${peer.port}`);
    }
    const localPort = peer.localPort ?? this.cfg.port;
    if (!this.cfg.ports.includes(localPort))
      throw new RangeError(`connect: ${localPort} is not a local port`);
    const out: SctpAction[] = [];
    this.ctx.out = out;
    for (const ip of peer.addresses) {
      const existing = this.byAddress.get(key(ip, peer.port, localPort));
      if (existing && !existing.closed) return { assoc: existing.id, actions: out };
    }
    const a = Association.connect(
      this.nextId++,
      this.ctx,
      now,
      peer.addresses,
      peer.port,
      this.udpPortsFor(peer),
      localPort,
    );
    this.register(a);
    this.after(a, now, false);
    return { assoc: a.id, actions: out };
  }

  /** The UDP ports an INIT goes to: the given one, else 9899 and (convention) the peer's SCTP port. */
  private udpPortsFor(peer: PeerSpec): number[] {
    if (peer.udpPort !== undefined) return [peer.udpPort];
    const ports = [this.cfg.remoteUdpPort];
    if (this.cfg.tryPeerSctpPortAsUdpPort && peer.port !== this.cfg.remoteUdpPort) ports.push(peer.port);
    return ports;
  }

  handle(input: SctpInput): SctpAction[] {
    const out: SctpAction[] = [];
    this.ctx.out = out;
    const now = input.now;
    switch (input.kind) {
      case 'datagram':
        this.onDatagram(now, input.from, input.bytes, input.local);
        break;
      case 'send':
        this.onSend(input);
        break;
      case 'flush':
        for (const a of this.deferred) this.after(a, now, true);
        this.deferred.clear();
        break;
      case 'tick':
        this.onTick(now);
        break;
      case 'connect':
        out.push(...this.connect(now, input.peer).actions);
        this.ctx.out = out;
        break;
      case 'shutdown':
        this.withAssociation(input.assoc, now, true, (a) => a.shutdown(now));
        break;
      case 'abort':
        this.withAssociation(input.assoc, now, false, (a) =>
          a.abort(now, input.reason ?? 'aborted by the application'),
        );
        break;
    }
    return out;
  }

  private withAssociation(id: AssocId, now: Instant, flush: boolean, f: (a: Association) => void): void {
    const a = this.assocs.get(id);
    if (!a) return;
    f(a);
    this.after(a, now, flush);
  }

  private onSend(input: Extract<SctpInput, { kind: 'send' }>): void {
    const { now, stream, ppid, bytes } = input;
    const unordered = input.unordered ?? false;
    const a = this.assocs.get(input.assoc);
    if (!a) {
      const event = {
        kind: 'sendFailed',
        ppid,
        stream,
        unordered,
        bytes,
        reason: 'no such association',
      } as const;
      this.ctx.out.push({ kind: 'notify', assoc: input.assoc, event });
      return;
    }
    a.send(now, stream, ppid, unordered, bytes);
    if (input.more) this.deferred.add(a);
    else this.after(a, now, true);
  }

  private onTick(now: Instant): void {
    const due: Association[] = [];
    for (let a = this.timers.popDue(now); a; a = this.timers.popDue(now)) due.push(a);
    for (const a of due) {
      a.onTimer(now);
      this.after(a, now, true);
    }
  }

  private register(a: Association): void {
    this.assocs.set(a.id, a);
    this.byTag.set(a.localTag, a);
    for (const p of a.paths) {
      const k = key(p.ip, a.peerPort, a.localPort);
      if (!this.byAddress.has(k)) this.byAddress.set(k, a);
    }
  }

  private unregister(a: Association): void {
    this.assocs.delete(a.id);
    this.deferred.delete(a);
    if (this.byTag.get(a.localTag) === a) this.byTag.delete(a.localTag);
    for (const p of a.paths) {
      const k = key(p.ip, a.peerPort, a.localPort);
      if (this.byAddress.get(k) === a) this.byAddress.delete(k);
    }
    const e = this.timerEntries.get(a.id);
    if (e) this.timers.cancel(e);
    this.timerEntries.delete(a.id);
  }

  /** After an association handled something: flush, re-key, re-arm its timer or remove it. */
  private after(a: Association, now: Instant, flush: boolean): void {
    if (flush) a.flush(now);
    if (a.closed) {
      this.unregister(a);
      return;
    }
    if (a.tagChanged) {
      a.tagChanged = false;
      for (const [t, x] of this.byTag) if (x === a) this.byTag.delete(t);
    }
    this.register(a);
    const d = a.nextDeadline();
    const e = this.timerEntries.get(a.id);
    if (d === undefined) {
      if (e) this.timers.cancel(e);
    } else if (e) {
      if (e.at !== d) this.timers.reschedule(e, d);
    } else this.timerEntries.set(a.id, this.timers.schedule(d, a));
  }

  private local: string | undefined;

  private reply(to: UdpAddress, bytes: Uint8Array): void {
    const from = this.local;
    this.ctx.out.push(
      from !== undefined ? { kind: 'transmit', to, from, bytes } : { kind: 'transmit', to, bytes },
    );
  }

  private onDatagram(now: Instant, from: UdpAddress, bytes: Uint8Array, local: string | undefined): void {
    this.local = local;
    this.stats.datagrams++;
    const r = decodePacket(bytes);
    if (!r.ok) {
      if (r.error.kind === 'badChecksum') this.stats.badChecksum++;
      else this.stats.malformed++;
      return;
    }
    const p = r.value;
    const first = p.chunks[0]!;
    if (!this.cfg.ports.includes(p.dstPort) || p.srcPort === 0) {
      this.outOfTheBlue(from, p);
      return;
    }
    let a = this.byAddress.get(key(from.ip, p.srcPort, p.dstPort));
    if (first.type === ChunkType.init) {
      this.onInit(now, from, p, a);
      return;
    }
    if (first.type === ChunkType.cookieEcho) {
      this.onCookieEcho(now, from, p, a, local);
      return;
    }
    if (!a && first.type === ChunkType.initAck) {
      const t = this.byTag.get(p.verificationTag);
      if (t && t.state.kind === 'cookieWait' && t.peerPort === p.srcPort && t.localPort === p.dstPort) a = t;
    }
    if (a) {
      if (!a.onPacket(now, p, from, false, local)) this.stats.badVerificationTag++;
      this.after(a, now, true);
      return;
    }
    this.outOfTheBlue(from, p);
  }

  /** An INIT (§5.1): to its association if one exists, else answered statelessly (or refused). */
  private onInit(now: Instant, from: UdpAddress, p: Packet, a: Association | undefined): void {
    if (p.verificationTag !== 0) {
      this.stats.badVerificationTag++;
      return;
    }
    const init = decodeInit(p.chunks[0]!.value);
    if (!init.ok) {
      this.stats.malformed++;
      return;
    }
    if (a) {
      a.onInit(now, init.value, from);
      this.after(a, now, true);
      return;
    }
    const cfg = this.cfg;
    const hostName = init.value.params.hostName !== undefined;
    if (!cfg.listen || this.assocs.size >= cfg.maxAssociations || hostName) {
      this.replyAbort(
        from,
        p,
        init.value.initiateTag,
        hostName ? CauseCode.unresolvableAddress : CauseCode.outOfResource,
      );
      return;
    }
    const tags = {
      localTag: randomTag(cfg),
      localInitialTsn: initialTsn(cfg),
      localTieTag: 0,
      peerTieTag: 0,
    };
    const request = { init: init.value, from, peerPort: p.srcPort, localPort: p.dstPort, tags };
    this.reply(from, initAckPacket(cfg, now, request));
  }

  /** A COOKIE ECHO (§5.1.5, §5.2.4): checked, then to its association or a new one. */
  private onCookieEcho(
    now: Instant,
    from: UdpAddress,
    p: Packet,
    a: Association | undefined,
    local: string | undefined,
  ): void {
    const cfg = this.cfg;
    const c = openCookie(p.chunks[0]!.value, cfg.mac, cfg.secret);
    if (!c || c.localPort !== p.dstPort || c.peerPort !== p.srcPort || p.verificationTag !== c.localTag) {
      // Not a cookie of ours for this association: the packet is dropped, the rest with it.
      this.stats.badCookies++;
      return;
    }
    const expiredAt = c.createdAt + c.lifespanMs;
    const stale = now > expiredAt;
    if (a) {
      if (a.onCookieEcho(now, c, from, stale)) {
        a.onPacket(now, p, from, true, local);
        this.after(a, now, true);
        return;
      }
      if (stale) this.sendStale(now, from, p, expiredAt, c.peerTag);
      this.after(a, now, false);
      return;
    }
    if (stale) {
      this.sendStale(now, from, p, expiredAt, c.peerTag);
      return;
    }
    if (this.assocs.size >= cfg.maxAssociations) {
      this.replyAbort(from, p, c.peerTag, CauseCode.outOfResource);
      return;
    }
    const created = Association.fromCookie(this.nextId++, this.ctx, now, c);
    this.register(created);
    created.onPacket(now, p, from, true, local);
    this.after(created, now, true);
  }

  /** An ABORT with one cause of no information, to the sender of `p`, under `tag`. */
  private replyAbort(from: UdpAddress, p: Packet, tag: number, code: number): void {
    const causes = encodeCauses([{ code, info: EMPTY }]);
    this.reply(from, singleChunkPacket(p.dstPort, p.srcPort, tag, ChunkType.abort, 0, causes));
  }

  private sendStale(now: Instant, from: UdpAddress, p: Packet, expiredAt: number, peerTag: number): void {
    this.stats.staleCookies++;
    const err = encodeCauses([staleCookieCause((now - expiredAt) * 1000)]);
    this.reply(from, singleChunkPacket(p.dstPort, p.srcPort, peerTag, ChunkType.error, 0, err));
  }

  /** §8.4: packets that belong to no association. */
  private outOfTheBlue(from: UdpAddress, p: Packet): void {
    this.stats.outOfTheBlue++;
    for (const c of p.chunks) {
      if (
        c.type === ChunkType.abort ||
        c.type === ChunkType.shutdownComplete ||
        c.type === ChunkType.cookieAck
      )
        return;
      if (c.type === ChunkType.error) {
        const causes = decodeCauses(c.value);
        if (causes.ok && causes.value.some((x) => x.code === CauseCode.staleCookie)) return;
      }
    }
    const first = p.chunks[0]!;
    if (first.type === ChunkType.shutdownAck) {
      this.reply(
        from,
        singleChunkPacket(p.dstPort, p.srcPort, p.verificationTag, ChunkType.shutdownComplete, T_BIT, EMPTY),
      );
      return;
    }
    if (first.type === ChunkType.init) {
      const init = decodeInit(first.value);
      if (init.ok)
        this.reply(
          from,
          singleChunkPacket(p.dstPort, p.srcPort, init.value.initiateTag, ChunkType.abort, 0, EMPTY),
        );
      return;
    }
    this.reply(
      from,
      singleChunkPacket(p.dstPort, p.srcPort, p.verificationTag, ChunkType.abort, T_BIT, EMPTY),
    );
  }
}
