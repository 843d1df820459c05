/** The codec's entry points: bad bytes give a DecodeError; a non-bytes or non-message argument throws. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/base/errors.js';
import {
  decodeAsap,
  decodeEnrp,
  decodeMessage,
  encodeAsap,
  encodeEnrp,
  encodeMessage,
  MAX_POOLHANDLESIZE,
} from '../../src/wire/index.js';

// biome-ignore lint/suspicious/noExplicitAny: misuse from JavaScript is the point of these tests
type Anything = any;
const invalid = (e: unknown): boolean =>
  e instanceof InvalidArgumentError && e.code === 'ERR_RSERPOOL_INVALID_ARGUMENT';

describe('codec entry points', () => {
  it('decoders return a DecodeError for bad bytes and throw for a non-bytes argument', () => {
    assert.equal(decodeAsap(new Uint8Array([1, 2, 3])).ok, false);
    assert.equal(decodeEnrp(new Uint8Array([1, 2, 3])).ok, false);
    for (const v of [undefined, null, 'bytes', [1, 2, 3], {}]) {
      assert.throws(() => decodeAsap(v as Anything), invalid);
      assert.throws(() => decodeEnrp(v as Anything), invalid);
      assert.throws(() => decodeMessage('asap', v as Anything), invalid);
    }
    assert.throws(() => decodeMessage('http' as Anything, new Uint8Array(4)), invalid);
  });

  it('encoders throw InvalidArgumentError for what is not a message', () => {
    for (const m of [undefined, null, {}, 5, { kind: 'nonsense' }, { kind: 'handleResolution' }]) {
      assert.throws(() => encodeAsap(m as Anything), invalid);
      assert.throws(() => encodeEnrp(m as Anything), invalid);
    }
    assert.throws(() => encodeMessage('http' as Anything, { kind: 'cookie' } as Anything), invalid);
    assert.throws(
      () =>
        encodeAsap({ kind: 'businessCard', poolHandle: new Uint8Array(4), poolElements: [{} as Anything] }),
      invalid,
    );
  });

  it('an oversized pool handle is refused, never put on the wire', () => {
    const ok = {
      kind: 'handleResolution',
      subscribe: false,
      poolHandle: new Uint8Array(MAX_POOLHANDLESIZE),
    } as const;
    assert.ok(decodeAsap(encodeAsap(ok)).ok);
    assert.throws(() => encodeAsap({ ...ok, poolHandle: new Uint8Array(MAX_POOLHANDLESIZE + 1) }), invalid);
    assert.throws(() => encodeAsap({ ...ok, poolHandle: new Uint8Array(0) }), invalid);
  });
});
