/**
 * Address scopes, to decide which PE addresses a registrar accepts (notes/rsplib-interop.md §5: RSPLIB
 * accepts only site-local or global addresses by default; we also allow loopback when so configured,
 * for single-machine use).
 */
import { parseIpAddress } from './ip-address.js';
import type { IpAddress } from './types.js';

/** Ordered from narrowest to widest; a minimum scope accepts itself and everything wider. */
export const AddressScope = {
  Unspecified: 0,
  Loopback: 1,
  LinkLocal: 2,
  SiteLocal: 3,
  Global: 4,
} as const;
export type AddressScope = (typeof AddressScope)[keyof typeof AddressScope];

export function addressScope(address: IpAddress): AddressScope {
  const b = parseIpAddress(address);
  if (!b) return AddressScope.Unspecified;
  return b.length === 4 ? ipv4Scope(b) : ipv6Scope(b);
}

function ipv4Scope(b: Uint8Array): AddressScope {
  const [a, c] = [b[0]!, b[1]!];
  if (a === 0) return AddressScope.Unspecified;
  if (a === 127) return AddressScope.Loopback;
  if (a === 169 && c === 254) return AddressScope.LinkLocal;
  if (a === 10 || (a === 172 && c >= 16 && c <= 31) || (a === 192 && c === 168))
    return AddressScope.SiteLocal;
  if (a === 100 && c >= 64 && c <= 127) return AddressScope.SiteLocal; // RFC 6598 shared space
  if (a >= 224) return AddressScope.Unspecified; // multicast and reserved are never PE addresses
  return AddressScope.Global;
}

function ipv6Scope(b: Uint8Array): AddressScope {
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (mapped) return ipv4Scope(b.subarray(12));
  if (b.every((x) => x === 0)) return AddressScope.Unspecified;
  if (b.subarray(0, 15).every((x) => x === 0) && b[15] === 1) return AddressScope.Loopback;
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return AddressScope.LinkLocal;
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return AddressScope.SiteLocal; // deprecated fec0::/10
  if ((b[0]! & 0xfe) === 0xfc) return AddressScope.SiteLocal; // unique local fc00::/7
  if (b[0] === 0xff) return AddressScope.Unspecified;
  return AddressScope.Global;
}

/** Parses a CLI scope name ('loopback', 'site-local', 'global'; RSPLIB's 'sitelocal' too). */
export function parseAddressScope(text: string): AddressScope | undefined {
  switch (text.toLowerCase()) {
    case 'loopback':
      return AddressScope.Loopback;
    case 'link-local':
    case 'linklocal':
      return AddressScope.LinkLocal;
    case 'site-local':
    case 'sitelocal':
      return AddressScope.SiteLocal;
    case 'global':
      return AddressScope.Global;
    default:
      return undefined;
  }
}
