/**
 * Message-level simulation of registrars and pool elements on a virtual clock. Every node is a sans-I/O
 * core (Registrar, PoolElement); the harness plays the driver: `connect` opens an association after one
 * latency, `send` delivers after one latency (FIFO per association and direction), `multicast` reaches
 * every registrar in the sender's partition. A killed node sends nothing (a user-space SCTP stack dies
 * without ABORT): its peers see `assocLost` only after `failureDetectionMs` (SCTP heartbeat failure). A
 * partition drops traffic between groups; associations across it fail after `failureDetectionMs` unless
 * it heals first. With `codec` every message is encoded and decoded (bytes and CPU time are counted).
 * Seeded: the seed reproduces a run.
 */
import { performance } from 'node:perf_hooks';
import { bytesEqual } from '../../src/base/bytes.js';
import { SeededRandom } from '../../src/base/random.js';
import { type TimerEntry, TimerQueue } from '../../src/collections/timer-queue.js';
import {
  PoolElement,
  type PoolElementAction,
  type PoolElementEvent,
} from '../../src/element/pool-element.js';
import {
  Registrar,
  type RegistrarAction,
  type RegistrarEvent,
  type RegistrarOptions,
  type RegistrarProtocol,
} from '../../src/registrar/index.js';
import type { AsapMessage } from '../../src/wire/asap-messages.js';
import type { EnrpMessage } from '../../src/wire/enrp-messages.js';
import { decodeMessage, encodeMessage } from '../../src/wire/message.js';
import type { PoolHandle, PoolPolicy, RegistrarId } from '../../src/wire/types.js';

export interface RegistrarSimOptions {
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
  /** Called for every PE event. */
  readonly onElementEvent?: (node: ElementNode, event: PoolElementEvent, now: number) => void;
  /** Called for every registrar event (tests collect what they need). */
  readonly onEvent?: (node: RegistrarNode, event: RegistrarEvent, now: number) => void;
}

type Node = RegistrarNode | ElementNode;

export interface RegistrarNode {
  readonly kind: 'registrar';
  readonly index: number;
  core: Registrar;
  alive: boolean;
  group: number;
  readonly address: string;
  timer: TimerEntry<() => void> | undefined;
  lastTickAt: number;
  /** Ids this slot has had (a restart draws a new one). */
  readonly ids: RegistrarId[];
}

export interface ElementNode {
  readonly kind: 'element';
  readonly index: number;
  readonly core: PoolElement;
  readonly poolHandle: PoolHandle;
  alive: boolean;
  readonly address: string;
  timer: TimerEntry<() => void> | undefined;
  lastTickAt: number;
}

interface End {
  readonly node: Node;
  /** Next free delivery instant towards this end (keeps FIFO order per direction). */
  fifo: number;
}

interface Association {
  readonly id: number;
  readonly protocol: RegistrarProtocol;
  readonly a: End;
  readonly b: End;
  up: boolean;
}

export const ASAP_PORT = 3863;
export const ENRP_PORT = 9901;
export const ELEMENT_PORT = 9000;

export class RegistrarSim {
  now = 0;
  readonly random: SeededRandom;
  readonly registrars: RegistrarNode[] = [];
  readonly elements: ElementNode[] = [];
  readonly stats = {
    messages: 0,
    enrpMessages: 0,
    bytes: 0,
    codecMs: 0,
    coreMs: 0,
    multicasts: 0,
    dropped: 0,
    /** Ticks after which a core still had a deadline at or before now (a core bug; the sim moves on 1 ms). */
    stuckRegistrarDeadlines: 0,
    stuckElementDeadlines: 0,
  };
  private readonly queue = new TimerQueue<() => void>();
  private readonly assocs = new Map<number, Association>();
  private readonly byEndpoint = new Map<string, { node: Node; protocol: RegistrarProtocol }>();
  private nextAssoc = 1;
  private readonly latencyMs: number;
  private readonly failureDetectionMs: number;
  private readonly connectTimeoutMs: number;
  /** The node whose tick is being handled (to tell a stuck deadline from a new one). */
  private ticking: Node | undefined;
  /** Element refs the PE cancelled before the association came up. */
  private readonly cancelled = new Set<string>();

  constructor(readonly options: RegistrarSimOptions) {
    this.random = new SeededRandom(options.seed);
    this.latencyMs = options.latencyMs ?? 1;
    this.failureDetectionMs = options.failureDetectionMs ?? 15_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 3_000;
    for (let i = 0; i < options.registrars; i++) {
      const address = `10.0.1.${i + 1}`;
      const node: RegistrarNode = {
        kind: 'registrar',
        index: i,
        core: undefined as unknown as Registrar,
        alive: false,
        group: 0,
        address,
        timer: undefined,
        lastTickAt: -1,
        ids: [],
      };
      node.core = this.newCore(node);
      this.registrars.push(node);
      this.byEndpoint.set(`${address}#${ASAP_PORT}`, { node, protocol: 'asap' });
      this.byEndpoint.set(`${address}#${ENRP_PORT}`, { node, protocol: 'enrp' });
    }
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
    this.byEndpoint.set(`${address}#${ELEMENT_PORT}`, { node, protocol: 'asap' });
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
    for (const a of this.assocs.values()) {
      if (!this.crossesPartition(a)) continue;
      this.at(this.now + this.failureDetectionMs, () => {
        if (a.up && this.crossesPartition(a)) this.breakAssoc(a, true, true);
      });
    }
  }

  heal(): void {
    for (const r of this.registrars) r.group = 0;
  }

  runUntil(end: number): void {
    for (;;) {
      const at = this.queue.peek();
      if (at === undefined || at > end) break;
      this.now = at;
      const task = this.queue.popDue(at)!;
      task();
    }
    this.now = end;
  }

  run(ms: number): void {
    this.runUntil(this.now + ms);
  }

  /** Schedules scenario code (churn, kills) on the virtual clock. */
  at(time: number, task: () => void): void {
    this.queue.schedule(Math.max(time, this.now), task);
  }

  liveRegistrars(): RegistrarNode[] {
    return this.registrars.filter((r) => r.alive);
  }

  /** PEs that are alive and registered (they believe they have a home). */
  registeredElements(): ElementNode[] {
    return this.elements.filter((e) => e.alive && e.core.phase === 'registered');
  }

  // ---- Nodes -----------------------------------------------------------------------------------

  private kill(node: Node): void {
    node.alive = false;
    if (node.timer) this.queue.cancel(node.timer);
    node.timer = undefined;
    for (const a of [...this.assocs.values()]) {
      if (!a.up || (a.a.node !== node && a.b.node !== node)) continue;
      a.up = false;
      this.assocs.delete(a.id);
      const other = a.a.node === node ? a.b.node : a.a.node;
      this.at(this.now + this.failureDetectionMs, () => this.lost(other, a.id));
    }
  }

  private crossesPartition(a: Association): boolean {
    return this.groupOf(a.a.node) !== this.groupOf(a.b.node);
  }

  private groupOf(node: Node): number | undefined {
    return node.kind === 'registrar' ? node.group : undefined;
  }

  private reachable(x: Node, y: Node): boolean {
    if (!x.alive || !y.alive) return false;
    if (x.kind === 'registrar' && y.kind === 'registrar') return x.group === y.group;
    return true;
  }

  private lost(node: Node, assoc: number): void {
    if (!node.alive) return;
    if (node.kind === 'registrar') this.feedRegistrar(node, { kind: 'assocLost', now: this.now, assoc });
    else this.feedElement(node, { kind: 'assocLost', now: this.now, assoc });
  }

  /** Ends an association; each notified side gets assocLost (graceful close: after one latency). */
  private breakAssoc(a: Association, notifyA: boolean, notifyB: boolean, delay = 0): void {
    if (!a.up) return;
    a.up = false;
    this.assocs.delete(a.id);
    if (notifyA) this.at(this.now + delay, () => this.lost(a.a.node, a.id));
    if (notifyB) this.at(this.now + delay, () => this.lost(a.b.node, a.id));
  }

  private wake(node: Node): void {
    const deadline = node.core.nextDeadline();
    if (deadline === undefined || !node.alive) {
      if (node.timer) this.queue.cancel(node.timer);
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
      node.timer = this.queue.schedule(at, () => {
        node.lastTickAt = this.now;
        this.ticking = node;
        if (node.kind === 'registrar') this.feedRegistrar(node, { kind: 'tick', now: this.now });
        else this.feedElement(node, { kind: 'tick', now: this.now });
        this.ticking = undefined;
      });
    } else if (node.timer.at !== at) this.queue.reschedule(node.timer, at);
  }

  feedRegistrar(node: RegistrarNode, input: Parameters<Registrar['handle']>[0]): void {
    if (!node.alive) return;
    const core = node.core;
    const t0 = performance.now();
    const actions = core.handle(input);
    this.stats.coreMs += performance.now() - t0;
    if (core !== node.core) return;
    for (const a of actions) this.registrarAction(node, a);
    this.wake(node);
  }

  feedElement(node: ElementNode, input: Parameters<PoolElement['handle']>[0]): void {
    if (!node.alive) return;
    const t0 = performance.now();
    const actions = node.core.handle(input);
    this.stats.coreMs += performance.now() - t0;
    for (const a of actions) this.elementAction(node, a);
    // A PE that has deregistered exits: its associations shut down and it accepts no new ones. (The
    // PoolElement core would otherwise still ack a takeover's Keep Alive with H after it closed.)
    if (node.core.phase === 'closed') this.exit(node);
    else this.wake(node);
  }

  private exit(node: ElementNode): void {
    node.alive = false;
    if (node.timer) this.queue.cancel(node.timer);
    node.timer = undefined;
    for (const a of [...this.assocs.values()]) {
      if (a.a.node === node || a.b.node === node)
        this.breakAssoc(a, a.a.node !== node, a.b.node !== node, this.latencyMs);
    }
  }

  private registrarAction(node: RegistrarNode, a: RegistrarAction): void {
    switch (a.kind) {
      case 'send':
        this.send(node, a.assoc, a.protocol, a.message);
        break;
      case 'connect':
        this.connect(node, a.ref, a.protocol, `${a.to.addresses[0]}#${a.to.port}`);
        break;
      case 'abort':
      case 'close': {
        const assoc = this.assocs.get(a.assoc);
        if (assoc) this.breakAssoc(assoc, assoc.a.node !== node, assoc.b.node !== node, this.latencyMs);
        break;
      }
      case 'multicast':
        this.stats.multicasts++;
        if (a.protocol !== 'enrp') break; // Server Announces: PEs here use static registrar lists
        for (const r of this.registrars) {
          if (r === node || !this.reachable(node, r)) continue;
          const message = a.message as EnrpMessage;
          this.at(this.now + this.latencyMs, () =>
            this.feedRegistrar(r, {
              kind: 'multicastReceived',
              now: this.now,
              from: { address: node.address, port: ENRP_PORT },
              message,
            }),
          );
        }
        break;
      case 'notify':
        this.options.onEvent?.(node, a.event, this.now);
        break;
    }
  }

  private elementAction(node: ElementNode, a: PoolElementAction): void {
    switch (a.kind) {
      case 'send':
        this.send(node, a.assoc, 'asap', a.message);
        break;
      case 'connect':
        this.connect(node, a.ref, 'asap', `${a.to.addresses[0]}#${a.to.port}`);
        break;
      case 'cancel':
        this.cancelled.add(`${node.index}/${a.ref}`);
        break;
      case 'close': {
        const assoc = this.assocs.get(a.assoc);
        if (assoc) this.breakAssoc(assoc, assoc.a.node !== node, assoc.b.node !== node, this.latencyMs);
        break;
      }
      case 'notify':
        this.options.onElementEvent?.(node, a.event, this.now);
        break;
      default:
        break;
    }
  }

  private connect(from: Node, ref: number, protocol: RegistrarProtocol, key: string): void {
    const target = this.byEndpoint.get(key);
    const core = from.core;
    const current = (): boolean => from.alive && from.core === core;
    this.at(this.now + this.latencyMs, () => {
      if (!current()) return;
      if (target === undefined || target.protocol !== protocol || !this.reachable(from, target.node)) {
        this.at(this.now + this.connectTimeoutMs - this.latencyMs, () => {
          if (current()) this.connectFailed(from, ref);
        });
        return;
      }
      const a: Association = {
        id: this.nextAssoc++,
        protocol,
        a: { node: from, fifo: 0 },
        b: { node: target.node, fifo: 0 },
        up: true,
      };
      this.assocs.set(a.id, a);
      const to = target.node;
      if (to.kind === 'registrar') {
        const peer = { addresses: [from.address], port: from.kind === 'registrar' ? 40_000 : ELEMENT_PORT };
        this.feedRegistrar(to, { kind: 'assocUp', now: this.now, assoc: a.id, protocol, peer });
      }
      this.at(this.now + this.latencyMs, () => {
        if (!a.up || !current()) return;
        if (from.kind === 'registrar') {
          const peer = {
            addresses: [to.address],
            port: key.endsWith(`#${ENRP_PORT}`) ? ENRP_PORT : Number(key.split('#')[1]),
          };
          this.feedRegistrar(from, { kind: 'assocUp', now: this.now, assoc: a.id, protocol, peer, ref });
        } else if (this.cancelled.delete(`${from.index}/${ref}`)) {
          this.breakAssoc(a, false, true, this.latencyMs);
        } else {
          this.feedElement(from, { kind: 'connected', now: this.now, ref, assoc: a.id });
        }
      });
    });
  }

  private connectFailed(from: Node, ref: number): void {
    if (from.kind === 'registrar') this.feedRegistrar(from, { kind: 'connectFailed', now: this.now, ref });
    else if (!this.cancelled.delete(`${from.index}/${ref}`)) {
      this.feedElement(from, { kind: 'connectFailed', now: this.now, ref });
    }
  }

  private send(
    from: Node,
    assocId: number,
    protocol: RegistrarProtocol,
    message: AsapMessage | EnrpMessage,
  ): void {
    const a = this.assocs.get(assocId);
    if (a === undefined || !a.up) {
      this.stats.dropped++;
      return;
    }
    const toEnd = a.a.node === from ? a.b : a.a;
    const to = toEnd.node;
    if (!this.reachable(from, to)) {
      this.stats.dropped++;
      return;
    }
    if (this.options.dropMessage?.(message)) {
      this.stats.dropped++;
      return;
    }
    this.stats.messages++;
    if (protocol === 'enrp') this.stats.enrpMessages++;
    let deliver: AsapMessage | EnrpMessage = message;
    if (this.options.codec) {
      const t0 = performance.now();
      const bytes = encodeMessage(protocol, message as never);
      const decoded = decodeMessage(protocol, bytes);
      this.stats.codecMs += performance.now() - t0;
      this.stats.bytes += bytes.length;
      if (!decoded.ok)
        throw new Error(`sim: ${protocol} ${message.kind} does not decode: ${decoded.error.reason}`);
      deliver = decoded.value;
    }
    const jitter = this.options.jitterMs ? this.random.float() * this.options.jitterMs : 0;
    const at = Math.max(this.now + this.latencyMs + jitter, toEnd.fifo);
    toEnd.fifo = at;
    this.at(at, () => {
      if (!a.up || !this.reachable(from, to)) {
        this.stats.dropped++;
        return;
      }
      if (to.kind === 'registrar') {
        const input =
          protocol === 'asap'
            ? {
                kind: 'received' as const,
                now: this.now,
                assoc: assocId,
                protocol,
                message: deliver as AsapMessage,
              }
            : {
                kind: 'received' as const,
                now: this.now,
                assoc: assocId,
                protocol,
                message: deliver as EnrpMessage,
              };
        this.feedRegistrar(to, input);
      } else if (protocol === 'asap') {
        this.feedElement(to, {
          kind: 'received',
          now: this.now,
          assoc: assocId,
          message: deliver as AsapMessage,
        });
      }
    });
  }

  // ---- Checks -------------------------------------------------------------------------------------

  /** `handle/id` keys of a registrar's handlespace (sorted) with their owners. */
  static contents(r: Registrar): Map<string, RegistrarId> {
    const m = new Map<string, RegistrarId>();
    for (const e of r.handlespace.handleTable({ maxElements: Number.MAX_SAFE_INTEGER }).elements) {
      m.set(elementKey(e.poolHandle, e.id), e.homeRegistrarId);
    }
    return m;
  }

  /** Differences between the live registrars' handlespaces; empty when all agree (PEs, owners, checksums). */
  divergence(): string[] {
    const live = this.liveRegistrars();
    const problems: string[] = [];
    if (live.length === 0) return problems;
    const ref = RegistrarSim.contents(live[0]!.core);
    const checksum = live[0]!.core.handlespace.checksum;
    for (const r of live.slice(1)) {
      const c = RegistrarSim.contents(r.core);
      if (r.core.handlespace.checksum !== checksum) {
        problems.push(
          `R${r.index} checksum 0x${r.core.handlespace.checksum.toString(16)} != R${live[0]!.index} 0x${checksum.toString(16)}`,
        );
      }
      let missing = 0;
      let extra = 0;
      let owner = 0;
      for (const [k, o] of ref) {
        const mine = c.get(k);
        if (mine === undefined) missing++;
        else if (mine !== o) owner++;
      }
      for (const k of c.keys()) if (!ref.has(k)) extra++;
      if (missing + extra + owner > 0) {
        problems.push(
          `R${r.index} vs R${live[0]!.index}: ${missing} missing, ${extra} extra, ${owner} other owner`,
        );
      }
    }
    return problems;
  }

  /** Registered, live PEs that some live registrar does not know. */
  lostElements(): string[] {
    const out: string[] = [];
    const views = this.liveRegistrars().map((r) => ({ r, c: RegistrarSim.contents(r.core) }));
    for (const e of this.registeredElements()) {
      const key = elementKey(e.poolHandle, e.core.id);
      for (const { r, c } of views) if (!c.has(key)) out.push(`PE ${key} unknown to R${r.index}`);
    }
    return out;
  }

  /** PEs whose owner (in registrar 0's view... any live view) is not a live registrar. */
  orphanedElements(): string[] {
    const liveIds = new Set(this.liveRegistrars().map((r) => r.core.registrarId));
    const out: string[] = [];
    for (const r of this.liveRegistrars()) {
      for (const [k, o] of RegistrarSim.contents(r.core))
        if (!liveIds.has(o)) out.push(`R${r.index}: ${k} owned by dead ${o}`);
    }
    return out;
  }
}

export function elementKey(poolHandle: PoolHandle, id: number): string {
  return `${new TextDecoder().decode(poolHandle)}/${id >>> 0}`;
}

export function sameHandle(a: PoolHandle, b: PoolHandle): boolean {
  return bytesEqual(a, b);
}
