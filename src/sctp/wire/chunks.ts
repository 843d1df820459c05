/**
 * Typed values of the RFC 9260 §3.3 chunks: decoders (total, returning Result) and encoders of
 * the chunk value (without the 4-byte chunk header, which `PacketBuilder` writes).
 */
import { ByteWriter } from '../../base/bytes.js';
import { err, ok, type Result } from '../../base/result.js';
import { CauseCode, ParamType, unknownParamAction } from './chunk-types.js';
import { formatIpv4, formatIpv6, isIpv6, parseIpv4, parseIpv6 } from './ip-address.js';

export interface ChunkError {
  readonly chunk: string;
  readonly reason: string;
}
const bad = <T>(chunk: string, reason: string): Result<T, ChunkError> => err({ chunk, reason });

const u16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

// ---------------------------------------------------------------- DATA (§3.3.1)
export interface DataChunk {
  readonly flags: number;
  readonly tsn: number;
  readonly stream: number;
  readonly ssn: number;
  readonly ppid: number;
  readonly userData: Uint8Array;
}

export function decodeData(flags: number, v: Uint8Array): Result<DataChunk, ChunkError> {
  if (v.length < 12) return bad('DATA', `value of ${v.length} bytes`);
  return ok({
    flags,
    tsn: u32(v, 0),
    stream: u16(v, 4),
    ssn: u16(v, 6),
    ppid: u32(v, 8),
    userData: v.subarray(12),
  });
}

// ---------------------------------------------------------------- parameters of INIT / INIT ACK
export interface InitParameters {
  readonly ipv4: string[];
  readonly ipv6: string[];
  cookie?: Uint8Array;
  cookiePreservativeMs?: number;
  hostName?: string;
  supportedAddressTypes?: number[];
  /** Unknown parameters whose action bits ask to report them (raw TLVs, padded). */
  readonly unrecognized: Uint8Array[];
}

export interface InitChunk {
  readonly initiateTag: number;
  readonly arwnd: number;
  readonly outboundStreams: number;
  readonly inboundStreams: number;
  readonly initialTsn: number;
  readonly params: InitParameters;
}

/** INIT (§3.3.2) and INIT ACK (§3.3.3) share a layout. Mandatory-field checks follow §3.3.2. */
export function decodeInit(v: Uint8Array, name = 'INIT'): Result<InitChunk, ChunkError> {
  if (v.length < 16) return bad(name, `value of ${v.length} bytes`);
  const initiateTag = u32(v, 0);
  const arwnd = u32(v, 4);
  const outboundStreams = u16(v, 8);
  const inboundStreams = u16(v, 10);
  const initialTsn = u32(v, 12);
  if (initiateTag === 0) return bad(name, 'initiate tag 0');
  if (outboundStreams === 0 || inboundStreams === 0) return bad(name, 'zero streams');
  const params: InitParameters = { ipv4: [], ipv6: [], unrecognized: [] };
  let at = 16;
  while (v.length - at >= 4) {
    const type = u16(v, at);
    const len = u16(v, at + 2);
    if (len < 4 || len > v.length - at) return bad(name, `parameter ${type} length ${len}`);
    const pv = v.subarray(at + 4, at + len);
    switch (type) {
      case ParamType.ipv4:
        if (pv.length !== 4) return bad(name, 'IPv4 address length');
        params.ipv4.push(formatIpv4(pv));
        break;
      case ParamType.ipv6:
        if (pv.length !== 16) return bad(name, 'IPv6 address length');
        params.ipv6.push(formatIpv6(pv));
        break;
      case ParamType.stateCookie:
        params.cookie = pv;
        break;
      case ParamType.cookiePreservative:
        if (pv.length !== 4) return bad(name, 'cookie preservative length');
        params.cookiePreservativeMs = u32(pv, 0);
        break;
      case ParamType.hostName:
        params.hostName = String.fromCharCode(...pv.subarray(0, Math.min(pv.length, 255)));
        break;
      case ParamType.supportedAddressTypes: {
        const types: number[] = [];
        for (let i = 0; i + 2 <= pv.length; i += 2) types.push(u16(pv, i));
        params.supportedAddressTypes = types;
        break;
      }
      default: {
        const action = unknownParamAction(type);
        const reported = params.unrecognized.reduce((n, u) => n + u.length, 0);
        if (action.report && params.unrecognized.length < 16 && reported + len <= 1024) {
          params.unrecognized.push(v.subarray(at, at + len));
        }
        if (!action.skip)
          return ok({ initiateTag, arwnd, outboundStreams, inboundStreams, initialTsn, params });
      }
    }
    at += (len + 3) & ~3;
  }
  return ok({ initiateTag, arwnd, outboundStreams, inboundStreams, initialTsn, params });
}

export interface InitFields {
  readonly initiateTag: number;
  readonly arwnd: number;
  readonly outboundStreams: number;
  readonly inboundStreams: number;
  readonly initialTsn: number;
  readonly addresses?: readonly string[];
  readonly cookie?: Uint8Array;
  readonly supportedAddressTypes?: readonly number[];
  /** Cookie Preservative (§3.3.2.1, INIT only): the suggested lifespan increment. */
  readonly cookiePreservativeMs?: number;
  /** Raw parameters to echo in Unrecognized Parameter parameters (INIT ACK only). */
  readonly unrecognized?: readonly Uint8Array[];
}

export function encodeInit(f: InitFields): Uint8Array {
  const w = new ByteWriter(64 + (f.cookie?.length ?? 0));
  w.u32(f.initiateTag).u32(f.arwnd).u16(f.outboundStreams).u16(f.inboundStreams).u32(f.initialTsn);
  // §3.2: the chunk length includes the padding of every parameter but the last.
  let end = w.length;
  const param = (type: number, value: Uint8Array): void => {
    w.pad4();
    w.u16(type)
      .u16(4 + value.length)
      .bytes(value);
    end = w.length;
  };
  for (const a of f.addresses ?? []) {
    const b = isIpv6(a) ? parseIpv6(a) : parseIpv4(a);
    if (b) param(b.length === 16 ? ParamType.ipv6 : ParamType.ipv4, b);
  }
  if (f.cookie) param(ParamType.stateCookie, f.cookie);
  if (f.cookiePreservativeMs !== undefined) {
    const v = new Uint8Array(4);
    new DataView(v.buffer).setUint32(
      0,
      Math.min(0xffffffff, Math.max(0, Math.round(f.cookiePreservativeMs))),
    );
    param(ParamType.cookiePreservative, v);
  }
  if (f.supportedAddressTypes) {
    const v = new Uint8Array(2 * f.supportedAddressTypes.length);
    f.supportedAddressTypes.forEach((t, i) => {
      v[2 * i] = t >> 8;
      v[2 * i + 1] = t & 0xff;
    });
    param(ParamType.supportedAddressTypes, v);
  }
  for (const u of f.unrecognized ?? []) param(ParamType.unrecognized, u);
  return w.finish().subarray(0, end);
}

// ---------------------------------------------------------------- SACK (§3.3.4)
export interface SackChunk {
  readonly cumTsnAck: number;
  readonly arwnd: number;
  /** Gap ack blocks as offsets from cumTsnAck, start <= end. */
  readonly gapStarts: number[];
  readonly gapEnds: number[];
  readonly dupTsns: number[];
}

export function decodeSack(v: Uint8Array): Result<SackChunk, ChunkError> {
  if (v.length < 12) return bad('SACK', `value of ${v.length} bytes`);
  const nGaps = u16(v, 8);
  const nDups = u16(v, 10);
  if (v.length < 12 + 4 * nGaps + 4 * nDups) return bad('SACK', 'gap/dup counts past end');
  const gapStarts: number[] = [];
  const gapEnds: number[] = [];
  for (let i = 0; i < nGaps; i++) {
    const s = u16(v, 12 + 4 * i);
    const e = u16(v, 14 + 4 * i);
    if (s === 0 || e < s) return bad('SACK', `gap block ${s}-${e}`);
    gapStarts.push(s);
    gapEnds.push(e);
  }
  const dupTsns: number[] = [];
  for (let i = 0; i < nDups; i++) dupTsns.push(u32(v, 12 + 4 * nGaps + 4 * i));
  return ok({ cumTsnAck: u32(v, 0), arwnd: u32(v, 4), gapStarts, gapEnds, dupTsns });
}

export function encodeSack(s: SackChunk): Uint8Array {
  const n = s.gapStarts.length;
  const w = new ByteWriter(12 + 4 * n + 4 * s.dupTsns.length);
  w.u32(s.cumTsnAck).u32(s.arwnd).u16(n).u16(s.dupTsns.length);
  for (let i = 0; i < n; i++) w.u16(s.gapStarts[i]!).u16(s.gapEnds[i]!);
  for (const d of s.dupTsns) w.u32(d);
  return w.finish();
}

// ---------------------------------------------------------------- HEARTBEAT / HEARTBEAT ACK (§3.3.5, §3.3.6)
/** Returns the Heartbeat Information value (opaque sender data). */
export function decodeHeartbeat(v: Uint8Array): Result<Uint8Array, ChunkError> {
  if (v.length < 4) return bad('HEARTBEAT', 'no Heartbeat Info parameter');
  const type = u16(v, 0);
  const len = u16(v, 2);
  if (type !== ParamType.heartbeatInfo || len < 4 || len > v.length)
    return bad('HEARTBEAT', 'bad Heartbeat Info');
  return ok(v.subarray(4, len));
}

export function encodeHeartbeat(info: Uint8Array): Uint8Array {
  return new ByteWriter(4 + info.length)
    .u16(ParamType.heartbeatInfo)
    .u16(4 + info.length)
    .bytes(info)
    .finish();
}

// ---------------------------------------------------------------- error causes (ABORT §3.3.7, ERROR §3.3.10)
export interface ErrorCause {
  readonly code: number;
  readonly info: Uint8Array;
}

export function decodeCauses(v: Uint8Array, name = 'ERROR'): Result<ErrorCause[], ChunkError> {
  const causes: ErrorCause[] = [];
  let at = 0;
  while (v.length - at >= 4) {
    const code = u16(v, at);
    const len = u16(v, at + 2);
    if (len < 4 || len > v.length - at) return bad(name, `cause ${code} length ${len}`);
    causes.push({ code, info: v.subarray(at + 4, at + len) });
    at += (len + 3) & ~3;
  }
  return ok(causes);
}

export function encodeCauses(causes: readonly ErrorCause[]): Uint8Array {
  const w = new ByteWriter(32);
  // §3.2: the padding of the last cause is chunk padding, not counted in the chunk length.
  for (const c of causes)
    w.pad4()
      .u16(c.code)
      .u16(4 + c.info.length)
      .bytes(c.info);
  return w.finish();
}

export const userAbortCause = (reason: string): ErrorCause => ({
  code: CauseCode.userInitiatedAbort,
  info: new TextEncoder().encode(reason),
});

export const protocolViolationCause = (reason: string): ErrorCause => ({
  code: CauseCode.protocolViolation,
  info: new TextEncoder().encode(reason),
});

/** Stale Cookie (§3.3.10.3): the measure of staleness in microseconds. */
export const staleCookieCause = (stalenessUs: number): ErrorCause => {
  const info = new Uint8Array(4);
  new DataView(info.buffer).setUint32(0, Math.min(0xffffffff, Math.max(0, Math.round(stalenessUs))));
  return { code: CauseCode.staleCookie, info };
};

export function describeCause(c: ErrorCause): string {
  const names: Record<number, string> = {
    1: 'Invalid Stream Identifier',
    2: 'Missing Mandatory Parameter',
    3: 'Stale Cookie Error',
    4: 'Out of Resource',
    5: 'Unresolvable Address',
    6: 'Unrecognized Chunk Type',
    7: 'Invalid Mandatory Parameter',
    8: 'Unrecognized Parameters',
    9: 'No User Data',
    10: 'Cookie Received While Shutting Down',
    11: 'Restart of an Association with New Addresses',
    12: 'User-Initiated Abort',
    13: 'Protocol Violation',
    14: 'Restart of an Association with New Encapsulation Port',
  };
  const name = names[c.code] ?? `cause ${c.code}`;
  if (c.code === CauseCode.userInitiatedAbort || c.code === CauseCode.protocolViolation) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(c.info);
    return text ? `${name}: ${text}` : name;
  }
  return name;
}

// ---------------------------------------------------------------- SHUTDOWN (§3.3.8)
export function decodeShutdown(v: Uint8Array): Result<number, ChunkError> {
  if (v.length < 4) return bad('SHUTDOWN', `value of ${v.length} bytes`);
  return ok(u32(v, 0));
}

export function encodeShutdown(cumTsnAck: number): Uint8Array {
  return new ByteWriter(4).u32(cumTsnAck).finish();
}

export const EMPTY = new Uint8Array(0);
