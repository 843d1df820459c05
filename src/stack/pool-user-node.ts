/**
 * A pool user as one sans-I/O node: the PU core (handle resolution through a home registrar) and the
 * associations to pool elements that sessions use, all on one SCTP endpoint. Sessions own their
 * associations through `SessionOwner` upcalls; ASAP on a session association (PPID 11: Cookie,
 * Business Card) is decoded for them.
 */
import type { AssociationId, Instant, Random } from '../base/index.js';
import type { RegistrarEndpoint } from '../hunt/index.js';
import { type AssocId, type EndpointOptions, SctpEndpoint, type SctpEvent } from '../sctp/index.js';
import {
  PoolUser,
  type PoolUserAction,
  type PoolUserConfig,
  type Resolution,
  type ResolutionFailure,
} from '../user/index.js';
import { type AsapMessage, decodeAsap, encodeAsap, type IpAddress } from '../wire/index.js';
import { type NodeInput, type NodeOutput, PPID_ASAP } from './node-types.js';
import { SctpHost } from './sctp-host.js';

export type ResolutionResult = { ok: true; value: Resolution } | { ok: false; error: ResolutionFailure };

/** What a session owner may do from inside an upcall (queued; sent when the node finishes the input). */
export interface SessionContext {
  send(assoc: AssociationId, ppid: number, bytes: Uint8Array, stream?: number): void;
  sendControl(assoc: AssociationId, message: AsapMessage): void;
}

/**
 * Upcalls for whoever owns a session association. They may act through `ctx`, but must not call the
 * node's public methods synchronously (schedule such calls instead).
 */
export interface SessionOwner {
  up(ctx: SessionContext, now: Instant, assoc: AssociationId): void;
  data(
    ctx: SessionContext,
    now: Instant,
    assoc: AssociationId,
    ppid: number,
    stream: number,
    bytes: Uint8Array,
  ): void;
  control(ctx: SessionContext, now: Instant, assoc: AssociationId, message: AsapMessage): void;
  /** Lost, aborted, shut down by the PE, or never came up. */
  down(ctx: SessionContext, now: Instant, assoc: AssociationId, reason: string): void;
}

export type PoolUserNodeEvent =
  | { readonly kind: 'resolved'; readonly requestId: number; readonly result: ResolutionResult }
  | { readonly kind: 'association'; readonly assoc: AssociationId; readonly event: SctpEvent };

export interface PoolUserNodeOptions {
  readonly sctp: EndpointOptions;
  readonly user: PoolUserConfig;
  readonly random: Random;
}

export class PoolUserNode {
  readonly core: PoolUser;
  private readonly host: SctpHost;
  private readonly registrarConnects = new Map<AssociationId, number>();
  private readonly refs = new Map<number, AssociationId>();
  private readonly sessions = new Map<AssociationId, SessionOwner>();
  private readonly resolutionWaiters = new Map<number, (r: ResolutionResult) => void>();
  private out: NodeOutput<PoolUserNodeEvent>[] = [];
  private nowValue: Instant = 0;
  private readonly ctx: SessionContext = {
    send: (assoc, ppid, bytes, stream = 0) => this.host.send(this.nowValue, assoc, ppid, bytes, stream),
    sendControl: (assoc, message) => this.host.send(this.nowValue, assoc, PPID_ASAP, encodeAsap(message)),
  };

  constructor(options: PoolUserNodeOptions) {
    this.core = new PoolUser(options.user, options.random);
    this.host = new SctpHost(new SctpEndpoint({ listen: false, ...options.sctp }), {
      deliver: (now, assoc, ppid, stream, bytes) => this.onDeliver(now, assoc, ppid, stream, bytes),
      event: (now, assoc, event) => this.onEvent(now, assoc, event),
    });
  }

  get endpoint(): SctpEndpoint {
    return this.host.endpoint;
  }

  nextDeadline(): Instant | undefined {
    const a = this.core.nextDeadline();
    const b = this.host.endpoint.nextDeadline();
    return a === undefined ? b : b === undefined ? a : Math.min(a, b);
  }

  handle(input: NodeInput): NodeOutput<PoolUserNodeEvent>[] {
    return this.run(input.now, () => {
      const now = input.now;
      if (input.kind === 'datagram') this.host.datagram(now, input.from, input.bytes);
      else if (input.kind === 'multicast') this.onAnnounce(now, input.from, input.bytes, input.channel);
      else {
        this.host.tick(now);
        this.apply(now, this.core.handle({ kind: 'tick', now }));
      }
    });
  }

  /**
   * Resolves a pool handle; `onResult` runs (synchronously, during a later `handle`) with the answer. Also
   * reported as a `resolved` event.
   */
  resolve(
    now: Instant,
    requestId: number,
    poolHandle: Uint8Array,
    items: number | undefined,
    onResult?: (r: ResolutionResult) => void,
  ): NodeOutput<PoolUserNodeEvent>[] {
    if (onResult) this.resolutionWaiters.set(requestId, onResult);
    const input = {
      kind: 'resolve' as const,
      now,
      requestId,
      poolHandle,
      ...(items === undefined ? {} : { items }),
    };
    return this.run(now, () => this.apply(now, this.core.handle(input)));
  }

  reportUnreachable(
    now: Instant,
    poolHandle: Uint8Array,
    poolElementId: number,
  ): NodeOutput<PoolUserNodeEvent>[] {
    return this.run(now, () =>
      this.apply(now, this.core.handle({ kind: 'reportUnreachable', now, poolHandle, poolElementId })),
    );
  }

  /** Opens an association to a PE for a session. */
  openSession(
    now: Instant,
    to: { readonly addresses: readonly IpAddress[]; readonly port: number },
    owner: SessionOwner,
  ): { assoc: AssociationId; out: NodeOutput<PoolUserNodeEvent>[] } {
    let assoc = 0;
    const out = this.run(now, () => {
      const r = this.host.connect(now, { addresses: to.addresses, port: to.port });
      assoc = r.assoc;
      this.sessions.set(assoc, owner);
      if (r.established) owner.up(this.ctx, now, assoc);
    });
    return { assoc, out };
  }

  sendSession(
    now: Instant,
    assoc: AssociationId,
    ppid: number,
    bytes: Uint8Array,
    stream = 0,
  ): NodeOutput<PoolUserNodeEvent>[] {
    return this.run(now, () => this.host.send(now, assoc, ppid, bytes, stream));
  }

  sendControl(now: Instant, assoc: AssociationId, message: AsapMessage): NodeOutput<PoolUserNodeEvent>[] {
    return this.sendSession(now, assoc, PPID_ASAP, encodeAsap(message));
  }

  /** Ends a session association: gracefully, or with an ABORT when `abort` is given. */
  closeSession(now: Instant, assoc: AssociationId, abort?: string): NodeOutput<PoolUserNodeEvent>[] {
    this.sessions.delete(assoc);
    return this.run(now, () => (abort ? this.host.abort(now, assoc, abort) : this.host.shutdown(now, assoc)));
  }

  close(now: Instant): NodeOutput<PoolUserNodeEvent>[] {
    return this.run(now, () => {
      for (const assoc of [...this.sessions.keys()]) this.host.abort(now, assoc, 'pool user closed');
      this.sessions.clear();
      this.apply(now, this.core.handle({ kind: 'close', now }));
    });
  }

  /** Upcalls (SessionOwner, resolution callbacks) must not call back into the node synchronously. */
  private run(now: Instant, f: () => void): NodeOutput<PoolUserNodeEvent>[] {
    this.out = [];
    this.nowValue = now;
    f();
    this.host.drain(now, this.out);
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

  private onDeliver(now: Instant, assoc: AssocId, ppid: number, stream: number, bytes: Uint8Array): void {
    const owner = this.sessions.get(assoc);
    if (owner) {
      if (ppid !== PPID_ASAP) owner.data(this.ctx, now, assoc, ppid, stream, bytes);
      else {
        const r = decodeAsap(bytes);
        if (r.ok) owner.control(this.ctx, now, assoc, r.value);
      }
      return;
    }
    if (ppid !== PPID_ASAP) return;
    const r = decodeAsap(bytes);
    if (r.ok) this.apply(now, this.core.handle({ kind: 'received', now, assoc, message: r.value }));
  }

  private onEvent(now: Instant, assoc: AssocId, event: SctpEvent): void {
    this.out.push({ kind: 'event', event: { kind: 'association', assoc, event } });
    const owner = this.sessions.get(assoc);
    if (owner) {
      if (event.kind === 'up') owner.up(this.ctx, now, assoc);
      else if (event.kind === 'lost' || event.kind === 'shutdownComplete') {
        this.sessions.delete(assoc);
        owner.down(this.ctx, now, assoc, event.kind === 'lost' ? describeLoss(event) : 'shut down');
      } else if (event.kind === 'peerShutdown') {
        this.sessions.delete(assoc);
        owner.down(this.ctx, now, assoc, 'pool element shut down');
      }
      return;
    }
    const ref = this.registrarConnects.get(assoc);
    if (event.kind === 'up' && ref !== undefined) {
      this.registrarConnects.delete(assoc);
      this.apply(now, this.core.handle({ kind: 'connected', now, ref, assoc }));
    } else if (event.kind === 'lost' || event.kind === 'shutdownComplete') {
      if (ref !== undefined) {
        this.registrarConnects.delete(assoc);
        this.refs.delete(ref);
        this.apply(now, this.core.handle({ kind: 'connectFailed', now, ref }));
      } else {
        this.apply(now, this.core.handle({ kind: 'assocLost', now, assoc }));
      }
    }
  }

  private apply(now: Instant, actions: readonly PoolUserAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'connect':
          this.connectRegistrar(now, a.ref, a.to);
          break;
        case 'cancel': {
          const assoc = this.refs.get(a.ref);
          this.refs.delete(a.ref);
          if (assoc !== undefined) {
            this.registrarConnects.delete(assoc);
            this.host.abort(now, assoc, 'registrar hunt: not needed');
          }
          break;
        }
        case 'send':
          this.host.send(now, a.assoc, PPID_ASAP, encodeAsap(a.message));
          break;
        case 'close':
          this.host.shutdown(now, a.assoc);
          break;
        case 'resolved': {
          const waiter = this.resolutionWaiters.get(a.requestId);
          this.resolutionWaiters.delete(a.requestId);
          waiter?.(a.result);
          this.out.push({
            kind: 'event',
            event: { kind: 'resolved', requestId: a.requestId, result: a.result },
          });
          break;
        }
      }
    }
  }

  private connectRegistrar(now: Instant, ref: number, to: RegistrarEndpoint): void {
    const { assoc, established } = this.host.connect(now, { addresses: to.addresses, port: to.port });
    this.refs.set(ref, assoc);
    if (established) this.apply(now, this.core.handle({ kind: 'connected', now, ref, assoc }));
    else this.registrarConnects.set(assoc, ref);
  }
}

function describeLoss(event: Extract<SctpEvent, { kind: 'lost' }>): string {
  const c = event.cause;
  return c.kind === 'peerAbort'
    ? `aborted by the pool element: ${c.description}`
    : c.kind === 'localAbort'
      ? c.reason
      : c.kind;
}
