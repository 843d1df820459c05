/**
 * ENRP benchmark on the message-level simulation (test/helpers/registrar-sim.ts), with every ASAP and
 * ENRP message really encoded and decoded:
 *
 *  1. propagation of a registration to all 5 registrars: simulated delay p50/p99 at 1 ms + [0, 1) ms
 *     one-way latency, and the CPU time each registration costs the 5 registrars together (registration,
 *     4 Handle Updates encoded, decoded and applied);
 *  2. downloading a 100,000-PE handlespace to a new registrar (mentor download): CPU time (target <= 5 s)
 *     and simulated time at 0.05 ms one-way latency (loopback-like), messages and bytes;
 *  3. taking over 10,000 PEs of a killed registrar: CPU and simulated time from the start of the takeover
 *     until every PE has adopted the new home (Keep Alive with H acked);
 *  4. propagation to all 5 registrars over the real transport (our registrars on loopback);
 *  5. a new registrar's download of a 100,000-PE handlespace over the real transport.
 *
 * CPU times are the process's CPU time (process.cpuUsage) over the span, i.e. cores + codec + the
 * harness's event queue, so they bound what the cores cost; the cores' and codec's own shares are
 * timed separately (performance.now around each call, so they include waiting when the machine is busy); the real-transport targets (p99 <= 20 ms on loopback) need
 * the SCTP driver and are measured there.
 *
 *   npm run bench:enrp            a table
 *   npm run bench:enrp -- --json  only a JSON array of {metric, value, unit}
 *   npm run bench:enrp -- --quick smaller sizes (10,000-PE download, 2,000-PE takeover)
 */
import { performance } from 'node:perf_hooks';
import { RegistrarScope } from '../src/testing/index.js';
import { type Metric, note, report } from './harness.js';

const quick = process.argv.includes('--quick');
const metrics: Metric[] = [];
const record = (metric: string, value: number, unit: string): void => {
  metrics.push({ metric, value: Math.round(value * 1000) / 1000, unit });
};
const pool = (i: number) => new TextEncoder().encode(`pool-${i}`);
/** Process CPU time (user + system) in ms: robust against other processes on a shared machine. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

// ---- 1. Propagation of registrations -------------------------------------------------------------------

function propagation(): void {
  const registeredAt = new Map<number, number>();
  const seen = new Map<number, number>();
  const delays: number[] = [];
  const sim = new RegistrarScope({
    measure: () => performance.now(),
    seed: 1,
    registrars: 5,
    latencyMs: 1,
    jitterMs: 1,
    codec: true,
    registrarOptions: { keepAliveIntervalMs: 600_000 },
    onEvent: (_n, e, now) => {
      if (e.kind === 'handlespaceChanged' && e.change === 'added') registeredAt.set(e.element.id, now);
      if (e.kind === 'peerElementChanged' && e.change === 'added') {
        const n = (seen.get(e.id) ?? 0) + 1;
        seen.set(e.id, n);
        if (n === 4) delays.push(now - registeredAt.get(e.id)!);
      }
    },
  });
  for (let i = 0; i < 5; i++) sim.startRegistrar(i);
  sim.run(6_000);
  for (let i = 0; i < 1000; i++) sim.addElement(pool(i % 10));
  sim.run(2_000);
  note(`propagation: 1,000 PEs registered; measuring 2,000 more`);
  const before = sim.stats.coreMs + sim.stats.codecMs;
  const t0 = performance.now();
  const c0 = cpuMs();
  const n = 2000;
  delays.length = 0;
  for (let i = 0; i < n; i++) {
    sim.addElement(pool(i % 10));
    sim.run(10);
  }
  const wall = performance.now() - t0;
  const processCpu = cpuMs() - c0;
  const cpu = sim.stats.coreMs + sim.stats.codecMs - before;
  record(
    'registration propagation to 5 registrars, simulated p50 (1+[0,1) ms one-way)',
    percentile(delays, 50),
    'ms',
  );
  record(
    'registration propagation to 5 registrars, simulated p99 (1+[0,1) ms one-way)',
    percentile(delays, 99),
    'ms',
  );
  record('registrations propagated (of 2,000)', delays.length, 'count');
  record(
    'time inside core and codec calls per registration (wall, all 5 registrars and the PE)',
    (cpu / n) * 1000,
    'us',
  );
  record('process CPU per registration incl. simulation overhead', (processCpu / n) * 1000, 'us');
  record('wall per registration incl. simulation overhead', (wall / n) * 1000, 'us');
}

// ---- 2. Handle table download to a new registrar -----------------------------------------------------

function download(total: number): void {
  let doneAt: number | undefined;
  let responses = 0;
  const sim = new RegistrarScope({
    measure: () => performance.now(),
    seed: 2,
    registrars: 2,
    latencyMs: 0.05,
    codec: true,
    multicast: false,
    onEvent: (n, e, now) => {
      if (n.index === 1 && e.kind === 'syncDone' && e.reason === 'mentor') doneAt = now;
    },
  });
  sim.startRegistrar(0);
  sim.run(6_000);
  const mentor = sim.registrars[0]!.core;
  for (let i = 0; i < total; i++) {
    const address = `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    const r = mentor.handlespace.register({
      poolHandle: pool(i % 100),
      element: {
        id: i + 1,
        homeRegistrarId: mentor.registrarId,
        registrationLife: 600_000,
        userTransport: { kind: 'sctp', port: 9000, transportUse: 'data', addresses: [address] },
        asapTransport: { kind: 'sctp', port: 9000, transportUse: 'data', addresses: [address] },
        policy: { name: 'RoundRobin' },
      },
      now: sim.now,
    });
    if (!r.ok) throw new Error('register');
  }
  note(`download: mentor holds ${total.toLocaleString('en-US')} PEs`);
  const statsBefore = { ...sim.stats };
  const start = sim.now;
  const t0 = performance.now();
  const c0 = cpuMs();
  sim.startRegistrar(1);
  while (doneAt === undefined && sim.now - start < 600_000) sim.run(50);
  const wall = performance.now() - t0;
  const cpu = cpuMs() - c0;
  const s = sim.stats;
  responses = s.enrpMessages - statsBefore.enrpMessages;
  const label = `${total.toLocaleString('en-US')}-PE handlespace download`;
  if (doneAt === undefined) throw new Error('download did not finish');
  record(`${label}: CPU time of the simulation process`, cpu / 1000, 's');
  record(`${label}: wall time`, wall / 1000, 's');
  record(`${label}: time inside core calls (wall)`, (s.coreMs - statsBefore.coreMs) / 1000, 's');
  record(`${label}: time inside encode+decode (wall)`, (s.codecMs - statsBefore.codecMs) / 1000, 's');
  record(`${label}: simulated time at 0.05 ms one-way`, (doneAt - start) / 1000, 's');
  record(`${label}: ENRP messages`, responses, 'count');
  record(`${label}: bytes`, s.bytes - statsBefore.bytes, 'B');
  const late = sim.registrars[1]!.core.handlespace.size;
  if (late !== total) throw new Error(`downloaded ${late} of ${total}`);
}

// ---- 3. Takeover of many PEs --------------------------------------------------------------------------

function takeover(total: number): void {
  let startedAt: number | undefined;
  let startedWall = 0;
  let startedCpu = 0;
  let adopted = 0;
  let lastAdoptedAt = 0;
  let winnerId = 0;
  const sim = new RegistrarScope({
    measure: () => performance.now(),
    seed: 3,
    registrars: 3,
    latencyMs: 0.05,
    codec: true,
    multicast: false,
    reregistrationIntervalMs: 600_000,
    registrarOptions: { keepAliveIntervalMs: 60_000, keepAliveTimeoutMs: 10_000 },
    onEvent: (n, e, now) => {
      if (e.kind === 'takeoverStarted' && startedAt === undefined) {
        startedAt = now;
        startedWall = performance.now();
        startedCpu = cpuMs();
      }
      if (e.kind === 'takeoverDone') winnerId = n.core.registrarId;
    },
    onElementEvent: (_e, ev, now) => {
      if (ev.kind === 'homeChanged') {
        adopted++;
        lastAdoptedAt = now;
      }
    },
  });
  for (let i = 0; i < 3; i++) sim.startRegistrar(i);
  sim.run(6_000);
  for (let i = 0; i < total; i++) sim.addElement(pool(i % 100), { name: 'RoundRobin' }, [1]);
  sim.run(5_000);
  const victim = sim.registrars[1]!.core;
  const owned = victim.handlespace.countOwnedBy(victim.registrarId);
  note(`takeover: registrar 1 owns ${owned.toLocaleString('en-US')} PEs; killing it`);
  const statsBefore = { ...sim.stats };
  sim.killRegistrar(1);
  while (adopted < owned && sim.now < 600_000) sim.run(10);
  const wall = performance.now() - startedWall;
  const cpu = cpuMs() - startedCpu;
  const label = `takeover of ${owned.toLocaleString('en-US')} PEs`;
  if (startedAt === undefined || adopted < owned)
    throw new Error(`takeover incomplete: ${adopted} of ${owned}`);
  record(`${label}: CPU time from Init Takeover to the last PE adopting`, cpu / 1000, 's');
  record(`${label}: wall time, same span`, wall / 1000, 's');
  record(
    `${label}: time inside core and codec calls after the kill (wall)`,
    (sim.stats.coreMs + sim.stats.codecMs - statsBefore.coreMs - statsBefore.codecMs) / 1000,
    's',
  );
  record(
    `${label}: simulated time from Init Takeover to the last adoption (0.05 ms one-way)`,
    lastAdoptedAt - startedAt,
    'ms',
  );
  const winner = sim.registrars.find((r) => r.core.registrarId === winnerId)!;
  record(
    `${label}: PEs owned by the winner afterwards`,
    winner.core.handlespace.countOwnedBy(winnerId),
    'count',
  );
}

/**
 * 4. The same propagation over the real transport: 5 of our registrars on loopback (127.0.14.1-5, SCTP
 * over UDP 9899 each), static peers, and pool elements registering one after another at registrar 1.
 * Delay = from the home registrar adding the PE to the last of the other four adding it (events with
 * performance.now() stamps, all in this process). Target: p99 <= 20 ms.
 */
async function realPropagation(count: number): Promise<void> {
  const { PoolElement, Registrar } = await import('../src/api/index.js');
  const ips = [1, 2, 3, 4, 5].map((k) => `127.0.14.${k}`);
  const fast = { peerHeartbeatCycleMs: 500, mentorDiscoveryTimeoutMs: 500, keepAliveIntervalMs: 5_000 };
  const registrars = await Promise.all(
    ips.map((ip, k) =>
      Registrar.start({
        id: 0x5e000001 + k,
        asap: `${ip}:3863`,
        enrp: `${ip}:9901`,
        peers: ips.filter((p) => p !== ip).map((p) => `${p}:9901`),
        asapAnnounce: 'off',
        enrpAnnounce: 'off',
        minAddressScope: 'loopback',
        ...fast,
      }),
    ),
  );
  const seen = new Map<number, number[]>();
  for (const r of registrars) {
    r.on('event', (e) => {
      const id =
        e.kind === 'handlespaceChanged' && e.change === 'added'
          ? e.element.id
          : e.kind === 'peerElementChanged' && e.change === 'added'
            ? e.id
            : undefined;
      if (id === undefined) return;
      const list = seen.get(id) ?? [];
      list.push(performance.now());
      seen.set(id, list);
    });
  }
  await new Promise((r) => setTimeout(r, 2_000)); // peers meet, start-up phases end
  const pes = [];
  const delays: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const pe = await PoolElement.start({
        poolHandle: `pool-${i % 10}`,
        service: 'discard',
        registrars: [`${ips[0]}:3863`],
        asapAnnounce: 'off',
        local: `127.0.15.${1 + (i % 250)}`,
      });
      pes.push(pe);
      const end = Date.now() + 5_000;
      while ((seen.get(pe.id)?.length ?? 0) < 5 && Date.now() < end)
        await new Promise((r) => setTimeout(r, 1));
      const stamps = seen.get(pe.id) ?? [];
      if (stamps.length === 5) delays.push(Math.max(...stamps) - Math.min(...stamps));
      if (pes.length >= 250) await pes.shift()?.close(100); // one address each: reuse them
    }
  } finally {
    await Promise.all(pes.map((p) => p.close(100)));
    await Promise.all(registrars.map((r) => r.close()));
  }
  record(`real loopback: registrations propagated to all 5 registrars (of ${count})`, delays.length, 'count');
  record('real loopback: propagation delay to all 5 registrars, p50', percentile(delays, 50), 'ms');
  record('real loopback: propagation delay to all 5 registrars, p99', percentile(delays, 99), 'ms');
  note(`real loopback target: p99 <= 20 ms: ${percentile(delays, 99) <= 20 ? 'met' : 'NOT met'}`);
}

/**
 * 5. A new registrar downloads the handlespace of its mentor over the real transport (loopback). The
 * mentor's PEs are put into its handlespace directly (their registration is not what is measured).
 * From the new registrar's start to its holding every PE. Target: <= 5 s for 100,000 PEs.
 */
async function realSync(count: number): Promise<void> {
  const { Registrar } = await import('../src/api/index.js');
  const common = {
    asapAnnounce: 'off',
    enrpAnnounce: 'off',
    minAddressScope: 'loopback',
    mentorDiscoveryTimeoutMs: 30_000,
  } as const;
  const mentor = await Registrar.start({
    ...common,
    id: 0x5f000001,
    asap: '127.0.16.1:3863',
    enrp: '127.0.16.1:9901',
  });
  const transport = { kind: 'sctp', port: 7, transportUse: 'data', addresses: ['127.0.16.100'] } as const;
  const asapTransport = {
    kind: 'sctp',
    port: 9000,
    transportUse: 'data',
    addresses: ['127.0.16.100'],
  } as const;
  for (let i = 0; i < count; i++) {
    mentor.handlespace.register({
      poolHandle: pool(i % 1000),
      element: {
        id: i + 1,
        homeRegistrarId: mentor.id,
        registrationLife: 3_600_000,
        userTransport: transport,
        asapTransport,
        policy: { name: 'RoundRobin' },
      },
      now: 0,
    });
  }
  const t0 = performance.now();
  const cpu0 = cpuMs();
  const fresh = await Registrar.start({
    ...common,
    id: 0x5f000002,
    asap: '127.0.16.2:3863',
    enrp: '127.0.16.2:9901',
    peers: ['127.0.16.1:9901'],
  });
  try {
    const end = Date.now() + 60_000;
    while (fresh.handlespace.size < count && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    const ms = performance.now() - t0;
    record(
      `real loopback: new registrar downloads ${count.toLocaleString('en-US')} PEs from its mentor`,
      ms / 1000,
      's',
    );
    record('real loopback: process CPU during the download (both registrars)', (cpuMs() - cpu0) / 1000, 's');
    record('real loopback: PEs downloaded', fresh.handlespace.size, 'count');
    note(
      `real loopback sync target: <= 5 s: ${fresh.handlespace.size === count && ms <= 5_000 ? 'met' : 'NOT met'}`,
    );
  } finally {
    await fresh.close();
    await mentor.close();
  }
}

propagation();
download(quick ? 10_000 : 100_000);
takeover(quick ? 2_000 : 10_000);
await realPropagation(quick ? 50 : 200);
await realSync(quick ? 10_000 : 100_000);
report(metrics);
