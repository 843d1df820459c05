/**
 * The server side of bench/registrar.bench.ts, run as its own process (child_process.fork): a Registrar
 * (public API, ASAP over SCTP over UDP on a loopback address) and, for the baseline, an echo pool element
 * (public API, service 'echo') registered with it. Both use the same SCTP-over-UDP stack (NodeRunner and
 * the stack nodes); only one of them is under load at a time.
 *
 * Environment: BENCH_REGISTRAR (IP:PORT of the ASAP endpoint), BENCH_ECHO (IP:PORT of the echo PE's
 * data endpoint). IPC: it sends {type:'ready'} once both run; it answers
 *   {type:'cpu', id}           -> {type:'cpu', id, userUs, systemUs}   (process.cpuUsage so far)
 *   {type:'memory', id}        -> {type:'memory', id, rss, heapUsed, heapTotal, external, arrayBuffers, pes}
 *                                 after a full garbage collection (run with --expose-gc)
 *   {type:'stop'}              -> closes and exits
 */
import { PoolElement, Registrar } from '../../src/api/index.js';

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
    send({ type: 'cpu', id: m.id, userUs: u.user, systemUs: u.system, warnings });
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
