import type { Resolution } from '../../api/index.js';
import { formatPolicySpec } from '../../policy/index.js';
import { WellKnownPort } from '../../wire/index.js';
import { parseCommandArgs } from '../args.js';
import { type ClientValues, clientSetup, resolveWithin, startPoolUser } from '../client-session.js';
import { type Command, ExitCode } from '../command.js';
import { CLI_DEFAULTS } from '../defaults.js';
import { hex32 } from '../log.js';
import { intOption, required } from '../options.js';

const usage = `Usage: rserpool resolve --pool HANDLE --registrar HOST:PORT [options]

Asks a registrar once to resolve a pool handle (ASAP Handle Resolution, RFC 5352 §3.3) and prints the
pool elements it selected by the pool policy: identifier, home registrar, transport and policy.
Exits 1 if the pool is unknown or no registrar answers within --timeout.

Options:
  --pool HANDLE           pool handle to resolve (required)
  --registrar HOST:PORT   a registrar's ASAP endpoint (required unless --asap-announce is given;
                          repeatable; port default ${WellKnownPort.Asap})
  --items N               how many PEs to ask for (1-128; default: the registrar's default)
  --json                  print JSON
  --timeout MS            give up (exit 1) after MS (default ${CLI_DEFAULTS.clientTimeoutMs})
  --local HOST            local address to use (default 0.0.0.0: any)
  --asap-announce off|auto|GROUP:PORT
                          learn registrars from ASAP announces too (default off here)
  -h, --help              show this help
HOST may be an IP address or a host name (resolved once, at start).

Example:
  rserpool resolve --pool EchoPool --registrar 127.0.0.1:3863 --items 5
  rserpool resolve --pool EchoPool --registrar localhost --json
`;

export const resolveCommand: Command = {
  name: 'resolve',
  summary: 'resolve a pool handle once and print the pool elements',
  usage,
  addressFlags: '--local',
  async run(args, io) {
    const { values: v } = parseCommandArgs(
      args,
      {
        pool: { type: 'string' },
        registrar: { type: 'string', multiple: true },
        items: { type: 'string' },
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        local: { type: 'string' },
        'asap-announce': { type: 'string' },
      },
      false,
    );
    const pool = required(v.pool, 'pool');
    const items = intOption(v.items, 'items', 1, 128);
    const setup = await clientSetup({ ...(v as ClientValues), pool }, pool, 'off');
    const user = await startPoolUser(setup);
    try {
      const r = await resolveWithin(user, setup, items);
      io.stdout.write(v.json ? `${JSON.stringify(resolutionToJson(r), null, 2)}\n` : formatResolution(r));
      return ExitCode.Ok;
    } finally {
      await user.close();
    }
  },
};

export function resolutionToJson(r: Resolution): unknown {
  return {
    poolHandle: new TextDecoder().decode(r.poolHandle),
    policy: r.policy ? formatPolicySpec(r.policy) : undefined,
    poolElements: r.poolElements.map((pe) => ({
      id: hex32(pe.id),
      homeRegistrar: hex32(pe.homeRegistrarId),
      registrationLife: pe.registrationLife,
      transport: pe.userTransport,
      policy: formatPolicySpec(pe.policy),
    })),
  };
}

export function formatResolution(r: Resolution): string {
  const lines = [`pool ${new TextDecoder().decode(r.poolHandle)}: ${r.poolElements.length} pool element(s)`];
  if (r.policy) lines.push(`policy ${formatPolicySpec(r.policy)}`);
  for (const pe of r.poolElements) {
    const t = pe.userTransport;
    const where =
      t.kind === 'opaque'
        ? 'opaque'
        : `${t.kind}:${t.addresses.join(',')}:${t.port}${'transportUse' in t ? ` (${t.transportUse})` : ''}`;
    lines.push(
      `  PE ${hex32(pe.id)}  home ${hex32(pe.homeRegistrarId)}  ${where}  ${formatPolicySpec(pe.policy)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
