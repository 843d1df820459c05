import { ASAP_ANNOUNCE_GROUP } from '../../api/addresses.js';
import { type Logger, PoolElement, type PoolElementEvents } from '../../api/index.js';
import { defaultPoolHandle, SERVICE_NAMES, type ServiceName } from '../../api/services.js';
import { ErrorCause, errorCauseName, WellKnownPort } from '../../wire/index.js';
import { parseCommandArgs } from '../args.js';
import { type Command, ExitCode, UsageError } from '../command.js';
import { CLI_DEFAULTS, CORE_DEFAULTS_SHOWN } from '../defaults.js';
import { CliError } from '../errors.js';
import {
  announceFlag,
  endpointsFlag,
  formatHostPort,
  hostPortFlag,
  POLICY_FORMS,
  policyFlag,
} from '../flags.js';
import { daemonLogger, hex32, untilSignal } from '../log.js';
import { defined, idOption, intOption } from '../options.js';

/** What a pool element reports (the API passes the core's events on). */
type PoolElementEvent = PoolElementEvents['event'][0];

const usage = `Usage: rserpool server [--echo|--discard|--daytime|--chargen|--pingpong|--calcapp|--fractal] [options]

Runs a pool element: registers with a registrar (static --registrar or learned from announces),
re-registers, answers its keep-alives, and serves pool users with one of RSPLIB's services. While it is
not registered it says so every ${CLI_DEFAULTS.registrationReportMs / 1000} s and keeps trying. A rejected registration is final: it
says why and which flag fixes it, and exits 1. On SIGINT or SIGTERM it deregisters (if registered) and
ends its sessions, so that pool users fail over at once.

Options:
  --pool HANDLE                pool handle (default: the service's RSPLIB pool: ${SERVICE_NAMES.map((n) => `${n} ${defaultPoolHandle(n)}`).join(', ')})
  --registrar HOST:PORT        a registrar's ASAP endpoint (repeatable; port default ${WellKnownPort.Asap})
  --local HOST[:PORT]          address (and SCTP port) pool users connect to (default 0.0.0.0, random port);
                               the registrar must accept its scope (registrar --min-address-scope)
  --policy SPEC                pool policy (default ${CORE_DEFAULTS_SHOWN.policy}), one of
${wrap(POLICY_FORMS.join(', '), 31, 100)}
                               e.g. WeightedRandom:5, Priority:3, LeastUsed:0.3
  --id ID                      PE identifier, decimal or 0x hex (default random)
  --rereg-interval MS          re-registration interval (default ${CORE_DEFAULTS_SHOWN.reregistrationIntervalMs}; registration life ${CORE_DEFAULTS_SHOWN.registrationLifeFactor}x)
  --asap-announce off|auto|GROUP:PORT
                               learn registrars from ASAP announces (default auto = ${ASAP_ANNOUNCE_GROUP.host}:${ASAP_ANNOUNCE_GROUP.port})
  --udp-port N                 UDP port for SCTP over UDP (default ${CORE_DEFAULTS_SHOWN.udpPort}; 1-65535)
  --log-json                   JSON log lines even on a terminal
  -h, --help                   show this help
HOST may be an IP address or a host name (resolved once, at start).

Services: --echo (default) --discard --daytime --chargen --pingpong --calcapp --fractal

Example:
  rserpool server --echo --registrar 127.0.0.1:3863 --local 127.0.0.2
`;

export const serverCommand: Command = {
  name: 'server',
  summary: 'run a pool element serving echo, discard, daytime, chargen, ping-pong, CalcApp or fractals',
  usage,
  addressFlags: '--local or --udp-port',
  async run(args) {
    const { service, pool, registrars, options, logJson } = await serverOptions(args);
    const { raw, limiter, log } = daemonLogger('server', logJson);
    const pe = await PoolElement.start({ poolHandle: pool, service, registrars, ...options, logger: log });
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
    const state = { everRegistered: false, rejected: undefined as string | undefined };
    const rejected = new Promise<string>((resolve) => {
      pe.on('event', (e) => {
        if (e.kind === 'registered') state.everRegistered = true;
        if (e.kind === 'registrationRejected')
          resolve(rejectionMessage(e, t.kind === 'opaque' ? 'opaque' : t.addresses.join(', ')));
        logElementEvent(log, e, state.everRegistered);
      });
    });
    pe.on('session', (change, session) => log({ level: 'debug', message: `session ${change}`, session }));
    const watchdog = reportWhileUnregistered(pe, raw, registrars);
    const outcome = await Promise.race([untilSignal(), rejected.then((m) => ({ rejected: m }))]);
    clearInterval(watchdog);
    if (typeof outcome === 'object') {
      await pe.close();
      limiter.close();
      throw new CliError(outcome.rejected);
    }
    log({
      level: 'info',
      message: pe.registered
        ? `deregistering on ${outcome}`
        : `stopping on ${outcome} (not registered: nothing to deregister)`,
    });
    await pe.close();
    limiter.close();
    return ExitCode.Ok;
  },
};

/** The service, pool, registrars and PoolElement.start options the flags give (usage errors here). */
async function serverOptions(args: readonly string[]) {
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
  const pool = v.pool ?? defaultPoolHandle(service);
  if (pool === '') throw new UsageError('--pool must not be empty');
  const registrars = await endpointsFlag(v.registrar, '--registrar', WellKnownPort.Asap);
  const local =
    v.local === undefined
      ? undefined
      : formatHostPort(await hostPortFlag(v.local, '--local', { defaultPort: 0, zeroAllowed: true }));
  const options = defined({
    local,
    policy: policyFlag(v.policy, '--policy'),
    id: idOption(v.id, 'id'),
    reregistrationIntervalMs: intOption(v['rereg-interval'], 'rereg-interval', 10, 3_600_000),
    asapAnnounce: announceFlag(v['asap-announce'], '--asap-announce'),
    udpPort: intOption(v['udp-port'], 'udp-port', 1, 65535),
  });
  return { service, pool, registrars, options, logJson: v['log-json'] };
}

function logElementEvent(log: Logger, e: PoolElementEvent, everRegistered: boolean): void {
  switch (e.kind) {
    case 'registered':
      // A static registrar's id is known only once it has sent a keep-alive.
      log({
        level: e.reregistration ? 'debug' : 'info',
        message: e.reregistration ? 're-registered' : 'registered',
        ...(e.registrarId === 0 ? {} : { registrar: hex32(e.registrarId) }),
      });
      break;
    case 'registrationRejected':
      log({ level: 'error', message: 'registration rejected', cause: `0x${causeOf(e).toString(16)}` });
      break;
    case 'registrationTimeout':
      log({ level: 'warn', message: 'registration timed out; trying again', attempts: e.attempts });
      break;
    case 'registrarLost':
      log({ level: 'warn', message: 'registrar lost; registering again' });
      break;
    case 'deregistered':
      // The core reports the end of a deregistration also when it had nothing to deregister.
      if (everRegistered) log({ level: 'info', message: 'deregistered' });
      break;
    default:
      log({ level: 'info', message: e.kind, event: e });
  }
}

const causeOf = (e: { error: { causes: readonly { cause: number }[] } | undefined }): number =>
  e.error?.causes[0]?.cause ?? 0;

/** The one-line reason of a rejection, and which flag of which side fixes it. */
function rejectionMessage(
  e: Extract<PoolElementEvent, { kind: 'registrationRejected' }>,
  addresses: string,
): string {
  const cause = causeOf(e);
  const what = `registration rejected by the registrar (cause 0x${cause.toString(16)}, ${errorCauseName(cause)})`;
  if (cause === ErrorCause.RsplibNoUsableUserAddresses || cause === ErrorCause.RsplibNoUsableAsapAddresses)
    return `${what}: it accepts none of this pool element's addresses (${addresses}) (run the registrar with --min-address-scope loopback to accept loopback addresses, or give this server a site-local or global address with --local)`;
  if (cause === ErrorCause.InconsistentPoolingPolicy || cause === ErrorCause.RsplibInvalidPoolPolicy)
    return `${what}: the pool has other pool elements with another policy (give the pool's policy with --policy, or another pool with --pool)`;
  if (cause === ErrorCause.NonUniquePeIdentifier || cause === ErrorCause.RsplibDuplicateId)
    return `${what}: another pool element has this identifier (give another --id, or leave --id out for a random one)`;
  return `${what} (see docs/wire.md for the cause)`;
}

/** Logs every CLI_DEFAULTS.registrationReportMs that the PE is not registered yet, and where it tries. */
function reportWhileUnregistered(
  pe: PoolElement,
  log: Logger,
  registrars: readonly string[],
): NodeJS.Timeout {
  const t0 = Date.now();
  const timer = setInterval(() => {
    if (pe.registered) return;
    const where =
      registrars.length > 0
        ? `no registrar answered at ${registrars.join(', ')} (still trying; is it running there? check --registrar)`
        : `no registrar announced itself (still trying; give --registrar HOST:PORT)`;
    log({ level: 'warn', message: 'not registered yet', waitedMs: Date.now() - t0, reason: where });
  }, CLI_DEFAULTS.registrationReportMs);
  timer.unref();
  return timer;
}

/** Wraps a list at `width` columns, indented by `indent` spaces. */
function wrap(text: string, indent: number, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => `${' '.repeat(indent)}${l}`).join('\n');
}
