/**
 * IP address text <-> bytes, shared by the RSerPool address parameters (RFC 5354 §3.1, §3.2) and the
 * SCTP INIT address parameters (RFC 9260 §3.3.2.1). IPv4 is a dotted quad; IPv6 is formatted per
 * RFC 5952 (lower case, longest zero run compressed, IPv4-mapped addresses in mixed notation). Parsing
 * accepts any valid RFC 4291 text form.
 */

/** An address in text form: dotted quad or RFC 5952 IPv6. */
export type IpAddress = string;

/** 4 bytes for IPv4 text, 16 for IPv6 text, undefined if the text is not an address. */
export function parseIpAddress(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

export function isIpv6Address(address: IpAddress): boolean {
  return address.includes(':');
}

/** A dotted quad without leading zeros ("010" is refused: it reads as octal elsewhere). No regex: hot path. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const n = text.length;
  if (n < 7 || n > 15) return undefined;
  const out = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 46; // a final '.' closes the last part
    if (c === 46) {
      if (digits === 0 || part > 3) return undefined;
      out[part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return undefined; // leading zero
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return undefined;
    } else {
      return undefined;
    }
  }
  return part === 4 ? out : undefined;
}
export function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length > 45) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const words: number[] = [];
  const tailWords: number[] = [];
  if (!parseGroups(head, words, halves.length === 1) || !parseGroups(tail, tailWords, true)) return undefined;
  let all: number[];
  if (halves.length === 2) {
    if (words.length + tailWords.length > 7) return undefined;
    all = [...words, ...new Array<number>(8 - words.length - tailWords.length).fill(0), ...tailWords];
  } else {
    all = words;
  }
  if (all.length !== 8) return undefined;
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i]! >>> 8;
    out[2 * i + 1] = all[i]! & 0xff;
  }
  return out;
}

/** Parses hex groups; a dotted quad is allowed as the last group when `last` is true. */
function parseGroups(groups: readonly string[], out: number[], last: boolean): boolean {
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (last && i === groups.length - 1 && g.includes('.')) {
      const v4 = parseIpv4(g);
      if (v4 === undefined) return false;
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
      out.push(Number.parseInt(g, 16));
    }
  }
  return true;
}

export function formatIpv4(b: Uint8Array, at = 0): IpAddress {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** RFC 5952 §4 canonical text; IPv4-mapped addresses (::ffff:0:0/96) use mixed notation (§5). */
export function formatIpv6(b: Uint8Array, at = 0): IpAddress {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[at + 2 * i]! << 8) | b[at + 2 * i + 1]!);
  if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff) {
    return `::ffff:${formatIpv4(b, at + 12)}`;
  }
  // Longest run of at least two zero words; the first one wins a tie (RFC 5952 §4.2.3).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(w);
  return `${hex(w.slice(0, bestStart))}::${hex(w.slice(bestStart + bestLen))}`;
}

/** Canonical text of an address (undefined if invalid): what decode would give after encode. */
export function canonicalIpAddress(text: string): IpAddress | undefined {
  const b = parseIpAddress(text);
  if (b === undefined) return undefined;
  return b.length === 4 ? formatIpv4(b) : formatIpv6(b);
}

const CACHE_LIMIT = 4096;
const cache = new Map<string, Uint8Array>();

/** `parseIpAddress` with a bounded memo: encoders see the same few addresses again and again. */
export function ipAddressBytes(text: string): Uint8Array | undefined {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const b = parseIpAddress(text);
  if (b === undefined) return undefined;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, b);
  return b;
}
