/** Protocol-generic entry points: pick the ASAP or ENRP codec by protocol (PPID 11 / 12, or the port). */
import type { Result } from '../base/index.js';
import { decodeAsap, encodeAsap } from './asap-codec.js';
import type { AsapMessage } from './asap-messages.js';
import type { DecodeError } from './decode-error.js';
import { decodeEnrp, encodeEnrp } from './enrp-codec.js';
import type { EnrpMessage } from './enrp-messages.js';
import { requireProtocol } from './guards.js';

export type Protocol = 'asap' | 'enrp';

/** The message type for each protocol. */
export type MessageOf<P extends Protocol> = P extends 'asap' ? AsapMessage : EnrpMessage;

export function decodeMessage<P extends Protocol>(
  protocol: P,
  bytes: Uint8Array,
): Result<MessageOf<P>, DecodeError>;
export function decodeMessage(
  protocol: Protocol,
  bytes: Uint8Array,
): Result<AsapMessage | EnrpMessage, DecodeError> {
  requireProtocol(protocol, 'decodeMessage');
  return protocol === 'asap' ? decodeAsap(bytes) : decodeEnrp(bytes);
}

export function encodeMessage<P extends Protocol>(protocol: P, message: MessageOf<P>): Uint8Array;
export function encodeMessage(protocol: Protocol, message: AsapMessage | EnrpMessage): Uint8Array {
  requireProtocol(protocol, 'encodeMessage');
  return protocol === 'asap' ? encodeAsap(message as AsapMessage) : encodeEnrp(message as EnrpMessage);
}
