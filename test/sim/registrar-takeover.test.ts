/**
 * Focused multi-registrar scenarios on the message-level simulation: takeover by exactly one survivor
 * with the PEs adopting it, convergence without Takeover Server (RSPLIB), a new registrar's mentor
 * download, and the takeover suggestion option. Seeded; the seed is in every failure message.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RegistrarEvent } from '../../src/registrar/index.js';
import { type RegistrarNode, RegistrarSim } from '../helpers/registrar-sim.js';

const SEED = Number(process.env.SIM_SEED ?? 77);
const pool = (i: number) => new TextEncoder().encode(`p${i}`);

function system(
  registrars: number,
  elements: number,
  extra: Partial<ConstructorParameters<typeof RegistrarSim>[0]> = {},
) {
  const events: { node: number; e: RegistrarEvent; at: number }[] = [];
  const sim = new RegistrarSim({
    seed: SEED,
    registrars,
    latencyMs: 1,
    codec: true,
    onEvent: (n: RegistrarNode, e, at) => events.push({ node: n.index, e, at }),
    ...extra,
  });
  for (let i = 0; i < registrars; i++) sim.startRegistrar(i);
  sim.run(6_000);
  for (let i = 0; i < elements; i++) sim.addElement(pool(i % 5));
  sim.run(10_000);
  return { sim, events };
}

describe('ENRP takeover on the simulation', () => {
  it(`one survivor takes over a killed registrar; its PEs adopt it (seed ${SEED})`, () => {
    const { sim, events } = system(3, 90);
    assert.deepEqual(sim.divergence(), []);
    const victim = sim.registrars[1]!;
    const victimId = victim.core.registrarId;
    const owned = victim.core.handlespace.countOwnedBy(victimId);
    assert.ok(owned > 0, `seed ${SEED}: the victim owns PEs`);
    const killedAt = sim.now;
    sim.killRegistrar(1);
    // MAX-TIME-LAST-HEARD + MAX-TIME-NO-RESPONSE + a heartbeat cycle bounds detection; arbitration is RTTs.
    sim.run(13_000);
    const done = events.filter((x) => x.e.kind === 'takeoverDone' && x.e.target === victimId);
    assert.equal(done.length, 1, `seed ${SEED}: exactly one takeover`);
    const winner = sim.registrars[done[0]!.node]!;
    assert.ok(done[0]!.at - killedAt <= 13_000);
    sim.run(2_000);
    assert.deepEqual(sim.divergence(), [], `seed ${SEED}`);
    assert.deepEqual(sim.orphanedElements(), [], `seed ${SEED}`);
    assert.deepEqual(sim.lostElements(), [], `seed ${SEED}`);
    // The victim's PEs now call the winner their home (Keep Alive with H adopted).
    const winnerId = winner.core.registrarId;
    const adopted = sim.elements.filter((e) => e.core.homeRegistrarId === winnerId).length;
    assert.equal(adopted, winner.core.handlespace.countOwnedBy(winnerId), `seed ${SEED}`);
  });

  it(`without Takeover Server (RSPLIB never sends it) the others converge by audit (seed ${SEED})`, () => {
    const { sim, events } = system(4, 80, { dropMessage: (m) => m.kind === 'takeoverServer' });
    const victimId = sim.registrars[2]!.core.registrarId;
    sim.killRegistrar(2);
    sim.run(13_000);
    assert.equal(events.filter((x) => x.e.kind === 'takeoverDone' && x.e.target === victimId).length, 1);
    assert.equal(events.filter((x) => x.e.kind === 'peerTakenOver').length, 0, 'no Takeover Server arrived');
    sim.run(10_000);
    assert.deepEqual(sim.divergence(), [], `seed ${SEED}`);
    assert.deepEqual(sim.orphanedElements(), [], `seed ${SEED}`);
    assert.ok(events.some((x) => x.e.kind === 'syncDone' && x.e.reason === 'audit'));
  });

  it(`a new registrar downloads the handlespace from its mentor in start-up (seed ${SEED})`, () => {
    const sim = new RegistrarSim({ seed: SEED, registrars: 4, latencyMs: 1, codec: true });
    for (let i = 0; i < 3; i++) sim.startRegistrar(i);
    sim.run(6_000);
    for (let i = 0; i < 500; i++) sim.addElement(pool(i % 7));
    sim.run(5_000);
    sim.startRegistrar(3);
    sim.run(500);
    const late = sim.registrars[3]!.core;
    assert.equal(late.inStartup, false, 'start-up ended by the mentor download, before the 5 s timer');
    assert.equal(late.handlespace.size, 500);
    assert.deepEqual(sim.divergence(), [], `seed ${SEED}`);
  });

  it(`with takeover suggestion on, PEs move to the suggested registrar and everybody agrees (seed ${SEED})`, () => {
    const { sim, events } = system(3, 60, { registrarOptions: { supportTakeoverSuggestion: true } });
    sim.run(40_000);
    const claimed = events.filter((x) => x.e.kind === 'elementClaimed' && x.e.reason === 'suggestion').length;
    assert.ok(claimed > 0, `seed ${SEED}: some PEs were suggested and claimed`);
    assert.deepEqual(sim.divergence(), [], `seed ${SEED}`);
    assert.deepEqual(sim.lostElements(), [], `seed ${SEED}`);
    // Each PE's home is the registrar maximising (registrar id XOR PE id).
    const ids = sim.registrars.map((r) => r.core.registrarId);
    for (const e of sim.registeredElements()) {
      const best = ids.reduce((a, b) => ((b ^ e.core.id) >>> 0 > (a ^ e.core.id) >>> 0 ? b : a));
      assert.equal(e.core.homeRegistrarId, best, `seed ${SEED}: PE ${e.core.id}`);
    }
  });

  it(`a partition long enough for takeovers on both sides heals into one handlespace (seed ${SEED})`, () => {
    const { sim } = system(3, 90);
    sim.partition([0, 1, 1]);
    sim.run(40_000);
    sim.heal();
    // Rediscovery (static peers, next heartbeat), audits and PE moves settle within a minute.
    sim.run(60_000);
    assert.deepEqual(sim.divergence(), [], `seed ${SEED}`);
    assert.deepEqual(sim.lostElements(), [], `seed ${SEED}`);
    assert.deepEqual(sim.orphanedElements(), [], `seed ${SEED}`);
    assert.equal(sim.registeredElements().length, 90);
  });

  it(`a registrar restarted at once with the same id claims its PEs back from the mentor's table (seed ${SEED})`, () => {
    const { sim, events } = system(3, 60);
    const id = sim.registrars[1]!.core.registrarId;
    const owned = sim.registrars[1]!.core.handlespace.countOwnedBy(id);
    sim.restartRegistrar(1, { sameId: true });
    // Start-up, mentor download, Keep Alives with H, and the audits that follow: a few heartbeats.
    sim.run(8_000);
    const reclaimed = events.filter((x) => x.e.kind === 'elementClaimed' && x.e.reason === 'restart');
    assert.equal(reclaimed.length, owned, `seed ${SEED}`);
    assert.equal(sim.elements.filter((e) => e.core.homeRegistrarId === id).length, owned, `seed ${SEED}`);
    assert.deepEqual(sim.divergence(), [], `seed ${SEED}`);
    assert.deepEqual(sim.lostElements(), [], `seed ${SEED}`);
    sim.run(40_000);
    assert.deepEqual(sim.divergence(), [], `seed ${SEED}`);
    assert.equal(sim.registeredElements().length, 60);
  });
});
