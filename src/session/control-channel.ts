/**
 * The ASAP control channel on a PE–PU data association (RFC 5352 §3.8 note; notes §4.3): messages with
 * PPID 11 are ASAP (Cookie, Cookie Echo, Business Card), everything else is application data.
 */

import { decodeAsap, encodeAsap } from '../wire/asap-codec.js';
import type { AsapMessage } from '../wire/asap-messages.js';
import { PayloadProtocolId } from '../wire/constants.js';

export const CONTROL_CHANNEL_PPID = PayloadProtocolId.Asap;

export type Delivery =
  | { readonly kind: 'data' }
  | { readonly kind: 'control'; readonly message: AsapMessage }
  | { readonly kind: 'malformedControl'; readonly reason: string };

/** Separates control-channel messages from data; never throws. */
export function classifyDelivery(ppid: number, bytes: Uint8Array): Delivery {
  if (ppid !== CONTROL_CHANNEL_PPID) return { kind: 'data' };
  const decoded = decodeAsap(bytes);
  return decoded.ok
    ? { kind: 'control', message: decoded.value }
    : { kind: 'malformedControl', reason: decoded.error.reason };
}

export function encodeControl(message: AsapMessage): Uint8Array {
  return encodeAsap(message);
}
