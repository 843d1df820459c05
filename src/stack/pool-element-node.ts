/**
 * A pool element as one sans-I/O node: the PE core on an ASAP SCTP endpoint (registrar association,
 * takeover Keep Alives) and a service on a data SCTP endpoint (the user transport pool users connect
 * to, with the ASAP control channel on PPID 11). Both endpoints share one UDP socket; the router binds
 * them.
 */
import type { AssociationId, Instant, Random } from '../base/index.js';
import {
  PoolElement,
  type PoolElementAction,
  type PoolElementConfig,
  type PoolElementEvent,
  type PoolElementInput,
} from '../element/index.js';
import { type EndpointOptions, SctpEndpoint, type SctpEvent } from '../sctp/index.js';
import type { PoolElementService, ServiceEvent, ServiceInput, WallClock } from '../services/index.js';
import type { AsapMessage } from '../wire/index.js';
import { announceRoute } from './announce.js';
import { type NodeInput, type NodeOutput, PPID_ASAP } from './node-types.js';
import { type RoutedMessage, Router } from './router.js';

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
  private readonly router: Router<PoolElementNodeEvent>;
  /** Sessions that got a Cookie Echo already: RFC 5352 §3.8 hands only the first to the application. */
  private readonly echoed = new Set<AssociationId>();
  /** Streaming sessions (they answered a `writable`): offered room again as their queue drains. */
  private readonly streaming = new Set<AssociationId>();

  constructor(
    private readonly options: PoolElementNodeOptions,
    readonly service: PoolElementService,
  ) {
    this.core = new PoolElement(options.element, options.random);
    this.router = new Router([
      {
        endpoint: new SctpEndpoint({ listen: true, ...options.asap }),
        decodes: [PPID_ASAP],
        message: (now, assoc, m) => {
          if (m.protocol === 'asap' && m.result.ok)
            this.toCore(now, { kind: 'received', now, assoc, message: m.result.value });
        },
        event: (now, assoc, event, ref) => this.onAsapEvent(now, assoc, event, ref),
      },
      {
        endpoint: new SctpEndpoint({ listen: true, ...options.data }),
        decodes: [PPID_ASAP],
        message: (now, session, m) => this.onDataMessage(now, session, m),
        event: (now, session, event) => this.onDataEvent(now, session, event),
      },
    ]);
  }

  /** The SCTP port pool users connect to (the user transport). */
  get dataPort(): number {
    return this.router.endpoint(DATA).cfg.port;
  }

  get asapPort(): number {
    return this.router.endpoint(ASAP).cfg.port;
  }

  nextDeadline(): Instant | undefined {
    return this.router.nextDeadline(this.core.nextDeadline(), this.service.nextDeadline());
  }

  /** Application requests: register, update policy or transport, deregister. */
  request(r: PoolElementRequest): NodeOutput<PoolElementNodeEvent>[] {
    return this.router.run(r.now, () => this.toCore(r.now, r));
  }

  /** Ends every session (the service closes them); call after deregistering, before closing sockets. */
  shutdownSessions(now: Instant): NodeOutput<PoolElementNodeEvent>[] {
    return this.router.run(now, () => this.serve(now, { kind: 'shutdown', now }));
  }

  handle(input: NodeInput): NodeOutput<PoolElementNodeEvent>[] {
    return this.router.handle(input, {
      multicast: announceRoute((now, input) => this.toCore(now, input)),
      tick: (now) => {
        this.toCore(now, { kind: 'tick', now });
        this.serve(now, { kind: 'tick', now });
      },
      after: (now) => this.offerRoom(now),
    });
  }

  private onAsapEvent(now: Instant, assoc: AssociationId, event: SctpEvent, ref: number | undefined): void {
    this.router.emit({ kind: 'association', role: 'asap', assoc, event });
    if (event.kind === 'up' && ref !== undefined) {
      this.toCore(now, { kind: 'connected', now, ref, assoc });
    } else if (event.kind === 'lost' || event.kind === 'shutdownComplete') {
      if (ref !== undefined) this.toCore(now, { kind: 'connectFailed', now, ref });
      else this.toCore(now, { kind: 'assocLost', now, assoc });
    }
  }

  private onDataMessage(now: Instant, session: AssociationId, m: RoutedMessage): void {
    if (m.protocol === 'raw') {
      this.serve(now, { kind: 'message', now, session, ppid: m.ppid, stream: m.stream, bytes: m.bytes });
    } else if (m.protocol === 'asap' && m.result.ok) {
      const message = m.result.value;
      if (message.kind === 'cookieEcho' && !this.echoed.has(session)) {
        this.echoed.add(session);
        this.serve(now, { kind: 'cookieEcho', now, session, cookie: message.cookie });
      } else if (message.kind === 'businessCard') {
        this.router.emit({ kind: 'businessCard', session, message });
      }
    }
  }

  private onDataEvent(now: Instant, session: AssociationId, event: SctpEvent): void {
    this.router.emit({ kind: 'association', role: 'data', assoc: session, event });
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
      switch (a.kind) {
        case 'send':
          this.streaming.add(a.session);
          this.router.send(now, a.session, a.ppid, a.bytes, a.stream);
          break;
        case 'sendCookie':
          this.router.sendMessage(now, a.session, {
            protocol: 'asap',
            message: { kind: 'cookie', cookie: a.cookie },
          });
          break;
        case 'close':
          this.router.shutdown(now, a.session);
          break;
        case 'abort':
          this.router.abort(now, a.session, a.reason);
          break;
        case 'notify':
          this.router.emit({ kind: 'service', event: a.event });
          break;
      }
    }
  }

  /** Flow control for streaming services: offer room when a session's send queue has drained. */
  private offerRoom(now: Instant): void {
    for (const session of this.streaming) {
      const status = this.router.endpoint(DATA).status(this.router.resolve(session).assoc);
      if (status === undefined) {
        this.streaming.delete(session);
        continue;
      }
      const room = STREAM_WINDOW_BYTES - status.queuedBytes - status.outstandingBytes;
      if (room >= STREAM_WINDOW_BYTES / 2)
        this.serve(now, { kind: 'writable', now, session, roomBytes: room });
    }
  }

  private toCore(now: Instant, input: PoolElementInput): void {
    for (const a of this.core.handle(input)) this.apply(now, a);
  }

  private apply(now: Instant, a: PoolElementAction): void {
    switch (a.kind) {
      case 'connect': {
        const peer = { addresses: a.to.addresses, port: a.to.port };
        const { id, established } = this.router.connect(now, ASAP, peer, a.ref);
        if (established) this.toCore(now, { kind: 'connected', now, ref: a.ref, assoc: id });
        break;
      }
      case 'cancel': {
        const assoc = this.router.connects.cancel(a.ref);
        if (assoc !== undefined) this.router.abort(now, assoc, 'registrar hunt: not needed');
        break;
      }
      case 'send':
        this.router.sendMessage(now, a.assoc, { protocol: 'asap', message: a.message });
        break;
      case 'close':
        this.router.shutdown(now, a.assoc);
        break;
      case 'notify':
        this.router.emit({ kind: 'element', event: a.event });
        break;
    }
  }
}
