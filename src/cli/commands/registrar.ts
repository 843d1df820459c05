import { ASAP_ANNOUNCE_GROUP, ENRP_ANNOUNCE_GROUP, type HostPort } from '../../api/addresses.js';
import { Registrar, type RegistrarEvent } from '../../api/index.js';
import { WellKnownPort } from '../../wire/index.js';
import { parseCommandArgs } from '../args.js';
import { type Command, ExitCode, UsageError } from '../command.js';
import { CLI_DEFAULTS, CORE_DEFAULTS_SHOWN as D } from '../defaults.js';
import {
  ADDRESS_SCOPES,
  announceFlag,
  endpointsFlag,
  formatHostPort,
  hostPortFlag,
  scopeFlag,
} from '../flags.js';
import { type createLogger, daemonLogger, hex32, untilSignal } from '../log.js';
import { defined, idOption, intOption } from '../options.js';

const group = (g: HostPort): string => `${g.host}:${g.port}`;

const usage = `Usage: rserpool registrar [options]

Runs a pool registrar (ENRP server): pool elements register with it over ASAP (RFC 5352), pool users
resolve pool handles at it, and with --enrp it keeps the handlespace in step with peer registrars over
ENRP (RFC 5353). SCTP runs over UDP (RFC 6951, UDP port ${D.udpPort}). Stops on SIGINT or SIGTERM.
Repeated warnings (malformed messages, rejected registrations, failed sends) are logged once, then
counted: one line per kind every ${CLI_DEFAULTS.logRepeatPeriodMs / 1000} s says how many more there were.

ASAP:
  --asap HOST:PORT               ASAP endpoint (default ${D.asap})
  --asap-announce off|auto|GROUP:PORT
                                 ASAP Server Announces (default auto = ${group(ASAP_ANNOUNCE_GROUP)})
  --keepalive-interval MS        Endpoint Keep Alive interval (default ${D.keepAliveIntervalMs})
  --keepalive-timeout MS         wait for the Keep Alive Ack (default ${D.keepAliveTimeoutMs})
  --max-bad-pe-reports N         unreachable reports before a PE is removed (default ${D.maxBadPeReports})
  --max-hres-items N             PEs per handle resolution by default (default ${D.maxHResItems}, at most 128)
  --max-increment N              selected PEs whose policy state advances per resolution
                                 (default ${D.maxIncrement} = the policy's own, 1)
  --distance-step MS             rounding of measured distances for DPF policies (default ${D.distanceStepMs})
  --max-hr-rate N                handle resolutions per second a pool user may make per pool;
                                 more are answered "unknown pool handle" (default ${D.maxHandleResolutionRate} = unlimited)
  --max-eu-rate N                endpoint-unreachable reports per second a pool user may send
                                 per pool; more are ignored (default ${D.maxEndpointUnreachableRate} = unlimited)
  --min-address-scope ${ADDRESS_SCOPES.join('|')}
                                 narrowest PE address accepted (default ${D.minAddressScope}; pool
                                 elements on 127.x.y.z need loopback)
ENRP:
  --enrp HOST:PORT               ENRP endpoint (port default ${WellKnownPort.Enrp}); without it the registrar
                                 runs alone (and rserpool hsdump cannot read it)
  --peer HOST:PORT               a peer registrar's ENRP endpoint (repeatable)
  --enrp-announce off|auto|GROUP:PORT
                                 ENRP Presence multicast (default auto = ${group(ENRP_ANNOUNCE_GROUP)})
  --id ID                        registrar id, decimal or 0x hex (default random)
  --peer-heartbeat-cycle MS      Presence period (default ${D.peerHeartbeatCycleMs})
  --peer-max-time-last-heard MS  silence before a Presence with R is sent (default ${D.peerMaxTimeLastHeardMs})
  --peer-max-time-no-response MS then the peer is taken over (default ${D.peerMaxTimeNoResponseMs})
  --mentor-discovery-timeout MS  start-up phase (default ${D.mentorDiscoveryTimeoutMs})
  --takeover-expiry MS           wait for Init Takeover Acks (default ${D.takeoverExpiryIntervalMs})
  --takeover-suggestion          enable the takeover-suggestion extension
Other:
  --udp-port N                   UDP port for SCTP over UDP (default ${D.udpPort}; 1-65535)
  --log-json                     JSON log lines even on a terminal
  -h, --help                     show this help
HOST may be an IP address or a host name (resolved once, at start). ASAP and ENRP need SCTP ports of
their own: --asap and --enrp must differ in port.

Example:
  rserpool registrar --asap 127.0.0.1:3863 --min-address-scope loopback
  rserpool registrar --asap 127.0.0.1:3863 --enrp 127.0.0.1:9901 --min-address-scope loopback
`;

export const registrarCommand: Command = {
  name: 'registrar',
  summary: 'run a pool registrar (ASAP and ENRP server)',
  usage,
  addressFlags: '--asap/--enrp or --udp-port',
  async run(args) {
    const v = parseFlags(args);
    const { options, peers } = await registrarOptions(v);
    const { limiter, log } = daemonLogger('registrar', v['log-json']);
    const registrar = await Registrar.start({ ...options, peers, logger: log });
    log({
      level: 'info',
      message: 'registrar started',
      id: hex32(registrar.id),
      asap: formatHostPort(registrar.asapEndpoint),
      ...(registrar.enrpEndpoint ? { enrp: formatHostPort(registrar.enrpEndpoint) } : {}),
    });
    registrar.on('event', (e) => logEvent(log, e));
    const signal = await untilSignal();
    log({ level: 'info', message: `stopping on ${signal}` });
    await registrar.close();
    limiter.close();
    return ExitCode.Ok;
  },
};

function parseFlags(args: readonly string[]) {
  return parseCommandArgs(
    args,
    {
      asap: { type: 'string' },
      'asap-announce': { type: 'string' },
      'keepalive-interval': { type: 'string' },
      'keepalive-timeout': { type: 'string' },
      'max-bad-pe-reports': { type: 'string' },
      'max-hres-items': { type: 'string' },
      'max-increment': { type: 'string' },
      'distance-step': { type: 'string' },
      'max-hr-rate': { type: 'string' },
      'max-eu-rate': { type: 'string' },
      'min-address-scope': { type: 'string' },
      enrp: { type: 'string' },
      peer: { type: 'string', multiple: true },
      'enrp-announce': { type: 'string' },
      id: { type: 'string' },
      'peer-heartbeat-cycle': { type: 'string' },
      'peer-max-time-last-heard': { type: 'string' },
      'peer-max-time-no-response': { type: 'string' },
      'mentor-discovery-timeout': { type: 'string' },
      'takeover-expiry': { type: 'string' },
      'takeover-suggestion': { type: 'boolean' },
      'udp-port': { type: 'string' },
      'log-json': { type: 'boolean' },
    },
    false,
  ).values;
}

/** The Registrar.start options the flags give (checked here, so a bad value is a usage error). */
async function registrarOptions(v: ReturnType<typeof parseFlags>) {
  const asap = await hostPortFlag(v.asap ?? D.asap, '--asap', { defaultPort: WellKnownPort.Asap });
  const enrp =
    v.enrp === undefined
      ? undefined
      : await hostPortFlag(v.enrp, '--enrp', { defaultPort: WellKnownPort.Enrp });
  if (enrp && enrp.port === asap.port)
    throw new UsageError(
      `--asap ${v.asap ?? D.asap} and --enrp ${v.enrp} both use SCTP port ${asap.port} (give them different ports)`,
    );
  const peers = await endpointsFlag(v.peer, '--peer', WellKnownPort.Enrp);
  const ms = (name: keyof typeof v & string, min: number, max: number) =>
    intOption(v[name] as string | undefined, name, min, max);
  const options = defined({
    id: idOption(v.id, 'id'),
    asap: formatHostPort(asap),
    enrp: enrp && formatHostPort(enrp),
    asapAnnounce: announceFlag(v['asap-announce'], '--asap-announce'),
    enrpAnnounce: announceFlag(v['enrp-announce'], '--enrp-announce'),
    udpPort: ms('udp-port', 1, 65535),
    keepAliveIntervalMs: ms('keepalive-interval', 100, 300_000),
    keepAliveTimeoutMs: ms('keepalive-timeout', 100, 60_000),
    maxBadPeReports: ms('max-bad-pe-reports', 1, 1_000_000),
    maxHResItems: ms('max-hres-items', 1, 128),
    maxIncrement: ms('max-increment', 0, 128),
    distanceStepMs: ms('distance-step', 1, 60_000),
    maxHandleResolutionRate: ms('max-hr-rate', 0, 1_000_000_000),
    maxEndpointUnreachableRate: ms('max-eu-rate', 0, 1_000_000_000),
    minAddressScope: scopeFlag(v['min-address-scope'], '--min-address-scope'),
    peerHeartbeatCycleMs: ms('peer-heartbeat-cycle', 100, 300_000),
    peerMaxTimeLastHeardMs: ms('peer-max-time-last-heard', 100, 300_000),
    peerMaxTimeNoResponseMs: ms('peer-max-time-no-response', 100, 60_000),
    mentorDiscoveryTimeoutMs: ms('mentor-discovery-timeout', 100, 60_000),
    takeoverExpiryIntervalMs: ms('takeover-expiry', 100, 60_000),
    supportTakeoverSuggestion: v['takeover-suggestion'],
  });
  return { options, peers };
}

function logEvent(log: ReturnType<typeof createLogger>, e: RegistrarEvent): void {
  switch (e.kind) {
    case 'handlespaceChanged':
      log({
        level: 'info',
        message: `PE ${e.change}`,
        pool: e.poolHandle,
        pe: hex32(e.element.id),
        home: hex32(e.element.homeRegistrarId),
        ...(e.reason ? { reason: e.reason } : {}),
      });
      break;
    case 'registrationRejected':
      log({
        level: 'warn',
        message: 'registration rejected',
        pool: e.poolHandle,
        pe: hex32(e.id),
        cause: `0x${e.cause.toString(16)}`,
      });
      break;
    case 'malformedMessage':
      log({
        level: 'warn',
        message: 'malformed message answered',
        assoc: e.assoc,
        cause: `0x${e.error.cause.toString(16)}`,
        reason: e.error.reason,
      });
      break;
    default:
      log({ level: 'debug', message: e.kind, event: e });
  }
}
