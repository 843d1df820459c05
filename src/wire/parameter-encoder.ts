/**
 * Encoders of the RFC 5354 parameters into a ByteWriter. Every TLV is padded right after its end, so an
 * enclosing TLV's length covers the padding of its nested parameters (as RSPLIB writes it; identical to
 * the RFC form whenever the last nested parameter is a multiple of 4 long, which holds for all but
 * Operation Error, whose length excludes the last cause's padding as in RSPLIB's ENRP Error).
 * Invalid typed input (a malformed address text, an unknown policy name) is a programming error: assert;
 * the entry points (guards.ts) report it as InvalidArgumentError.
 */
import { assert, type ByteWriter, InvalidArgumentError } from '../base/index.js';
import { MAX_POOLHANDLESIZE, ParameterType, TransportUseCode } from './constants.js';
import { ipAddressBytes } from './ip-address.js';
import { policyFieldValue, policyLayoutByName } from './policy-parameter.js';
import type {
  IpAddress,
  OperationError,
  PoolElementParameter,
  PoolPolicy,
  ServerInformation,
  TransportParameter,
  TransportUse,
} from './types.js';

/** Writes type and a placeholder length; returns the TLV's start for `endTlv`. */
export function beginTlv(w: ByteWriter, type: number): number {
  const at = w.length;
  w.u16(type).u16(0);
  return at;
}

/** Sets the TLV length (without its padding), then pads. */
export function endTlv(w: ByteWriter, at: number): void {
  const length = w.length - at;
  assert(length <= 0xffff, 'parameter longer than 65535 bytes');
  w.setU16(at + 2, length);
  w.pad4();
}

function bytesTlv(w: ByteWriter, type: number, value: Uint8Array): void {
  const at = beginTlv(w, type);
  w.bytes(value);
  endTlv(w, at);
}

export function writePoolHandle(w: ByteWriter, handle: Uint8Array): void {
  // Our decoder and every RSPLIB registrar refuse a longer handle: never put one on the wire.
  if (handle.length === 0 || handle.length > MAX_POOLHANDLESIZE)
    throw new InvalidArgumentError(
      `pool handle of ${handle.length} bytes (allowed 1..${MAX_POOLHANDLESIZE})`,
    );
  bytesTlv(w, ParameterType.PoolHandle, handle);
}

export function writeCookie(w: ByteWriter, cookie: Uint8Array): void {
  bytesTlv(w, ParameterType.Cookie, cookie);
}

export function writePeIdentifier(w: ByteWriter, id: number): void {
  w.u16(ParameterType.PeIdentifier).u16(8).u32(id);
}

export function writePeChecksum(w: ByteWriter, checksum: number): void {
  w.u16(ParameterType.PeChecksum).u16(6).u16(checksum).u16(0);
}

export function writeHandleResolutionItems(w: ByteWriter, items: number): void {
  w.u16(ParameterType.HandleResolutionOption).u16(8).u32(items);
}

export function writeOperationError(w: ByteWriter, e: OperationError): void {
  const at = beginTlv(w, ParameterType.OperationError);
  e.causes.forEach((c, i) => {
    if (i > 0) w.pad4();
    w.u16(c.cause)
      .u16(4 + c.data.length)
      .bytes(c.data);
  });
  endTlv(w, at);
}

export function writePolicy(w: ByteWriter, policy: PoolPolicy): void {
  const layout = policyLayoutByName(policy.name);
  assert(layout !== undefined, `unknown policy ${String(policy.name)}`);
  w.u16(ParameterType.PoolMemberSelectionPolicy)
    .u16(8 + 4 * layout.fields.length)
    .u32(layout.type);
  for (const f of layout.fields) w.u32(policyFieldValue(policy, f));
}

function writeAddress(w: ByteWriter, address: IpAddress): void {
  const b = ipAddressBytes(address);
  assert(b !== undefined, `invalid IP address ${String(address)}`);
  w.u16(b.length === 4 ? ParameterType.Ipv4Address : ParameterType.Ipv6Address)
    .u16(4 + b.length)
    .bytes(b);
}

function useCode(use: TransportUse): number {
  return use === 'dataAndControl' ? TransportUseCode.DataPlusControl : TransportUseCode.DataOnly;
}

const TRANSPORT_TYPE: Record<TransportParameter['kind'], number> = {
  sctp: ParameterType.SctpTransport,
  tcp: ParameterType.TcpTransport,
  udp: ParameterType.UdpTransport,
  udpLite: ParameterType.UdpLiteTransport,
  dccp: ParameterType.DccpTransport,
  opaque: ParameterType.OpaqueTransport,
};

export function writeTransport(w: ByteWriter, t: TransportParameter): void {
  const type = TRANSPORT_TYPE[t.kind];
  assert(type !== undefined, `unknown transport ${String(t.kind)}`);
  const at = beginTlv(w, type);
  switch (t.kind) {
    case 'opaque':
      w.bytes(t.data);
      break;
    case 'sctp':
    case 'tcp':
      w.u16(t.port).u16(useCode(t.transportUse));
      break;
    case 'dccp':
      w.u16(t.port).u16(0).u32(t.serviceCode);
      break;
    default:
      w.u16(t.port).u16(0);
  }
  if (t.kind !== 'opaque') for (const a of t.addresses) writeAddress(w, a);
  endTlv(w, at);
}

export function writePoolElement(w: ByteWriter, pe: PoolElementParameter): void {
  const at = beginTlv(w, ParameterType.PoolElement);
  w.u32(pe.id).u32(pe.homeRegistrarId).u32(pe.registrationLife);
  writeTransport(w, pe.userTransport);
  writePolicy(w, pe.policy);
  if (pe.asapTransport !== undefined) writeTransport(w, pe.asapTransport);
  endTlv(w, at);
}

export function writeServerInformation(w: ByteWriter, s: ServerInformation): void {
  const at = beginTlv(w, ParameterType.ServerInformation);
  w.u32(s.registrarId);
  writeTransport(w, s.transport);
  endTlv(w, at);
}

/** Re-emits skipped unknown parameters (kept in `unrecognized`) after a message's own parameters. */
export function writeUnrecognized(w: ByteWriter, unrecognized: readonly Uint8Array[] | undefined): void {
  if (unrecognized === undefined) return;
  for (const tlv of unrecognized) {
    w.bytes(tlv);
    w.pad4();
  }
}
