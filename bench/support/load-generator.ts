/**
 * The client side of bench/registrar.bench.ts, run as its own process (child_process.fork): N SCTP
 * associations over UDP (one SctpUdpSocket each, on its own loopback address and UDP 9899), each with a
 * window of outstanding requests, to the registrar's ASAP endpoint and to the echo pool element.
 * Requests are pre-encoded; responses are matched first-in first-out per association (one ordered
 * stream), and only their type and flags are looked at, so that the generator spends little per message.
 *
 * IPC (from the parent):
 *   {type:'setup', registrar:'IP:PORT', echo:'IP:PORT', addresses:string[], sctpPortBase, firstPeId}
 *       -> {type:'setup', ok:true}                  (every association is up)
 *   {type:'timed', id, kind:'echo'|'resolve'|'reregister', window, warmupMs, measureMs}
 *       -> {type:'result', id, ...PhaseResult}      (requests answered in the measured interval)
 *   {type:'register', id, pool, count, window, life} registers `count` new PEs spread over the
 *       associations, in pool `pool` (or pools `${pool}-${k}` of 1,000 PEs each when count > 1,000)
 *       -> {type:'result', id, ...PhaseResult}      (all of them, first send to last answer)
 *   {type:'stop'}
 * PEs registered by `register` with `reregister: true` form the set the 'reregister' phase cycles through.
 */
import { performance } from 'node:perf_hooks';
import type { AssocId } from '../../src/sctp/index.js';

// BENCH_DIST=1: the compiled package (dist/, `npm run build`) instead of the TypeScript sources via tsx.
const dist = process.env.BENCH_DIST === '1';
const { SctpUdpSocket }: typeof import('../../src/io/sctp-udp-socket.js') = await import(
  dist ? '../../dist/src/io/sctp-udp-socket.js' : '../../src/io/sctp-udp-socket.js'
);
type SctpUdpSocket = import('../../src/io/sctp-udp-socket.js').SctpUdpSocket;
const { decodeAsap, encodeAsap }: typeof import('../../src/wire/index.js') = await import(
  dist ? '../../dist/src/wire/index.js' : '../../src/wire/index.js'
);

const PPID_ASAP = 11;
const PPID_ECHO = 0;
const BUCKET_US = 10;
const BUCKETS = 20_000; // 10 µs buckets up to 200 ms; later answers count in the last one.

export interface PhaseResult {
  readonly count: number;
  readonly seconds: number;
  /** Latency histogram: BUCKET_US buckets. */
  readonly histogram: number[];
  readonly maxMs: number;
  readonly rejects: number;
  readonly errors: number;
  /** This process's CPU time over the phase (ms) and the phase's wall time (ms). */
  readonly cpuMs: number;
  readonly wallMs: number;
  /** Every answer of the phase, warm-up included. */
  readonly total: number;
  /** Answers counted per CHUNK_MS of the measured interval (timed phases). */
  readonly chunks: number[];
}

export const CHUNK_MS = 500;

type Setup = {
  type: 'setup';
  registrar: string;
  echo: string;
  addresses: string[];
  sctpPortBase: number;
  /** PE identifiers of this generator start here (distinct per generator). */
  firstPeId: number;
};
type Timed = {
  type: 'timed';
  id: number;
  kind: 'echo' | 'resolve' | 'reregister';
  window: number;
  warmupMs: number;
  measureMs: number;
};
type Register = {
  type: 'register';
  id: number;
  pool: string;
  count: number;
  window: number;
  life: number;
  reregister?: boolean;
};
type Message = Setup | Timed | Register | { type: 'stop' };

interface Conn {
  readonly socket: SctpUdpSocket;
  readonly address: string;
  readonly sctpPort: number;
  registrar: AssocId;
  echo: AssocId;
  /** Send times of the outstanding requests, oldest first (registrar and echo associations). */
  readonly regSent: number[];
  readonly echoSent: number[];
  rereg: Uint8Array[];
  reregAt: number;
}

const hostPort = (s: string): { host: string; port: number } => {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
};
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const send = (m: unknown): void => {
  process.send?.(m);
};

const conns: Conn[] = [];
let stopping = false;
let nextPeId = 0x10000000;

/** What happens when a registrar or echo answer arrives; set per phase. */
let onRegistrarAnswer: (conn: Conn, sentAt: number, bytes: Uint8Array) => void = () => {};
let onEchoAnswer: (conn: Conn, sentAt: number) => void = () => {};

async function setup(m: Setup): Promise<void> {
  nextPeId = m.firstPeId;
  const registrar = hostPort(m.registrar);
  const echo = hostPort(m.echo);
  for (let i = 0; i < m.addresses.length; i++) {
    const address = m.addresses[i]!;
    const sctpPort = m.sctpPortBase + i;
    const socket = await SctpUdpSocket.open({ port: sctpPort, addresses: [address] });
    const conn: Conn = {
      socket,
      address,
      sctpPort,
      registrar: -1,
      echo: -1,
      regSent: [],
      echoSent: [],
      rereg: [],
      reregAt: 0,
    };
    socket.on('data', (assoc, msg) => {
      if (assoc === conn.echo) {
        if (msg.ppid !== PPID_ECHO) return;
        const t = conn.echoSent.shift();
        if (t !== undefined) onEchoAnswer(conn, t);
        return;
      }
      if (msg.ppid !== PPID_ASAP) return;
      const type = msg.bytes[0];
      if (type === 0x07) {
        // Endpoint Keep Alive for one of our PEs: acknowledge, as a pool element would.
        const r = decodeAsap(msg.bytes);
        if (r.ok && r.value.kind === 'endpointKeepAlive' && r.value.poolElementId !== undefined) {
          const ack = {
            kind: 'endpointKeepAliveAck',
            poolHandle: r.value.poolHandle,
            poolElementId: r.value.poolElementId,
          } as const;
          socket.send(conn.registrar, encodeAsap(ack), { ppid: PPID_ASAP });
        }
        return;
      }
      const t = conn.regSent.shift();
      if (t !== undefined) onRegistrarAnswer(conn, t, msg.bytes);
    });
    socket.on('lost', (assoc, cause) => {
      if (stopping) return;
      send({ type: 'log', text: `association ${assoc} of ${address} lost: ${JSON.stringify(cause)}` });
    });
    const up = (target: { host: string; port: number }): Promise<AssocId> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${address}: no association to ${target.host}:${target.port}`)),
          10_000,
        );
        const assoc = socket.connect({ addresses: [target.host], port: target.port });
        const onUp = (a: AssocId): void => {
          if (a !== assoc) return;
          clearTimeout(timer);
          socket.off('up', onUp);
          resolve(a);
        };
        socket.on('up', onUp);
        if (socket.status(assoc)?.state === 'established') onUp(assoc);
      });
    conn.registrar = await up(registrar);
    conn.echo = await up(echo);
    conns.push(conn);
  }
}

class Recorder {
  readonly histogram = new Array<number>(BUCKETS).fill(0);
  count = 0;
  total = 0;
  readonly chunks: number[] = [];
  maxMs = 0;
  rejects = 0;
  errors = 0;

  record(ms: number): void {
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
    const b = Math.min(BUCKETS - 1, Math.floor((ms * 1000) / BUCKET_US));
    this.histogram[b]!++;
  }

  private readonly cpu0 = process.cpuUsage();
  private readonly t0 = performance.now();

  result(seconds: number): PhaseResult {
    const cpu = process.cpuUsage(this.cpu0);
    return {
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: performance.now() - this.t0,
      total: this.total,
      chunks: this.chunks,
      count: this.count,
      seconds,
      histogram: this.histogram,
      maxMs: this.maxMs,
      rejects: this.rejects,
      errors: this.errors,
    };
  }
}

/** Checks an answer: a Registration Response without R, a Handle Resolution Response without error. */
function checkAnswer(rec: Recorder, bytes: Uint8Array): void {
  const type = bytes[0];
  if (type === 0x03) {
    if ((bytes[1]! & 0x01) !== 0) rec.rejects++;
  } else if (type === 0x06) {
    // A negative answer carries an Operation Error parameter (0x000a)...; a positive one carries PEs.
    if (bytes.length < 40) rec.errors++;
  } else {
    rec.errors++;
  }
}

const ECHO_REQUEST = new Uint8Array(24).map((_, i) => 0x41 + i);
const RESOLUTION = encodeAsap({
  kind: 'handleResolution',
  subscribe: false,
  poolHandle: text('ResolvePool'),
});

function timed(m: Timed): Promise<PhaseResult> {
  return new Promise((resolve) => {
    const rec = new Recorder();
    const start = performance.now();
    const measureFrom = start + m.warmupMs;
    const end = measureFrom + m.measureMs;
    let outstanding = 0;
    let finished = false;
    const sendOne = (c: Conn): void => {
      const now = performance.now();
      outstanding++;
      if (m.kind === 'echo') {
        c.echoSent.push(now);
        c.socket.send(c.echo, ECHO_REQUEST, { ppid: PPID_ECHO });
      } else if (m.kind === 'resolve') {
        c.regSent.push(now);
        c.socket.send(c.registrar, RESOLUTION, { ppid: PPID_ASAP });
      } else {
        c.regSent.push(now);
        const bytes = c.rereg[c.reregAt++ % c.rereg.length]!;
        c.socket.send(c.registrar, bytes, { ppid: PPID_ASAP });
      }
    };
    const answered = (c: Conn, sentAt: number, bytes?: Uint8Array): void => {
      outstanding--;
      rec.total++;
      const now = performance.now();
      if (sentAt >= measureFrom && now <= end) {
        rec.record(now - sentAt);
        const chunk = Math.floor((now - measureFrom) / CHUNK_MS);
        rec.chunks[chunk] = (rec.chunks[chunk] ?? 0) + 1;
        if (bytes) checkAnswer(rec, bytes);
      }
      if (now < end) sendOne(c);
      else if (outstanding === 0 && !finished) {
        finished = true;
        resolve(rec.result(m.measureMs / 1000));
      }
    };
    onEchoAnswer = (c, t) => answered(c, t);
    onRegistrarAnswer = (c, t, bytes) => answered(c, t, bytes);
    if (m.kind === 'reregister' && conns.some((c) => c.rereg.length === 0))
      throw new Error('reregister: register PEs with reregister: true first');
    for (const c of conns) for (let i = 0; i < m.window; i++) sendOne(c);
  });
}

function registrationBytes(c: Conn, pool: string, id: number, life: number): Uint8Array {
  return encodeAsap({
    kind: 'registration',
    poolHandle: text(pool),
    poolElement: {
      id,
      homeRegistrarId: 0,
      registrationLife: life,
      userTransport: {
        kind: 'sctp',
        port: c.sctpPort,
        transportUse: 'dataAndControl',
        addresses: [c.address],
      },
      policy: { name: 'RoundRobin' },
    },
  });
}

function register(m: Register): Promise<PhaseResult> {
  // Pre-encode everything so that the measured time is the registrar's and the transport's.
  const perConn: Uint8Array[][] = conns.map(() => []);
  for (let k = 0; k < m.count; k++) {
    const ci = k % conns.length;
    const c = conns[ci]!;
    const pool = m.count > 1_000 ? `${m.pool}-${Math.floor(k / 1_000)}` : m.pool;
    const bytes = registrationBytes(c, pool, nextPeId++, m.life);
    perConn[ci]!.push(bytes);
  }
  if (m.reregister) for (let i = 0; i < conns.length; i++) conns[i]!.rereg.push(...perConn[i]!);
  return new Promise((resolve) => {
    const rec = new Recorder();
    const at = conns.map(() => 0);
    let remaining = m.count;
    const start = performance.now();
    const sendOne = (ci: number): void => {
      const list = perConn[ci]!;
      if (at[ci]! >= list.length) return;
      const c = conns[ci]!;
      c.regSent.push(performance.now());
      c.socket.send(c.registrar, list[at[ci]!++]!, { ppid: PPID_ASAP });
    };
    onRegistrarAnswer = (c, sentAt, bytes) => {
      const now = performance.now();
      rec.record(now - sentAt);
      rec.total++;
      checkAnswer(rec, bytes);
      sendOne(conns.indexOf(c));
      if (--remaining === 0) resolve(rec.result((now - start) / 1000));
    };
    if (m.count === 0) resolve(rec.result(0));
    for (let ci = 0; ci < conns.length; ci++) for (let i = 0; i < m.window; i++) sendOne(ci);
  });
}

process.on('message', (raw) => {
  const m = raw as Message;
  const run = async (): Promise<void> => {
    if (m.type === 'setup') {
      await setup(m);
      send({ type: 'setup', ok: true });
    } else if (m.type === 'timed') {
      send({ type: 'result', id: m.id, ...(await timed(m)) });
    } else if (m.type === 'register') {
      send({ type: 'result', id: m.id, ...(await register(m)) });
    } else if (m.type === 'stop') {
      stopping = true;
      for (const c of conns) for (const a of [c.registrar, c.echo]) c.socket.abort(a);
      await Promise.all(conns.map((c) => c.socket.close(0)));
      process.exit(0);
    }
  };
  run().catch((e: unknown) => {
    send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  });
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
