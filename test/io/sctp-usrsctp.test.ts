/**
 * Interoperability with usrsctp over UDP encapsulation (RFC 6951) on loopback, both directions:
 * Debian's libusrsctp-examples (echo_server, client) and our own usrsctp peer (bench/usrsctp/peer.c,
 * compiled here with gcc -lusrsctp) for 100 kB messages on several streams. When tshark can capture
 * (root), every test runs under a loopback capture that tshark must find clean: no malformed frame,
 * no bad CRC32c. Skipped when usrsctp is absent, unless RSERPOOL_INTEROP=require (CI): then it fails.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SctpUdpSocket } from '../../src/io/sctp-udp-socket.js';
import { REPO_ROOT, type RigStatus, skipUnlessAvailable } from '../helpers/rig.js';
import { analysePcap, assertCleanCapture, tsharkAvailable, withCapture } from '../helpers/tshark.js';

const ECHO = '/usr/lib/usrsctp/echo_server';
const CLIENT = '/usr/lib/usrsctp/client';
const PEER_SOURCE = join(REPO_ROOT, 'bench/usrsctp/peer.c');
/** Unassigned payload protocol identifiers: tshark must not dissect test bytes as ASAP (11) or ENRP (12). */
const PPID = 4000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function usrsctpStatus(): RigStatus {
  const missing = [ECHO, CLIENT, '/usr/include/usrsctp.h'].filter((f) => !existsSync(f));
  if (missing.length > 0)
    return {
      available: false,
      reason: `${missing.join(', ')} missing (scripts/interop/ensure-system-deps.sh)`,
    };
  return { available: true, reason: '' };
}

const skip = skipUnlessAvailable(usrsctpStatus(), 'usrsctp');
const canCapture = !skip && process.getuid?.() === 0 && (await tsharkAvailable());
const tmp = mkdtempSync(join(tmpdir(), 'sctp-usrsctp-'));
let portBase = 20000 + (process.pid % 20000);
const nextPort = (): number => portBase++;

/** Runs `body` under a loopback capture of UDP port `udpPort` (when possible) and judges it with tshark. */
async function judged(name: string, udpPort: number, body: () => Promise<void>): Promise<void> {
  if (!canCapture) {
    await body();
    return;
  }
  const file = join(tmp, `${name}.pcap`);
  await withCapture(file, { iface: 'lo', filter: `udp port ${udpPort}` }, async () => {
    await body();
    await sleep(1000); // dumpcap writes the last frames late: let the final SHUTDOWN COMPLETE in
  });
  const summary = await analysePcap(file, { sctpUdpPorts: [udpPort] });
  assertCleanCapture(summary);
  assert.ok((summary.protocols.get('sctp') ?? 0) > 0, `${name}: SCTP frames captured`);
  for (const chunk of [1, 2, 10, 11, 0, 3, 7, 8, 14])
    assert.ok((summary.sctpChunks.get(chunk) ?? 0) > 0, `${name}: chunk type ${chunk} on the wire`);
}

let peerBinary: string | undefined;
function peer(): string {
  if (!peerBinary) {
    peerBinary = join(tmp, 'peer');
    execFileSync('gcc', ['-O2', '-o', peerBinary, PEER_SOURCE, '-lusrsctp', '-lpthread'], { stdio: 'pipe' });
  }
  return peerBinary;
}

function output(child: ChildProcess): { text: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  return { text: () => out, stderr: () => err };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('usrsctp ⇄ our SCTP stack over UDP on loopback', { skip }, () => {
  after(() => {
    if (process.env['RSERPOOL_INTEROP_KEEP_PCAP']) console.log(`# captures kept in ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  });

  test('we connect to usrsctp echo_server: messages echoed (small and fragmented), we shut down', async () => {
    const encaps = nextPort();
    await judged('echo', encaps, async () => {
      const ours = await SctpUdpSocket.open({
        port: 5555,
        addresses: ['127.0.0.1'],
        udpPort: 0,
        loopbackMtuBytes: 1280,
      });
      const server = spawn(ECHO, [String(encaps), String(ours.udpPort)], { stdio: 'ignore' });
      try {
        await sleep(300);
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
          ours.send(id, new Uint8Array(100 + i).fill(i), { ppid: PPID });
          sent += 100 + i;
        }
        // echo_server reads into an 8 KiB buffer: fragmented messages up to that size come back whole.
        for (let i = 0; i < 10; i++) {
          ours.send(id, new Uint8Array(6000).fill(i), { ppid: PPID + 1 });
          sent += 6000;
        }
        await waitFor('the echo', () => bytes >= sent, 10_000).catch(() => undefined);
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
  });

  test('usrsctp client connects to us: up, data both ways, its SHUTDOWN completes', async () => {
    const encaps = nextPort();
    await judged('client', encaps, async () => {
      const ours = await SctpUdpSocket.open({ port: 7777, addresses: ['127.0.0.1'], udpPort: 0 });
      const got: string[] = [];
      ours.on('data', (assoc, m) => {
        got.push(new TextDecoder().decode(m.bytes));
        ours.send(assoc, m.bytes, { ppid: m.ppid, stream: m.stream });
      });
      const client = spawn(CLIENT, ['127.0.0.1', '7777', '0', String(encaps), String(ours.udpPort)], {
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      const out = output(client);
      try {
        const [assoc, info] = await once(ours, 'up');
        assert.equal(info.peerAddresses[0], '127.0.0.1');
        assert.ok(
          info.peerAddresses.every((a: string) => !a.includes(':')),
          'only reachable (IPv4) addresses',
        );
        client.stdin!.write('hello from usrsctp\n');
        await waitFor('the echo at the client', () => out.text().includes('hello from usrsctp'), 5000);
        assert.deepEqual(got, ['hello from usrsctp\n']);
        const done = once(ours, 'shutdownComplete');
        client.stdin!.end();
        const [closed] = await done;
        assert.equal(closed, assoc);
      } finally {
        client.kill();
        await ours.close(100);
      }
    });
  });

  test('we connect to our usrsctp peer and send 100 kB messages on 4 streams; we shut down', async () => {
    const udp = nextPort();
    await judged('to-usrsctp', udp, async () => {
      const receiver = spawn(peer(), ['recv', '-u', String(udp), '-p', '5004'], { stdio: 'pipe' });
      const out = output(receiver);
      const ours = await SctpUdpSocket.open({ port: 5005, addresses: ['127.0.0.1'], udpPort: 0 });
      try {
        await waitFor('the peer to listen', () => out.stderr().includes('ready'), 10_000);
        const id = ours.connect({ addresses: ['127.0.0.1'], port: 5004, udpPort: udp });
        await once(ours, 'up');
        for (let i = 0; i < 20; i++)
          ours.send(id, new Uint8Array(100_000).fill(i), { ppid: PPID, stream: i % 4 });
        const done = once(ours, 'shutdownComplete');
        ours.shutdown(id); // after everything queued is acknowledged
        await done;
        await waitFor('the peer report', () => out.text().includes('}'), 10_000);
        const report = JSON.parse(out.text()) as { msgs: number; bytes: number; streams: number[] };
        assert.equal(report.msgs, 20);
        assert.equal(report.bytes, 2_000_000);
        assert.deepEqual(report.streams, [5, 5, 5, 5]);
      } finally {
        receiver.kill();
        await ours.close(100);
      }
    });
  });

  test('our usrsctp peer connects to us and sends 100 kB messages on 4 streams; its SHUTDOWN completes', async () => {
    const udp = nextPort();
    await judged('from-usrsctp', udp, async () => {
      const ours = await SctpUdpSocket.open({ port: 5006, addresses: ['127.0.0.1'], udpPort: 0 });
      const got: { size: number; stream: number }[] = [];
      ours.on('data', (_a, m) => got.push({ size: m.bytes.length, stream: m.stream }));
      const done = once(ours, 'shutdownComplete');
      const args = ['send', '-u', String(udp), '-U', String(ours.udpPort), '-a', '127.0.0.1', '-p', '5006'];
      const sender = spawn(peer(), [...args, '-s', '100000', '-n', '20', '-S', '4'], { stdio: 'pipe' });
      const out = output(sender);
      try {
        await done;
        assert.equal(got.length, 20, out.stderr());
        assert.ok(got.every((m) => m.size === 100_000));
        assert.deepEqual(
          [0, 1, 2, 3].map((s) => got.filter((m) => m.stream === s).length),
          [5, 5, 5, 5],
        );
      } finally {
        sender.kill();
        await ours.close(100);
      }
    });
  });
});
