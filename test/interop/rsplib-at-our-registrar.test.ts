// Issue 5, RSPLIB at OUR registrar (live VM): an RSPLIB echo PE registers with our registrar and stays
// registered through keep-alives (our `resolve` lists it); RSPLIB's rspterminal resolves at our registrar
// and gets its echo from that PE; PEs killed with SIGKILL (RSPLIB's in the guest, ours in the namespace)
// disappear within keep-alive interval + timeout; tshark decodes every ASAP message of the run.
//
// Layout (VM_NUMBERS.rsplibAtOurRegistrar): our registrar at 10.77.N.1:3863 (UDP 9899, driver process),
// our PE at 10.77.N.11 (its own driver process, so that SIGKILL kills only it), our CLI `resolve` from
// 10.77.N.12; RSPLIB's rspserver and rspterminal in the guest (10.77.N.2) with -registrar=10.77.N.1:3863.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closeInteropRig, startInteropRig } from '../helpers/interop-rig.js';
import { rigSkip, VM_NUMBERS, type Vm } from '../helpers/rig.js';
import { ASAP, analysePcap, assertCleanCapture, type Capture, startCapture } from '../helpers/tshark.js';
import { runCli } from './support/cli.js';
import type { DriverEvent } from './support/driver.js';
import { Driver, hex, sleep } from './support/driver-client.js';
import { judgeCapture, stopVmAndCopyCapture } from './support/frames.js';

const VM_N = VM_NUMBERS.rsplibAtOurRegistrar;
const LOG = '-loglevel=3 -logcolor=off';
const KEEPALIVE_INTERVAL_MS = 1_000;
const KEEPALIVE_TIMEOUT_MS = 1_000;
/** Scheduling slack on top of interval + timeout (2 busy cores, QEMU). */
const SLACK_MS = 1_500;
const REGISTRAR_ID = 0x0e000001;
const RSPLIB_PE = 0xa0000101;
const RSPLIB_PE_KILLED = 0xa0000102;
const OUR_PE = 0x0e000101;
const POOL = 'EchoPool';

const removed = (pe: number) => (e: DriverEvent) => e.what === 'removed' && 'pe' in e && e.pe === pe;
const added = (pe: number) => (e: DriverEvent) => e.what === 'added' && 'pe' in e && e.pe === pe;

describe('RSPLIB PEs and PUs at our registrar', { skip: await rigSkip(), timeout: 240_000 }, () => {
  let vm: Vm;
  let dir: string;
  let capture: Capture;
  let registrar: Driver;
  let peDriver: Driver | undefined;
  let registrarAsap: string;
  let puIp: string;
  let peIp: string;

  before(async () => {
    ({ dir, vm, capture } = await startInteropRig(VM_N, 'ours', {
      iface: 'any',
      filter: 'not tcp port 7000',
    }));
    peIp = await vm.addHostIp(11);
    puIp = await vm.addHostIp(12);
    registrarAsap = `${vm.hostIp}:3863`;
    registrar = await Driver.start(vm, 'registrar');
    await registrar.call({
      op: 'registrar',
      name: 'pr',
      options: {
        id: REGISTRAR_ID,
        asap: registrarAsap,
        asapAnnounce: 'off',
        minAddressScope: 'site-local',
        keepAliveIntervalMs: KEEPALIVE_INTERVAL_MS,
        keepAliveTimeoutMs: KEEPALIVE_TIMEOUT_MS,
      },
    });
    // term.sh (as in the fixture scenarios): feeds rspterminal two lines and keeps its stdin open.
    await vm.guest(`cat > /tmp/term.sh <<"EOF"
#!/bin/sh
name=$1; pool=$2; text=$3; shift 3
( sleep 2; echo "$text #1"; sleep 2; echo "$text #2"; sleep 3600 ) | rspterminal -poolhandle=$pool -logcolor=off "$@" &
echo $! > /tmp/$name.pid
wait
EOF
chmod +x /tmp/term.sh`);
  });

  after(async () => {
    if (process.env['RSERPOOL_INTEROP_KEEP_LOGS'] && vm) {
      console.log(registrar?.log, peDriver?.log, await vm.log('pe1').catch(() => ''));
    }
    await capture?.stop();
    await registrar?.stop();
    await peDriver?.stop();
    await closeInteropRig({ dir, vm });
  });

  test('(1) rspserver -echo registers at our registrar and stays registered through keep-alives; our resolve lists it', async () => {
    const kaCapture = await startCapture(join(dir, 'keepalive.pcap'), {
      netns: vm.netns,
      iface: 'tap0',
      filter: 'udp port 9899',
    });
    await vm.spawn(
      'pe1',
      `rspserver -echo -poolhandle=${POOL} -policy=RoundRobin -identifier=0x${hex(RSPLIB_PE)} -registrar=${registrarAsap} -asapannounce=off ${LOG}`,
    );
    const add = await registrar.waitEvent('registration of the RSPLIB PE', added(RSPLIB_PE), 30_000);
    // More than two keep-alive cycles (interval 1 s, timeout 1 s).
    await sleep(3 * (KEEPALIVE_INTERVAL_MS + KEEPALIVE_TIMEOUT_MS) - 1_000);
    await sleep(500);
    const summary = await analysePcap(await kaCapture.stop());
    assert.ok(!registrar.events.some(removed(RSPLIB_PE)), 'the RSPLIB PE was never removed');
    const keepAlives = summary.asap.get(ASAP.endpointKeepAlive) ?? 0;
    const acks = summary.asap.get(ASAP.endpointKeepAliveAck) ?? 0;
    console.log(`# ${keepAlives} keep-alives, ${acks} acks in ${Date.now() - add.at} ms after registration`);
    assert.ok(keepAlives > 2, `more than 2 Endpoint Keep Alives (saw ${keepAlives})`);
    assert.ok(acks > 2, `more than 2 Endpoint Keep Alive Acks (saw ${acks})`);
    const hs = await registrar.call<{
      entries: { pool: string; id: number; addresses: string[]; policy: string }[];
    }>({
      op: 'handlespace',
      name: 'pr',
    });
    const entry = hs.entries.find((e) => e.id === RSPLIB_PE);
    assert.ok(entry, 'in our handlespace');
    assert.equal(entry.pool, POOL);
    assert.equal(entry.policy, 'RoundRobin');
    assert.deepEqual(entry.addresses, [vm.guestIp]);
    const r = await runCli(vm, [
      'resolve',
      '--pool',
      POOL,
      '--registrar',
      registrarAsap,
      '--local',
      puIp,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const resolution = JSON.parse(r.stdout) as {
      poolElements: { id: string; transport: { addresses: string[] } }[];
    };
    const listed = resolution.poolElements.find((pe) => Number.parseInt(pe.id, 16) === RSPLIB_PE);
    assert.ok(listed, `resolve lists ${hex(RSPLIB_PE)}: ${r.stdout}`);
    assert.deepEqual(listed.transport.addresses, [vm.guestIp]);
  });

  test('(2) rspterminal resolves at our registrar and gets the echo from that PE', async () => {
    await vm.spawn(
      'pu1',
      `/tmp/term.sh pu1 ${POOL} hello-ours -registrar=${registrarAsap} -asapannounce=off ${LOG}`,
    );
    try {
      const log = await vm.waitForLog('pu1', /hello-ours #2/, 30_000);
      assert.match(log, new RegExp(`from PE \\$${hex(RSPLIB_PE)}> hello-ours #1`));
      assert.match(log, new RegExp(`from PE \\$${hex(RSPLIB_PE)}> hello-ours #2`));
    } finally {
      await vm.signal('pu1', 'INT').catch(() => undefined);
    }
  });

  test('(5a) an RSPLIB PE killed with SIGKILL in the guest disappears within interval + timeout', async () => {
    await vm.spawn(
      'pe2',
      `rspserver -echo -poolhandle=${POOL} -policy=RoundRobin -identifier=0x${hex(RSPLIB_PE_KILLED)} -registrar=${registrarAsap} -asapannounce=off ${LOG}`,
    );
    await registrar.waitEvent('registration of the second RSPLIB PE', added(RSPLIB_PE_KILLED), 30_000);
    await sleep(1_500);
    const killedAt = Date.now();
    await vm.signal('pe2', 'KILL');
    const bound = KEEPALIVE_INTERVAL_MS + KEEPALIVE_TIMEOUT_MS + SLACK_MS;
    const gone = await registrar.waitEvent(
      'removal of the killed RSPLIB PE',
      removed(RSPLIB_PE_KILLED),
      bound + 5_000,
    );
    const took = gone.at - killedAt;
    console.log(
      `# RSPLIB PE removed ${took} ms after SIGKILL (reason ${'reason' in gone ? gone.reason : '?'})`,
    );
    assert.ok(took <= bound, `removed after ${took} ms > ${bound} ms`);
    assert.ok(!registrar.events.some(removed(RSPLIB_PE)), 'the other RSPLIB PE stays');
  });

  test('(5b) our PE killed with SIGKILL (sends nothing) disappears within interval + timeout', async () => {
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
        registrars: [registrarAsap],
        local: peIp,
        asapAnnounce: 'off',
      },
    });
    await registrar.waitEvent('registration of our PE', added(OUR_PE), 10_000);
    await sleep(1_500); // a keep-alive cycle or so: the kill lands at a random point of the cycle
    const killedAt = Date.now();
    peDriver.sigkill();
    const bound = KEEPALIVE_INTERVAL_MS + KEEPALIVE_TIMEOUT_MS + SLACK_MS;
    const gone = await registrar.waitEvent('removal of our killed PE', removed(OUR_PE), bound + 5_000);
    const took = gone.at - killedAt;
    console.log(`# our PE removed ${took} ms after SIGKILL (reason ${'reason' in gone ? gone.reason : '?'})`);
    assert.ok(took <= bound, `removed after ${took} ms > ${bound} ms`);
    assert.ok(took >= 0);
    assert.ok(!registrar.events.some(removed(RSPLIB_PE)), 'the RSPLIB PE stays');
  });

  test('(7) tshark decodes every ASAP message of the run: no malformed frame, no expert error, good CRC32c', async () => {
    await registrar.stop();
    await sleep(1_500); // tshark drops what it has not written yet when stopped
    const ns = await analysePcap(await capture.stop());
    // QEMU completes the guest NIC capture when it exits; copied before the VM number is released.
    const nicPath = await stopVmAndCopyCapture(vm, join(dir, 'guest-nic.pcap'));
    const nic = await analysePcap(nicPath);
    for (const [name, summary, path] of [
      ['namespace (any)', ns, capture.file],
      ['guest NIC', nic, nicPath],
    ] as const) {
      const judged = await judgeCapture(path, [vm.guestIp]);
      assert.deepEqual(judged.rest, [], `${name}: malformed or expert-error ASAP frames`);
      assert.deepEqual(judged.rsplibRejects, [], `${name}: no registration was rejected in this run`);
      if (judged.initCopies.length > 0) {
        console.log(
          `# ${name}: ${judged.initCopies.length} SCTP INIT copies of ours to UDP 3863 (tshark calls them malformed ASAP; as SCTP they are clean): frames ${judged.initCopies.map((f) => f.frame).join(' ')}`,
        );
      }
      assert.ok(
        judged.frames.some((f) => f.src !== vm.guestIp && f.types.length > 0),
        'ASAP messages of ours',
      );
      assert.ok(
        judged.frames.some((f) => f.src === vm.guestIp && f.types.length > 0),
        'ASAP messages of RSPLIB',
      );
      assertCleanCapture(
        summary,
        [...judged.initCopies, ...judged.rsplibRejects].map((f) => f.frame),
      );
      for (const type of [
        ASAP.registration,
        ASAP.registrationResponse,
        ASAP.handleResolution,
        ASAP.handleResolutionResponse,
        ASAP.endpointKeepAlive,
        ASAP.endpointKeepAliveAck,
      ]) {
        assert.ok((summary.asap.get(type) ?? 0) > 0, `${name}: ASAP type ${type} present`);
      }
      console.log(`# ${name}: ${summary.frames} frames, ASAP ${JSON.stringify([...summary.asap])}`);
    }
  });
});
