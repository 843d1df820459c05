#!/usr/bin/env node
/** `rserpool`: the command-line entry point. Dispatches to one subcommand per RSerPool task. */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CliIo, type Command, ExitCode, UsageError } from './command.js';
import { commands } from './commands/index.js';
import { bindFailure, bindFailureMessage, CliError } from './errors.js';

export function packageVersion(): string {
  // dist/src/cli/main.js and src/cli/main.ts both sit three levels below the package root.
  const url = new URL('../../package.json', import.meta.url);
  const fallback = new URL('../../../package.json', import.meta.url);
  for (const candidate of [url, fallback]) {
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'rserpool' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
}

export function mainUsage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: rserpool <command> [options]',
    '',
    'Reliable Server Pooling (RFC 5351-5356): registrar, pool elements, pool users and tools.',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  -h, --help     show this help (or `rserpool <command> --help` for a command)',
    '  -V, --version  print the version',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    if (first === 'help' && rest[0]) return main([rest[0], '--help'], io);
    io.stdout.write(mainUsage());
    return first === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (first === '-V' || first === '--version') {
    io.stdout.write(`rserpool ${packageVersion()}\n`);
    return ExitCode.Ok;
  }
  const command: Command | undefined = commands.find((c) => c.name === first);
  if (!command) {
    io.stderr.write(`rserpool: unknown command '${first}'\n\n${mainUsage()}`);
    return ExitCode.Usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.usage);
    return ExitCode.Ok;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    return reportFailure(command, e, io);
  }
}

/**
 * The one-line report of a command that threw: usage errors (ours and the API's invalid arguments,
 * with the API's option names turned into our flags) exit 2 with the usage; failures the user can act
 * on (ours, a bind failure, any other API error) exit 1; anything else is a bug and goes on upwards.
 */
function reportFailure(command: Command, e: unknown, io: CliIo): number {
  const say = (text: string): void => {
    io.stderr.write(`rserpool ${command.name}: ${text}\n`);
  };
  if (e instanceof UsageError || apiErrorCode(e) === 'ERR_RSERPOOL_INVALID_ARGUMENT') {
    io.stderr.write(`rserpool ${command.name}: ${apiNamesToFlags((e as Error).message)}\n\n${command.usage}`);
    return ExitCode.Usage;
  }
  if (e instanceof CliError) {
    say(e.message);
    return ExitCode.Failure;
  }
  const bind = bindFailure(e);
  if (bind) {
    say(bindFailureMessage(bind, command.addressFlags ?? '--local'));
    return ExitCode.Failure;
  }
  if (apiErrorCode(e) !== undefined) {
    say((e as Error).message);
    return ExitCode.Failure;
  }
  throw e;
}

/** The stable `code` of an API error (RserpoolError and its subclasses), if `e` is one. */
function apiErrorCode(e: unknown): string | undefined {
  const code = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_RSERPOOL_') ? code : undefined;
}

/** API option names as the CLI flags that set them, for messages the API words ("asap: ..."). */
const FLAG_OF: Readonly<Record<string, string>> = {
  asap: '--asap',
  enrp: '--enrp',
  peer: '--peer',
  registrar: '--registrar',
  local: '--local',
  asapAnnounce: '--asap-announce',
  enrpAnnounce: '--enrp-announce',
  minAddressScope: '--min-address-scope',
  policy: '--policy',
  poolHandle: '--pool',
  udpPort: '--udp-port',
};

export function apiNamesToFlags(message: string): string {
  const m = /^(\w+):/.exec(message);
  const flag = m ? FLAG_OF[m[1]!] : undefined;
  return flag ? `${flag}:${message.slice(m![0].length)}` : message;
}

const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

function invokedDirectly(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2), processIo).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(
        `rserpool: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exitCode = ExitCode.Failure;
    },
  );
}
