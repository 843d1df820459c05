// Smoke test of the RSPLIB rig, independent of the project's own SCTP stack: RSPLIB registrar and
// echo PE in the guest find each other (hsdump sees the PE), their multicast announces reach the
// host side of the namespace, and SCTP over UDP 9899 flows both ways between the guest kernel and a
// Node process of ours inside the namespace. If this fails, every other interop test would too.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bootVm, rigSkip, SCTP_UDP_PORT, VM_NUMBERS, type Vm } from '../helpers/rig.js';
import { ASAP, analysePcap, type Capture, ENRP, type PcapSummary, startCapture } from '../helpers/tshark.js';
import { checksumOk, firstChunkType, sctpInit } from './support/sctp-raw.js';
import type { ProbeCommand, ProbeDatagram, ProbeMessage } from './support/udp-probe.js';

const VM_N = VM_NUMBERS.rigSmoke;
const LOG = '-loglevel=3 -logcolor=off';
const REGISTRAR_ID = 'A0000001';
const PE_ID = 'A0000101';
const SCTP_INIT = 1;
const SCTP_INIT_ACK = 2;

/** Collects the probe's datagrams and lets a test wait for one matching a predicate. */
class ProbeLog {
  private readonly seen: ProbeDatagram[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: ProbeMessage) => {
      if (message.kind !== 'datagram') return;
      this.seen.push(message);
      for (const wake of this.waiters) wake();
    });
  }

  waitFor(what: string, match: (d: ProbeDatagram) => boolean, timeoutMs = 15_000): Promise<ProbeDatagram> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.seen.find(match);
        if (!found) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`probe: no ${what} within ${timeoutMs} ms (saw ${this.seen.length} datagrams)`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  send(command: ProbeCommand): void {
    this.child.send(command);
  }
}

function startProbe(vm: Vm, extraIp: string): Promise<ProbeLog> {
  const child = vm.spawnNode('test/interop/support/udp-probe.ts', [vm.hostIp, extraIp]);
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  const probe = new ProbeLog(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`udp-probe did not start: ${stderr}`)), 20_000);
    child.on('message', (message: ProbeMessage) => {
      if (message.kind === 'ready') {
        clearTimeout(timer);
        resolve(probe);
      } else if (message.kind === 'error') reject(new Error(`udp-probe: ${message.message}`));
    });
    child.once('exit', (code) => reject(new Error(`udp-probe exited (${code}): ${stderr}`)));
  });
}

const bytes = (d: ProbeDatagram): Buffer => Buffer.from(d.hex, 'hex');

describe('RSPLIB rig smoke test', { skip: await rigSkip(), timeout: 240_000 }, () => {
  let vm: Vm;
  let probe: ProbeLog;
  let extraIp: string;
  let dir: string;
  let tapCapture: Capture;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rserpool-rig-smoke-'));
    vm = await bootVm(VM_N);
    console.log(`# rig: VM ${VM_N} booted in ${vm.bootMs} ms`);
    // The host side's view, live (QEMU's own capture of the NIC is complete only after down()).
    tapCapture = await startCapture(join(dir, 'tap0.pcap'), {
      netns: vm.netns,
      iface: 'tap0',
      filter: 'not tcp port 7000',
    });
    extraIp = await vm.addHostIp(11);
    probe = await startProbe(vm, extraIp);
    const ip = vm.guestIp;
    await vm.spawn(
      'pr',
      `rspregistrar -identifier=0x${REGISTRAR_ID} -asap=${ip}:3863 -enrp=${ip}:9901 -asapannounce=auto -enrpannounce=auto ${LOG}`,
    );
    // The registrar answers registrations only after its start-up phase (mentor discovery, ~5 s).
    await new Promise((r) => setTimeout(r, 6_000));
    await vm.spawn(
      'pe1',
      `rspserver -echo -poolhandle=EchoPool -policy=RoundRobin -identifier=0x${PE_ID} ${LOG}`,
    );
  });

  after(async () => {
    await tapCapture?.stop();
    if (vm && process.env['RSERPOOL_INTEROP_KEEP_LOGS']) console.log(await vm.log('pr'), await vm.log('pe1'));
    await vm?.down();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('hsdump lists the echo PE registered with the registrar', async () => {
    const deadline = Date.now() + 30_000;
    let dump = '';
    while (Date.now() < deadline) {
      dump = await vm.guest(`hsdump ${vm.guestIp}:9901 -logcolor=off 2>&1`);
      if (dump.includes(`$${PE_ID.toLowerCase()}`)) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    assert.match(dump, /Pool "EchoPool", Policy "RoundRobin"/);
    assert.match(dump, new RegExp(`\\$${PE_ID.toLowerCase()} .*\\n.*home=\\$${REGISTRAR_ID.toLowerCase()}`));
    assert.match(dump, new RegExp(`userT: \\{${vm.guestIp.replaceAll('.', '\\.')}\\} \\d+/SCTP\\+CtrlCh`));
  });

  test('ASAP Server Announce and ENRP Presence reach the host side by multicast', async () => {
    const announce = await probe.waitFor('ASAP Server Announce', (d) => d.port === 3863);
    assert.equal(announce.from, vm.guestIp);
    assert.equal(bytes(announce)[0], ASAP.serverAnnounce);
    const presence = await probe.waitFor('ENRP Presence', (d) => d.port === 9901);
    assert.equal(bytes(presence)[0], ENRP.presence);
    assert.equal(bytes(presence).readUInt32BE(4).toString(16), REGISTRAR_ID.toLowerCase());
  });

  test('host to guest: an INIT to the registrar over UDP 9899 gets an INIT ACK back to 9899', async () => {
    const init = sctpInit({ srcPort: 40_001, dstPort: 3863, initiateTag: 0x0badcafe });
    probe.send({ send: { to: vm.guestIp, port: SCTP_UDP_PORT, hex: init.toString('hex') } });
    const reply = await probe.waitFor(
      'INIT ACK',
      (d) => d.port === SCTP_UDP_PORT && firstChunkType(bytes(d)) === SCTP_INIT_ACK,
    );
    assert.equal(reply.from, vm.guestIp);
    assert.equal(reply.fromPort, SCTP_UDP_PORT);
    assert.equal(bytes(reply).readUInt32BE(4), 0x0badcafe, 'verification tag = our initiate tag');
    assert.ok(checksumOk(bytes(reply)));
  });

  test('guest to host: kernel SCTP clients send INIT to UDP 9899 of 10.77.N.1 and of an added address', async () => {
    // sctp_test gets no answer (the probe is not an SCTP endpoint) and gives up; only its INIT matters.
    const client = (port: number, to: string): string =>
      `timeout 2 sctp_test -H ${vm.guestIp} -P ${port} -h ${to} -p 7 -s -c 0 -x 1 >/dev/null 2>&1`;
    await vm.guest(`${client(6000, vm.hostIp)} & ${client(6001, extraIp)}; wait`);
    for (const to of [vm.hostIp, extraIp]) {
      const isInit = (d: ProbeDatagram): boolean => d.to === to && firstChunkType(bytes(d)) === SCTP_INIT;
      const init = await probe.waitFor(`INIT from the guest to ${to}`, isInit);
      assert.equal(init.from, vm.guestIp);
      assert.equal(init.port, SCTP_UDP_PORT);
      assert.equal(init.fromPort, SCTP_UDP_PORT);
      assert.equal(bytes(init).readUInt16BE(2), 7, 'SCTP destination port');
      assert.ok(checksumOk(bytes(init)));
    }
  });

  test('RSPLIB programs configured with our address reach it: a PE (ASAP 3863) and a registrar (ENRP 9901)', async () => {
    const ip = vm.guestIp;
    await vm.spawn(
      'pe2',
      `rspserver -echo -poolhandle=HostPool -registrar=${vm.hostIp}:3863 -asapannounce=off ${LOG}`,
    );
    await vm.spawn(
      'pr2',
      `rspregistrar -asap=${ip}:13863 -enrp=${ip}:19901 -peer=${vm.hostIp}:9901 -asapannounce=off -enrpannounce=off ${LOG}`,
    );
    for (const sctpPort of [3863, 9901]) {
      const init = await probe.waitFor(
        `INIT from RSPLIB to SCTP port ${sctpPort}`,
        (d) =>
          d.to === vm.hostIp &&
          firstChunkType(bytes(d)) === SCTP_INIT &&
          bytes(d).readUInt16BE(2) === sctpPort,
        20_000,
      );
      assert.equal(init.port, SCTP_UDP_PORT);
      assert.equal(init.fromPort, SCTP_UDP_PORT);
    }
    await vm.signal('pe2', 'KILL');
    await vm.signal('pr2', 'KILL');
  });

  test('both captures, on tap0 in the namespace and of the guest NIC, decode cleanly with tshark', async () => {
    const tap = await analysePcap(await tapCapture.stop());
    await vm.down(); // QEMU completes its pcap when it exits
    const nic = await analysePcap(vm.pcapPath());
    const check = (summary: PcapSummary): void => {
      assert.deepEqual(summary.malformed, []);
      assert.deepEqual(summary.badChecksum, []);
      assert.ok((summary.asap.get(ASAP.serverAnnounce) ?? 0) > 0);
      assert.ok((summary.enrp.get(ENRP.presence) ?? 0) > 0);
      assert.equal(summary.sctpChunks.get(SCTP_INIT_ACK), 1);
      // Ours, the two of sctp_test and the two of RSPLIB (more when retransmitted).
      assert.ok((summary.sctpChunks.get(SCTP_INIT) ?? 0) >= 5);
    };
    check(tap);
    check(nic);
  });
});
