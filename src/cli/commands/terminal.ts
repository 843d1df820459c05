import { createInterface } from 'node:readline';
import { PoolUser } from '../../api/index.js';
import { parseCommandArgs } from '../args.js';
import { type Command, ExitCode } from '../command.js';
import { hex32 } from '../log.js';
import { defined, intOption, required } from '../options.js';

const usage = `Usage: rserpool terminal --pool HANDLE --registrar HOST:PORT [options]

A pool user like RSPLIB's rspterminal: opens a session to the pool, sends each line of standard input to
the pool element (PPID 0) and prints what comes back. When the pool element fails, the session fails
over to another one: lines sent while failing over go to the new one, and lines the failed one had not
yet received (acknowledged) are sent again; a line it had received but not answered is lost. At the end
of the input it waits for the last replies (up to --linger), then closes. Notices go to standard error.

Options:
  --pool HANDLE           pool handle (default EchoPool)
  --registrar HOST:PORT   registrar's ASAP endpoint (repeatable; port default 3863)
  --local IP              local address to use (default 0.0.0.0)
  --asap-announce off|auto|GROUP:PORT
                          learn registrars from ASAP announces (default auto)
  --linger MS             after the end of input, wait this long for replies (default 2000)
  --quiet                 no notices on standard error
  -h, --help              show this help

Example:
  printf 'hello\\nworld\\n' | rserpool terminal --pool EchoPool --registrar 127.0.0.1:3863
`;

export const terminalCommand: Command = {
  name: 'terminal',
  summary: 'send lines from standard input to a pool and print the replies (fails over)',
  usage,
  async run(args, io) {
    const { values: v } = parseCommandArgs(
      args,
      {
        pool: { type: 'string' },
        registrar: { type: 'string', multiple: true },
        local: { type: 'string' },
        'asap-announce': { type: 'string' },
        linger: { type: 'string' },
        quiet: { type: 'boolean' },
      },
      false,
    );
    const pool = v.pool ?? 'EchoPool';
    required(pool, 'pool');
    const lingerMs = intOption(v.linger, 'linger', 0, 600_000) ?? 2_000;
    const notice = (text: string): void => {
      if (!v.quiet) io.stderr.write(`[${text}]\n`);
    };
    const user = await PoolUser.start({
      registrars: (v.registrar as unknown as string[] | undefined) ?? [],
      ...defined({ local: v.local, asapAnnounce: v['asap-announce'] }),
    });
    const session = user.openSession(pool);
    let lastActivity = Date.now();
    let failed: string | undefined;
    session.on('up', ({ pe }) => notice(`connected to pool element ${hex32(pe)}`));
    session.on('failoverNeeded', ({ pe, reason }) =>
      notice(`pool element ${hex32(pe)} lost (${reason}); failing over`),
    );
    session.on('failoverComplete', ({ pe, cookieEchoed }) =>
      notice(`now on pool element ${hex32(pe)}${cookieEchoed ? ' (state restored from cookie)' : ''}`),
    );
    session.on('data', ({ bytes }) => {
      lastActivity = Date.now();
      const text = new TextDecoder().decode(bytes);
      io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    });
    session.on('failed', (reason) => {
      failed = reason;
      notice(`session failed: ${reason}`);
    });
    const lines = createInterface({ input: process.stdin, terminal: false });
    for await (const line of lines) {
      if (failed) break;
      session.send(line);
      lastActivity = Date.now();
    }
    while (!failed && Date.now() - lastActivity < lingerMs) await new Promise((r) => setTimeout(r, 50));
    session.close();
    await user.close();
    return failed ? ExitCode.Failure : ExitCode.Ok;
  },
};
