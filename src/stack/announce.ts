/** ASAP Server Announces received over UDP multicast, as the registrar hunt wants them. */
import type { Instant } from '../base/index.js';
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

/** The multicast route of a node whose core hunts for a registrar: announces go to the core. */
export function announceRoute(
  toCore: (now: Instant, input: { kind: 'announce'; now: Instant; announce: AnnounceInfo }) => void,
): (now: Instant, channel: MulticastChannel, from: { ip: string; port: number }, bytes: Uint8Array) => void {
  return (now, channel, from, bytes) => {
    const announce = announceFrom(channel, from, bytes);
    if (announce) toCore(now, { kind: 'announce', now, announce });
  };
}
