/**
 * The server side of bench/registrar.bench.ts, run as its own process (child_process.fork): a Registrar
 * (public API, ASAP over SCTP over UDP on a loopback address) and, for the baseline, an echo pool element
 * (public API, service 'echo') registered with it. Both use the same SCTP-over-UDP stack (NodeRunner and
 * the stack nodes); only one of them is under load at a time.
 *
 * Environment: BENCH_DIST=1 to run the compiled dist/ (else the sources through tsx), BENCH_REGISTRAR (IP:PORT of the ASAP endpoint), BENCH_ECHO (IP:PORT of the echo PE's
 * data endpoint). IPC: it sends {type:'ready'} once both run; it answers
 *   {type:'cpu', id}           -> {type:'cpu', id, userUs, systemUs, datagramsSent, datagramsReceived}
 *                                 (process.cpuUsage and UDP datagrams so far)
 *   {type:'memory', id}        -> {type:'memory', id, rss, heapUsed, heapTotal, external, arrayBuffers, pes}
 *                                 after a full garbage collection (run with --expose-gc)
 *   {type:'stop'}              -> closes and exits
 */
import { Socket } from 'node:dgram';

// BENCH_DIST=1: the compiled package (dist/, `npm run build`) instead of the TypeScript sources via tsx.
type Api = typeof import('../../src/api/index.js');
const { PoolElement, Registrar }: Api = await import(
  process.env.BENCH_DIST === '1' ? '../../dist/src/api/index.js' : '../../src/api/index.js'
);

// Datagram counters (diagnostics: UDP packets per request and per answer).
let datagramsSent = 0;
let datagramsReceived = 0;
const send0 = Socket.prototype.send;
Socket.prototype.send = function (this: Socket, ...a: unknown[]) {
  datagramsSent++;
  return (send0 as (...x: unknown[]) => void).apply(this, a);
} as typeof Socket.prototype.send;
const emit0 = Socket.prototype.emit;
Socket.prototype.emit = function (this: Socket, event: string | symbol, ...a: unknown[]) {
  if (event === 'message') datagramsReceived++;
  return (emit0 as (...x: unknown[]) => boolean).apply(this, [event, ...a]);
} as typeof Socket.prototype.emit;

type Request = { type: 'cpu'; id: number } | { type: 'memory'; id: number } | { type: 'stop' };

const registrarAt = process.env.BENCH_REGISTRAR ?? '127.0.2.1:46863';
const echoAt = process.env.BENCH_ECHO ?? '127.0.2.2:46864';

const send = (m: unknown): void => {
  process.send?.(m);
};

const registrar = await Registrar.start({
  asap: registrarAt,
  asapAnnounce: 'off',
  minAddressScope: 'loopback',
  // The load generator's PEs would be kept alive by their Keep Alive Acks; with 100,000 PEs a 5 s
  // interval means 20,000 Keep Alives/s of background load, so the benchmark keeps them rare.
  keepAliveIntervalMs: 3_600_000,
  keepAliveTimeoutMs: 60_000,
});
const echo = await PoolElement.start({
  poolHandle: 'BenchEchoPool',
  service: 'echo',
  registrars: [registrarAt],
  asapAnnounce: 'off',
  local: echoAt,
});
await echo.waitRegistered(10_000);

let warnings = 0;
registrar.on('warning', () => {
  warnings++;
});

process.on('message', (raw) => {
  const m = raw as Request;
  if (m.type === 'cpu') {
    const u = process.cpuUsage();
    send({
      type: 'cpu',
      id: m.id,
      userUs: u.user,
      systemUs: u.system,
      warnings,
      datagramsSent,
      datagramsReceived,
    });
  } else if (m.type === 'memory') {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const u = process.memoryUsage();
    send({
      type: 'memory',
      id: m.id,
      rss: u.rss,
      heapUsed: u.heapUsed,
      heapTotal: u.heapTotal,
      external: u.external,
      arrayBuffers: u.arrayBuffers,
      pes: registrar.handlespace.size,
      gc: gc !== undefined,
    });
  } else if (m.type === 'stop') {
    void (async () => {
      await echo.close(200);
      await registrar.close();
      process.exit(0);
    })();
  }
});
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', registrar: registrarAt, echo: echoAt });
