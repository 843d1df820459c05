// Issue 3: our SCTP stack against Linux kernel SCTP (the reference VM's guest kernel, SCTP over UDP
// 9899), both directions. Boots VM 14 and runs test/io/sctp-kernel.test.ts inside its network
// namespace (where the guest is reachable): we connect to `sctp_test -l` and send 1 B to 100 kB
// messages on 4 streams, then shut down; `sctp_test -s` connects to us and sends 1 B to 100 kB
// messages on 4 streams, ordered and unordered, then shuts down; RSPLIB's rspserver (kernel SCTP)
// registers with us. tshark then judges both captures (tap0 in the namespace and QEMU's capture of
// the guest NIC): no malformed frame, no bad CRC32c, and the handshakes, data and shutdowns present.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bootVm, REPO_ROOT, rigSkip, VM_NUMBERS, type Vm } from '../helpers/rig.js';
import {
  analysePcap,
  assertCleanCapture,
  type Capture,
  type PcapSummary,
  startCapture,
} from '../helpers/tshark.js';
import { stopVmAndCopyCapture } from './support/frames.js';

const VM_N = VM_NUMBERS.sctpKernel;
/** SCTP chunk types (RFC 9260 §3.2). */
const CHUNK = {
  data: 0,
  init: 1,
  initAck: 2,
  sack: 3,
  abort: 6,
  shutdown: 7,
  shutdownAck: 8,
  cookieEcho: 10,
} as const;
const SHUTDOWN_COMPLETE = 14;

describe('Linux kernel SCTP in the reference VM ⇄ our SCTP stack', { skip: await rigSkip() }, () => {
  let vm: Vm | undefined;
  let dir = '';
  let capture: Capture | undefined;
  let childOutput = '';
  let childCode: number | null = null;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sctp-kernel-'));
    vm = await bootVm(VM_N);
    capture = await startCapture(join(dir, 'tap0.pcap'), { netns: vm.netns, iface: 'tap0', filter: 'udp' });
  });

  after(async () => {
    await capture?.stop().catch(() => undefined);
    await vm?.down();
    if (process.env['RSERPOOL_INTEROP_KEEP_PCAP']) console.log(`# captures kept in ${dir}`);
    else if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('test/io/sctp-kernel.test.ts passes inside the namespace (3 tests, none skipped)', async () => {
    const env: Record<string, string | undefined> = { ...process.env, SCTP_KERNEL_VM: String(vm!.n) };
    delete env['NODE_TEST_CONTEXT']; // the child is a test run of its own, not a subtest of this one
    const child = vm!.spawnHost(
      [process.execPath, '--import', 'tsx', '--test', '--test-reporter=tap', 'test/io/sctp-kernel.test.ts'],
      { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => {
      childOutput += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      childOutput += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    [childCode] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    const count = (what: string): number =>
      Number(new RegExp(`^# ${what} (\\d+)`, 'm').exec(childOutput)?.[1] ?? -1);
    assert.equal(childCode, 0, childOutput);
    assert.equal(count('pass'), 3, childOutput);
    assert.equal(count('skipped'), 0, childOutput);
    assert.equal(count('fail'), 0, childOutput);
  });

  test('tshark: both captures have no malformed frame, no bad CRC32c; handshakes, data, shutdowns both ways', async () => {
    assert.ok(childCode !== null, 'the kernel tests ran');
    await new Promise((r) => setTimeout(r, 1500)); // dumpcap writes the last frames late (seen: the final SHUTDOWN lost)
    await capture!.stop();
    capture = undefined;
    const guestPcap = await stopVmAndCopyCapture(vm!, join(dir, 'guest.pcap'));
    const check = (name: string, s: PcapSummary): void => {
      assertCleanCapture(s);
      const chunks = (t: number): number => s.sctpChunks.get(t) ?? 0;
      name = `${name} (chunk type: count ${JSON.stringify([...s.sctpChunks])}; ${s.frames} frames)`;
      // 3 associations from the kernel (2 sctp_test, rspserver), 1 from us.
      assert.ok(chunks(CHUNK.init) >= 4 && chunks(CHUNK.initAck) >= 4, `${name}: INIT/INIT ACK`);
      assert.ok(chunks(CHUNK.cookieEcho) >= 4, `${name}: COOKIE ECHO`);
      assert.ok(chunks(CHUNK.data) > 100 && chunks(CHUNK.sack) > 10, `${name}: DATA and SACK`);
      assert.ok(chunks(CHUNK.shutdown) >= 4 && chunks(CHUNK.shutdownAck) >= 4, `${name}: SHUTDOWN/ACK`);
      assert.ok(chunks(SHUTDOWN_COMPLETE) >= 4, `${name}: SHUTDOWN COMPLETE`);
      assert.equal(chunks(CHUNK.abort), 0, `${name}: no ABORT`);
    };
    const tap = await analysePcap(join(dir, 'tap0.pcap'));
    check('tap0', tap);
    const nic = await analysePcap(guestPcap);
    check('guest NIC', nic);
    console.log(
      `# tap0: ${tap.frames} frames, guest NIC: ${nic.frames} frames; 0 malformed, 0 bad CRC32c; chunks ${JSON.stringify([...tap.sctpChunks])}`,
    );
  });
});
