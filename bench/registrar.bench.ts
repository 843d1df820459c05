/**
 * Registrar benchmark over the real transport: a registrar process (bench/support/registrar-server.ts:
 * the public Registrar API, ASAP over our SCTP over UDP on loopback) under load from a separate load
 * generator process (bench/support/load-generator.ts): N associations, each with a window of outstanding
 * requests, answers matched first-in first-out.
 *
 * Measured, in this order, in one run:
 *   1. baseline: a 24-byte request/response with an echo pool element (public PoolElement API, service
 *      'echo', in the registrar's process) over the same kind of SCTP association: what the transport,
 *      the event loop and the stack nodes cost without any registrar work;
 *   2. handle resolutions of a 12-PE RoundRobin pool (3 PEs per answer, the registrar's default);
 *   3. re-registrations of 1,000 PEs (each PE registered again by its own association);
 *   4. registrations up to 100,000 PEs (100 pools of 1,000), then the registrar's memory (RSS and heap
 *      after a full GC) beside its memory before any registration;
 *   5. handle resolutions again, with 100,000 PEs in the handlespace.
 * Rates are answers per second in the measured interval (after a warm-up), and in its best 500 ms (the
 * least disturbed by other processes on a shared machine); latencies are per request
 * (send to answer) in the load generator, from a 10 µs histogram. The registrar's CPU use in each phase
 * (process.cpuUsage) tells whether it or the load generator was the bottleneck.
 *
 *   npm run bench:registrar                   table
 *   npm run bench:registrar -- --json         only a JSON array of {metric, value, unit}
 *   options: --assocs N (4) --window W (16 per association) --measure-ms MS (3000) --warmup-ms MS (1000)
 *            --pes N (100000) --generators G (1) --profile-registrar DIR (node --cpu-prof of the registrar)
 *            --dist (run the registrar and the load generator from the compiled dist/: `npm run build`
 *            first; through tsx, esbuild's keepNames adds a __name() call per closure created)
 * Environment: BENCH_REGISTRAR_NODE_FLAGS adds Node flags to the registrar process (e.g.
 *   "--max-semi-space-size=32" to see what a larger young generation does to the p99).
 *
 * Loopback addresses: registrar 127.0.2.1 (SCTP 46863), echo PE 127.0.2.2 (SCTP 46864), load generator
 * associations 127.0.2.10 and up, all with UDP 9899 (Linux routes all of 127/8).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jsonOutput, type Metric, note, report } from './harness.js';
import { CHUNK_MS, type PhaseResult } from './support/load-generator.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean' },
    assocs: { type: 'string' },
    window: { type: 'string' },
    'measure-ms': { type: 'string' },
    'warmup-ms': { type: 'string' },
    pes: { type: 'string' },
    generators: { type: 'string' },
    'profile-registrar': { type: 'string' },
    dist: { type: 'boolean' },
  },
});
const num = (v: string | undefined, d: number): number => (v === undefined ? d : Number(v));
const ASSOCS = num(args.assocs, 4);
const WINDOW = num(args.window, 16);
const MEASURE_MS = num(args['measure-ms'], 3_000);
const WARMUP_MS = num(args['warmup-ms'], 1_000);
const TARGET_PES = num(args.pes, 100_000);
const GENERATORS = num(args.generators, 1);
const BUCKET_US = 10;

const REGISTRAR = '127.0.2.1:46863';
const ECHO = '127.0.2.2:46864';
const LIFE_MS = 3_600_000;

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** A forked helper with request/response over IPC. */
class Helper {
  readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, (m: Record<string, unknown>) => void>();
  private readonly waiting: { type: string; resolve: (m: Record<string, unknown>) => void }[] = [];

  constructor(
    readonly name: string,
    script: string,
    execArgv: string[],
    env: Record<string, string> = {},
  ) {
    this.child = fork(here(script), [], {
      execArgv: ['--import', 'tsx', ...execArgv],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (raw) => {
      const m = raw as Record<string, unknown>;
      if (m.type === 'error') {
        console.error(`${this.name}: ${String(m.message)}`);
        process.exit(1);
      }
      if (m.type === 'log') {
        if (!jsonOutput) console.error(`${this.name}: ${String(m.text)}`);
        return;
      }
      const id = m.id as number | undefined;
      if (id !== undefined && this.pending.has(id)) {
        this.pending.get(id)!(m);
        this.pending.delete(id);
        return;
      }
      const i = this.waiting.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiting.splice(i, 1)[0]!.resolve(m);
    });
    this.child.on('exit', (code, signal) => {
      if (!stopping) {
        console.error(`${this.name} exited early (${code ?? signal})`);
        process.exit(1);
      }
    });
  }

  waitFor(type: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiting.push({ type, resolve }));
  }

  request(m: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ ...m, id });
    });
  }

  post(m: Record<string, unknown>): void {
    this.child.send(m);
  }
}

let stopping = false;

function percentile(histogram: readonly number[], count: number, p: number): number {
  const rank = Math.ceil(count * p);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= rank) return ((i + 1) * BUCKET_US) / 1000;
  }
  return Number.NaN;
}

interface Merged {
  readonly rate: number;
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly rejects: number;
  readonly errors: number;
  /** The load generators' CPU use, % of one core each (the busiest). */
  readonly generatorCpu: number;
  /** Answers over the whole phase, warm-up included. */
  readonly total: number;
  /** The rate of the best CHUNK_MS of the measured interval (the least disturbed by other processes). */
  readonly bestChunkRate: number;
}

interface Phase extends Merged {
  readonly cpu: number;
  /** The registrar's CPU time per answer (µs): its cost, whatever else runs on the machine. */
  readonly cpuUsPerAnswer: number;
  readonly sentPerAnswer: number;
  readonly receivedPerAnswer: number;
}

function merge(results: PhaseResult[]): Merged {
  const histogram = new Array<number>(results[0]!.histogram.length).fill(0);
  let count = 0;
  let rate = 0;
  for (const r of results) {
    r.histogram.forEach((n, i) => {
      histogram[i]! += n;
    });
    count += r.count;
    rate += r.seconds > 0 ? r.count / r.seconds : 0;
  }
  return {
    rate,
    count,
    p50: percentile(histogram, count, 0.5),
    p99: percentile(histogram, count, 0.99),
    max: Math.max(...results.map((r) => r.maxMs)),
    rejects: results.reduce((s, r) => s + r.rejects, 0),
    errors: results.reduce((s, r) => s + r.errors, 0),
    generatorCpu: Math.max(...results.map((r) => (100 * r.cpuMs) / r.wallMs)),
    total: results.reduce((s, r) => s + r.total, 0),
    bestChunkRate: bestChunk(results),
  };
}

function bestChunk(results: PhaseResult[]): number {
  const sums: number[] = [];
  for (const r of results)
    for (let i = 0; i < r.chunks.length; i++) sums[i] = (sums[i] ?? 0) + (r.chunks[i] ?? 0);
  // Only whole chunks of the measured interval.
  const whole = sums.slice(0, Math.floor(MEASURE_MS / CHUNK_MS));
  return whole.length === 0 ? 0 : (Math.max(...whole.map((n) => n ?? 0)) * 1000) / CHUNK_MS;
}

const round = (x: number, digits = 0): number => Number(x.toFixed(digits));
const MB = 1024 * 1024;

async function main(): Promise<void> {
  const profileDir = args['profile-registrar'];
  const server = new Helper(
    'registrar',
    './support/registrar-server.ts',
    [
      '--expose-gc',
      ...(process.env.BENCH_REGISTRAR_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
    ],
    { BENCH_REGISTRAR: REGISTRAR, BENCH_ECHO: ECHO, BENCH_DIST: args.dist ? '1' : '0' },
  );
  await server.waitFor('ready');
  const generators: Helper[] = [];
  for (let g = 0; g < GENERATORS; g++) {
    const h = new Helper(`load generator ${g + 1}`, './support/load-generator.ts', [], {
      BENCH_DIST: args.dist ? '1' : '0',
    });
    await h.waitFor('ready');
    const addresses = Array.from({ length: ASSOCS }, (_, i) => `127.0.2.${10 + g * ASSOCS + i}`);
    h.post({
      type: 'setup',
      registrar: REGISTRAR,
      echo: ECHO,
      addresses,
      sctpPortBase: 47000 + g * ASSOCS,
      firstPeId: 0x10000000 + g * 0x01000000,
    });
    await h.waitFor('setup');
    generators.push(h);
  }
  note(
    `registrar benchmark (${args.dist ? 'dist/' : 'src/ via tsx'}): ${GENERATORS} load generator(s) x ${ASSOCS} associations x window ${WINDOW}, ` +
      `${WARMUP_MS} ms warm-up + ${MEASURE_MS} ms per phase`,
  );

  const cpu = async (): Promise<{ ms: number; sent: number; received: number }> => {
    const m = await server.request({ type: 'cpu' });
    return {
      ms: ((m.userUs as number) + (m.systemUs as number)) / 1000,
      sent: m.datagramsSent as number,
      received: m.datagramsReceived as number,
    };
  };
  type Request = Record<string, unknown> | ((generator: number) => Record<string, unknown>);
  const all = async (m: Request): Promise<Merged> => {
    const results = await Promise.all(
      generators.map((g, i) => g.request(typeof m === 'function' ? m(i) : m)),
    );
    return merge(results as unknown as PhaseResult[]);
  };
  /** A phase with the registrar's CPU use (% of one core) over its whole wall time. */
  const phase = async (m: Request): Promise<Phase> => {
    const c0 = await cpu();
    const t0 = performance.now();
    const r = await all(m);
    const wall = performance.now() - t0;
    const c1 = await cpu();
    // Answers over the whole phase (warm-up included), to relate to the datagram counts.
    const answers = r.total;
    return {
      ...r,
      cpu: (100 * (c1.ms - c0.ms)) / wall,
      cpuUsPerAnswer: ((c1.ms - c0.ms) * 1000) / answers,
      sentPerAnswer: (c1.sent - c0.sent) / answers,
      receivedPerAnswer: (c1.received - c0.received) / answers,
    };
  };
  const timed = (kind: string) =>
    phase({ type: 'timed', kind, window: WINDOW, warmupMs: WARMUP_MS, measureMs: MEASURE_MS });
  const registerPes = (pool: string, count: number, reregister = false) =>
    phase((g) => ({
      type: 'register',
      pool,
      count: Math.floor(count / GENERATORS) + (g < count % GENERATORS ? 1 : 0),
      window: WINDOW,
      life: LIFE_MS,
      reregister,
    }));
  const memory = async (): Promise<Record<string, number>> =>
    (await server.request({ type: 'memory' })) as Record<string, number>;

  const metrics: Metric[] = [];
  const show = (name: string, r: Phase, unit: string): void => {
    metrics.push(
      { metric: `${name}`, value: round(r.rate), unit },
      ...(r.bestChunkRate > 0
        ? [{ metric: `${name}, best ${CHUNK_MS} ms`, value: round(r.bestChunkRate), unit }]
        : []),
      { metric: `${name} p50 latency`, value: round(r.p50, 2), unit: 'ms' },
      { metric: `${name} p99 latency`, value: round(r.p99, 2), unit: 'ms' },
      { metric: `${name} registrar CPU`, value: round(r.cpu), unit: '% of a core' },
      { metric: `${name} registrar CPU per request`, value: round(r.cpuUsPerAnswer, 1), unit: 'µs' },
      { metric: `${name} load generator CPU`, value: round(r.generatorCpu), unit: '% of a core' },
      {
        metric: `${name} registrar UDP datagrams in/out per request`,
        value: round(r.receivedPerAnswer, 2),
        unit: `/ ${round(r.sentPerAnswer, 2)}`,
      },
    );
    if (r.rejects + r.errors > 0)
      metrics.push({ metric: `${name} rejected or failed`, value: r.rejects + r.errors, unit: 'answers' });
  };

  const empty = await memory();

  note('1/5 baseline: 24-byte echo request/response over SCTP/UDP ...');
  const echo = await timed('echo');
  show('baseline echo request/response (24 bytes)', echo, 'req/s');

  note('2/5 handle resolutions ...');
  await registerPes('ResolvePool', 12);
  const resolve = await timed('resolve');
  show('handle resolutions (12-PE pool, 3 per answer)', resolve, 'res/s');
  metrics.push({
    metric: 'handle resolutions ratio to baseline',
    value: round(resolve.rate / echo.rate, 3),
    unit: 'x',
  });

  note('3/5 re-registrations ...');
  await registerPes('ReregPool', 1_000, true);
  const rereg = await timed('reregister');
  show('re-registrations (1,000 PEs)', rereg, 'reg/s');
  metrics.push({
    metric: 're-registrations ratio to baseline',
    value: round(rereg.rate / echo.rate, 3),
    unit: 'x',
  });

  note(`4/5 registrations up to ${TARGET_PES.toLocaleString('en-US')} PEs ...`);
  const before = await memory();
  const fill = await registerPes('FillPool', TARGET_PES - before.pes!);
  show('new registrations (filling the handlespace)', fill, 'reg/s');
  const full = await memory();
  metrics.push(
    { metric: 'registered PEs at the memory measurement', value: full.pes!, unit: 'PEs' },
    { metric: 'registrar RSS, no PEs', value: round(empty.rss! / MB, 1), unit: 'MiB' },
    { metric: 'registrar heap used, no PEs', value: round(empty.heapUsed! / MB, 1), unit: 'MiB' },
    { metric: `registrar RSS at ${full.pes} PEs`, value: round(full.rss! / MB, 1), unit: 'MiB' },
    { metric: `registrar heap used at ${full.pes} PEs`, value: round(full.heapUsed! / MB, 1), unit: 'MiB' },
    {
      metric: 'registrar heap per PE',
      value: round((full.heapUsed! - empty.heapUsed!) / Math.max(1, full.pes! - empty.pes!)),
      unit: 'bytes',
    },
  );

  note('5/5 handle resolutions with the full handlespace ...');
  const resolveFull = await timed('resolve');
  show(`handle resolutions at ${full.pes} PEs`, resolveFull, 'res/s');

  stopping = true;
  for (const g of generators) g.post({ type: 'stop' });
  server.post({ type: 'stop' });
  await Promise.all(
    [server, ...generators].map(
      (h) => new Promise((r) => (h.child.exitCode !== null ? r(0) : h.child.on('exit', r))),
    ),
  );
  report(metrics);
}

await main();
