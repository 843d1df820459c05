// IP address text <-> bytes (RFC 5354 §3.1/3.2 parameters, RFC 5952 text for IPv6).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/base/index.js';
import {
  canonicalIpAddress,
  formatIpv4,
  formatIpv6,
  parseIpAddress,
  parseIpv6,
} from '../../src/wire/index.js';

const v6 = (h: string): Uint8Array => Uint8Array.from(h.match(/../g)!.map((x) => Number.parseInt(x, 16)));

describe('IPv6 text (RFC 5952)', () => {
  const CASES: [string, string][] = [
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'], // longest run wins (§4.2.3)
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['20010db8000000000001000000010001', '2001:db8::1:0:1:1'], // first of two equal runs
    ['20010db8000100010001000100010001', '2001:db8:1:1:1:1:1:1'], // no compression of a single 0 word
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
    ['fe800000000000000000000000000abc', 'fe80::abc'],
    ['00000000000000000000ffff0a000001', '::ffff:10.0.0.1'], // IPv4-mapped: mixed notation (§5)
    ['20010db8000000000000000000000000', '2001:db8::'],
  ];
  for (const [h, text] of CASES) {
    it(`${h} <-> ${text}`, () => {
      assert.equal(formatIpv6(v6(h)), text);
      assert.equal(toHex(parseIpv6(text)!), h);
    });
  }

  it('parses non-canonical forms and canonicalises them', () => {
    assert.equal(canonicalIpAddress('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
    assert.equal(canonicalIpAddress('0:0:0:0:0:ffff:10.0.0.1'), '::ffff:10.0.0.1');
    assert.equal(canonicalIpAddress('::ffff:a00:1'), '::ffff:10.0.0.1');
    assert.equal(canonicalIpAddress('010.0.0.1'), undefined);
  });

  it('refuses invalid text', () => {
    for (const bad of [
      '',
      ':',
      ':::',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '12345::',
      'g::',
      '1.2.3',
      '1.2.3.256',
      '::1.2.3',
    ]) {
      assert.equal(parseIpAddress(bad), undefined, bad);
    }
  });

  it('format -> parse is the identity on random bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (b) => toHex(parseIpv6(formatIpv6(b))!) === toHex(b),
      ),
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        (b) => toHex(parseIpAddress(formatIpv4(b))!) === toHex(b),
      ),
    );
  });
});
