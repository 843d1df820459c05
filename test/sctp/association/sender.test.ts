/**
 * The sending side of DATA alone: fragmentation, fast retransmit (HTNA), time-based loss of
 * retransmissions, the tail loss probe, T3 expiry, SACK violations and RTO estimation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Path } from '../../../src/sctp/association/path.js';
import { Sender } from '../../../src/sctp/association/sender.js';
import { decodeData } from '../../../src/sctp/wire/chunks.js';
import { decodePacket, PacketBuilder } from '../../../src/sctp/wire/packet.js';

const MTU = 1232;
const rto = { rtoInitialMs: 1000, rtoMinMs: 1000, rtoMaxMs: 60_000 };

/** Collects the TSNs of each packet the sender fills. */
function sink() {
  const packets: { path: Path; tsns: number[] }[] = [];
  let b: PacketBuilder | undefined;
  let bPath: Path | undefined;
  const close = () => {
    if (b && bPath && !b.empty) {
      const p = decodePacket(b.finish());
      assert.ok(p.ok);
      packets.push({
        path: bPath,
        tsns: p.value.chunks.map(
          (c) => (decodeData(c.flags, c.value) as { ok: true; value: { tsn: number } }).value.tsn,
        ),
      });
    }
    b = undefined;
  };
  return {
    packets,
    sink: {
      open(path: Path) {
        if (b && bPath === path) return b;
        close();
        bPath = path;
        b = new PacketBuilder(MTU, 1, 2, 3);
        return b;
      },
      close,
    },
  };
}

const sack = (cum: number, gaps: [number, number][] = []) => ({
  cumTsnAck: cum >>> 0,
  arwnd: 1 << 20,
  gapStarts: gaps.map((g) => g[0]),
  gapEnds: gaps.map((g) => g[1]),
  dupTsns: [],
});

test('fragmentation into TSN-ordered chunks, cwnd-limited first flight, T3 started', () => {
  const p = new Path('10.0.0.2', 9899, rto, MTU, true);
  const s = new Sender(100, 1 << 20, 4, MTU - 28);
  s.enqueue(0, 11, false, new Uint8Array(20_000));
  const k = sink();
  s.fill(0, p, p, k.sink, 4);
  k.sink.close();
  const tsns = k.packets.flatMap((x) => x.tsns);
  assert.deepEqual(tsns.slice(0, 3), [100, 101, 102]);
  assert.ok(p.flight >= p.cwnd - MTU && p.flight <= p.cwnd + MTU, `flight ${p.flight} cwnd ${p.cwnd}`);
  assert.equal(p.t3At, 1000);
});

test('fast retransmit after three miss indications (HTNA), cwnd halved once, one packet regardless of cwnd', () => {
  const p = new Path('10.0.0.2', 9899, rto, MTU, true);
  p.cwnd = 100 * MTU;
  const s = new Sender(1, 1 << 20, 1, 100);
  for (let i = 0; i < 20; i++) s.enqueue(0, 0, false, new Uint8Array(100));
  s.fill(0, p, p, sink().sink, 100);
  const cwndBefore = p.cwnd;
  // TSN 1 lost; SACKs report 2.., 2..3, 2..4 (each newly acking a higher TSN).
  s.onSack(sack(0, [[2, 2]]), 10, MTU);
  s.onSack(sack(0, [[2, 3]]), 11, MTU);
  assert.equal(s.wouldSend(p), false);
  s.onSack(sack(0, [[2, 4]]), 12, MTU);
  assert.equal(p.cwnd, Math.max(cwndBefore / 2, 4 * MTU));
  assert.equal(p.ssthresh, p.cwnd);
  p.flight = p.cwnd; // even a full window lets the fast retransmission out
  const k = sink();
  s.fill(20, p, p, k.sink, 4);
  k.sink.close();
  assert.deepEqual(k.packets[0]!.tsns, [1]);
  s.onSack(sack(0, [[2, 5]]), 13, MTU);
  assert.equal(p.ssthresh, Math.max(cwndBefore / 2, 4 * MTU), 'no second reduction in fast recovery');
});

test('the lost tail of a burst is retransmitted when a later-sent retransmission is acked (no T3 wait)', () => {
  const p = new Path('10.0.0.2', 9899, rto, MTU, true);
  p.cwnd = 100 * MTU;
  p.measure(20);
  const s = new Sender(1, 1 << 20, 1, 100);
  for (let i = 0; i < 20; i++) s.enqueue(0, 0, false, new Uint8Array(100));
  s.fill(0, p, p, sink().sink, 100);
  // TSNs 3-6 and the tail 15-20 are lost: SACKs for 1-2 and 7..14 arrive.
  s.onSack(sack(2, [[5, 10]]), 20, MTU);
  s.onSack(sack(2, [[5, 11]]), 21, MTU);
  s.onSack(sack(2, [[5, 12]]), 22, MTU);
  const first = sink();
  s.fill(22, p, p, first.sink, 4);
  first.sink.close();
  assert.deepEqual(
    first.packets.flatMap((x) => x.tsns),
    [3, 4, 5, 6],
    'fast retransmit of the hole',
  );
  const cwnd = p.cwnd;
  // The retransmissions arrive and are acked one RTT later: 15-20, sent before them, are lost.
  s.onSack(sack(14), 42, MTU);
  const second = sink();
  s.fill(42, p, p, second.sink, 4);
  second.sink.close();
  assert.deepEqual(
    second.packets.flatMap((x) => x.tsns),
    [15, 16, 17, 18, 19, 20],
  );
  assert.equal(p.cwnd, cwnd, 'the same recovery: no second window reduction');
});

test('an ack of a retransmission that came too soon (the original was late, not lost) marks nothing lost', () => {
  const p = new Path('10.0.0.2', 9899, rto, MTU, true);
  p.cwnd = 100 * MTU;
  p.measure(20);
  const s = new Sender(1, 1 << 20, 1, 100);
  for (let i = 0; i < 10; i++) s.enqueue(0, 0, false, new Uint8Array(100));
  s.fill(0, p, p, sink().sink, 100);
  s.onSack(sack(0, [[2, 2]]), 20, MTU);
  s.onSack(sack(0, [[2, 3]]), 21, MTU);
  s.onSack(sack(0, [[2, 4]]), 22, MTU);
  s.fill(22, p, p, sink().sink, 4); // TSN 1 retransmitted at 22
  s.onSack(sack(4), 25, MTU); // 3 ms later: the original's ack
  const k = sink();
  s.fill(25, p, p, k.sink, 4);
  k.sink.close();
  assert.deepEqual(
    k.packets.flatMap((x) => x.tsns),
    [],
    '5-10 are still in flight, not lost',
  );
});

test('tail loss probe: 2 SRTT (+200 ms for a lone packet) unless T3 comes first; the last chunk in flight goes again', () => {
  const p = new Path('10.0.0.2', 9899, rto, MTU, true);
  p.cwnd = 100 * MTU;
  const s = new Sender(1, 1 << 20, 1, 100);
  s.enqueue(0, 0, false, new Uint8Array(100));
  s.fill(0, p, p, sink().sink, 100);
  assert.equal(s.probeDeadline(p, 0, MTU), undefined, 'no RTT known yet');
  p.measure(20);
  assert.equal(s.probeDeadline(p, 0, MTU), 2 * 20 + 200 + 10, 'one packet in flight');
  for (let i = 0; i < 30; i++) s.enqueue(0, 0, false, new Uint8Array(100));
  s.fill(1, p, p, sink().sink, 100);
  assert.equal(s.probeDeadline(p, 1, MTU), 1 + 2 * 20 + 10);
  p.srttMs = 600;
  assert.equal(s.probeDeadline(p, 1, MTU), undefined, 'T3 (at 1000) fires before 2 SRTT');
  s.onProbe(p);
  assert.equal(p.probeSent, true);
  const k = sink();
  s.fill(700, p, p, k.sink, 4);
  k.sink.close();
  assert.deepEqual(
    k.packets.flatMap((x) => x.tsns),
    [31],
    'the highest TSN in flight',
  );
});

test('T3 expiry: ssthresh = cwnd/2, cwnd = 1 MTU, RTO doubled, retransmission to the alternate path', () => {
  const p = new Path('10.0.0.2', 9899, rto, MTU, true);
  const alt = new Path('10.0.1.2', 9899, rto, MTU, true);
  p.cwnd = 20 * MTU;
  const s = new Sender(1, 1 << 20, 1, 1000);
  for (let i = 0; i < 10; i++) s.enqueue(0, 0, false, new Uint8Array(1000));
  s.fill(0, p, p, sink().sink, 100);
  s.onT3Expired(p, MTU);
  assert.equal(p.cwnd, MTU);
  assert.equal(p.ssthresh, 10 * MTU);
  assert.equal(p.rtoMs, 2000);
  assert.equal(p.flight, 0);
  const k = sink();
  s.fill(5000, p, alt, k.sink, 4);
  k.sink.close();
  assert.equal(k.packets[0]!.path, alt);
  assert.deepEqual(k.packets[0]!.tsns, [1]);
  assert.equal(alt.t3At, 5000 + alt.rtoMs);
  for (let i = 0; i < 10; i++) p.backoff();
  assert.equal(p.rtoMs, 60_000, 'RTO.Max caps the backoff');
});

test('a SACK beyond the last TSN sent is a violation; an old SACK is ignored', () => {
  const p = new Path('10.0.0.2', 9899, rto, MTU, true);
  const s = new Sender(0xfffffffe, 1 << 20, 1, 1000);
  for (let i = 0; i < 4; i++) s.enqueue(0, 0, false, new Uint8Array(10));
  s.fill(0, p, p, sink().sink, 4);
  assert.equal(s.onSack(sack(5), 1, MTU).violation, true);
  const ok = s.onSack(sack(0), 1, MTU); // TSNs 0xfffffffe, 0xffffffff, 0 acked across the wrap
  assert.equal(ok.cumAdvanced, true);
  assert.equal(s.outstandingBytes, 10);
  assert.equal(s.onSack(sack(0xffffffff), 2, MTU).ignored, true);
});

test('RTO from RTT samples (RFC 9260 §6.3.1) clamped to RTO.Min', () => {
  const p = new Path('10.0.0.2', 9899, { rtoInitialMs: 3000, rtoMinMs: 100, rtoMaxMs: 60_000 }, MTU, true);
  assert.equal(p.rtoMs, 3000);
  p.measure(200);
  assert.equal(p.srttMs, 200);
  assert.equal(p.rttvarMs, 100);
  assert.equal(p.rtoMs, 600);
  p.measure(100);
  assert.equal(p.rttvarMs, 0.75 * 100 + 0.25 * 100);
  assert.equal(p.srttMs, 0.875 * 200 + 0.125 * 100);
  for (let i = 0; i < 50; i++) p.measure(10);
  assert.equal(p.rtoMs, 100);
});
