/** ASAP Server Announces received over UDP multicast, as the registrar hunt wants them. */
import type { AnnounceInfo } from '../hunt/index.js';
import { decodeAsap } from '../wire/index.js';
import type { MulticastChannel } from './node-types.js';

/** The announce in a multicast datagram, or undefined if it is none (other channel, malformed, other type). */
export function announceFrom(
  channel: MulticastChannel,
  from: { readonly ip: string; readonly port: number },
  bytes: Uint8Array,
): AnnounceInfo | undefined {
  if (channel !== 'asapAnnounce') return undefined;
  const r = decodeAsap(bytes);
  if (!r.ok || r.value.kind !== 'serverAnnounce') return undefined;
  return {
    registrarId: r.value.registrarId,
    transports: r.value.transports,
    source: { address: from.ip, port: from.port },
  };
}
