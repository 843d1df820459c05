/**
 * The message shapes both sides of a session share: an application message, the action that sends
 * one on an association, the event that delivers one, and the Business Card (RFC 5352 §3.9).
 */
import type { AssociationId } from '../base/index.js';
import type { PoolElementParameter, PoolHandle } from '../wire/types.js';

export interface BusinessCard {
  readonly poolHandle: PoolHandle;
  /** PEs in the recommended failover order. */
  readonly poolElements: readonly PoolElementParameter[];
}

/** An application message: what a session sends and what it delivers (PPID 11 is the control channel). */
export interface SessionMessage {
  readonly ppid: number;
  readonly stream: number;
  readonly unordered?: boolean;
  readonly bytes: Uint8Array;
}

/** A message with its `unordered` flag settled: as kept in a queue and as sent. */
export type Message = Required<SessionMessage>;

/** Send a message on an association (SCTP send with ppid, stream and the U bit). */
export type SendAction = { readonly kind: 'send'; readonly assoc: AssociationId } & Message;

/** A message arrived for the application. */
export type DataEvent = { readonly kind: 'data' } & Message;

export function message(m: SessionMessage): Message {
  return { ppid: m.ppid, stream: m.stream, unordered: m.unordered ?? false, bytes: m.bytes };
}
