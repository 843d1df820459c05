import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import { EchoService } from '../../src/services/index.js';
import {
  PoolElementNode,
  type PoolElementNodeEvent,
  PoolUserNode,
  type PoolUserNodeEvent,
  RegistrarNode,
  type RegistrarNodeEvent,
  type ResolutionResult,
} from '../../src/stack/index.js';
import { AddressScope } from '../../src/wire/address-scope.js';
import { AsapOnlyRegistrar } from '../helpers/asap-only-registrar.js';
import { type Member, StackSim } from '../helpers/stack-sim.js';
import { testMac } from '../sctp/sim-node.js';

const ECHO = new TextEncoder().encode('EchoPool');
const REGISTRAR_IP = '10.0.0.1';

function sctp(port: number, seed: number) {
  return {
    port,
    random: new SeededRandom(seed),
    mac: testMac,
    heartbeatIntervalMs: 2_000,
    rtoInitialMs: 200,
    rtoMinMs: 100,
  };
}

interface World {
  sim: StackSim;
  registrar: AsapOnlyRegistrar;
  registrarMember: Member;
  pes: { node: PoolElementNode; member: Member; events: PoolElementNodeEvent[] }[];
  pu: PoolUserNode;
  puMember: Member;
  puEvents: PoolUserNodeEvent[];
  registrarEvents: RegistrarNodeEvent[];
}

function world(peCount: number, seed = 1): World {
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
  const registrarEvents: RegistrarNodeEvent[] = [];
  const rnode = new RegistrarNode(registrar, { asap: sctp(3863, seed + 1) });
  const registrarMember = sim.add(REGISTRAR_IP, 9899, rnode, (e) => registrarEvents.push(e));
  registrar.server.startAnnouncing(0);
  const pes = Array.from({ length: peCount }, (_, i) => {
    const ip = `10.0.1.${i + 1}`;
    const events: PoolElementNodeEvent[] = [];
    const node = new PoolElementNode(
      {
        asap: sctp(20000 + i, seed + 10 + i),
        data: sctp(7, seed + 20 + i),
        random: new SeededRandom(seed + 30 + i),
        element: {
          poolHandle: ECHO,
          id: 0x100 + i,
          policy: { name: 'RoundRobin' },
          userTransport: { kind: 'sctp', port: 7, transportUse: 'dataAndControl', addresses: [ip] },
          registrars: [{ addresses: [REGISTRAR_IP], port: 3863 }],
        },
      },
      new EchoService(),
    );
    const member = sim.add(ip, 9899, node, (e) => events.push(e));
    member.outputs(node.request({ kind: 'register', now: 0 }));
    return { node, member, events };
  });
  const pu = new PoolUserNode({
    // A failover-sensitive client: RTO.Max 1 s and 3 retransmissions find a dead PE within seconds.
    sctp: { ...sctp(30000, seed + 50), rtoMaxMs: 1_000, associationMaxRetrans: 3, pathMaxRetrans: 3 },
    random: new SeededRandom(seed + 51),
    user: { registrars: [{ addresses: [REGISTRAR_IP], port: 3863 }] },
  });
  const puEvents: PoolUserNodeEvent[] = [];
  const puMember = sim.add('10.0.2.1', 9899, pu, (e) => puEvents.push(e));
  return { sim, registrar, registrarMember, pes, pu, puMember, puEvents, registrarEvents };
}

function resolve(w: World, requestId: number, items?: number): ResolutionResult {
  w.puMember.outputs(w.pu.resolve(w.sim.clock.now, requestId, ECHO, items));
  const answer = () => w.puEvents.find((e) => e.kind === 'resolved' && e.requestId === requestId);
  assert.ok(
    w.sim.runUntil(() => answer() !== undefined, 30_000),
    'resolution answered',
  );
  const e = answer();
  assert.ok(e && e.kind === 'resolved');
  return e.result;
}

const text = (s: string) => new TextEncoder().encode(s);
const sessionData = (w: World, session: number): string[] =>
  w.puEvents.flatMap((e) =>
    e.kind === 'session' && e.session === session && e.event.kind === 'data'
      ? [new TextDecoder().decode(e.event.bytes)]
      : [],
  );
const sessionEvents = (w: World, session: number): string[] =>
  w.puEvents.flatMap((e) => (e.kind === 'session' && e.session === session ? [e.event.kind] : []));

describe('stack over a simulated network: registrar, pool elements, pool user', () => {
  it('registers three PEs over SCTP, resolves them round robin, and echoes through a session', () => {
    const w = world(3);
    assert.ok(
      w.sim.runUntil(() => w.registrar.handlespace.size === 3, 10_000),
      'all registered',
    );
    w.sim.run(100);
    const registered = w.pes.filter((p) =>
      p.events.some((e) => e.kind === 'element' && e.event.kind === 'registered'),
    );
    assert.equal(registered.length, 3);

    const ids = [1, 2, 3, 4].map((n) => {
      const r = resolve(w, n, 1);
      assert.ok(r.ok);
      return r.value.poolElements[0]!.id;
    });
    assert.deepEqual(ids, [0x100, 0x101, 0x102, 0x100]);

    const { session, out } = w.pu.openSession(w.sim.clock.now, ECHO);
    w.puMember.outputs(out);
    w.puMember.outputs(
      w.pu.sessionInput(session, {
        kind: 'send',
        now: w.sim.clock.now,
        ppid: 0,
        stream: 0,
        bytes: text('hello'),
      }),
    );
    assert.ok(
      w.sim.runUntil(() => sessionData(w, session).length > 0, 5_000),
      'echo arrives',
    );
    assert.deepEqual(sessionData(w, session), ['hello']);
    assert.ok(sessionEvents(w, session).includes('up'));
  });

  it('removes a killed PE after keep-alive interval + timeout, and the PU no longer gets it', () => {
    const w = world(2, 7);
    assert.ok(w.sim.runUntil(() => w.registrar.handlespace.size === 2, 10_000));
    const killedAt = w.sim.clock.now;
    w.pes[0]!.member.kill();
    assert.ok(
      w.sim.runUntil(() => w.registrar.handlespace.size === 1, 10_000),
      'dead PE removed',
    );
    assert.ok(w.sim.clock.now - killedAt <= 2_000 + 50, `removed after ${w.sim.clock.now - killedAt} ms`);
    for (let n = 0; n < 3; n++) {
      const r = resolve(w, 100 + n, 1);
      assert.ok(r.ok && r.value.poolElements[0]!.id === 0x101);
    }
  });

  it('a deregistering PE leaves the pool at once', () => {
    const w = world(2, 11);
    assert.ok(w.sim.runUntil(() => w.registrar.handlespace.size === 2, 10_000));
    const pe = w.pes[1]!;
    pe.member.outputs(pe.node.request({ kind: 'deregister', now: w.sim.clock.now }));
    assert.ok(w.sim.runUntil(() => w.registrar.handlespace.size === 1, 2_000));
    assert.ok(pe.events.some((e) => e.kind === 'element' && e.event.kind === 'deregistered'));
  });

  it('a session fails over to another PE when its PE dies, and keeps echoing', () => {
    const w = world(2, 21);
    assert.ok(w.sim.runUntil(() => w.registrar.handlespace.size === 2, 10_000));
    w.sim.run(50);
    const { session, out } = w.pu.openSession(w.sim.clock.now, ECHO);
    w.puMember.outputs(out);
    assert.ok(w.sim.runUntil(() => sessionEvents(w, session).includes('up'), 5_000));
    const up = w.puEvents.find((e) => e.kind === 'session' && e.event.kind === 'up');
    const firstPe = up?.kind === 'session' && up.event.kind === 'up' ? up.event.pe : -1;
    const victim = w.pes.find((p) => p.node.core.id === firstPe)!;
    victim.member.kill();
    const killedAt = w.sim.clock.now;
    w.puMember.outputs(
      w.pu.sessionInput(session, {
        kind: 'send',
        now: w.sim.clock.now,
        ppid: 0,
        stream: 0,
        bytes: text('after'),
      }),
    );
    assert.ok(
      w.sim.runUntil(() => sessionEvents(w, session).includes('failoverComplete'), 120_000),
      'failover completes',
    );
    // Messages in flight on the dead association come back as sendFailed; the application resends them.
    for (const e of w.puEvents) {
      if (e.kind === 'session' && e.event.kind === 'sendFailed') {
        const { ppid, stream, bytes } = e.event;
        w.puMember.outputs(
          w.pu.sessionInput(session, { kind: 'send', now: w.sim.clock.now, ppid, stream, bytes }),
        );
      }
    }
    assert.ok(
      w.sim.runUntil(() => sessionData(w, session).includes('after'), 5_000),
      'the message is answered',
    );
    const took = w.sim.clock.now - killedAt;
    assert.ok(took < 10_000, `failover took ${took} ms of virtual time`);
  });
});
