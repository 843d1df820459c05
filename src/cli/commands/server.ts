import { defaultPoolHandle, PoolElement, SERVICE_NAMES, type ServiceName } from '../../api/index.js';
import { parseCommandArgs } from '../args.js';
import { type Command, ExitCode, UsageError } from '../command.js';
import { createLogger, hex32, untilSignal } from '../log.js';
import { defined, idOption, intOption } from '../options.js';

const usage = `Usage: rserpool server --echo|--discard|--daytime|--chargen|--pingpong|--calcapp|--fractal [options]

Runs a pool element: registers with a registrar (static --registrar or learned from announces),
re-registers, answers its keep-alives, and serves pool users with one of RSPLIB's services. On SIGINT or
SIGTERM it deregisters and ends its sessions, so that pool users fail over at once.

Options:
  --pool HANDLE                pool handle (default: the service's RSPLIB pool, e.g. EchoPool)
  --registrar HOST:PORT        a registrar's ASAP endpoint (repeatable; port default 3863)
  --local HOST[:PORT]          address (and SCTP port) pool users connect to (default 0.0.0.0, random port)
  --policy SPEC                pool policy, e.g. RoundRobin, WeightedRandom:5, Priority:3, LeastUsed:0.3,
                               LeastUsedDegradation:0.1, WeightedRandomDPF:4:0.5 (default RoundRobin)
  --id ID                      PE identifier, decimal or 0x hex (default random)
  --rereg-interval MS          re-registration interval (default 30000; registration life 3x)
  --asap-announce off|auto|GROUP:PORT
                               learn registrars from ASAP announces (default auto)
  --udp-port N                 UDP port for SCTP over UDP (default 9899)
  --log-json                   JSON log lines even on a terminal
  -h, --help                   show this help

Services: --echo (default) --discard --daytime --chargen --pingpong --calcapp --fractal

Example:
  rserpool server --echo --registrar 127.0.0.1:3863 --local 127.0.0.2
`;

export const serverCommand: Command = {
  name: 'server',
  summary: 'run a pool element serving echo, discard, daytime, chargen, ping-pong, CalcApp or fractals',
  usage,
  async run(args) {
    const serviceFlags = Object.fromEntries(SERVICE_NAMES.map((n) => [n, { type: 'boolean' as const }]));
    const { values: v } = parseCommandArgs(
      args,
      {
        pool: { type: 'string' },
        registrar: { type: 'string', multiple: true },
        local: { type: 'string' },
        policy: { type: 'string' },
        id: { type: 'string' },
        'rereg-interval': { type: 'string' },
        'asap-announce': { type: 'string' },
        'udp-port': { type: 'string' },
        'log-json': { type: 'boolean' },
        ...serviceFlags,
      },
      false,
    );
    const values = v as Record<string, unknown>;
    const chosen = SERVICE_NAMES.filter((n) => values[n] === true);
    if (chosen.length > 1)
      throw new UsageError(`choose one service, not ${chosen.map((c) => `--${c}`).join(' and ')}`);
    const service: ServiceName = chosen[0] ?? 'echo';
    const pool = (values.pool as string | undefined) ?? defaultPoolHandle(service);
    const log = createLogger(process.stderr, 'server', values['log-json'] === true || !process.stderr.isTTY);
    const pe = await PoolElement.start({
      poolHandle: pool,
      service,
      registrars: (values.registrar as string[] | undefined) ?? [],
      ...defined({
        local: values.local as string | undefined,
        policy: values.policy as string | undefined,
        id: idOption(values.id as string | undefined, 'id'),
        reregistrationIntervalMs: intOption(
          values['rereg-interval'] as string | undefined,
          'rereg-interval',
          10,
          3_600_000,
        ),
        asapAnnounce: values['asap-announce'] as string | undefined,
        udpPort: intOption(values['udp-port'] as string | undefined, 'udp-port', 0, 65535),
      }),
      logger: log,
    });
    const t = pe.userTransport;
    const where = t.kind === 'opaque' ? '' : `${t.addresses.join(',')}:${t.port}`;
    log({
      level: 'info',
      message: 'pool element started',
      pool,
      pe: hex32(pe.id),
      service,
      transport: where,
    });
    pe.on('event', (e) => {
      if (e.kind === 'registered') {
        // A static registrar's id is known only once it has sent a keep-alive.
        log({
          level: e.reregistration ? 'debug' : 'info',
          message: e.reregistration ? 're-registered' : 'registered',
          ...(e.registrarId === 0 ? {} : { registrar: hex32(e.registrarId) }),
        });
      } else if (e.kind === 'registrationRejected') {
        const cause = e.error?.causes[0]?.cause ?? 0;
        log({ level: 'error', message: 'registration rejected', cause: `0x${cause.toString(16)}` });
      } else {
        log({
          level: e.kind === 'registrationTimeout' || e.kind === 'registrarLost' ? 'warn' : 'info',
          message: e.kind,
          event: e,
        });
      }
    });
    pe.on('session', (change, session) => log({ level: 'debug', message: `session ${change}`, session }));
    const signal = await untilSignal();
    log({ level: 'info', message: `deregistering on ${signal}` });
    await pe.close();
    return ExitCode.Ok;
  },
};
