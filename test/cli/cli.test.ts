// The `rserpool` command in-process (test/helpers/cli.ts): help and version, every command's usage,
// usage errors (one line, the usage, exit 2), decode of the README vectors and of a malformed message,
// and decode | encode round trips of RSPLIB's own messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commands } from '../../src/cli/commands/index.js';
import { mainUsage, packageVersion } from '../../src/cli/main.js';
import { runCli } from '../helpers/cli.js';
import { type FixtureMessage, loadFixture } from '../wire/rsplib-fixtures.js';

/** Every option each command documents (and parses). */
const DOCUMENTED: Record<string, readonly string[]> = {
  demo: ['--requests', '--kill-after', '--interval', '--port', '--help'],
  registrar: [
    '--asap',
    '--asap-announce',
    '--keepalive-interval',
    '--keepalive-timeout',
    '--max-bad-pe-reports',
    '--max-hres-items',
    '--min-address-scope',
    '--enrp',
    '--peer',
    '--enrp-announce',
    '--id',
    '--peer-heartbeat-cycle',
    '--peer-max-time-last-heard',
    '--peer-max-time-no-response',
    '--mentor-discovery-timeout',
    '--takeover-expiry',
    '--takeover-suggestion',
    '--udp-port',
    '--log-json',
    '--help',
  ],
  server: [
    '--echo',
    '--discard',
    '--daytime',
    '--chargen',
    '--pingpong',
    '--calcapp',
    '--fractal',
    '--pool',
    '--registrar',
    '--local',
    '--policy',
    '--id',
    '--rereg-interval',
    '--asap-announce',
    '--udp-port',
    '--log-json',
    '--help',
  ],
  terminal: ['--pool', '--registrar', '--local', '--asap-announce', '--linger', '--quiet', '--help'],
  resolve: [
    '--pool',
    '--registrar',
    '--items',
    '--json',
    '--timeout',
    '--local',
    '--asap-announce',
    '--help',
  ],
  decode: ['--protocol', '--help'],
  // encode's usage has no Options section (not even -h, --help): reported to the lead.
  encode: [],
};

const usageOf = (name: string): string => commands.find((c) => c.name === name)!.usage;

/** A usage error: `rserpool CMD: message` on one line, a blank line, then the command's usage; exit 2. */
function assertUsageError(
  r: { code: number; stdout: string; stderr: string },
  command: string,
  message: RegExp,
): void {
  assert.equal(r.code, 2, `exit code; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const [first, blank] = r.stderr.split('\n');
  assert.match(first!, new RegExp(`^rserpool ${command}: `));
  assert.match(first!, message);
  assert.equal(blank, '');
  assert.ok(r.stderr.endsWith(usageOf(command)), 'the usage follows the error line');
}

describe('rserpool --help and --version', () => {
  it('--help and -h print the main usage listing every command, exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await runCli([flag]);
      assert.equal(r.code, 0);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout, mainUsage());
      assert.match(r.stdout, /^Usage: rserpool <command> \[options\]/);
      for (const name of Object.keys(DOCUMENTED)) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'));
      assert.match(r.stdout, /--version/);
    }
  });

  it('no arguments prints the usage and exits 2', async () => {
    const r = await runCli([]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, mainUsage());
  });

  it('--version and -V print the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, 'rserpool 0.1.0\n');
      assert.equal(packageVersion(), '0.1.0');
    }
  });

  it('`help COMMAND` is `COMMAND --help`', async () => {
    const r = await runCli(['help', 'decode']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, usageOf('decode'));
  });
});

describe('every command --help', () => {
  it('has every command of the issue', () => {
    const names = commands.map((c) => c.name);
    for (const name of Object.keys(DOCUMENTED)) assert.ok(names.includes(name), `command ${name}`);
  });

  // Every command, also those added later (their options are then checked by their own tests).
  for (const { name } of commands) {
    const options = DOCUMENTED[name] ?? [];
    it(`${name} --help: exit 0${options.length ? `, mentions ${options.length} options` : ''}`, async () => {
      for (const flag of ['--help', '-h']) {
        const r = await runCli([name, flag]);
        assert.equal(r.code, 0);
        assert.equal(r.stderr, '');
        assert.equal(r.stdout, usageOf(name));
        assert.match(r.stdout, new RegExp(`^Usage: rserpool ${name}`));
        for (const option of options)
          assert.match(r.stdout, new RegExp(`${option}(?![a-z-])`), `${name} --help mentions ${option}`);
      }
      const main = await runCli(['--help']);
      assert.match(main.stdout, new RegExp(`^  ${name} `, 'm'), `rserpool --help lists ${name}`);
    });
  }
});

describe('usage errors: one line, the usage, exit 2', () => {
  it('unknown command', async () => {
    const r = await runCli(['frobnicate', '--x']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    const [first, blank] = r.stderr.split('\n');
    assert.equal(first, "rserpool: unknown command 'frobnicate'");
    assert.equal(blank, '');
    assert.ok(r.stderr.endsWith(mainUsage()));
  });

  it('unknown option', async () => {
    assertUsageError(await runCli(['resolve', '--pool', 'EchoPool', '--bogus']), 'resolve', /--bogus/);
    assertUsageError(await runCli(['decode', '--frob', '0a000008a0000001']), 'decode', /--frob/);
    assertUsageError(await runCli(['encode', '--x']), 'encode', /--x/);
  });

  it('missing --pool for resolve', async () => {
    assertUsageError(await runCli(['resolve', '--registrar', '127.0.0.1:3863']), 'resolve', /--pool/);
  });

  it('bad --items', async () => {
    for (const items of ['0', '129', 'many', '1.5'])
      assertUsageError(
        await runCli(['resolve', '--pool', 'EchoPool', '--registrar', '127.0.0.1:3863', '--items', items]),
        'resolve',
        /--items must be an integer from 1 to 128/,
      );
  });

  it('bad number options of the other commands', async () => {
    assertUsageError(await runCli(['demo', '--port', '70000']), 'demo', /--port/);
    assertUsageError(await runCli(['registrar', '--keepalive-interval', '5']), 'registrar', /keepalive/);
    assertUsageError(await runCli(['registrar', '--id', '0']), 'registrar', /--id/);
    assertUsageError(await runCli(['terminal', '--linger', '-1']), 'terminal', /--linger/);
    assertUsageError(await runCli(['server', '--echo', '--discard']), 'server', /choose one service/);
  });

  it('a positional argument where none is taken', async () => {
    assertUsageError(await runCli(['demo', 'extra']), 'demo', /extra/);
  });

  it('decode: missing or odd HEX, bad --protocol', async () => {
    assertUsageError(await runCli(['decode']), 'decode', /missing HEX/);
    assertUsageError(await runCli(['decode', '0a0']), 'decode', /even number of hex digits/);
    assertUsageError(
      await runCli(['decode', '--protocol', 'http', '0a000008a0000001']),
      'decode',
      /--protocol must be asap or enrp/,
    );
  });

  // The API's InvalidArgumentError (ERR_RSERPOOL_INVALID_ARGUMENT) is a usage error too.
  it('bad --policy spec (API InvalidArgumentError)', async () => {
    assertUsageError(
      await runCli(['server', '--echo', '--policy', 'Foo:3', '--asap-announce', 'off']),
      'server',
      /policy/,
    );
    assertUsageError(
      await runCli(['server', '--policy', 'WeightedRandom:x', '--asap-announce', 'off']),
      'server',
      /policy/,
    );
  });

  it('bad HOST:PORT (API InvalidArgumentError)', async () => {
    assertUsageError(
      await runCli(['resolve', '--pool', 'EchoPool', '--registrar', 'registrar.example']),
      'resolve',
      /registrar: 'registrar.example' is not IP:PORT/,
    );
    assertUsageError(
      await runCli(['resolve', '--pool', 'EchoPool', '--registrar', '127.0.0.1:99999']),
      'resolve',
      /port between 0 and 65535/,
    );
    assertUsageError(
      await runCli(['registrar', '--asap', 'nowhere:3863', '--asap-announce', 'off']),
      'registrar',
      /asap: 'nowhere:3863' is not IP:PORT/,
    );
    assertUsageError(
      await runCli(['registrar', '--asap', '127.0.0.1:3863', '--asap-announce', '10.0.0.1:3863']),
      'registrar',
      /not an IPv4 multicast group/,
    );
    assertUsageError(
      await runCli(['registrar', '--min-address-scope', 'planet', '--asap-announce', 'off']),
      'registrar',
      /minAddressScope/,
    );
  });
});

describe('decode', () => {
  it('README vector 1: a Handle Resolution for EchoPool, one item', async () => {
    const r = await runCli(['decode', '05000018', '0009000c', '4563686f506f6f6c', '803f0008', '00000001']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      protocol: 'asap',
      kind: 'handleResolution',
      subscribe: false,
      poolHandle: { text: 'EchoPool' },
      items: 1,
    });
  });

  it('README vector 2: a Server Announce, and encode gives the same bytes back', async () => {
    const r = await runCli(['decode', '0a000008a0000001']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      protocol: 'asap',
      kind: 'serverAnnounce',
      registrarId: 0xa0000001,
      transports: [],
    });
    const e = await runCli(['encode'], r.stdout);
    assert.equal(e.code, 0, e.stderr);
    assert.equal(e.stdout, '0a000008a0000001\n');
  });

  it('a malformed message prints the typed error as JSON and exits 1', async () => {
    const r = await runCli(['decode', '0a00000c']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, '');
    const json = JSON.parse(r.stdout) as { protocol: string; error: Record<string, unknown> };
    assert.equal(json.protocol, 'asap');
    assert.equal(json.error.cause, 16);
    assert.equal(json.error.causeName, 'RsplibInvalidMessage');
    assert.equal(json.error.messageType, 10);
    assert.equal(json.error.offending, '0a00000c');
    assert.equal(typeof json.error.reason, 'string');
    assert.equal(typeof json.error.silent, 'boolean');
  });

  it('encode rejects input that is not JSON or not a message, exit 1', async () => {
    const a = await runCli(['encode'], 'not json');
    assert.equal(a.code, 1);
    assert.match(a.stderr, /^rserpool encode: input is not JSON/);
    const b = await runCli(['encode'], '{"protocol":"asap","kind":"nothing"}');
    assert.equal(b.code, 1);
    assert.match(b.stderr, /^rserpool encode: /);
  });
});

describe('decode | encode round trip of RSPLIB messages', () => {
  const picks: FixtureMessage[] = [];
  const want: [file: 'A-single-pr' | 'C-apps' | 'D-errors', typeName: string][] = [
    ['A-single-pr', 'Registration'],
    ['A-single-pr', 'Registration Response'],
    ['A-single-pr', 'Handle Resolution Response'],
    ['A-single-pr', 'Endpoint Keep Alive'],
    ['A-single-pr', 'Server Announce'],
    ['A-single-pr', 'Presence'],
    ['C-apps', 'Endpoint Unreachable'],
    ['D-errors', 'Error'],
    ['D-errors', 'Handle Table Response'],
  ];
  for (const [file, typeName] of want) {
    const m = loadFixture(file).find(
      (x) =>
        x.typeName === typeName && x.origin !== 'crafted' && (x.protocol === 'asap' || x.protocol === 'enrp'),
    );
    assert.ok(m, `${file} has an RSPLIB ${typeName}`);
    picks.push(m);
  }

  for (const m of picks) {
    it(`${m.file}#${m.frame} ${m.protocol} ${m.typeName}`, async () => {
      // Split the hex in words, as one would paste it from a capture.
      const words = m.hex.match(/.{1,8}/g)!;
      const d = await runCli(['decode', '--protocol', m.protocol, ...words]);
      assert.equal(d.code, 0, d.stdout + d.stderr);
      assert.equal((JSON.parse(d.stdout) as { protocol: string }).protocol, m.protocol);
      const e = await runCli(['encode'], d.stdout);
      assert.equal(e.code, 0, e.stderr);
      assert.equal(e.stdout, `${m.hex}\n`);
    });
  }
});
