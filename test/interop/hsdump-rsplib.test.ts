// `rserpool hsdump` of a live RSPLIB registrar (field test, point 1): RSPLIB needs the Server Information
// parameter in our Presence, else it cannot parse it and rejects every Handle Table Request ("This peer
// is unknown"). Our dump must succeed every time and show what RSPLIB's own hsdump shows of the same
// registrar: the same PEs with the same homes, lives, policies, user and ASAP transports and checksums.
//
// Layout (VM_NUMBERS.hsdumpRsplib): rspregistrar 0xa0000001 at 10.77.N.2 (ASAP 3863, ENRP 9901) with two
// rspservers in the guest; our CLI hsdump from 10.77.N.1.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { closeInteropRig, startInteropRig } from '../helpers/interop-rig.js';
import { rigSkip, VM_NUMBERS, type Vm } from '../helpers/rig.js';
import type { Capture } from '../helpers/tshark.js';
import { runCli } from './support/cli.js';
import { hex, sleep } from './support/driver-client.js';

const VM_N = VM_NUMBERS.hsdumpRsplib;
const LOG = '-loglevel=3 -logcolor=off';
const RSPLIB_PR = 0xa0000001;
const PES = [
  { id: 0xa0000101, pool: 'EchoPool', policy: 'RoundRobin' },
  { id: 0xa0000102, pool: 'DiscardPool', policy: 'WeightedRandom:7' },
] as const;
const TRIES = 4;

const swap16 = (v: number): number => ((v & 0xff) << 8) | (v >>> 8);

/** One PE as both dumps show it. */
interface PeView {
  pool: string;
  home: number;
  life: number;
  policy: string;
  user: string;
  asap: string;
}

/** RSPLIB hsdump's Index section: pools (with policy) and their PEs. */
function parseRsplibDump(dump: string): { checksum: number; pes: Map<number, PeView> } {
  const index = dump.slice(dump.indexOf('*-- Index:'), dump.indexOf('*-- Selection:'));
  const pes = new Map<number, PeView>();
  let pool = '';
  let policy = '';
  const peRe =
    /idx:#\d+: \$([0-9a-f]+) [^\n]*\n\s*chsum=\$[0-9a-f]+ home=\$([0-9a-f]+) life=(\d+)ms[\s\S]*?userT: \{([^}]*)\} (\d+)\/SCTP[^\n]*\n\s*regT:\s*\{([^}]*)\} (\d+)\/SCTP/y;
  for (let i = 0; i < index.length; ) {
    const poolM = /\+-- Pool "([^"]+)", Policy "([^"]+)"/y;
    poolM.lastIndex = i;
    const p = poolM.exec(index);
    if (p) {
      pool = p[1]!;
      policy = p[2]!;
    }
    peRe.lastIndex = i;
    const m = peRe.exec(index);
    if (m) {
      pes.set(Number.parseInt(m[1]!, 16), {
        pool,
        home: Number.parseInt(m[2]!, 16),
        life: Number(m[3]),
        policy,
        user: `${m[4]!.split(/,\s*/).join(',')}:${m[5]}`,
        asap: `${m[6]!.split(/,\s*/).join(',')}:${m[7]}`,
      });
      i = peRe.lastIndex;
    } else i++;
  }
  const total = /Checksums: Handlespace=\$([0-9a-f]+)/.exec(dump);
  return { checksum: total ? Number.parseInt(total[1]!, 16) : -1, pes };
}

interface OurDump {
  registrarId: string;
  ownChecksum: string;
  checksumsByOwner: Record<string, string>;
  pools: {
    poolHandle: string;
    poolElements: {
      id: string;
      home: string;
      registrationLife: number;
      policy: string;
      userTransport: { port: number; addresses: string[] };
      asapTransport?: { port: number; addresses: string[] };
    }[];
  }[];
}

function ourView(d: OurDump): Map<number, PeView> {
  const out = new Map<number, PeView>();
  for (const p of d.pools)
    for (const pe of p.poolElements)
      out.set(Number.parseInt(pe.id, 16), {
        pool: p.poolHandle,
        home: Number.parseInt(pe.home, 16),
        life: pe.registrationLife,
        // RSPLIB prints the policy name only, without its parameters.
        policy: pe.policy.split(':')[0]!,
        user: `${pe.userTransport.addresses.join(',')}:${pe.userTransport.port}`,
        asap: `${pe.asapTransport?.addresses.join(',')}:${pe.asapTransport?.port}`,
      });
  return out;
}

describe('rserpool hsdump of a live RSPLIB registrar', { skip: await rigSkip(), timeout: 180_000 }, () => {
  let vm: Vm;
  let dir: string;
  let capture: Capture;

  const rsplibDump = (): Promise<string> => vm.guest(`hsdump ${vm.guestIp}:9901 -logcolor=off 2>&1`, 30_000);

  before(async () => {
    ({ dir, vm, capture } = await startInteropRig(VM_N, 'hsdump', {
      iface: 'any',
      filter: 'not tcp port 7000',
    }));
    await vm.spawn(
      'pr',
      `rspregistrar -identifier=0x${hex(RSPLIB_PR)} -asap=${vm.guestIp}:3863 -enrp=${vm.guestIp}:9901 -asapannounce=off -enrpannounce=off -mentordiscoverytimeout=1000 ${LOG}`,
    );
    for (const [k, pe] of PES.entries()) {
      const service = pe.pool === 'EchoPool' ? '-echo' : '-discard';
      await vm.spawn(
        `pe${k}`,
        `rspserver ${service} -poolhandle=${pe.pool} -policy=${pe.policy} -identifier=0x${hex(pe.id)} -registrar=${vm.guestIp}:3863 -asapannounce=off ${LOG}`,
      );
    }
    const deadline = Date.now() + 30_000;
    while (parseRsplibDump(await rsplibDump()).pes.size < PES.length) {
      if (Date.now() > deadline) throw new Error('the RSPLIB PEs did not register within 30 s');
      await sleep(500);
    }
  });

  after(async () => {
    if (process.env['RSERPOOL_INTEROP_KEEP_LOGS'] && vm) console.log(await vm.log('pr').catch(() => ''));
    await capture?.stop();
    await closeInteropRig({ dir, vm });
  });

  test(`succeeds ${TRIES} of ${TRIES} times and shows what RSPLIB's own hsdump shows`, async () => {
    const times: number[] = [];
    for (let k = 0; k < TRIES; k++) {
      const t0 = Date.now();
      const r = await runCli(vm, ['hsdump', `${vm.guestIp}:9901`, '--json', '--timeout', '8000']);
      times.push(Date.now() - t0);
      assert.equal(r.code, 0, `try ${k + 1}: ${r.stderr}`);
      const ours = JSON.parse(r.stdout) as OurDump;
      const theirs = parseRsplibDump(await rsplibDump());
      assert.equal(ours.registrarId, `0x${hex(RSPLIB_PR)}`);
      assert.equal(theirs.pes.size, PES.length);
      assert.deepEqual(ourView(ours), theirs.pes, 'the same PEs, homes, lives, policies and transports');
      for (const pe of PES) assert.equal(theirs.pes.get(pe.id)?.policy, pe.policy.split(':')[0]);
      // RSPLIB prints its checksums byte-swapped (notes §3.3); all PEs are the registrar's own.
      assert.equal(Number.parseInt(ours.ownChecksum, 16), swap16(theirs.checksum), 'handlespace checksum');
      assert.deepEqual(Object.keys(ours.checksumsByOwner), [`0x${hex(RSPLIB_PR)}`]);
    }
    console.log(`# ${TRIES} of ${TRIES} dumps of RSPLIB, ${times.join(', ')} ms (CLI start included)`);
    const log = await vm.log('pr');
    assert.doesNotMatch(log, /Error while parsing message/, 'RSPLIB parsed every message of ours');
    assert.doesNotMatch(log, /This peer is unknown/, 'RSPLIB rejected no Handle Table Request');
  });
});
