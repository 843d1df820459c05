/**
 * Typed ENRP messages (RFC 5353 §2), a discriminated union on `kind`. Every ENRP message carries the
 * sender's and the intended receiver's registrar IDs (0 = unknown or group-cast). See asap-messages.ts
 * for flags and `unrecognized`.
 */
import type { MessageExtras } from './asap-messages.js';
import type {
  OperationError,
  PoolElementParameter,
  PoolHandle,
  RegistrarId,
  ServerInformation,
} from './types.js';

interface EnrpHeader extends MessageExtras {
  readonly senderId: RegistrarId;
  readonly receiverId: RegistrarId;
}

/** 0x01, flag R = reply required. RFC 5353 makes both parameters optional (SHOULD / MAY). */
export interface EnrpPresence extends EnrpHeader {
  readonly kind: 'presence';
  readonly replyRequired: boolean;
  readonly peChecksum?: number;
  readonly serverInformation?: ServerInformation;
}

/** 0x02, flag W = only PEs owned by the receiver. */
export interface EnrpHandleTableRequest extends EnrpHeader {
  readonly kind: 'handleTableRequest';
  readonly ownChildrenOnly: boolean;
}

/** One pool entry of a Handle Table Response: a handle and at least one PE (each with ASAP transport). */
export interface EnrpPoolEntry {
  readonly poolHandle: PoolHandle;
  readonly poolElements: readonly PoolElementParameter[];
}

/** 0x03, flags R = reject, M = more to send. */
export interface EnrpHandleTableResponse extends EnrpHeader {
  readonly kind: 'handleTableResponse';
  readonly reject: boolean;
  readonly moreToSend: boolean;
  readonly pools: readonly EnrpPoolEntry[];
}

export type EnrpUpdateAction = 'addPe' | 'deletePe';

/** 0x04, flag T = takeover suggested (draft-dreibholz-rserpool-enrp-takeover). */
export interface EnrpHandleUpdate extends EnrpHeader {
  readonly kind: 'handleUpdate';
  readonly takeoverSuggested: boolean;
  readonly action: EnrpUpdateAction;
  readonly poolHandle: PoolHandle;
  readonly poolElement: PoolElementParameter;
}

/** 0x05 */
export interface EnrpListRequest extends EnrpHeader {
  readonly kind: 'listRequest';
}

/** 0x06, flag R = reject. */
export interface EnrpListResponse extends EnrpHeader {
  readonly kind: 'listResponse';
  readonly reject: boolean;
  readonly servers: readonly ServerInformation[];
}

/** 0x07 */
export interface EnrpInitTakeover extends EnrpHeader {
  readonly kind: 'initTakeover';
  readonly targetId: RegistrarId;
}

/** 0x08 */
export interface EnrpInitTakeoverAck extends EnrpHeader {
  readonly kind: 'initTakeoverAck';
  readonly targetId: RegistrarId;
}

/** 0x09 */
export interface EnrpTakeoverServer extends EnrpHeader {
  readonly kind: 'takeoverServer';
  readonly targetId: RegistrarId;
}

/** 0x0a */
export interface EnrpError extends EnrpHeader {
  readonly kind: 'error';
  readonly operationError: OperationError;
}

export type EnrpMessage =
  | EnrpPresence
  | EnrpHandleTableRequest
  | EnrpHandleTableResponse
  | EnrpHandleUpdate
  | EnrpListRequest
  | EnrpListResponse
  | EnrpInitTakeover
  | EnrpInitTakeoverAck
  | EnrpTakeoverServer
  | EnrpError;

export type EnrpMessageKind = EnrpMessage['kind'];
