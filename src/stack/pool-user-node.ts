/**
 * A pool user as one sans-I/O node: the PU core (handle resolution through a home registrar) and any
 * number of session cores (RFC 5352 §3.8, §3.9: a session to a pool with transparent failover), all on
 * one SCTP endpoint. Sessions share the PU core for resolutions and unreachable reports; every request
 * id and connect reference comes from one allocator so answers route back by a single map.
 */
import { type AssociationId, earliest, type Instant, type Random } from '../base/index.js';
import type { RegistrarEndpoint } from '../hunt/index.js';
import { type AssocId, type EndpointOptions, SctpEndpoint, type SctpEvent } from '../sctp/index.js';
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
  type Resolution,
  type ResolutionFailure,
} from '../user/index.js';
import { decodeAsap, encodeAsap as encodeAsapMessage, type PoolHandle } from '../wire/index.js';
import { announceFrom } from './announce.js';
import { type MulticastChannel, type NodeInput, type NodeOutput, PPID_ASAP } from './node-types.js';
import { SctpHost } from './sctp-host.js';

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

type Owner =
  | { readonly kind: 'session'; readonly session: SessionId }
  | { readonly kind: 'registrar'; readonly ref: number };

export class PoolUserNode {
  readonly core: PoolUser;
  private readonly host: SctpHost;
  private readonly ids = new SequentialIdAllocator();
  private readonly sessions = new Map<SessionId, PoolUserSession>();
  /** Who owns each association, and which connect reference is still waiting for it. */
  private readonly owners = new Map<AssocId, Owner>();
  private readonly pendingRefs = new Map<AssocId, number>();
  private readonly refToAssoc = new Map<number, AssocId>();
  /** Resolution request id -> the session that asked (absent: the application asked). */
  private readonly requests = new Map<number, SessionId>();
  private out: NodeOutput<PoolUserNodeEvent>[] = [];

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

  /** A fresh id for `resolve` (shared with the sessions' ids, so they never collide). */
  nextRequestId(): number {
    return this.ids.next();
  }

  nextDeadline(): Instant | undefined {
    let next = earliest(this.core.nextDeadline(), this.host.endpoint.nextDeadline());
    for (const s of this.sessions.values()) next = earliest(next, s.nextDeadline());
    return next;
  }

  handle(input: NodeInput): NodeOutput<PoolUserNodeEvent>[] {
    return this.run(input.now, () => {
      const now = input.now;
      if (input.kind === 'datagram') this.host.datagram(now, input.from, input.bytes);
      else if (input.kind === 'multicast') this.onAnnounce(now, input.from, input.bytes, input.channel);
      else {
        this.host.tick(now);
        this.applyUser(now, this.core.handle({ kind: 'tick', now }));
        for (const id of [...this.sessions.keys()]) this.toSession(now, id, { kind: 'tick', now });
      }
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
    return this.run(now, () => this.applyUser(now, this.core.handle(input)));
  }

  reportUnreachable(
    now: Instant,
    poolHandle: PoolHandle,
    poolElementId: number,
  ): NodeOutput<PoolUserNodeEvent>[] {
    return this.run(now, () =>
      this.applyUser(now, this.core.handle({ kind: 'reportUnreachable', now, poolHandle, poolElementId })),
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
    const out = this.run(now, () => this.toSession(now, session, { kind: 'open', now }));
    return { session, out };
  }

  /** Any input for a session other than `open`: send, failover, business card, close ... */
  sessionInput(session: SessionId, input: PoolUserSessionInput): NodeOutput<PoolUserNodeEvent>[] {
    return this.run(input.now, () => this.toSession(input.now, session, input));
  }

  close(now: Instant): NodeOutput<PoolUserNodeEvent>[] {
    return this.run(now, () => {
      for (const id of [...this.sessions.keys()]) this.toSession(now, id, { kind: 'close', now });
      this.applyUser(now, this.core.handle({ kind: 'close', now }));
    });
  }

  private run(now: Instant, f: () => void): NodeOutput<PoolUserNodeEvent>[] {
    this.out = [];
    f();
    this.host.drain(now, this.out);
    return this.out;
  }

  private onAnnounce(
    now: Instant,
    from: { ip: string; port: number },
    bytes: Uint8Array,
    channel: MulticastChannel,
  ): void {
    const announce = announceFrom(channel, from, bytes);
    if (announce) this.applyUser(now, this.core.handle({ kind: 'announce', now, announce }));
  }

  private onDeliver(now: Instant, assoc: AssocId, ppid: number, stream: number, bytes: Uint8Array): void {
    const owner = this.owners.get(assoc);
    if (owner?.kind === 'session') {
      this.toSession(now, owner.session, { kind: 'delivered', now, assoc, ppid, stream, bytes });
      return;
    }
    if (ppid !== PPID_ASAP) return;
    const r = decodeAsap(bytes);
    if (r.ok) this.applyUser(now, this.core.handle({ kind: 'received', now, assoc, message: r.value }));
  }

  private onEvent(now: Instant, assoc: AssocId, event: SctpEvent): void {
    this.out.push({ kind: 'event', event: { kind: 'association', assoc, event } });
    const owner = this.owners.get(assoc);
    if (!owner) return;
    const ref = this.pendingRefs.get(assoc);
    switch (event.kind) {
      case 'up':
        if (ref === undefined) return;
        this.pendingRefs.delete(assoc);
        this.connected(now, owner, ref, assoc);
        return;
      case 'lost':
      case 'shutdownComplete':
        this.forget(assoc);
        this.owners.delete(assoc);
        if (ref !== undefined) this.connectFailed(now, owner, ref);
        else if (owner.kind === 'session')
          this.toSession(now, owner.session, { kind: 'assocLost', now, assoc });
        else this.applyUser(now, this.core.handle({ kind: 'assocLost', now, assoc }));
        return;
      case 'peerShutdown':
        if (owner.kind === 'session')
          this.toSession(now, owner.session, { kind: 'peerShutdown', now, assoc });
        return;
      case 'sendFailed':
        if (owner.kind === 'session') {
          this.toSession(now, owner.session, {
            kind: 'sendFailed',
            now,
            assoc,
            ppid: event.ppid,
            stream: event.stream,
            unordered: event.unordered,
            bytes: event.bytes,
          });
        }
        return;
      default:
        return;
    }
  }

  private connected(now: Instant, owner: Owner, ref: number, assoc: AssocId): void {
    if (owner.kind === 'session') this.toSession(now, owner.session, { kind: 'connected', now, ref, assoc });
    else this.applyUser(now, this.core.handle({ kind: 'connected', now, ref, assoc }));
  }

  private connectFailed(now: Instant, owner: Owner, ref: number): void {
    if (owner.kind === 'session') this.toSession(now, owner.session, { kind: 'connectFailed', now, ref });
    else this.applyUser(now, this.core.handle({ kind: 'connectFailed', now, ref }));
  }

  /** Opens an association for a registrar hunt or a session; an existing one counts as connected. */
  private connect(now: Instant, owner: Owner, ref: number, addresses: readonly string[], port: number): void {
    const { assoc, established } = this.host.connect(now, { addresses, port });
    this.owners.set(assoc, owner);
    this.refToAssoc.set(ref, assoc);
    if (established) this.connected(now, owner, ref, assoc);
    else this.pendingRefs.set(assoc, ref);
  }

  private cancel(now: Instant, ref: number, reason: string): void {
    const assoc = this.refToAssoc.get(ref);
    this.refToAssoc.delete(ref);
    if (assoc === undefined) return;
    this.forget(assoc);
    this.host.abort(now, assoc, reason);
  }

  /**
   * Drops the connect bookkeeping of an association being closed or aborted. Its owner stays until the
   * endpoint reports it gone: the messages it could not deliver (sendFailed) still go to the owner.
   */
  private forget(assoc: AssocId): void {
    const ref = this.pendingRefs.get(assoc);
    if (ref !== undefined) this.refToAssoc.delete(ref);
    this.pendingRefs.delete(assoc);
  }

  private applyUser(now: Instant, actions: readonly PoolUserAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'connect':
          this.connectRegistrar(now, a.ref, a.to);
          break;
        case 'cancel':
          this.cancel(now, a.ref, 'registrar hunt: not needed');
          break;
        case 'send':
          this.host.send(now, a.assoc, PPID_ASAP, encodeAsapMessage(a.message));
          break;
        case 'close':
          this.forget(a.assoc);
          this.host.shutdown(now, a.assoc);
          break;
        case 'resolved': {
          const session = this.requests.get(a.requestId);
          this.requests.delete(a.requestId);
          if (session !== undefined) {
            this.toSession(now, session, { kind: 'resolved', now, requestId: a.requestId, result: a.result });
          } else {
            this.out.push({
              kind: 'event',
              event: { kind: 'resolved', requestId: a.requestId, result: a.result },
            });
          }
          break;
        }
      }
    }
  }

  private connectRegistrar(now: Instant, ref: number, to: RegistrarEndpoint): void {
    this.connect(now, { kind: 'registrar', ref }, ref, to.addresses, to.port);
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
        this.applyUser(
          now,
          this.core.handle({
            kind: 'resolve',
            now,
            requestId: a.requestId,
            poolHandle: a.poolHandle,
            items: a.items,
          }),
        );
        break;
      case 'reportUnreachable':
        this.applyUser(
          now,
          this.core.handle({
            kind: 'reportUnreachable',
            now,
            poolHandle: a.poolHandle,
            poolElementId: a.poolElementId,
          }),
        );
        break;
      case 'connect':
        if (a.to.kind === 'sctp')
          this.connect(now, { kind: 'session', session }, a.ref, a.to.addresses, a.to.port);
        else this.toSession(now, session, { kind: 'connectFailed', now, ref: a.ref });
        break;
      case 'cancelConnect':
        this.cancel(now, a.ref, 'session: connect no longer needed');
        break;
      case 'send':
        this.host.send(now, a.assoc, a.ppid, a.bytes, a.stream, a.unordered);
        break;
      case 'close':
        this.forget(a.assoc);
        this.host.shutdown(now, a.assoc);
        break;
      case 'abort':
        this.forget(a.assoc);
        this.host.abort(now, a.assoc, 'session failover');
        break;
      case 'notify':
        if (a.event.kind === 'closed' || a.event.kind === 'failed') this.sessions.delete(session);
        this.out.push({ kind: 'event', event: { kind: 'session', session, event: a.event } });
        break;
    }
  }
}
