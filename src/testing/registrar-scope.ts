/**
 * A simulated registrar scope on a virtual clock: registrars and pool elements are the real sans-I/O
 * cores (Registrar, PoolElement), connected by a message-level network (`ScopeNetwork`). Register
 * simulated PEs, kill, restart and partition registrars, and resolve a pool handle against any
 * registrar's handlespace, in milliseconds of real time. Seeded: the seed reproduces a run.
 */
import { SeededRandom } from '../base/random.js';
import { PoolElement, type PoolElementAction, type PoolElementEvent } from '../element/pool-element.js';
import {
  Registrar,
  type RegistrarAction,
  type RegistrarEvent,
  type RegistrarOptions,
} from '../registrar/index.js';
import type { AsapMessage } from '../wire/asap-messages.js';
import type { EnrpMessage } from '../wire/enrp-messages.js';
import type { PoolHandle, PoolPolicy, RegistrarId, TransportParameter } from '../wire/types.js';
import { SimClock } from './clock.js';
import {
  ASAP_PORT,
  ELEMENT_PORT,
  type ElementNode,
  ENRP_PORT,
  type LinkInput,
  type RegistrarNode,
  ScopeNetwork,
  type ScopeNode,
  type ScopeStats,
} from './scope-network.js';

export { ASAP_PORT, ELEMENT_PORT, type ElementNode, ENRP_PORT, type RegistrarNode, type ScopeStats };

export interface RegistrarScopeOptions {
  readonly seed: number;
  readonly registrars: number;
  /** One-way latency (ms) of every message and association set-up. */
  readonly latencyMs?: number;
  /** Extra uniform random latency in [0, jitter) per message (FIFO per direction is kept). */
  readonly jitterMs?: number;
  /** Time until a silent peer death or a lasting partition shows up as `assocLost`. */
  readonly failureDetectionMs?: number;
  /** Time until a connect to a dead or unreachable node reports `connectFailed`. */
  readonly connectTimeoutMs?: number;
  /** Options for every registrar (ids are drawn from the seed unless given per registrar). */
  readonly registrarOptions?: Partial<RegistrarOptions>;
  /** Configure every registrar with all others as static peers (default true). */
  readonly staticPeers?: boolean;
  /** ENRP multicast (default true). */
  readonly multicast?: boolean;
  /** Encode and decode every ASAP/ENRP message (default false). */
  readonly codec?: boolean;
  /** Re-registration interval of the simulated PEs (ms). */
  readonly reregistrationIntervalMs?: number;
  /** Drops matching messages before they leave (e.g. Takeover Server, which RSPLIB never sends). */
  readonly dropMessage?: (message: AsapMessage | EnrpMessage) => boolean;
  /** A wall-clock reading (e.g. `performance.now`): `stats.coreMs`/`codecMs` then add up CPU time. */
  readonly measure?: () => number;
  /** Called for every PE event. */
  readonly onElementEvent?: (node: ElementNode, event: PoolElementEvent, now: number) => void;
  /** Called for every registrar event (tests collect what they need). */
  readonly onEvent?: (node: RegistrarNode, event: RegistrarEvent, now: number) => void;
}

/** A pool element as a registrar's handlespace knows it. */
export interface ResolvedElement {
  readonly id: number;
  readonly homeRegistrarId: RegistrarId;
  /** Where pool users reach it (SCTP or TCP addresses and port). */
  readonly userTransport: TransportParameter;
}

type RegistrarInput = Parameters<Registrar['handle']>[0];
type ElementInput = Parameters<PoolElement['handle']>[0];

export class RegistrarScope {
  readonly clock = new SimClock();
  readonly random: SeededRandom;
  readonly registrars: RegistrarNode[] = [];
  readonly elements: ElementNode[] = [];
  readonly stats: ScopeStats = {
    messages: 0,
    enrpMessages: 0,
    bytes: 0,
    codecMs: 0,
    coreMs: 0,
    multicasts: 0,
    dropped: 0,
    stuckRegistrarDeadlines: 0,
    stuckElementDeadlines: 0,
  };
  readonly network: ScopeNetwork;
  /** The node whose tick is being handled (to tell a stuck deadline from a new one). */
  private ticking: ScopeNode | undefined;

  constructor(readonly options: RegistrarScopeOptions) {
    this.random = new SeededRandom(options.seed);
    this.network = new ScopeNetwork(
      this.clock,
      this.random,
      this.stats,
      {
        latencyMs: options.latencyMs ?? 1,
        jitterMs: options.jitterMs ?? 0,
        failureDetectionMs: options.failureDetectionMs ?? 15_000,
        connectTimeoutMs: options.connectTimeoutMs ?? 3_000,
        codec: options.codec ?? false,
        dropMessage: options.dropMessage,
        measure: options.measure,
      },
      (node, input) => this.deliver(node, input),
    );
    for (let i = 0; i < options.registrars; i++) this.registrars.push(this.newRegistrarNode(i));
  }

  /** Virtual time (ms). */
  get now(): number {
    return this.clock.now;
  }

  private newRegistrarNode(index: number): RegistrarNode {
    const address = `10.0.1.${index + 1}`;
    const node: RegistrarNode = {
      kind: 'registrar',
      index,
      core: undefined as unknown as Registrar,
      alive: false,
      group: 0,
      address,
      timer: undefined,
      lastTickAt: -1,
      ids: [],
    };
    node.core = this.newCore(node);
    this.network.listen(node, ASAP_PORT, 'asap');
    this.network.listen(node, ENRP_PORT, 'enrp');
    return node;
  }

  private newCore(node: RegistrarNode, registrarId?: number): Registrar {
    const o = this.options;
    const peers =
      o.staticPeers === false
        ? []
        : Array.from({ length: o.registrars }, (_, j) => j)
            .filter((j) => j !== node.index)
            .map((j) => ({ addresses: [`10.0.1.${j + 1}`], port: ENRP_PORT }));
    const core = new Registrar(
      {
        asapTransport: { kind: 'sctp', port: ASAP_PORT, transportUse: 'data', addresses: [node.address] },
        enrpTransport: { kind: 'sctp', port: ENRP_PORT, transportUse: 'data', addresses: [node.address] },
        peers,
        enrpMulticast: o.multicast ?? true,
        ...o.registrarOptions,
        ...(registrarId === undefined ? {} : { registrarId }),
      },
      new SeededRandom(this.random.u32()),
    );
    node.ids.push(core.registrarId);
    return core;
  }

  // ---- Scenario control ----------------------------------------------------------------------

  startRegistrar(i: number): void {
    const node = this.registrars[i]!;
    node.alive = true;
    this.feedRegistrar(node, { kind: 'start', now: this.now });
  }

  /** Silent death: nothing more is sent; peers notice after the failure detection time. */
  killRegistrar(i: number): void {
    this.kill(this.registrars[i]!);
  }

  /** A fresh registrar on the same addresses: a new id, or the same one (configured id). */
  restartRegistrar(i: number, options: { sameId?: boolean } = {}): void {
    const node = this.registrars[i]!;
    if (node.alive) this.kill(node);
    const id = options.sameId ? node.core.registrarId : undefined;
    node.core = this.newCore(node, id);
    this.startRegistrar(i);
  }

  /** Adds a PE of `poolHandle` and starts its registration (with the given registrars only, if set). */
  addElement(
    poolHandle: PoolHandle,
    policy: PoolPolicy = { name: 'RoundRobin' },
    registrarIndexes?: readonly number[],
  ): ElementNode {
    const index = this.elements.length;
    const address = `10.${2 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;
    let id = this.random.u32();
    while (id === 0) id = this.random.u32();
    const core = new PoolElement(
      {
        poolHandle,
        id,
        policy,
        userTransport: { kind: 'sctp', port: ELEMENT_PORT, transportUse: 'data', addresses: [address] },
        registrars: (registrarIndexes ?? this.registrars.map((r) => r.index)).map((i) => ({
          addresses: [this.registrars[i]!.address],
          port: ASAP_PORT,
        })),
        ...(this.options.reregistrationIntervalMs === undefined
          ? {}
          : { reregistrationIntervalMs: this.options.reregistrationIntervalMs }),
      },
      new SeededRandom(this.random.u32()),
    );
    const node: ElementNode = {
      kind: 'element',
      index,
      core,
      poolHandle,
      alive: true,
      address,
      timer: undefined,
      lastTickAt: -1,
    };
    this.elements.push(node);
    this.network.listen(node, ELEMENT_PORT, 'asap');
    this.feedElement(node, { kind: 'register', now: this.now });
    return node;
  }

  deregisterElement(e: ElementNode): void {
    this.feedElement(e, { kind: 'deregister', now: this.now });
  }

  /** A PE crashes silently (its home registrar finds out by keep-alive timeout). */
  killElement(e: ElementNode): void {
    this.kill(e);
  }

  /** Splits the registrars into groups (index -> group); PEs reach every registrar. */
  partition(groups: readonly number[]): void {
    groups.forEach((g, i) => {
      this.registrars[i]!.group = g;
    });
    this.network.partitioned();
  }

  heal(): void {
    for (const r of this.registrars) r.group = 0;
  }

  /** Runs everything scheduled up to the instant `end`. */
  runUntil(end: number): void {
    this.clock.runUntilTime(end);
  }

  run(ms: number): void {
    this.runUntil(this.now + ms);
  }

  /** Schedules scenario code (churn, kills) on the virtual clock. */
  at(time: number, task: () => void): void {
    this.clock.schedule(time, task);
  }

  liveRegistrars(): RegistrarNode[] {
    return this.registrars.filter((r) => r.alive);
  }

  /** PEs that are alive and registered (they believe they have a home). */
  registeredElements(): ElementNode[] {
    return this.elements.filter((e) => e.alive && e.core.phase === 'registered');
  }

  /** The PEs of `poolHandle` in registrar `i`'s handlespace (what a handle resolution there starts from). */
  resolve(poolHandle: PoolHandle, i = 0): ResolvedElement[] {
    const hs = this.registrars[i]!.core.handlespace;
    const key = new TextDecoder().decode(poolHandle);
    return hs
      .handleTable({ maxElements: Number.MAX_SAFE_INTEGER })
      .elements.filter((e) => new TextDecoder().decode(e.poolHandle) === key)
      .map((e) => ({
        id: e.id,
        homeRegistrarId: e.homeRegistrarId,
        userTransport: e.userTransport,
      }));
  }

  // ---- Nodes -----------------------------------------------------------------------------------

  private kill(node: ScopeNode): void {
    node.alive = false;
    if (node.timer) this.clock.cancel(node.timer);
    node.timer = undefined;
    this.network.kill(node);
  }

  private wake(node: ScopeNode): void {
    const deadline = node.core.nextDeadline();
    if (deadline === undefined || !node.alive) {
      if (node.timer) this.clock.cancel(node.timer);
      return;
    }
    let at = Math.max(deadline, this.now);
    if (at === node.lastTickAt && this.ticking === node) {
      // Ticked at this instant and still due: the core would spin. Count it and move on by 1 ms.
      if (node.kind === 'registrar') this.stats.stuckRegistrarDeadlines++;
      else this.stats.stuckElementDeadlines++;
      at += 1;
    }
    if (node.timer === undefined) {
      node.timer = this.clock.schedule(at, () => {
        node.lastTickAt = this.now;
        this.ticking = node;
        if (node.kind === 'registrar') this.feedRegistrar(node, { kind: 'tick', now: this.now });
        else this.feedElement(node, { kind: 'tick', now: this.now });
        this.ticking = undefined;
      });
    } else if (node.timer.at !== at) this.clock.reschedule(node.timer, at);
  }

  private deliver(node: ScopeNode, input: LinkInput): void {
    const now = this.now;
    if (node.kind === 'registrar') {
      if (input.kind !== 'connected') this.feedRegistrar(node, { ...input, now } as RegistrarInput);
    } else if (input.kind === 'received') {
      this.feedElement(node, {
        kind: 'received',
        now,
        assoc: input.assoc,
        message: input.message as AsapMessage,
      });
    } else if (input.kind !== 'assocUp' && input.kind !== 'multicastReceived') {
      this.feedElement(node, { ...input, now });
    }
  }

  private timed<T>(f: () => T): T {
    const measure = this.options.measure;
    if (measure === undefined) return f();
    const t0 = measure();
    const result = f();
    this.stats.coreMs += measure() - t0;
    return result;
  }

  feedRegistrar(node: RegistrarNode, input: RegistrarInput): void {
    if (!node.alive) return;
    const core = node.core;
    const actions = this.timed(() => core.handle(input));
    if (core !== node.core) return;
    for (const a of actions) this.registrarAction(node, a);
    this.wake(node);
  }

  feedElement(node: ElementNode, input: ElementInput): void {
    if (!node.alive) return;
    const actions = this.timed(() => node.core.handle(input));
    for (const a of actions) this.elementAction(node, a);
    // A PE that has deregistered exits: its associations shut down and it accepts no new ones. (The
    // PoolElement core would otherwise still ack a takeover's Keep Alive with H after it closed.)
    if (node.core.phase === 'closed') this.exit(node);
    else this.wake(node);
  }

  private exit(node: ElementNode): void {
    node.alive = false;
    if (node.timer) this.clock.cancel(node.timer);
    node.timer = undefined;
    this.network.exit(node);
  }

  private registrarAction(node: RegistrarNode, a: RegistrarAction): void {
    switch (a.kind) {
      case 'send':
        this.network.send(node, a.assoc, a.protocol, a.message);
        break;
      case 'connect':
        this.network.connect(node, a.ref, a.protocol, `${a.to.addresses[0]}#${a.to.port}`);
        break;
      case 'abort':
      case 'close':
        this.network.close(node, a.assoc);
        break;
      case 'multicast':
        this.stats.multicasts++;
        // Server Announces are not simulated: PEs here use static registrar lists.
        if (a.protocol === 'enrp') this.network.multicast(node, this.registrars, a.message as EnrpMessage);
        break;
      case 'notify':
        this.options.onEvent?.(node, a.event, this.now);
        break;
    }
  }

  private elementAction(node: ElementNode, a: PoolElementAction): void {
    switch (a.kind) {
      case 'send':
        this.network.send(node, a.assoc, 'asap', a.message);
        break;
      case 'connect':
        this.network.connect(node, a.ref, 'asap', `${a.to.addresses[0]}#${a.to.port}`);
        break;
      case 'cancel':
        this.network.cancel(node, a.ref);
        break;
      case 'close':
        this.network.close(node, a.assoc);
        break;
      case 'notify':
        this.options.onElementEvent?.(node, a.event, this.now);
        break;
      default:
        break;
    }
  }
}
