/**
 * Randomised scenarios (deterministic seeds): loss, delay, jitter, duplication, small windows and
 * MTUs, messages from 1 byte to 300 kB, simultaneous open, shutdown from a random side. Every
 * message arrives intact, ordered ones in order per stream, and the association closes cleanly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import { SimClock } from '../../src/testing/clock.js';
import { SimNetwork } from '../../src/testing/network.js';
import { SimSctpNode } from '../sctp/sim-node.js';

function scenario(seed: number): string | undefined {
  const rng = new SeededRandom(seed * 77);
  const cond = {
    latencyMs: 1 + (rng.u32() % 50),
    jitterMs: rng.u32() % 60,
    loss: rng.float() * 0.15,
    duplicate: rng.float() * 0.1,
  };
  const clock = new SimClock();
  const net = new SimNetwork(clock, seed, cond);
  const opts = {
    rtoMinMs: 100 + (rng.u32() % 900),
    receiveWindowBytes: 20_000 + (rng.u32() % 200_000),
    pathMtuBytes: 576 + (rng.u32() % 1000),
  };
  const a = new SimSctpNode(clock, net, '10.0.0.1', 9899, { port: 1, ...opts }, seed);
  const b = new SimSctpNode(clock, net, '10.0.0.2', 9899, { port: 2, ...opts }, seed + 1);
  const simultaneous = rng.float() < 0.3;
  const ia = a.connect('10.0.0.2', 2);
  const ib0 = simultaneous ? b.connect('10.0.0.1', 1) : undefined;
  const n = 50 + (rng.u32() % 150);
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    const size = 1 + (rng.float() < 0.05 ? rng.u32() % 300_000 : rng.u32() % 2000);
    sizes.push(size);
    a.send(ia, new Uint8Array(size).fill(i & 255), {
      stream: i % 5,
      unordered: i % 7 === 0,
      more: rng.float() < 0.5,
    });
  }
  a.flush();
  let sentBack = false;
  const ok = clock.runUntil(() => {
    const ib = ib0 ?? b.endpoint.associations()[0];
    if (!sentBack && ib !== undefined && b.isUp(ib)) {
      for (let i = 0; i < 30; i++) b.send(ib, new Uint8Array(100 + i));
      sentBack = true;
    }
    return b.delivered.length === n && a.delivered.length === 30;
  }, 4 * 3600_000);
  if (!ok) return `stall: b got ${b.delivered.length}/${n}, a got ${a.delivered.length}/30`;
  for (let s = 0; s < 5; s++) {
    const want = sizes.flatMap((_, i) => (i % 5 === s && i % 7 !== 0 ? [i & 255] : []));
    const got = b.delivered.filter((d) => d.stream === s && !d.unordered).map((d) => d.bytes[0]);
    if (JSON.stringify(want) !== JSON.stringify(got)) return `order of stream ${s}`;
  }
  const total = sizes.reduce((x, y) => x + y, 0);
  const got = b.delivered.reduce((x, d) => x + d.bytes.length, 0);
  if (total !== got) return `bytes ${got}/${total}`;
  if (a.endpoint.associationCount !== 1 || b.endpoint.associationCount !== 1)
    return 'more than one association';
  const ib = b.endpoint.associations()[0]!;
  if (rng.float() < 0.5) a.shutdown(ia);
  else b.shutdown(ib);
  if (
    !clock.runUntil(() => a.endpoint.associationCount === 0 && b.endpoint.associationCount === 0, 3600_000)
  ) {
    return 'shutdown did not complete';
  }
  if (a.eventsOf('lost').length + b.eventsOf('lost').length > 0) return 'lost';
  return undefined;
}

test('8 random scenarios (more: SCTP_RANDOM_SEEDS=n)', () => {
  for (let seed = 1; seed <= Number(process.env.SCTP_RANDOM_SEEDS ?? 8); seed++) {
    const problem = scenario(seed);
    assert.equal(problem, undefined, `seed ${seed}: ${problem}`);
  }
});
