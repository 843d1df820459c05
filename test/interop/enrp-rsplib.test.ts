// Issue 6, ENRP against live RSPLIB registrars (one VM): RSPLIB's rspregistrar in the guest and our
// registrars in the namespace form one operation scope with static peers (multicast off).
// (a) a registration at either registrar is visible at the other; both hsdumps agree; checksums equal;
// (b) a new registrar of ours syncs from an RSPLIB mentor, a new RSPLIB registrar from ours;
// (c) a SIGKILLed RSPLIB registrar's PEs are taken over by ours, and the other way round;
// (d) tshark decodes every ENRP message of the run without a malformed frame or expert error.
//
// Layout (VM_NUMBERS.enrpRsplib): RSPLIB registrar A 0xa0000001 at 10.77.N.2 (ASAP 3863, ENRP 9901,
// -peer=10.77.N.1:9901); our registrar O1 0x0e000001 at 10.77.N.1 (ASAP 3863, ENRP 9901, peer A; driver
// process); our PE at 10.77.N.11 (driver); our hsdump from 10.77.N.12; our registrar O2 0xf0000002 at
// 10.77.N.13 (peer A only); RSPLIB registrar B 0xa0000002 at 10.77.N.2 (ASAP 13863, ENRP 19901, peer O1).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PeChecksumAccumulator } from '../../src/wire/checksum.js';
import { closeInteropRig, startInteropRig } from '../helpers/interop-rig.js';
import { rigSkip, VM_NUMBERS, type Vm } from '../helpers/rig.js';
import { analysePcap, type Capture, ENRP } from '../helpers/tshark.js';
import { runCli } from './support/cli.js';
import type { HandlespaceEntry } from './support/driver.js';
import { Driver, hex, sleep } from './support/driver-client.js';

const VM_N = VM_NUMBERS.enrpRsplib;
const LOG = '-loglevel=3 -logcolor=off';
const POOL = 'EchoPool';
const RSPLIB_A = 0xa0000001;
const RSPLIB_B = 0xa0000002;
const OURS_1 = 0x0e000001;
/** Above RSPLIB_B, and with long peer timers: in (c2) it acks B's Init Takeover instead of competing. */
const OURS_2 = 0xf0000002;
const RSPLIB_PE = 0xa0000101;
const OUR_PE = 0x0e000101;
/** RSPLIB's timers (ms; each at or near its minimum) and ours alike, so that a run takes seconds. */
const RSPLIB_TIMERS = [
  '-peerheartbeatcycle=1000',
  '-peermaxtimelastheard=2000',
  '-peermaxtimenoresponse=2000',
  '-mentordiscoverytimeout=2000',
  '-takeoverexpiryinterval=3000',
  '-endpointkeepalivetransmissioninterval=1000',
  '-endpointkeepalivetimeoutinterval=1000',
].join(' ');
const OUR_TIMERS = {
  peerHeartbeatCycleMs: 1_000,
  peerMaxTimeLastHeardMs: 2_000,
  peerMaxTimeNoResponseMs: 2_000,
  mentorDiscoveryTimeoutMs: 2_000,
  takeoverExpiryIntervalMs: 3_000,
  keepAliveIntervalMs: 1_000,
  keepAliveTimeoutMs: 1_000,
};

const swap16 = (v: number): number => ((v & 0xff) << 8) | (v >>> 8);
const handle = (s: string): Uint8Array => new TextEncoder().encode(s);
const checksumOf = (ids: readonly number[]): number => {
  const a = new PeChecksumAccumulator();
  for (const id of ids) a.add(handle(POOL), id);
  return a.value;
};

interface Hs {
  size: number;
  checksum: number;
  ownChecksum: number;
  entries: HandlespaceEntry[];
}

/** RSPLIB hsdump's PEs: id → home (from "- idx:#N: $ID flags=..." and the following "home=$H"). */
function parseRsplibDump(dump: string): Map<number, { home: number; chsum: number }> {
  const out = new Map<number, { home: number; chsum: number }>();
  const re = /idx:#\d+: \$([0-9a-f]+) flags=[^\n]*\n\s*chsum=\$([0-9a-f]+) home=\$([0-9a-f]+)/g;
  for (const m of dump.matchAll(re))
    out.set(Number.parseInt(m[1]!, 16), {
      chsum: Number.parseInt(m[2]!, 16),
      home: Number.parseInt(m[3]!, 16),
    });
  return out;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
    await sleep(500);
  }
}

describe('ENRP with live RSPLIB registrars', { skip: await rigSkip(), timeout: 240_000 }, () => {
  let vm: Vm;
  let dir: string;
  let capture: Capture;
  let o1: Driver;
  let o2: Driver | undefined;
  let peDriver: Driver;
  let ip11: string;
  let ip12: string;
  let ip13: string;

  const rsplibDump = (enrpPort: number): Promise<string> =>
    vm.guest(`hsdump ${vm.guestIp}:${enrpPort} -logcolor=off 2>&1`, 30_000);
  const hsOf = (d: Driver, name: string): Promise<Hs> => d.call<Hs>({ op: 'handlespace', name });

  before(async () => {
    ({ dir, vm, capture } = await startInteropRig(VM_N, 'enrp', {
      iface: 'any',
      filter: 'not tcp port 7000',
    }));
    ip11 = await vm.addHostIp(11);
    ip12 = await vm.addHostIp(12);
    ip13 = await vm.addHostIp(13);
    await vm.spawn(
      'prA',
      `rspregistrar -identifier=0x${hex(RSPLIB_A)} -asap=${vm.guestIp}:3863 -enrp=${vm.guestIp}:9901 -peer=${vm.hostIp}:9901 -asapannounce=off -enrpannounce=off ${RSPLIB_TIMERS} ${LOG}`,
    );
    o1 = await Driver.start(vm, 'O1');
    await o1.call({
      op: 'registrar',
      name: 'pr',
      options: {
        id: OURS_1,
        asap: `${vm.hostIp}:3863`,
        enrp: `${vm.hostIp}:9901`,
        peers: [`${vm.guestIp}:9901`],
        asapAnnounce: 'off',
        enrpAnnounce: 'off',
        minAddressScope: 'site-local',
        ...OUR_TIMERS,
      },
    });
    await sleep(3_000); // start-up phases (mentor discovery 2 s)
  });

  after(async () => {
    if (process.env['RSERPOOL_INTEROP_KEEP_LOGS'] && vm) {
      console.log(o1?.log, o2?.log, peDriver?.log);
      for (const n of ['prA', 'prB', 'pe1']) console.log(`## ${n}\n${await vm.log(n).catch(() => '')}`);
    }
    await capture?.stop();
    await o2?.stop();
    await peDriver?.stop();
    await o1?.stop();
    await closeInteropRig({ dir, vm });
  });

  test('(a) registrations at either registrar are visible at both; hsdumps and checksums agree', async () => {
    await vm.spawn(
      'pe1',
      `rspserver -echo -poolhandle=${POOL} -policy=RoundRobin -identifier=0x${hex(RSPLIB_PE)} -registrar=${vm.guestIp}:3863 -asapannounce=off ${LOG}`,
    );
    peDriver = await Driver.start(vm, 'our PE');
    await peDriver.call({
      op: 'pe',
      name: 'pe',
      wait: true,
      options: {
        poolHandle: POOL,
        service: 'echo',
        policy: 'RoundRobin',
        id: OUR_PE,
        registrars: [`${vm.hostIp}:3863`],
        local: ip11,
        asapAnnounce: 'off',
      },
    });
    const t0 = Date.now();
    // RSPLIB's PE (registered at A) at ours, with home A.
    const hs = await until(
      'RSPLIB PE in our handlespace',
      async () => {
        const h = await hsOf(o1, 'pr');
        return h.entries.some((e) => e.id === RSPLIB_PE) ? h : undefined;
      },
      20_000,
    );
    const theirs = hs.entries.find((e) => e.id === RSPLIB_PE)!;
    assert.equal(theirs.home, RSPLIB_A);
    assert.deepEqual(theirs.addresses, [vm.guestIp]);
    // Our PE (registered at ours) at RSPLIB's, with home O1.
    const dump = await until(
      'our PE in RSPLIB hsdump',
      async () => {
        const d = await rsplibDump(9901);
        return parseRsplibDump(d).has(OUR_PE) && parseRsplibDump(d).has(RSPLIB_PE) ? d : undefined;
      },
      20_000,
    );
    console.log(`# both PEs at both registrars ${Date.now() - t0} ms after our PE registered`);
    const rsplib = parseRsplibDump(dump);
    assert.deepEqual([...rsplib.keys()].sort(), [OUR_PE, RSPLIB_PE].sort());
    assert.equal(rsplib.get(OUR_PE)!.home, OURS_1);
    assert.equal(rsplib.get(RSPLIB_PE)!.home, RSPLIB_A);
    // Our CLI hsdump of ours: the same PE set and homes.
    const r = await runCli(vm, ['hsdump', `${vm.hostIp}:9901`, '--json', '--local', ip12]);
    assert.equal(r.code, 0, r.stderr);
    const ours = JSON.parse(r.stdout) as {
      checksumsByOwner: Record<string, string>;
      pools: { poolHandle: string; poolElements: { id: string; home: string }[] }[];
    };
    const oursPes = new Map(
      ours.pools.flatMap((p) =>
        p.poolElements.map((pe) => [Number.parseInt(pe.id, 16), Number.parseInt(pe.home, 16)] as const),
      ),
    );
    assert.deepEqual(
      new Map([...rsplib].map(([id, v]) => [id, v.home])),
      oursPes,
      'our hsdump and RSPLIB hsdump: the same PEs with the same homes',
    );
    // Checksums: per PE (RSPLIB prints them byte-swapped), per owner, and the whole handlespace.
    for (const id of [OUR_PE, RSPLIB_PE])
      assert.equal(rsplib.get(id)!.chsum, swap16(checksumOf([id])), `chsum of ${hex(id)}`);
    assert.equal(Number.parseInt(ours.checksumsByOwner[`0x${hex(OURS_1)}`]!, 16), checksumOf([OUR_PE]));
    assert.equal(Number.parseInt(ours.checksumsByOwner[`0x${hex(RSPLIB_A)}`]!, 16), checksumOf([RSPLIB_PE]));
    const now = await hsOf(o1, 'pr');
    assert.equal(now.checksum, checksumOf([OUR_PE, RSPLIB_PE]), 'our handlespace checksum');
    assert.equal(now.ownChecksum, checksumOf([OUR_PE]), 'our own checksum');
    const total = /Checksums: Handlespace=\$([0-9a-f]+)/.exec(dump);
    assert.ok(total, 'RSPLIB hsdump prints the handlespace checksum');
    assert.equal(Number.parseInt(total[1]!, 16), swap16(now.checksum), 'RSPLIB and our handlespace checksum');
    console.log(
      `# RSPLIB hsdump Handlespace=$${total?.[1]}; ours 0x${now.checksum.toString(16)} own 0x${now.ownChecksum.toString(16)}`,
    );
  });

  test('(b1) a new registrar of ours syncs the handlespace from an RSPLIB mentor', async () => {
    o2 = await Driver.start(vm, 'O2');
    const started = Date.now();
    await o2.call({
      op: 'registrar',
      name: 'pr',
      options: {
        id: OURS_2,
        asap: `${ip13}:3863`,
        enrp: `${ip13}:9901`,
        peers: [`${vm.guestIp}:9901`],
        asapAnnounce: 'off',
        enrpAnnounce: 'off',
        minAddressScope: 'site-local',
        ...OUR_TIMERS,
        peerMaxTimeLastHeardMs: 60_000,
        peerMaxTimeNoResponseMs: 60_000,
      },
    });
    const hs = await until(
      'both PEs at O2',
      async () => {
        const h = await hsOf(o2!, 'pr');
        return h.entries.length === 2 ? h : undefined;
      },
      15_000,
    );
    console.log(`# O2 has both PEs ${Date.now() - started} ms after start`);
    const homes = new Map(hs.entries.map((e) => [e.id, e.home]));
    assert.deepEqual(
      homes,
      new Map([
        [OUR_PE, OURS_1],
        [RSPLIB_PE, RSPLIB_A],
      ]),
    );
    assert.equal(hs.checksum, checksumOf([OUR_PE, RSPLIB_PE]));
    assert.equal(hs.ownChecksum, checksumOf([]));
  });

  test('(c1) RSPLIB registrar SIGKILLed: ours takes over its PE, which then stays with ours', async () => {
    await sleep(6_000); // peers that left (the hsdumps) are dropped after last-heard + no-response
    const killedAt = Date.now();
    await vm.signal('prA', 'KILL');
    const hs = await until(
      'takeover of the RSPLIB PE by O1',
      async () => {
        const h = await hsOf(o1, 'pr');
        return h.entries.find((e) => e.id === RSPLIB_PE)?.home === OURS_1 ? h : undefined;
      },
      20_000,
    );
    console.log(`# O1 took over ${hex(RSPLIB_PE)} ${Date.now() - killedAt} ms after SIGKILL`);
    // rspserver logs its new home on our Keep Alive with H.
    await vm.waitForLog('pe1', new RegExp(`Home registrar is \\$${hex(OURS_1)}`), 10_000);
    assert.equal(hs.ownChecksum, checksumOf([OUR_PE, RSPLIB_PE]));
    // The PE answers our keep-alives: it stays through several cycles (interval 1 s, timeout 1 s).
    await sleep(5_000);
    const later = await hsOf(o1, 'pr');
    const pe = later.entries.find((e) => e.id === RSPLIB_PE);
    assert.ok(pe, 'the taken-over RSPLIB PE stays in our handlespace');
    assert.equal(pe.home, OURS_1);
    assert.ok(
      !o1.events.some((e) => e.what === 'removed' && 'pe' in e && e.pe === RSPLIB_PE),
      'never removed',
    );
  });

  test('(b2) a new RSPLIB registrar syncs the handlespace from our mentor', async () => {
    const started = Date.now();
    await vm.spawn(
      'prB',
      `rspregistrar -identifier=0x${hex(RSPLIB_B)} -asap=${vm.guestIp}:13863 -enrp=${vm.guestIp}:19901 -peer=${vm.hostIp}:9901 -asapannounce=off -enrpannounce=off ${RSPLIB_TIMERS} ${LOG}`,
    );
    const dump = await until(
      'both PEs at RSPLIB registrar B',
      async () => {
        const d = await rsplibDump(19901);
        return parseRsplibDump(d).size === 2 ? d : undefined;
      },
      20_000,
    );
    console.log(`# RSPLIB B has both PEs ${Date.now() - started} ms after start`);
    const pes = parseRsplibDump(dump);
    assert.equal(pes.get(OUR_PE)?.home, OURS_1);
    assert.equal(pes.get(RSPLIB_PE)?.home, OURS_1);
  });

  test('(c2) our registrar SIGKILLed: RSPLIB takes over its PEs', async () => {
    // No hsdump at B from here until the takeover is done: each hsdump is a peer of B for a few seconds,
    // and B waits for an Init Takeover Ack from every peer it knows (run 1: takeover expired, 5 acks
    // outstanding, all hsdumps).
    await sleep(10_000);
    const killedAt = Date.now();
    o1.sigkill();
    // rspserver logs its new home on the Keep Alive with H.
    await vm.waitForLog('pe1', new RegExp(`Home registrar is \\$${hex(RSPLIB_B)}`), 25_000);
    console.log(`# the RSPLIB PE reports to RSPLIB B ${Date.now() - killedAt} ms after SIGKILL of ours`);
    await sleep(3_000);
    const pes = parseRsplibDump(await rsplibDump(19901));
    assert.equal(pes.size, 2);
    assert.equal(pes.get(RSPLIB_PE)?.home, RSPLIB_B);
    assert.equal(pes.get(OUR_PE)?.home, RSPLIB_B, 'our PE was taken over too');
    await sleep(3_000);
    const later = parseRsplibDump(await rsplibDump(19901));
    assert.equal(later.get(OUR_PE)?.home, RSPLIB_B, 'our PE stays (answers RSPLIB keep-alives)');
    assert.equal(later.get(RSPLIB_PE)?.home, RSPLIB_B);
  });

  test('(d) tshark decodes every ENRP message of the run: no malformed frame, no expert error', async () => {
    await peDriver.stop();
    await sleep(1_500);
    const path = await capture.stop();
    // ENRP over SCTP only: our SCTP INIT copies to UDP 9901 (tryPeerSctpPortAsUdpPort, docs/interop.md
    // findings) are decoded by tshark as ENRP over UDP, which they are not. ICMP port unreachables of
    // the namespace quote RSPLIB B's packets to our killed O1 truncated (bad checksum for tshark).
    const enrp = await analysePcap(path, { displayFilter: 'sctp && enrp && !icmp' });
    console.log(`# ${enrp.frames} ENRP frames, ${JSON.stringify([...enrp.enrp])}`);
    assert.deepEqual(enrp.malformed, [], 'malformed ENRP frames');
    assert.deepEqual(enrp.expertErrors, [], 'ENRP frames with expert errors');
    assert.deepEqual(enrp.badChecksum, [], 'bad CRC32c');
    for (const type of [
      ENRP.presence,
      ENRP.handleTableRequest,
      ENRP.handleTableResponse,
      ENRP.handleUpdate,
      ENRP.listRequest,
      ENRP.listResponse,
      ENRP.initTakeover,
      ENRP.initTakeoverAck,
    ])
      assert.ok((enrp.enrp.get(type) ?? 0) > 0, `ENRP type ${type} present`);
  });
});
