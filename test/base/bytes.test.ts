import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteReader, ByteWriter, bytesEqual, fromHex, toHex } from '../../src/base/bytes.js';

describe('ByteWriter / ByteReader', () => {
  it('round-trips big-endian integers, bytes and padding', () => {
    const w = new ByteWriter(2);
    w.u8(0xab)
      .u16(0x1234)
      .u32(0xdeadbeef)
      .bytes(new Uint8Array([1, 2, 3]))
      .pad4()
      .f64(1.5);
    const bytes = w.finish();
    assert.equal(toHex(bytes.subarray(0, 12)), 'ab1234deadbeef0102030000');
    const r = new ByteReader(bytes);
    assert.equal(r.u8(), 0xab);
    assert.equal(r.u16(), 0x1234);
    assert.equal(r.u32(), 0xdeadbeef);
    assert.deepEqual([...r.take(3)], [1, 2, 3]);
    r.skip(2);
    assert.equal(r.f64(), 1.5);
    assert.equal(r.remaining, 0);
  });

  it('patches a length field after the fact', () => {
    const w = new ByteWriter();
    w.u16(0).u16(0).u32(7);
    w.setU16(2, w.length);
    assert.equal(toHex(w.finish()), '0000000800000007');
  });

  it('refuses to read past the end and reports it with has()', () => {
    const r = new ByteReader(new Uint8Array([1, 2, 3]));
    assert.ok(r.has(3));
    assert.ok(!r.has(4));
    assert.ok(!r.has(-1));
    assert.throws(() => r.u32(), RangeError);
  });

  it('honours a sub-range of the input', () => {
    const r = new ByteReader(new Uint8Array([9, 1, 2, 9]), 1, 3);
    assert.equal(r.u16(), 0x0102);
    assert.ok(!r.has(1));
  });
});

describe('hex', () => {
  it('parses with whitespace and rejects odd or non-hex input', () => {
    assert.deepEqual(fromHex('0a 0b\n0c'), new Uint8Array([10, 11, 12]));
    assert.equal(fromHex('abc'), undefined);
    assert.equal(fromHex('zz'), undefined);
    assert.equal(toHex(new Uint8Array([0, 255, 16])), '00ff10');
    assert.ok(bytesEqual(fromHex('')!, new Uint8Array()));
  });
});
