/** Public surface of the ASAP/ENRP codec (RFC 5352, 5353, 5354). */
export { decodeAsap, encodeAsap } from './asap-codec.js';
export type * from './asap-messages.js';
export * from './checksum.js';
export * from './constants.js';
export { type DecodeError, decodeErrorCause, parametersToReport } from './decode-error.js';
export { decodeEnrp, encodeEnrp } from './enrp-codec.js';
export type * from './enrp-messages.js';
export {
  canonicalIpAddress,
  formatIpv4,
  formatIpv6,
  isIpv6Address,
  parseIpAddress,
  parseIpv4,
  parseIpv6,
} from './ip-address.js';
export * from './json.js';
export { decodeMessage, encodeMessage, type MessageOf, type Protocol } from './message.js';
export { firstDifference, messagesEqual } from './message-equal.js';
export {
  POLICY_LAYOUTS,
  type PolicyField,
  type PolicyLayout,
  policyLayoutByName,
  policyLayoutByType,
} from './policy-parameter.js';
export * from './types.js';
