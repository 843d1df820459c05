/**
 * The message-level network of a simulated registrar scope: associations between nodes on a SimClock.
 * `connect` opens an association after one latency, `send` delivers after one latency (FIFO per
 * association and direction), `multicast` reaches every registrar in the sender's partition. A killed
 * node sends nothing (a user-space SCTP stack dies without ABORT): its peers see `assocLost` only after
 * `failureDetectionMs` (SCTP heartbeat failure). A partition drops traffic between groups; associations
 * across it fail after `failureDetectionMs` unless it heals first. With `codec` every message is encoded
 * and decoded (bytes counted). What arrives goes to the scope through `deliver`.
 */
import type { SeededRandom } from '../base/random.js';
import type { TimerEntry } from '../collections/timer-queue.js';
import type { PoolElement } from '../element/pool-element.js';
import type { Registrar, RegistrarProtocol } from '../registrar/index.js';
import type { AsapMessage } from '../wire/asap-messages.js';
import type { EnrpMessage } from '../wire/enrp-messages.js';
import { decodeMessage, encodeMessage } from '../wire/message.js';
import type { PoolHandle, RegistrarId } from '../wire/types.js';
import type { SimClock, SimTask } from './clock.js';

export const ASAP_PORT = 3863;
export const ENRP_PORT = 9901;
export const ELEMENT_PORT = 9000;

export interface RegistrarNode {
  readonly kind: 'registrar';
  readonly index: number;
  core: Registrar;
  alive: boolean;
  group: number;
  readonly address: string;
  timer: TimerEntry<SimTask> | undefined;
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
  timer: TimerEntry<SimTask> | undefined;
  lastTickAt: number;
}

export type ScopeNode = RegistrarNode | ElementNode;

/** What the network hands to a node (the scope adds `now` and feeds its core). */
export type LinkInput =
  | {
      readonly kind: 'assocUp';
      readonly assoc: number;
      readonly protocol: RegistrarProtocol;
      readonly peer: { readonly addresses: string[]; readonly port: number };
      readonly ref?: number;
    }
  | { readonly kind: 'connected'; readonly ref: number; readonly assoc: number }
  | {
      readonly kind: 'received';
      readonly assoc: number;
      readonly protocol: RegistrarProtocol;
      readonly message: AsapMessage | EnrpMessage;
    }
  | { readonly kind: 'assocLost'; readonly assoc: number }
  | { readonly kind: 'connectFailed'; readonly ref: number }
  | {
      readonly kind: 'multicastReceived';
      readonly from: { readonly address: string; readonly port: number };
      readonly message: EnrpMessage;
    };

export interface ScopeNetworkOptions {
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly failureDetectionMs: number;
  readonly connectTimeoutMs: number;
  readonly codec: boolean;
  readonly dropMessage: ((message: AsapMessage | EnrpMessage) => boolean) | undefined;
  /** A wall-clock reading (e.g. `performance.now`) to time the codec; none: not timed. */
  readonly measure: (() => number) | undefined;
}

export interface ScopeStats {
  messages: number;
  enrpMessages: number;
  bytes: number;
  codecMs: number;
  coreMs: number;
  multicasts: number;
  dropped: number;
  /** Ticks after which a core still had a deadline at or before now (a core bug; the sim moves on 1 ms). */
  stuckRegistrarDeadlines: number;
  stuckElementDeadlines: number;
}

interface End {
  readonly node: ScopeNode;
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

export class ScopeNetwork {
  private readonly assocs = new Map<number, Association>();
  private readonly byEndpoint = new Map<string, { node: ScopeNode; protocol: RegistrarProtocol }>();
  private nextAssoc = 1;
  /** Element refs the PE cancelled before the association came up. */
  private readonly cancelled = new Set<string>();

  constructor(
    private readonly clock: SimClock,
    private readonly random: SeededRandom,
    private readonly stats: ScopeStats,
    private readonly options: ScopeNetworkOptions,
    private readonly deliver: (node: ScopeNode, input: LinkInput) => void,
  ) {}

  private get now(): number {
    return this.clock.now;
  }

  private at(time: number, task: SimTask): void {
    this.clock.schedule(time, task);
  }

  /** Makes `node` reachable at `address#port` for `protocol`. */
  listen(node: ScopeNode, port: number, protocol: RegistrarProtocol): void {
    this.byEndpoint.set(`${node.address}#${port}`, { node, protocol });
  }

  /** Silent death: the node's associations end; its peers notice after the failure detection time. */
  kill(node: ScopeNode): void {
    for (const a of [...this.assocs.values()]) {
      if (!a.up || (a.a.node !== node && a.b.node !== node)) continue;
      a.up = false;
      this.assocs.delete(a.id);
      const other = a.a.node === node ? a.b.node : a.a.node;
      this.at(this.now + this.options.failureDetectionMs, () => this.lost(other, a.id));
    }
  }

  /** A graceful exit: every association of the node shuts down; peers learn it after one latency. */
  exit(node: ScopeNode): void {
    for (const a of [...this.assocs.values()]) {
      if (a.a.node === node || a.b.node === node)
        this.breakAssoc(a, a.a.node !== node, a.b.node !== node, this.options.latencyMs);
    }
  }

  /** The node closed or aborted one association. */
  close(node: ScopeNode, assocId: number): void {
    const assoc = this.assocs.get(assocId);
    if (assoc) this.breakAssoc(assoc, assoc.a.node !== node, assoc.b.node !== node, this.options.latencyMs);
  }

  cancel(node: ElementNode, ref: number): void {
    this.cancelled.add(`${node.index}/${ref}`);
  }

  /** Registrar groups changed: associations across groups fail unless the partition heals in time. */
  partitioned(): void {
    for (const a of this.assocs.values()) {
      if (!this.crossesPartition(a)) continue;
      this.at(this.now + this.options.failureDetectionMs, () => {
        if (a.up && this.crossesPartition(a)) this.breakAssoc(a, true, true);
      });
    }
  }

  /** ENRP multicast to every other registrar in the sender's partition. */
  multicast(from: RegistrarNode, registrars: readonly RegistrarNode[], message: EnrpMessage): void {
    for (const r of registrars) {
      if (r === from || !this.reachable(from, r)) continue;
      this.at(this.now + this.options.latencyMs, () =>
        this.deliver(r, {
          kind: 'multicastReceived',
          from: { address: from.address, port: ENRP_PORT },
          message,
        }),
      );
    }
  }

  private crossesPartition(a: Association): boolean {
    return this.groupOf(a.a.node) !== this.groupOf(a.b.node);
  }

  private groupOf(node: ScopeNode): number | undefined {
    return node.kind === 'registrar' ? node.group : undefined;
  }

  private reachable(x: ScopeNode, y: ScopeNode): boolean {
    if (!x.alive || !y.alive) return false;
    if (x.kind === 'registrar' && y.kind === 'registrar') return x.group === y.group;
    return true;
  }

  private lost(node: ScopeNode, assoc: number): void {
    if (node.alive) this.deliver(node, { kind: 'assocLost', assoc });
  }

  /** Ends an association; each notified side gets assocLost (graceful close: after one latency). */
  private breakAssoc(a: Association, notifyA: boolean, notifyB: boolean, delay = 0): void {
    if (!a.up) return;
    a.up = false;
    this.assocs.delete(a.id);
    if (notifyA) this.at(this.now + delay, () => this.lost(a.a.node, a.id));
    if (notifyB) this.at(this.now + delay, () => this.lost(a.b.node, a.id));
  }

  connect(from: ScopeNode, ref: number, protocol: RegistrarProtocol, key: string): void {
    const target = this.byEndpoint.get(key);
    const core = from.core;
    const current = (): boolean => from.alive && from.core === core;
    const latencyMs = this.options.latencyMs;
    this.at(this.now + latencyMs, () => {
      if (!current()) return;
      if (target === undefined || target.protocol !== protocol || !this.reachable(from, target.node)) {
        this.at(this.now + this.options.connectTimeoutMs - latencyMs, () => {
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
        this.deliver(to, { kind: 'assocUp', assoc: a.id, protocol, peer });
      }
      this.at(this.now + latencyMs, () => this.connectedBack(a, from, to, key, ref, current));
    });
  }

  /** The connecting side learns the association is up (one latency after the accepting side). */
  private connectedBack(
    a: Association,
    from: ScopeNode,
    to: ScopeNode,
    key: string,
    ref: number,
    current: () => boolean,
  ): void {
    if (!a.up || !current()) return;
    if (from.kind === 'registrar') {
      const peer = {
        addresses: [to.address],
        port: key.endsWith(`#${ENRP_PORT}`) ? ENRP_PORT : Number(key.split('#')[1]),
      };
      this.deliver(from, { kind: 'assocUp', assoc: a.id, protocol: a.protocol, peer, ref });
    } else if (this.cancelled.delete(`${from.index}/${ref}`)) {
      this.breakAssoc(a, false, true, this.options.latencyMs);
    } else {
      this.deliver(from, { kind: 'connected', ref, assoc: a.id });
    }
  }

  private connectFailed(from: ScopeNode, ref: number): void {
    if (from.kind === 'registrar' || !this.cancelled.delete(`${from.index}/${ref}`))
      this.deliver(from, { kind: 'connectFailed', ref });
  }

  send(
    from: ScopeNode,
    assocId: number,
    protocol: RegistrarProtocol,
    message: AsapMessage | EnrpMessage,
  ): void {
    const a = this.assocs.get(assocId);
    const toEnd = a === undefined ? undefined : a.a.node === from ? a.b : a.a;
    if (a === undefined || !a.up || toEnd === undefined || !this.reachable(from, toEnd.node)) {
      this.stats.dropped++;
      return;
    }
    if (this.options.dropMessage?.(message)) {
      this.stats.dropped++;
      return;
    }
    this.stats.messages++;
    if (protocol === 'enrp') this.stats.enrpMessages++;
    const deliver = this.options.codec ? this.throughCodec(protocol, message) : message;
    const jitter = this.options.jitterMs ? this.random.float() * this.options.jitterMs : 0;
    const at = Math.max(this.now + this.options.latencyMs + jitter, toEnd.fifo);
    toEnd.fifo = at;
    const to = toEnd.node;
    this.at(at, () => {
      if (!a.up || !this.reachable(from, to)) {
        this.stats.dropped++;
        return;
      }
      if (to.kind === 'registrar' || protocol === 'asap')
        this.deliver(to, { kind: 'received', assoc: assocId, protocol, message: deliver });
    });
  }

  private throughCodec(
    protocol: RegistrarProtocol,
    message: AsapMessage | EnrpMessage,
  ): AsapMessage | EnrpMessage {
    const t0 = this.options.measure?.() ?? 0;
    const bytes = encodeMessage(protocol, message as never);
    const decoded = decodeMessage(protocol, bytes);
    this.stats.codecMs += (this.options.measure?.() ?? 0) - t0;
    this.stats.bytes += bytes.length;
    if (!decoded.ok)
      throw new Error(`sim: ${protocol} ${message.kind} does not decode: ${decoded.error.reason}`);
    return decoded.value;
  }
}
