// The `rserpool` CLI as separate processes over loopback SCTP/UDP: a registrar, two echo servers,
// `resolve`, `terminal`, a server's SIGTERM (deregistration) and SIGKILL (keep-alive timeout), the
// registrar's SIGTERM, the `demo` command, and a server whose registrar is unreachable or rejects it.
//
// Addresses and ports of this file: 127.0.1.1-5 with ASAP port 44863 (the registrar at 127.0.1.1), so
// that it can run beside test/api (127.0.0.x, port 43863). Each component owns UDP 9899 on its address.
// The demo runs on 127.0.12.1-5 (its --subnet option); the servers without a working registrar on
// 127.0.2.x.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CliProcess, CliProcesses, type LogLine } from '../helpers/cli-process.js';

const REGISTRAR = '127.0.1.1';
const PORT = 44863;
const AT = `${REGISTRAR}:${PORT}`;
const KEEPALIVE_MS = 500;

const children = new CliProcesses();
const start = (name: string, args: readonly string[]): CliProcess => children.start(name, args);

/** Runs a CLI command to its end; rejects after timeoutMs (and kills it). */
async function run(
  name: string,
  args: readonly string[],
  stdin: string,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = start(name, args);
  p.child.stdin!.end(stdin);
  const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  const { code } = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout, stderr: p.stderrText };
}

after(() => children.killAll());

describe('CLI processes over loopback: registrar, two echo servers, resolve, terminal', () => {
  let registrar: CliProcess;
  const servers: CliProcess[] = [];
  const peIds: string[] = [];

  const removed = (pe: string) => (l: LogLine) => l.message === 'PE removed' && l.pe === pe;

  before(async () => {
    registrar = start('registrar', [
      'registrar',
      '--asap',
      AT,
      '--asap-announce',
      'off',
      '--min-address-scope',
      'loopback',
      '--keepalive-interval',
      String(KEEPALIVE_MS),
      '--keepalive-timeout',
      String(KEEPALIVE_MS),
      '--log-json',
    ]);
    await registrar.waitLog((l) => l.message === 'registrar started', 60_000);
    for (const host of ['127.0.1.2', '127.0.1.3'])
      servers.push(
        start(`server ${host}`, [
          'server',
          '--echo',
          '--registrar',
          AT,
          '--local',
          host,
          '--asap-announce',
          'off',
          '--log-json',
        ]),
      );
    for (const s of servers) {
      const { line } = await s.waitLog((l) => l.message === 'pool element started', 60_000);
      peIds.push(line.pe as string);
    }
    for (const pe of peIds)
      await registrar.waitLog(
        (l) => l.message === 'PE added' && l.pe === pe && l.pool === 'EchoPool',
        10_000,
      );
  });

  it('resolve --json lists both pool elements', async () => {
    const r = await run(
      'resolve',
      ['resolve', '--pool', 'EchoPool', '--registrar', AT, '--local', '127.0.1.4', '--items', '5', '--json'],
      '',
      60_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as {
      poolHandle: string;
      policy: string;
      poolElements: { id: string; transport: { kind: string; addresses: string[] } }[];
    };
    assert.equal(json.poolHandle, 'EchoPool');
    assert.equal(json.policy, 'RoundRobin');
    assert.deepEqual(json.poolElements.map((pe) => pe.id).sort(), [...peIds].sort());
    assert.deepEqual(json.poolElements.flatMap((pe) => pe.transport.addresses).sort(), [
      '127.0.1.2',
      '127.0.1.3',
    ]);
  });

  it('resolve of an unknown pool exits 1', async () => {
    const r = await run(
      'resolve unknown',
      ['resolve', '--pool', 'NoSuchPool', '--registrar', AT, '--local', '127.0.1.4', '--timeout', '5000'],
      '',
      60_000,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^rserpool resolve: /);
  });

  it('terminal echoes the piped lines', async () => {
    const lines = ['hello', 'pool element', 'line 3'];
    const r = await run(
      'terminal',
      [
        'terminal',
        '--pool',
        'EchoPool',
        '--registrar',
        AT,
        '--local',
        '127.0.1.5',
        '--asap-announce',
        'off',
        '--linger',
        '800',
      ],
      `${lines.join('\n')}\n`,
      20_000,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').filter(Boolean), lines);
    assert.match(r.stderr, /\[connected to pool element 0x[0-9a-f]{8}\]/);
  });

  it('terminal makes no resolution of its own: two runs use both PEs of the RoundRobin pool', async () => {
    // Each resolution moves a RoundRobin pool on; one extra per run put every run on the same PE of two.
    const args = ['terminal', '--pool', 'EchoPool', '--registrar', AT, '--local', '127.0.1.5'];
    const pes = new Set<string>();
    for (let k = 0; k < 2; k++) {
      const r = await run('terminal', [...args, '--asap-announce', 'off', '--linger', '300'], 'x\n', 20_000);
      assert.equal(r.code, 0, r.stderr);
      const pe = /\[connected to pool element 0x([0-9a-f]{8})\]/.exec(r.stderr);
      assert.ok(pe, r.stderr);
      pes.add(pe[1]!);
    }
    assert.equal(pes.size, 2, `two runs, two PEs: ${[...pes]}`);
  });

  it('SIGTERM of a server: it deregisters at once and exits 0', async () => {
    const server = servers[0]!;
    const pe = peIds[0]!;
    const t0 = Date.now();
    server.kill('SIGTERM');
    const { at, line } = await registrar.waitLog(removed(pe), 5_000);
    assert.equal(line.reason, 'deregistered');
    assert.ok(at - t0 < 1_500, `deregistered after ${at - t0} ms`);
    const exit = await server.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(server.logs.some((l) => l.line.message === 'deregistering on SIGTERM'));
  });

  it('SIGKILL of a server: removed within the keep-alive interval + timeout', async () => {
    const server = servers[1]!;
    const pe = peIds[1]!;
    const t0 = Date.now();
    server.kill('SIGKILL');
    const slack = 2_000;
    const { at, line } = await registrar.waitLog(removed(pe), 2 * KEEPALIVE_MS + slack + 2_000);
    const after = at - t0;
    // The keep-alive timeout, or SCTP noticing the dead peer first: either way within the bound.
    assert.ok(['keepAliveTimeout', 'associationLost'].includes(line.reason as string), String(line.reason));
    assert.ok(after <= 2 * KEEPALIVE_MS + slack, `removed after ${after} ms`);
    assert.equal((await server.exited).signal, 'SIGKILL');
  });

  it('SIGTERM of the registrar: it stops and exits 0', async () => {
    registrar.kill('SIGTERM');
    const exit = await registrar.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(registrar.logs.some((l) => l.line.message === 'stopping on SIGTERM'));
  });
});

describe('demo command as a process', () => {
  it('answers 12 of 12 requests with a failover, exits 0', async () => {
    // Its own loopback /24 keeps it clear of the other test files.
    const r = await run('demo', ['demo', '--subnet', '127.0.12', '--interval', '200'], '', 25_000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /12 of 12 requests answered/);
    assert.match(r.stdout, /killing pool element/);
    assert.match(r.stdout, /1 failover\(s\)/);
  });
});

// Issue points 9 and 10 for `server`: addresses 127.0.2.x (nothing listens at 127.0.2.9).
describe('server without a working registrar', () => {
  it('unreachable registrar: says it is not registered (and retries); SIGTERM does not claim "deregistered"', async () => {
    const server = start('server, no registrar', [
      'server',
      '--registrar',
      '127.0.2.9:3863',
      '--local',
      '127.0.2.2',
      '--asap-announce',
      'off',
      '--log-json',
    ]);
    const { line } = await server.waitLog((l) => l.message === 'not registered yet', 20_000);
    assert.match(String(line.reason), /no registrar answered at 127\.0\.2\.9:3863 \(still trying;/);
    server.kill('SIGTERM');
    assert.deepEqual(await server.exited, { code: 0, signal: null });
    const messages = server.logs.map((l) => l.line.message);
    assert.ok(
      messages.includes('stopping on SIGTERM (not registered: nothing to deregister)'),
      messages.join(),
    );
    assert.ok(!messages.some((m) => /deregister(ed|ing)/.test(m) && !m.includes('nothing')), messages.join());
  });

  it('a registration rejected for a loopback address exits 1 naming the flags of both sides', async () => {
    const registrar = start('registrar, site-local', [
      'registrar',
      '--asap',
      '127.0.2.1:3863',
      '--asap-announce',
      'off',
      '--log-json',
    ]);
    await registrar.waitLog((l) => l.message === 'registrar started', 60_000);
    const server = start('server, loopback', [
      'server',
      '--registrar',
      '127.0.2.1:3863',
      '--local',
      '127.0.2.3',
      '--asap-announce',
      'off',
      '--log-json',
    ]);
    assert.deepEqual(await server.exited, { code: 1, signal: null });
    const last = server.stderrText.trim().split('\n').at(-1)!;
    assert.match(last, /^rserpool server: registration rejected by the registrar \(cause 0xf008, /);
    assert.match(last, /run the registrar with --min-address-scope loopback/);
    assert.match(last, /with --local\)$/);
    registrar.kill('SIGTERM');
    await registrar.exited;
  });
});
