/**
 * The 4-byte header shared by RSPLIB's application protocols (notes/rsplib-interop.md §2.9):
 * Type u8, Flags u8, Length u16 (the whole message, header included). Helpers for the codecs of
 * Ping-Pong, CalcApp and the Fractal Generator Protocol; every reader is total (never throws).
 */
import { ByteReader, ByteWriter, err, ok, type Result } from '../base/index.js';

/** Why bytes could not be read as an application message or cookie. */
export interface ServiceDecodeError {
  readonly protocol: 'pingpong' | 'calcapp' | 'fgp';
  readonly reason: string;
}

export interface AppHeader {
  readonly type: number;
  readonly flags: number;
  readonly length: number;
}

export const APP_HEADER_BYTES = 4;

/** Largest integer a u64 field may carry here: we use `number`, exact up to 2^53 - 1. */
export const MAX_U64_AS_NUMBER = Number.MAX_SAFE_INTEGER;

/** Reads the header and checks that Length equals the message size (one message per SCTP message). */
export function readAppHeader(
  protocol: ServiceDecodeError['protocol'],
  bytes: Uint8Array,
): Result<{ header: AppHeader; reader: ByteReader }, ServiceDecodeError> {
  if (bytes.length < APP_HEADER_BYTES) return err({ protocol, reason: `${bytes.length} bytes: too short` });
  const reader = new ByteReader(bytes);
  const type = reader.u8();
  const flags = reader.u8();
  const length = reader.u16();
  if (length !== bytes.length) {
    return err({ protocol, reason: `length field ${length} but message has ${bytes.length} bytes` });
  }
  return ok({ header: { type, flags, length }, reader });
}

/** Reads one message body once the header is read; `bytes` is the whole message (header included). */
export type AppBodyReader<M> = (reader: ByteReader, bytes: Uint8Array) => Result<M, ServiceDecodeError>;

/**
 * The decoding the three protocols share: the header (Length checked), then the body by the reader the
 * table gives for the message type; a type the table lacks is an error.
 */
export function decodeAppMessage<M>(
  protocol: ServiceDecodeError['protocol'],
  bytes: Uint8Array,
  bodies: Readonly<Record<number, AppBodyReader<M>>>,
): Result<M, ServiceDecodeError> {
  const h = readAppHeader(protocol, bytes);
  if (!h.ok) return h;
  const { header, reader } = h.value;
  const body = bodies[header.type];
  if (body === undefined) return err({ protocol, reason: `unknown message type ${header.type}` });
  return body(reader, bytes);
}

/** A u64 as a number; undefined if it exceeds 2^53 - 1 (then the caller reports an error). */
export function readU64(reader: ByteReader): number | undefined {
  const hi = reader.u32();
  const lo = reader.u32();
  if (hi > 0x1f_ffff) return undefined;
  return hi * 0x1_0000_0000 + lo;
}

export function writeU64(w: ByteWriter, value: number): ByteWriter {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`u64 field: ${value} is not in 0..2^53-1`);
  w.u32(Math.floor(value / 0x1_0000_0000));
  w.u32(value >>> 0);
  return w;
}

/** Starts a message: header with a Length placeholder; `finishAppMessage` fills it in. */
export function startAppMessage(type: number, flags = 0): ByteWriter {
  return new ByteWriter(64).u8(type).u8(flags).u16(0);
}

export function finishAppMessage(w: ByteWriter): Uint8Array {
  if (w.length > 0xffff) throw new RangeError(`application message of ${w.length} bytes exceeds 65535`);
  w.setU16(2, w.length);
  return w.finish();
}

export function isU32(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
}

const ASCII = new TextEncoder();
export const asciiBytes = (s: string): Uint8Array => ASCII.encode(s);
