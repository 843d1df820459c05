import { PoolElement, PoolUser, Registrar, type Session } from '../../api/index.js';
import { WellKnownPort } from '../../wire/index.js';
import { parseCommandArgs } from '../args.js';
import { type Command, ExitCode, UsageError } from '../command.js';
import { CLI_DEFAULTS } from '../defaults.js';
import { hex32 } from '../log.js';
import { intOption } from '../options.js';

const usage = `Usage: rserpool demo [options]

The embedded demonstration, all on this machine over SCTP over UDP: a registrar (127.0.0.1), three echo
pool elements (127.0.0.2-4) and a pool user (127.0.0.5). The pool user resolves the pool (round robin),
then sends requests through a session and shows which pool element answered. Part way it kills the
pool element serving it, with no goodbye, and the session fails over to another one.

Options:
  --requests N     requests to send (default ${CLI_DEFAULTS.demoRequests})
  --kill-after N   kill the serving pool element after N requests (default ${CLI_DEFAULTS.demoKillAfter}; 0 = never)
  --interval MS    time between requests (default ${CLI_DEFAULTS.demoIntervalMs})
  --port N         the registrar's ASAP SCTP port (default ${WellKnownPort.Asap})
  --subnet A.B.C   the loopback /24 to use, as A.B.C.1-5 (default ${CLI_DEFAULTS.demoSubnet})
  -h, --help       show this help

Needs the loopback addresses A.B.C.1-5 (Linux has all of 127/8; on macOS add aliases with
"sudo ifconfig lo0 alias 127.0.0.N up"), and their UDP port 9899 free.

Example:
  rserpool demo --subnet 127.0.42 --requests 6 --kill-after 3
`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the embedded demo: registrar, three pool elements, a pool user, a failover',
  usage,
  addressFlags: '--subnet',
  async run(args, io) {
    const { requests, killAfter, intervalMs, port, subnet } = demoFlags(args);
    const at = (host: number): string => `${subnet}.${host}`;
    const say = (text: string): void => {
      io.stdout.write(`${text}\n`);
    };
    const registrarAt = `${at(1)}:${port}`;
    say('rserpool demo: a registrar, three echo pool elements and a pool user on this machine');
    const registrar = await Registrar.start({
      asap: registrarAt,
      asapAnnounce: 'off',
      minAddressScope: 'loopback',
      keepAliveIntervalMs: 1_000,
      keepAliveTimeoutMs: 1_000,
    });
    say(`  registrar        ${registrarAt}  id ${hex32(registrar.id)}`);
    const pes: PoolElement[] = [];
    const user = { current: undefined as PoolUser | undefined };
    try {
      for (let i = 2; i <= 4; i++) pes.push(await startElement(registrarAt, at(i), say));
      const pu = await PoolUser.start({ registrars: [registrarAt], asapAnnounce: 'off', local: at(5) });
      user.current = pu;
      const order: string[] = [];
      for (let i = 0; i < 3; i++)
        order.push(hex32((await pu.resolve('EchoPool', { items: 1 })).poolElements[0]!.id));
      say(`\nHandle resolutions, round robin: ${order.join(' -> ')}\n`);
      const answered = await runSession(pu.openSession('EchoPool'), pes, {
        requests,
        killAfter,
        intervalMs,
        say,
      });
      say(`\n${answered.count} of ${requests} requests answered; ${answered.failovers} failover(s).`);
      return answered.count === requests ? ExitCode.Ok : ExitCode.Failure;
    } finally {
      await user.current?.close();
      await Promise.all(pes.map((pe) => pe.close(300)));
      await registrar.close();
    }
  },
};

/** The demo's flags, checked (usage errors here). */
function demoFlags(args: readonly string[]) {
  const { values: v } = parseCommandArgs(
    args,
    {
      requests: { type: 'string' },
      'kill-after': { type: 'string' },
      interval: { type: 'string' },
      port: { type: 'string' },
      subnet: { type: 'string' },
    },
    false,
  );
  const requests = intOption(v.requests, 'requests', 1, 10_000) ?? CLI_DEFAULTS.demoRequests;
  const killAfter = intOption(v['kill-after'], 'kill-after', 0, 10_000) ?? CLI_DEFAULTS.demoKillAfter;
  const intervalMs = intOption(v.interval, 'interval', 1, 60_000) ?? CLI_DEFAULTS.demoIntervalMs;
  const port = intOption(v.port, 'port', 1, 65535) ?? WellKnownPort.Asap;
  const subnet = v.subnet ?? CLI_DEFAULTS.demoSubnet;
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(subnet))
    throw new UsageError('--subnet must be a loopback prefix such as 127.0.0');
  return { requests, killAfter, intervalMs, port, subnet };
}

/** One echo pool element of the demo at `local`, registered. */
async function startElement(
  registrarAt: string,
  local: string,
  say: (t: string) => void,
): Promise<PoolElement> {
  const pe = await PoolElement.start({
    poolHandle: 'EchoPool',
    service: 'echo',
    policy: 'RoundRobin',
    registrars: [registrarAt],
    asapAnnounce: 'off',
    local,
  });
  await pe.waitRegistered(5_000);
  const t = pe.userTransport;
  say(
    `  pool element     ${hex32(pe.id)}  ${t.kind === 'opaque' ? '' : `${t.addresses[0]}:${t.port}`}  EchoPool, RoundRobin`,
  );
  return pe;
}

async function runSession(
  session: Session,
  pes: PoolElement[],
  o: { requests: number; killAfter: number; intervalMs: number; say: (t: string) => void },
): Promise<{ count: number; failovers: number }> {
  const sentAt = new Map<number, number>();
  let count = 0;
  let failovers = 0;
  session.on('data', ({ bytes }) => {
    const n = Number(new TextDecoder().decode(bytes).replace('request ', ''));
    const t0 = sentAt.get(n);
    if (t0 === undefined) return;
    sentAt.delete(n);
    count++;
    o.say(
      `request ${String(n).padStart(2)} answered by pool element ${hex32(session.poolElementId ?? 0)}  (${Date.now() - t0} ms)`,
    );
  });
  session.on('failoverNeeded', ({ pe, reason }) =>
    o.say(`  ... pool element ${hex32(pe)} is gone (${reason}); failing over`),
  );
  session.on('failoverComplete', ({ pe }) => {
    failovers++;
    o.say(`  ... session now on pool element ${hex32(pe)}`);
  });
  for (let n = 1; n <= o.requests; n++) {
    sentAt.set(n, Date.now());
    session.send(`request ${n}`);
    await sleep(o.intervalMs);
    if (n === o.killAfter && session.poolElementId !== undefined) {
      const victim = pes.find((p) => p.id === session.poolElementId);
      o.say(
        `\n*** killing pool element ${hex32(session.poolElementId)}: no deregistration, no goodbye ***\n`,
      );
      await victim?.kill();
    }
  }
  const deadline = Date.now() + 15_000;
  while (sentAt.size > 0 && Date.now() < deadline) await sleep(50);
  session.close();
  return { count, failovers };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
