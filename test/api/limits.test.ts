/** One home per limit: every layer refuses a pool handle longer than the one MAX_POOLHANDLESIZE. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError, PoolElement, PoolUser } from '../../src/api/index.js';
import { checkRegistration } from '../../src/registrar/registration-check.js';
import { AddressScope } from '../../src/wire/address-scope.js';
import { decodeAsap, ErrorCause, MAX_POOLHANDLESIZE } from '../../src/wire/index.js';

const handleOf = (n: number): Uint8Array => new Uint8Array(n).fill(0x41);

/** A Handle Resolution carrying a pool handle of `n` bytes, built by hand (RFC 5352 §2.2.5). */
function handleResolutionBytes(n: number): Uint8Array {
  const padded = (n + 3) & ~3;
  const out = new Uint8Array(4 + 4 + padded);
  const v = new DataView(out.buffer);
  v.setUint8(0, 0x05);
  v.setUint16(2, out.length);
  v.setUint16(4, 0x0009);
  v.setUint16(6, 4 + n);
  out.set(handleOf(n), 8);
  return out;
}

function registrationCheck(n: number) {
  return checkRegistration(
    {
      kind: 'registration',
      poolHandle: handleOf(n),
      poolElement: {
        id: 7,
        homeRegistrarId: 0,
        registrationLife: 90_000,
        userTransport: { kind: 'sctp', port: 7, transportUse: 'dataAndControl', addresses: ['10.0.0.1'] },
        policy: { name: 'RoundRobin' },
      },
    },
    { addresses: ['10.0.0.1'], port: 40000 },
    { minAddressScope: AddressScope.SiteLocal },
  );
}

describe(`MAX_POOLHANDLESIZE (${MAX_POOLHANDLESIZE}) is the limit of every layer`, () => {
  it('the codec decodes a handle of that size and refuses one byte more', () => {
    assert.ok(decodeAsap(handleResolutionBytes(MAX_POOLHANDLESIZE)).ok);
    assert.ok(!decodeAsap(handleResolutionBytes(MAX_POOLHANDLESIZE + 1)).ok);
  });

  it('the registrar accepts a registration with that size and refuses one byte more', () => {
    assert.ok(registrationCheck(MAX_POOLHANDLESIZE).ok);
    const r = registrationCheck(MAX_POOLHANDLESIZE + 1);
    assert.ok(!r.ok && r.error === ErrorCause.RsplibInvalidPoolHandle);
  });

  it('the API refuses one byte more with InvalidArgumentError', async () => {
    await assert.rejects(
      PoolElement.start({ poolHandle: handleOf(MAX_POOLHANDLESIZE + 1), service: 'echo' }),
      InvalidArgumentError,
    );
    const user = await PoolUser.start({ asapAnnounce: 'off', local: '127.0.42.1' });
    try {
      await assert.rejects(user.resolve(handleOf(MAX_POOLHANDLESIZE + 1)), InvalidArgumentError);
      assert.throws(() => user.openSession('x'.repeat(MAX_POOLHANDLESIZE + 1)), InvalidArgumentError);
    } finally {
      await user.close();
    }
  });
});
