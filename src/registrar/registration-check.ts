/**
 * Validation of an ASAP Registration before it touches the handlespace (RFC 5352 §3.1 rule 5,
 * notes/rsplib-interop.md §3.4 and §5): identifier, handle, addresses. The user transport keeps only
 * addresses that are also peer addresses of the registering association (anti-spoofing) and meet the
 * minimum scope; the ASAP transport is the association's own peer addresses (rule 4).
 */
import { err, ok, type Result } from '../base/index.js';
import { type AddressScope, addressScope } from '../wire/address-scope.js';
import type { AsapRegistration } from '../wire/asap-messages.js';
import { MAX_POOLHANDLESIZE } from '../wire/constants.js';
import { parseIpAddress } from '../wire/ip-address.js';
import {
  ErrorCause,
  type IpAddress,
  type PoolElementParameter,
  type TransportParameter,
} from '../wire/types.js';

/** What a registrar knows about the association a message came in on. */
export interface AssociationPeer {
  readonly addresses: readonly IpAddress[];
  readonly port: number;
}

export interface RegistrationCheckOptions {
  readonly minAddressScope: AddressScope;
}

export function checkRegistration(
  message: AsapRegistration,
  peer: AssociationPeer,
  options: RegistrationCheckOptions,
): Result<PoolElementParameter, number> {
  const pe = message.poolElement;
  if (pe.id === 0) return err(ErrorCause.RsplibInvalidId);
  const handleLength = message.poolHandle.length;
  if (handleLength === 0 || handleLength > MAX_POOLHANDLESIZE) return err(ErrorCause.RsplibInvalidPoolHandle);
  const user = checkUserTransport(pe.userTransport, peer, options);
  if (!user.ok) return user;
  const asapAddresses = peer.addresses.filter((a) => addressInfo(a).scope >= options.minAddressScope);
  if (asapAddresses.length === 0) return err(ErrorCause.RsplibNoUsableAsapAddresses);
  const asapTransport: TransportParameter = {
    kind: 'sctp',
    port: peer.port,
    transportUse: 'data',
    addresses: asapAddresses,
  };
  return ok({ ...pe, userTransport: user.value, asapTransport });
}

function checkUserTransport(
  transport: TransportParameter,
  peer: AssociationPeer,
  options: RegistrationCheckOptions,
): Result<TransportParameter, number> {
  if (transport.kind === 'opaque') return ok(transport);
  if (transport.port === 0 || transport.addresses.length === 0) return err(ErrorCause.RsplibInvalidAddresses);
  const usable = transport.addresses.filter((a) => {
    const info = addressInfo(a);
    return (
      info.scope >= options.minAddressScope && peer.addresses.some((p) => addressInfo(p).key === info.key)
    );
  });
  if (usable.length === 0) return err(ErrorCause.RsplibNoUsableUserAddresses);
  return ok({ ...transport, addresses: usable });
}

/** Compares addresses by value: '::ffff:10.0.0.1' and '10.0.0.1' are one address. */
function addressKey(address: IpAddress): string {
  const b = parseIpAddress(address);
  if (!b) return address;
  const v4 = b.length === 4 ? b : isMapped(b) ? b.subarray(12) : undefined;
  return v4 ? v4.join('.') : [...b].join(',');
}

const isMapped = (b: Uint8Array): boolean =>
  b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

/** Key and scope of an address text, memoised: the same few addresses come with every (re-)registration. */
const addressInfos = new Map<IpAddress, { readonly key: string; readonly scope: AddressScope }>();
function addressInfo(address: IpAddress): { readonly key: string; readonly scope: AddressScope } {
  let info = addressInfos.get(address);
  if (info === undefined) {
    if (addressInfos.size >= 10_000) addressInfos.clear();
    info = { key: addressKey(address), scope: addressScope(address) };
    addressInfos.set(address, info);
  }
  return info;
}
