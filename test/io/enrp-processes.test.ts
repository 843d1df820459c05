// ENRP with separate processes over loopback: three `rserpool registrar` processes peering over ENRP,
// six `rserpool server --echo` processes spread over them, `rserpool hsdump --json` of every registrar
// (same PEs, same checksums), then SIGKILL of one registrar: exactly one survivor takes its PEs over
// and no PE is lost.
//
// Addresses of this file: registrars 127.0.13.1-3 (ASAP 3863, ENRP 9901), PEs 127.0.13.11-16,
// hsdump clients 127.0.13.30+. Each component owns UDP 9899 on its own address.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CliProcess, CliProcesses } from '../helpers/cli-process.js';

const REGISTRARS = ['127.0.13.1', '127.0.13.2', '127.0.13.3'];
const IDS = ['0x7e000001', '0x7e000002', '0x7e000003'];
const FAST = [
  '--peer-heartbeat-cycle',
  '300',
  '--peer-max-time-last-heard',
  '1000',
  '--peer-max-time-no-response',
  '1000',
  '--mentor-discovery-timeout',
  '1000',
  '--takeover-expiry',
  '1000',
  '--keepalive-interval',
  '500',
  '--keepalive-timeout',
  '500',
];

interface Dump {
  registrarId: string;
  checksumsByOwner: Record<string, string>;
  pools: { poolHandle: string; poolElements: { id: string; home: string }[] }[];
}

const children = new CliProcesses();
const start = (name: string, args: readonly string[]): CliProcess => children.start(name, args);

let dumpAddress = 30;
async function hsdump(registrar: string): Promise<Dump | undefined> {
  const p = start('hsdump', [
    'hsdump',
    `${registrar}:9901`,
    '--json',
    '--local',
    `127.0.13.${dumpAddress++}`,
    '--timeout',
    '3000',
  ]);
  const { code } = await p.exited;
  return code === 0 ? (JSON.parse(p.stdout) as Dump) : undefined;
}

const pesIn = (d: Dump): string[] =>
  d.pools.flatMap((p) => p.poolElements.map((e) => `${e.id}@${e.home}`)).sort();

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

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
          ...FAST,
        ]),
      );
    }
    await Promise.all(registrars.map((r) => r.waitLog((l) => l.message === 'registrar started', 10_000)));
    for (let k = 0; k < 6; k++) {
      const pe = start(`server ${k}`, [
        'server',
        '--echo',
        '--registrar',
        `${REGISTRARS[k % 3]}:3863`,
        '--local',
        `127.0.13.${11 + k}`,
        '--asap-announce',
        'off',
        '--rereg-interval',
        '2000',
        '--log-json',
      ]);
      await pe.waitLog((l) => l.message === 'registered', 10_000);
    }
  });

  after(async () => {
    await children.killAll();
  });

  it('every registrar holds the same six PEs with equal checksums (hsdump of each)', async () => {
    const dumps = await eventually(
      'equal handlespaces',
      async () => {
        const ds = await Promise.all(REGISTRARS.map(hsdump));
        if (ds.some((d) => d === undefined)) return undefined;
        const views = ds.map((d) => pesIn(d!).join());
        return views.every((v) => v === views[0]) && pesIn(ds[0]!).length === 6 ? (ds as Dump[]) : undefined;
      },
      20_000,
    );
    const sums = dumps.map((d) => JSON.stringify(d.checksumsByOwner));
    assert.ok(
      sums.every((s) => s === sums[0]),
      sums.join(' / '),
    );
    assert.deepEqual(Object.keys(dumps[0]!.checksumsByOwner).sort(), [...IDS].sort());
  });

  it('SIGKILL of a registrar: one survivor takes its PEs over, no PE is lost', async () => {
    // The hsdumps below poll the survivors during the takeover: as observers (no Server Information)
    // they must not hold it up.
    registrars[0]!.kill('SIGKILL');
    const dumps = await eventually(
      'takeover',
      async () => {
        const ds = await Promise.all(REGISTRARS.slice(1).map(hsdump));
        if (ds.some((d) => d === undefined)) return undefined;
        const ok = ds.every(
          (d) => pesIn(d!).length === 6 && pesIn(d!).every((pe) => !pe.endsWith(`@${IDS[0]}`)),
        );
        return ok && pesIn(ds[0]!).join() === pesIn(ds[1]!).join() ? (ds as Dump[]) : undefined;
      },
      25_000,
    );
    const owners = new Set(dumps[0]!.pools.flatMap((p) => p.poolElements.map((e) => e.home)));
    assert.equal(owners.size, 2, 'the PEs belong to the two survivors only');
  });
});
