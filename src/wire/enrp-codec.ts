/**
 * ENRP message codec (RFC 5353 §2): `decodeEnrp` never throws on any input; `encodeEnrp` writes the RFC
 * form and throws InvalidArgumentError on invalid input. Pool Elements in ENRP must carry their ASAP transport (RFC 5354
 * §3.10; RSPLIB rejects Handle Table entries without it), and a pool entry needs at least one PE.
 */
import { ByteWriter, type Result } from '../base/index.js';
import { EnrpMessageType, MessageFlag, ParameterType, UpdateAction } from './constants.js';
import type { DecodeError } from './decode-error.js';
import type { EnrpMessage, EnrpPoolEntry } from './enrp-messages.js';
import { encodeGuarded, requireBytes } from './guards.js';
import { decodeMessageFrame, finishMessage, type MessageGrammar } from './message-frame.js';
import {
  readOperationError,
  readPeChecksum,
  readPoolElement,
  readPoolHandle,
  readServerInformation,
} from './parameter-decoder.js';
import {
  writeOperationError,
  writePeChecksum,
  writePoolElement,
  writePoolHandle,
  writeServerInformation,
  writeUnrecognized,
} from './parameter-encoder.js';
import type { DecodeContext, TlvReader } from './tlv-reader.js';
import { ErrorCause, type PoolElementParameter, type ServerInformation } from './types.js';

/** Decodes untrusted bytes; never throws on them (InvalidArgumentError if `bytes` is not a Uint8Array). */
export function decodeEnrp(bytes: Uint8Array): Result<EnrpMessage, DecodeError> {
  requireBytes(bytes, 'decodeEnrp');
  return decodeMessageFrame(bytes, ENRP);
}

const T = EnrpMessageType;

function fixedLength(type: number): number {
  return type === T.HandleUpdate ||
    type === T.InitTakeover ||
    type === T.InitTakeoverAck ||
    type === T.TakeoverServer
    ? 16
    : 12;
}

const ENRP: MessageGrammar<EnrpMessage> = {
  protocol: 'ENRP',
  first: T.Presence,
  last: T.Error,
  fixedLength,
  parameters: (ctx, r, type, flags) =>
    decodeParameters(ctx, r, type, flags, { senderId: ctx.u32(4), receiverId: ctx.u32(8) }),
};

interface Ids {
  readonly senderId: number;
  readonly receiverId: number;
}

function decodeParameters(
  ctx: DecodeContext,
  r: TlvReader,
  type: number,
  flags: number,
  ids: Ids,
): EnrpMessage {
  switch (type) {
    case T.Presence:
      return decodePresence(r, flags, ids);
    case T.HandleTableRequest:
      return {
        kind: 'handleTableRequest',
        ownChildrenOnly: (flags & MessageFlag.OwnChildrenOnly) !== 0,
        ...ids,
      };
    case T.HandleTableResponse:
      return {
        kind: 'handleTableResponse',
        reject: (flags & MessageFlag.Reject) !== 0,
        moreToSend: (flags & MessageFlag.MoreToSend) !== 0,
        ...ids,
        pools: readPoolEntries(r),
      };
    case T.HandleUpdate:
      return decodeHandleUpdate(r, flags, ids);
    case T.ListRequest:
      return { kind: 'listRequest', ...ids };
    case T.ListResponse: {
      const servers: ServerInformation[] = [];
      while (r.peek() === ParameterType.ServerInformation) servers.push(readServerInformation(r));
      return { kind: 'listResponse', reject: (flags & MessageFlag.Reject) !== 0, ...ids, servers };
    }
    case T.InitTakeover:
      return { kind: 'initTakeover', ...ids, targetId: ctx.u32(12) };
    case T.InitTakeoverAck:
      return { kind: 'initTakeoverAck', ...ids, targetId: ctx.u32(12) };
    case T.TakeoverServer:
      return { kind: 'takeoverServer', ...ids, targetId: ctx.u32(12) };
    default:
      return { kind: 'error', ...ids, operationError: readOperationError(r) };
  }
}

function decodePresence(r: TlvReader, flags: number, ids: Ids): EnrpMessage {
  const peChecksum = r.peek() === ParameterType.PeChecksum ? readPeChecksum(r) : undefined;
  const info = r.peek() === ParameterType.ServerInformation ? readServerInformation(r) : undefined;
  return {
    kind: 'presence',
    replyRequired: (flags & MessageFlag.ReplyRequired) !== 0,
    ...ids,
    ...(peChecksum === undefined ? {} : { peChecksum }),
    ...(info === undefined ? {} : { serverInformation: info }),
  };
}

function decodeHandleUpdate(r: TlvReader, flags: number, ids: Ids): EnrpMessage {
  const code = r.ctx.u16(12);
  if (code !== UpdateAction.AddPe && code !== UpdateAction.DeletePe) {
    r.ctx.fail(ErrorCause.InvalidValues, 0, r.end, `update action ${code} is neither ADD_PE nor DEL_PE`);
  }
  return {
    kind: 'handleUpdate',
    takeoverSuggested: (flags & MessageFlag.TakeoverSuggested) !== 0,
    ...ids,
    action: code === UpdateAction.AddPe ? 'addPe' : 'deletePe',
    poolHandle: readPoolHandle(r),
    poolElement: readPoolElement(r, 'required'),
  };
}

function readPoolEntries(r: TlvReader): EnrpPoolEntry[] {
  const pools: EnrpPoolEntry[] = [];
  while (r.peek() !== -1) {
    const poolHandle = readPoolHandle(r);
    const poolElements: PoolElementParameter[] = [];
    while (r.peek() === ParameterType.PoolElement) poolElements.push(readPoolElement(r, 'required'));
    if (poolElements.length === 0)
      r.ctx.fail(ErrorCause.InvalidValues, 0, r.end, 'pool entry without pool elements');
    pools.push({ poolHandle, poolElements });
  }
  return pools;
}

const writer = new ByteWriter(2048);

const TYPE: Record<EnrpMessage['kind'], number> = {
  presence: T.Presence,
  handleTableRequest: T.HandleTableRequest,
  handleTableResponse: T.HandleTableResponse,
  handleUpdate: T.HandleUpdate,
  listRequest: T.ListRequest,
  listResponse: T.ListResponse,
  initTakeover: T.InitTakeover,
  initTakeoverAck: T.InitTakeoverAck,
  takeoverServer: T.TakeoverServer,
  error: T.Error,
};

function flagsOf(m: EnrpMessage): number {
  switch (m.kind) {
    case 'presence':
      return m.replyRequired ? MessageFlag.ReplyRequired : 0;
    case 'handleTableRequest':
      return m.ownChildrenOnly ? MessageFlag.OwnChildrenOnly : 0;
    case 'handleTableResponse':
      return (m.reject ? MessageFlag.Reject : 0) | (m.moreToSend ? MessageFlag.MoreToSend : 0);
    case 'handleUpdate':
      return m.takeoverSuggested ? MessageFlag.TakeoverSuggested : 0;
    case 'listResponse':
      return m.reject ? MessageFlag.Reject : 0;
    default:
      return 0;
  }
}

/** Encodes a message; InvalidArgumentError if it is not a valid ENRP message. */
export function encodeEnrp(m: EnrpMessage): Uint8Array {
  return encodeGuarded(m, 'encodeEnrp', encodeUnchecked);
}

function encodeUnchecked(m: EnrpMessage): Uint8Array {
  const type = TYPE[m.kind];
  if (type === undefined) throw new TypeError(`encodeEnrp: unknown message kind ${String(m.kind)}`);
  const w = writer;
  w.length = 0;
  w.u8(type).u8(flagsOf(m)).u16(0).u32(m.senderId).u32(m.receiverId);
  switch (m.kind) {
    case 'presence':
      if (m.peChecksum !== undefined) writePeChecksum(w, m.peChecksum);
      if (m.serverInformation !== undefined) writeServerInformation(w, m.serverInformation);
      break;
    case 'handleTableResponse':
      for (const pool of m.pools) {
        writePoolHandle(w, pool.poolHandle);
        for (const pe of pool.poolElements) writePoolElement(w, pe);
      }
      break;
    case 'handleUpdate':
      w.u16(m.action === 'deletePe' ? UpdateAction.DeletePe : UpdateAction.AddPe).u16(0);
      writePoolHandle(w, m.poolHandle);
      writePoolElement(w, m.poolElement);
      break;
    case 'listResponse':
      for (const s of m.servers) writeServerInformation(w, s);
      break;
    case 'initTakeover':
    case 'initTakeoverAck':
    case 'takeoverServer':
      w.u32(m.targetId);
      break;
    case 'error':
      writeOperationError(w, m.operationError);
      break;
    default:
      break;
  }
  writeUnrecognized(w, m.unrecognized);
  return finishMessage(w);
}
