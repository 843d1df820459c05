/**
 * Robustness: random and mutated datagrams (valid CRC32c or not) into endpoints with established
 * associations never throw, never loop, answer with a bounded number of actions and keep memory
 * bounded. Mutations start from real packets of the same conversation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SeededRandom } from '../../src/base/random.js';
import { SctpEndpoint } from '../../src/sctp/endpoint.js';
import { ChunkType } from '../../src/sctp/wire/chunk-types.js';
import { encodeInit } from '../../src/sctp/wire/chunks.js';
import { writeChecksum } from '../../src/sctp/wire/crc32c.js';
import { PacketBuilder } from '../../src/sctp/wire/packet.js';
import { SimClock } from '../../src/testing/clock.js';
import { parseAddress, SimNetwork } from '../../src/testing/network.js';
import { SimSctpNode, testMac } from './sim-node.js';

function conversation(seed: number) {
  const clock = new SimClock();
  const net = new SimNetwork(clock, seed, { latencyMs: 5 });
  const captured: { from: string; to: string; bytes: Uint8Array }[] = [];
  net.tap = (from, to, bytes) => {
    captured.push({ from, to, bytes: bytes.slice() });
    return bytes;
  };
  const a = new SimSctpNode(clock, net, '10.0.0.1', 9899, { port: 5000 }, seed);
  const b = new SimSctpNode(clock, net, '10.0.0.2', 9899, { port: 6000 }, seed + 1);
  const id = a.connect('10.0.0.2', 6000);
  clock.runUntil(() => a.isUp(id), 1000);
  for (let i = 0; i < 20; i++)
    a.send(id, new Uint8Array(i * 300 + 1), { stream: i % 3, unordered: i % 4 === 0 });
  b.send(b.endpoint.associations()[0]!, new Uint8Array(5000));
  clock.runUntil(() => b.delivered.length === 20 && a.delivered.length === 1, 10_000);
  a.shutdown(id);
  clock.advance(1000);
  return { clock, net, a, b, captured };
}

function mutate(rng: SeededRandom, p: Uint8Array): Uint8Array {
  let b = p.slice();
  const kind = rng.u32() % 9;
  if (kind === 0) for (let i = 0; i < 1 + (rng.u32() % 4); i++) b[rng.u32() % b.length] = rng.u32() & 0xff;
  else if (kind === 1) b = b.subarray(0, rng.u32() % b.length);
  else if (kind === 2 && b.length > 15)
    b.set([0, rng.u32() % 4], 14); // tiny chunk length
  else if (kind === 3 && b.length > 15)
    b[14] = 0xff; // absurd chunk length
  else if (kind === 4 && b.length > 12)
    b[12] = rng.u32() & 0xff; // chunk type
  else if (kind === 5) {
    const extra = new Uint8Array(b.length + 4 + (rng.u32() % 64));
    extra.set(b);
    for (let i = b.length; i < extra.length; i++) extra[i] = rng.u32() & 0xff;
    b = extra;
  } else if (kind === 6 && b.length > 20)
    b[16 + (rng.u32() % 4)] = rng.u32() & 0xff; // TSN / tag fields
  else if (kind === 7 && b.length > 7)
    b.fill(0, 4, 8); // verification tag 0
  else if (kind === 8 && b.length > 13) b[13] = b[13]! ^ (1 << (rng.u32() % 8)); // flags (T bit, B/E/U)
  if (b.length >= 12 && rng.float() < 0.85) writeChecksum(b);
  return b;
}

test('mutated packets of a real conversation never throw and keep state bounded', () => {
  for (const seed of [1, 2, 3]) {
    const { clock, a, b, captured } = conversation(seed);
    assert.ok(captured.length > 20);
    const rng = new SeededRandom(seed * 1000);
    const targets = [a, b];
    for (let i = 0; i < 20_000; i++) {
      const src = captured[rng.u32() % captured.length]!;
      const target = targets[rng.u32() % 2]!;
      const bytes = mutate(rng, src.bytes);
      const actions = target.endpoint.handle({
        kind: 'datagram',
        now: clock.now,
        from: parseAddress(src.from),
        bytes,
      });
      assert.ok(actions.length < 200, `seed ${seed} #${i}: ${actions.length} actions`);
      if (i % 97 === 0) {
        clock.advance(rng.u32() % 5000);
        target.endpoint.handle({ kind: 'tick', now: clock.now });
      }
      assert.ok(
        target.endpoint.associationCount <= 50,
        `seed ${seed}: ${target.endpoint.associationCount} associations`,
      );
    }
    for (const t of targets) {
      for (const id of t.endpoint.associations()) {
        const s = t.endpoint.status(id)!;
        assert.ok(s.queuedBytes + s.outstandingBytes < 1 << 22);
      }
    }
  }
});

test('random bytes never throw', () => {
  const ep = new SctpEndpoint({ port: 5000, random: new SeededRandom(1), mac: testMac });
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 400 }), fc.boolean(), (bytes, fix) => {
      if (fix && bytes.length >= 12) writeChecksum(bytes);
      ep.handle({ kind: 'datagram', now: 0, from: { ip: '10.0.0.9', port: 9899 }, bytes });
    }),
    { numRuns: 5000 },
  );
  assert.equal(ep.associationCount, 0);
});

test('INIT floods create no state (stateless cookie) and INIT bundled with other chunks is dropped', () => {
  const ep = new SctpEndpoint({ port: 5000, random: new SeededRandom(1), mac: testMac });
  const init = encodeInit({
    initiateTag: 77,
    arwnd: 65536,
    outboundStreams: 1,
    inboundStreams: 1,
    initialTsn: 1,
  });
  for (let i = 0; i < 10_000; i++) {
    const p = new PacketBuilder(200, 1000 + (i % 5000), 5000, 0).chunk(ChunkType.init, 0, init).finish();
    const out = ep.handle({
      kind: 'datagram',
      now: i,
      from: { ip: `10.1.${(i >> 8) & 255}.${i & 255}`, port: 9899 },
      bytes: p,
    });
    assert.equal(out.length, 1);
  }
  assert.equal(ep.associationCount, 0);
  assert.equal(ep.nextDeadline(), undefined);
  const bundled = new PacketBuilder(200, 1000, 5000, 0)
    .chunk(ChunkType.init, 0, init)
    .chunk(ChunkType.cookieAck, 0, new Uint8Array(0))
    .finish();
  assert.equal(
    ep.handle({ kind: 'datagram', now: 0, from: { ip: '10.0.0.1', port: 9899 }, bytes: bundled }).length,
    0,
  );
});

test('a forged COOKIE ECHO (bad MAC) creates nothing', () => {
  const ep = new SctpEndpoint({ port: 5000, random: new SeededRandom(1), mac: testMac });
  const p = new PacketBuilder(300, 1000, 5000, 1234)
    .chunk(ChunkType.cookieEcho, 0, new Uint8Array(120).fill(7))
    .finish();
  assert.equal(
    ep.handle({ kind: 'datagram', now: 0, from: { ip: '10.0.0.1', port: 9899 }, bytes: p }).length,
    0,
  );
  assert.equal(ep.associationCount, 0);
  assert.equal(ep.stats.badCookies, 1);
});

test('out-of-the-blue packets are answered per §8.4', () => {
  const ep = new SctpEndpoint({ port: 5000, random: new SeededRandom(1), mac: testMac });
  const from = { ip: '10.0.0.1', port: 9899 };
  const send = (type: number) =>
    ep.handle({
      kind: 'datagram',
      now: 0,
      from,
      bytes: new PacketBuilder(100, 1000, 5000, 42)
        .chunk(type, 0, new Uint8Array(type === ChunkType.shutdown ? 4 : 0))
        .finish(),
    });
  assert.equal(send(ChunkType.abort).length, 0);
  assert.equal(send(ChunkType.shutdownComplete).length, 0);
  assert.equal(send(ChunkType.cookieAck).length, 0);
  const sa = send(ChunkType.shutdownAck);
  assert.equal(sa.length, 1);
  const bytes = sa[0]!.kind === 'transmit' ? sa[0]!.bytes : new Uint8Array(0);
  assert.equal(bytes[12], ChunkType.shutdownComplete);
  assert.equal(bytes[13], 1, 'T bit');
  const ab = send(ChunkType.shutdown);
  const ab0 = ab[0]!.kind === 'transmit' ? ab[0]!.bytes : new Uint8Array(0);
  assert.equal(ab0[12], ChunkType.abort);
  assert.deepEqual([...ab0.subarray(4, 8)], [0, 0, 0, 42]);
});

test('verification tag rules (§8.5): a wrong tag is ignored, ABORT with the T bit needs the peer tag', () => {
  const { clock, a, b, captured } = conversation(4);
  // Re-establish: the conversation ended with a shutdown.
  const id = a.connect('10.0.0.2', 6000);
  captured.length = 0;
  clock.runUntil(() => a.isUp(id), 1000);
  a.send(id, new Uint8Array(10));
  clock.advance(100);
  const aToB = captured.find((x) => x.from.startsWith('10.0.0.1') && x.bytes[12] === ChunkType.data)!;
  const tagOfB = new DataView(aToB.bytes.buffer, aToB.bytes.byteOffset).getUint32(4);
  const from = parseAddress(aToB.from);
  const abort = (tag: number, flags: number) =>
    b.endpoint.handle({
      kind: 'datagram',
      now: clock.now,
      from,
      bytes: new PacketBuilder(100, 5000, 6000, tag)
        .chunk(ChunkType.abort, flags, new Uint8Array(0))
        .finish(),
    });
  abort((tagOfB + 1) >>> 0, 0);
  const before = b.endpoint.stats.badVerificationTag;
  abort((tagOfB + 2) >>> 0, 0);
  abort(tagOfB, 1); // T bit: the tag would have to be A's own
  assert.equal(b.endpoint.associationCount, 1);
  assert.equal(b.endpoint.stats.badVerificationTag, before + 2);
  const out = abort(tagOfB, 0);
  assert.equal(b.endpoint.associationCount, 0);
  assert.ok(out.some((x) => x.kind === 'notify' && x.event.kind === 'lost'));
});
