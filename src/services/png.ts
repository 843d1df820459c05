/**
 * A small, pure PNG encoder (ISO/IEC 15948): 8-bit RGB or RGBA, filter 0 on every row, the zlib
 * stream (RFC 1950) made of stored deflate blocks (RFC 1951 §3.2.4, BTYPE 00) with its Adler-32,
 * and a CRC-32 on every chunk. Uncompressed but valid for every viewer; no Node imports.
 */
import { ByteWriter } from '../base/index.js';

export type PngColor = 'rgb' | 'rgba';

export interface PngImage {
  readonly width: number;
  readonly height: number;
  readonly color: PngColor;
  /** Row-major pixels, 3 (rgb) or 4 (rgba) bytes each. */
  readonly pixels: Uint8Array;
}

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309 / ITU-T V.42, as PNG and zlib use it). */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Adler-32 (RFC 1950 §8.2). */
export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  const MOD = 65521;
  for (let i = 0; i < data.length; ) {
    const end = Math.min(data.length, i + 5552);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream of stored blocks (no compression). */
export function zlibStored(data: Uint8Array): Uint8Array {
  const w = new ByteWriter(data.length + 16 + 5 * Math.ceil(data.length / 65535));
  w.u8(0x78).u8(0x01); // CM 8, CINFO 7, FLEVEL 0, FCHECK so that 0x7801 % 31 == 0
  let offset = 0;
  do {
    const n = Math.min(65535, data.length - offset);
    const final = offset + n >= data.length ? 1 : 0;
    w.u8(final); // BFINAL, BTYPE 00
    w.u8(n & 0xff).u8(n >>> 8);
    w.u8(~n & 0xff).u8((~n >>> 8) & 0xff);
    w.bytes(data.subarray(offset, offset + n));
    offset += n;
  } while (offset < data.length);
  w.u32(adler32(data));
  return w.finish();
}

function chunk(w: ByteWriter, type: string, data: Uint8Array): void {
  const typed = new Uint8Array(4 + data.length);
  for (let i = 0; i < 4; i++) typed[i] = type.charCodeAt(i);
  typed.set(data, 4);
  w.u32(data.length).bytes(typed).u32(crc32(typed));
}

export function encodePng(image: PngImage): Uint8Array {
  const { width, height, color, pixels } = image;
  const bpp = color === 'rgba' ? 4 : 3;
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    width > 0x7fff_ffff ||
    height > 0x7fff_ffff
  ) {
    throw new RangeError(`PNG size ${width}x${height} is invalid`);
  }
  if (pixels.length !== width * height * bpp) {
    throw new RangeError(`PNG pixels: ${pixels.length} bytes for ${width}x${height} ${color}`);
  }
  const rowBytes = width * bpp;
  const raw = new Uint8Array(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (rowBytes + 1)] = 0; // filter: None
    raw.set(pixels.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  }
  const ihdr = new ByteWriter(13)
    .u32(width)
    .u32(height)
    .u8(8) // bit depth
    .u8(color === 'rgba' ? 6 : 2) // colour type
    .u8(0) // compression
    .u8(0) // filter method
    .u8(0) // interlace: none
    .finish();
  const w = new ByteWriter(raw.length + 128);
  w.bytes(PNG_SIGNATURE);
  chunk(w, 'IHDR', ihdr);
  chunk(w, 'IDAT', zlibStored(raw));
  chunk(w, 'IEND', new Uint8Array(0));
  return w.finish();
}
