/**
 * Interoperability with Linux kernel SCTP over UDP (RFC 6951) in the reference VM
 * (../shared/rig/rsplib-vm), both directions. These tests must run inside the VM's network
 * namespace: test/interop/sctp-kernel.test.ts boots VM 14 and runs this file there (with a capture
 * judged by tshark), which is how CI runs it. By hand:
 *   ../shared/rig/rsplib-vm up 7
 *   SCTP_KERNEL_VM=7 ip netns exec rsplib-vm-7 node scripts/run-tests.mjs test/io/sctp-kernel
 * Without SCTP_KERNEL_VM (a plain `npm test` run outside the namespace) the file skips.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { SctpUdpSocket } from '../../src/io/sctp-udp-socket.js';
import { RIG_SCRIPT, run } from '../helpers/rig.js';

const N = process.env.SCTP_KERNEL_VM;
const skip = N
  ? false
  : 'run inside the VM namespace by test/interop/sctp-kernel.test.ts (SCTP_KERNEL_VM unset)';
const host = `10.77.${N}.1`;
const guest = `10.77.${N}.2`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The rig, asynchronously (a synchronous call would stall our stack's timers meanwhile). */
async function rig(...args: string[]): Promise<string> {
  const result = await run('bash', [RIG_SCRIPT, ...args], 60_000);
  if (result.code !== 0)
    throw new Error(`rsplib-vm ${args.join(' ')}: exit ${result.code}: ${result.stderr}`);
  return result.stdout;
}

async function waitForLog(name: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await rig('log', N!, name);
    if (pattern.test(log)) return log;
    if (Date.now() > deadline)
      throw new Error(`guest log ${name} never matched ${pattern}:\n${log.slice(-3000)}`);
    await sleep(300);
  }
}

/**
 * Bytes per stream received by `sctp_test -l -d 2`. Each "Data N bytes. First K bytes: X" line is
 * one read (a large message takes several); we fill stream S's messages with the letter 'A' + S.
 * The "SNDRCV(stream=S" line after a read (sctp_test omits it after the very first one) must agree.
 */
function bytesPerStream(log: string): Map<number, number> {
  const perStream = new Map<number, number>();
  for (const m of log.matchAll(
    /Data (\d+) bytes\. First \d+ bytes: (\S)[^\n]*\n(?:\s*SNDRCV\(stream=(\d+))?/g,
  )) {
    const stream = m[2]!.charCodeAt(0) - 65;
    if (m[3] !== undefined) assert.equal(Number(m[3]), stream, `stream of a read: ${m[0]}`);
    perStream.set(stream, (perStream.get(stream) ?? 0) + Number(m[1]));
  }
  return perStream;
}

test('kernel SCTP listens: we connect, send 1 B to 100 kB messages on 4 streams, we shut down', {
  skip,
}, async () => {
  await rig('spawn', N!, 'ksrv', `sctp_test -H ${guest} -P 5010 -l -d 2`);
  await waitForLog('ksrv', /listen\(/);
  const ours = await SctpUdpSocket.open({ port: 5002, addresses: [host], udpPort: 9899 });
  try {
    const id = ours.connect({ addresses: [guest], port: 5010, udpPort: 9899 });
    const [, up] = await once(ours, 'up');
    assert.ok(up.outboundStreams >= 4, `outbound streams ${up.outboundStreams}`);
    const sizes = [1, 1000, 5000, 32768, 65536, 100_000];
    const expected = new Map<number, number>();
    for (const [i, n] of sizes.entries()) {
      for (let stream = 0; stream < 4; stream++) {
        ours.send(id, new Uint8Array(n).fill(65 + stream), {
          ppid: 1000 + i,
          stream,
          unordered: i % 2 === 1,
        });
        expected.set(stream, (expected.get(stream) ?? 0) + n);
      }
    }
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    const deadline = Date.now() + 30_000;
    while (ours.status(id)!.outstandingBytes + ours.status(id)!.queuedBytes > 0 && Date.now() < deadline)
      await sleep(50);
    assert.equal(
      ours.status(id)!.outstandingBytes + ours.status(id)!.queuedBytes,
      0,
      'all data acknowledged',
    );
    const done = once(ours, 'shutdownComplete');
    ours.shutdown(id);
    await done;
    const log = await waitForLog('ksrv', /SHUTDOWN_COMPLETE/);
    const got = bytesPerStream(log);
    assert.deepEqual(
      [...got.entries()].sort(),
      [...expected.entries()].sort(),
      'bytes per stream at the kernel',
    );
    assert.equal(
      [...got.values()].reduce((a, b) => a + b, 0),
      total,
    );
  } finally {
    await rig('guest', N!, 'kill $(cat /tmp/ksrv.pid) 2>/dev/null; true').catch(() => undefined);
    await ours.close(100);
  }
});

test('kernel SCTP connects to us: 1 B to 100 kB messages on 4 streams, ordered and unordered, its SHUTDOWNs complete', {
  skip,
}, async () => {
  const ours = await SctpUdpSocket.open({ port: 5002, addresses: [host], udpPort: 9899 });
  try {
    const got: { size: number; stream: number; unordered: boolean }[] = [];
    ours.on('data', (_a, m) => got.push({ size: m.bytes.length, stream: m.stream, unordered: m.unordered }));
    let completed = 0;
    ours.on('shutdownComplete', () => completed++);
    const waitCompleted = async (n: number): Promise<void> => {
      const deadline = Date.now() + 60_000;
      while (completed < n && Date.now() < deadline) await sleep(50);
      assert.equal(completed, n, 'the kernel shut the association down');
    };
    // -c 4: sizes 1, 1000, 2000, 3000, 5000, 10000, 15000, 20000, 25000, 32768; -M 4: streams 0..3;
    // -o 2: ordered and unordered alternately.
    await rig(
      'spawn',
      N!,
      'kcli',
      `sctp_test -H ${guest} -P 5001 -h ${host} -p 5002 -s -c 4 -x 2 -M 4 -o 2 -d 1`,
    );
    await waitCompleted(1);
    assert.equal(got.length, 20);
    assert.deepEqual(
      got.map((m) => m.size).sort((a, b) => a - b),
      [1, 1000, 2000, 3000, 5000, 10000, 15000, 20000, 25000, 32768].flatMap((x) => [x, x]),
    );
    assert.ok(
      new Set(got.map((m) => m.stream)).size >= 3,
      `streams ${[...new Set(got.map((m) => m.stream))]}`,
    );
    assert.ok(got.some((m) => m.unordered) && got.some((m) => !m.unordered), 'ordered and unordered');
    // -c -100000: ten 100 kB messages per repeat, ordered, on streams 0..3.
    got.length = 0;
    await rig(
      'spawn',
      N!,
      'kcli2',
      `sctp_test -H ${guest} -P 5003 -h ${host} -p 5002 -s -c -100000 -x 1 -M 4 -o 1 -d 1`,
    );
    await waitCompleted(2);
    assert.equal(got.length, 10);
    assert.ok(got.every((m) => m.size === 100_000 && !m.unordered));
    assert.deepEqual([...new Set(got.map((m) => m.stream))].sort(), [0, 1, 2, 3]);
  } finally {
    await ours.close(100);
  }
});

test('RSPLIB rspserver (a pool element on kernel SCTP) associates with us and sends an ASAP Registration', {
  skip,
}, async () => {
  const ours = await SctpUdpSocket.open({ port: 3863, addresses: [host], udpPort: 9899 });
  try {
    const data = once(ours, 'data');
    await rig(
      'spawn',
      N!,
      'pe',
      `rspserver -echo -poolhandle=EchoPool -registrar=${host}:3863 -asapannounce=off -identifier=0xA0000101 -loglevel=1`,
    );
    const [, m] = await data;
    assert.equal(m.ppid, 11, 'ASAP');
    assert.equal(m.bytes[0], 0x01, 'ASAP Registration');
    // Stopping the PE makes its kernel shut the association down; we complete that shutdown.
    const done = once(ours, 'shutdownComplete');
    await rig('guest', N!, 'killall rspserver');
    await done;
  } finally {
    await rig('guest', N!, 'killall rspserver || true').catch(() => undefined);
    await ours.close(500);
  }
});
