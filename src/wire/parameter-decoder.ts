/**
 * Decoders of the RFC 5354 parameters. Each reads the TLV the reader has loaded (after `expect`/`peek`)
 * and consumes it. Error causes follow what RSPLIB answers (D-errors.json): a wrong fixed length, a
 * pool handle outside 1..32 bytes or a bad address count give 0x0011 (Invalid Value); an unknown policy
 * gives 0x100b; a structural problem (missing, unexpected or malformed nested parameter, a value outside
 * its enumeration) gives 0x0003 (Invalid Values).
 */
import {
  MAX_POOLHANDLESIZE,
  MAX_SINGLE_TRANSPORT_ADDRESSES,
  MAX_TRANSPORT_ADDRESSES,
  ParameterType,
  TransportUseCode,
} from './constants.js';
import { formatIpv4, formatIpv6 } from './ip-address.js';
import { makePolicy, policyLayoutByType } from './policy-parameter.js';
import { TlvReader } from './tlv-reader.js';
import {
  ErrorCause,
  type ErrorCauseEntry,
  type IpAddress,
  type OperationError,
  type PoolElementParameter,
  type PoolHandle,
  type PoolPolicy,
  type ServerInformation,
  type TransportParameter,
  type TransportUse,
} from './types.js';

/** A reader over the nested parameters of the reader's current TLV, starting `skip` bytes into the value. */
function nested(r: TlvReader, skip: number): TlvReader {
  return new TlvReader(r.ctx, r.valueStart + skip, r.valueEnd, r.start);
}

export function readPoolHandle(r: TlvReader): PoolHandle {
  r.expect(ParameterType.PoolHandle);
  const n = r.valueLength;
  if (n < 1 || n > MAX_POOLHANDLESIZE) {
    r.ctx.fail(
      ErrorCause.RsplibInvalidValue,
      r.start,
      r.valueEnd,
      `pool handle of ${n} bytes (allowed 1..${MAX_POOLHANDLESIZE})`,
    );
  }
  const handle = r.ctx.bytes.slice(r.valueStart, r.valueEnd);
  r.take();
  return handle;
}

export function readPeIdentifier(r: TlvReader): number {
  return readUnsigned(r, ParameterType.PeIdentifier, 4);
}

export function readPeChecksum(r: TlvReader): number {
  return readUnsigned(r, ParameterType.PeChecksum, 2);
}

export function readHandleResolutionItems(r: TlvReader): number {
  return readUnsigned(r, ParameterType.HandleResolutionOption, 4);
}

/** Expects a parameter of `type` whose value starts with a u32, and returns that u32. */
function leadingU32(r: TlvReader, type: number, cause: number, tooShort: string): number {
  r.expect(type);
  if (r.valueLength < 4) r.ctx.fail(cause, r.start, r.valueEnd, tooShort);
  return r.ctx.u32(r.valueStart);
}

/** A parameter whose value is exactly one unsigned integer of `size` bytes. */
function readUnsigned(r: TlvReader, type: number, size: 2 | 4): number {
  r.expect(type);
  r.exactValueLength(size);
  const value = size === 4 ? r.ctx.u32(r.valueStart) : r.ctx.u16(r.valueStart);
  r.take();
  return value;
}

export function readCookie(r: TlvReader): Uint8Array {
  r.expect(ParameterType.Cookie);
  const cookie = r.ctx.bytes.slice(r.valueStart, r.valueEnd);
  r.take();
  return cookie;
}

/** One or more error causes (RFC 5354 §3.12), each padded to 4 bytes except the last. */
export function readOperationError(r: TlvReader): OperationError {
  r.expect(ParameterType.OperationError);
  const ctx = r.ctx;
  const causes: ErrorCauseEntry[] = [];
  let pos = r.valueStart;
  while (pos < r.valueEnd) {
    if (r.valueEnd - pos < 4)
      ctx.fail(ErrorCause.InvalidValues, r.start, r.valueEnd, 'truncated error cause');
    const cause = ctx.u16(pos);
    const length = ctx.u16(pos + 2);
    if (length < 4 || pos + length > r.valueEnd) {
      ctx.fail(ErrorCause.InvalidValues, r.start, r.valueEnd, `error cause length ${length} does not fit`);
    }
    causes.push({ cause, data: ctx.bytes.slice(pos + 4, pos + length) });
    pos = Math.min(pos + ((length + 3) & ~3), r.valueEnd);
  }
  r.take();
  return { causes };
}

export function readPolicy(r: TlvReader): PoolPolicy {
  const ctx = r.ctx;
  const type = leadingU32(
    r,
    ParameterType.PoolMemberSelectionPolicy,
    ErrorCause.RsplibInvalidValue,
    'policy parameter without policy type',
  );
  const layout = policyLayoutByType(type);
  if (layout === undefined) {
    return ctx.fail(
      ErrorCause.RsplibUnsupportedPoolPolicy,
      r.start,
      r.valueEnd,
      `unsupported pool policy 0x${type.toString(16).padStart(8, '0')}`,
    );
  }
  r.exactValueLength(4 + 4 * layout.fields.length);
  const values: number[] = [];
  for (let i = 0; i < layout.fields.length; i++) values.push(ctx.u32(r.valueStart + 4 + 4 * i));
  r.take();
  return makePolicy(layout, values);
}

const SCTP_ONLY: readonly number[] = [ParameterType.SctpTransport];

function isTransportType(type: number): boolean {
  return (
    (type >= ParameterType.DccpTransport && type <= ParameterType.UdpLiteTransport) ||
    type === ParameterType.OpaqueTransport
  );
}

/** Any transport parameter; `allowed` restricts the types (e.g. SCTP only for an ASAP transport). */
export function readTransport(r: TlvReader, allowed?: readonly number[]): TransportParameter {
  const type = r.peek();
  if (type === -1) r.ctx.fail(ErrorCause.InvalidValues, r.parentStart, r.end, 'missing transport parameter');
  if (!isTransportType(type) || (allowed !== undefined && !allowed.includes(type)))
    r.unexpected('expected a transport');
  const ctx = r.ctx;
  const fixed = type === ParameterType.OpaqueTransport ? 0 : type === ParameterType.DccpTransport ? 8 : 4;
  if (r.valueLength < fixed)
    ctx.fail(ErrorCause.InvalidValues, r.start, r.valueEnd, 'transport parameter too short');
  const v = r.valueStart;
  let t: TransportParameter;
  switch (type) {
    case ParameterType.OpaqueTransport:
      t = { kind: 'opaque', data: ctx.bytes.slice(v, r.valueEnd) };
      break;
    case ParameterType.SctpTransport:
      t = portUseAddresses(r, 'sctp', MAX_TRANSPORT_ADDRESSES);
      break;
    case ParameterType.TcpTransport:
      // RFC 5354 calls these two bytes reserved; RSPLIB puts the transport use there.
      t = portUseAddresses(r, 'tcp', MAX_SINGLE_TRANSPORT_ADDRESSES);
      break;
    case ParameterType.UdpTransport:
      t = { kind: 'udp', port: ctx.u16(v), addresses: addresses(r, 4, MAX_SINGLE_TRANSPORT_ADDRESSES) };
      break;
    case ParameterType.UdpLiteTransport:
      t = { kind: 'udpLite', port: ctx.u16(v), addresses: addresses(r, 4, MAX_SINGLE_TRANSPORT_ADDRESSES) };
      break;
    default:
      t = {
        kind: 'dccp',
        port: ctx.u16(v),
        serviceCode: ctx.u32(v + 4),
        addresses: addresses(r, 8, MAX_SINGLE_TRANSPORT_ADDRESSES),
      };
  }
  r.take();
  return t;
}

/** SCTP and TCP transports: port, transport use, then the addresses. */
function portUseAddresses<K extends 'sctp' | 'tcp'>(r: TlvReader, kind: K, max: number) {
  const v = r.valueStart;
  return { kind, port: r.ctx.u16(v), transportUse: transportUse(r, v + 2), addresses: addresses(r, 4, max) };
}

function transportUse(r: TlvReader, at: number): TransportUse {
  const use = r.ctx.u16(at);
  if (use === TransportUseCode.DataOnly) return 'data';
  if (use === TransportUseCode.DataPlusControl) return 'dataAndControl';
  return r.ctx.fail(ErrorCause.InvalidValues, r.start, r.valueEnd, `transport use ${use} is neither 0 nor 1`);
}

function addresses(r: TlvReader, skip: number, max: number): IpAddress[] {
  const inner = nested(r, skip);
  const ctx = r.ctx;
  const out: IpAddress[] = [];
  for (let t = inner.peek(); t !== -1; t = inner.peek()) {
    if (t === ParameterType.Ipv4Address) {
      inner.exactValueLength(4);
      out.push(formatIpv4(ctx.bytes, inner.valueStart));
    } else if (t === ParameterType.Ipv6Address) {
      inner.exactValueLength(16);
      out.push(formatIpv6(ctx.bytes, inner.valueStart));
    } else {
      inner.unexpected('expected an address');
    }
    if (out.length > max)
      ctx.fail(
        ErrorCause.RsplibInvalidValue,
        r.start,
        r.valueEnd,
        `more than ${max} addresses in a transport`,
      );
    inner.take();
  }
  if (out.length === 0)
    ctx.fail(ErrorCause.RsplibInvalidValue, r.start, r.valueEnd, 'transport without addresses');
  return out;
}

/**
 * Pool Element (RFC 5354 §3.10): ID, home registrar, registration life (signed; RSPLIB sends ms), user
 * transport, policy, and the ASAP transport (SCTP), which `asapTransport` says whether to require.
 */
export function readPoolElement(r: TlvReader, asapTransport: 'optional' | 'required'): PoolElementParameter {
  r.expect(ParameterType.PoolElement);
  const ctx = r.ctx;
  if (r.valueLength < 12)
    ctx.fail(ErrorCause.InvalidValues, r.start, r.valueEnd, 'pool element parameter too short');
  const v = r.valueStart;
  const inner = nested(r, 12);
  const userTransport = readTransport(inner);
  const policy = readPolicy(inner);
  let asap: TransportParameter | undefined;
  if (inner.peek() !== -1 || asapTransport === 'required') asap = readTransport(inner, SCTP_ONLY);
  inner.finish();
  const pe: PoolElementParameter = {
    id: ctx.u32(v),
    homeRegistrarId: ctx.u32(v + 4),
    registrationLife: ctx.i32(v + 8),
    userTransport,
    policy,
    ...(asap === undefined ? {} : { asapTransport: asap }),
  };
  r.take();
  return pe;
}

/** Server Information (RFC 5354 §3.11): registrar ID and its SCTP endpoint. */
export function readServerInformation(r: TlvReader): ServerInformation {
  const registrarId = leadingU32(
    r,
    ParameterType.ServerInformation,
    ErrorCause.InvalidValues,
    'server information too short',
  );
  const inner = nested(r, 4);
  const transport = readTransport(inner, SCTP_ONLY);
  inner.finish();
  r.take();
  return { registrarId, transport };
}
