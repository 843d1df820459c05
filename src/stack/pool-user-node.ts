/**
 * A pool user as one sans-I/O node: the PU core (handle resolution through a home registrar) and any
 * number of session cores (RFC 5352 §3.8, §3.9: a session to a pool with transparent failover), all on
 * one SCTP endpoint bound by the router. Each association has an owner (the PU core's registrar hunt
 * or a session) that its messages and events go to; sessions share the PU core for resolutions and
 * unreachable reports. Every request id and connect reference comes from one allocator, so answers
 * route back by a single map.
 */
import { type AssociationId, earliest, type Instant, type Random } from '../base/index.js';
import { type EndpointOptions, SctpEndpoint, type SctpEvent } from '../sctp/index.js';
import {
  PoolUserSession,
  type PoolUserSessionAction,
  type PoolUserSessionConfig,
  type PoolUserSessionEvent,
  type PoolUserSessionInput,
  SequentialIdAllocator,
} from '../session/index.js';
import {
  PoolUser,
  type PoolUserAction,
  type PoolUserConfig,
  type PoolUserInput,
  type Resolution,
  type ResolutionFailure,
} from '../user/index.js';
import type { PoolHandle } from '../wire/index.js';
import { announceRoute } from './announce.js';
import { type NodeInput, type NodeOutput, PPID_ASAP } from './node-types.js';
import { type RoutedMessage, Router } from './router.js';

export type ResolutionResult = { ok: true; value: Resolution } | { ok: false; error: ResolutionFailure };

/** A session is named by a number the node hands out. */
export type SessionId = number;

export type PoolUserNodeEvent =
  | { readonly kind: 'resolved'; readonly requestId: number; readonly result: ResolutionResult }
  | { readonly kind: 'session'; readonly session: SessionId; readonly event: PoolUserSessionEvent }
  | { readonly kind: 'association'; readonly assoc: AssociationId; readonly event: SctpEvent };

export interface PoolUserNodeOptions {
  readonly sctp: EndpointOptions;
  readonly user: PoolUserConfig;
  readonly random: Random;
}

export type SessionOptions = Omit<PoolUserSessionConfig, 'ids' | 'poolHandle'>;

/** Who an association belongs to: the registrar hunt of the PU core (`undefined`) or a session. */
type Owner = SessionId | undefined;

/** The inputs both kinds of owner take alike. */
type OwnerInput = Extract<PoolUserInput, { kind: 'connected' | 'connectFailed' | 'assocLost' }>;

export class PoolUserNode {
  readonly core: PoolUser;
  private readonly router: Router<PoolUserNodeEvent>;
  private readonly ids = new SequentialIdAllocator();
  private readonly sessions = new Map<SessionId, PoolUserSession>();
  private readonly owners = new Map<AssociationId, Owner>();
  /** Resolution request id -> the session that asked (absent: the application asked). */
  private readonly requests = new Map<number, SessionId>();

  constructor(options: PoolUserNodeOptions) {
    this.core = new PoolUser(options.user, options.random);
    this.router = new Router([
      {
        endpoint: new SctpEndpoint({ listen: false, ...options.sctp }),
        decodes: [PPID_ASAP],
        raw: (id) => this.owners.get(id) !== undefined,
        message: (now, id, m) => this.onMessage(now, id, m),
        event: (now, id, event, ref) => this.onEvent(now, id, event, ref),
      },
    ]);
  }

  get endpoint(): SctpEndpoint {
    return this.router.endpoint(0);
  }

  /** A fresh id for `resolve` (shared with the sessions' ids, so they never collide). */
  nextRequestId(): number {
    return this.ids.next();
  }

  nextDeadline(): Instant | undefined {
    let next = this.core.nextDeadline();
    for (const s of this.sessions.values()) next = earliest(next, s.nextDeadline());
    return this.router.nextDeadline(next);
  }

  handle(input: NodeInput): NodeOutput<PoolUserNodeEvent>[] {
    return this.router.handle(input, {
      multicast: announceRoute((now, input) => this.toUser(now, input)),
      tick: (now) => {
        this.toUser(now, { kind: 'tick', now });
        for (const id of [...this.sessions.keys()]) this.toSession(now, id, { kind: 'tick', now });
      },
    });
  }

  /** Resolves a pool handle; the answer comes as a `resolved` event with this request id. */
  resolve(
    now: Instant,
    requestId: number,
    poolHandle: PoolHandle,
    items?: number,
  ): NodeOutput<PoolUserNodeEvent>[] {
    const input = {
      kind: 'resolve' as const,
      now,
      requestId,
      poolHandle,
      ...(items === undefined ? {} : { items }),
    };
    return this.router.run(now, () => this.toUser(now, input));
  }

  reportUnreachable(
    now: Instant,
    poolHandle: PoolHandle,
    poolElementId: number,
  ): NodeOutput<PoolUserNodeEvent>[] {
    return this.router.run(now, () =>
      this.toUser(now, { kind: 'reportUnreachable', now, poolHandle, poolElementId }),
    );
  }

  /** Opens a session to a pool; its events carry the returned id. */
  openSession(
    now: Instant,
    poolHandle: PoolHandle,
    options: SessionOptions = {},
  ): { session: SessionId; out: NodeOutput<PoolUserNodeEvent>[] } {
    const session = this.ids.next();
    this.sessions.set(session, new PoolUserSession({ ...options, poolHandle, ids: this.ids }));
    const out = this.router.run(now, () => this.toSession(now, session, { kind: 'open', now }));
    return { session, out };
  }

  /** Any input for a session other than `open`: send, failover, business card, close ... */
  sessionInput(session: SessionId, input: PoolUserSessionInput): NodeOutput<PoolUserNodeEvent>[] {
    return this.router.run(input.now, () => this.toSession(input.now, session, input));
  }

  close(now: Instant): NodeOutput<PoolUserNodeEvent>[] {
    return this.router.run(now, () => {
      for (const id of [...this.sessions.keys()]) this.toSession(now, id, { kind: 'close', now });
      this.toUser(now, { kind: 'close', now });
    });
  }

  private onMessage(now: Instant, assoc: AssociationId, m: RoutedMessage): void {
    const session = this.owners.get(assoc);
    if (m.protocol === 'raw' && session !== undefined) {
      const { ppid, stream, bytes } = m;
      this.toSession(now, session, { kind: 'delivered', now, assoc, ppid, stream, bytes });
    } else if (m.protocol === 'asap' && m.result.ok) {
      this.toUser(now, { kind: 'received', now, assoc, message: m.result.value });
    }
  }

  private onEvent(now: Instant, assoc: AssociationId, event: SctpEvent, ref: number | undefined): void {
    this.router.emit({ kind: 'association', assoc, event });
    if (!this.owners.has(assoc)) return;
    const owner = this.owners.get(assoc);
    switch (event.kind) {
      case 'up':
        if (ref !== undefined) this.toOwner(now, owner, { kind: 'connected', now, ref, assoc });
        return;
      case 'lost':
      case 'shutdownComplete':
        this.owners.delete(assoc);
        if (ref !== undefined) this.toOwner(now, owner, { kind: 'connectFailed', now, ref });
        else this.toOwner(now, owner, { kind: 'assocLost', now, assoc });
        return;
      case 'peerShutdown':
        if (owner !== undefined) this.toSession(now, owner, { kind: 'peerShutdown', now, assoc });
        return;
      case 'sendFailed': {
        const { ppid, stream, unordered, bytes } = event;
        if (owner !== undefined)
          this.toSession(now, owner, { kind: 'sendFailed', now, assoc, ppid, stream, unordered, bytes });
        return;
      }
      default:
        return;
    }
  }

  private toOwner(now: Instant, owner: Owner, input: OwnerInput): void {
    if (owner === undefined) this.toUser(now, input);
    else this.toSession(now, owner, input);
  }

  /** Opens an association for a registrar hunt or a session; an existing one counts as connected. */
  private connect(now: Instant, owner: Owner, ref: number, addresses: readonly string[], port: number): void {
    const { id, established } = this.router.connect(now, 0, { addresses, port }, ref);
    this.owners.set(id, owner);
    if (established) this.toOwner(now, owner, { kind: 'connected', now, ref, assoc: id });
  }

  private cancel(now: Instant, ref: number, reason: string): void {
    const assoc = this.router.connects.cancel(ref);
    if (assoc !== undefined) this.router.abort(now, assoc, reason);
  }

  /**
   * Closes or aborts an association: its connect bookkeeping goes, its owner stays until the endpoint
   * reports it gone (the messages it could not deliver, sendFailed, still go to the owner).
   */
  private end(now: Instant, assoc: AssociationId, abortReason?: string): void {
    this.router.connects.forget(assoc);
    if (abortReason === undefined) this.router.shutdown(now, assoc);
    else this.router.abort(now, assoc, abortReason);
  }

  private toUser(now: Instant, input: PoolUserInput): void {
    for (const a of this.core.handle(input)) this.applyUser(now, a);
  }

  private applyUser(now: Instant, a: PoolUserAction): void {
    switch (a.kind) {
      case 'connect':
        this.connect(now, undefined, a.ref, a.to.addresses, a.to.port);
        break;
      case 'cancel':
        this.cancel(now, a.ref, 'registrar hunt: not needed');
        break;
      case 'send':
        this.router.sendMessage(now, a.assoc, { protocol: 'asap', message: a.message });
        break;
      case 'close':
        this.end(now, a.assoc);
        break;
      case 'resolved': {
        const session = this.requests.get(a.requestId);
        this.requests.delete(a.requestId);
        if (session === undefined)
          this.router.emit({ kind: 'resolved', requestId: a.requestId, result: a.result });
        else
          this.toSession(now, session, { kind: 'resolved', now, requestId: a.requestId, result: a.result });
        break;
      }
    }
  }

  private toSession(now: Instant, session: SessionId, input: PoolUserSessionInput): void {
    const core = this.sessions.get(session);
    if (!core) return;
    for (const a of core.handle(input)) this.applySession(now, session, a);
  }

  private applySession(now: Instant, session: SessionId, a: PoolUserSessionAction): void {
    switch (a.kind) {
      case 'resolve':
        this.requests.set(a.requestId, session);
        this.toUser(now, {
          kind: 'resolve',
          now,
          requestId: a.requestId,
          poolHandle: a.poolHandle,
          items: a.items,
        });
        break;
      case 'reportUnreachable':
        this.toUser(now, {
          kind: 'reportUnreachable',
          now,
          poolHandle: a.poolHandle,
          poolElementId: a.poolElementId,
        });
        break;
      case 'connect':
        if (a.to.kind === 'sctp') this.connect(now, session, a.ref, a.to.addresses, a.to.port);
        else this.toSession(now, session, { kind: 'connectFailed', now, ref: a.ref });
        break;
      case 'cancelConnect':
        this.cancel(now, a.ref, 'session: connect no longer needed');
        break;
      case 'send':
        this.router.send(now, a.assoc, a.ppid, a.bytes, a.stream, a.unordered);
        break;
      case 'close':
        this.end(now, a.assoc);
        break;
      case 'abort':
        this.end(now, a.assoc, 'session failover');
        break;
      case 'notify':
        if (a.event.kind === 'closed' || a.event.kind === 'failed') this.sessions.delete(session);
        this.router.emit({ kind: 'session', session, event: a.event });
        break;
    }
  }
}
