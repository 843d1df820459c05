/**
 * The ASAP control channel on a PE–PU data association (RFC 5352 §3.8 note; notes §4.3): messages with
 * PPID 11 are ASAP (Cookie, Cookie Echo, Business Card), everything else is application data. Both
 * sides of a session read deliveries and write control messages through this one module.
 */

import type { AssociationId } from '../base/index.js';
import { decodeAsap, encodeAsap } from '../wire/asap-codec.js';
import type { AsapMessage } from '../wire/asap-messages.js';
import { PayloadProtocolId } from '../wire/constants.js';
import type { BusinessCard, SendAction } from './session-messages.js';

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

/** What a delivery means to a session: data, one of the three control messages, or an error. */
export type ControlReading =
  | { readonly kind: 'data' }
  | { readonly kind: 'cookie' | 'cookieEcho'; readonly cookie: Uint8Array }
  | { readonly kind: 'businessCard'; readonly card: BusinessCard }
  | { readonly kind: 'controlError'; readonly reason: string };

/** Reads a delivery (any PPID); an ASAP message that has no place on a data association is an error. */
export function readDelivery(ppid: number, bytes: Uint8Array): ControlReading {
  const d = classifyDelivery(ppid, bytes);
  if (d.kind === 'data') return d;
  if (d.kind === 'malformedControl') return { kind: 'controlError', reason: d.reason };
  const m = d.message;
  switch (m.kind) {
    case 'cookie':
    case 'cookieEcho':
      return { kind: m.kind, cookie: m.cookie };
    case 'businessCard':
      // RFC 5352 §3.9: RSPLIB's form with a Policy parameter is accepted; the policy is ignored.
      return { kind: 'businessCard', card: { poolHandle: m.poolHandle, poolElements: m.poolElements } };
    default:
      return unexpectedControl(m.kind);
  }
}

export function unexpectedControl(kind: string): { readonly kind: 'controlError'; readonly reason: string } {
  return { kind: 'controlError', reason: `unexpected ASAP ${kind} on a data association` };
}

/** A control message (PPID 11, stream 0, ordered) to send on `assoc`. */
export function controlSend(
  assoc: AssociationId,
  message: { readonly kind: 'cookie' | 'cookieEcho'; readonly cookie: Uint8Array } | BusinessCardMessage,
): SendAction {
  return {
    kind: 'send',
    assoc,
    ppid: CONTROL_CHANNEL_PPID,
    stream: 0,
    unordered: false,
    bytes: encodeControl(message),
  };
}

type BusinessCardMessage = Extract<AsapMessage, { kind: 'businessCard' }>;

/** A Business Card as the ASAP message that carries it (RFC form, no policy). */
export function cardMessage(card: BusinessCard): BusinessCardMessage {
  return { kind: 'businessCard', poolHandle: card.poolHandle, poolElements: card.poolElements };
}
