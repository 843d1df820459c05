import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressScope, addressScope, parseAddressScope } from '../../src/wire/address-scope.js';

describe('addressScope', () => {
  const cases: [string, AddressScope][] = [
    ['127.0.0.1', AddressScope.Loopback],
    ['127.3.4.5', AddressScope.Loopback],
    ['::1', AddressScope.Loopback],
    ['169.254.1.1', AddressScope.LinkLocal],
    ['fe80::1', AddressScope.LinkLocal],
    ['10.77.0.2', AddressScope.SiteLocal],
    ['172.16.0.1', AddressScope.SiteLocal],
    ['172.32.0.1', AddressScope.Global],
    ['192.168.1.1', AddressScope.SiteLocal],
    ['fd00::1', AddressScope.SiteLocal],
    ['::ffff:10.0.0.1', AddressScope.SiteLocal],
    ['8.8.8.8', AddressScope.Global],
    ['2001:db8::1', AddressScope.Global],
    ['0.0.0.0', AddressScope.Unspecified],
    ['::', AddressScope.Unspecified],
    ['239.0.0.50', AddressScope.Unspecified],
    ['not an address', AddressScope.Unspecified],
  ];
  for (const [address, scope] of cases) {
    it(`${address} -> ${scope}`, () => assert.equal(addressScope(address), scope));
  }

  it('parses CLI scope names, RSPLIB spelling included', () => {
    assert.equal(parseAddressScope('loopback'), AddressScope.Loopback);
    assert.equal(parseAddressScope('site-local'), AddressScope.SiteLocal);
    assert.equal(parseAddressScope('sitelocal'), AddressScope.SiteLocal);
    assert.equal(parseAddressScope('global'), AddressScope.Global);
    assert.equal(parseAddressScope('planet'), undefined);
  });
});
