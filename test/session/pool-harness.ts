/**
 * A virtual-time pool for session and service tests: PEs run a PoolElementService behind
 * PoolElementSessions, PUs run a PoolUserSession and optionally a client; a fake registrar answers
 * resolutions from the PEs still registered, and removes a PE when it is reported unreachable.
 * Associations carry messages with a fixed latency, in order. `kill` makes a PE vanish silently (its
 * PUs learn it after `lossDetectionMs`, like an SCTP heartbeat timeout); `shutdown` is the graceful
 * path (deregister, then SCTP SHUTDOWN of every session).
 */
import type { AssociationId, Instant } from '../../src/base/index.js';
import type { TimerEntry } from '../../src/collections/timer-queue.js';
import type {
  ClientAction,
  ClientInput,
  PoolElementService,
  ServiceAction,
} from '../../src/services/index.js';
import {
  type BusinessCard,
  PoolElementSession,
  type PoolElementSessionAction,
  PoolUserSession,
  type PoolUserSessionAction,
  type PoolUserSessionConfig,
  type PoolUserSessionEvent,
  SequentialIdAllocator,
} from '../../src/session/index.js';
import { SimClock, type SimTask } from '../../src/testing/clock.js';
import type { PoolElementParameter } from '../../src/wire/index.js';
import { clientInputOf } from './client-binding.js';

export interface Client<E> {
  handle(input: ClientInput): ClientAction<E>[];
  nextDeadline(): Instant | undefined;
}

export interface SimPe {
  readonly id: number;
  service: PoolElementService;
  alive: boolean;
  registered: boolean;
  /** Send `writable` after each batch of Data (streaming services). */
  readonly flowControl: boolean;
  readonly sessions: Map<AssociationId, PoolElementSession>;
  readonly serviceEvents: unknown[];
  readonly controlEvents: unknown[];
  readonly businessCard?: BusinessCard;
  readonly parameter: PoolElementParameter;
}

export interface SimUser<E = unknown> {
  readonly name: string;
  readonly session: PoolUserSession;
  readonly client: Client<E> | undefined;
  readonly events: PoolUserSessionEvent[];
  readonly clientEvents: E[];
  /** Every action the session emitted, with the time. */
  readonly actions: { at: Instant; action: PoolUserSessionAction }[];
}

interface Assoc {
  readonly id: AssociationId;
  readonly pe: SimPe;
  readonly user: SimUser;
  alive: boolean;
  /** Shut down gracefully by the PE: data already sent still arrives. */
  closing: boolean;
}

const handleBytes = new TextEncoder().encode('TestPool');

export function peParameter(id: number): PoolElementParameter {
  return {
    id,
    homeRegistrarId: 1,
    registrationLife: 30_000,
    userTransport: {
      kind: 'sctp',
      port: 10_000 + (id % 1000),
      transportUse: 'dataAndControl',
      addresses: ['10.0.0.1'],
    },
    policy: { name: 'RoundRobin' },
  };
}

export class PoolHarness {
  readonly clock = new SimClock(1_000_000);
  readonly ids = new SequentialIdAllocator();
  readonly pes = new Map<number, SimPe>();
  readonly users: SimUser[] = [];
  readonly reports: { at: Instant; poolElementId: number; by: string }[] = [];
  readonly resolutions: { at: Instant; by: string; answer: number[] }[] = [];
  private readonly assocs = new Map<AssociationId, Assoc>();
  private readonly cancelled = new Set<number>();
  private readonly timers = new Map<object, TimerEntry<SimTask>>();
  private readonly fired = new Map<object, Instant>();
  private nextAssoc = 100;
  private rotation = 0;

  constructor(
    readonly latencyMs = 5,
    readonly lossDetectionMs = 300,
    readonly connectFailureMs = 50,
    readonly reregistrationMs = 1000,
  ) {}

  get now(): Instant {
    return this.clock.now;
  }

  addPe(
    id: number,
    service: PoolElementService,
    options: { flowControl?: boolean; businessCard?: BusinessCard } = {},
  ): SimPe {
    const pe: SimPe = {
      id,
      service,
      alive: true,
      registered: true,
      flowControl: options.flowControl ?? false,
      sessions: new Map(),
      serviceEvents: [],
      controlEvents: [],
      businessCard: options.businessCard,
      parameter: peParameter(id),
    };
    this.pes.set(id, pe);
    this.armAll();
    return pe;
  }

  addUser<E>(name: string, client?: Client<E>, config: Partial<PoolUserSessionConfig> = {}): SimUser<E> {
    const user: SimUser<E> = {
      name,
      session: new PoolUserSession({ poolHandle: handleBytes, ids: this.ids, ...config }),
      client,
      events: [],
      clientEvents: [],
      actions: [],
    };
    this.users.push(user as SimUser);
    return user;
  }

  open(user: SimUser): void {
    this.userInput(user, { kind: 'open', now: this.now });
  }

  /** The application sends on the user's session. */
  send(user: SimUser, ppid: number, bytes: Uint8Array, stream = 0): void {
    this.userInput(user, { kind: 'send', now: this.now, ppid, stream, bytes });
  }

  run(ms: number): void {
    this.clock.advance(ms);
  }

  runUntil(done: () => boolean, limitMs: number): boolean {
    return this.clock.runUntil(done, limitMs);
  }

  /** The PE process dies: no ABORT, no SHUTDOWN; the registrar still lists it until told. */
  kill(id: number): void {
    const pe = this.pes.get(id)!;
    pe.alive = false;
    for (const a of this.assocs.values()) {
      if (a.pe !== pe || !a.alive) continue;
      if (this.frozen.has(id)) continue;
      a.alive = false;
      this.clock.after(this.lossDetectionMs, () =>
        this.userInput(a.user, { kind: 'assocLost', now: this.now, assoc: a.id }),
      );
    }
  }

  /**
   * The PE process hangs (SIGSTOP): it answers nothing, yet its associations stay up (the kernel
   * still acknowledges), so only application keep-alives can notice.
   */
  freeze(id: number): void {
    this.frozen.add(id);
    this.kill(id);
  }

  private readonly frozen = new Set<number>();

  /** Graceful PE shutdown: deregister, then the service closes its sessions. */
  shutdown(id: number): void {
    const pe = this.pes.get(id)!;
    pe.registered = false;
    this.serviceActions(pe, pe.service.handle({ kind: 'shutdown', now: this.now }));
  }

  /** The association of a user at this moment. */
  assocOf(user: SimUser): Assoc | undefined {
    const id = user.session.association;
    return id === undefined ? undefined : this.assocs.get(id);
  }

  // ---- PU side ----

  private userInput(user: SimUser, input: Parameters<PoolUserSession['handle']>[0]): void {
    this.userActions(user, user.session.handle(input));
  }

  private userActions(user: SimUser, actions: PoolUserSessionAction[]): void {
    for (const action of actions) {
      user.actions.push({ at: this.now, action });
      switch (action.kind) {
        case 'resolve': {
          const answer = [...this.pes.values()].filter((p) => p.registered).map((p) => p.parameter);
          const k = answer.length === 0 ? 0 : this.rotation++ % answer.length;
          const rotated = [...answer.slice(k), ...answer.slice(0, k)].slice(0, action.items);
          this.resolutions.push({ at: this.now, by: user.name, answer: rotated.map((p) => p.id) });
          this.clock.after(2 * this.latencyMs, () =>
            this.userInput(user, {
              kind: 'resolved',
              now: this.now,
              requestId: action.requestId,
              result:
                rotated.length === 0
                  ? { ok: false, error: { kind: 'unknownPoolHandle' } }
                  : {
                      ok: true,
                      value: {
                        poolHandle: handleBytes,
                        policy: undefined,
                        poolElements: rotated,
                        fromCache: false,
                      },
                    },
            }),
          );
          break;
        }
        case 'reportUnreachable': {
          this.reports.push({ at: this.now, poolElementId: action.poolElementId, by: user.name });
          const pe = this.pes.get(action.poolElementId);
          if (pe) {
            // The registrar drops it; a PE that is in fact alive registers again at its next re-registration.
            pe.registered = false;
            this.clock.after(this.reregistrationMs, () => {
              if (pe.alive) pe.registered = true;
            });
          }
          break;
        }
        case 'connect':
          this.connect(user, action.ref, action.pe);
          break;
        case 'cancelConnect':
          this.cancelled.add(action.ref);
          break;
        case 'send': {
          const a = this.assocs.get(action.assoc);
          if (!a?.alive) break;
          this.clock.after(this.latencyMs, () => {
            if (!a.alive || !a.pe.alive) return;
            const s = a.pe.sessions.get(a.id);
            if (s)
              this.peSessionActions(
                a.pe,
                a.id,
                s.handle({
                  kind: 'delivered',
                  now: this.now,
                  ppid: action.ppid,
                  stream: action.stream,
                  bytes: action.bytes,
                }),
              );
          });
          break;
        }
        case 'close':
        case 'abort': {
          const a = this.assocs.get(action.assoc);
          if (!a?.alive) break;
          a.alive = false;
          this.clock.after(this.latencyMs, () => {
            if (!a.pe.alive) return;
            a.pe.sessions.get(a.id)?.handle({ kind: 'ended', now: this.now });
            a.pe.sessions.delete(a.id);
            this.serviceActions(
              a.pe,
              a.pe.service.handle({ kind: 'sessionDown', now: this.now, session: a.id }),
            );
          });
          break;
        }
        case 'notify':
          user.events.push(action.event);
          this.toClient(user, action.event);
          break;
      }
    }
    this.armAll();
  }

  private connect(user: SimUser, ref: number, peId: number): void {
    const pe = this.pes.get(peId);
    if (!pe?.alive) {
      this.clock.after(this.connectFailureMs, () =>
        this.userInput(user, { kind: 'connectFailed', now: this.now, ref }),
      );
      return;
    }
    this.clock.after(this.latencyMs, () => {
      if (!pe.alive || this.cancelled.has(ref)) return;
      const id = this.nextAssoc++;
      const a: Assoc = { id, pe, user, alive: true, closing: false };
      this.assocs.set(id, a);
      // The PU hears COMMUNICATION UP before any DATA the PE sends (COOKIE ACK precedes DATA).
      this.clock.after(this.latencyMs, () =>
        this.userInput(user, { kind: 'connected', now: this.now, ref, assoc: id }),
      );
      const s = new PoolElementSession({ assoc: id, businessCard: pe.businessCard });
      pe.sessions.set(id, s);
      this.peSessionActions(pe, id, s.handle({ kind: 'start', now: this.now }));
      this.serviceActions(
        pe,
        pe.service.handle({
          kind: 'sessionUp',
          now: this.now,
          session: id,
          wallClock: { epochUs: 0, utcOffsetMinutes: 0 },
        }),
      );
    });
  }

  private toClient(user: SimUser, e: PoolUserSessionEvent): void {
    const input = user.client && clientInputOf(e, this.now);
    if (input) this.clientActions(user, user.client!.handle(input));
  }

  private clientActions(user: SimUser, actions: ClientAction<unknown>[]): void {
    for (const a of actions) {
      if (a.kind === 'send')
        this.userInput(user, { kind: 'send', now: this.now, ppid: a.ppid, stream: a.stream, bytes: a.bytes });
      else if (a.kind === 'failover')
        this.userInput(user, { kind: 'failover', now: this.now, reportUnreachable: a.reportUnreachable });
      else if (a.kind === 'close') this.userInput(user, { kind: 'close', now: this.now });
      else user.clientEvents.push(a.event);
    }
  }

  // ---- PE side ----

  private peSessionActions(pe: SimPe, assoc: AssociationId, actions: PoolElementSessionAction[]): void {
    const a = this.assocs.get(assoc);
    for (const action of actions) {
      switch (action.kind) {
        case 'send':
          if (!a?.alive) break;
          this.clock.after(this.latencyMs, () => {
            if (a.alive || a.closing) {
              this.userInput(a.user, {
                kind: 'delivered',
                now: this.now,
                assoc,
                ppid: action.ppid,
                stream: action.stream,
                bytes: action.bytes,
              });
            }
          });
          break;
        case 'close':
          if (!a?.alive) break;
          a.alive = false;
          a.closing = true;
          this.clock.after(this.latencyMs + 1, () =>
            this.userInput(a.user, { kind: 'peerShutdown', now: this.now, assoc }),
          );
          this.clock.after(this.latencyMs + 2, () =>
            this.userInput(a.user, { kind: 'assocLost', now: this.now, assoc }),
          );
          break;
        case 'abort':
          if (!a?.alive) break;
          a.alive = false;
          this.clock.after(this.latencyMs, () =>
            this.userInput(a.user, { kind: 'assocLost', now: this.now, assoc }),
          );
          break;
        case 'notify': {
          const e = action.event;
          if (e.kind === 'data') {
            this.serviceActions(
              pe,
              pe.service.handle({
                kind: 'message',
                now: this.now,
                session: assoc,
                ppid: e.ppid,
                stream: e.stream,
                bytes: e.bytes,
              }),
            );
          } else if (e.kind === 'cookieEcho') {
            this.serviceActions(
              pe,
              pe.service.handle({ kind: 'cookieEcho', now: this.now, session: assoc, cookie: e.cookie }),
            );
          } else pe.controlEvents.push(e);
          break;
        }
      }
    }
    this.armAll();
  }

  private serviceActions(pe: SimPe, actions: ServiceAction[]): void {
    const streamed = new Set<AssociationId>();
    for (const action of actions) {
      if (action.kind === 'notify') {
        pe.serviceEvents.push(action.event);
        continue;
      }
      const s = pe.sessions.get(action.session);
      if (!s) continue;
      switch (action.kind) {
        case 'send':
          this.peSessionActions(
            pe,
            action.session,
            s.handle({
              kind: 'send',
              now: this.now,
              ppid: action.ppid,
              stream: action.stream,
              bytes: action.bytes,
            }),
          );
          streamed.add(action.session);
          break;
        case 'sendCookie':
          this.peSessionActions(
            pe,
            action.session,
            s.handle({ kind: 'sendCookie', now: this.now, cookie: action.cookie }),
          );
          break;
        case 'close':
          this.peSessionActions(pe, action.session, s.handle({ kind: 'close', now: this.now }));
          pe.sessions.delete(action.session);
          break;
        case 'abort':
          this.peSessionActions(
            pe,
            action.session,
            s.handle({ kind: 'abort', now: this.now, reason: action.reason }),
          );
          pe.sessions.delete(action.session);
          break;
      }
    }
    if (pe.flowControl) {
      for (const ref of streamed) {
        this.clock.after(2 * this.latencyMs, () => {
          if (!pe.alive || !pe.sessions.has(ref)) return;
          this.serviceActions(
            pe,
            pe.service.handle({ kind: 'writable', now: this.now, session: ref, roomBytes: 16 * 1312 }),
          );
        });
      }
    }
    this.armAll();
  }

  // ---- timers ----

  private armAll(): void {
    for (const u of this.users) {
      this.arm(u.session, () => this.userInput(u, { kind: 'tick', now: this.now }));
      const c = u.client;
      if (c) this.arm(c, () => this.clientActions(u, c.handle({ kind: 'tick', now: this.now })));
    }
    for (const pe of this.pes.values()) {
      if (pe.alive) {
        this.arm(pe.service, () => {
          if (pe.alive) this.serviceActions(pe, pe.service.handle({ kind: 'tick', now: this.now }));
        });
      }
    }
  }

  private arm(core: { nextDeadline(): Instant | undefined }, fire: () => void): void {
    const d = core.nextDeadline();
    const existing = this.timers.get(core);
    if (d === undefined) {
      if (existing) this.clock.cancel(existing);
      return;
    }
    // A core still due right after its own tick would spin: give it the next millisecond.
    const at = Math.max(d, this.fired.get(core) === this.now ? this.now + 1 : this.now);
    if (existing && existing.at === at) return;
    if (existing) this.clock.cancel(existing);
    this.timers.set(
      core,
      this.clock.schedule(at, () => {
        this.timers.delete(core);
        this.fired.set(core, this.now);
        fire();
        this.armAll();
      }),
    );
  }
}
