/**
 * Interoperability with Linux kernel SCTP over UDP (RFC 6951) in the reference VM
 * (../shared/rig/rsplib-vm). Runs only when SCTP_KERNEL_VM=N is set and the test runs inside the
 * VM's namespace:
 *   rsplib-vm up 7
 *   SCTP_KERNEL_VM=7 ip netns exec rsplib-vm-7 node scripts/run-tests.mjs test/io/sctp-kernel
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { SctpUdpSocket } from '../../src/io/sctp-udp-socket.js';

const N = process.env.SCTP_KERNEL_VM;
const VM = '../shared/rig/rsplib-vm';
const vm = (...args: string[]): string => execFileSync(VM, args, { encoding: 'utf8', timeout: 60_000 });
const host = `10.77.${N}.1`;
const guest = `10.77.${N}.2`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('kernel SCTP listens: we connect, send 1 B to 100 kB messages, shut down', { skip: !N }, async () => {
  vm('spawn', N!, 'ksrv', `sctp_test -H ${guest} -P 5000 -l -d 1`);
  await sleep(1000);
  const ours = await SctpUdpSocket.open({ port: 5002, addresses: [host], udpPort: 9899 });
  try {
    const id = ours.connect({ addresses: [guest], port: 5000 });
    await once(ours, 'up');
    const sizes = [1, 1000, 5000, 32768, 100_000];
    for (const n of sizes) ours.send(id, new Uint8Array(n).fill(65));
    await sleep(2000);
    assert.equal(ours.status(id)!.outstandingBytes, 0);
    const done = once(ours, 'shutdownComplete');
    ours.shutdown(id);
    await done;
    const log = vm('log', N!, 'ksrv');
    const got = [...log.matchAll(/Data (\d+) bytes/g)].reduce((s, m) => s + Number(m[1]), 0);
    assert.equal(
      got,
      sizes.reduce((a, b) => a + b, 0),
    );
    assert.ok(log.includes('SHUTDOWN_COMPLETE'));
  } finally {
    await ours.close(100);
  }
});

test('kernel SCTP connects to us: 20 messages up to 32 KiB in order per stream, its SHUTDOWN completes', {
  skip: !N,
}, async () => {
  const ours = await SctpUdpSocket.open({ port: 5002, addresses: [host], udpPort: 9899 });
  try {
    const sizes: number[] = [];
    ours.on('data', (_a, m) => sizes.push(m.bytes.length));
    const done = once(ours, 'shutdownComplete');
    vm('spawn', N!, 'kcli', `sctp_test -H ${guest} -P 5001 -h ${host} -p 5002 -s -c 4 -x 2 -d 1`);
    await done;
    assert.equal(sizes.length, 20);
    assert.deepEqual(
      [...sizes].sort((a, b) => a - b),
      [1, 1000, 2000, 3000, 5000, 10000, 15000, 20000, 25000, 32768].flatMap((x) => [x, x]),
    );
  } finally {
    await ours.close(100);
  }
});

test('RSPLIB rspserver (a pool element on kernel SCTP) associates with us and sends an ASAP Registration', {
  skip: !N,
}, async () => {
  const ours = await SctpUdpSocket.open({ port: 3863, addresses: [host], udpPort: 9899 });
  try {
    const data = once(ours, 'data');
    vm(
      'spawn',
      N!,
      'pe',
      `rspserver -echo -poolhandle=EchoPool -registrar=${host}:3863 -identifier=0xA0000101 -loglevel=1`,
    );
    const [, m] = await data;
    assert.equal(m.ppid, 11, 'ASAP');
    assert.equal(m.bytes[0], 0x01, 'ASAP Registration');
  } finally {
    vm('guest', N!, 'killall rspserver || true');
    await ours.close(500);
  }
});
