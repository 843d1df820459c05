/** Parsing of the address arguments of the API and CLI: "host:port", "[v6]:port", multicast specs. */
import { networkInterfaces } from 'node:os';
import type { Random } from '../base/index.js';
import { canonicalIpAddress, WellKnownPort } from '../wire/index.js';
import { InvalidArgumentError } from './errors.js';

/** Largest port number (UDP, SCTP). */
export const PORT_MAX = 0xffff;

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** "10.0.0.1:3863", "[::1]:3863", or a bare host with `defaultPort`. Hosts must be IP addresses. */
export function parseHostPort(text: string, what: string, defaultPort?: number): HostPort {
  if (typeof text !== 'string') throw new InvalidArgumentError(`${what} must be a string "IP:PORT"`);
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(text);
  const host = m?.[1];
  const portText = m?.[2];
  const canonical = host === undefined ? undefined : canonicalIpAddress(host);
  if (canonical === undefined) throw new InvalidArgumentError(`${what}: '${text}' is not IP:PORT`);
  const port = portText === undefined ? defaultPort : Number(portText);
  if (port === undefined || !Number.isInteger(port) || port < 0 || port > PORT_MAX) {
    throw new InvalidArgumentError(`${what}: '${text}' needs a port between 0 and ${PORT_MAX}`);
  }
  return { host: canonical, port };
}

/** Registrar ASAP endpoints ("IP:PORT", port default 3863) as the registrar hunt takes them. */
export function parseRegistrars(
  list: readonly string[] | undefined,
): { addresses: string[]; port: number }[] {
  if (list !== undefined && !Array.isArray(list))
    throw new InvalidArgumentError('registrars must be an array of "IP:PORT" strings');
  return (list ?? []).map((r) => {
    const hp = parseHostPort(r, 'registrar', WellKnownPort.Asap);
    return { addresses: [hp.host], port: hp.port };
  });
}

export type AnnounceSetting = 'off' | 'auto' | string;

/** `off`, `auto` (the RFC/RSPLIB default group) or "GROUP:PORT"; undefined means off. */
export function parseAnnounce(
  setting: AnnounceSetting | undefined,
  auto: HostPort,
  what: string,
): HostPort | undefined {
  if (setting === undefined || setting === 'off' || setting === 'none') return undefined;
  if (setting === 'auto') return auto;
  if (typeof setting !== 'string') throw new InvalidArgumentError(`${what} must be off, auto or GROUP:PORT`);
  const hp = parseHostPort(setting, what, auto.port);
  const first = Number(hp.host.split('.')[0]);
  if (!(first >= 224 && first <= 239))
    throw new InvalidArgumentError(`${what}: ${hp.host} is not an IPv4 multicast group`);
  return hp;
}

export const ASAP_ANNOUNCE_GROUP: HostPort = { host: '239.0.0.50', port: WellKnownPort.Asap };
export const ENRP_ANNOUNCE_GROUP: HostPort = { host: '239.0.0.51', port: WellKnownPort.Enrp };

const isWildcard = (a: string): boolean => a === '0.0.0.0' || a === '::';

/**
 * The addresses to put into transport parameters for a bound address: itself if specific, else this
 * host's interface addresses (IPv4 and global IPv6), loopback only if nothing else exists.
 */
export function advertisedAddresses(bound: string): string[] {
  if (!isWildcard(bound)) return [bound];
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.internal) continue;
      if (i.family === 'IPv4' || (i.family === 'IPv6' && !i.address.startsWith('fe80'))) out.push(i.address);
    }
  }
  return out.length > 0 ? out : ['127.0.0.1'];
}

/** A random SCTP port in 10000-59999, as RSPLIB picks for its endpoints. */
export function randomPort(random: Random): number {
  return 10000 + (random.u32() % 50000);
}
