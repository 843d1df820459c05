import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRegistration } from '../../src/registrar/registration-check.js';
import { AddressScope } from '../../src/wire/address-scope.js';
import type { AsapRegistration } from '../../src/wire/asap-messages.js';
import { ErrorCause, type TransportParameter } from '../../src/wire/types.js';
import { build } from '../helpers/build.js';

const handle = new TextEncoder().encode('EchoPool');
const peer = { addresses: ['10.0.0.1', '127.0.0.1', '192.168.5.5'], port: 40000 };
const siteLocal = { minAddressScope: AddressScope.SiteLocal };

function registration(
  overrides: { id?: number; handle?: Uint8Array; user?: TransportParameter } = {},
): AsapRegistration {
  return build.registration({
    poolHandle: overrides.handle ?? handle,
    id: overrides.id ?? 0x1234,
    userTransport:
      overrides.user ??
      build.transport({
        transportUse: 'dataAndControl',
        addresses: ['10.0.0.1', '10.99.99.99', '192.168.5.5'],
      }),
  });
}

describe('checkRegistration', () => {
  it('keeps only user addresses of the association, adds the ASAP transport from the peer', () => {
    const r = checkRegistration(registration(), peer, siteLocal);
    assert.ok(r.ok);
    assert.deepEqual(r.value.userTransport, {
      kind: 'sctp',
      port: 7,
      transportUse: 'dataAndControl',
      addresses: ['10.0.0.1', '192.168.5.5'],
    });
    assert.deepEqual(r.value.asapTransport, {
      kind: 'sctp',
      port: 40000,
      transportUse: 'data',
      addresses: ['10.0.0.1', '192.168.5.5'],
    });
  });

  it('rejects identifier 0 with RSPLIB cause 0xf000', () => {
    const r = checkRegistration(registration({ id: 0 }), peer, siteLocal);
    assert.deepEqual(r, { ok: false, error: ErrorCause.RsplibInvalidId });
  });

  it('rejects an empty or over-long pool handle', () => {
    for (const h of [new Uint8Array(0), new Uint8Array(33)]) {
      const r = checkRegistration(registration({ handle: h }), peer, siteLocal);
      assert.deepEqual(r, { ok: false, error: ErrorCause.RsplibInvalidPoolHandle });
    }
    assert.ok(checkRegistration(registration({ handle: new Uint8Array(32) }), peer, siteLocal).ok);
  });

  it('rejects user addresses that are not the association peer addresses (0xf008), like RSPLIB', () => {
    const user: TransportParameter = {
      kind: 'sctp',
      port: 7,
      transportUse: 'data',
      addresses: ['10.99.99.99'],
    };
    assert.deepEqual(checkRegistration(registration({ user }), peer, siteLocal), {
      ok: false,
      error: ErrorCause.RsplibNoUsableUserAddresses,
    });
  });

  it('applies the minimum scope: loopback only when configured', () => {
    const user: TransportParameter = { kind: 'tcp', port: 7, transportUse: 'data', addresses: ['127.0.0.1'] };
    const loopPeer = { addresses: ['127.0.0.1'], port: 1 };
    assert.equal(checkRegistration(registration({ user }), loopPeer, siteLocal).ok, false);
    const r = checkRegistration(registration({ user }), loopPeer, { minAddressScope: AddressScope.Loopback });
    assert.ok(r.ok && r.value.asapTransport?.kind === 'sctp');
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    const user: TransportParameter = { kind: 'udp', port: 9, addresses: ['::ffff:10.0.0.1'] };
    assert.ok(checkRegistration(registration({ user }), peer, siteLocal).ok);
  });

  it('rejects port 0 or no addresses', () => {
    const user: TransportParameter = { kind: 'udp', port: 0, addresses: ['10.0.0.1'] };
    assert.deepEqual(checkRegistration(registration({ user }), peer, siteLocal), {
      ok: false,
      error: ErrorCause.RsplibInvalidAddresses,
    });
  });
});
