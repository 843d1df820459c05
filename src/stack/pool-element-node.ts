/**
 * A pool element as one sans-I/O node: the PE core on an ASAP SCTP endpoint (registrar association,
 * takeover Keep Alives) and a service on a data SCTP endpoint (the user transport pool users connect
 * to, with the ASAP control channel on PPID 11). Both endpoints share one UDP socket.
 */
import { type AssociationId, earliest, type Instant, type Random } from '../base/index.js';
import {
  PoolElement,
  type PoolElementAction,
  type PoolElementConfig,
  type PoolElementEvent,
  type PoolElementInput,
} from '../element/index.js';
import type { RegistrarEndpoint } from '../hunt/index.js';
import { type AssocId, type EndpointOptions, SctpEndpoint, type SctpEvent } from '../sctp/index.js';
import type { PoolElementService, ServiceEvent, ServiceInput, WallClock } from '../services/index.js';
import { type AsapMessage, decodeAsap, encodeAsap } from '../wire/index.js';
import { announceFrom } from './announce.js';
import { EndpointPair } from './endpoint-pair.js';
import { type MulticastChannel, type NodeInput, type NodeOutput, PPID_ASAP } from './node-types.js';
import { SctpHost } from './sctp-host.js';

export type PoolElementNodeEvent =
  | { readonly kind: 'element'; readonly event: PoolElementEvent }
  | { readonly kind: 'service'; readonly event: ServiceEvent }
  | { readonly kind: 'businessCard'; readonly session: AssociationId; readonly message: AsapMessage }
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
  /** Wall-clock time for services that tell it (Daytime); the node never reads a clock itself. */
  readonly wallClock?: () => WallClock;
}

export type PoolElementRequest =
  | { readonly kind: 'register'; readonly now: Instant }
  | Extract<PoolElementInput, { kind: 'update' }>
  | { readonly kind: 'deregister'; readonly now: Instant };

const ASAP = 0;
const DATA = 1;
/** How much a streaming service (Chargen) may have queued on one session. */
const STREAM_WINDOW_BYTES = 64 * 1024;

export class PoolElementNode {
  readonly core: PoolElement;
  private readonly asap: SctpHost;
  private readonly data: SctpHost;
  private readonly pair: EndpointPair;
  private readonly connects = new Map<AssociationId, number>();
  private readonly refs = new Map<number, AssociationId>();
  private out: NodeOutput<PoolElementNodeEvent>[] = [];
  /** Sessions that got a Cookie Echo already: RFC 5352 §3.8 hands only the first to the application. */
  private readonly echoed = new Set<AssociationId>();
  /** Streaming sessions (they answered a `writable`): offered room again as their queue drains. */
  private readonly streaming = new Set<AssociationId>();

  constructor(
    private readonly options: PoolElementNodeOptions,
    readonly service: PoolElementService,
  ) {
    this.core = new PoolElement(options.element, options.random);
    this.asap = new SctpHost(new SctpEndpoint({ listen: true, ...options.asap }), {
      deliver: (now, assoc, ppid, _s, bytes) =>
        this.onAsapDeliver(now, EndpointPair.id(ASAP, assoc), ppid, bytes),
      event: (now, assoc, event) => this.onAsapEvent(now, EndpointPair.id(ASAP, assoc), event),
    });
    this.data = new SctpHost(new SctpEndpoint({ listen: true, ...options.data }), {
      deliver: (now, assoc, ppid, stream, bytes) => this.onDataDeliver(now, assoc, ppid, stream, bytes),
      event: (now, assoc, event) => this.onDataEvent(now, assoc, event),
    });
    this.pair = new EndpointPair([this.asap, this.data]);
  }

  /** The SCTP port pool users connect to (the user transport). */
  get dataPort(): number {
    return this.data.endpoint.cfg.port;
  }

  get asapPort(): number {
    return this.asap.endpoint.cfg.port;
  }

  nextDeadline(): Instant | undefined {
    return earliest(this.core.nextDeadline(), this.pair.nextDeadline(), this.service.nextDeadline());
  }

  /** Application requests: register, update policy or transport, deregister. */
  request(r: PoolElementRequest): NodeOutput<PoolElementNodeEvent>[] {
    return this.run(r.now, () => this.apply(r.now, this.core.handle(r)));
  }

  /** Ends every session (the service closes them); call after deregistering, before closing sockets. */
  shutdownSessions(now: Instant): NodeOutput<PoolElementNodeEvent>[] {
    return this.run(now, () => this.serve(now, { kind: 'shutdown', now }));
  }

  handle(input: NodeInput): NodeOutput<PoolElementNodeEvent>[] {
    return this.run(input.now, () => {
      const now = input.now;
      if (input.kind === 'datagram') this.pair.hostFor(input.bytes).datagram(now, input.from, input.bytes);
      else if (input.kind === 'multicast') this.onAnnounce(now, input.from, input.bytes, input.channel);
      else {
        this.pair.tick(now);
        this.apply(now, this.core.handle({ kind: 'tick', now }));
        this.serve(now, { kind: 'tick', now });
      }
      this.offerRoom(now);
    });
  }

  private run(now: Instant, f: () => void): NodeOutput<PoolElementNodeEvent>[] {
    this.out = [];
    f();
    this.pair.drain(now, this.out);
    return this.out;
  }

  private onAnnounce(
    now: Instant,
    from: { ip: string; port: number },
    bytes: Uint8Array,
    channel: MulticastChannel,
  ): void {
    const announce = announceFrom(channel, from, bytes);
    if (announce) this.apply(now, this.core.handle({ kind: 'announce', now, announce }));
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

  private onDataDeliver(now: Instant, assoc: AssocId, ppid: number, stream: number, bytes: Uint8Array): void {
    const session = EndpointPair.id(DATA, assoc);
    if (ppid !== PPID_ASAP) {
      this.serve(now, { kind: 'message', now, session, ppid, stream, bytes });
      return;
    }
    const r = decodeAsap(bytes);
    if (!r.ok) return;
    if (r.value.kind === 'cookieEcho' && !this.echoed.has(session)) {
      this.echoed.add(session);
      this.serve(now, { kind: 'cookieEcho', now, session, cookie: r.value.cookie });
    } else if (r.value.kind === 'businessCard') {
      this.out.push({ kind: 'event', event: { kind: 'businessCard', session, message: r.value } });
    }
  }

  private onDataEvent(now: Instant, assoc: AssocId, event: SctpEvent): void {
    const session = EndpointPair.id(DATA, assoc);
    this.out.push({ kind: 'event', event: { kind: 'association', role: 'data', assoc: session, event } });
    if (event.kind === 'up') {
      const wallClock = this.options.wallClock?.();
      this.serve(now, { kind: 'sessionUp', now, session, ...(wallClock ? { wallClock } : {}) });
      this.serve(now, { kind: 'writable', now, session, roomBytes: STREAM_WINDOW_BYTES });
    } else if (event.kind === 'lost' || event.kind === 'shutdownComplete') {
      this.echoed.delete(session);
      this.streaming.delete(session);
      this.serve(now, { kind: 'sessionDown', now, session });
    }
  }

  /**
   * Feeds the service and carries out what it asks for on the data endpoint. A session that sends
   * joins `streaming` (it is offered room as its queue drains); one that is offered room and sends
   * nothing leaves it.
   */
  private serve(now: Instant, input: ServiceInput): void {
    const actions = this.service.handle(input);
    if (input.kind === 'writable' && !actions.some((a) => a.kind === 'send'))
      this.streaming.delete(input.session);
    for (const a of actions) {
      const assoc = Math.floor(('session' in a ? a.session : 0) / 2);
      switch (a.kind) {
        case 'send':
          this.streaming.add(a.session);
          this.data.send(now, assoc, a.ppid, a.bytes, a.stream);
          break;
        case 'sendCookie':
          this.data.send(now, assoc, PPID_ASAP, encodeAsap({ kind: 'cookie', cookie: a.cookie }));
          break;
        case 'close':
          this.data.shutdown(now, assoc);
          break;
        case 'abort':
          this.data.abort(now, assoc, a.reason);
          break;
        case 'notify':
          this.out.push({ kind: 'event', event: { kind: 'service', event: a.event } });
          break;
      }
    }
  }

  /** Flow control for streaming services: offer room when a session's send queue has drained. */
  private offerRoom(now: Instant): void {
    for (const session of this.streaming) {
      const status = this.data.endpoint.status(Math.floor(session / 2));
      if (status === undefined) {
        this.streaming.delete(session);
        continue;
      }
      const room = STREAM_WINDOW_BYTES - status.queuedBytes - status.outstandingBytes;
      if (room >= STREAM_WINDOW_BYTES / 2)
        this.serve(now, { kind: 'writable', now, session, roomBytes: room });
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
}
