// ENRP Presence over UDP multicast on real sockets: three `rserpool registrar` processes with no
// static peer (--enrp-announce GROUP:PORT only) find each other from their multicast Presences alone,
// become peers (each one's hsdump lists the other two), and share the registrations of two echo
// servers (each registered with one registrar; all three hold both, with equal checksums).
//
// Loopback multicast needs no set-up on Linux: `lo` has no MULTICAST flag, but a group joined and sent
// on a loopback address (IP_MULTICAST_IF / IP_ADD_MEMBERSHIP with 127.0.28.x, as src/io/node-runner.ts
// does) is delivered to every member socket on the host. If the kernel refused, the registrars would
// log "multicast ... unavailable" and this test says so.
//
// Addresses of this file: registrars 127.0.28.1-3 (ASAP 3863, ENRP 9901), PEs 127.0.28.11-12, hsdump
// clients 127.0.28.100; group 239.0.0.61 port 9961 (no other test uses them).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dumpHandlespace } from '../../src/api/index.js';
import { dumpToJson } from '../../src/cli/commands/hsdump.js';
import { type CliProcess, CliProcesses } from '../helpers/cli-process.js';

const REGISTRARS = ['127.0.28.1', '127.0.28.2', '127.0.28.3'];
const IDS = ['0x7e280001', '0x7e280002', '0x7e280003'];
const GROUP = '239.0.0.61:9961';
/**
 * Presence every 500 ms, so peering is quick; a silent peer is declared dead only after 3 s + 2 s, so a
 * registrar starved on a loaded machine is not taken over (its PE would change home, and the test
 * checks the homes).
 */
const TIMERS = [
  ...['--peer-heartbeat-cycle', '500', '--peer-max-time-last-heard', '3000'],
  ...['--peer-max-time-no-response', '2000', '--mentor-discovery-timeout', '1000'],
];
/** Hang guards only: every wait polls for its state. Start-up of a process takes seconds under load. */
const BOUND_MS = 45_000;
const START_BOUND_MS = 60_000;

interface Dump {
  registrarId: string;
  checksumsByOwner: Record<string, string>;
  peers: { registrarId: string }[];
  pools: { poolHandle: string; poolElements: { id: string; home: string }[] }[];
}

const children = new CliProcesses();
const start = (name: string, args: readonly string[]): CliProcess => children.start(name, args);

async function dump(ip: string): Promise<Dump | undefined> {
  try {
    return dumpToJson(
      await dumpHandlespace(`${ip}:9901`, { local: '127.0.28.100', timeoutMs: 10_000 }),
    ) as Dump;
  } catch {
    return undefined;
  }
}

/** Polls `probe` until it returns a value; fails after `boundMs` with the last reason. */
async function eventually<T>(what: string, probe: () => Promise<T | string>, boundMs: number): Promise<T> {
  const end = Date.now() + boundMs;
  for (;;) {
    const r = await probe();
    if (typeof r !== 'string') return r;
    if (Date.now() > end) assert.fail(`${what} not within ${boundMs} ms: ${r}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

const multicastWarnings = (): string[] =>
  children.all.flatMap((c) =>
    c.logs
      .filter((l) => l.line.level === 'warn' && /multicast/.test(l.line.message))
      .map((l) => l.line.message),
  );

describe('ENRP Presence over UDP multicast on loopback (no static peers)', () => {
  const registrars: CliProcess[] = [];

  before(async () => {
    for (const [i, ip] of REGISTRARS.entries()) {
      registrars.push(
        start(`registrar ${ip}`, [
          ...['registrar', '--asap', `${ip}:3863`, '--enrp', `${ip}:9901`, '--id', IDS[i]!],
          ...['--asap-announce', 'off', '--enrp-announce', GROUP, '--min-address-scope', 'loopback'],
          '--log-json',
          ...TIMERS,
        ]),
      );
    }
    await Promise.all(
      registrars.map((r) => r.waitLog((l) => l.message === 'registrar started', START_BOUND_MS)),
    );
  });

  after(async () => {
    await children.killAll();
  });

  it('the registrars become peers from multicast Presence alone', async () => {
    const t0 = Date.now();
    await eventually(
      'peering',
      async () => {
        const ds = await Promise.all(REGISTRARS.map(dump));
        for (const [i, d] of ds.entries()) {
          if (!d) return `no dump of R${i + 1}`;
          const peers = d.peers.map((p) => p.registrarId).filter((id) => IDS.includes(id));
          const want = IDS.filter((id) => id !== IDS[i]);
          if (peers.sort().join() !== want.join())
            return `R${i + 1} peers ${peers.join(' ')}; multicast warnings: ${multicastWarnings().join('; ') || 'none'}`;
        }
        return ds;
      },
      BOUND_MS,
    );
    assert.deepEqual(multicastWarnings(), []);
    console.log(`# peers from multicast Presence within ${Date.now() - t0} ms of start-up`);
  });

  it('a PE registered at one registrar is held by all three, with equal checksums', async () => {
    const servers = [0, 2].map((r, k) =>
      start(`server ${k}`, [
        ...['server', '--echo', '--registrar', `${REGISTRARS[r]}:3863`, '--local', `127.0.28.${11 + k}`],
        ...['--asap-announce', 'off', '--log-json'],
      ]),
    );
    await Promise.all(servers.map((s) => s.waitLog((l) => l.message === 'registered', START_BOUND_MS)));
    const t0 = Date.now();
    const dumps = await eventually(
      'the registrations everywhere',
      async () => {
        const ds = await Promise.all(REGISTRARS.map(dump));
        const views = ds.map((d) =>
          d?.pools.flatMap((p) => p.poolElements.map((e) => `${p.poolHandle}/${e.id}@${e.home}`)).sort(),
        );
        if (views.some((v) => v?.length !== 2)) return `PEs per registrar: ${views.map((v) => v?.length)}`;
        if (new Set(views.map((v) => v!.join())).size !== 1) return `views differ: ${JSON.stringify(views)}`;
        return ds as Dump[];
      },
      BOUND_MS,
    );
    const homes = dumps[0]!.pools.flatMap((p) => p.poolElements.map((e) => e.home)).sort();
    assert.deepEqual(homes, [IDS[0], IDS[2]]);
    const sums = dumps.map((d) => JSON.stringify(d.checksumsByOwner));
    assert.equal(new Set(sums).size, 1, sums.join(' / '));
    console.log(`# both PEs on all three registrars ${Date.now() - t0} ms after registering`);
  });
});
