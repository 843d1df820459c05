/**
 * A registrar process as one sans-I/O node: its ASAP and ENRP SCTP endpoints (two SCTP ports carried
 * by one UDP socket) bound to the registrar core by the router. Answers a wrong PPID with an ABORT (as
 * RSPLIB does) and maps association events and the core's actions. The core is typed structurally so
 * that any registrar core with this contract fits.
 */
import type { AssociationId, Instant } from '../base/index.js';
import type { RegistrarAction, RegistrarInput, RegistrarProtocol } from '../registrar/index.js';
import { type EndpointOptions, SctpEndpoint, type SctpEvent } from '../sctp/index.js';
import { type AsapMessage, decodeEnrp, type EnrpMessage } from '../wire/index.js';
import type { MulticastChannel, NodeInput, NodeOutput } from './node-types.js';
import { type Core, type OutgoingMessage, type RoutedMessage, Router } from './router.js';

/** What the node needs of a registrar core: the contract of src/registrar's Registrar. */
export type RegistrarCore = Core<RegistrarInput, RegistrarAction>;

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

const PROTOCOLS: readonly RegistrarProtocol[] = ['asap', 'enrp'];

export class RegistrarNode {
  private readonly router: Router<RegistrarNodeEvent>;

  constructor(
    readonly core: RegistrarCore,
    options: RegistrarNodeOptions,
  ) {
    const sides = options.enrp ? [options.asap, options.enrp] : [options.asap];
    this.router = new Router(
      sides.map((o, index) => ({
        endpoint: new SctpEndpoint({ listen: true, ...o }),
        message: (now: Instant, id: AssociationId, m: RoutedMessage) => this.onMessage(now, index, id, m),
        event: (now: Instant, id: AssociationId, e: SctpEvent, ref: number | undefined) =>
          this.onEvent(now, index, id, e, ref),
      })),
      true,
    );
  }

  get asapEndpoint(): SctpEndpoint {
    return this.router.endpoint(0);
  }

  get enrpEndpoint(): SctpEndpoint | undefined {
    return this.router.endpointCount > 1 ? this.router.endpoint(1) : undefined;
  }

  nextDeadline(): Instant | undefined {
    return this.router.nextDeadline(this.core.nextDeadline());
  }

  /** Starts the core (e.g. its ENRP start-up phase) with a core-specific input. */
  input(
    input: RegistrarInput | { readonly kind: string; readonly now: Instant },
  ): NodeOutput<RegistrarNodeEvent>[] {
    return this.router.run(input.now, () => this.toCore(input.now, input as RegistrarInput));
  }

  /** Graceful end: SHUTDOWN on every association of both endpoints (their PEs, PUs and peers learn at once). */
  shutdownAll(now: Instant): NodeOutput<RegistrarNodeEvent>[] {
    return this.router.run(now, () => this.router.shutdownAll(now));
  }

  /** Associations not yet closed, on both endpoints. */
  get associationCount(): number {
    let n = 0;
    for (let i = 0; i < this.router.endpointCount; i++) n += this.router.endpoint(i).associationCount;
    return n;
  }

  handle(input: NodeInput): NodeOutput<RegistrarNodeEvent>[] {
    return this.router.handle(input, {
      multicast: (now, channel, from, bytes) => this.onMulticast(now, channel, from, bytes),
      tick: (now) => this.toCore(now, { kind: 'tick', now }),
    });
  }

  private onMessage(now: Instant, index: number, id: AssociationId, m: RoutedMessage): void {
    const protocol = PROTOCOLS[index]!;
    if (m.protocol !== protocol) {
      // RSPLIB aborts an association that carries the other protocol's PPID (D-errors.json, 41020).
      this.router.emit({ kind: 'wrongPpid', protocol, assoc: id, ppid: m.ppid });
      this.router.abort(now, id, `PPID ${m.ppid} on the ${protocol.toUpperCase()} endpoint`);
      return;
    }
    if (!m.result.ok) {
      this.toCore(now, { kind: 'malformed', now, assoc: id, protocol, error: m.result.error });
      return;
    }
    const srttMs = this.router.srttMs(id);
    const base = { now, assoc: id, ...(srttMs === undefined ? {} : { srttMs }) };
    this.toCore(
      now,
      m.protocol === 'asap'
        ? { kind: 'received', protocol: 'asap', message: m.result.value, ...base }
        : { kind: 'received', protocol: 'enrp', message: m.result.value, ...base },
    );
  }

  private onEvent(
    now: Instant,
    index: number,
    id: AssociationId,
    event: SctpEvent,
    ref: number | undefined,
  ): void {
    const protocol = PROTOCOLS[index]!;
    this.router.emit({ kind: 'association', protocol, assoc: id, event });
    switch (event.kind) {
      case 'up':
        this.up(now, protocol, id, { addresses: event.peerAddresses, port: event.peerPort }, ref);
        break;
      case 'restart':
        // The peer restarted: what was registered over the old incarnation is gone.
        this.toCore(now, { kind: 'assocLost', now, assoc: id });
        this.up(now, protocol, id, this.router.peerOf(id), this.router.connects.settle(id));
        break;
      case 'lost':
      case 'shutdownComplete':
        if (ref !== undefined) this.toCore(now, { kind: 'connectFailed', now, ref });
        else this.toCore(now, { kind: 'assocLost', now, assoc: id });
        break;
      default:
        break;
    }
  }

  private up(
    now: Instant,
    protocol: RegistrarProtocol,
    id: AssociationId,
    peer: AssociationPeerInfo,
    ref: number | undefined,
  ): void {
    this.toCore(now, {
      kind: 'assocUp',
      now,
      assoc: id,
      protocol,
      peer,
      ...(ref === undefined ? {} : { ref }),
    });
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
    const source = { address: from.ip, port: from.port };
    this.toCore(now, { kind: 'multicastReceived', now, from: source, message: r.value });
  }

  private toCore(now: Instant, input: RegistrarInput): void {
    for (const a of this.core.handle(input)) {
      switch (a.kind) {
        case 'send':
          this.router.sendMessage(now, a.assoc, outgoing(a.protocol, a.message));
          break;
        case 'connect':
          this.connect(now, a.ref, a.protocol, a.to);
          break;
        case 'abort':
          this.router.abort(now, a.assoc, a.reason);
          break;
        case 'close':
          this.router.shutdown(now, a.assoc);
          break;
        case 'multicast':
          this.router.multicast(
            a.protocol === 'asap' ? 'asapAnnounce' : 'enrpPresence',
            outgoing(a.protocol, a.message),
          );
          break;
        case 'notify':
          this.router.emit({ kind: 'core', event: a.event });
          break;
      }
    }
  }

  private connect(now: Instant, ref: number, protocol: RegistrarProtocol, to: AssociationPeerInfo): void {
    // Takeover Keep Alives (ASAP) leave from the ASAP endpoint; peer associations from the ENRP one.
    const index = protocol === 'enrp' && this.router.endpointCount > 1 ? 1 : 0;
    const { id, established } = this.router.connect(
      now,
      index,
      { addresses: to.addresses, port: to.port },
      ref,
    );
    if (established) this.up(now, PROTOCOLS[index]!, id, this.router.peerOf(id), ref);
  }
}

function outgoing(protocol: RegistrarProtocol, message: AsapMessage | EnrpMessage): OutgoingMessage {
  return protocol === 'asap'
    ? { protocol, message: message as AsapMessage }
    : { protocol, message: message as EnrpMessage };
}
