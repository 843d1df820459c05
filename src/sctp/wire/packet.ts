/**
 * The SCTP common header and the chunk framing of a packet (RFC 9260 §3). Decoding is total:
 * every length is checked before it is used and every loop advances by at least 4 bytes.
 * Chunk values are views into the datagram (no copies).
 */
import { err, ok, type Result } from '../../base/result.js';
import { ChunkType } from './chunk-types.js';
import { checksumValid, writeChecksum } from './crc32c.js';

export const COMMON_HEADER_BYTES = 12;
export const CHUNK_HEADER_BYTES = 4;

export interface RawChunk {
  readonly type: number;
  readonly flags: number;
  /** The chunk value without its 4-byte header and without padding (a view). */
  readonly value: Uint8Array;
}

export interface Packet {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly verificationTag: number;
  readonly chunks: RawChunk[];
}

export type PacketErrorKind = 'tooShort' | 'badChecksum' | 'badChunkLength' | 'noChunks' | 'badBundling';

export interface PacketError {
  readonly kind: PacketErrorKind;
  readonly reason: string;
}

const fail = (kind: PacketErrorKind, reason: string): Result<Packet, PacketError> => err({ kind, reason });

/**
 * Decodes a whole packet. A chunk with length < 4 or running past the end makes the packet
 * malformed (dropped). INIT, INIT ACK and SHUTDOWN COMPLETE must be alone (RFC 9260 §6.10).
 */
export function decodePacket(bytes: Uint8Array, verifyChecksum = true): Result<Packet, PacketError> {
  if (bytes.length < COMMON_HEADER_BYTES + CHUNK_HEADER_BYTES)
    return fail('tooShort', `${bytes.length} bytes`);
  if (verifyChecksum && !checksumValid(bytes)) return fail('badChecksum', 'CRC32c mismatch');
  const srcPort = (bytes[0]! << 8) | bytes[1]!;
  const dstPort = (bytes[2]! << 8) | bytes[3]!;
  const verificationTag = ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!) >>> 0;
  const chunks: RawChunk[] = [];
  let at = COMMON_HEADER_BYTES;
  const end = bytes.length;
  while (end - at >= CHUNK_HEADER_BYTES) {
    const type = bytes[at]!;
    const flags = bytes[at + 1]!;
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (length < CHUNK_HEADER_BYTES) return fail('badChunkLength', `chunk type ${type} length ${length}`);
    if (length > end - at) return fail('badChunkLength', `chunk type ${type} length ${length} past end`);
    chunks.push({ type, flags, value: bytes.subarray(at + CHUNK_HEADER_BYTES, at + length) });
    at += (length + 3) & ~3;
  }
  if (chunks.length === 0) return fail('noChunks', 'no chunk');
  if (chunks.length > 1) {
    for (const c of chunks) {
      if (
        c.type === ChunkType.init ||
        c.type === ChunkType.initAck ||
        c.type === ChunkType.shutdownComplete
      ) {
        return fail('badBundling', `chunk type ${c.type} bundled with others`);
      }
    }
  }
  return ok({ srcPort, dstPort, verificationTag, chunks });
}

/**
 * Builds one packet in a buffer of at most `maxBytes` (the path MTU minus IP and UDP headers).
 * Chunks are appended with their padding; `finish` writes the checksum and returns a view.
 */
export class PacketBuilder {
  private buf: Uint8Array;
  private view: DataView;
  private readonly scratch: boolean;
  length = 0;

  /**
   * With `scratch` (a reusable buffer of at least `maxBytes`, e.g. one per association), the
   * packet is assembled there and `finish` returns an exact-size copy.
   */
  constructor(
    readonly maxBytes: number,
    srcPort: number,
    dstPort: number,
    verificationTag: number,
    scratch?: PacketScratch,
  ) {
    if (scratch && scratch.buf.length >= maxBytes) {
      this.buf = scratch.buf;
      this.view = scratch.view;
      this.scratch = true;
    } else {
      this.buf = new Uint8Array(maxBytes);
      this.view = new DataView(this.buf.buffer);
      this.scratch = false;
    }
    this.view.setUint16(0, srcPort);
    this.view.setUint16(2, dstPort);
    this.view.setUint32(4, verificationTag >>> 0);
    this.length = COMMON_HEADER_BYTES;
  }

  get empty(): boolean {
    return this.length === COMMON_HEADER_BYTES;
  }

  /** Room left for chunks (header and value, padded). */
  get room(): number {
    return this.maxBytes - this.length;
  }

  /** Whether a chunk with a value of `valueBytes` fits. */
  fits(valueBytes: number): boolean {
    return ((CHUNK_HEADER_BYTES + valueBytes + 3) & ~3) <= this.maxBytes - this.length;
  }

  /** Appends a chunk; the caller checks `fits` first (a chunk larger than the packet is a bug). */
  chunk(type: number, flags: number, value: Uint8Array): this {
    const len = CHUNK_HEADER_BYTES + value.length;
    this.header(type, flags, len);
    this.buf.set(value, this.length);
    this.length += value.length;
    this.pad();
    return this;
  }

  /** Appends a DATA chunk, copying the payload straight into the packet. */
  data(flags: number, tsn: number, stream: number, ssn: number, ppid: number, payload: Uint8Array): this {
    const v = this.view;
    this.header(ChunkType.data, flags, 16 + payload.length);
    v.setUint32(this.length, tsn >>> 0);
    v.setUint16(this.length + 4, stream);
    v.setUint16(this.length + 6, ssn);
    v.setUint32(this.length + 8, ppid >>> 0);
    this.length += 12;
    this.buf.set(payload, this.length);
    this.length += payload.length;
    this.pad();
    return this;
  }

  private header(type: number, flags: number, length: number): void {
    const padded = (length + 3) & ~3;
    if (this.length + padded > this.maxBytes) throw new RangeError('PacketBuilder: chunk does not fit');
    this.buf[this.length] = type;
    this.buf[this.length + 1] = flags;
    this.view.setUint16(this.length + 2, length);
    this.length += 4;
  }

  private pad(): void {
    while (this.length & 3) this.buf[this.length++] = 0;
  }

  /** Writes the checksum and returns the packet (its own buffer, never the scratch). */
  finish(): Uint8Array {
    const out = this.scratch ? this.buf.slice(0, this.length) : this.buf.subarray(0, this.length);
    writeChecksum(out);
    return out;
  }
}

/** A reusable assembly buffer for `PacketBuilder`. */
export class PacketScratch {
  readonly buf: Uint8Array;
  readonly view: DataView;

  constructor(bytes: number) {
    this.buf = new Uint8Array(bytes);
    this.view = new DataView(this.buf.buffer);
  }
}

/** A one-chunk packet (INIT, INIT ACK, ABORT, SHUTDOWN COMPLETE ...). */
export function singleChunkPacket(
  srcPort: number,
  dstPort: number,
  verificationTag: number,
  type: number,
  flags: number,
  value: Uint8Array,
): Uint8Array {
  const b = new PacketBuilder(
    COMMON_HEADER_BYTES + ((CHUNK_HEADER_BYTES + value.length + 3) & ~3),
    srcPort,
    dstPort,
    verificationTag,
  );
  b.chunk(type, flags, value);
  return b.finish();
}
