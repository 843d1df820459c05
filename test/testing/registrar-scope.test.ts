import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RegistrarScope, SimClock, SimNetwork } from '../../src/testing/index.js';

const pool = new TextEncoder().encode('echo');

test('RegistrarScope: PEs registered with one registrar resolve at every registrar of the scope', () => {
  const scope = new RegistrarScope({ seed: 7, registrars: 2 });
  scope.startRegistrar(0);
  scope.startRegistrar(1);
  scope.run(1_000);
  const pes = [0, 1, 2].map(() => scope.addElement(pool, { name: 'RoundRobin' }, [0]));
  scope.run(5_000);
  assert.equal(scope.registeredElements().length, 3);
  const ids = pes.map((e) => e.core.id).sort();
  for (const r of [0, 1]) {
    const found = scope.resolve(pool, r);
    assert.deepEqual(found.map((e) => e.id).sort(), ids, `registrar ${r}`);
    assert.ok(found.every((e) => e.homeRegistrarId === scope.registrars[0]!.core.registrarId));
  }
});

test('RegistrarScope: a killed PE leaves the handlespace after the keep-alive timeout', () => {
  const scope = new RegistrarScope({ seed: 8, registrars: 1 });
  scope.startRegistrar(0);
  const pe = scope.addElement(pool);
  scope.run(2_000);
  assert.equal(scope.resolve(pool).length, 1);
  scope.killElement(pe);
  scope.run(60_000);
  assert.equal(scope.resolve(pool).length, 0);
});

test('SimNetwork: seeded loss and latency on a SimClock', () => {
  const clock = new SimClock();
  const net = new SimNetwork(clock, 1, { latencyMs: 10, loss: 0.5 });
  const got: number[] = [];
  net.attach('10.0.0.2:1', (_from, bytes) => got.push(clock.now, bytes[0]!));
  for (let i = 0; i < 100; i++) net.send('10.0.0.1:1', '10.0.0.2:1', Uint8Array.of(i));
  clock.advance(9);
  assert.equal(got.length, 0);
  clock.advance(1);
  assert.equal(net.stats.delivered + net.stats.lost, 100);
  assert.ok(net.stats.lost > 20 && net.stats.lost < 80, `lost ${net.stats.lost}`);
});
