/** Endpoint options with every default filled in (RFC 9260 §16 values from defaults.ts). */
import type { Random } from '../base/random.js';
import { SCTP_DEFAULTS as D } from './defaults.js';
import type { CookieMac, EndpointOptions } from './types.js';

export interface SctpConfig {
  readonly port: number;
  /** Every local SCTP port served (`port` first). */
  readonly ports: readonly number[];
  readonly listen: boolean;
  readonly localAddresses: readonly string[];
  readonly random: Random;
  readonly mac: CookieMac;
  readonly secret: Uint8Array;
  readonly remoteUdpPort: number;
  readonly ipv4: boolean;
  readonly ipv6: boolean;
  readonly tryPeerSctpPortAsUdpPort: boolean;
  readonly rtoInitialMs: number;
  readonly rtoMinMs: number;
  readonly rtoMaxMs: number;
  readonly maxBurst: number;
  readonly validCookieLifeMs: number;
  readonly associationMaxRetrans: number;
  readonly pathMaxRetrans: number;
  readonly maxInitRetransmits: number;
  readonly heartbeatIntervalMs: number;
  readonly heartbeats: boolean;
  readonly sackDelayMs: number;
  readonly sackFrequency: number;
  /** Largest SCTP packet: path MTU minus IP and UDP headers. */
  readonly maxPacketBytes: number;
  /** Largest SCTP packet to loopback peers (127.0.0.0/8, ::1). */
  readonly loopbackMaxPacketBytes: number;
  readonly receiveWindowBytes: number;
  readonly maxMessageBytes: number;
  readonly outboundStreams: number;
  readonly inboundStreams: number;
  readonly autocloseMs: number;
  readonly maxAssociations: number;
  /** T5-shutdown-guard (§9.2). */
  readonly shutdownGuardMs: number;
  readonly initialTsn: number | undefined;
}

export function resolveConfig(o: EndpointOptions): SctpConfig {
  const secret = o.secret ?? Uint8Array.from({ length: 32 }, () => o.random.u32() & 0xff);
  const mtu = o.pathMtuBytes ?? D.pathMtuBytes;
  return {
    port: o.port,
    ports: [...new Set([o.port, ...(o.ports ?? [])])],
    listen: o.listen ?? true,
    localAddresses: o.localAddresses ?? [],
    random: o.random,
    mac: o.mac,
    secret,
    remoteUdpPort: o.remoteUdpPort ?? D.udpEncapsulationPort,
    ipv4: (o.addressFamilies ?? ['ipv4', 'ipv6']).includes('ipv4'),
    ipv6: (o.addressFamilies ?? ['ipv4', 'ipv6']).includes('ipv6'),
    tryPeerSctpPortAsUdpPort: o.tryPeerSctpPortAsUdpPort ?? true,
    rtoInitialMs: o.rtoInitialMs ?? D.rtoInitialMs,
    rtoMinMs: o.rtoMinMs ?? D.rtoMinMs,
    rtoMaxMs: o.rtoMaxMs ?? D.rtoMaxMs,
    maxBurst: o.maxBurst ?? D.maxBurst,
    validCookieLifeMs: o.validCookieLifeMs ?? D.validCookieLifeMs,
    associationMaxRetrans: o.associationMaxRetrans ?? D.associationMaxRetrans,
    pathMaxRetrans: o.pathMaxRetrans ?? D.pathMaxRetrans,
    maxInitRetransmits: o.maxInitRetransmits ?? D.maxInitRetransmits,
    heartbeatIntervalMs: o.heartbeatIntervalMs ?? D.heartbeatIntervalMs,
    heartbeats: o.heartbeats ?? true,
    sackDelayMs: o.sackDelayMs ?? D.sackDelayMs,
    sackFrequency: D.sackFrequency,
    maxPacketBytes: Math.max(256, mtu - D.ipUdpOverheadBytes) & ~3,
    loopbackMaxPacketBytes:
      Math.max(256, (o.loopbackMtuBytes ?? D.loopbackMtuBytes) - D.ipUdpOverheadBytes) & ~3,
    receiveWindowBytes: o.receiveWindowBytes ?? D.receiveWindowBytes,
    maxMessageBytes: o.maxMessageBytes ?? D.maxMessageBytes,
    outboundStreams: Math.min(65535, Math.max(1, o.outboundStreams ?? D.outboundStreams)),
    inboundStreams: Math.min(65535, Math.max(1, o.inboundStreams ?? D.inboundStreams)),
    autocloseMs: o.autocloseMs ?? D.autocloseMs,
    maxAssociations: o.maxAssociations ?? 100_000,
    initialTsn: o.initialTsn,
    shutdownGuardMs: D.shutdownGuardFactor * (o.rtoMaxMs ?? D.rtoMaxMs),
  };
}

/** The packet size for an association whose primary address is `ip` (loopback has a known, large MTU). */
export function maxPacketBytesFor(cfg: SctpConfig, ip: string): number {
  return ip.startsWith('127.') || ip === '::1' ? cfg.loopbackMaxPacketBytes : cfg.maxPacketBytes;
}

/**
 * Whether the driver can send to `ip`: its address family is bound, and it is no IPv6 link-local
 * address (our addresses carry no zone, so it names no interface; sending fails with EINVAL).
 */
export function reachable(cfg: SctpConfig, ip: string): boolean {
  if (!ip.includes(':')) return cfg.ipv4;
  return cfg.ipv6 && !/^fe[89ab]/i.test(ip);
}
