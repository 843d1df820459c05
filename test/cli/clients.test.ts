// Issue points 9 and 10, in-process: every client command given an unreachable registrar or an unknown
// pool says so in one line on standard error and exits 1 within --timeout; bind failures name the
// address and port and the flags that change them; hsdump at a registrar without ENRP says to use
// --enrp. Addresses: 127.0.66.x (registrar 127.0.66.1; nothing listens at 127.0.66.9).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registrar } from '../../src/api/index.js';
import { runCli } from '../helpers/cli.js';

const NET = '127.0.66';
const REGISTRAR = `${NET}.1:3863`;
const NOBODY = `${NET}.9:3863`;
const dir = mkdtempSync(join(tmpdir(), 'rserpool-cli-'));

/** The client commands, each with what it needs besides the registrar and pool. */
const CLIENTS: Record<string, string[]> = {
  resolve: [],
  terminal: [],
  pingpong: ['--count', '2'],
  calcapp: ['--job-size', '1000'],
  fractal: ['--out', join(dir, 'f.png'), '--width', '4', '--height', '4'],
};

/** One line on stderr, starting `rserpool CMD: `, nothing on stdout, exit 1. */
function assertOneLineFailure(
  r: { code: number; stdout: string; stderr: string },
  cmd: string,
  re: RegExp,
): void {
  assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0]!, new RegExp(`^rserpool ${cmd}: `));
  assert.match(lines[0]!, re);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
}

describe('client commands fail in one line within --timeout', () => {
  let registrar: Registrar;
  before(async () => {
    registrar = await Registrar.start({ asap: REGISTRAR, asapAnnounce: 'off', minAddressScope: 'loopback' });
  });
  after(async () => {
    await registrar.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [cmd, extra] of Object.entries(CLIENTS)) {
    it(`${cmd}: unreachable registrar -> exit 1 after --timeout`, async () => {
      const t0 = Date.now();
      const r = await runCli([
        cmd,
        '--pool',
        'EchoPool',
        '--registrar',
        NOBODY,
        '--local',
        `${NET}.20`,
        '--timeout',
        '600',
        '--asap-announce',
        'off',
        ...extra,
      ]);
      assertOneLineFailure(
        r,
        cmd,
        new RegExp(
          `no registrar answered at ${NOBODY} within 600 ms \\(is it running there\\? check --registrar`,
        ),
      );
      assert.ok(Date.now() - t0 < 600 + 5_000, `took ${Date.now() - t0} ms`);
    });

    it(`${cmd}: unknown pool -> exit 1`, async () => {
      const r = await runCli([
        cmd,
        '--pool',
        'NoSuchPool',
        '--registrar',
        REGISTRAR,
        '--local',
        `${NET}.21`,
        '--asap-announce',
        'off',
        ...extra,
      ]);
      assertOneLineFailure(r, cmd, /pool 'NoSuchPool' is unknown to the registrar/);
    });
  }

  it('a bind failure (address in use) names the address, port and flags: no stack trace', async () => {
    const r = await runCli(['registrar', '--asap', REGISTRAR, '--asap-announce', 'off']);
    assertOneLineFailure(
      r,
      'registrar',
      new RegExp(
        `cannot bind UDP ${NET}\\.1:9899: another process uses it \\(stop that one, or choose another address or port with --asap/--enrp or --udp-port\\)$`,
      ),
    );
  });

  it('a bind failure (address not on this host) says to choose one of this host', async () => {
    const r = await runCli(['resolve', '--pool', 'P', '--registrar', REGISTRAR, '--local', '192.0.2.1']);
    assertOneLineFailure(
      r,
      'resolve',
      /cannot bind UDP 192\.0\.2\.1(:\d+)?: not an address of this host \(choose one of this host's addresses with --local\)$/,
    );
  });

  it('hsdump at a registrar without ENRP says it must run with --enrp', async () => {
    const r = await runCli(['hsdump', `${NET}.1:9901`, '--local', `${NET}.22`, '--timeout', '3000']);
    assertOneLineFailure(r, 'hsdump', /the registrar must run with --enrp 127\.0\.66\.1:9901/);
  });
});
