/**
 * ASAP message codec (RFC 5352 §2.2): `decodeAsap` never throws on any input; `encodeAsap` writes the
 * RFC form (plus what a decoded message preserved, see asap-messages.ts) and throws InvalidArgumentError
 * on invalid input.
 */
import { ByteWriter, type Result } from '../base/index.js';
import type { AsapMessage } from './asap-messages.js';
import { AsapMessageType, MAX_HANDLE_RESOLUTION_ITEMS, MessageFlag, ParameterType } from './constants.js';
import type { DecodeError } from './decode-error.js';
import { encodeGuarded, requireBytes } from './guards.js';
import {
  checkHeader,
  finishMessage,
  messageEnd,
  runDecoder,
  unknownMessageType,
  withUnrecognized,
} from './message-frame.js';
import {
  readCookie,
  readHandleResolutionItems,
  readOperationError,
  readPeIdentifier,
  readPolicy,
  readPoolElement,
  readPoolHandle,
  readServerInformation,
  readTransport,
} from './parameter-decoder.js';
import {
  writeCookie,
  writeHandleResolutionItems,
  writeOperationError,
  writePeIdentifier,
  writePolicy,
  writePoolElement,
  writePoolHandle,
  writeServerInformation,
  writeTransport,
  writeUnrecognized,
} from './parameter-encoder.js';
import { DecodeContext, TlvReader } from './tlv-reader.js';
import {
  ErrorCause,
  type OperationError,
  type PoolElementParameter,
  type PoolPolicy,
  type ServerInformation,
  type TransportParameter,
} from './types.js';

/** Decodes untrusted bytes; never throws on them (InvalidArgumentError if `bytes` is not a Uint8Array). */
export function decodeAsap(bytes: Uint8Array): Result<AsapMessage, DecodeError> {
  requireBytes(bytes, 'decodeAsap');
  return runDecoder(new DecodeContext(bytes), decodeBody);
}

const T = AsapMessageType;
const SERVER_ANNOUNCE_TRANSPORTS: readonly number[] = [
  ParameterType.SctpTransport,
  ParameterType.TcpTransport,
];

function decodeBody(ctx: DecodeContext): AsapMessage {
  checkHeader(ctx);
  const type = ctx.bytes[0]!;
  if (type < T.Registration || type > T.Error) unknownMessageType(ctx, 'ASAP');
  const flags = ctx.bytes[1]!;
  const fixed = type === T.EndpointKeepAlive || type === T.ServerAnnounce ? 8 : 4;
  const end = messageEnd(ctx, fixed);
  const r = new TlvReader(ctx, fixed, end, 0);
  const m = decodeParameters(ctx, r, type, flags);
  r.finish();
  return withUnrecognized(ctx, m);
}

function decodeParameters(ctx: DecodeContext, r: TlvReader, type: number, flags: number): AsapMessage {
  switch (type) {
    case T.Registration:
      return {
        kind: 'registration',
        poolHandle: readPoolHandle(r),
        poolElement: readPoolElement(r, 'optional'),
      };
    case T.Deregistration:
      return { kind: 'deregistration', poolHandle: readPoolHandle(r), poolElementId: readPeIdentifier(r) };
    case T.RegistrationResponse:
      return {
        kind: 'registrationResponse',
        reject: (flags & MessageFlag.Reject) !== 0,
        poolHandle: readPoolHandle(r),
        poolElementId: readPeIdentifier(r),
        ...optionalError(r),
      };
    case T.DeregistrationResponse:
      return {
        kind: 'deregistrationResponse',
        poolHandle: readPoolHandle(r),
        poolElementId: readPeIdentifier(r),
        ...optionalError(r),
      };
    case T.HandleResolution: {
      const poolHandle = readPoolHandle(r);
      const subscribe = (flags & MessageFlag.Subscribe) !== 0;
      if (r.peek() !== ParameterType.HandleResolutionOption)
        return { kind: 'handleResolution', subscribe, poolHandle };
      return { kind: 'handleResolution', subscribe, poolHandle, items: readHandleResolutionItems(r) };
    }
    case T.HandleResolutionResponse:
      return decodeHandleResolutionResponse(r, flags);
    case T.EndpointKeepAlive: {
      const registrarId = ctx.u32(4);
      const poolHandle = readPoolHandle(r);
      const homeRegistrar = (flags & MessageFlag.HomeRegistrar) !== 0;
      if (r.peek() !== ParameterType.PeIdentifier)
        return { kind: 'endpointKeepAlive', homeRegistrar, registrarId, poolHandle };
      return {
        kind: 'endpointKeepAlive',
        homeRegistrar,
        registrarId,
        poolHandle,
        poolElementId: readPeIdentifier(r),
      };
    }
    case T.EndpointKeepAliveAck:
      return {
        kind: 'endpointKeepAliveAck',
        poolHandle: readPoolHandle(r),
        poolElementId: readPeIdentifier(r),
      };
    case T.EndpointUnreachable:
      return {
        kind: 'endpointUnreachable',
        poolHandle: readPoolHandle(r),
        poolElementId: readPeIdentifier(r),
      };
    case T.ServerAnnounce:
      return decodeServerAnnounce(r, ctx.u32(4));
    case T.Cookie:
      return { kind: 'cookie', cookie: readCookie(r) };
    case T.CookieEcho:
      return { kind: 'cookieEcho', cookie: readCookie(r) };
    case T.BusinessCard: {
      const poolHandle = readPoolHandle(r);
      const policy = r.peek() === ParameterType.PoolMemberSelectionPolicy ? readPolicy(r) : undefined;
      const poolElements: PoolElementParameter[] = [];
      while (r.peek() === ParameterType.PoolElement) poolElements.push(readPoolElement(r, 'optional'));
      return { kind: 'businessCard', poolHandle, ...(policy === undefined ? {} : { policy }), poolElements };
    }
    default:
      return { kind: 'error', operationError: readOperationError(r) };
  }
}

function optionalError(r: TlvReader): { operationError?: OperationError } {
  return r.peek() === ParameterType.OperationError ? { operationError: readOperationError(r) } : {};
}

/** Accepts the Operation Error before (RSPLIB) or after (RFC 5352) the PEs; policy before the PEs. */
function decodeHandleResolutionResponse(r: TlvReader, flags: number): AsapMessage {
  const poolHandle = readPoolHandle(r);
  let policy: PoolPolicy | undefined;
  let operationError: OperationError | undefined;
  const poolElements: PoolElementParameter[] = [];
  for (let t = r.peek(); t !== -1; t = r.peek()) {
    if (t === ParameterType.PoolMemberSelectionPolicy && policy === undefined && poolElements.length === 0) {
      policy = readPolicy(r);
    } else if (t === ParameterType.PoolElement) {
      if (poolElements.length === MAX_HANDLE_RESOLUTION_ITEMS) {
        r.ctx.fail(
          ErrorCause.RsplibInvalidValue,
          r.start,
          r.valueEnd,
          `more than ${MAX_HANDLE_RESOLUTION_ITEMS} pool elements`,
        );
      }
      poolElements.push(readPoolElement(r, 'optional'));
    } else if (t === ParameterType.OperationError && operationError === undefined) {
      operationError = readOperationError(r);
    } else {
      r.unexpected('in a Handle Resolution Response');
    }
  }
  return {
    kind: 'handleResolutionResponse',
    subscriptionAccepted: (flags & MessageFlag.SubscriptionAccepted) !== 0,
    poolHandle,
    ...(policy === undefined ? {} : { policy }),
    poolElements,
    ...(operationError === undefined ? {} : { operationError }),
  };
}

function decodeServerAnnounce(r: TlvReader, registrarId: number): AsapMessage {
  const transports: TransportParameter[] = [];
  let serverInformation: ServerInformation | undefined;
  for (let t = r.peek(); t !== -1; t = r.peek()) {
    if (t === ParameterType.ServerInformation && serverInformation === undefined) {
      serverInformation = readServerInformation(r);
    } else {
      transports.push(readTransport(r, SERVER_ANNOUNCE_TRANSPORTS));
    }
  }
  return {
    kind: 'serverAnnounce',
    registrarId,
    transports,
    ...(serverInformation === undefined ? {} : { serverInformation }),
  };
}

const writer = new ByteWriter(2048);

/** Encodes a message; InvalidArgumentError if it is not a valid ASAP message. */
export function encodeAsap(m: AsapMessage): Uint8Array {
  return encodeGuarded(m, 'encodeAsap', encodeUnchecked);
}

function encodeUnchecked(m: AsapMessage): Uint8Array {
  const w = writer;
  w.length = 0;
  w.u8(0).u8(0).u16(0);
  switch (m.kind) {
    case 'registration':
      header(w, T.Registration, 0);
      writePoolHandle(w, m.poolHandle);
      writePoolElement(w, m.poolElement);
      break;
    case 'deregistration':
    case 'endpointKeepAliveAck':
    case 'endpointUnreachable':
      header(
        w,
        m.kind === 'deregistration'
          ? T.Deregistration
          : m.kind === 'endpointKeepAliveAck'
            ? T.EndpointKeepAliveAck
            : T.EndpointUnreachable,
        0,
      );
      writePoolHandle(w, m.poolHandle);
      writePeIdentifier(w, m.poolElementId);
      break;
    case 'registrationResponse':
    case 'deregistrationResponse':
      if (m.kind === 'registrationResponse')
        header(w, T.RegistrationResponse, m.reject ? MessageFlag.Reject : 0);
      else header(w, T.DeregistrationResponse, 0);
      writePoolHandle(w, m.poolHandle);
      writePeIdentifier(w, m.poolElementId);
      if (m.operationError !== undefined) writeOperationError(w, m.operationError);
      break;
    case 'handleResolution':
      header(w, T.HandleResolution, m.subscribe ? MessageFlag.Subscribe : 0);
      writePoolHandle(w, m.poolHandle);
      if (m.items !== undefined) writeHandleResolutionItems(w, m.items);
      break;
    case 'handleResolutionResponse':
      header(w, T.HandleResolutionResponse, m.subscriptionAccepted ? MessageFlag.SubscriptionAccepted : 0);
      writePoolHandle(w, m.poolHandle);
      if (m.policy !== undefined) writePolicy(w, m.policy);
      for (const pe of m.poolElements) writePoolElement(w, pe);
      if (m.operationError !== undefined) writeOperationError(w, m.operationError);
      break;
    case 'endpointKeepAlive':
      header(w, T.EndpointKeepAlive, m.homeRegistrar ? MessageFlag.HomeRegistrar : 0);
      w.u32(m.registrarId);
      writePoolHandle(w, m.poolHandle);
      if (m.poolElementId !== undefined) writePeIdentifier(w, m.poolElementId);
      break;
    case 'serverAnnounce':
      header(w, T.ServerAnnounce, 0);
      w.u32(m.registrarId);
      for (const t of m.transports) writeTransport(w, t);
      if (m.serverInformation !== undefined) writeServerInformation(w, m.serverInformation);
      break;
    case 'cookie':
    case 'cookieEcho':
      header(w, m.kind === 'cookie' ? T.Cookie : T.CookieEcho, 0);
      writeCookie(w, m.cookie);
      break;
    case 'businessCard':
      header(w, T.BusinessCard, 0);
      writePoolHandle(w, m.poolHandle);
      if (m.policy !== undefined) writePolicy(w, m.policy);
      for (const pe of m.poolElements) writePoolElement(w, pe);
      break;
    case 'error':
      header(w, T.Error, 0);
      writeOperationError(w, m.operationError);
      break;
    default:
      throw new TypeError(`encodeAsap: unknown message kind ${String((m as { kind: unknown }).kind)}`);
  }
  writeUnrecognized(w, m.unrecognized);
  return finishMessage(w);
}

function header(w: ByteWriter, type: number, flags: number): void {
  w.setU16(0, (type << 8) | flags);
}
