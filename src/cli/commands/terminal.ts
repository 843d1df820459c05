import { createInterface } from 'node:readline';
import { parseClientArgs } from '../client-args.js';
import { awaitConnected, clientUsage, openClientSession } from '../client-session.js';
import { type Command, ExitCode } from '../command.js';
import { CLI_DEFAULTS } from '../defaults.js';
import { CliError } from '../errors.js';
import { intOption } from '../options.js';

const usage = `Usage: rserpool terminal [--pool HANDLE] --registrar HOST:PORT [options]

A pool user like RSPLIB's rspterminal: opens a session to the pool, sends each line of standard input to
the pool element (PPID 0) and prints what comes back. When the pool element fails, the session fails
over to another one: lines sent while failing over go to the new one, and lines the failed one had not
yet received (acknowledged) are sent again; a line it had received but not answered is lost. At the end
of the input it waits for the last replies (up to --linger), then closes. Notices go to standard error.
Input is read only once a pool element answers: if none does within --timeout (unknown pool, no
registrar answering, no pool element reachable), it says why on standard error and exits 1.

Options:
  --linger MS             after the end of input, wait this long for replies (default ${CLI_DEFAULTS.terminalLingerMs})
${clientUsage(CLI_DEFAULTS.terminalPool)}

Example:
  printf 'hello\\nworld\\n' | rserpool terminal --pool EchoPool --registrar 127.0.0.1:3863
`;

export const terminalCommand: Command = {
  name: 'terminal',
  summary: 'send lines from standard input to a pool and print the replies (fails over)',
  usage,
  addressFlags: '--local',
  async run(args, io) {
    const v = parseClientArgs(args, ['linger']);
    const lingerMs = intOption(v.linger, 'linger', 0, 600_000) ?? CLI_DEFAULTS.terminalLingerMs;
    const client = await openClientSession(v, CLI_DEFAULTS.terminalPool, io, { resendOnFailover: true });
    const { user, session } = client;
    let lastActivity = Date.now();
    let failed: string | undefined;
    session.on('data', ({ bytes }) => {
      lastActivity = Date.now();
      const text = new TextDecoder().decode(bytes);
      io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    });
    session.on('failed', (reason) => {
      failed = reason;
    });
    await awaitConnected(client);
    const lines = createInterface({ input: process.stdin, terminal: false });
    for await (const line of lines) {
      if (failed) break;
      session.send(line);
      lastActivity = Date.now();
    }
    while (!failed && Date.now() - lastActivity < lingerMs) await new Promise((r) => setTimeout(r, 50));
    session.close();
    await user.close();
    if (failed)
      throw new CliError(
        `the session to pool '${client.setup.pool}' failed (${failed}); input after that was not sent`,
      );
    return ExitCode.Ok;
  },
};
