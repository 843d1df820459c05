/**
 * The failover resend of the session core (`resendOnFailover`) under the virtual clock, over the
 * simulated lossy network, through the whole stack (registrar, PE nodes, PU node, our SCTP): the
 * serving PE is killed mid-stream, messages are sent before and after the kill, datagrams are lost
 * and reordered. Every message reaches a PE at least once (or is reported back when the bounded
 * queue overflows), and the resent copies keep their ppid, stream and `unordered` flag.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import { decodeData } from '../../src/sctp/wire/chunks.js';
import { decodePacket } from '../../src/sctp/wire/packet.js';
import type { PoolElementService, ServiceAction, ServiceInput } from '../../src/services/index.js';
import {
  PoolElementNode,
  PoolUserNode,
  type PoolUserNodeEvent,
  RegistrarNode,
  type SessionOptions,
} from '../../src/stack/index.js';
import { AddressScope } from '../../src/wire/address-scope.js';
import { AsapOnlyRegistrar } from '../helpers/asap-only-registrar.js';
import { type Member, StackSim } from '../helpers/stack-sim.js';
import { testMac } from '../sctp/sim-node.js';

const POOL = new TextEncoder().encode('ResendPool');
const REGISTRAR_IP = '10.0.0.1';
/** RFC 9260 §3.3.1: the U bit of a DATA chunk. */
const U_BIT = 0x04;
const DATA_CHUNK = 0;

/** A PE service that only records what arrives. */
class Recorder implements PoolElementService {
  readonly defaultPoolHandle = 'ResendPool';
  readonly sessionCount = 0;
  readonly received: { ppid: number; stream: number; text: string }[] = [];
  nextDeadline(): undefined {
    return undefined;
  }
  handle(input: ServiceInput): ServiceAction[] {
    if (input.kind === 'message')
      this.received.push({
        ppid: input.ppid,
        stream: input.stream,
        text: new TextDecoder().decode(input.bytes),
      });
    return [];
  }
}

const sctp = (port: number, seed: number) => ({
  port,
  random: new SeededRandom(seed),
  mac: testMac,
  heartbeatIntervalMs: 2_000,
  rtoInitialMs: 200,
  rtoMinMs: 100,
});

interface World {
  sim: StackSim;
  registrar: AsapOnlyRegistrar;
  pes: { node: PoolElementNode; member: Member; ip: string; service: Recorder }[];
  pu: PoolUserNode;
  puMember: Member;
  puEvents: PoolUserNodeEvent[];
}

function world(seed: number): World {
  const sim = new StackSim(seed);
  const registrar = new AsapOnlyRegistrar(
    {
      registrarId: 0xa0000001,
      minAddressScope: AddressScope.SiteLocal,
      keepAliveIntervalMs: 1_000,
      keepAliveTimeoutMs: 1_000,
    },
    new SeededRandom(seed),
  );
  sim.add(REGISTRAR_IP, 9899, new RegistrarNode(registrar, { asap: sctp(3863, seed + 1) }));
  registrar.server.startAnnouncing(0);
  const pes = [0, 1, 2].map((i) => {
    const ip = `10.0.1.${i + 1}`;
    const service = new Recorder();
    const node = new PoolElementNode(
      {
        asap: sctp(20000 + i, seed + 10 + i),
        data: sctp(7, seed + 20 + i),
        random: new SeededRandom(seed + 30 + i),
        element: {
          poolHandle: POOL,
          id: 0x100 + i,
          policy: { name: 'RoundRobin' },
          userTransport: { kind: 'sctp', port: 7, transportUse: 'dataAndControl', addresses: [ip] },
          registrars: [{ addresses: [REGISTRAR_IP], port: 3863 }],
        },
      },
      service,
    );
    const member = sim.add(ip, 9899, node);
    member.outputs(node.request({ kind: 'register', now: 0 }));
    return { node, member, ip, service };
  });
  const pu = new PoolUserNode({
    sctp: { ...sctp(30000, seed + 50), rtoMaxMs: 1_000, associationMaxRetrans: 3, pathMaxRetrans: 3 },
    random: new SeededRandom(seed + 51),
    user: { registrars: [{ addresses: [REGISTRAR_IP], port: 3863 }] },
  });
  const puEvents: PoolUserNodeEvent[] = [];
  const puMember = sim.add('10.0.2.1', 9899, pu, (e) => puEvents.push(e));
  return { sim, registrar, pes, pu, puMember, puEvents };
}

/** Message n: ppid 1000 + n, stream n % 2, odd ones unordered. */
const spec = (n: number) => ({ ppid: 1000 + n, stream: n % 2, unordered: n % 2 === 1 });

/** Every DATA chunk the PU sends, by message text: where each copy went and its U bit. */
function tapCopies(w: World): Map<string, { to: string; unordered: boolean }[]> {
  const seen = new Map<string, { to: string; unordered: boolean }[]>();
  w.sim.net.tap = (from, to, bytes) => {
    if (!from.startsWith('10.0.2.1:')) return bytes;
    const p = decodePacket(bytes, false);
    if (!p.ok) return bytes;
    for (const c of p.value.chunks) {
      if (c.type !== DATA_CHUNK) continue;
      const d = decodeData(c.flags, c.value);
      if (!d.ok || d.value.ppid < 1000) continue;
      const text = new TextDecoder().decode(d.value.userData);
      seen.set(text, [...(seen.get(text) ?? []), { to, unordered: (c.flags & U_BIT) !== 0 }]);
    }
    return bytes;
  };
  return seen;
}

function sessionEvents(w: World, session: number) {
  return w.puEvents.flatMap((e) => (e.kind === 'session' && e.session === session ? [e.event] : []));
}

/** Opens a session, streams `count` messages every 10 ms, kills the serving PE after `killAfter`. */
function run(
  seed: number,
  count: number,
  killAfter: number,
  options: SessionOptions,
  how: 'kill' | 'failover' = 'kill',
) {
  const w = world(seed);
  assert.ok(
    w.sim.runUntil(() => w.registrar.handlespace.size === 3, 10_000),
    'PEs registered',
  );
  w.sim.net.conditions = { ...w.sim.net.conditions, loss: 0.05, jitterMs: 15 };
  const copies = tapCopies(w);
  const { session, out } = w.pu.openSession(w.sim.clock.now, POOL, options);
  w.puMember.outputs(out);
  assert.ok(
    w.sim.runUntil(() => sessionEvents(w, session).some((e) => e.kind === 'up'), 10_000),
    'session up',
  );
  const up = sessionEvents(w, session).find((e) => e.kind === 'up');
  const victim = w.pes.find((p) => up?.kind === 'up' && p.node.core.id === up.pe)!;
  for (let n = 0; n < count; n++) {
    if (n === killAfter && how === 'kill') victim.member.kill();
    if (n === killAfter && how === 'failover')
      w.puMember.outputs(w.pu.sessionInput(session, { kind: 'failover', now: w.sim.clock.now }));
    const { ppid, stream, unordered } = spec(n);
    const bytes = new TextEncoder().encode(`m${n}`);
    w.puMember.outputs(
      w.pu.sessionInput(session, { kind: 'send', now: w.sim.clock.now, ppid, stream, unordered, bytes }),
    );
    w.sim.run(10);
  }
  const failed = () =>
    new Set(
      sessionEvents(w, session).flatMap((e) =>
        e.kind === 'sendFailed' ? [new TextDecoder().decode(e.bytes)] : [],
      ),
    );
  const reached = () => new Set(w.pes.flatMap((p) => p.service.received.map((r) => r.text)));
  const settled = () => {
    const r = reached();
    const f = failed();
    return Array.from({ length: count }, (_, n) => `m${n}`).every((t) => r.has(t) || f.has(t));
  };
  assert.ok(w.sim.runUntil(settled, 120_000), 'every message reached a PE or was reported');
  return { w, session, victim, copies, reached: reached(), failed: failed() };
}

describe('session core: failover resend under loss, reordering and a PE killed mid-stream', () => {
  for (const seed of [3, 8]) {
    it(`every message reaches a PE at least once, resent copies keep ppid, stream and unordered (seed ${seed})`, () => {
      const count = 80;
      const { w, session, victim, copies, reached, failed } = run(seed, count, 40, {
        resendOnFailover: true,
      });
      assert.equal(failed.size, 0, `no message reported failed: ${[...failed].join(' ')}`);
      assert.equal(reached.size, count);
      assert.ok(
        sessionEvents(w, session).some((e) => e.kind === 'failoverComplete'),
        'failed over',
      );
      // The resend was exercised: messages handed to the dead association reached the new PE.
      const survivors = w.pes.filter((p) => p !== victim).flatMap((p) => p.service.received);
      const resent = [...copies].filter(([, c]) => new Set(c.map((x) => x.to)).size > 1);
      assert.ok(resent.length > 0, 'some messages were sent to the dead PE and again to another');
      assert.ok(
        resent.some(([t]) => spec(Number(t.slice(1))).unordered),
        'an unordered message among the resent ones',
      );
      for (let n = 0; n < count; n++) {
        const t = `m${n}`;
        const s = spec(n);
        const victimGot = victim.service.received.some((r) => r.text === t);
        assert.ok(victimGot || survivors.some((r) => r.text === t), `${t} reached a PE`);
        for (const r of [...victim.service.received, ...survivors].filter((x) => x.text === t)) {
          assert.deepEqual({ ppid: r.ppid, stream: r.stream }, { ppid: s.ppid, stream: s.stream }, t);
        }
        for (const c of copies.get(t) ?? [])
          assert.equal(c.unordered, s.unordered, `${t}: U bit on every copy`);
      }
    });
  }

  it("the application's failover aborts the association: its unacknowledged messages are resent too", () => {
    const { w, session, victim, failed, reached, copies } = run(
      4,
      80,
      40,
      { resendOnFailover: true },
      'failover',
    );
    assert.equal(failed.size, 0);
    assert.equal(reached.size, 80);
    const e = sessionEvents(w, session).find((x) => x.kind === 'failoverNeeded');
    assert.ok(e?.kind === 'failoverNeeded' && e.reason === 'application');
    const resent = [...copies].filter(([, c]) => new Set(c.map((x) => x.to)).size > 1);
    assert.ok(resent.length > 0, 'messages in flight at the abort were sent again to the next PE');
    const later = w.pes.filter((p) => p !== victim).flatMap((p) => p.service.received.map((r) => r.text));
    for (const [t] of resent) assert.ok(later.includes(t), `${t} reached the next PE`);
  });

  it('without resendOnFailover the messages in flight come back as sendFailed (associationFailed)', () => {
    const { failed, reached, w, session } = run(5, 60, 30, { resendOnFailover: false });
    const reasons = new Set(
      sessionEvents(w, session).flatMap((e) => (e.kind === 'sendFailed' ? [e.reason] : [])),
    );
    assert.ok(failed.size > 0);
    assert.deepEqual([...reasons], ['associationFailed']);
    for (let n = 0; n < 60; n++) assert.ok(reached.has(`m${n}`) || failed.has(`m${n}`), `m${n}`);
  });

  it('a full queue reports the messages it cannot keep (bufferFull), none is dropped silently', () => {
    const { failed, reached, w, session } = run(9, 80, 40, {
      resendOnFailover: true,
      maxBufferedMessages: 4,
    });
    const reasons = new Set(
      sessionEvents(w, session).flatMap((e) => (e.kind === 'sendFailed' ? [e.reason] : [])),
    );
    assert.ok(failed.size > 0, 'the bound was hit');
    assert.deepEqual([...reasons], ['bufferFull']);
    for (let n = 0; n < 80; n++) assert.ok(reached.has(`m${n}`) || failed.has(`m${n}`), `m${n}`);
  });
});
