/**
 * Packet and chunk codecs: round trips, failure tables (every decoder total), random bytes, and
 * every Linux kernel SCTP packet of the RSPLIB captures.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { ChunkType } from '../../../src/sctp/wire/chunk-types.js';
import {
  decodeCauses,
  decodeData,
  decodeHeartbeat,
  decodeInit,
  decodeSack,
  decodeShutdown,
  encodeCauses,
  encodeHeartbeat,
  encodeInit,
  encodeSack,
  userAbortCause,
} from '../../../src/sctp/wire/chunks.js';
import { checksumValid } from '../../../src/sctp/wire/crc32c.js';
import { formatIpv6, parseIpv6 } from '../../../src/sctp/wire/ip-address.js';
import { decodePacket, PacketBuilder, singleChunkPacket } from '../../../src/sctp/wire/packet.js';
import { FIXTURE_FILES, fixturePcap } from '../../wire/rsplib-fixtures.js';

test('a built packet decodes back to its chunks', () => {
  const b = new PacketBuilder(1200, 5000, 9901, 0xdeadbeef);
  b.data(3, 0xfffffffe, 2, 65535, 11, new Uint8Array([1, 2, 3]));
  b.chunk(
    ChunkType.sack,
    0,
    encodeSack({ cumTsnAck: 7, arwnd: 1000, gapStarts: [2], gapEnds: [3], dupTsns: [5] }),
  );
  const bytes = b.finish();
  assert.equal(bytes.length % 4, 0);
  assert.ok(checksumValid(bytes));
  const r = decodePacket(bytes);
  assert.ok(r.ok);
  assert.equal(r.value.srcPort, 5000);
  assert.equal(r.value.dstPort, 9901);
  assert.equal(r.value.verificationTag, 0xdeadbeef);
  assert.equal(r.value.chunks.length, 2);
  const d = decodeData(r.value.chunks[0]!.flags, r.value.chunks[0]!.value);
  assert.ok(d.ok);
  assert.deepEqual(
    { ...d.value, userData: [...d.value.userData] },
    { flags: 3, tsn: 0xfffffffe, stream: 2, ssn: 65535, ppid: 11, userData: [1, 2, 3] },
  );
  const s = decodeSack(r.value.chunks[1]!.value);
  assert.ok(s.ok);
  assert.deepEqual(s.value, { cumTsnAck: 7, arwnd: 1000, gapStarts: [2], gapEnds: [3], dupTsns: [5] });
});

test('INIT round trip with addresses, cookie and an unknown parameter to report', () => {
  const cookie = Uint8Array.from({ length: 37 }, (_, i) => i);
  const v = encodeInit({
    initiateTag: 1,
    arwnd: 65536,
    outboundStreams: 10,
    inboundStreams: 65535,
    initialTsn: 0xffffffff,
    addresses: ['10.0.0.1', '2001:db8::1'],
    cookie,
  });
  assert.equal(v.length, 16 + 8 + 20 + 4 + 37, 'no padding after the last parameter');
  const padded = (v.length + 3) & ~3;
  const withUnknown = new Uint8Array(padded + 8);
  withUnknown.set(v);
  withUnknown.set([0xc0, 0x00, 0x00, 0x04, 0x80, 0x00, 0x00, 0x04], padded);
  const r = decodeInit(withUnknown);
  assert.ok(r.ok);
  assert.deepEqual(r.value.params.ipv4, ['10.0.0.1']);
  assert.deepEqual(r.value.params.ipv6, ['2001:db8::1']);
  assert.deepEqual([...r.value.params.cookie!], [...cookie]);
  assert.equal(r.value.params.unrecognized.length, 1);
  assert.equal(r.value.initialTsn, 0xffffffff);
});

test('INIT failure table', () => {
  const good = encodeInit({ initiateTag: 1, arwnd: 1, outboundStreams: 1, inboundStreams: 1, initialTsn: 0 });
  assert.ok(decodeInit(good).ok);
  assert.ok(!decodeInit(good.subarray(0, 15)).ok);
  const zeroTag = good.slice();
  zeroTag.fill(0, 0, 4);
  assert.ok(!decodeInit(zeroTag).ok);
  const zeroStreams = good.slice();
  zeroStreams.fill(0, 8, 10);
  assert.ok(!decodeInit(zeroStreams).ok);
  const badParam = new Uint8Array(good.length + 4);
  badParam.set(good);
  badParam.set([0, 5, 0, 2], good.length);
  assert.ok(!decodeInit(badParam).ok);
  const stop = new Uint8Array(good.length + 16);
  stop.set(good);
  stop.set([0x00, 0x77, 0, 4, 0, 5, 0, 8, 1, 2, 3, 4], good.length);
  const r = decodeInit(stop);
  assert.ok(r.ok);
  assert.deepEqual(r.value.params.ipv4, [], 'parameters after a 00-type unknown are not processed');
});

test('packet failure table', () => {
  const ok = singleChunkPacket(1, 2, 3, ChunkType.cookieAck, 0, new Uint8Array(0));
  assert.ok(decodePacket(ok).ok);
  assert.equal(decodePacket(ok.subarray(0, 15)).ok, false);
  const badCrc = ok.slice();
  badCrc[8]! ^= 1;
  assert.deepEqual(decodePacket(badCrc).ok ? '' : decodePacket(badCrc).ok, false);
  const zeroLen = new PacketBuilder(64, 1, 2, 3)
    .chunk(ChunkType.cookieAck, 0, new Uint8Array(0))
    .finish()
    .slice();
  zeroLen[15] = 0;
  const r0 = decodePacket(zeroLen, false);
  assert.ok(!r0.ok && r0.error.kind === 'badChunkLength');
  const long = ok.slice();
  long[15] = 200;
  assert.ok(!decodePacket(long, false).ok);
  const bundledInit = new PacketBuilder(200, 1, 2, 0)
    .chunk(
      ChunkType.init,
      0,
      encodeInit({ initiateTag: 1, arwnd: 1, outboundStreams: 1, inboundStreams: 1, initialTsn: 0 }),
    )
    .chunk(ChunkType.cookieAck, 0, new Uint8Array(0))
    .finish();
  const rb = decodePacket(bundledInit);
  assert.ok(!rb.ok && rb.error.kind === 'badBundling');
});

test('SACK, HEARTBEAT, causes, SHUTDOWN failure and round trips', () => {
  assert.ok(!decodeSack(new Uint8Array(11)).ok);
  const sack = encodeSack({ cumTsnAck: 1, arwnd: 2, gapStarts: [1, 5], gapEnds: [3, 5], dupTsns: [] });
  assert.ok(!decodeSack(sack.subarray(0, sack.length - 1)).ok);
  const hb = encodeHeartbeat(new Uint8Array([9, 9, 9]));
  const h = decodeHeartbeat(hb);
  assert.ok(h.ok && h.value.length === 3);
  assert.ok(!decodeHeartbeat(new Uint8Array(3)).ok);
  const causes = encodeCauses([userAbortCause('bye')]);
  const c = decodeCauses(causes);
  assert.ok(c.ok && c.value[0]!.code === 12 && new TextDecoder().decode(c.value[0]!.info) === 'bye');
  assert.ok(!decodeCauses(new Uint8Array([0, 1, 0, 2])).ok);
  assert.ok(!decodeShutdown(new Uint8Array(3)).ok);
});

test('IPv6 text form round trip', () => {
  for (const s of ['::1', '::', 'fe80::5054:ff:fe77:2', '2001:db8:0:1:1:1:1:1', '::ffff:10.0.0.1']) {
    const b = parseIpv6(s);
    assert.ok(b, s);
    assert.deepEqual(parseIpv6(formatIpv6(b)), b);
  }
  assert.equal(formatIpv6(parseIpv6('0:0:0:0:0:0:0:1')!), '::1');
  assert.equal(parseIpv6('1::2::3'), undefined);
  assert.equal(parseIpv6('12345::'), undefined);
});

test('decodePacket never throws on random bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      const r = decodePacket(b, false);
      if (r.ok) {
        for (const c of r.value.chunks) {
          decodeInit(c.value);
          decodeSack(c.value);
          decodeData(c.flags, c.value);
          decodeCauses(c.value);
          decodeHeartbeat(c.value);
        }
      }
    }),
    { numRuns: 2000 },
  );
});

/** UDP payloads of SCTP-over-UDP packets (port 9899) in a pcap with Linux cooked (SLL/SLL2) framing. */
function sctpPayloads(path: string): Uint8Array[] {
  const f = new Uint8Array(readFileSync(path));
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const le = v.getUint32(0, true) === 0xa1b2c3d4;
  const link = v.getUint32(20, le);
  const l2 = link === 276 ? 20 : link === 113 ? 16 : -1;
  assert.ok(l2 > 0, `link type ${link}`);
  const out: Uint8Array[] = [];
  for (let at = 24; at + 16 <= f.length; ) {
    const incl = v.getUint32(at + 8, le);
    const frame = f.subarray(at + 16, at + 16 + incl);
    at += 16 + incl;
    const ip = frame.subarray(l2);
    if (ip.length < 28 || ip[0]! >> 4 !== 4 || ip[9] !== 17) continue;
    const udp = ip.subarray((ip[0]! & 15) * 4);
    const sport = (udp[0]! << 8) | udp[1]!;
    const dport = (udp[2]! << 8) | udp[3]!;
    if (sport === 9899 || dport === 9899) out.push(udp.subarray(8, (udp[4]! << 8) | udp[5]!));
  }
  return out;
}

test('every Linux kernel SCTP packet of the RSPLIB captures has a valid CRC32c and decodes', () => {
  const counts = new Map<number, number>();
  let n = 0;
  for (const name of FIXTURE_FILES) {
    for (const p of sctpPayloads(fixturePcap(name))) {
      n++;
      const r = decodePacket(p);
      assert.ok(r.ok, `${name} packet ${n}: ${r.ok ? '' : r.error.reason}`);
      for (const c of r.value.chunks) {
        counts.set(c.type, (counts.get(c.type) ?? 0) + 1);
        if (c.type === ChunkType.data) assert.ok(decodeData(c.flags, c.value).ok);
        if (c.type === ChunkType.sack) assert.ok(decodeSack(c.value).ok);
        if (c.type === ChunkType.init || c.type === ChunkType.initAck) {
          const i = decodeInit(c.value);
          assert.ok(i.ok);
          if (c.type === ChunkType.initAck) assert.ok(i.value.params.cookie);
        }
        if (c.type === ChunkType.heartbeat || c.type === ChunkType.heartbeatAck)
          assert.ok(decodeHeartbeat(c.value).ok);
        if (c.type === ChunkType.abort || c.type === ChunkType.error) assert.ok(decodeCauses(c.value).ok);
        if (c.type === ChunkType.shutdown) assert.ok(decodeShutdown(c.value).ok);
      }
    }
  }
  assert.ok(n > 1000, `${n} packets`);
  for (const t of [0, 1, 2, 3, 7, 8, 10, 11, 14]) assert.ok(counts.get(t), `chunk type ${t} seen`);
});
