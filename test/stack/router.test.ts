import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AssociationId, Instant } from '../../src/base/index.js';
import { SeededRandom } from '../../src/base/random.js';
import { SctpEndpoint, type SctpEvent } from '../../src/sctp/index.js';
import { ConnectTable } from '../../src/stack/connect-table.js';
import {
  type Channel,
  type NodeInput,
  type NodeOutput,
  PPID_ASAP,
  type RoutedMessage,
  Router,
} from '../../src/stack/index.js';
import { StackSim } from '../helpers/stack-sim.js';
import { testMac } from '../sctp/sim-node.js';

type Seen =
  | { kind: 'message'; id: AssociationId; m: RoutedMessage }
  | { kind: 'event'; id: AssociationId; event: SctpEvent['kind']; ref: number | undefined };

/** A channel that flips every byte: both ends must pass through it for a message to decode. */
function flipChannel(): Channel & { calls: number } {
  const flip = (b: Uint8Array) => b.map((x) => x ^ 0xff);
  const ch = {
    calls: 0,
    inbound: (_id: AssociationId, _ppid: number, b: Uint8Array) => {
      ch.calls++;
      return flip(b);
    },
    outbound: (_id: AssociationId, _ppid: number, b: Uint8Array) => {
      ch.calls++;
      return flip(b);
    },
  };
  return ch;
}

/** The smallest node on the router: one endpoint, records what the router hands it. */
class ProbeNode {
  readonly router: Router<Seen>;
  constructor(port: number, seed: number, channel: Channel) {
    const endpoint = new SctpEndpoint({ port, listen: true, random: new SeededRandom(seed), mac: testMac });
    this.router = new Router([
      {
        endpoint,
        channel,
        message: (_now, id, m) => this.router.emit({ kind: 'message', id, m }),
        event: (_now, id, event, ref) => this.router.emit({ kind: 'event', id, event: event.kind, ref }),
      },
    ]);
  }
  handle(input: NodeInput): NodeOutput<Seen>[] {
    return this.router.handle(input, {});
  }
  nextDeadline(): Instant | undefined {
    return this.router.nextDeadline();
  }
}

describe('Router', () => {
  it('settles a connect reference, decodes ASAP by PPID, passes other PPIDs raw, through the channel', () => {
    const sim = new StackSim(3);
    const a = new ProbeNode(5000, 1, flipChannel());
    const channel = flipChannel();
    const b = new ProbeNode(6000, 2, channel);
    const seenA: Seen[] = [];
    const seenB: Seen[] = [];
    const ma = sim.add('10.0.0.1', 9899, a, (e) => seenA.push(e));
    sim.add('10.0.0.2', 9899, b, (e) => seenB.push(e));
    let id = -1;
    ma.outputs(
      a.router.run(0, () => {
        id = a.router.connect(0, 0, { addresses: ['10.0.0.2'], port: 6000 }, 77).id;
      }),
    );
    sim.run(100);
    assert.deepEqual(seenA[0], { kind: 'event', id, event: 'up', ref: 77 });
    ma.outputs(
      a.router.run(sim.clock.now, () => {
        a.router.sendMessage(sim.clock.now, id, {
          protocol: 'asap',
          message: { kind: 'cookie', cookie: new Uint8Array([1, 2, 3]) },
        });
        a.router.send(sim.clock.now, id, 47, new Uint8Array([9, 8]));
      }),
    );
    sim.run(100);
    const messages = seenB.flatMap((s) => (s.kind === 'message' ? [s.m] : []));
    assert.equal(messages.length, 2);
    const [asap, raw] = messages;
    assert.equal(asap?.protocol, 'asap');
    assert.equal(asap?.ppid, PPID_ASAP);
    assert.ok(asap?.protocol === 'asap' && asap.result.ok && asap.result.value.kind === 'cookie');
    assert.deepEqual(raw, { protocol: 'raw', ppid: 47, stream: 0, bytes: new Uint8Array([9, 8]) });
    assert.equal(channel.calls, 2);
  });

  it('hands a failed connect its reference when the association ends before it is up', () => {
    const sim = new StackSim(4);
    const a = new ProbeNode(5000, 1, flipChannel());
    const seen: Seen[] = [];
    const ma = sim.add('10.0.0.1', 9899, a, (e) => seen.push(e));
    ma.outputs(a.router.run(0, () => a.router.connect(0, 0, { addresses: ['10.0.0.3'], port: 6000 }, 5)));
    sim.runUntil(() => seen.length > 0, 600_000);
    assert.equal(seen[0]?.kind, 'event');
    assert.ok(seen[0]?.kind === 'event' && seen[0].event === 'lost' && seen[0].ref === 5);
  });
});

describe('ConnectTable', () => {
  it('keeps a reference until up, lets it be cancelled after, and forgets it when the association ends', () => {
    const t = new ConnectTable();
    t.opened(1, 10, false);
    assert.equal(t.settle(10), 1);
    assert.equal(t.settle(10), undefined);
    assert.equal(t.cancel(1), 10, 'a connected reference still names its association');
    t.opened(2, 12, false);
    assert.equal(t.ended(12), 2, 'ended before up: the connect failed');
    assert.equal(t.cancel(2), undefined);
    t.opened(3, 14, true);
    assert.equal(t.settle(14), undefined, 'already up: nothing waits');
    assert.equal(t.ended(14), undefined);
    assert.equal(t.cancel(3), undefined, 'an ended association is not aborted again');
  });
});
