/**
 * Two SCTP endpoints (two SCTP ports) carried by one UDP socket, told apart by the destination port of
 * the SCTP common header. Registrars use it for ASAP + ENRP, pool elements for ASAP + data. Node-wide
 * association ids put the endpoint index in the low bit, since SCTP ids are per endpoint.
 */
import type { AssociationId, Instant } from '../base/index.js';
import type { AssocId } from '../sctp/index.js';
import type { NodeOutput } from './node-types.js';
import type { SctpHost } from './sctp-host.js';

export class EndpointPair {
  constructor(readonly hosts: readonly [SctpHost] | readonly [SctpHost, SctpHost]) {}

  static id(index: number, assoc: AssocId): AssociationId {
    return assoc * 2 + index;
  }

  /** The host and its SCTP association id for a node-wide id. */
  resolve(id: AssociationId): { host: SctpHost; assoc: AssocId; index: number } | undefined {
    const index = id % 2;
    const host = this.hosts[index];
    return host ? { host, assoc: Math.floor(id / 2), index } : undefined;
  }

  /** The host a datagram is for: the one whose port it names, else the first. */
  hostFor(bytes: Uint8Array): SctpHost {
    const second = this.hosts[1];
    if (second && bytes.length >= 4 && ((bytes[2]! << 8) | bytes[3]!) === second.endpoint.cfg.port)
      return second;
    return this.hosts[0];
  }

  nextDeadline(): Instant | undefined {
    let next: Instant | undefined;
    for (const h of this.hosts) {
      const d = h.endpoint.nextDeadline();
      if (d !== undefined && (next === undefined || d < next)) next = d;
    }
    return next;
  }

  tick(now: Instant): void {
    for (const h of this.hosts) h.tick(now);
  }

  /** Drains both hosts until neither has work (one may queue work on the other). */
  drain<E>(now: Instant, out: NodeOutput<E>[]): void {
    do {
      for (const h of this.hosts) h.drain(now, out);
    } while (this.hosts.some((h) => h.hasWork()));
  }
}
