/** Textual IPv4/IPv6 addresses <-> bytes for INIT and INIT ACK address parameters (the shared code in base). */
import { parseIpv6 as parseIpv6Base } from '../../base/ip-address.js';

export { formatIpv4, formatIpv6, isIpv6Address as isIpv6, parseIpv4 } from '../../base/ip-address.js';

/** As base's, but accepts (and drops) a zone index: "fe80::1%eth0" as Node reports link-local peers. */
export function parseIpv6(s: string): Uint8Array | undefined {
  const zone = s.indexOf('%');
  return parseIpv6Base(zone >= 0 ? s.slice(0, zone) : s);
}
