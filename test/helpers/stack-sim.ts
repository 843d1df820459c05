/**
 * Runs stack nodes (registrar, pool elements, pool users) over SimNetwork on a SimClock: delivers their
 * datagrams, their multicasts to every node on the channel, and ticks each at its next deadline. A node
 * can be killed (it stops answering, as a crashed user-space SCTP stack does) and revived.
 */

import type { TimerEntry } from '../../src/collections/timer-queue.js';
import type { NodeInput, NodeOutput } from '../../src/stack/index.js';
import type { SimTask } from '../../src/testing/clock.js';
import { SimClock } from '../../src/testing/clock.js';
import { addressOf, parseAddress, SimNetwork } from '../../src/testing/network.js';

export interface SimulatedNode<E> {
  handle(input: NodeInput): NodeOutput<E>[];
  nextDeadline(): number | undefined;
}

export class StackSim {
  readonly clock = new SimClock();
  readonly net: SimNetwork;
  private readonly members: Member[] = [];

  constructor(seed: number, latencyMs = 1) {
    this.net = new SimNetwork(this.clock, seed, { latencyMs });
  }

  /** Adds a node reachable at ip:udpPort; `onEvent` sees its events. */
  add<E>(ip: string, udpPort: number, node: SimulatedNode<E>, onEvent: (e: E) => void = () => {}): Member {
    const m = new Member(
      this,
      addressOf(ip, udpPort),
      node as SimulatedNode<unknown>,
      onEvent as (e: unknown) => void,
    );
    this.members.push(m);
    this.net.attach(m.address, (from, bytes) => {
      if (m.alive) m.feed({ kind: 'datagram', now: this.clock.now, from: parseAddress(from), bytes });
    });
    m.schedule();
    return m;
  }

  multicast(from: Member, channel: 'asapAnnounce' | 'enrpPresence', bytes: Uint8Array): void {
    const src = parseAddress(from.address);
    for (const m of this.members) {
      if (m === from || !m.alive) continue;
      this.clock.after(
        1,
        () => m.alive && m.feed({ kind: 'multicast', now: this.clock.now, channel, from: src, bytes }),
      );
    }
  }

  run(ms: number): void {
    this.clock.advance(ms);
  }

  runUntil(done: () => boolean, limitMs: number): boolean {
    return this.clock.runUntil(done, limitMs);
  }
}

export class Member {
  alive = true;
  private timer: TimerEntry<SimTask> | undefined;

  constructor(
    readonly sim: StackSim,
    readonly address: string,
    readonly node: SimulatedNode<unknown>,
    private readonly onEvent: (e: unknown) => void,
  ) {}

  feed(input: NodeInput): void {
    this.outputs(this.node.handle(input));
  }

  /** Carries out outputs a node returned from any call (also app requests made by tests). */
  outputs(out: NodeOutput<unknown>[]): void {
    for (const o of out) {
      if (o.kind === 'transmit') this.sim.net.send(this.address, addressOf(o.to.ip, o.to.port), o.bytes);
      else if (o.kind === 'multicast') this.sim.multicast(this, o.channel, o.bytes);
      else this.onEvent(o.event);
    }
    this.schedule();
  }

  schedule(): void {
    if (!this.alive) return;
    const at = this.node.nextDeadline();
    if (this.timer) this.sim.clock.cancel(this.timer);
    this.timer = undefined;
    if (at === undefined) return;
    this.timer = this.sim.clock.schedule(at, () => {
      this.timer = undefined;
      if (this.alive) this.feed({ kind: 'tick', now: this.sim.clock.now });
    });
  }

  /** Crash: no more input, no more output, no goodbye. */
  kill(): void {
    this.alive = false;
    if (this.timer) this.sim.clock.cancel(this.timer);
    this.timer = undefined;
  }
}
