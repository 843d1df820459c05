import { PoolUser, type Resolution } from '../../api/index.js';
import { formatPolicySpec } from '../../policy/index.js';
import { parseCommandArgs } from '../args.js';
import { type Command, ExitCode } from '../command.js';
import { hex32 } from '../log.js';
import { defined, intOption, required } from '../options.js';

const usage = `Usage: rserpool resolve --pool HANDLE --registrar HOST:PORT [options]

Asks a registrar once to resolve a pool handle (ASAP Handle Resolution, RFC 5352 §3.3) and prints the
pool elements it selected by the pool policy: identifier, home registrar, transport and policy.
Exits 1 if the pool is unknown or no registrar answers.

Options:
  --pool HANDLE           pool handle to resolve
  --registrar HOST:PORT   registrar's ASAP endpoint (repeatable; port default 3863)
  --items N               how many PEs to ask for (1-128; default: the registrar's default, 3)
  --json                  print JSON
  --timeout MS            give up after MS (default 10000)
  --local IP              local address to use (default 0.0.0.0)
  --asap-announce off|auto|GROUP:PORT
                          learn registrars from announces too (default off here)
  -h, --help              show this help

Example:
  rserpool resolve --pool EchoPool --registrar 127.0.0.1:3863 --items 5
`;

export const resolveCommand: Command = {
  name: 'resolve',
  summary: 'resolve a pool handle once and print the pool elements',
  usage,
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
    const timeoutMs = intOption(v.timeout, 'timeout', 1, 600_000) ?? 10_000;
    const user = await PoolUser.start({
      registrars: (v.registrar as unknown as string[] | undefined) ?? [],
      asapAnnounce: v['asap-announce'] ?? 'off',
      ...defined({ local: v.local }),
    });
    try {
      const r = await withTimeout(user.resolve(pool, items === undefined ? {} : { items }), timeoutMs);
      io.stdout.write(v.json ? `${JSON.stringify(resolutionToJson(r), null, 2)}\n` : formatResolution(r));
      return ExitCode.Ok;
    } catch (e) {
      io.stderr.write(`rserpool resolve: ${e instanceof Error ? e.message : String(e)}\n`);
      return ExitCode.Failure;
    } finally {
      await user.close();
    }
  },
};

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (x) => {
        clearTimeout(t);
        resolve(x);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

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
