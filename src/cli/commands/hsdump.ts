import { dumpHandlespace, type HandlespaceDump } from '../../api/index.js';
import { formatPolicySpec } from '../../policy/index.js';
import { PeChecksumAccumulator, type TransportParameter, WellKnownPort } from '../../wire/index.js';
import { parseCommandArgs } from '../args.js';
import { type Command, ExitCode, UsageError } from '../command.js';
import { CLI_DEFAULTS } from '../defaults.js';
import { CliError } from '../errors.js';
import { formatHostPort, hostPortFlag, localHostFlag } from '../flags.js';
import { hex32 } from '../log.js';
import { defined, intOption } from '../options.js';

const usage = `Usage: rserpool hsdump HOST:PORT [options]

Fetches the whole handlespace of a registrar over ENRP (RFC 5353), like RSPLIB's hsdump: it poses as a
peer registrar, sends Presence, List Request and Handle Table Request, and prints the registrar's peers
and every pool with its pool elements, owners and PE checksums. HOST:PORT is the registrar's ENRP
endpoint (port default ${WellKnownPort.Enrp}): the registrar must run with --enrp (without it, it speaks
no ENRP). HOST may be an IP address or a host name.

Options:
  --json          print JSON
  --local HOST    local address to use (default 0.0.0.0: any)
  --timeout MS    give up (exit 1) after MS (default ${CLI_DEFAULTS.hsdumpTimeoutMs})
  -h, --help      show this help

Example:
  rserpool hsdump 127.0.0.1:9901
`;

export const hsdumpCommand: Command = {
  name: 'hsdump',
  summary: "print a registrar's whole handlespace (over ENRP)",
  usage,
  addressFlags: '--local',
  async run(args, io) {
    const { values: v, positionals } = parseCommandArgs(
      args,
      { json: { type: 'boolean' }, local: { type: 'string' }, timeout: { type: 'string' } },
      true,
    );
    if (positionals.length !== 1) throw new UsageError("give the registrar's ENRP endpoint HOST:PORT");
    const target = formatHostPort(
      await hostPortFlag(positionals[0]!, 'HOST:PORT', { defaultPort: WellKnownPort.Enrp }),
    );
    const timeoutMs = intOption(v.timeout, 'timeout', 1, 600_000) ?? CLI_DEFAULTS.hsdumpTimeoutMs;
    let dump: HandlespaceDump;
    try {
      dump = await dumpHandlespace(target, {
        timeoutMs,
        ...defined({ local: await localHostFlag(v.local) }),
      });
    } catch (e) {
      throw hsdumpFailure(e, target, timeoutMs);
    }
    io.stdout.write(v.json ? `${JSON.stringify(dumpToJson(dump), null, 2)}\n` : formatDump(dump));
    return ExitCode.Ok;
  },
};

/**
 * What a failed dump means for the user. An association that fails to come up (the registrar's host
 * aborts the INIT: no SCTP endpoint on that port) or no answer at all both mostly mean that HOST:PORT is
 * not an ENRP endpoint: a registrar speaks ENRP only when started with --enrp.
 */
function hsdumpFailure(e: unknown, target: string, timeoutMs: number): unknown {
  const code = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  if (typeof code !== 'string' || !code.startsWith('ERR_RSERPOOL_') || code === 'ERR_RSERPOOL_SOCKET')
    return e;
  const reason = (e as Error).message;
  const enrp = `the registrar must run with --enrp ${target}, and HOST:PORT must be that endpoint, not its --asap one`;
  if (code === 'ERR_RSERPOOL_ASSOCIATION_LOST' || /association|initFailed|abort/i.test(reason))
    return new CliError(`no ENRP endpoint at ${target}: the association failed (${enrp})`);
  if (code === 'ERR_RSERPOOL_TIMEOUT' || /in time|timeout|timed out|answer/i.test(reason))
    return new CliError(
      `no ENRP answer from ${target} within ${timeoutMs} ms (is a registrar running there? ${enrp})`,
    );
  return new CliError(`${reason} (${enrp})`);
}

/** PE checksums by owner (RFC 5353 §3.6.2), computed from the dump. */
export function ownerChecksums(dump: HandlespaceDump): Map<number, number> {
  const acc = new Map<number, PeChecksumAccumulator>();
  for (const pool of dump.pools) {
    for (const pe of pool.poolElements) {
      const a = acc.get(pe.homeRegistrarId) ?? new PeChecksumAccumulator();
      a.add(pool.poolHandle, pe.id);
      acc.set(pe.homeRegistrarId, a);
    }
  }
  return new Map([...acc].map(([owner, a]) => [owner, a.value]));
}

const handleText = (h: Uint8Array): string => {
  const t = new TextDecoder().decode(h);
  return /^[\x20-\x7e]+$/.test(t) ? t : `0x${Buffer.from(h).toString('hex')}`;
};

export function dumpToJson(dump: HandlespaceDump): unknown {
  const sums = ownerChecksums(dump);
  return {
    registrarId: hex32(dump.registrarId),
    ownChecksum:
      dump.ownChecksum === undefined ? undefined : `0x${dump.ownChecksum.toString(16).padStart(4, '0')}`,
    checksumsByOwner: Object.fromEntries(
      [...sums].map(([o, c]) => [hex32(o), `0x${c.toString(16).padStart(4, '0')}`]),
    ),
    peers: dump.peers.map((p) => ({ registrarId: hex32(p.registrarId), transport: p.transport })),
    pools: dump.pools.map((pool) => ({
      poolHandle: handleText(pool.poolHandle),
      poolElements: pool.poolElements.map((pe) => ({
        id: hex32(pe.id),
        home: hex32(pe.homeRegistrarId),
        registrationLife: pe.registrationLife,
        policy: formatPolicySpec(pe.policy),
        userTransport: pe.userTransport,
        ...(pe.asapTransport ? { asapTransport: pe.asapTransport } : {}),
      })),
    })),
  };
}

const transportText = (t: TransportParameter): string =>
  t.kind === 'opaque' ? 'opaque' : `${t.kind}:${t.addresses.join(',')}:${t.port}`;

export function formatDump(dump: HandlespaceDump): string {
  const lines: string[] = [];
  const count = dump.pools.reduce((n, p) => n + p.poolElements.length, 0);
  lines.push(`registrar ${hex32(dump.registrarId)}: ${dump.pools.length} pool(s), ${count} pool element(s)`);
  if (dump.ownChecksum !== undefined)
    lines.push(`own PE checksum 0x${dump.ownChecksum.toString(16).padStart(4, '0')}`);
  for (const [owner, c] of ownerChecksums(dump))
    lines.push(`  PEs of ${hex32(owner)}: checksum 0x${c.toString(16).padStart(4, '0')}`);
  lines.push(
    `peers: ${dump.peers.length === 0 ? 'none' : dump.peers.map((p) => hex32(p.registrarId)).join(' ')}`,
  );
  for (const pool of dump.pools) {
    lines.push(`pool ${handleText(pool.poolHandle)}`);
    for (const pe of pool.poolElements) {
      // As RSPLIB's hsdump: user transport, and the ASAP transport the PE registered from (regT).
      const asap = pe.asapTransport ? `  asap ${transportText(pe.asapTransport)}` : '';
      lines.push(
        `  PE ${hex32(pe.id)}  home ${hex32(pe.homeRegistrarId)}  ${transportText(pe.userTransport)}  ${formatPolicySpec(pe.policy)}  life ${pe.registrationLife}${asap}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
