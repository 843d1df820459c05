import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { adler32, crc32, encodePng, PNG_SIGNATURE, zlibStored } from '../../src/services/index.js';

interface Chunk {
  type: string;
  data: Uint8Array;
  crc: number;
}

function chunks(png: Uint8Array): Chunk[] {
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Chunk[] = [];
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    const crc = view.getUint32(at + 8 + length);
    assert.equal(crc, crc32(png.subarray(at + 4, at + 8 + length)), `CRC of ${type}`);
    out.push({ type, data, crc });
    at += 12 + length;
  }
  return out;
}

describe('PNG encoder', () => {
  it('CRC-32 and Adler-32 match their check values', () => {
    const text = new TextEncoder().encode('123456789');
    assert.equal(crc32(text), 0xcbf43926);
    assert.equal(adler32(new TextEncoder().encode('Wikipedia')), 0x11e60398);
    assert.equal(crc32(new TextEncoder().encode('IEND')), 0xae426082);
  });

  it('zlib stored blocks inflate with node:zlib, also beyond one 65535-byte block', () => {
    for (const n of [0, 1, 65535, 65536, 200_000]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
      assert.deepEqual(new Uint8Array(inflateSync(zlibStored(data))), data);
    }
  });

  it('writes IHDR, IDAT and IEND with correct CRCs; the pixels come back through inflate', () => {
    const width = 3;
    const height = 2;
    const pixels = Uint8Array.from({ length: width * height * 4 }, (_, i) => i * 9);
    const png = encodePng({ width, height, color: 'rgba', pixels });
    const cs = chunks(png);
    assert.deepEqual(
      cs.map((c) => c.type),
      ['IHDR', 'IDAT', 'IEND'],
    );
    const ihdr = new DataView(cs[0]!.data.buffer, cs[0]!.data.byteOffset, 13);
    assert.equal(ihdr.getUint32(0), 3);
    assert.equal(ihdr.getUint32(4), 2);
    assert.deepEqual([...cs[0]!.data.subarray(8)], [8, 6, 0, 0, 0]);
    const raw = new Uint8Array(inflateSync(cs[1]!.data));
    assert.equal(raw.length, height * (1 + width * 4));
    assert.equal(raw[0], 0);
    assert.deepEqual(raw.subarray(1, 13), pixels.subarray(0, 12));
    assert.equal(raw[13], 0);
    assert.deepEqual(raw.subarray(14), pixels.subarray(12));
    assert.equal(cs[2]!.data.length, 0);
  });

  it('RGB colour type 2, and argument checks', () => {
    const png = encodePng({ width: 1, height: 1, color: 'rgb', pixels: Uint8Array.of(1, 2, 3) });
    assert.equal(chunks(png)[0]!.data[9], 2);
    assert.throws(
      () => encodePng({ width: 2, height: 1, color: 'rgb', pixels: Uint8Array.of(1, 2, 3) }),
      RangeError,
    );
    assert.throws(
      () => encodePng({ width: 0, height: 1, color: 'rgb', pixels: new Uint8Array(0) }),
      RangeError,
    );
  });
});
