// The tshark helper against the RSPLIB fixtures (whose message counts are known from their JSON) and
// against a live capture of hand-made SCTP-over-UDP datagrams on loopback. Needs tshark, not the VM.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { skipUnlessAvailable } from '../helpers/rig.js';
import { ASAP, analysePcap, assertCleanCapture, tsharkAvailable, withCapture } from '../helpers/tshark.js';
import { FIXTURE_DIR } from '../wire/rsplib-fixtures.js';
import { sctpInit } from './support/sctp-raw.js';

const FIXTURES = FIXTURE_DIR;

const tsharkSkip = skipUnlessAvailable(
  (await tsharkAvailable())
    ? { available: true, reason: '' }
    : { available: false, reason: 'tshark is not installed (scripts/interop/ensure-system-deps.sh)' },
  'tshark',
);
const captureSkip =
  tsharkSkip ||
  skipUnlessAvailable(
    process.getuid?.() === 0
      ? { available: true, reason: '' }
      : { available: false, reason: 'capturing on lo needs root' },
    'tshark capture',
  );

interface FixtureMessage {
  readonly protocol: string;
  readonly type: number | null;
}

/** type → count of one protocol's messages, as the fixture's JSON lists them. */
async function fixtureCounts(name: string, protocol: string): Promise<Map<number, number>> {
  const messages = JSON.parse(await readFile(join(FIXTURES, `${name}.json`), 'utf8')) as FixtureMessage[];
  const counts = new Map<number, number>();
  for (const m of messages) {
    if (m.protocol === protocol && m.type !== null) counts.set(m.type, (counts.get(m.type) ?? 0) + 1);
  }
  return counts;
}

const sorted = (map: ReadonlyMap<number, number>): [number, number][] => [...map].sort((a, b) => a[0] - b[0]);

describe('tshark helper on the RSPLIB fixtures', { skip: tsharkSkip }, () => {
  test('A-single-pr: exactly one malformed message (frame 298), no bad CRC32c', async () => {
    const summary = await analysePcap(join(FIXTURES, 'A-single-pr.pcap'));
    assert.equal(summary.frames, 3648);
    assert.deepEqual(summary.malformed, [298]);
    assert.deepEqual(summary.expertErrors, [298]);
    assert.deepEqual(summary.badChecksum, []);
    assert.doesNotThrow(() => assertCleanCapture(summary, [298]));
    assert.throws(() => assertCleanCapture(summary), /malformed frames 298/);
  });

  for (const name of ['A-single-pr', 'C-apps', 'D-errors']) {
    test(`${name}: ASAP and ENRP message counts match the fixture's JSON`, async () => {
      const summary = await analysePcap(join(FIXTURES, `${name}.pcap`));
      assert.deepEqual(sorted(summary.asap), sorted(await fixtureCounts(name, 'asap')));
      assert.deepEqual(sorted(summary.enrp), sorted(await fixtureCounts(name, 'enrp')));
      assert.deepEqual(summary.badChecksum, []);
    });
  }

  test('a display filter narrows what is counted', async () => {
    const summary = await analysePcap(join(FIXTURES, 'A-single-pr.pcap'), {
      displayFilter: 'asap.message_type == 10',
    });
    assert.deepEqual(sorted(summary.asap), [[ASAP.serverAnnounce, 163]]);
  });
});

function sendUdp(port: number, payloads: readonly Buffer[]): Promise<void> {
  const socket = createSocket('udp4');
  return new Promise<void>((resolvePromise, reject) => {
    let left = payloads.length;
    for (const payload of payloads) {
      socket.send(payload, port, '127.0.0.1', (error) => {
        if (error) reject(error);
        else if (--left === 0) resolvePromise();
      });
    }
  }).finally(() => socket.close());
}

describe('tshark capture helper on lo', { skip: captureSkip }, () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rserpool-tshark-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('captures SCTP over a non-default UDP port and spots the bad CRC32c', {
    timeout: 60_000,
  }, async () => {
    const port = 20_000 + (process.pid % 20_000);
    const file = join(dir, 'lo.pcap');
    await withCapture(file, { iface: 'lo', filter: `udp dst port ${port}` }, async () => {
      await sendUdp(port, [
        sctpInit({ srcPort: 5000, dstPort: 7 }),
        sctpInit({ srcPort: 5000, dstPort: 7, badChecksum: true }),
      ]);
      await new Promise((r) => setTimeout(r, 500)); // let dumpcap write the packets out
    });
    const decoded = await analysePcap(file, { sctpUdpPorts: [port] });
    assert.equal(decoded.frames, 2);
    assert.equal(decoded.sctpChunks.get(1), 2);
    assert.deepEqual(decoded.badChecksum, [2]);
    const undecoded = await analysePcap(file);
    assert.equal(undecoded.protocols.get('sctp') ?? 0, 0, 'without -d the port is plain UDP');
  });
});
