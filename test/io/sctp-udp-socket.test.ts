/** The SCTP endpoint over real loopback UDP sockets. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { SctpUdpSocket } from '../../src/io/sctp-udp-socket.js';

test('two endpoints over loopback: handshake, 1 MiB message, small messages, graceful shutdown', async () => {
  const a = await SctpUdpSocket.open({ port: 5001, addresses: ['127.0.0.1'], udpPort: 0 });
  const b = await SctpUdpSocket.open({ port: 5002, addresses: ['127.0.0.1'], udpPort: 0 });
  try {
    const upB = once(b, 'up');
    const ia = a.connect({ addresses: ['127.0.0.1'], port: 5002, udpPort: b.udpPort });
    const [upAssoc] = await once(a, 'up');
    assert.equal(upAssoc, ia);
    const [ib] = await upB;
    const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 13) & 0xff);
    const got: { ppid: number; bytes: Uint8Array }[] = [];
    const all = new Promise<void>((resolve) =>
      b.on('data', (_assoc, m) => {
        got.push(m);
        if (got.length === 101) resolve();
      }),
    );
    a.send(ia, big, { ppid: 12 });
    for (let i = 0; i < 100; i++) a.send(ia, new Uint8Array([i]), { ppid: 11, stream: 1 });
    await all;
    assert.deepEqual(got[0]!.bytes, big);
    assert.deepEqual(
      got.slice(1).map((m) => m.bytes[0]),
      Array.from({ length: 100 }, (_, i) => i),
    );
    const st = a.status(ia)!;
    assert.equal(st.state, 'established');
    assert.equal(st.paths[0]!.udpPort, b.udpPort);
    const doneB = once(b, 'shutdownComplete');
    const doneA = once(a, 'shutdownComplete');
    a.shutdown(ia);
    await Promise.all([doneA, doneB]);
    assert.equal(b.status(ib as number), undefined);
  } finally {
    await a.close(100);
    await b.close(100);
  }
});

test('a lost association is reported when the peer socket closes with abort', async () => {
  const a = await SctpUdpSocket.open({ port: 5003, addresses: ['127.0.0.1'], udpPort: 0 });
  const b = await SctpUdpSocket.open({ port: 5004, addresses: ['127.0.0.1'], udpPort: 0 });
  try {
    a.connect({ addresses: ['127.0.0.1'], port: 5004, udpPort: b.udpPort });
    const [ib] = await once(b, 'up');
    const lost = once(a, 'lost');
    b.abort(ib as number, 'bye');
    const [, cause] = await lost;
    assert.equal(cause.kind, 'peerAbort');
  } finally {
    await a.close(100);
    await b.close(100);
  }
});

test("udpPort 'auto' falls back to UDP = SCTP port when 9899 is taken, and peers find it without its UDP port", async () => {
  const first = await SctpUdpSocket.open({ port: 5010, addresses: ['127.0.0.1'] });
  const second = await SctpUdpSocket.open({ port: 5011, addresses: ['127.0.0.1'] });
  const user = await SctpUdpSocket.open({ port: 5012, addresses: ['127.0.0.1'], udpPort: 0 });
  try {
    if (first.udpPort !== 9899) return; // 9899 taken by something else on this machine: nothing to check.
    assert.equal(second.udpPort, 5011);
    const id = user.connect({ addresses: ['127.0.0.1'], port: 5011 });
    const [up] = await once(user, 'up');
    assert.equal(up, id);
    assert.equal(user.status(id)!.paths[0]!.udpPort, 5011);
  } finally {
    await user.close(100);
    await second.close(100);
    await first.close(100);
  }
});

test('IPv6 loopback', async (t) => {
  let a: SctpUdpSocket;
  let b: SctpUdpSocket;
  try {
    a = await SctpUdpSocket.open({ port: 5021, addresses: ['::1'], udpPort: 0 });
    b = await SctpUdpSocket.open({ port: 5022, addresses: ['::1'], udpPort: 0 });
  } catch {
    t.skip('no IPv6 loopback');
    return;
  }
  try {
    const id = a.connect({ addresses: ['::1'], port: 5022, udpPort: b.udpPort });
    const got = once(b, 'data');
    await once(a, 'up');
    a.send(id, new Uint8Array(70_000).fill(9), { ppid: 12 });
    const [, m] = await got;
    assert.equal(m.bytes.length, 70_000);
    assert.equal(a.status(id)!.primaryAddress, '::1');
  } finally {
    await a.close(100);
    await b.close(100);
  }
});

test('a multi-homed endpoint (two loopback addresses) announces both; the peer confirms both paths', async (t) => {
  let a: SctpUdpSocket;
  let b: SctpUdpSocket;
  try {
    a = await SctpUdpSocket.open({
      port: 5031,
      addresses: ['127.0.0.1', '127.0.0.2'],
      udpPort: 0,
      heartbeatIntervalMs: 100,
      rtoMinMs: 50,
      rtoInitialMs: 50,
    });
    b = await SctpUdpSocket.open({
      port: 5032,
      addresses: ['127.0.0.3'],
      udpPort: 0,
      heartbeatIntervalMs: 100,
      rtoMinMs: 50,
      rtoInitialMs: 50,
    });
  } catch {
    t.skip('127.0.0.2/127.0.0.3 not available');
    return;
  }
  try {
    const upB = once(b, 'up');
    a.connect({ addresses: ['127.0.0.3'], port: 5032, udpPort: b.udpPort });
    const [ib, info] = await upB;
    assert.deepEqual([...info.peerAddresses].sort(), ['127.0.0.1', '127.0.0.2']);
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && b.status(ib)!.paths.some((p) => p.state !== 'active')) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(
      b.status(ib)!.paths.map((p) => p.state),
      ['active', 'active'],
    );
  } finally {
    await a.close(100);
    await b.close(100);
  }
});
