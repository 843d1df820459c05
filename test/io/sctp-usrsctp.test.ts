/**
 * Interoperability with usrsctp (Debian libusrsctp-examples): its echo_server over UDP
 * encapsulation on loopback. Skipped when the example programs are not installed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { SctpUdpSocket } from '../../src/io/sctp-udp-socket.js';

const ECHO = '/usr/lib/usrsctp/echo_server';

test('usrsctp echo_server: handshake, messages echoed (small and fragmented), graceful shutdown', {
  skip: !existsSync(ECHO),
}, async () => {
  const ours = await SctpUdpSocket.open({
    port: 5555,
    addresses: ['127.0.0.1'],
    udpPort: 0,
    loopbackMtuBytes: 1280,
  });
  const encaps = 20000 + (process.pid % 20000);
  const server = spawn(ECHO, [String(encaps), String(ours.udpPort)], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 300));
    const id = ours.connect({ addresses: ['127.0.0.1'], port: 7, udpPort: encaps });
    const [up] = await once(ours, 'up');
    assert.equal(up, id);
    let bytes = 0;
    let count = 0;
    ours.on('data', (_a, m) => {
      bytes += m.bytes.length;
      count++;
    });
    let sent = 0;
    for (let i = 0; i < 50; i++) {
      ours.send(id, new Uint8Array(100 + i).fill(i), { ppid: 11 });
      sent += 100 + i;
    }
    // echo_server reads into an 8 KiB buffer: fragmented messages up to that size come back whole.
    for (let i = 0; i < 10; i++) {
      ours.send(id, new Uint8Array(6000).fill(i), { ppid: 12 });
      sent += 6000;
    }
    const deadline = Date.now() + 10_000;
    while (bytes < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(bytes, sent, `echoed ${bytes} of ${sent} bytes in ${count} messages`);
    const st = ours.status(id)!;
    assert.equal(st.state, 'established');
    assert.ok(st.srttMs !== undefined);
    const done = once(ours, 'shutdownComplete');
    ours.shutdown(id);
    await done;
  } finally {
    server.kill();
    await ours.close(100);
  }
});

const CLIENT = '/usr/lib/usrsctp/client';

test('usrsctp client initiates to us: up, data both ways, its SHUTDOWN completes', {
  skip: !existsSync(CLIENT),
}, async () => {
  const ours = await SctpUdpSocket.open({ port: 7777, addresses: ['127.0.0.1'], udpPort: 0 });
  const encaps = 20000 + ((process.pid + 7) % 20000);
  const got: string[] = [];
  ours.on('data', (assoc, m) => {
    got.push(new TextDecoder().decode(m.bytes));
    ours.send(assoc, m.bytes, { ppid: m.ppid, stream: m.stream });
  });
  const client = spawn(CLIENT, ['127.0.0.1', '7777', '0', String(encaps), String(ours.udpPort)], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  let out = '';
  client.stdout.on('data', (d) => {
    out += d;
  });
  try {
    const up = once(ours, 'up');
    const [assoc, info] = await up;
    assert.equal(info.peerAddresses[0], '127.0.0.1');
    assert.ok(
      info.peerAddresses.every((a: string) => !a.includes(':')),
      'only reachable (IPv4) addresses',
    );
    client.stdin.write('hello from usrsctp\n');
    const deadline = Date.now() + 5000;
    while (!out.includes('hello from usrsctp') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got, ['hello from usrsctp\n']);
    assert.ok(out.includes('hello from usrsctp'), 'echo printed by the client');
    const done = once(ours, 'shutdownComplete');
    client.stdin.end();
    const [closed] = await done;
    assert.equal(closed, assoc);
  } finally {
    client.kill();
    await ours.close(100);
  }
});
