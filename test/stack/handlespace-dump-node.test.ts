import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import { Registrar, type RegistrarInput } from '../../src/registrar/index.js';
import {
  type HandlespaceDumpEvent,
  HandlespaceDumpNode,
  RegistrarNode,
  type RegistrarNodeEvent,
} from '../../src/stack/index.js';
import type { EnrpPresence } from '../../src/wire/index.js';
import { StackSim } from '../helpers/stack-sim.js';
import { testMac } from '../sctp/sim-node.js';

const REGISTRAR_IP = '10.0.0.1';
const DUMP_IP = '10.0.0.9';
const REGISTRAR_ID = 0xa0000001;

const sctp = (port: number, seed: number) => ({
  port,
  random: new SeededRandom(seed),
  mac: testMac,
  rtoInitialMs: 200,
  rtoMinMs: 100,
});

/** Our registrar in the simulated network; `presences` records every ENRP Presence it receives. */
function world() {
  const sim = new StackSim(7);
  const core = new Registrar(
    {
      registrarId: REGISTRAR_ID,
      enrpTransport: { kind: 'sctp', port: 9901, transportUse: 'data', addresses: [REGISTRAR_IP] },
    },
    new SeededRandom(1),
  );
  const presences: EnrpPresence[] = [];
  const spy = {
    handle(input: RegistrarInput) {
      if (input.kind === 'received' && input.protocol === 'enrp' && input.message.kind === 'presence')
        presences.push(input.message);
      return core.handle(input);
    },
    nextDeadline: () => core.nextDeadline(),
  };
  const node = new RegistrarNode(spy, { asap: sctp(3863, 2), enrp: sctp(9901, 3) });
  const registrarEvents: RegistrarNodeEvent[] = [];
  const member = sim.add(REGISTRAR_IP, 9899, node, (e) => registrarEvents.push(e));
  member.outputs(node.input({ kind: 'start', now: 0 }));
  sim.run(1);
  const dump = new HandlespaceDumpNode({
    sctp: sctp(40000, 4),
    registrar: { addresses: [REGISTRAR_IP], port: 9901 },
    localAddresses: [DUMP_IP],
    random: new SeededRandom(5),
  });
  const events: HandlespaceDumpEvent[] = [];
  const dumpMember = sim.add(DUMP_IP, 9899, dump, (e) => events.push(e));
  dumpMember.outputs(dump.start(sim.clock.now));
  return { sim, core, dump, events, presences, registrarEvents };
}

describe('HandlespaceDumpNode', () => {
  it('names its ENRP endpoint in its Presence (RSPLIB rejects a Presence without Server Information)', () => {
    const w = world();
    assert.ok(
      w.sim.runUntil(() => w.events.length > 0, 5_000),
      'the dump ends',
    );
    assert.equal(w.events[0]?.kind, 'done');
    const first = w.presences[0];
    assert.ok(first, 'the registrar got our Presence');
    assert.deepEqual(first.serverInformation, {
      registrarId: w.dump.ownId,
      transport: { kind: 'sctp', port: 40000, transportUse: 'data', addresses: [DUMP_IP] },
    });
    assert.equal(first.peChecksum, 0xffff, 'we own no PEs');
  });

  it('is forgotten by the registrar as soon as it closes its association', () => {
    const w = world();
    assert.ok(w.sim.runUntil(() => w.events.length > 0, 5_000));
    // A known peer with an endpoint: a takeover would wait for its Init Takeover Ack.
    assert.ok(
      w.sim.runUntil(() => !w.core.enrp.peers.has(w.dump.ownId), 2_000),
      'gone from the peer list after the SHUTDOWN, long before MAX-TIME-LAST-HEARD',
    );
    const removed = w.registrarEvents.flatMap((e) =>
      e.kind === 'core' && (e.event as { kind: string }).kind === 'peerRemoved' ? [e.event] : [],
    );
    assert.deepEqual(removed, [
      { kind: 'peerRemoved', registrarId: w.dump.ownId, reason: 'associationLost' },
    ]);
  });
});
