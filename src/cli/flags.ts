/**
 * Checks of the CLI's address, announce, scope and policy flags, with messages that name the flag the
 * user typed and list the valid values. Host names are resolved here (node:dns): the API takes IP
 * addresses only, the command line also takes names such as `localhost`.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ASAP_ANNOUNCE_GROUP, ENRP_ANNOUNCE_GROUP, type HostPort } from '../api/addresses.js';
import { POLICY_DESCRIPTORS, parsePolicySpec } from '../policy/index.js';
import { UsageError } from './command.js';

export type { HostPort } from '../api/addresses.js';

/** What a port of 0 means for a flag: a listener or a destination needs a real one. */
export interface PortRule {
  /** The port when the flag gives none; undefined: the flag must give one. */
  readonly defaultPort?: number;
  /** True where 0 means "any free port" (a local address that peers learn from our packets). */
  readonly zeroAllowed?: boolean;
}

/** "HOST", "HOST:PORT", "[V6]" or "[V6]:PORT", split; HOST an IP address or a host name. */
function splitHostPort(text: string, flag: string): { host: string; port: string | undefined } {
  const m = /^\[([^\]]+)\](?::(\d*))?$/.exec(text) ?? /^([^:[\]]+)(?::(\d*))?$/.exec(text);
  // A bare IPv6 address ("::1") has colons of its own.
  if (!m && isIP(text) === 6) return { host: text, port: undefined };
  if (!m?.[1])
    throw new UsageError(
      `${flag}: '${text}' is not HOST:PORT (e.g. 127.0.0.1:3863, localhost:3863, [::1]:3863)`,
    );
  return { host: m[1], port: m[2] };
}

/** An IP address for `host`: itself if it is one, else the first address DNS gives (IPv4 first). */
export async function resolveHost(host: string, flag: string): Promise<string> {
  if (isIP(host) !== 0) return host;
  try {
    const all = await lookup(host, { all: true });
    const pick = all.find((a) => a.family === 4) ?? all[0];
    if (pick) return pick.address;
  } catch {
    // reported below
  }
  throw new UsageError(
    `${flag}: cannot resolve host name '${host}' (give an IP address or a name this host resolves)`,
  );
}

/** Parses and resolves a HOST[:PORT] flag value. */
export async function hostPortFlag(text: string, flag: string, rule: PortRule): Promise<HostPort> {
  const { host, port: portText } = splitHostPort(text, flag);
  let port = rule.defaultPort;
  if (portText !== undefined && portText !== '') port = Number(portText);
  if (port === undefined) throw new UsageError(`${flag}: '${text}' needs a port (HOST:PORT)`);
  const min = rule.zeroAllowed ? 0 : 1;
  if (!Number.isInteger(port) || port < min || port > 65535)
    throw new UsageError(`${flag}: port ${portText} of '${text}' is not ${min} to 65535`);
  return { host: await resolveHost(host, flag), port };
}

/** The API's "IP:PORT" form of a resolved endpoint. */
export const formatHostPort = (hp: HostPort): string =>
  isIP(hp.host) === 6 ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;

/** A list flag (--registrar, --peer) resolved to the API's "IP:PORT" strings. */
export async function endpointsFlag(
  values: readonly string[] | undefined,
  flag: string,
  defaultPort: number,
): Promise<string[]> {
  const out: string[] = [];
  for (const v of values ?? []) out.push(formatHostPort(await hostPortFlag(v, flag, { defaultPort })));
  return out;
}

/** --local HOST (a pool user's local address: no port). */
export async function localHostFlag(text: string | undefined, flag = '--local'): Promise<string | undefined> {
  if (text === undefined) return undefined;
  const { host, port } = splitHostPort(text, flag);
  if (port !== undefined) throw new UsageError(`${flag}: give an address without a port, not '${text}'`);
  return resolveHost(host, flag);
}

/** off | auto | GROUP[:PORT] with GROUP an IPv4 multicast address. */
export function announceFlag(
  text: string | undefined,
  flag: '--asap-announce' | '--enrp-announce',
): string | undefined {
  if (text === undefined || text === 'off' || text === 'auto') return text;
  const auto = flag === '--asap-announce' ? ASAP_ANNOUNCE_GROUP : ENRP_ANNOUNCE_GROUP;
  const valid = `off, auto (= ${auto.host}:${auto.port}) or a multicast GROUP:PORT`;
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text);
  const first = Number(m?.[1]?.split('.')[0]);
  const port = m?.[2] === undefined ? auto.port : Number(m[2]);
  if (!m || isIP(m[1]!) !== 4 || first < 224 || first > 239 || port < 1 || port > 65535)
    throw new UsageError(`${flag}: '${text}' is not ${valid}`);
  return `${m[1]}:${port}`;
}

export const ADDRESS_SCOPES = ['loopback', 'site-local', 'global'] as const;

export function scopeFlag(text: string | undefined, flag: string): string | undefined {
  if (text === undefined) return undefined;
  if (!(ADDRESS_SCOPES as readonly string[]).includes(text.toLowerCase()))
    throw new UsageError(`${flag}: '${text}' is not one of ${ADDRESS_SCOPES.join(', ')}`);
  return text.toLowerCase();
}

/** Every policy spec form, e.g. "WeightedRandom[:weight]", for messages and help. */
export const POLICY_FORMS: readonly string[] = POLICY_DESCRIPTORS.map(
  (p) => `${p.name}${p.specFields.map((f) => `[:${f}]`).join('')}`,
);

export function policyFlag(text: string | undefined, flag: string): string | undefined {
  if (text === undefined) return undefined;
  const r = parsePolicySpec(text);
  if (!r.ok)
    throw new UsageError(
      `${flag}: ${r.error} (policies: ${POLICY_DESCRIPTORS.map((p) => p.name).join(', ')})`,
    );
  return text;
}
