// The `rserpool` command in-process (test/helpers/cli.ts): help and version, every command's usage,
// usage errors (one line, the usage, exit 2), decode of the README vectors and of a malformed message,
// and decode | encode round trips of RSPLIB's own messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commands } from '../../src/cli/commands/index.js';
import { CLI_DEFAULTS, CORE_DEFAULTS_SHOWN } from '../../src/cli/defaults.js';
import { mainUsage, packageVersion } from '../../src/cli/main.js';
import { ELEMENT_DEFAULTS } from '../../src/element/index.js';
import { ENRP_DEFAULTS } from '../../src/registrar/enrp/index.js';
import { REGISTRAR_DEFAULTS } from '../../src/registrar/index.js';
import { SCTP_DEFAULTS } from '../../src/sctp/index.js';
import { SERVICE_DEFAULTS } from '../../src/services/index.js';
import { parseAddressScope } from '../../src/wire/address-scope.js';
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

  it('bad HOST:PORT: named by the flag typed, host names resolved or refused in one line', async () => {
    assertUsageError(
      await runCli(['resolve', '--pool', 'EchoPool', '--registrar', 'registrar.invalid']),
      'resolve',
      /^rserpool resolve: --registrar: cannot resolve host name 'registrar.invalid' \(give an IP address/,
    );
    assertUsageError(
      await runCli(['resolve', '--pool', 'EchoPool', '--registrar', '127.0.0.1:99999']),
      'resolve',
      /--registrar: port 99999 of '127.0.0.1:99999' is not 1 to 65535/,
    );
    assertUsageError(
      await runCli(['registrar', '--asap', 'nowhere.invalid:3863', '--asap-announce', 'off']),
      'registrar',
      /^rserpool registrar: --asap: cannot resolve host name 'nowhere.invalid'/,
    );
    assertUsageError(
      await runCli(['registrar', '--asap', '127.0.0.1:3863', '--asap-announce', '10.0.0.1:3863']),
      'registrar',
      /--asap-announce: '10.0.0.1:3863' is not off, auto \(= 239.0.0.50:3863\) or a multicast GROUP:PORT/,
    );
  });

  it('bad enumerated values list the valid ones', async () => {
    assertUsageError(
      await runCli(['registrar', '--min-address-scope', 'planet', '--asap-announce', 'off']),
      'registrar',
      /--min-address-scope: 'planet' is not one of loopback, site-local, global$/,
    );
    const r = await runCli(['server', '--policy', 'Foo:3', '--asap-announce', 'off']);
    assertUsageError(
      r,
      'server',
      /^rserpool server: --policy: unknown policy "Foo" \(policies: RoundRobin, /,
    );
    assert.match(r.stderr.split('\n')[0]!, /LeastUsedDegradation/);
  });
});

// Issue point 11: contradictory configuration is refused before anything starts.
describe('contradictory configuration: exit 2, one line naming the flags', () => {
  it('a value option given twice (the last one used to win silently)', async () => {
    assertUsageError(
      await runCli(['resolve', '--pool', 'A', '--pool', 'B', '--registrar', '127.0.0.1']),
      'resolve',
      /^rserpool resolve: --pool given twice \('A' and 'B'\); it takes one value \(give it once\)$/,
    );
    assertUsageError(
      await runCli(['registrar', '--asap', '127.0.0.1:3863', '--asap', '127.0.0.2:3863']),
      'registrar',
      /--asap given twice/,
    );
    assertUsageError(
      await runCli(['pingpong', '--registrar', '127.0.0.1', '--timeout', '1', '--timeout=2']),
      'pingpong',
      /--timeout given twice/,
    );
  });

  it('repeatable options and repeated boolean flags stay allowed', async () => {
    // Both --registrar values are checked (the second one is bad), so both were kept.
    assertUsageError(
      await runCli(['resolve', '--pool', 'A', '--registrar', '127.0.0.1', '--registrar', '127.0.0.1:0']),
      'resolve',
      /--registrar: port 0 of '127.0.0.1:0' is not 1 to 65535/,
    );
  });

  it('ASAP and ENRP on the same SCTP port', async () => {
    for (const enrp of ['127.0.0.1:3863', '127.0.0.2:3863'])
      assertUsageError(
        await runCli(['registrar', '--asap', '127.0.0.1:3863', '--enrp', enrp, '--asap-announce', 'off']),
        'registrar',
        new RegExp(
          `--asap 127.0.0.1:3863 and --enrp ${enrp} both use SCTP port 3863 \\(give them different ports\\)$`,
        ),
      );
  });

  it('port 0 where a listener or a destination needs a port', async () => {
    assertUsageError(
      await runCli(['registrar', '--asap', '127.0.0.1:0', '--asap-announce', 'off']),
      'registrar',
      /--asap: port 0 of '127.0.0.1:0' is not 1 to 65535/,
    );
    assertUsageError(
      await runCli(['registrar', '--enrp', '127.0.0.1:0', '--asap-announce', 'off']),
      'registrar',
      /--enrp: port 0/,
    );
    assertUsageError(
      await runCli(['registrar', '--udp-port', '0']),
      'registrar',
      /--udp-port must be an integer from 1 to 65535/,
    );
    assertUsageError(
      await runCli(['server', '--udp-port', '0']),
      'server',
      /--udp-port must be an integer from 1 to 65535/,
    );
    assertUsageError(
      await runCli(['registrar', '--peer', '127.0.0.2:0', '--enrp', '127.0.0.1:9901']),
      'registrar',
      /--peer: port 0/,
    );
  });

  it('a client with no registrar to ask (--asap-announce off and no --registrar)', async () => {
    for (const command of ['terminal', 'pingpong', 'calcapp', 'resolve'])
      assertUsageError(
        await runCli([command, '--pool', 'P', '--asap-announce', 'off']),
        command,
        /no registrar to ask \(give --registrar HOST:PORT, or --asap-announce auto/,
      );
    assertUsageError(await runCli(['resolve', '--pool', 'P']), 'resolve', /no registrar to ask/);
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

// Issue point 12: every --help is true to the code.
describe('help texts tell the truth', () => {
  it('the defaults shown for the API and the cores are theirs (CORE_DEFAULTS_SHOWN mirrors them)', () => {
    const D = CORE_DEFAULTS_SHOWN;
    assert.equal(D.udpPort, SCTP_DEFAULTS.udpEncapsulationPort);
    assert.equal(D.reregistrationIntervalMs, ELEMENT_DEFAULTS.reregistrationIntervalMs);
    assert.equal(D.registrationLifeFactor, ELEMENT_DEFAULTS.registrationLifeFactor);
    for (const k of [
      'keepAliveIntervalMs',
      'keepAliveTimeoutMs',
      'maxBadPeReports',
      'maxHResItems',
      'maxIncrement',
      'distanceStepMs',
      'maxHandleResolutionRate',
      'maxEndpointUnreachableRate',
    ] as const)
      assert.equal(D[k], REGISTRAR_DEFAULTS[k], k);
    assert.equal(parseAddressScope(D.minAddressScope), REGISTRAR_DEFAULTS.minAddressScope);
    assert.equal(D.peerHeartbeatCycleMs, Math.floor(ENRP_DEFAULTS.peerHeartbeatCycleMs));
    for (const k of [
      'peerMaxTimeLastHeardMs',
      'peerMaxTimeNoResponseMs',
      'mentorDiscoveryTimeoutMs',
      'takeoverExpiryIntervalMs',
    ] as const)
      assert.equal(D[k], ENRP_DEFAULTS[k], k);
  });

  it('the usages show those defaults and those of the CLI', () => {
    const D = CORE_DEFAULTS_SHOWN;
    assert.match(
      usageOf('registrar'),
      new RegExp(
        `--keepalive-interval MS\\s+Endpoint Keep Alive interval \\(default ${D.keepAliveIntervalMs}\\)`,
      ),
    );
    assert.match(
      usageOf('registrar'),
      new RegExp(`--asap HOST:PORT\\s+ASAP endpoint \\(default ${D.asap}\\)`),
    );
    assert.match(
      usageOf('server'),
      new RegExp(`--rereg-interval MS\\s+re-registration interval \\(default ${D.reregistrationIntervalMs};`),
    );
    assert.match(
      usageOf('server'),
      new RegExp(`--udp-port N\\s+UDP port for SCTP over UDP \\(default ${D.udpPort};`),
    );
    for (const name of ['resolve', 'terminal', 'pingpong', 'calcapp', 'fractal'])
      assert.match(
        usageOf(name),
        new RegExp(
          `--timeout MS\\s+give up \\(exit 1\\) .*\\(default ${CLI_DEFAULTS.clientTimeoutMs}\\)`,
          's',
        ),
        name,
      );
    assert.match(
      usageOf('pingpong'),
      new RegExp(`--interval MS\\s+time between Pings \\(default ${SERVICE_DEFAULTS.pingIntervalMs}\\)`),
    );
  });

  it('options with a default are not shown as required; required ones say so', () => {
    assert.match(usageOf('terminal'), /^Usage: rserpool terminal \[--pool HANDLE\]/);
    assert.match(usageOf('terminal'), /--pool HANDLE\s+pool handle \(default EchoPool\)/);
    assert.match(usageOf('server'), /^Usage: rserpool server \[--echo\|/);
    assert.match(usageOf('resolve'), /--pool HANDLE\s+pool handle to resolve \(required\)/);
    assert.match(
      usageOf('resolve'),
      /--registrar HOST:PORT\s+a registrar's ASAP endpoint \(required unless --asap-announce/,
    );
  });

  it('every client and server command says host names are accepted', () => {
    for (const name of [
      'registrar',
      'server',
      'terminal',
      'resolve',
      'hsdump',
      'pingpong',
      'calcapp',
      'fractal',
    ])
      assert.match(usageOf(name), /IP address or a host name/, name);
  });

  it('every command that needs more than itself has an example', () => {
    for (const { name, usage } of commands) assert.match(usage, /\nExample:\n {2}.*rserpool /, name);
  });

  it('policies and scopes are listed from the code', () => {
    for (const p of ['RoundRobin', 'WeightedRandom[:weight]', 'PriorityLeastUsedDegradationDPF'])
      assert.ok(usageOf('server').includes(p), p);
    assert.match(usageOf('registrar'), /--min-address-scope loopback\|site-local\|global/);
  });

  it('a host name is resolved: localhost reaches 127.0.0.1', async () => {
    const r = await runCli(['resolve', '--pool', 'P', '--registrar', 'localhost:1', '--timeout', '200']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^rserpool resolve: no registrar answered at 127\.0\.0\.1:1 within 200 ms/);
  });
});
