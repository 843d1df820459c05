/**
 * A pool element as one sans-I/O node: the PE core on an ASAP SCTP endpoint (registrar association,
 * takeover Keep Alives) and a service on a data SCTP endpoint (the user transport pool users connect
 * to, with the ASAP control channel on PPID 11). Both endpoints share one UDP socket.
 */
import type { AssociationId, Instant, Random } from '../base/index.js';
import {
  PoolElement,
  type PoolElementAction,
  type PoolElementConfig,
  type PoolElementEvent,
  type PoolElementInput,
} from '../element/index.js';
import type { RegistrarEndpoint } from '../hunt/index.js';
import { type AssocId, type EndpointOptions, SctpEndpoint, type SctpEvent } from '../sctp/index.js';
import { type AsapMessage, decodeAsap, encodeAsap } from '../wire/index.js';
import { EndpointPair } from './endpoint-pair.js';
import { type NodeInput, type NodeOutput, PPID_ASAP } from './node-types.js';
import { SctpHost } from './sctp-host.js';

/** What a service may do on its sessions (the PE's data associations). */
export interface ServiceContext {
  readonly now: Instant;
  send(session: AssociationId, ppid: number, bytes: Uint8Array, stream?: number): void;
  /** An ASAP message on the control channel of a session (e.g. a Cookie, RFC 5352 §3.8). */
  sendControl(session: AssociationId, message: AsapMessage): void;
  close(session: AssociationId): void;
  abort(session: AssociationId, reason: string): void;
}

/** The application a PE serves; every upcall may use the context to act. */
export interface PoolElementService {
  sessionUp?(ctx: ServiceContext, session: AssociationId): void;
  data(ctx: ServiceContext, session: AssociationId, ppid: number, stream: number, bytes: Uint8Array): void;
  /** ASAP on the control channel: Cookie Echo, Business Card. */
  control?(ctx: ServiceContext, session: AssociationId, message: AsapMessage): void;
  sessionDown?(ctx: ServiceContext, session: AssociationId): void;
  tick?(ctx: ServiceContext): void;
  nextDeadline?(): Instant | undefined;
}

export type PoolElementNodeEvent =
  | { readonly kind: 'element'; readonly event: PoolElementEvent }
  | { readonly kind: 'session'; readonly change: 'up' | 'down'; readonly session: AssociationId }
  | {
      readonly kind: 'association';
      readonly role: 'asap' | 'data';
      readonly assoc: AssociationId;
      readonly event: SctpEvent;
    };

export interface PoolElementNodeOptions {
  readonly asap: EndpointOptions;
  readonly data: EndpointOptions;
  readonly element: PoolElementConfig;
  readonly random: Random;
}

export type PoolElementRequest =
  | { readonly kind: 'register'; readonly now: Instant }
  | Extract<PoolElementInput, { kind: 'update' }>
  | { readonly kind: 'deregister'; readonly now: Instant };

const ASAP = 0;
const DATA = 1;

export class PoolElementNode {
  readonly core: PoolElement;
  private readonly asap: SctpHost;
  private readonly data: SctpHost;
  private readonly pair: EndpointPair;
  private readonly connects = new Map<AssociationId, number>();
  private readonly refs = new Map<number, AssociationId>();
  private out: NodeOutput<PoolElementNodeEvent>[] = [];
  private now: Instant = 0;
  private readonly ctx: ServiceContext;

  constructor(
    options: PoolElementNodeOptions,
    readonly service: PoolElementService,
  ) {
    this.core = new PoolElement(options.element, options.random);
    this.asap = new SctpHost(new SctpEndpoint({ listen: true, ...options.asap }), {
      deliver: (now, assoc, ppid, _s, bytes) =>
        this.onAsapDeliver(now, EndpointPair.id(ASAP, assoc), ppid, bytes),
      event: (now, assoc, event) => this.onAsapEvent(now, EndpointPair.id(ASAP, assoc), event),
    });
    this.data = new SctpHost(new SctpEndpoint({ listen: true, ...options.data }), {
      deliver: (_now, assoc, ppid, stream, bytes) => this.onDataDeliver(assoc, ppid, stream, bytes),
      event: (_now, assoc, event) => this.onDataEvent(assoc, event),
    });
    this.pair = new EndpointPair([this.asap, this.data]);
    const node = this;
    this.ctx = {
      get now() {
        return node.now;
      },
      send: (session, ppid, bytes, stream = 0) =>
        this.data.send(this.now, this.dataAssoc(session), ppid, bytes, stream),
      sendControl: (session, message) =>
        this.data.send(this.now, this.dataAssoc(session), PPID_ASAP, encodeAsap(message)),
      close: (session) => this.data.shutdown(this.now, this.dataAssoc(session)),
      abort: (session, reason) => this.data.abort(this.now, this.dataAssoc(session), reason),
    };
  }

  /** The SCTP port pool users connect to (the user transport). */
  get dataPort(): number {
    return this.data.endpoint.cfg.port;
  }

  get asapPort(): number {
    return this.asap.endpoint.cfg.port;
  }

  nextDeadline(): Instant | undefined {
    return minDefined(this.core.nextDeadline(), this.pair.nextDeadline(), this.service.nextDeadline?.());
  }

  /** Application requests: register, update policy or transport, deregister. */
  request(r: PoolElementRequest): NodeOutput<PoolElementNodeEvent>[] {
    return this.run(r.now, () => this.apply(r.now, this.core.handle(r)));
  }

  handle(input: NodeInput): NodeOutput<PoolElementNodeEvent>[] {
    return this.run(input.now, () => {
      const now = input.now;
      if (input.kind === 'datagram') this.pair.hostFor(input.bytes).datagram(now, input.from, input.bytes);
      else if (input.kind === 'multicast') this.onAnnounce(now, input.from, input.bytes, input.channel);
      else {
        this.pair.tick(now);
        this.apply(now, this.core.handle({ kind: 'tick', now }));
        this.service.tick?.(this.ctx);
      }
    });
  }

  private run(now: Instant, f: () => void): NodeOutput<PoolElementNodeEvent>[] {
    this.out = [];
    this.now = now;
    f();
    this.pair.drain(now, this.out);
    return this.out;
  }

  private onAnnounce(
    now: Instant,
    from: { ip: string; port: number },
    bytes: Uint8Array,
    channel: string,
  ): void {
    if (channel !== 'asapAnnounce') return;
    const r = decodeAsap(bytes);
    if (!r.ok || r.value.kind !== 'serverAnnounce') return;
    const announce = {
      registrarId: r.value.registrarId,
      transports: r.value.transports,
      source: { address: from.ip, port: from.port },
    };
    this.apply(now, this.core.handle({ kind: 'announce', now, announce }));
  }

  private onAsapDeliver(now: Instant, assoc: AssociationId, ppid: number, bytes: Uint8Array): void {
    if (ppid !== PPID_ASAP) return;
    const r = decodeAsap(bytes);
    if (r.ok) this.apply(now, this.core.handle({ kind: 'received', now, assoc, message: r.value }));
  }

  private onAsapEvent(now: Instant, assoc: AssociationId, event: SctpEvent): void {
    this.out.push({ kind: 'event', event: { kind: 'association', role: 'asap', assoc, event } });
    const ref = this.connects.get(assoc);
    if (event.kind === 'up' && ref !== undefined) {
      this.connects.delete(assoc);
      this.apply(now, this.core.handle({ kind: 'connected', now, ref, assoc }));
    } else if (event.kind === 'lost' || event.kind === 'shutdownComplete') {
      if (ref !== undefined) {
        this.connects.delete(assoc);
        this.refs.delete(ref);
        this.apply(now, this.core.handle({ kind: 'connectFailed', now, ref }));
      } else {
        this.apply(now, this.core.handle({ kind: 'assocLost', now, assoc }));
      }
    }
  }

  private onDataDeliver(assoc: AssocId, ppid: number, stream: number, bytes: Uint8Array): void {
    const session = EndpointPair.id(DATA, assoc);
    if (ppid !== PPID_ASAP) {
      this.service.data(this.ctx, session, ppid, stream, bytes);
      return;
    }
    const r = decodeAsap(bytes);
    if (r.ok) this.service.control?.(this.ctx, session, r.value);
  }

  private onDataEvent(assoc: AssocId, event: SctpEvent): void {
    const session = EndpointPair.id(DATA, assoc);
    this.out.push({ kind: 'event', event: { kind: 'association', role: 'data', assoc: session, event } });
    if (event.kind === 'up') {
      this.out.push({ kind: 'event', event: { kind: 'session', change: 'up', session } });
      this.service.sessionUp?.(this.ctx, session);
    } else if (event.kind === 'lost' || event.kind === 'shutdownComplete') {
      this.out.push({ kind: 'event', event: { kind: 'session', change: 'down', session } });
      this.service.sessionDown?.(this.ctx, session);
    }
  }

  private apply(now: Instant, actions: readonly PoolElementAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'connect':
          this.connect(now, a.ref, a.to);
          break;
        case 'cancel': {
          const assoc = this.refs.get(a.ref);
          this.refs.delete(a.ref);
          if (assoc !== undefined) {
            this.connects.delete(assoc);
            this.asap.abort(now, Math.floor(assoc / 2), 'registrar hunt: not needed');
          }
          break;
        }
        case 'send':
          this.asap.send(now, Math.floor(a.assoc / 2), PPID_ASAP, encodeAsap(a.message));
          break;
        case 'close':
          this.asap.shutdown(now, Math.floor(a.assoc / 2));
          break;
        case 'notify':
          this.out.push({ kind: 'event', event: { kind: 'element', event: a.event } });
          break;
      }
    }
  }

  private connect(now: Instant, ref: number, to: RegistrarEndpoint): void {
    const { assoc, established } = this.asap.connect(now, { addresses: to.addresses, port: to.port });
    const id = EndpointPair.id(ASAP, assoc);
    this.refs.set(ref, id);
    if (established) this.apply(now, this.core.handle({ kind: 'connected', now, ref, assoc: id }));
    else this.connects.set(id, ref);
  }

  private dataAssoc(session: AssociationId): AssocId {
    return Math.floor(session / 2);
  }
}

function minDefined(...values: (number | undefined)[]): number | undefined {
  let m: number | undefined;
  for (const v of values) if (v !== undefined && (m === undefined || v < m)) m = v;
  return m;
}
