/**
 * Building the setup chunks (RFC 9260 §5.1): INIT, and the INIT ACK with its signed State Cookie,
 * shared by the stateless endpoint (new associations) and by an existing association answering
 * a duplicate INIT (§5.2.1, §5.2.2).
 */
import type { Instant } from '../../base/time.js';
import type { SctpConfig } from '../config.js';
import type { UdpAddress } from '../types.js';
import { ChunkType } from '../wire/chunk-types.js';
import { encodeInit, type InitChunk } from '../wire/chunks.js';
import { singleChunkPacket } from '../wire/packet.js';
import { type CookieFields, signCookie } from './cookie.js';

export interface InitAckTags {
  readonly localTag: number;
  readonly localInitialTsn: number;
  readonly localTieTag: number;
  readonly peerTieTag: number;
}

/** The peer's addresses: the INIT's source first, then those the INIT lists. */
export function peerAddressesOf(init: InitChunk, source: string): string[] {
  const out = [source];
  for (const a of [...init.params.ipv4, ...init.params.ipv6]) if (!out.includes(a)) out.push(a);
  return out.slice(0, 16);
}

/** What an INIT ACK answers: the INIT, where it came from, and the tags to offer. */
export interface InitAckRequest {
  readonly init: InitChunk;
  readonly from: UdpAddress;
  readonly peerPort: number;
  readonly localPort: number;
  readonly tags: InitAckTags;
}

/** The TCB the State Cookie carries (§5.1.3). */
function cookieFieldsFor(cfg: SctpConfig, now: Instant, r: InitAckRequest): CookieFields {
  const { init, from, tags } = r;
  return {
    createdAt: now,
    lifespanMs:
      cfg.validCookieLifeMs + Math.min(init.params.cookiePreservativeMs ?? 0, cfg.validCookieLifeMs),
    localTag: tags.localTag,
    peerTag: init.initiateTag,
    localInitialTsn: tags.localInitialTsn,
    peerInitialTsn: init.initialTsn,
    peerArwnd: init.arwnd,
    outboundStreams: Math.min(cfg.outboundStreams, init.inboundStreams),
    inboundStreams: Math.min(cfg.inboundStreams, init.outboundStreams),
    localTieTag: tags.localTieTag,
    peerTieTag: tags.peerTieTag,
    localPort: r.localPort,
    peerPort: r.peerPort,
    sourceUdpPort: from.port,
    sourceAddress: from.ip,
    peerAddresses: peerAddressesOf(init, from.ip),
  };
}

/** The packet carrying an INIT ACK in answer to `init` (verification tag: the INIT's Initiate Tag). */
export function initAckPacket(cfg: SctpConfig, now: Instant, r: InitAckRequest): Uint8Array {
  const { init, tags } = r;
  const cookie = signCookie(cookieFieldsFor(cfg, now, r), cfg.mac, cfg.secret);
  const value = encodeInit({
    initiateTag: tags.localTag,
    arwnd: cfg.receiveWindowBytes,
    outboundStreams: cfg.outboundStreams,
    inboundStreams: cfg.inboundStreams,
    initialTsn: tags.localInitialTsn,
    addresses: cfg.localAddresses.length > 1 ? cfg.localAddresses : [],
    cookie,
    unrecognized: init.params.unrecognized,
  });
  return singleChunkPacket(r.localPort, r.peerPort, init.initiateTag, ChunkType.initAck, 0, value);
}

export function initValue(
  cfg: SctpConfig,
  localTag: number,
  initialTsn: number,
  cookiePreservativeMs?: number,
): Uint8Array {
  return encodeInit({
    ...(cookiePreservativeMs !== undefined ? { cookiePreservativeMs } : {}),
    initiateTag: localTag,
    arwnd: cfg.receiveWindowBytes,
    outboundStreams: cfg.outboundStreams,
    inboundStreams: cfg.inboundStreams,
    initialTsn,
    addresses: cfg.localAddresses.length > 1 ? cfg.localAddresses : [],
    supportedAddressTypes: cfg.ipv6 ? [5, 6] : [5],
  });
}

/** A random non-zero 32-bit verification tag (§5.3.1). */
export function randomTag(cfg: SctpConfig): number {
  for (;;) {
    const t = cfg.random.u32() >>> 0;
    if (t !== 0) return t;
  }
}

/** The initial TSN (§5.3.1: random; fixed when configured for tests). */
export function initialTsn(cfg: SctpConfig): number {
  return cfg.initialTsn !== undefined ? cfg.initialTsn >>> 0 : cfg.random.u32() >>> 0;
}
