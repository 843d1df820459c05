/**
 * Bounds-checked big-endian byte reader and a growable writer. Decoders call `has(n)` before
 * reading; a read past the end is a bug in the decoder and throws RangeError (never reached from
 * well-formed decoder code, which checks every length first).
 */
export class ByteReader {
  private readonly view: DataView;
  offset: number;
  readonly end: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    end = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  has(n: number): boolean {
    return n >= 0 && this.offset + n <= this.end;
  }

  private need(n: number): void {
    if (!this.has(n)) throw new RangeError(`ByteReader: read of ${n} at ${this.offset} past ${this.end}`);
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.offset++);
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.offset);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }

  /** A view (not a copy) of the next n bytes. */
  take(n: number): Uint8Array {
    this.need(n);
    const v = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /** A copy of the next n bytes, safe to keep after the input buffer is reused. */
  copy(n: number): Uint8Array {
    return this.take(n).slice();
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }

  peekU16(at = this.offset): number {
    if (at < 0 || at + 2 > this.end) throw new RangeError('ByteReader: peek past end');
    return this.view.getUint16(at);
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.offset);
    this.offset += 8;
    return v;
  }
}

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    const needed = this.length + n;
    if (needed <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < needed) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.reserve(1);
    this.view.setUint8(this.length++, v);
    return this;
  }

  u16(v: number): this {
    this.reserve(2);
    this.view.setUint16(this.length, v);
    this.length += 2;
    return this;
  }

  u32(v: number): this {
    this.reserve(4);
    this.view.setUint32(this.length, v >>> 0);
    this.length += 4;
    return this;
  }

  f64(v: number): this {
    this.reserve(8);
    this.view.setFloat64(this.length, v);
    this.length += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  zeros(n: number): this {
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
    return this;
  }

  /** Zero-pads to the next multiple of 4 (RFC 5354 TLV padding). */
  pad4(): this {
    return this.zeros((4 - (this.length & 3)) & 3);
  }

  setU16(at: number, v: number): void {
    this.view.setUint16(at, v);
  }

  setU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0);
  }

  /** The written bytes (a view over the internal buffer). */
  written(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of the written bytes, independent of this writer. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}

/** Parses hex (whitespace allowed); undefined if not an even-length hex string. */
export function fromHex(hex: string): Uint8Array | undefined {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
