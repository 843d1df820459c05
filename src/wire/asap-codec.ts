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
import { decodeMessageFrame, finishMessage, type MessageGrammar } from './message-frame.js';
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
import type { DecodeContext, TlvReader } from './tlv-reader.js';
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
  return decodeMessageFrame(bytes, ASAP);
}

const T = AsapMessageType;
const SERVER_ANNOUNCE_TRANSPORTS: readonly number[] = [
  ParameterType.SctpTransport,
  ParameterType.TcpTransport,
];

/** RFC 5352 §2.2: Endpoint Keep Alive and Server Announce carry a registrar id after the header. */
const ASAP: MessageGrammar<AsapMessage> = {
  protocol: 'ASAP',
  first: T.Registration,
  last: T.Error,
  fixedLength: (type) => (type === T.EndpointKeepAlive || type === T.ServerAnnounce ? 8 : 4),
  parameters: decodeParameters,
};

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
    case T.HandleResolution:
      return decodeHandleResolution(r, flags);
    case T.HandleResolutionResponse:
      return decodeHandleResolutionResponse(r, flags);
    case T.EndpointKeepAlive:
      return decodeEndpointKeepAlive(r, flags, ctx.u32(4));
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
    case T.BusinessCard:
      return decodeBusinessCard(r);
    default:
      return { kind: 'error', operationError: readOperationError(r) };
  }
}

function decodeHandleResolution(r: TlvReader, flags: number): AsapMessage {
  const poolHandle = readPoolHandle(r);
  const subscribe = (flags & MessageFlag.Subscribe) !== 0;
  if (r.peek() !== ParameterType.HandleResolutionOption)
    return { kind: 'handleResolution', subscribe, poolHandle };
  return { kind: 'handleResolution', subscribe, poolHandle, items: readHandleResolutionItems(r) };
}

function decodeEndpointKeepAlive(r: TlvReader, flags: number, registrarId: number): AsapMessage {
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

function decodeBusinessCard(r: TlvReader): AsapMessage {
  const poolHandle = readPoolHandle(r);
  const policy = r.peek() === ParameterType.PoolMemberSelectionPolicy ? readPolicy(r) : undefined;
  const poolElements: PoolElementParameter[] = [];
  while (r.peek() === ParameterType.PoolElement) poolElements.push(readPoolElement(r, 'optional'));
  return { kind: 'businessCard', poolHandle, ...(policy === undefined ? {} : { policy }), poolElements };
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
  writeBody(w, m);
  // After the body, which refuses an unknown kind, so TYPE is only read for a real one.
  w.setU16(0, (TYPE[m.kind] << 8) | flagsOf(m));
  writeUnrecognized(w, m.unrecognized);
  return finishMessage(w);
}

const TYPE: Record<AsapMessage['kind'], number> = {
  registration: T.Registration,
  deregistration: T.Deregistration,
  registrationResponse: T.RegistrationResponse,
  deregistrationResponse: T.DeregistrationResponse,
  handleResolution: T.HandleResolution,
  handleResolutionResponse: T.HandleResolutionResponse,
  endpointKeepAlive: T.EndpointKeepAlive,
  endpointKeepAliveAck: T.EndpointKeepAliveAck,
  endpointUnreachable: T.EndpointUnreachable,
  serverAnnounce: T.ServerAnnounce,
  cookie: T.Cookie,
  cookieEcho: T.CookieEcho,
  businessCard: T.BusinessCard,
  error: T.Error,
};

function flagsOf(m: AsapMessage): number {
  switch (m.kind) {
    case 'registrationResponse':
      return m.reject ? MessageFlag.Reject : 0;
    case 'handleResolution':
      return m.subscribe ? MessageFlag.Subscribe : 0;
    case 'handleResolutionResponse':
      return m.subscriptionAccepted ? MessageFlag.SubscriptionAccepted : 0;
    case 'endpointKeepAlive':
      return m.homeRegistrar ? MessageFlag.HomeRegistrar : 0;
    default:
      return 0;
  }
}

function writeBody(w: ByteWriter, m: AsapMessage): void {
  switch (m.kind) {
    case 'registration':
      writePoolHandle(w, m.poolHandle);
      writePoolElement(w, m.poolElement);
      break;
    case 'deregistration':
    case 'endpointKeepAliveAck':
    case 'endpointUnreachable':
      writePoolHandle(w, m.poolHandle);
      writePeIdentifier(w, m.poolElementId);
      break;
    case 'registrationResponse':
    case 'deregistrationResponse':
      writePoolHandle(w, m.poolHandle);
      writePeIdentifier(w, m.poolElementId);
      if (m.operationError !== undefined) writeOperationError(w, m.operationError);
      break;
    case 'handleResolution':
      writePoolHandle(w, m.poolHandle);
      if (m.items !== undefined) writeHandleResolutionItems(w, m.items);
      break;
    case 'handleResolutionResponse':
    case 'businessCard':
      writePoolHandle(w, m.poolHandle);
      if (m.policy !== undefined) writePolicy(w, m.policy);
      for (const pe of m.poolElements) writePoolElement(w, pe);
      if (m.kind === 'handleResolutionResponse' && m.operationError !== undefined)
        writeOperationError(w, m.operationError);
      break;
    case 'endpointKeepAlive':
      w.u32(m.registrarId);
      writePoolHandle(w, m.poolHandle);
      if (m.poolElementId !== undefined) writePeIdentifier(w, m.poolElementId);
      break;
    case 'serverAnnounce':
      w.u32(m.registrarId);
      for (const t of m.transports) writeTransport(w, t);
      if (m.serverInformation !== undefined) writeServerInformation(w, m.serverInformation);
      break;
    case 'cookie':
    case 'cookieEcho':
      writeCookie(w, m.cookie);
      break;
    case 'error':
      writeOperationError(w, m.operationError);
      break;
    default:
      throw new TypeError(`encodeAsap: unknown message kind ${String((m as { kind: unknown }).kind)}`);
  }
}
