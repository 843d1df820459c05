/**
 * CRC32c: the RFC 3720 vectors, the slicing-by-8 code against the bytewise one, and where SCTP
 * stores the checksum.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c, readChecksum, sctpChecksum, writeChecksum } from '../../../src/sctp/wire/crc32c.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

test('CRC32c check value and RFC 3720 B.4 vectors', () => {
  assert.equal(crc32c(ascii('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('slicing-by-8 equals the bytewise result at every length and offset', () => {
  const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff);
  const bytewise = (b: Uint8Array): number => {
    let c = 0xffffffff;
    for (const x of b) {
      c ^= x;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    }
    return (c ^ 0xffffffff) >>> 0;
  };
  for (let start = 0; start < 9; start++) {
    for (let end = start; end < data.length; end += 7) {
      assert.equal(crc32c(data, start, end), bytewise(data.subarray(start, end)));
    }
  }
});

test('the SCTP checksum ignores the checksum field and is stored least significant byte first', () => {
  const p = Uint8Array.from({ length: 40 }, (_, i) => i);
  writeChecksum(p);
  const c = sctpChecksum(p);
  assert.equal(readChecksum(p), c);
  const zeroed = p.slice();
  zeroed.fill(0, 8, 12);
  assert.equal(crc32c(zeroed), c);
  assert.equal(p[8], c & 0xff);
});
