/** Address text <-> bytes for the RSerPool address parameters: the shared implementation in base. */
export {
  canonicalIpAddress,
  formatIpv4,
  formatIpv6,
  ipAddressBytes,
  isIpv6Address,
  parseIpAddress,
  parseIpv4,
  parseIpv6,
} from '../base/ip-address.js';
