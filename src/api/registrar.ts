/**
 * A pool registrar (ENRP server) on real sockets: ASAP on one SCTP port, ENRP on another, both carried
 * in UDP (RFC 6951) on one socket, plus the multicast announces. `Registrar.start` resolves once the
 * sockets are bound and the ENRP start-up phase has begun.
 */
import type { Random } from '../base/random.js';
import type { Handlespace } from '../handlespace/index.js';
import { monotonicNow, type NodeRunner } from '../io/node-runner.js';
import { Registrar as RegistrarCore, type RegistrarEvent } from '../registrar/index.js';
import { SCTP_DEFAULTS } from '../sctp/index.js';
import { RegistrarNode, type RegistrarNodeEvent } from '../stack/index.js';
import { AddressScope, parseAddressScope } from '../wire/address-scope.js';
import { MAX_HANDLE_RESOLUTION_ITEMS, type TransportParameter, WellKnownPort } from '../wire/index.js';
import {
  type AnnounceSetting,
  ASAP_ANNOUNCE_GROUP,
  advertisedAddresses,
  ENRP_ANNOUNCE_GROUP,
  type HostPort,
  parseAnnounce,
  parseHostPort,
} from './addresses.js';
import {
  cryptoRandom,
  endpointOptions,
  type Logger,
  SCTP_TUNING_SCHEMA,
  type SctpTuning,
  TypedEmitter,
} from './common.js';
import { OPTION_DEFAULTS } from './defaults.js';
import { InvalidArgumentError } from './errors.js';
import { startRunner } from './runner.js';
import {
  boolean,
  checkOptions,
  finiteNumber,
  func,
  integer,
  ms,
  msOrZero,
  nested,
  port,
  type Schema,
  string,
  stringList,
  U32_MAX,
  u32,
} from './validate.js';

export type { RegistrarEvent } from '../registrar/index.js';

export interface RegistrarOptions {
  /** Registrar id; absent or 0: random. */
  readonly id?: number;
  /** ASAP endpoint "IP:PORT" (default 0.0.0.0:3863). */
  readonly asap?: string;
  /** ENRP endpoint "IP:PORT"; without it the registrar runs alone (no ENRP). */
  readonly enrp?: string;
  /** Static peer registrars' ENRP endpoints "IP:PORT". */
  readonly peers?: readonly string[];
  /** ASAP Server Announces: off, auto (239.0.0.50:3863) or GROUP:PORT. Default auto. */
  readonly asapAnnounce?: AnnounceSetting;
  /** ENRP Presence multicast: off, auto (239.0.0.51:9901) or GROUP:PORT. Default auto when ENRP is on. */
  readonly enrpAnnounce?: AnnounceSetting;
  /** UDP port for SCTP over UDP (RFC 6951: 9899). */
  readonly udpPort?: number;
  readonly keepAliveIntervalMs?: number;
  readonly keepAliveTimeoutMs?: number;
  readonly maxBadPeReports?: number;
  readonly maxHResItems?: number;
  /** Selected PEs whose policy state advances per resolution; 0 = policy default (RSPLIB `-maxincrement`). */
  readonly maxIncrement?: number;
  /** Rounding step of measured distances for DPF policies (RSPLIB `-distancestep`). */
  readonly distanceStepMs?: number;
  /** Handle Resolutions per second per pool user and pool; 0 = unlimited (default; RSPLIB `-maxhrrate`). */
  readonly maxHandleResolutionRate?: number;
  /** Endpoint Unreachables per second per pool user and pool; 0 = unlimited (default; RSPLIB `-maxeurate`). */
  readonly maxEndpointUnreachableRate?: number;
  /** 'loopback', 'site-local' (default, like RSPLIB) or 'global'. */
  readonly minAddressScope?: string;
  readonly serverAnnounceCycleMs?: number;
  readonly peerHeartbeatCycleMs?: number;
  readonly peerMaxTimeLastHeardMs?: number;
  readonly peerMaxTimeNoResponseMs?: number;
  readonly mentorDiscoveryTimeoutMs?: number;
  readonly takeoverExpiryIntervalMs?: number;
  readonly supportTakeoverSuggestion?: boolean;
  readonly sctp?: SctpTuning;
  readonly logger?: Logger;
}

/** Rates are per second; more than this is no limit at all. */
const MAX_RATE = 1e9;

/** The check of every registrar option (the CLI's ranges are within these). */
const REGISTRAR_SCHEMA: Schema<RegistrarOptions> = {
  id: u32,
  asap: string,
  enrp: string,
  peers: stringList,
  asapAnnounce: string,
  enrpAnnounce: string,
  udpPort: port,
  keepAliveIntervalMs: ms,
  keepAliveTimeoutMs: ms,
  maxBadPeReports: integer(1, U32_MAX),
  maxHResItems: integer(1, MAX_HANDLE_RESOLUTION_ITEMS),
  maxIncrement: integer(0, MAX_HANDLE_RESOLUTION_ITEMS),
  distanceStepMs: ms,
  maxHandleResolutionRate: finiteNumber(0, MAX_RATE),
  maxEndpointUnreachableRate: finiteNumber(0, MAX_RATE),
  minAddressScope: string,
  serverAnnounceCycleMs: msOrZero,
  peerHeartbeatCycleMs: ms,
  peerMaxTimeLastHeardMs: ms,
  peerMaxTimeNoResponseMs: ms,
  mentorDiscoveryTimeoutMs: ms,
  takeoverExpiryIntervalMs: ms,
  supportTakeoverSuggestion: boolean,
  sctp: nested(SCTP_TUNING_SCHEMA),
  logger: func,
};

export interface RegistrarEvents extends Record<string, unknown[]> {
  event: [RegistrarEvent];
  warning: [string];
}

export const REGISTRAR_DEFAULTS = {
  /** How long `close()` waits for the associations' shutdowns before closing the sockets. */
  closeTimeoutMs: 2_000,
} as const;

export class Registrar extends TypedEmitter<RegistrarEvents> {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly core: RegistrarCore,
    private readonly runner: NodeRunner<RegistrarNodeEvent>,
    readonly asapEndpoint: HostPort,
    readonly enrpEndpoint: HostPort | undefined,
  ) {
    super();
  }

  /** Binds the sockets; rejects with InvalidArgumentError for a bad option, SocketError if a bind fails. */
  static async start(options: RegistrarOptions = {}): Promise<Registrar> {
    checkOptions(options, 'Registrar.start options', REGISTRAR_SCHEMA);
    const setup = parseSetup(options);
    const { asap, enrp } = setup;
    const random = cryptoRandom();
    const core = newCore(options, setup, random);
    const node = new RegistrarNode(core, {
      asap: endpointOptions(asap.port, random, options.sctp),
      ...(enrp ? { enrp: endpointOptions(enrp.port, random, options.sctp) } : {}),
    });
    const addresses = [...new Set([asap.host, ...(enrp ? [enrp.host] : [])])];
    const log = options.logger;
    let self: Registrar | undefined;
    const runner = await startRunner<RegistrarNodeEvent>(node, {
      addresses,
      udpPort: options.udpPort ?? SCTP_DEFAULTS.udpEncapsulationPort,
      multicast: multicastOf(setup),
      onEvent: (e) => {
        if (e.kind === 'core') self?.emit('event', e.event as RegistrarEvent);
      },
      onWarning: (message, error) => {
        log?.({ level: 'warn', message, ...(error ? { error: String(error) } : {}) });
        self?.emit('warning', message);
      },
    });
    self = new Registrar(core, runner, asap, enrp);
    runner.act(node.input({ kind: 'start', now: monotonicNow() }));
    return self;
  }

  get id(): number {
    return this.core.registrarId;
  }

  /** The registrar's handlespace (read it; changing it bypasses the protocol). */
  get handlespace(): Handlespace {
    return this.core.handlespace;
  }

  /**
   * Stops at once like a crashed process: no goodbye to peers or PEs (for demos and tests). Calling
   * `kill` or `close` again returns the same promise.
   */
  kill(): Promise<void> {
    this.closing ??= this.runner.close();
    return this.closing;
  }

  /**
   * Stops: the ENRP side says goodbye as RFC 5353 allows, every association is shut down (PEs and peers
   * learn at once instead of by timeout), and the sockets close once the shutdowns completed or
   * `timeoutMs` passed, whether peers answer or not. Calling it again waits for the first call.
   */
  async close(timeoutMs: number = REGISTRAR_DEFAULTS.closeTimeoutMs): Promise<void> {
    msOrZero(timeoutMs, 'Registrar.close timeoutMs');
    this.closing ??= this.doClose(timeoutMs);
    return this.closing;
  }

  private async doClose(timeoutMs: number): Promise<void> {
    const node = this.runnerNode();
    this.runner.act(node.input({ kind: 'stop', now: monotonicNow() }));
    this.runner.act(node.shutdownAll(monotonicNow()));
    const end = monotonicNow() + timeoutMs;
    // The node reports no event when its last association ends, so poll its count (bounded).
    while (node.associationCount > 0 && monotonicNow() < end) await new Promise((r) => setTimeout(r, 10));
    await this.runner.close();
  }

  private runnerNode(): RegistrarNode {
    return this.runner.node as RegistrarNode;
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** What `Registrar.start` derives from its options before it builds anything. */
interface RegistrarSetup {
  readonly asap: HostPort;
  readonly enrp: HostPort | undefined;
  readonly scope: AddressScope;
  readonly asapGroup: HostPort | undefined;
  readonly enrpGroup: HostPort | undefined;
}

function parseSetup(options: RegistrarOptions): RegistrarSetup {
  const asap = parseHostPort(options.asap ?? OPTION_DEFAULTS.asap, 'asap', WellKnownPort.Asap);
  const enrp =
    options.enrp === undefined ? undefined : parseHostPort(options.enrp, 'enrp', WellKnownPort.Enrp);
  const scope =
    options.minAddressScope === undefined
      ? AddressScope.SiteLocal
      : parseAddressScope(options.minAddressScope);
  if (scope === undefined)
    throw new InvalidArgumentError(
      `minAddressScope: '${options.minAddressScope}' is not loopback, site-local or global`,
    );
  const asapGroup = parseAnnounce(options.asapAnnounce ?? 'auto', ASAP_ANNOUNCE_GROUP, 'asapAnnounce');
  const enrpGroup = enrp
    ? parseAnnounce(options.enrpAnnounce ?? 'auto', ENRP_ANNOUNCE_GROUP, 'enrpAnnounce')
    : undefined;
  return { asap, enrp, scope, asapGroup, enrpGroup };
}

/** The registrar's options the core takes as they are. */
const CORE_OPTIONS = [
  'keepAliveIntervalMs',
  'keepAliveTimeoutMs',
  'maxBadPeReports',
  'maxHResItems',
  'maxIncrement',
  'distanceStepMs',
  'maxHandleResolutionRate',
  'maxEndpointUnreachableRate',
  'serverAnnounceCycleMs',
  'peerHeartbeatCycleMs',
  'peerMaxTimeLastHeardMs',
  'peerMaxTimeNoResponseMs',
  'mentorDiscoveryTimeoutMs',
  'takeoverExpiryIntervalMs',
  'supportTakeoverSuggestion',
] as const;

function newCore(options: RegistrarOptions, s: RegistrarSetup, random: Random): RegistrarCore {
  const transport = (hp: HostPort): TransportParameter => ({
    kind: 'sctp',
    port: hp.port,
    transportUse: 'data',
    addresses: advertisedAddresses(hp.host),
  });
  const peers = (options.peers ?? []).map((p) => {
    const hp = parseHostPort(p, 'peer', WellKnownPort.Enrp);
    return { addresses: [hp.host], port: hp.port };
  });
  return new RegistrarCore(
    {
      ...(options.id ? { registrarId: options.id } : {}),
      asapTransport: transport(s.asap),
      ...(s.enrp ? { enrpTransport: transport(s.enrp) } : {}),
      peers,
      enrpMulticast: s.enrpGroup !== undefined,
      minAddressScope: s.scope,
      ...(s.asapGroup ? {} : { serverAnnounceCycleMs: 0 }),
      ...pick(options, CORE_OPTIONS),
    },
    random,
  );
}

/** Server Announces are only sent, ENRP Presences sent and received. */
function multicastOf(s: RegistrarSetup) {
  return {
    ...(s.asapGroup
      ? { asapAnnounce: { group: s.asapGroup.host, port: s.asapGroup.port, receive: false } }
      : {}),
    ...(s.enrpGroup
      ? { enrpPresence: { group: s.enrpGroup.host, port: s.enrpGroup.port, receive: true } }
      : {}),
  };
}
