import { Registrar, type RegistrarEvent } from '../../api/index.js';
import { parseCommandArgs } from '../args.js';
import { type Command, ExitCode } from '../command.js';
import { createLogger, hex32, untilSignal } from '../log.js';
import { defined, idOption, intOption } from '../options.js';

const usage = `Usage: rserpool registrar [options]

Runs a pool registrar (ENRP server): pool elements register with it over ASAP (RFC 5352), pool users
resolve pool handles at it, and with --enrp it keeps the handlespace in step with peer registrars over
ENRP (RFC 5353). SCTP runs over UDP (RFC 6951, UDP port 9899). Stops on SIGINT or SIGTERM.

ASAP:
  --asap HOST:PORT               ASAP endpoint (default 0.0.0.0:3863)
  --asap-announce off|auto|GROUP:PORT
                                 ASAP Server Announces (default auto = 239.0.0.50:3863)
  --keepalive-interval MS        Endpoint Keep Alive interval (default 5000)
  --keepalive-timeout MS         wait for the Keep Alive Ack (default 5000)
  --max-bad-pe-reports N         unreachable reports before a PE is removed (default 3)
  --max-hres-items N             PEs per handle resolution by default (default 3, at most 128)
  --max-increment N              selected PEs whose policy state advances per resolution
                                 (default 0 = the policy's own, 1)
  --distance-step MS             rounding of measured distances for DPF policies (default 50)
  --max-hr-rate N                handle resolutions per second a pool user may make per pool;
                                 more are answered "unknown pool handle" (default 0 = unlimited)
  --max-eu-rate N                endpoint-unreachable reports per second a pool user may send
                                 per pool; more are ignored (default 0 = unlimited)
  --min-address-scope loopback|site-local|global
                                 narrowest PE address accepted (default site-local)
ENRP:
  --enrp HOST:PORT               ENRP endpoint; without it the registrar runs alone
  --peer HOST:PORT               a peer registrar's ENRP endpoint (repeatable)
  --enrp-announce off|auto|GROUP:PORT
                                 ENRP Presence multicast (default auto = 239.0.0.51:9901)
  --id ID                        registrar id, decimal or 0x hex (default random)
  --peer-heartbeat-cycle MS      Presence period (default 2444)
  --peer-max-time-last-heard MS  silence before a Presence with R is sent (default 5000)
  --peer-max-time-no-response MS then the peer is taken over (default 5000)
  --mentor-discovery-timeout MS  start-up phase (default 5000)
  --takeover-expiry MS           wait for Init Takeover Acks (default 5000)
  --takeover-suggestion          enable the takeover-suggestion extension
Other:
  --udp-port N                   UDP port for SCTP over UDP (default 9899)
  --log-json                     JSON log lines even on a terminal
  -h, --help                     show this help

Example:
  rserpool registrar --asap 127.0.0.1:3863 --min-address-scope loopback
`;

export const registrarCommand: Command = {
  name: 'registrar',
  summary: 'run a pool registrar (ASAP and ENRP server)',
  usage,
  async run(args) {
    const { values: v } = parseCommandArgs(
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
    );
    const log = createLogger(process.stderr, 'registrar', v['log-json'] === true || !process.stderr.isTTY);
    const ms = (name: string, min: number, max: number) =>
      intOption(v[name as keyof typeof v] as string | undefined, name, min, max);
    const peers = (v.peer as unknown as string[] | undefined) ?? [];
    const registrar = await Registrar.start({
      ...defined({
        id: idOption(v.id, 'id'),
        asap: v.asap,
        enrp: v.enrp,
        asapAnnounce: v['asap-announce'],
        enrpAnnounce: v['enrp-announce'],
        udpPort: ms('udp-port', 0, 65535),
        keepAliveIntervalMs: ms('keepalive-interval', 100, 300_000),
        keepAliveTimeoutMs: ms('keepalive-timeout', 100, 60_000),
        maxBadPeReports: ms('max-bad-pe-reports', 1, 1_000_000),
        maxHResItems: ms('max-hres-items', 1, 128),
        maxIncrement: ms('max-increment', 0, 128),
        distanceStepMs: ms('distance-step', 1, 60_000),
        maxHandleResolutionRate: ms('max-hr-rate', 0, 1_000_000_000),
        maxEndpointUnreachableRate: ms('max-eu-rate', 0, 1_000_000_000),
        minAddressScope: v['min-address-scope'],
        peerHeartbeatCycleMs: ms('peer-heartbeat-cycle', 100, 300_000),
        peerMaxTimeLastHeardMs: ms('peer-max-time-last-heard', 100, 300_000),
        peerMaxTimeNoResponseMs: ms('peer-max-time-no-response', 100, 60_000),
        mentorDiscoveryTimeoutMs: ms('mentor-discovery-timeout', 100, 60_000),
        takeoverExpiryIntervalMs: ms('takeover-expiry', 100, 60_000),
        supportTakeoverSuggestion: v['takeover-suggestion'],
      }),
      peers,
      logger: log,
    });
    const asap = registrar.asapEndpoint;
    log({
      level: 'info',
      message: 'registrar started',
      id: hex32(registrar.id),
      asap: `${asap.host}:${asap.port}`,
      ...(registrar.enrpEndpoint
        ? { enrp: `${registrar.enrpEndpoint.host}:${registrar.enrpEndpoint.port}` }
        : {}),
    });
    registrar.on('event', (e) => logEvent(log, e));
    const signal = await untilSignal();
    log({ level: 'info', message: `stopping on ${signal}` });
    await registrar.close();
    return ExitCode.Ok;
  },
};

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
