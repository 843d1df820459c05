/**
 * SCTP stack benchmark.
 *   - one association over loopback UDP (two SctpUdpSockets in this process): messages/s of 100 B
 *     and MB/s of 64 KiB messages (usrsctp reference on this machine kind: ~268,000 msgs/s, 82 MB/s);
 *   - the same without sockets (two endpoints handing datagrams over in memory): the cost of the stack;
 *   - how many concurrent associations one endpoint holds, and heap bytes per association.
 * `npm run bench:sctp -- --json` prints only a JSON array of {metric, value, unit}.
 */
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
  pathMtuBytes?: number,
): Promise<{ msgs: number; bytes: number; secs: number }> {
  const mtu = pathMtuBytes ? { pathMtuBytes } : {};
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
const metrics: Metric[] = [];
note(`SCTP benchmark, ${seconds} s per run`);
const small = await loopback(100);
metrics.push({
  metric: 'loopback UDP, 1 association, 100 B messages',
  value: Math.round(small.msgs / small.secs),
  unit: 'msgs/s',
});
const large = await loopback(65536);
metrics.push({
  metric: 'loopback UDP, 1 association, 64 KiB messages',
  value: Number((large.bytes / large.secs / 1e6).toFixed(1)),
  unit: 'MB/s',
});
const small1280 = await loopback(100, 1280);
metrics.push({
  metric: 'loopback UDP, 100 B messages, 1280-byte MTU packets',
  value: Math.round(small1280.msgs / small1280.secs),
  unit: 'msgs/s',
});
const large1280 = await loopback(65536, 1280);
metrics.push({
  metric: 'loopback UDP, 64 KiB messages, 1280-byte MTU packets',
  value: Number((large1280.bytes / large1280.secs / 1e6).toFixed(1)),
  unit: 'MB/s',
});
const mem100 = inMemory(100);
metrics.push({
  metric: 'in memory (no sockets, 1280-byte MTU), 100 B messages',
  value: Math.round(mem100.msgs / mem100.secs),
  unit: 'msgs/s',
});
const mem64k = inMemory(65536);
metrics.push({
  metric: 'in memory (no sockets, 1280-byte MTU), 64 KiB messages',
  value: Number((mem64k.bytes / mem64k.secs / 1e6).toFixed(1)),
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
metrics.push({ metric: 'usrsctp reference (notes/sctp.md), 100 B messages', value: 268_000, unit: 'msgs/s' });
metrics.push({ metric: 'usrsctp reference (notes/sctp.md), 64 KiB messages', value: 82, unit: 'MB/s' });
report(metrics);
