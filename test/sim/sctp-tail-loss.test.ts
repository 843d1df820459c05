/**
 * Loss of a burst's tail on the simulated network (src/sctp/association/sender.ts): the hole is repaired by
 * fast retransmit, and the lost packets sent before that retransmission are retransmitted as soon as it is
 * acknowledged (time-based loss detection, markLostBefore); a tail with nothing after it, or a lone message,
 * is recovered by a tail loss probe 2 SRTT (+ the peer's delayed-SACK allowance) after the last SACK. Neither
 * waits for T3 (RTO.Min = 1 s). The same transfer without loss gives the baseline completion time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChunkType } from '../../src/sctp/wire/chunk-types.js';
import { decodePacket } from '../../src/sctp/wire/packet.js';
import { SimClock } from '../../src/testing/clock.js';
import { SimNetwork } from '../../src/testing/network.js';
import { SimSctpNode } from '../sctp/sim-node.js';

const MESSAGES = 600;

/** Sends MESSAGES messages of 100 bytes (one chunk each); drops A's packets that carry the first
 * transmission of a TSN (as an offset from the first) for which `drop` says so. */
function transfer(drop: (offset: number) => boolean, messages = MESSAGES) {
  const clock = new SimClock();
  const net = new SimNetwork(clock, 1, { latencyMs: 10 });
  const a = new SimSctpNode(clock, net, '10.0.0.1', 9899, { port: 5000 }, 1);
  const b = new SimSctpNode(clock, net, '10.0.0.2', 9899, { port: 6000 }, 2);
  const seen = new Set<number>();
  let firstTsn: number | undefined;
  let dropped = 0;
  net.tap = (from, _to, bytes) => {
    if (!from.startsWith('10.0.0.1')) return bytes;
    const p = decodePacket(bytes, false);
    if (!p.ok) return bytes;
    let lose = false;
    for (const c of p.value.chunks) {
      if (c.type !== ChunkType.data) continue;
      const tsn = new DataView(c.value.buffer, c.value.byteOffset).getUint32(0);
      firstTsn ??= tsn;
      if (!seen.has(tsn) && drop((tsn - firstTsn) >>> 0)) lose = true;
      seen.add(tsn);
    }
    if (lose) dropped++;
    return lose ? undefined : bytes;
  };
  const id = a.connect('10.0.0.2', 6000);
  clock.runUntil(() => a.isUp(id), 10_000);
  // Let the handshake's RTT sample settle the RTO estimate as in a running association.
  clock.runUntil(() => false, 50);
  const start = clock.now;
  for (let i = 0; i < messages; i++) a.send(id, new Uint8Array(100).fill(i & 0xff), { ppid: 11 });
  a.flush();
  assert.ok(
    clock.runUntil(() => b.delivered.length === messages, 60_000),
    `${b.delivered.length} delivered`,
  );
  return { ms: clock.now - start, dropped };
}

test('a lost burst tail is recovered by the acknowledged retransmission, not by T3', () => {
  const clean = transfer(() => false);
  // A hole some packets before the end, and the tail: the packets with the last 20 TSNs.
  const lossy = transfer((o) => (o >= 520 && o < 540) || o >= MESSAGES - 20);
  assert.ok(lossy.dropped >= 3, `${lossy.dropped} packets dropped`);
  assert.ok(
    lossy.ms < clean.ms + 200,
    `recovered in ${lossy.ms} ms (clean ${clean.ms} ms; T3 would add 1 s)`,
  );
});

test('a lost tail with nothing sent after it is recovered by a tail loss probe, not by T3', () => {
  const clean = transfer(() => false);
  const lossy = transfer((o) => o >= MESSAGES - 20);
  assert.ok(lossy.dropped >= 1);
  assert.ok(
    lossy.ms < clean.ms + 400,
    `recovered in ${lossy.ms} ms (clean ${clean.ms} ms; T3 would add 1 s)`,
  );
});

test('a lone lost message is retransmitted by the probe (2 SRTT + 200 ms), before RTO.Min', () => {
  const clock = new SimClock();
  const net = new SimNetwork(clock, 1, { latencyMs: 10 });
  const a = new SimSctpNode(clock, net, '10.0.0.1', 9899, { port: 5000 }, 1);
  const b = new SimSctpNode(clock, net, '10.0.0.2', 9899, { port: 6000 }, 2);
  const id = a.connect('10.0.0.2', 6000);
  clock.runUntil(() => a.isUp(id), 10_000);
  // A first message gives the sender its RTT estimate.
  a.send(id, new Uint8Array(100), { ppid: 11 });
  a.flush();
  assert.ok(clock.runUntil(() => b.delivered.length === 1, 10_000));
  clock.runUntil(() => false, 500); // its SACK is back
  let dropped = 0;
  net.tap = (from, _to, bytes) => {
    if (!from.startsWith('10.0.0.1') || dropped > 0) return bytes;
    const p = decodePacket(bytes, false);
    if (!p.ok || !p.value.chunks.some((c) => c.type === ChunkType.data)) return bytes;
    dropped++;
    return undefined;
  };
  const start = clock.now;
  a.send(id, new Uint8Array(100), { ppid: 11 });
  a.flush();
  assert.ok(clock.runUntil(() => b.delivered.length === 2, 10_000));
  assert.equal(dropped, 1);
  // The RTT sample of the first message includes the peer's delayed SACK (200 ms): SRTT 220 ms, so the
  // probe goes at 2 * 220 + 200 + 10 = 650 ms; T3 would fire at RTO.Min, 1,000 ms.
  const ms = clock.now - start;
  assert.ok(ms < 700, `delivered after ${ms} ms (RTO.Min is 1,000 ms)`);
});
