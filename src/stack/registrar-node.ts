/**
 * A registrar process as one sans-I/O node: its ASAP and ENRP SCTP endpoints (two SCTP ports carried
 * by one UDP socket) bound to the registrar core. Decodes by endpoint and PPID, answers a wrong PPID
 * with an ABORT (as RSPLIB does), maps association events and connect references, and encodes what
 * the core sends. The core is typed structurally so that any registrar core with this contract fits.
 */
import type { AssociationId, Instant } from '../base/index.js';
import type { RegistrarAction, RegistrarInput, RegistrarProtocol } from '../registrar/index.js';
import { type AssocId, type EndpointOptions, SctpEndpoint, type SctpEvent } from '../sctp/index.js';
import {
  type AsapMessage,
  decodeAsap,
  decodeEnrp,
  type EnrpMessage,
  encodeAsap,
  encodeEnrp,
  type IpAddress,
} from '../wire/index.js';
import { EndpointPair } from './endpoint-pair.js';
import {
  type MulticastChannel,
  type NodeInput,
  type NodeOutput,
  PPID_ASAP,
  PPID_ENRP,
} from './node-types.js';
import { SctpHost } from './sctp-host.js';

/** What the node needs of a registrar core: the contract of src/registrar's Registrar. */
export interface RegistrarCore {
  handle(input: RegistrarInput): readonly RegistrarAction[];
  nextDeadline(): Instant | undefined;
}

type AssociationPeerInfo = Extract<RegistrarInput, { kind: 'assocUp' }>['peer'];

export type RegistrarNodeEvent =
  | { readonly kind: 'core'; readonly event: unknown }
  | {
      readonly kind: 'association';
      readonly protocol: RegistrarProtocol;
      readonly assoc: AssociationId;
      readonly event: SctpEvent;
    }
  | {
      readonly kind: 'wrongPpid';
      readonly protocol: RegistrarProtocol;
      readonly assoc: AssociationId;
      readonly ppid: number;
    };

export interface RegistrarNodeOptions {
  /** The ASAP SCTP endpoint (port, addresses, timers). */
  readonly asap: EndpointOptions;
  /** The ENRP SCTP endpoint; omit for a registrar without ENRP peers. */
  readonly enrp?: EndpointOptions;
}

interface Side {
  readonly protocol: RegistrarProtocol;
  readonly index: 0 | 1;
  readonly host: SctpHost;
  readonly ppid: number;
}

const nodeId = (side: Side, assoc: AssocId): AssociationId => EndpointPair.id(side.index, assoc);

export class RegistrarNode {
  private readonly sides: Side[] = [];
  private readonly pair: EndpointPair;
  private readonly pendingConnects = new Map<AssociationId, number>();
  private out: NodeOutput<RegistrarNodeEvent>[] = [];

  constructor(
    readonly core: RegistrarCore,
    options: RegistrarNodeOptions,
  ) {
    const asap = this.side('asap', 0, new SctpEndpoint({ listen: true, ...options.asap }));
    this.sides.push(asap);
    if (options.enrp) {
      const enrp = this.side('enrp', 1, new SctpEndpoint({ listen: true, ...options.enrp }));
      this.sides.push(enrp);
      this.pair = new EndpointPair([asap.host, enrp.host]);
    } else {
      this.pair = new EndpointPair([asap.host]);
    }
  }

  get asapEndpoint(): SctpEndpoint {
    return this.sides[0]!.host.endpoint;
  }

  get enrpEndpoint(): SctpEndpoint | undefined {
    return this.sides[1]?.host.endpoint;
  }

  nextDeadline(): Instant | undefined {
    const core = this.core.nextDeadline();
    const sctp = this.pair.nextDeadline();
    return core === undefined ? sctp : sctp === undefined ? core : Math.min(core, sctp);
  }

  /** Starts the core (e.g. its ENRP start-up phase) with a core-specific input. */
  input(
    input: RegistrarInput | { readonly kind: string; readonly now: Instant },
  ): NodeOutput<RegistrarNodeEvent>[] {
    this.out = [];
    this.apply(input.now, this.core.handle(input as RegistrarInput));
    this.pair.drain(input.now, this.out);
    return this.out;
  }

  /** Graceful end: SHUTDOWN on every association of both endpoints (their PEs, PUs and peers learn at once). */
  shutdownAll(now: Instant): NodeOutput<RegistrarNodeEvent>[] {
    this.out = [];
    for (const s of this.sides)
      for (const assoc of s.host.endpoint.associations()) s.host.shutdown(now, assoc);
    this.pair.drain(now, this.out);
    return this.out;
  }

  /** Associations not yet closed, on both endpoints. */
  get associationCount(): number {
    return this.sides.reduce((n, s) => n + s.host.endpoint.associationCount, 0);
  }

  handle(input: NodeInput): NodeOutput<RegistrarNodeEvent>[] {
    this.out = [];
    const now = input.now;
    if (input.kind === 'datagram') {
      this.pair.hostFor(input.bytes).datagram(now, input.from, input.bytes);
    } else if (input.kind === 'multicast') {
      this.onMulticast(now, input.channel, input.from, input.bytes);
    } else {
      this.pair.tick(now);
      this.apply(now, this.core.handle({ kind: 'tick', now }));
    }
    this.pair.drain(now, this.out);
    return this.out;
  }

  private side(protocol: RegistrarProtocol, index: 0 | 1, endpoint: SctpEndpoint): Side {
    const ppid = protocol === 'asap' ? PPID_ASAP : PPID_ENRP;
    const side: Side = {
      protocol,
      index,
      ppid,
      host: new SctpHost(endpoint, {
        deliver: (now, assoc, p, _stream, bytes) => this.onDeliver(now, side, assoc, p, bytes),
        event: (now, assoc, event) => this.onEvent(now, side, assoc, event),
      }),
    };
    return side;
  }

  private onDeliver(now: Instant, side: Side, assoc: AssocId, ppid: number, bytes: Uint8Array): void {
    const id = nodeId(side, assoc);
    if (ppid !== side.ppid) {
      // RSPLIB aborts an association that carries the other protocol's PPID (D-errors.json, 41020).
      this.out.push({
        kind: 'event',
        event: { kind: 'wrongPpid', protocol: side.protocol, assoc: id, ppid },
      });
      side.host.abort(now, assoc, `PPID ${ppid} on the ${side.protocol.toUpperCase()} endpoint`);
      return;
    }
    const srttMs = side.host.srttMs(assoc);
    const base = { now, assoc: id, ...(srttMs === undefined ? {} : { srttMs }) };
    let input: RegistrarInput;
    if (side.protocol === 'asap') {
      const r = decodeAsap(bytes);
      input = r.ok
        ? { kind: 'received', protocol: 'asap', message: r.value, ...base }
        : { kind: 'malformed', now, assoc: id, protocol: 'asap', error: r.error };
    } else {
      const r = decodeEnrp(bytes);
      input = r.ok
        ? { kind: 'received', protocol: 'enrp', message: r.value, ...base }
        : { kind: 'malformed', now, assoc: id, protocol: 'enrp', error: r.error };
    }
    this.apply(now, this.core.handle(input));
  }

  private onEvent(now: Instant, side: Side, assoc: AssocId, event: SctpEvent): void {
    const id = nodeId(side, assoc);
    this.out.push({
      kind: 'event',
      event: { kind: 'association', protocol: side.protocol, assoc: id, event },
    });
    switch (event.kind) {
      case 'up':
        this.up(now, side, id, { addresses: event.peerAddresses, port: event.peerPort });
        break;
      case 'restart':
        // The peer restarted: what was registered over the old incarnation is gone.
        this.apply(now, this.core.handle({ kind: 'assocLost', now, assoc: id }));
        this.up(now, side, id, this.peerOf(side, assoc));
        break;
      case 'lost':
      case 'shutdownComplete':
        this.down(now, id);
        break;
      default:
        break;
    }
  }

  private up(now: Instant, side: Side, id: AssociationId, peer: AssociationPeerInfo): void {
    const ref = this.pendingConnects.get(id);
    this.pendingConnects.delete(id);
    const input: RegistrarInput = {
      kind: 'assocUp',
      now,
      assoc: id,
      protocol: side.protocol,
      peer,
      ...(ref === undefined ? {} : { ref }),
    };
    this.apply(now, this.core.handle(input));
  }

  private down(now: Instant, id: AssociationId): void {
    const ref = this.pendingConnects.get(id);
    if (ref !== undefined) {
      this.pendingConnects.delete(id);
      this.apply(now, this.core.handle({ kind: 'connectFailed', now, ref }));
    } else {
      this.apply(now, this.core.handle({ kind: 'assocLost', now, assoc: id }));
    }
  }

  private peerOf(side: Side, assoc: AssocId): AssociationPeerInfo {
    const s = side.host.endpoint.status(assoc);
    return { addresses: s?.peerAddresses ?? [], port: s?.peerPort ?? 0 };
  }

  private onMulticast(
    now: Instant,
    channel: MulticastChannel,
    from: { ip: string; port: number },
    bytes: Uint8Array,
  ): void {
    if (channel !== 'enrpPresence') return;
    const r = decodeEnrp(bytes);
    if (!r.ok) return; // a multicast datagram has nobody to answer
    const input: RegistrarInput = {
      kind: 'multicastReceived',
      now,
      from: { address: from.ip, port: from.port },
      message: r.value,
    };
    this.apply(now, this.core.handle(input));
  }

  private apply(now: Instant, actions: readonly RegistrarAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'send':
          this.send(now, a.assoc, a.protocol, a.message);
          break;
        case 'connect':
          this.connect(now, a.ref, a.protocol, a.to);
          break;
        case 'abort':
          this.withSide(a.assoc, (s, assoc) => s.host.abort(now, assoc, a.reason));
          break;
        case 'close':
          this.withSide(a.assoc, (s, assoc) => s.host.shutdown(now, assoc));
          break;
        case 'multicast':
          this.out.push({
            kind: 'multicast',
            channel: a.protocol === 'asap' ? 'asapAnnounce' : 'enrpPresence',
            bytes:
              a.protocol === 'asap'
                ? encodeAsap(a.message as AsapMessage)
                : encodeEnrp(a.message as EnrpMessage),
          });
          break;
        case 'notify':
          this.out.push({ kind: 'event', event: { kind: 'core', event: a.event } });
          break;
      }
    }
  }

  private send(
    now: Instant,
    id: AssociationId,
    protocol: RegistrarProtocol,
    message: AsapMessage | EnrpMessage,
  ): void {
    const bytes =
      protocol === 'asap' ? encodeAsap(message as AsapMessage) : encodeEnrp(message as EnrpMessage);
    this.withSide(id, (s, assoc) =>
      s.host.send(now, assoc, protocol === 'asap' ? PPID_ASAP : PPID_ENRP, bytes),
    );
  }

  private connect(
    now: Instant,
    ref: number,
    protocol: RegistrarProtocol,
    to: { readonly addresses: readonly IpAddress[]; readonly port: number },
  ): void {
    // Takeover Keep Alives (ASAP) leave from the ASAP endpoint; peer associations from the ENRP one.
    const side = protocol === 'enrp' && this.sides[1] ? this.sides[1] : this.sides[0]!;
    const { assoc, established } = side.host.connect(now, { addresses: to.addresses, port: to.port });
    const id = nodeId(side, assoc);
    this.pendingConnects.set(id, ref);
    if (established) this.up(now, side, id, this.peerOf(side, assoc));
  }

  private withSide(id: AssociationId, f: (side: Side, assoc: AssocId) => void): void {
    const r = this.pair.resolve(id);
    const side = r && this.sides[r.index];
    if (r && side) f(side, r.assoc);
  }
}
