// ENRP with separate processes over loopback: three `rserpool registrar` processes peering over ENRP,
// six `rserpool server --echo` processes spread over them, `rserpool hsdump --json` of every registrar
// (same PEs, same checksums), then SIGKILL of one registrar: exactly one survivor takes its PEs over
// and no PE is lost.
//
// The test waits for states, not for time: every wait polls until what it wants holds, and its bound is
// only a hang guard. The protocol timers are short enough for a quick test and long enough that no
// process starved on a loaded machine is declared dead (which would move PEs the test does not expect).
//
// Addresses of this file: registrars 127.0.13.1-3 (ASAP 3863, ENRP 9901), PEs 127.0.13.11-16,
// in-process dumps from 127.0.13.30, hsdump processes 127.0.13.31+. Each component owns UDP 9899 on
// its own address.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { dumpHandlespace } from '../../src/api/index.js';
import { dumpToJson } from '../../src/cli/commands/hsdump.js';
import { type CliProcess, CliProcesses, type LogLine } from '../helpers/cli-process.js';

const REGISTRARS = ['127.0.13.1', '127.0.13.2', '127.0.13.3'];
const IDS = ['0x7e000001', '0x7e000002', '0x7e000003'];
const TIMERS = [
  // A silent peer is declared dead after 3 s + 2 s. With 1 s + 1 s, a registrar starved for two
  // seconds under load was taken over by a live peer.
  ...['--peer-heartbeat-cycle', '500', '--peer-max-time-last-heard', '3000'],
  ...['--peer-max-time-no-response', '2000', '--mentor-discovery-timeout', '1000'],
  // Acks come from live peers at once; a starved one must not make the takeover expire.
  ...['--takeover-expiry', '3000'],
  // A PE whose ack is late because its process was starved would be removed and re-register.
  ...['--keepalive-interval', '1000', '--keepalive-timeout', '3000'],
];
/**
 * The PEs register with a life of three intervals; peers drop a dead registrar's PEs when that runs
 * out. It must outlast the failure detection and the takeover, or a PE whose only registrar died is
 * gone before anybody can take it over (2 s, i.e. a life of 6 s, lost one under load).
 */
const REREG_MS = 10_000;
/** Hang guards: process start-up (spawn and tsx take seconds on a loaded machine) and the steps. */
const START_BOUND_MS = 60_000;
const STEP_BOUND_MS = 45_000;
const DUMP_TIMEOUT_MS = 10_000;

interface Dump {
  registrarId: string;
  checksumsByOwner: Record<string, string>;
  pools: { poolHandle: string; poolElements: { id: string; home: string }[] }[];
}

const children = new CliProcesses();
const start = (name: string, args: readonly string[]): CliProcess => children.start(name, args);

/** An in-process dump for polling: a `rserpool hsdump` process per poll costs seconds of CPU. */
async function dump(registrar: string): Promise<Dump | undefined> {
  try {
    const d = await dumpHandlespace(`${registrar}:9901`, {
      local: '127.0.13.30',
      timeoutMs: DUMP_TIMEOUT_MS,
    });
    return dumpToJson(d) as Dump;
  } catch {
    return undefined;
  }
}

let dumpAddress = 31;
async function hsdump(registrar: string): Promise<Dump | undefined> {
  const p = start('hsdump', [
    ...['hsdump', `${registrar}:9901`, '--json', '--local', `127.0.13.${dumpAddress++}`],
    ...['--timeout', String(DUMP_TIMEOUT_MS)],
  ]);
  const { code } = await p.exited;
  return code === 0 ? (JSON.parse(p.stdout) as Dump) : undefined;
}

const pesIn = (d: Dump): string[] =>
  d.pools.flatMap((p) => p.poolElements.map((e) => `${e.id}@${e.home}`)).sort();

/** Polls `probe` until it returns a value rather than the reason why not; fails with the last reason. */
async function eventually<T>(what: string, probe: () => Promise<T | string>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (typeof v !== 'string') return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${v}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const views = (ds: (Dump | undefined)[]): string => JSON.stringify(ds.map((d) => (d ? pesIn(d) : 'no dump')));

describe('ENRP with separate registrar processes on loopback', () => {
  const registrars: CliProcess[] = [];

  before(async () => {
    for (const [i, ip] of REGISTRARS.entries()) {
      const peers = REGISTRARS.filter((p) => p !== ip).flatMap((p) => ['--peer', `${p}:9901`]);
      registrars.push(
        start(`registrar ${ip}`, [
          'registrar',
          '--asap',
          `${ip}:3863`,
          '--enrp',
          `${ip}:9901`,
          '--id',
          IDS[i]!,
          '--asap-announce',
          'off',
          '--enrp-announce',
          'off',
          '--min-address-scope',
          'loopback',
          '--log-json',
          ...peers,
          ...TIMERS,
        ]),
      );
    }
    await Promise.all(
      registrars.map((r) => r.waitLog((l) => l.message === 'registrar started', START_BOUND_MS)),
    );
    const servers = Array.from({ length: 6 }, (_, k) =>
      start(`server ${k}`, [
        'server',
        '--echo',
        '--registrar',
        `${REGISTRARS[k % 3]}:3863`,
        '--local',
        `127.0.13.${11 + k}`,
        '--asap-announce',
        'off',
        '--rereg-interval',
        String(REREG_MS),
        '--log-json',
      ]),
    );
    await Promise.all(servers.map((s) => s.waitLog((l) => l.message === 'registered', START_BOUND_MS)));
  });

  after(async () => {
    await children.killAll();
    // ENRP_PROCESSES_LOG_DIR=<dir>: keep every process's log there (debugging).
    const dir = process.env.ENRP_PROCESSES_LOG_DIR;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      for (const [k, p] of children.all.entries())
        writeFileSync(`${dir}/${k}-${p.name.replace(/ /g, '-')}.log`, p.stderrText);
    }
  });

  it('every registrar holds the same six PEs with equal checksums (hsdump of each)', async () => {
    const equal = (dumpOf: (ip: string) => Promise<Dump | undefined>) => async () => {
      const ds = await Promise.all(REGISTRARS.map(dumpOf));
      if (ds.some((d) => d === undefined)) return views(ds);
      const each = ds.map((d) => pesIn(d!).join());
      return each.every((v) => v === each[0]) && pesIn(ds[0]!).length === 6 ? (ds as Dump[]) : views(ds);
    };
    await eventually('equal handlespaces', equal(dump), STEP_BOUND_MS);
    // Then the same through the CLI (normally at the first try).
    const dumps = await eventually('equal handlespaces by hsdump', equal(hsdump), STEP_BOUND_MS);
    const sums = dumps.map((d) => JSON.stringify(d.checksumsByOwner));
    assert.ok(
      sums.every((s) => s === sums[0]),
      sums.join(' / '),
    );
    assert.deepEqual(Object.keys(dumps[0]!.checksumsByOwner).sort(), [...IDS].sort());
  });

  it('SIGKILL of a registrar: one survivor takes its PEs over, no PE is lost', async () => {
    registrars[0]!.kill('SIGKILL');
    // No dumps until a survivor has taken R1 over: each dump client is a peer the takeover waits for
    // (Init Takeover Ack) until its association has ended, which under load can outlast the takeover
    // expiry, and the takeover is abandoned.
    const taken = (l: LogLine): boolean =>
      l.message === 'takeoverDone' && (l.event as { target: number }).target === Number(IDS[0]);
    await Promise.any(registrars.slice(1).map((r) => r.waitLog(taken, STEP_BOUND_MS)));
    const dumps = await eventually(
      'takeover',
      async () => {
        const ds = await Promise.all(REGISTRARS.slice(1).map(dump));
        if (ds.some((d) => d === undefined)) return views(ds);
        const ok = ds.every(
          (d) => pesIn(d!).length === 6 && pesIn(d!).every((pe) => !pe.endsWith(`@${IDS[0]}`)),
        );
        return ok && pesIn(ds[0]!).join() === pesIn(ds[1]!).join() ? (ds as Dump[]) : views(ds);
      },
      STEP_BOUND_MS,
    );
    const owners = new Set(dumps[0]!.pools.flatMap((p) => p.poolElements.map((e) => e.home)));
    assert.equal(owners.size, 2, 'the PEs belong to the two survivors only');
  });
});
