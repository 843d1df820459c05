/**
 * SCTP stack benchmark: our stack beside usrsctp, measured in the same run on one association over
 * loopback UDP (RFC 6951 encapsulation), 100 B messages (msgs/s) and 64 KiB messages (MB/s).
 *   - usrsctp → usrsctp: bench/usrsctp/peer.c (compiled now with gcc -lusrsctp into a temporary
 *     directory), a receiver and a sender process;
 *   - ours → ours: this process sends, a child process (this script with --receiver) receives;
 *   - both at the same packet size: 16 KiB (our loopback default; usrsctp told so with
 *     SCTP_PEER_ADDR_PARAMS) and 1280 bytes; then the ratio ours / usrsctp;
 *   - ours → usrsctp and usrsctp → ours (16 KiB packets);
 *   - ours → ours with both endpoints in this one process, and without sockets (two endpoints handing
 *     datagrams over in memory): the cost of the stack;
 *   - how many concurrent associations one endpoint holds, heap bytes per association, setups/s.
 * Throughput is measured at the receiver, from its first to its last byte. The machine is shared:
 * run it several times. SCTP_BENCH_SECONDS (default 3) per measurement; SCTP_BENCH_ASSOCIATIONS
 * (default 10,000). `npm run bench:sctp -- --json` prints only a JSON array of {metric, value, unit}.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SeededRandom } from '../src/base/random.js';
import { SctpUdpSocket } from '../src/io/sctp-udp-socket.js';
import { SctpEndpoint } from '../src/sctp/endpoint.js';
import type { SctpAction } from '../src/sctp/types.js';
import { type Metric, note, report } from './harness.js';

const seconds = Number(process.env.SCTP_BENCH_SECONDS ?? 3);

function fastMac(key: Uint8Array, data: Uint8Array): Uint8Array {
  let h = 0x811c9dc5;
  for (const b of key) h = Math.imul(h ^ b, 0x01000193);
  for (const b of data) h = Math.imul(h ^ b, 0x01000193);
  const out = new Uint8Array(16);
  new DataView(out.buffer).setUint32(0, h >>> 0);
  return out;
}

async function loopback(
  size: number,
  loopbackMtuBytes?: number,
): Promise<{ msgs: number; bytes: number; secs: number }> {
  const mtu = loopbackMtuBytes ? { loopbackMtuBytes } : {};
  const rwnd = { receiveWindowBytes: 4 << 20 };
  const a = await SctpUdpSocket.open({ port: 7001, addresses: ['127.0.0.1'], udpPort: 0, ...mtu, ...rwnd });
  const b = await SctpUdpSocket.open({ port: 7002, addresses: ['127.0.0.1'], udpPort: 0, ...mtu, ...rwnd });
  const id = a.connect({ addresses: ['127.0.0.1'], port: 7002, udpPort: b.udpPort });
  await new Promise((r) => a.once('up', r));
  let msgs = 0;
  let bytes = 0;
  b.on('data', (_id, m) => {
    msgs++;
    bytes += m.bytes.length;
  });
  const payload = new Uint8Array(size).fill(7);
  const start = performance.now();
  const end = start + seconds * 1000;
  const highWater = Math.max(256 * 1024, 8 * size);
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      if (performance.now() >= end) {
        resolve();
        return;
      }
      const s = a.status(id);
      if (s && s.queuedBytes < highWater) {
        for (let i = 0; i < 512 && i * size < highWater; i++) a.send(id, payload, { ppid: 11 });
      }
      setImmediate(pump);
    };
    pump();
  });
  const secs = (performance.now() - start) / 1000;
  const result = { msgs, bytes, secs };
  a.abort(id);
  await a.close(0);
  await b.close(0);
  return result;
}

/** Two endpoints exchanging datagrams in memory (no sockets): the stack's own cost. */
function inMemory(size: number): { msgs: number; bytes: number; secs: number } {
  const opts = { random: new SeededRandom(1), mac: fastMac, receiveWindowBytes: 4 << 20 };
  const a = new SctpEndpoint({ port: 1, ...opts });
  const b = new SctpEndpoint({ port: 2, ...opts, random: new SeededRandom(2) });
  let now = 0;
  let msgs = 0;
  let bytes = 0;
  const queue: { to: SctpEndpoint; from: string; bytes: Uint8Array }[] = [];
  const run = (ep: SctpEndpoint, from: string, actions: SctpAction[]): void => {
    for (const x of actions) {
      if (x.kind === 'transmit') queue.push({ to: ep === a ? b : a, from, bytes: x.bytes });
      else if (x.kind === 'deliver') {
        msgs++;
        bytes += x.bytes.length;
      }
    }
  };
  const pump = (): void => {
    while (queue.length > 0) {
      const d = queue.shift()!;
      const from = d.to === a ? '10.0.0.2' : '10.0.0.1';
      run(
        d.to,
        from === '10.0.0.1' ? '10.0.0.2' : '10.0.0.1',
        d.to.handle({ kind: 'datagram', now, from: { ip: d.from, port: 9899 }, bytes: d.bytes }),
      );
    }
  };
  const c = a.connect(now, { addresses: ['10.0.0.2'], port: 2 });
  run(a, '10.0.0.1', c.actions);
  pump();
  const payload = new Uint8Array(size).fill(7);
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++)
      run(
        a,
        '10.0.0.1',
        a.handle({ kind: 'send', now, assoc: c.assoc, ppid: 11, stream: 0, bytes: payload, more: true }),
      );
    run(a, '10.0.0.1', a.handle({ kind: 'flush', now }));
    pump();
    now += 1;
    run(a, '10.0.0.1', a.handle({ kind: 'tick', now }));
    run(b, '10.0.0.2', b.handle({ kind: 'tick', now }));
    pump();
  }
  return { msgs, bytes, secs: (performance.now() - start) / 1000 };
}

function gc(): void {
  setFlagsFromString('--expose-gc');
  const g = runInNewContext('gc') as () => void;
  g();
  g();
}

/** N peers (separate endpoints) each open one association to a listening endpoint. */
function associations(n: number): { count: number; bytesPerAssoc: number; setupPerSecond: number } {
  gc();
  const server = new SctpEndpoint({
    port: 9901,
    random: new SeededRandom(1),
    mac: fastMac,
    heartbeats: true,
  });
  let peers: SctpEndpoint[] = [];
  gc();
  const before = process.memoryUsage().heapUsed;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const peer = new SctpEndpoint({ port: 5000, random: new SeededRandom(i + 10), mac: fastMac });
    peers.push(peer);
    let toServer = peer.connect(0, { addresses: ['192.168.0.1'], port: 9901 }).actions;
    for (let round = 0; round < 4 && toServer.length > 0; round++) {
      const back: SctpAction[] = [];
      for (const x of toServer) {
        if (x.kind === 'transmit')
          back.push(...server.handle({ kind: 'datagram', now: 0, from: { ip, port: 9899 }, bytes: x.bytes }));
      }
      toServer = [];
      for (const x of back) {
        if (x.kind === 'transmit')
          toServer.push(
            ...peer.handle({
              kind: 'datagram',
              now: 0,
              from: { ip: '192.168.0.1', port: 9899 },
              bytes: x.bytes,
            }),
          );
      }
    }
  }
  const secs = (performance.now() - start) / 1000;
  peers = [];
  gc();
  const after = process.memoryUsage().heapUsed;
  server.handle({ kind: 'tick', now: 1 });
  return {
    count: server.associationCount,
    bytesPerAssoc: (after - before) / server.associationCount,
    setupPerSecond: n / secs,
  };
}

interface Rate {
  readonly msgs: number;
  readonly bytes: number;
  readonly secs: number;
}

const msgsPerSecond = (r: Rate): number => Math.round(r.msgs / r.secs);
const megabytesPerSecond = (r: Rate): number => Number((r.bytes / r.secs / 1e6).toFixed(1));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const PACKET_16K = 16384;
const PACKET_1280 = 1280;

function withTimeout<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Our receiving endpoint: counts messages from its first to its last byte, until the peer shuts down. */
async function ourReceiver(port: number, mtu: number): Promise<{ udpPort: number; result: Promise<Rate> }> {
  const sock = await SctpUdpSocket.open({
    port,
    addresses: ['127.0.0.1'],
    udpPort: 0,
    receiveWindowBytes: 4 << 20,
    loopbackMtuBytes: mtu,
    inboundStreams: 64,
  });
  let msgs = 0;
  let bytes = 0;
  let first = 0;
  let last = 0;
  sock.on('data', (_a, m) => {
    last = performance.now();
    if (msgs === 0) first = last;
    msgs++;
    bytes += m.bytes.length;
  });
  const result = new Promise<Rate>((resolve) => {
    const done = (): void => {
      void sleep(100)
        .then(() => sock.close(200))
        .then(() => resolve({ msgs, bytes, secs: (last - first) / 1000 }));
    };
    sock.once('peerShutdown', done);
    sock.once('lost', done);
  });
  return { udpPort: sock.udpPort, result };
}

/** Our sending endpoint: `seconds` of `size`-byte messages, then a graceful shutdown. */
async function ourSender(size: number, to: { port: number; udpPort: number }, mtu: number): Promise<void> {
  const a = await SctpUdpSocket.open({
    port: 7001,
    addresses: ['127.0.0.1'],
    udpPort: 0,
    receiveWindowBytes: 4 << 20,
    loopbackMtuBytes: mtu,
  });
  try {
    const id = a.connect({ addresses: ['127.0.0.1'], port: to.port, udpPort: to.udpPort });
    await withTimeout('association up', once(a, 'up'), 10_000);
    const payload = new Uint8Array(size).fill(7);
    const end = performance.now() + seconds * 1000;
    const highWater = Math.max(256 * 1024, 8 * size);
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        if (performance.now() >= end) {
          resolve();
          return;
        }
        const s = a.status(id);
        if (s && s.queuedBytes < highWater) {
          for (let i = 0; i < 512 && i * size < highWater; i++) a.send(id, payload, { ppid: 11 });
        }
        setImmediate(pump);
      };
      pump();
    });
    const done = once(a, 'shutdownComplete');
    a.shutdown(id); // SHUTDOWN goes out once everything queued has been acknowledged
    await withTimeout('shutdown', done, 30_000);
  } finally {
    await a.close(0);
  }
}

/** This script with --receiver PORT MTU: ourReceiver in a process of its own, results on stdout. */
async function receiverMain(): Promise<void> {
  const at = process.argv.indexOf('--receiver');
  const port = Number(process.argv[at + 1]);
  const mtu = Number(process.argv[at + 2]);
  const r = await ourReceiver(port, mtu);
  console.log(JSON.stringify({ udpPort: r.udpPort }));
  console.log(JSON.stringify(await r.result));
}

/** Reads newline-separated JSON objects from a child's stdout. */
function jsonLines(child: ChildProcess): { next(what: string, ms: number): Promise<Record<string, number>> } {
  const lines: string[] = [];
  let buffer = '';
  let wake: (() => void) | undefined;
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let at = buffer.indexOf('\n');
    while (at >= 0) {
      lines.push(buffer.slice(0, at));
      buffer = buffer.slice(at + 1);
      at = buffer.indexOf('\n');
    }
    wake?.();
  });
  child.once('exit', () => wake?.());
  return {
    async next(what, ms) {
      const deadline = Date.now() + ms;
      while (lines.length === 0) {
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline)
          throw new Error(`${what}: no output (exit ${child.exitCode ?? child.signalCode})`);
        await Promise.race([new Promise<void>((r) => (wake = r)), sleep(200)]);
      }
      return JSON.parse(lines.shift()!) as Record<string, number>;
    },
  };
}

function waitForStderr(child: ChildProcess, pattern: RegExp, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`child never printed ${pattern}: ${text}`)), ms);
    child.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before printing ${pattern}: ${text}`));
    });
  });
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Compiles bench/usrsctp/peer.c into a temporary directory; undefined (with a note) if it cannot. */
function buildPeer(dir: string): string | undefined {
  const source = join(dirname(fileURLToPath(import.meta.url)), 'usrsctp', 'peer.c');
  const binary = join(dir, 'peer');
  try {
    execFileSync('gcc', ['-O2', '-o', binary, source, '-lusrsctp', '-lpthread'], { stdio: 'pipe' });
    return binary;
  } catch (error) {
    note(
      `usrsctp peer not built (scripts/interop/ensure-system-deps.sh installs gcc, libusrsctp-dev): ${error}`,
    );
    return undefined;
  }
}

const children = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function usrsctpReceiver(
  peer: string,
  port: number,
): Promise<{ udpPort: number; result: Promise<Rate> }> {
  const udpPort = await freeUdpPort();
  const child = track(spawn(peer, ['recv', '-u', String(udpPort), '-p', String(port)], { stdio: 'pipe' }));
  const out = jsonLines(child);
  await waitForStderr(child, /ready/, 10_000);
  const result = out.next('usrsctp receiver', (seconds + 60) * 1000).then((r) => ({
    msgs: r['msgs']!,
    bytes: r['bytes']!,
    secs: r['secs']!,
  }));
  return { udpPort, result };
}

async function usrsctpSender(peer: string, size: number, to: { port: number; udpPort: number }, mtu: number) {
  const args = ['send', '-u', String(await freeUdpPort()), '-U', String(to.udpPort), '-a', '127.0.0.1'];
  args.push('-p', String(to.port), '-s', String(size), '-t', String(seconds), '-m', String(mtu));
  const child = track(spawn(peer, args, { stdio: 'pipe' }));
  const out = jsonLines(child);
  await out.next('usrsctp sender', (seconds + 60) * 1000);
}

async function ourReceiverChild(
  port: number,
  mtu: number,
): Promise<{ udpPort: number; result: Promise<Rate> }> {
  const script = fileURLToPath(import.meta.url);
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', script, '--receiver', String(port), String(mtu)], {
      stdio: 'pipe',
    }),
  );
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
  const out = jsonLines(child);
  const { udpPort } = await out.next('our receiver', 30_000);
  const result = out.next('our receiver', (seconds + 60) * 1000).then((r) => r as unknown as Rate);
  return { udpPort: udpPort!, result };
}

type Side = 'ours' | 'usrsctp';

/** One measurement: `from` sends `size`-byte messages to `to` in `mtu`-byte packets; the receiver's rate. */
async function pair(
  peer: string | undefined,
  from: Side,
  to: Side,
  size: number,
  mtu: number,
): Promise<Rate> {
  const port = 5001;
  const receiver =
    to === 'usrsctp'
      ? await usrsctpReceiver(peer!, port)
      : from === 'ours'
        ? await ourReceiverChild(port, mtu)
        : await ourReceiver(port, mtu);
  const target = { port, udpPort: receiver.udpPort };
  if (from === 'ours') await ourSender(size, target, mtu);
  else await usrsctpSender(peer!, size, target, mtu);
  return withTimeout('receiver result', receiver.result, 60_000);
}

if (process.argv.includes('--receiver')) {
  await receiverMain();
  process.exit(0);
}

const only = process.env.SCTP_BENCH_ONLY;
if (only === 'small') {
  const r = await loopback(100);
  console.log(Math.round(r.msgs / r.secs), 'msgs/s');
  process.exit(0);
}
if (only === 'large') {
  const r = await loopback(65536);
  console.log((r.bytes / r.secs / 1e6).toFixed(1), 'MB/s');
  process.exit(0);
}

if (only === 'associations') {
  const r = associations(Number(process.env.SCTP_BENCH_ASSOCIATIONS ?? 10_000));
  console.log(JSON.stringify(r));
  process.exit(0);
}
if (only?.startsWith('pair:')) {
  // SCTP_BENCH_ONLY=pair:FROM:TO:SIZE:MTU (FROM, TO: ours | usrsctp), e.g. pair:ours:ours:100:1280
  const [, from, to, size, mtu] = only.split(':');
  const dir = mkdtempSync(join(tmpdir(), 'sctp-bench-'));
  const peer = buildPeer(dir);
  const r = await pair(peer, from as Side, to as Side, Number(size), Number(mtu));
  console.log(
    JSON.stringify({ ...r, msgsPerSecond: msgsPerSecond(r), megabytesPerSecond: megabytesPerSecond(r) }),
  );
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const metrics: Metric[] = [];
note(`SCTP benchmark, ${seconds} s per measurement`);
const tmp = mkdtempSync(join(tmpdir(), 'sctp-bench-'));
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
const peer = buildPeer(tmp);

/** Measures and records, or notes the failure (a noisy machine can lose a run) without a figure. */
async function measure(metric: string, size: number, run: () => Promise<Rate>): Promise<Rate | undefined> {
  try {
    const r = await run();
    const small = size < 1000;
    metrics.push({
      metric,
      value: small ? msgsPerSecond(r) : megabytesPerSecond(r),
      unit: small ? 'msgs/s' : 'MB/s',
    });
    note(`  ${metric}: ${small ? `${msgsPerSecond(r)} msgs/s` : `${megabytesPerSecond(r)} MB/s`}`);
    return r;
  } catch (error) {
    note(`  ${metric}: FAILED ${error}`);
    for (const child of children) child.kill('SIGKILL');
    await sleep(500);
    return undefined;
  }
}

const sizes = [
  { size: 100, label: '100 B messages' },
  { size: 65536, label: '64 KiB messages' },
];
for (const mtu of [PACKET_16K, PACKET_1280]) {
  const packets = mtu === PACKET_16K ? '16 KiB packets' : '1280-byte packets';
  for (const { size, label } of sizes) {
    const u = peer
      ? await measure(`usrsctp → usrsctp, ${label}, ${packets}`, size, () =>
          pair(peer, 'usrsctp', 'usrsctp', size, mtu),
        )
      : undefined;
    const o = await measure(`ours → ours (2 processes), ${label}, ${packets}`, size, () =>
      pair(peer, 'ours', 'ours', size, mtu),
    );
    if (u && o) {
      const ratio =
        size < 1000 ? msgsPerSecond(o) / msgsPerSecond(u) : megabytesPerSecond(o) / megabytesPerSecond(u);
      metrics.push({
        metric: `ratio ours / usrsctp, ${label}, ${packets}`,
        value: Number(ratio.toFixed(2)),
        unit: 'x',
      });
    }
  }
}
if (peer) {
  for (const { size, label } of sizes) {
    await measure(`ours → usrsctp, ${label}, 16 KiB packets`, size, () =>
      pair(peer, 'ours', 'usrsctp', size, PACKET_16K),
    );
    await measure(`usrsctp → ours, ${label}, 16 KiB packets`, size, () =>
      pair(peer, 'usrsctp', 'ours', size, PACKET_16K),
    );
  }
}
const small = await loopback(100);
metrics.push({
  metric: 'ours → ours in one process, 100 B messages, 16 KiB packets',
  value: msgsPerSecond(small),
  unit: 'msgs/s',
});
const large = await loopback(65536);
metrics.push({
  metric: 'ours → ours in one process, 64 KiB messages, 16 KiB packets',
  value: megabytesPerSecond(large),
  unit: 'MB/s',
});
const mem100 = inMemory(100);
metrics.push({
  metric: 'in memory (no sockets, 1280-byte packets), 100 B messages',
  value: msgsPerSecond(mem100),
  unit: 'msgs/s',
});
const mem64k = inMemory(65536);
metrics.push({
  metric: 'in memory (no sockets, 1280-byte packets), 64 KiB messages',
  value: megabytesPerSecond(mem64k),
  unit: 'MB/s',
});
const assoc = associations(Number(process.env.SCTP_BENCH_ASSOCIATIONS ?? 10_000));
metrics.push({ metric: 'concurrent associations on one endpoint', value: assoc.count, unit: 'associations' });
metrics.push({
  metric: 'heap per established association',
  value: Math.round(assoc.bytesPerAssoc),
  unit: 'bytes',
});
metrics.push({
  metric: 'association setups (4-way handshake, in memory)',
  value: Math.round(assoc.setupPerSecond),
  unit: 'assocs/s',
});
report(metrics);
process.exit(0);
