// Issue 7, OUR pool users against RSPLIB's pool elements (live VM): our CLI `pingpong`, `calcapp` and
// `fractal` use RSPLIB's `rspserver -pingpong / -calcapp / -fractal` (two per pool, registered at
// RSPLIB's registrar) and fail over with a Cookie Echo when the rspserver serving the session is
// SIGKILLed in the guest; tshark decodes the control channel (PPID 11) and PPIDs 32/33/34 of the runs.
//
// Layout (VM_NUMBERS.sessionsOurClients): rspregistrar at 10.77.N.2:3863; six rspservers in the guest
// (-registrar=10.77.N.2:3863 -asapannounce=off); our CLI clients in the namespace from 10.77.N.11..13
// with --registrar 10.77.N.2:3863 --asap-announce off. A namespace capture (tap0) holds exactly the
// traffic between our clients and RSPLIB.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fractalPoint } from '../../src/services/mandelbrot.js';
import { closeInteropRig, startInteropRig } from '../helpers/interop-rig.js';
import { rigSkip, VM_NUMBERS, type Vm } from '../helpers/rig.js';
import { analysePcap, assertCleanCapture, type Capture } from '../helpers/tshark.js';
import {
  appFrames,
  cookieEchos,
  countApp,
  fractalData,
  PPID,
  pingPongCookieReplyNo,
} from './support/app-frames.js';
import { type CliProcess, startCli } from './support/cli.js';
import { hex, sleep } from './support/driver-client.js';

const VM_N = VM_NUMBERS.sessionsOurClients;
const LOG = '-loglevel=3 -logcolor=off';
const REGISTRAR = 0xb7000001;
/** rspserver guest name → PE id. */
const PES = {
  pp1: 0xb7000b01,
  pp2: 0xb7000b02,
  ca1: 0xb7000c01,
  ca2: 0xb7000c02,
  fg1: 0xb7000f01,
  fg2: 0xb7000f02,
} as const;
type PeName = keyof typeof PES;
/** CalcApp PEs as in fixture scenario C: 200 000 calculations/s, a cookie every 2 s, keep-alives 2 s. */
/** About 4 s of work for an rspserver at maxIterations 1000 (TCG guest, loaded host): 2500 gives margin. */
const FRACTAL = { width: 240, height: 160, maxIterations: 2500 } as const;
const CAP =
  '-capcapacity=200000 -capcookiemaxtime=2 -capkeepalivetransmissioninterval=2000 -capkeepalivetimeoutinterval=2000';

const nameOf = (id: number): PeName => {
  const found = (Object.keys(PES) as PeName[]).find((k) => PES[k] === id);
  assert.ok(found, `PE ${hex(id)} is one of ours`);
  return found;
};
const connectedTo = (out: string): number => {
  const m = /connected to pool element 0x([0-9a-f]{8})/.exec(out);
  assert.ok(m, out);
  return Number.parseInt(m[1]!, 16);
};
/** The client's exit code, or 'timeout' (the timer is cleared: a pending one would hold the process). */
const exitOf = (cli: CliProcess, timeoutMs: number): Promise<number | null | 'timeout'> =>
  cli.child.exitCode !== null
    ? Promise.resolve(cli.child.exitCode)
    : new Promise((r) => {
        const t = setTimeout(() => r('timeout'), timeoutMs);
        cli.child.once('exit', (code) => {
          clearTimeout(t);
          r(code);
        });
      });

describe('our pool users at RSPLIB pool elements, with failover', {
  skip: await rigSkip(),
  timeout: 240_000,
}, () => {
  let vm: Vm;
  let dir: string;
  let capture: Capture;
  let asap: string;
  const ip: Record<number, string> = {};
  const clis: CliProcess[] = [];
  const killed: PeName[] = [];
  /** The ReplyNo of the first Pong after the failover: what our Cookie Echo must have carried. */
  let replyAfterFailover: number | undefined;

  before(async () => {
    ({ dir, vm, capture } = await startInteropRig(VM_N, 'sessions-ours', {
      iface: 'tap0',
      filter: 'udp port 9899',
    }));
    for (const k of [11, 12, 13]) ip[k] = await vm.addHostIp(k);
    asap = `${vm.guestIp}:3863`;
    await vm.spawn(
      'pr',
      `rspregistrar -identifier=0x${hex(REGISTRAR)} -asap=${asap} -enrp=${vm.guestIp}:9901 -asapannounce=off -enrpannounce=off ${LOG}`,
    );
    await sleep(6_000); // the registrar's start-up phase
    const server = (flag: string, pool: string, name: PeName, extra = ''): Promise<void> =>
      vm.spawn(
        name,
        `rspserver -${flag} -poolhandle=${pool} -policy=RoundRobin -identifier=0x${hex(PES[name])} -registrar=${asap} -asapannounce=off ${LOG} ${extra}`,
      );
    await server('pingpong', 'PingPongPool', 'pp1');
    await server('pingpong', 'PingPongPool', 'pp2');
    await server('calcapp', 'CalcAppPool', 'ca1', CAP);
    await server('calcapp', 'CalcAppPool', 'ca2', CAP);
    await server('fractal', 'FractalGeneratorPool', 'fg1');
    await server('fractal', 'FractalGeneratorPool', 'fg2');
    // All six registered: hsdump-free check through the registrar's log would be fragile; the
    // PEs' own logs say "Connected to registrar" once they have registered.
    for (const name of Object.keys(PES)) await vm.waitForLog(name, /Connected to registrar/, 30_000);
    await sleep(1_000);
  });

  after(async () => {
    if (process.env['RSERPOOL_INTEROP_KEEP_LOGS'] && vm) {
      for (const c of clis) console.log(c.output());
      for (const name of Object.keys(PES)) console.log(name, await vm.log(name).catch(() => ''));
    }
    for (const c of clis) await c.stop();
    await capture?.stop();
    await closeInteropRig({ dir, vm });
  });

  const client = (args: string[], k: number): CliProcess => {
    const cli = startCli(vm, [...args, '--registrar', asap, '--local', ip[k]!, '--asap-announce', 'off']);
    clis.push(cli);
    return cli;
  };

  test('(2a) our pingpong fails over from a killed rspserver -pingpong: no duplicate or out-of-order Pong, cookie continuity', async () => {
    const started = Date.now();
    const pp = client(['pingpong', '--interval', '250', '--count', '40'], 11);
    await pp.waitFor(/connected to pool element/, 30_000);
    const first = connectedTo(pp.output());
    await pp.waitFor(/^Pong 8 /m, 30_000);
    const victim = nameOf(first);
    const killedAt = Date.now();
    await vm.signal(victim, 'KILL');
    killed.push(victim);
    await pp.waitFor(/now on pool element/, 30_000);
    const failoverMs = Date.now() - killedAt;
    const code = await exitOf(pp, 60_000);
    const out = pp.output();
    console.log(
      out
        .replace(/^(?!Pong)/gm, '# ')
        .split('\n')
        .filter((l) => !l.startsWith('Pong'))
        .join('\n'),
    );
    assert.equal(
      code,
      0,
      `pingpong exit code (0 = no duplicate, out-of-order or reply-number error):\n${out}`,
    );
    const stats =
      /(\d+) Pings sent \((\d+) again after failover\), (\d+) Pongs; (\d+) failover\(s\), (\d+) with cookie; duplicate (\d+), out of order (\d+), reply-number errors (\d+)/.exec(
        out,
      );
    assert.ok(stats, out);
    const [, , , pongs, failovers, withCookie, dup, ooo, replyErr] = stats.map(Number);
    assert.equal(pongs, 40);
    assert.ok(failovers! >= 1 && withCookie! >= 1, `>= 1 failover with cookie: ${stats[0]}`);
    assert.deepEqual([dup, ooo, replyErr], [0, 0, 0]);
    // The printed Pongs: MessageNos 1..40 once each in order; ReplyNos consecutive across the failover
    // (the second rspserver continues from the cookie); PEs: the killed one, then the other one.
    const pongLines = [...out.matchAll(/^Pong (\d+) \(reply (\d+)\) from 0x([0-9a-f]{8})/gm)];
    assert.deepEqual(
      pongLines.map((m) => Number(m[1])),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      pongLines.map((m) => Number(m[2])),
      Array.from({ length: 40 }, (_, i) => i + 1),
      'ReplyNos continue from the cookie',
    );
    const pes = [...new Set(pongLines.map((m) => Number.parseInt(m[3]!, 16)))];
    assert.equal(pes.length, 2, 'Pongs from two PEs');
    assert.equal(pes[0], first);
    replyAfterFailover = Number(pongLines.find((m) => Number.parseInt(m[3]!, 16) !== first)?.[2]);
    const now = /now on pool element 0x([0-9a-f]{8})/.exec(out);
    assert.ok(now && /state restored from the cookie/.test(out), out);
    console.log(
      `# pingpong: ${pes.map(hex).join(' -> ')}, ${stats[0]}; failover complete ${failoverMs} ms after the kill (whole run ${Date.now() - started} ms)`,
    );
  });

  test('(2b) our calcapp completes its job with a failover resumed from the cookie of a killed rspserver -calcapp', async () => {
    const started = Date.now();
    const ca = client(
      [
        'calcapp',
        '--jobs',
        '1',
        '--job-size',
        '2000000',
        // As calcappclient in fixture scenario C: the guest (TCG, 1 vCPU) may take > 1 s to answer.
        '--keepalive-interval',
        '2000',
        '--keepalive-timeout',
        '2000',
      ],
      12,
    );
    await ca.waitFor(/connected to pool element/, 30_000);
    const first = connectedTo(ca.output());
    await sleep(4_500); // 200 000 calculations/s: about 0.9 M done, two cookies sent
    const victim = nameOf(first);
    const killedAt = Date.now();
    await vm.signal(victim, 'KILL');
    killed.push(victim);
    await ca.waitFor(/now on pool element/, 30_000);
    const failoverMs = Date.now() - killedAt;
    const code = await exitOf(ca, 60_000);
    const out = ca.output();
    console.log(out.replace(/^/gm, '# '));
    assert.equal(code, 0, out);
    const m =
      /job 1: 2000000 calculations in ([\d.]+) s on (0x[0-9a-f]{8}) -> (0x[0-9a-f]{8}); (\d+) failover\(s\), (\d+) resumed from cookie/.exec(
        out,
      );
    assert.ok(m, out);
    assert.equal(Number.parseInt(m[2]!, 16), first);
    assert.notEqual(m[3], m[2]);
    assert.ok(Number(m[4]) >= 1 && Number(m[5]) >= 1, m[0]);
    // Resumed, not restarted: 2 M calculations at 200 000/s take 10 s; a restart would take 10 s more.
    assert.ok(Number(m[1]) < 19, `job time ${m[1]} s`);
    console.log(
      `# calcapp: ${m[0]}; failover complete ${failoverMs} ms after the kill (run ${Date.now() - started} ms)`,
    );
  });

  test('(2c) our fractal writes a complete PNG across a failover from a killed rspserver -fractal', async () => {
    const started = Date.now();
    const png = join(dir, 'fractal.png');
    const fg = client(
      [
        'fractal',
        '--out',
        png,
        '--width',
        String(FRACTAL.width),
        '--height',
        String(FRACTAL.height),
        '--max-iterations',
        String(FRACTAL.maxIterations),
      ],
      13,
    );
    await fg.waitFor(/connected to pool element/, 30_000);
    const first = connectedTo(fg.output());
    await sleep(1_000);
    const victim = nameOf(first);
    const doneBeforeKill = fg.child.exitCode !== null;
    const killedAt = Date.now();
    await vm.signal(victim, 'KILL');
    killed.push(victim);
    await fg.waitFor(/now on pool element/, 30_000);
    const failoverMs = Date.now() - killedAt;
    const code = await exitOf(fg, 90_000);
    const out = fg.output();
    console.log(out.replace(/^/gm, '# '));
    assert.ok(!doneBeforeKill, 'the image was not complete before the kill');
    assert.equal(code, 0, out);
    const m = /: 240x160, (\d+) failover\(s\), (\d+) point\(s\) missing/.exec(out);
    assert.ok(m, out);
    assert.ok(Number(m[1]) >= 1, m[0]);
    assert.equal(Number(m[2]), 0, m[0]);
    assert.match(out, /now on pool element 0x[0-9a-f]{8}, state restored from the cookie/);
    const bytes = await readFile(png);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(bytes.readUInt32BE(16), 240);
    assert.equal(bytes.readUInt32BE(20), 160);
    console.log(
      `# fractal${m[0]}; failover complete ${failoverMs} ms after the kill (run ${Date.now() - started} ms)`,
    );
  });

  test('(3) tshark decodes the Cookies, Cookie Echos and PPID 32/33/34 messages of these runs cleanly', async () => {
    await sleep(1_000);
    const path = await capture.stop();
    const summary = await analysePcap(path);
    const frames = await appFrames(path);
    const { counts, bad } = countApp(frames, vm.guestIp);
    console.log(`# ${summary.frames} frames; ${JSON.stringify(counts)}`);
    assert.deepEqual(
      bad.map((f) => `${f.frame} ${f.src}->${f.dst} ppid ${f.ppids.join(',')}`),
      [],
      'malformed or expert-error frames',
    );
    assertCleanCapture(summary);
    const c = (k: string): number => counts[k] ?? 0;
    // Control channel: RSPLIB's Cookies (11) to us, our Cookie Echos (12) to RSPLIB, one per failover.
    assert.ok(c('rsplib->ours asap 11') > 0, 'ASAP Cookies from RSPLIB');
    assert.ok(c('ours->rsplib asap 12') >= killed.length, `a Cookie Echo per failover (${killed.length})`);
    assert.ok(c('ours->rsplib pingpong 1') >= 40 && c('rsplib->ours pingpong 2') >= 40, 'Ping/Pong');
    assert.ok(c('ours->rsplib calcapp 1') >= 1 && c('rsplib->ours calcapp 2') >= 2, 'Request, Accepts');
    assert.ok(c('rsplib->ours calcapp 5') === 1, 'one Complete');
    assert.ok(c('ours->rsplib fractal 1') >= 1 && c('rsplib->ours fractal 2') > 0, 'Parameter, Data');
    // Our Cookie Echos carry RSPLIB's cookies unchanged, as tshark reads them.
    const echos = await cookieEchos(path);
    for (const e of echos)
      console.log(`# Cookie Echo frame ${e.frame} ${e.src} -> ${e.dst}: ${e.cookie.toString('hex')}`);
    const pp = echos.filter((e) => pingPongCookieReplyNo(e.cookie) !== undefined);
    assert.equal(pp.length, 1);
    assert.equal(pingPongCookieReplyNo(pp[0]!.cookie), replyAfterFailover, 'the Ping-Pong cookie echoed');
    const ca = echos.filter((e) => e.cookie.length === 20);
    assert.equal(ca.length, 1);
    assert.equal(ca[0]!.cookie.readUInt32BE(0), 1, 'CalcApp cookie of job 1');
    assert.equal(ca[0]!.cookie.readBigUInt64BE(4), 2_000_000n, 'job size');
    const fg = echos.filter((e) => e.cookie.subarray(0, 8).toString('latin1') === '<FG-TD1>');
    assert.equal(fg.length, 1, 'one Fractal cookie echoed');
    // <FG-TD1>, the Parameter (RSPLIB writes its Length field as 4), CurrentX, CurrentY.
    const fgCookie = fg[0]!.cookie;
    assert.equal(fgCookie.length, 76);
    assert.deepEqual(
      [fgCookie.readUInt32BE(12), fgCookie.readUInt32BE(16), fgCookie.readUInt32BE(20)],
      [FRACTAL.width, FRACTAL.height, FRACTAL.maxIterations],
    );
    console.log(
      `# FGP cookie echoed: Parameter Length field ${fgCookie.readUInt16BE(10)}, resume at x=${fgCookie.readUInt32BE(68)} y=${fgCookie.readUInt32BE(72)}`,
    );
    // The points RSPLIB sent, as tshark decodes them, against our own point function: row-major from
    // (StartX, StartY), wrapping at the width; the end mark (0xffffffff, no points) closes the image.
    const parameter = {
      ...FRACTAL,
      algorithmId: 1,
      c1Real: 2.2,
      c1Imag: -1.2,
      c2Real: -1,
      c2Imag: 1.2,
      n: 2,
    };
    let points = 0;
    let mismatches = 0;
    const covered = new Set<number>();
    for (const d of await fractalData(path)) {
      let x = d.startX;
      let y = d.startY;
      for (const v of d.values) {
        points++;
        covered.add(y * FRACTAL.width + x);
        if (v !== fractalPoint(parameter, x, y)) mismatches++;
        if (++x >= FRACTAL.width) {
          x = 0;
          y++;
        }
      }
    }
    console.log(
      `# FGP: ${points} points in Data messages, ${covered.size} of ${FRACTAL.width * FRACTAL.height} pixels, ${mismatches} differ from our fractalPoint`,
    );
    assert.equal(covered.size, FRACTAL.width * FRACTAL.height, 'every pixel sent by RSPLIB');
    assert.equal(mismatches, 0, 'RSPLIB computes the points as our fractalPoint does');
    for (const ppid of [PPID.asap, PPID.fractal, PPID.pingpong, PPID.calcapp])
      assert.ok(
        frames.some((f) => f.ppids.includes(ppid)),
        `PPID ${ppid} present`,
      );
  });
});
