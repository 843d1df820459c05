/**
 * A pool element on real sockets: registers with a registrar (found from a static list or ASAP
 * announces), re-registers, answers keep-alives, follows a takeover, and serves pool users with a
 * service. `close()` deregisters, ends the sessions (so pool users fail over at once) and closes.
 */
import type { PoolElementEvent } from '../element/index.js';
import { monotonicNow, type NodeRunner } from '../io/node-runner.js';
import { parsePolicySpec } from '../policy/index.js';
import { SCTP_DEFAULTS } from '../sctp/index.js';
import type { PoolElementService } from '../services/index.js';
import { PoolElementNode, type PoolElementNodeEvent } from '../stack/index.js';
import type { PoolPolicy, TransportParameter } from '../wire/index.js';
import {
  type AnnounceSetting,
  ASAP_ANNOUNCE_GROUP,
  advertisedAddresses,
  parseAnnounce,
  parseHostPort,
  parseRegistrars,
  randomPort,
} from './addresses.js';
import {
  cryptoRandom,
  endpointOptions,
  type Logger,
  SCTP_TUNING_SCHEMA,
  type SctpTuning,
  TypedEmitter,
  within,
} from './common.js';
import { OPTION_DEFAULTS } from './defaults.js';
import { ClosedError, InvalidArgumentError, RegistrationRejectedError, TimeoutError } from './errors.js';
import { startRunner } from './runner.js';
import { createService, SERVICE_NAMES, type ServiceName } from './services.js';
import {
  type Check,
  checkOptions,
  func,
  integer,
  ms,
  msOrZero,
  nested,
  oneOf,
  poolHandleBytes,
  poolPolicy,
  port,
  required,
  type Schema,
  string,
  stringList,
  U32_MAX,
} from './validate.js';

export interface PoolElementOptions {
  /** The pool to join (text or bytes). */
  readonly poolHandle: string | Uint8Array;
  /** What the PE serves: a built-in RSPLIB service or your own. */
  readonly service: ServiceName | PoolElementService;
  /** Registrars' ASAP endpoints "IP:PORT" (port default 3863). */
  readonly registrars?: readonly string[];
  /** Learn registrars from ASAP Server Announces: off, auto (239.0.0.50:3863) or GROUP:PORT. Default auto. */
  readonly asapAnnounce?: AnnounceSetting;
  /** Policy: a spec such as "RoundRobin", "WeightedRandom:5", "LeastUsed:0.3", or a PoolPolicy. */
  readonly policy?: string | PoolPolicy;
  /** Local "IP" or "IP:PORT" of the data endpoint pool users connect to (port default random). */
  readonly local?: string;
  /** SCTP port of the ASAP endpoint (registrar association, takeovers); absent or 0: random. */
  readonly asapPort?: number;
  /** UDP port for SCTP over UDP (RFC 6951: 9899). */
  readonly udpPort?: number;
  /** PE identifier; default random, never 0. */
  readonly id?: number;
  readonly reregistrationIntervalMs?: number;
  readonly registrationLife?: number;
  readonly sctp?: SctpTuning;
  readonly logger?: Logger;
}

export const POOL_ELEMENT_DEFAULTS = {
  /** How long `waitRegistered()` waits by default. */
  waitRegisteredTimeoutMs: 10_000,
  /** How long `close()` may take in all (deregistration, then the sessions' shutdowns). */
  closeTimeoutMs: 2_000,
} as const;

export interface PoolElementEvents extends Record<string, unknown[]> {
  registered: [{ registrarId: number; reregistration: boolean }];
  event: [PoolElementEvent];
  session: ['up' | 'down', number];
  warning: [string];
}

export class PoolElement extends TypedEmitter<PoolElementEvents> {
  private closing: Promise<void> | undefined;
  private registeredOnce = false;
  /** Associations (registrar and sessions) that are up and not yet shut down or lost. */
  private readonly liveAssociations = new Set<string>();
  private onAllAssociationsEnded: (() => void) | undefined;
  /** Rejects the pending `waitRegistered` calls when the PE closes. */
  private readonly onClosing = new Set<() => void>();

  private constructor(
    private readonly node: PoolElementNode,
    private readonly runner: NodeRunner<PoolElementNodeEvent>,
    readonly poolHandle: Uint8Array,
    readonly userTransport: TransportParameter,
  ) {
    super();
  }

  /**
   * Binds the sockets and starts registering; rejects with InvalidArgumentError for a bad option,
   * SocketError if a bind fails. Registration goes on in the background: see `waitRegistered`.
   */
  static async start(options: PoolElementOptions): Promise<PoolElement> {
    checkOptions(options, 'PoolElement.start options', POOL_ELEMENT_SCHEMA);
    required(options, 'poolHandle', 'PoolElement.start options');
    required(options, 'service', 'PoolElement.start options');
    const poolHandle = poolHandleBytes(options.poolHandle, 'PoolElement.start options.poolHandle');
    const policy = resolvePolicy(options.policy);
    const local = parseHostPort(options.local ?? '0.0.0.0', 'local', 0);
    const random = cryptoRandom();
    const dataPort = local.port === 0 ? randomPort(random) : local.port;
    const asapPort = options.asapPort || randomPort(random);
    const userTransport: TransportParameter = {
      kind: 'sctp',
      port: dataPort,
      transportUse: 'dataAndControl',
      addresses: advertisedAddresses(local.host),
    };
    const registrars = parseRegistrars(options.registrars);
    const id = options.id ?? 1 + (random.u32() % 0xfffffffe);
    const service = typeof options.service === 'string' ? createService(options.service) : options.service;
    const node = new PoolElementNode(
      {
        asap: endpointOptions(asapPort, random, options.sctp),
        data: endpointOptions(dataPort, random, options.sctp),
        random,
        wallClock: () => ({ epochUs: Date.now() * 1000, utcOffsetMinutes: -new Date().getTimezoneOffset() }),
        element: {
          poolHandle,
          id,
          policy,
          userTransport,
          registrars,
          ...(options.reregistrationIntervalMs
            ? { reregistrationIntervalMs: options.reregistrationIntervalMs }
            : {}),
          ...(options.registrationLife ? { registrationLife: options.registrationLife } : {}),
        },
      },
      service,
    );
    const group = parseAnnounce(options.asapAnnounce ?? 'auto', ASAP_ANNOUNCE_GROUP, 'asapAnnounce');
    let self: PoolElement | undefined;
    const runner = await startRunner<PoolElementNodeEvent>(node, {
      addresses: [local.host],
      udpPort: options.udpPort ?? SCTP_DEFAULTS.udpEncapsulationPort,
      ...(group
        ? { multicast: { asapAnnounce: { group: group.host, port: group.port, receive: true } } }
        : {}),
      onEvent: (e) => self?.onNodeEvent(e),
      onWarning: (message, error) => {
        options.logger?.({ level: 'warn', message, ...(error ? { error: String(error) } : {}) });
        self?.emit('warning', message);
      },
    });
    self = new PoolElement(node, runner, poolHandle, userTransport);
    runner.act(node.request({ kind: 'register', now: monotonicNow() }));
    return self;
  }

  get id(): number {
    return this.node.core.id;
  }

  /** Registered with a registrar: true from the first Registration Response, also while re-registering. */
  get registered(): boolean {
    return this.node.core.registered;
  }

  /** The home registrar's id as last heard (0 until its first Keep Alive names it), if any. */
  get homeRegistrarId(): number | undefined {
    return this.node.core.homeRegistrarId;
  }

  /**
   * Resolves at the first successful registration (at once if there was one). Rejects with
   * RegistrationRejectedError on a rejection, TimeoutError after `timeoutMs` (no registrar reachable,
   * or none answering), ClosedError if the PE is or gets closed.
   */
  async waitRegistered(timeoutMs: number = POOL_ELEMENT_DEFAULTS.waitRegisteredTimeoutMs): Promise<void> {
    ms(timeoutMs, 'PoolElement.waitRegistered timeoutMs');
    if (this.closing) return Promise.reject(new ClosedError('pool element closed'));
    if (this.registeredOnce) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        this.off('event', onEvent);
        this.onClosing.delete(onClosing);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => settle(new TimeoutError(`not registered within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onEvent = (e: PoolElementEvent): void => {
        if (e.kind === 'registered') settle();
        else if (e.kind === 'registrationRejected') {
          const cause = e.error?.causes[0]?.cause ?? 0;
          settle(
            new RegistrationRejectedError(`registration rejected (cause 0x${cause.toString(16)})`, cause),
          );
        }
      };
      const onClosing = (): void => settle(new ClosedError('pool element closed'));
      this.on('event', onEvent);
      this.onClosing.add(onClosing);
    });
  }

  /** Re-registers with a new policy (e.g. a new load for LeastUsed). */
  update(policy: string | PoolPolicy): void {
    if (this.closing) throw new ClosedError('pool element closed');
    if (policy === undefined) throw new InvalidArgumentError('PoolElement.update policy is required');
    const resolved = resolvePolicy(policy);
    this.runner.act(this.node.request({ kind: 'update', now: monotonicNow(), policy: resolved }));
  }

  /**
   * Deregisters, ends all sessions (SCTP SHUTDOWN, so pool users fail over at once) and closes the
   * sockets: within `timeoutMs` in all, whether or not the registrar answers. Calling `close` or `kill`
   * again waits for the first call.
   */
  async close(timeoutMs: number = POOL_ELEMENT_DEFAULTS.closeTimeoutMs): Promise<void> {
    msOrZero(timeoutMs, 'PoolElement.close timeoutMs');
    this.closing ??= this.doClose(timeoutMs);
    this.rejectWaiters();
    return this.closing;
  }

  /**
   * Stops at once like a crashed process: the sockets close with no deregistration and no goodbye to
   * the sessions. The registrar and the pool users must notice by themselves (for demos and tests).
   */
  kill(): Promise<void> {
    this.closing ??= this.runner.close();
    this.rejectWaiters();
    return this.closing;
  }

  private rejectWaiters(): void {
    for (const f of [...this.onClosing]) f();
  }

  private async doClose(timeoutMs: number): Promise<void> {
    const end = monotonicNow() + timeoutMs;
    let onEvent: ((e: PoolElementEvent) => void) | undefined;
    const deregistered = new Promise<void>((resolve) => {
      onEvent = (e) => {
        if (e.kind === 'deregistered') resolve();
      };
      this.on('event', onEvent);
    });
    this.runner.act(this.node.request({ kind: 'deregister', now: monotonicNow() }));
    // The deregistration gets half of the time at most, so that the sessions' shutdowns get the rest.
    await within(deregistered, timeoutMs / 2);
    if (onEvent) this.off('event', onEvent);
    this.runner.act(this.node.shutdownSessions(monotonicNow()));
    // RFC 9260 §9.2: let every SHUTDOWN complete before the socket goes away, so pool users learn at
    // once rather than by timeout; bounded.
    if (this.liveAssociations.size > 0) {
      const allEnded = new Promise<void>((resolve) => {
        this.onAllAssociationsEnded = resolve;
      });
      await within(allEnded, end - monotonicNow());
    }
    await this.runner.close();
  }

  private onNodeEvent(e: PoolElementNodeEvent): void {
    if (e.kind === 'element') {
      if (e.event.kind === 'registered') {
        this.registeredOnce = true;
        this.emit('registered', { registrarId: e.event.registrarId, reregistration: e.event.reregistration });
      }
      this.emit('event', e.event);
    } else if (e.kind === 'association') {
      const key = `${e.role}:${e.assoc}`;
      const ended = e.event.kind === 'lost' || e.event.kind === 'shutdownComplete';
      if (e.event.kind === 'up') this.liveAssociations.add(key);
      else if (ended) {
        this.liveAssociations.delete(key);
        if (this.liveAssociations.size === 0) this.onAllAssociationsEnded?.();
      }
      if (e.role === 'data' && e.event.kind === 'up') this.emit('session', 'up', e.assoc);
      else if (e.role === 'data' && ended) this.emit('session', 'down', e.assoc);
    }
  }
}

/** A policy spec such as "LeastUsed:0.3" or a PoolPolicy object. */
const policySetting: Check = (v, what) => {
  if (typeof v !== 'string') poolPolicy(v, what);
};

/** A built-in service's name or an object implementing PoolElementService. */
const serviceSetting: Check = (v, what) => {
  if (typeof v === 'string') return oneOf(SERVICE_NAMES)(v, what);
  const s = v as Partial<PoolElementService> | null;
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.handle !== 'function' ||
    typeof s.nextDeadline !== 'function'
  )
    throw new InvalidArgumentError(
      `${what} must be one of ${SERVICE_NAMES.join(', ')} or a PoolElementService`,
    );
};

const POOL_ELEMENT_SCHEMA: Schema<PoolElementOptions> = {
  poolHandle: (v, what) => void poolHandleBytes(v, what),
  service: serviceSetting,
  registrars: stringList,
  asapAnnounce: string,
  policy: policySetting,
  local: string,
  asapPort: port,
  udpPort: port,
  id: integer(1, U32_MAX),
  reregistrationIntervalMs: ms,
  registrationLife: integer(1, U32_MAX),
  sctp: nested(SCTP_TUNING_SCHEMA),
  logger: func,
};

function resolvePolicy(policy: string | PoolPolicy | undefined): PoolPolicy {
  if (policy === undefined) return { name: OPTION_DEFAULTS.policy };
  policySetting(policy, 'policy');
  if (typeof policy !== 'string') return policy;
  const r = parsePolicySpec(policy);
  if (!r.ok) throw new InvalidArgumentError(`policy: ${r.error}`);
  return r.value;
}
