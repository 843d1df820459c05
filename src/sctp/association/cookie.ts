/**
 * The State Cookie (RFC 9260 §5.1.3): everything needed to build the association's TCB when
 * the COOKIE ECHO comes back, signed with a MAC so that the endpoint stays stateless until then.
 */
import { ByteReader, ByteWriter } from '../../base/bytes.js';
import type { Instant } from '../../base/time.js';
import type { CookieMac } from '../types.js';

export interface CookieFields {
  readonly createdAt: Instant;
  readonly lifespanMs: number;
  readonly localTag: number;
  readonly peerTag: number;
  readonly localInitialTsn: number;
  readonly peerInitialTsn: number;
  readonly peerArwnd: number;
  readonly outboundStreams: number;
  readonly inboundStreams: number;
  readonly localTieTag: number;
  readonly peerTieTag: number;
  readonly localPort: number;
  readonly peerPort: number;
  /** The UDP port and IP address the INIT came from (the primary path). */
  readonly sourceUdpPort: number;
  readonly sourceAddress: string;
  readonly peerAddresses: readonly string[];
}

const VERSION = 1;
const enc = new TextEncoder();
const dec = new TextDecoder();

export function signCookie(f: CookieFields, mac: CookieMac, key: Uint8Array): Uint8Array {
  const w = new ByteWriter(128);
  w.u8(VERSION).u8(0).u16(0).f64(f.createdAt).u32(f.lifespanMs);
  w.u32(f.localTag).u32(f.peerTag).u32(f.localInitialTsn).u32(f.peerInitialTsn).u32(f.peerArwnd);
  w.u16(f.outboundStreams).u16(f.inboundStreams).u32(f.localTieTag).u32(f.peerTieTag);
  w.u16(f.localPort).u16(f.peerPort).u16(f.sourceUdpPort);
  const addrs = [f.sourceAddress, ...f.peerAddresses.filter((a) => a !== f.sourceAddress)].slice(0, 32);
  w.u8(addrs.length);
  for (const a of addrs) {
    const b = enc.encode(a).subarray(0, 64);
    w.u8(b.length).bytes(b);
  }
  const body = w.finish();
  const m = mac(key, body);
  const out = new Uint8Array(body.length + m.length + 1);
  out.set(body);
  out.set(m, body.length);
  out[out.length - 1] = m.length;
  return out;
}

/** Verifies the MAC and decodes; undefined if forged, truncated or malformed. */
export function openCookie(cookie: Uint8Array, mac: CookieMac, key: Uint8Array): CookieFields | undefined {
  if (cookie.length < 2) return undefined;
  const macLen = cookie[cookie.length - 1]!;
  if (macLen < 8 || cookie.length < macLen + 1 + 48) return undefined;
  const body = cookie.subarray(0, cookie.length - 1 - macLen);
  const given = cookie.subarray(body.length, cookie.length - 1);
  const expected = mac(key, body);
  if (expected.length !== given.length) return undefined;
  let diff = 0;
  for (let i = 0; i < given.length; i++) diff |= given[i]! ^ expected[i]!;
  if (diff !== 0) return undefined;
  const r = new ByteReader(body);
  if (!r.has(47) || r.u8() !== VERSION) return undefined;
  r.skip(3);
  const createdAt = r.f64();
  const lifespanMs = r.u32();
  const localTag = r.u32();
  const peerTag = r.u32();
  const localInitialTsn = r.u32();
  const peerInitialTsn = r.u32();
  const peerArwnd = r.u32();
  const outboundStreams = r.u16();
  const inboundStreams = r.u16();
  const localTieTag = r.u32();
  const peerTieTag = r.u32();
  const localPort = r.u16();
  const peerPort = r.u16();
  const sourceUdpPort = r.u16();
  const n = r.u8();
  const addrs: string[] = [];
  for (let i = 0; i < n; i++) {
    if (!r.has(1)) return undefined;
    const len = r.u8();
    if (!r.has(len)) return undefined;
    addrs.push(dec.decode(r.take(len)));
  }
  const sourceAddress = addrs[0];
  if (sourceAddress === undefined) return undefined;
  return {
    createdAt,
    lifespanMs,
    localTag,
    peerTag,
    localInitialTsn,
    peerInitialTsn,
    peerArwnd,
    outboundStreams,
    inboundStreams,
    localTieTag,
    peerTieTag,
    localPort,
    peerPort,
    sourceUdpPort,
    sourceAddress,
    peerAddresses: addrs,
  };
}
