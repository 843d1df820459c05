/**
 * Test glue: an SctpEndpoint attached to a SimNetwork on a SimClock, recording what it delivers
 * and notifies. Transmit actions go to the network; one virtual timer follows nextDeadline().
 */
import { SeededRandom } from '../../src/base/random.js';
import type { TimerEntry } from '../../src/collections/timer-queue.js';
import { SctpEndpoint } from '../../src/sctp/endpoint.js';
import type { AssocId, EndpointOptions, SctpAction, SctpEvent, SctpInput } from '../../src/sctp/types.js';
import type { SimClock, SimTask } from '../../src/testing/clock.js';
import { addressOf, parseAddress, type SimNetwork } from '../../src/testing/network.js';

/** A deterministic keyed hash standing in for HMAC in tests (not cryptographic). */
export function testMac(key: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const b of key) {
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ b, 0x5bd1e995);
  }
  for (const b of data) {
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ h1 ^ b, 0x5bd1e995);
  }
  const v = new DataView(out.buffer);
  v.setUint32(0, h1 >>> 0);
  v.setUint32(4, h2 >>> 0);
  v.setUint32(8, Math.imul(h1, 31) ^ h2);
  v.setUint32(12, Math.imul(h2, 17) ^ h1);
  return out;
}

export interface Delivered {
  assoc: AssocId;
  ppid: number;
  stream: number;
  unordered: boolean;
  bytes: Uint8Array;
}

export class SimSctpNode {
  endpoint: SctpEndpoint;
  readonly address: string;
  events: { assoc: AssocId; event: SctpEvent; at: number }[] = [];
  delivered: Delivered[] = [];
  private timer: TimerEntry<SimTask> | undefined;
  private online = true;
  onDeliver: ((d: Delivered) => void) | undefined;

  constructor(
    readonly clock: SimClock,
    readonly net: SimNetwork,
    readonly ip: string,
    readonly udpPort: number,
    readonly options: Partial<EndpointOptions> & { port: number },
    seed = 1,
  ) {
    this.address = addressOf(ip, udpPort);
    this.endpoint = new SctpEndpoint({ random: new SeededRandom(seed), mac: testMac, ...options });
    for (const local of [ip, ...(options.localAddresses ?? []).filter((a) => a !== ip)]) {
      net.attach(addressOf(local, udpPort), (from, bytes) => {
        if (this.online)
          this.input({ kind: 'datagram', now: clock.now, from: parseAddress(from), bytes, local });
      });
    }
  }

  input(i: SctpInput): void {
    this.apply(this.endpoint.handle(i));
  }

  apply(actions: SctpAction[]): void {
    for (const a of actions) {
      if (a.kind === 'transmit') {
        this.net.send(addressOf(a.from ?? this.ip, this.udpPort), addressOf(a.to.ip, a.to.port), a.bytes);
      } else if (a.kind === 'deliver') {
        const d = { assoc: a.assoc, ppid: a.ppid, stream: a.stream, unordered: a.unordered, bytes: a.bytes };
        this.delivered.push(d);
        this.onDeliver?.(d);
      } else this.events.push({ assoc: a.assoc, event: a.event, at: this.clock.now });
    }
    this.arm();
  }

  private arm(): void {
    const d = this.endpoint.nextDeadline();
    if (d === undefined) {
      if (this.timer) this.clock.cancel(this.timer);
      return;
    }
    if (this.timer && this.timer.at !== undefined) this.clock.reschedule(this.timer, d);
    else this.timer = this.clock.schedule(d, () => this.input({ kind: 'tick', now: this.clock.now }));
  }

  connect(ip: string | string[], port: number, udpPort?: number): AssocId {
    const r = this.endpoint.connect(this.clock.now, {
      addresses: typeof ip === 'string' ? [ip] : ip,
      port,
      ...(udpPort ? { udpPort } : {}),
    });
    this.apply(r.actions);
    return r.assoc;
  }

  send(
    assoc: AssocId,
    bytes: Uint8Array,
    o: { stream?: number; ppid?: number; unordered?: boolean; more?: boolean } = {},
  ): void {
    this.input({
      kind: 'send',
      now: this.clock.now,
      assoc,
      ppid: o.ppid ?? 0,
      stream: o.stream ?? 0,
      unordered: o.unordered ?? false,
      bytes,
      more: o.more ?? false,
    });
  }

  flush(): void {
    this.input({ kind: 'flush', now: this.clock.now });
  }

  shutdown(assoc: AssocId): void {
    this.input({ kind: 'shutdown', now: this.clock.now, assoc });
  }

  abort(assoc: AssocId, reason?: string): void {
    this.input({ kind: 'abort', now: this.clock.now, assoc, ...(reason ? { reason } : {}) });
  }

  /** Stops processing datagrams and timers (a crash); `restart` brings up a fresh endpoint. */
  crash(): void {
    this.online = false;
    if (this.timer) this.clock.cancel(this.timer);
  }

  restart(seed: number): void {
    this.endpoint = new SctpEndpoint({ random: new SeededRandom(seed), mac: testMac, ...this.options });
    this.online = true;
    this.events = [];
    this.delivered = [];
  }

  eventsOf(kind: SctpEvent['kind']): { assoc: AssocId; event: SctpEvent; at: number }[] {
    return this.events.filter((e) => e.event.kind === kind);
  }

  isUp(assoc: AssocId): boolean {
    return this.endpoint.status(assoc)?.state === 'established';
  }
}
