/**
 * A simulated datagram network between addresses "ip:port" on a SimClock: seeded latency and
 * jitter (which reorders), loss, duplication, per-link overrides and partitions. Generic: any
 * node registers a receive callback for an address; SCTP endpoints and RSerPool cores alike.
 */
import { SeededRandom } from '../base/random.js';
import type { SimClock } from './clock.js';

export interface LinkConditions {
  /** One-way base latency. */
  latencyMs: number;
  /** Uniform extra delay in [0, jitterMs): packets overtake each other when it exceeds their spacing. */
  jitterMs: number;
  /** Probability a datagram is dropped. */
  loss: number;
  /** Probability a datagram is delivered twice. */
  duplicate: number;
}

export type Receive = (from: string, bytes: Uint8Array) => void;

export interface NetworkStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  undeliverable: number;
  bytes: number;
}

export const addressOf = (ip: string, port: number): string =>
  ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;

export function parseAddress(a: string): { ip: string; port: number } {
  const i = a.lastIndexOf(':');
  const ip = a.slice(0, i).replace(/^\[|\]$/g, '');
  return { ip, port: Number(a.slice(i + 1)) };
}

const ipOf = (a: string): string => parseAddress(a).ip;

export class SimNetwork {
  readonly random: SeededRandom;
  conditions: LinkConditions;
  private readonly nodes = new Map<string, Receive>();
  private readonly links = new Map<string, Partial<LinkConditions>>();
  private readonly cut = new Set<string>();
  private readonly down = new Set<string>();
  readonly stats: NetworkStats = {
    sent: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    undeliverable: 0,
    bytes: 0,
  };
  /** Optional tap on every datagram sent (captures, tests that corrupt packets). */
  tap: ((from: string, to: string, bytes: Uint8Array) => Uint8Array | undefined) | undefined;

  constructor(
    readonly clock: SimClock,
    readonly seed: number,
    conditions: Partial<LinkConditions> = {},
  ) {
    this.random = new SeededRandom(seed);
    this.conditions = { latencyMs: 5, jitterMs: 0, loss: 0, duplicate: 0, ...conditions };
  }

  attach(address: string, receive: Receive): void {
    this.nodes.set(address, receive);
  }

  detach(address: string): void {
    this.nodes.delete(address);
  }

  /** Conditions for datagrams between two IPs (both directions). */
  setLink(ipA: string, ipB: string, c: Partial<LinkConditions>): void {
    this.links.set(`${ipA}|${ipB}`, c);
    this.links.set(`${ipB}|${ipA}`, c);
  }

  /** Drops everything between two IPs until `heal`. */
  partition(ipA: string, ipB: string): void {
    this.cut.add(`${ipA}|${ipB}`);
    this.cut.add(`${ipB}|${ipA}`);
  }

  heal(ipA?: string, ipB?: string): void {
    if (ipA === undefined || ipB === undefined) this.cut.clear();
    else {
      this.cut.delete(`${ipA}|${ipB}`);
      this.cut.delete(`${ipB}|${ipA}`);
    }
  }

  /** Takes an IP off the network (a crashed or unplugged host) until `up`. */
  setDown(ip: string, isDown: boolean): void {
    if (isDown) this.down.add(ip);
    else this.down.delete(ip);
  }

  send(from: string, to: string, bytes: Uint8Array): void {
    this.stats.sent++;
    this.stats.bytes += bytes.length;
    let data: Uint8Array | undefined = bytes.slice();
    if (this.tap) data = this.tap(from, to, data);
    if (!data) return;
    const a = ipOf(from);
    const b = ipOf(to);
    if (this.cut.has(`${a}|${b}`) || this.down.has(a) || this.down.has(b)) {
      this.stats.lost++;
      return;
    }
    const c = { ...this.conditions, ...this.links.get(`${a}|${b}`) };
    if (c.loss > 0 && this.random.float() < c.loss) {
      this.stats.lost++;
      return;
    }
    const copies = c.duplicate > 0 && this.random.float() < c.duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      const delay = c.latencyMs + (c.jitterMs > 0 ? this.random.float() * c.jitterMs : 0);
      const copy = i === 0 ? data : data.slice();
      this.clock.after(delay, () => {
        if (this.down.has(b)) {
          this.stats.lost++;
          return;
        }
        const node = this.nodes.get(to);
        if (!node) {
          this.stats.undeliverable++;
          return;
        }
        this.stats.delivered++;
        node(from, copy);
      });
    }
  }
}
