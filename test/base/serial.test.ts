import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { add16, add32, gt32, gte32, lt16, lt32, lte32, sub16, sub32 } from '../../src/base/serial.js';

describe('serial arithmetic (RFC 1982)', () => {
  it('adds and subtracts across the 2^32 wrap', () => {
    assert.equal(add32(0xffff_ffff, 1), 0);
    assert.equal(add32(0xffff_fff0, 0x20), 0x10);
    assert.equal(sub32(0x10, 0x20), 0xffff_fff0);
    assert.equal(sub32(0, 1), 0xffff_ffff);
  });

  it('orders TSNs across the 2^32 wrap', () => {
    assert.ok(lt32(0xffff_fffe, 0xffff_ffff));
    assert.ok(lt32(0xffff_ffff, 0));
    assert.ok(lt32(0xffff_ff00, 5));
    assert.ok(!lt32(5, 0xffff_ff00));
    assert.ok(gt32(3, 0xffff_fffd));
    assert.ok(lte32(7, 7) && gte32(7, 7) && !lt32(7, 7));
    // Numeric order would sort '9' after '10' as strings or 0xffffffff after 0: neither happens here.
    assert.ok(lt32(9, 10));
  });

  it('orders SSNs across the 2^16 wrap', () => {
    assert.equal(add16(0xffff, 1), 0);
    assert.equal(sub16(0, 1), 0xffff);
    assert.ok(lt16(0xfffe, 0xffff));
    assert.ok(lt16(0xffff, 0));
    assert.ok(!lt16(0, 0xffff));
  });
});
