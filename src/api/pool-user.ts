/**
 * A pool user on real sockets: resolves pool handles through a registrar and opens sessions to pools
 * that fail over transparently (RFC 5352 §3.8). Messages that were in flight on an association that
 * died are sent again on the new pool element (unless `resendOnFailover` is false), so every message
 * reaches a pool element at least once.
 */
import { monotonicNow, NodeRunner } from '../io/node-runner.js';
import type { PoolUserSessionEvent } from '../session/index.js';
import {
  PoolUserNode,
  type PoolUserNodeEvent,
  type PoolUserNode as PoolUserNodeType,
  type SessionId,
  type SessionOptions,
} from '../stack/index.js';
import type { Resolution } from '../user/index.js';
import {
  type AnnounceSetting,
  ASAP_ANNOUNCE_GROUP,
  parseAnnounce,
  parseHostPort,
  parseRegistrars,
} from './addresses.js';
import { cryptoRandom, endpointOptions, type Logger, type SctpTuning, TypedEmitter } from './common.js';
import { InvalidArgumentError, RserpoolError } from './errors.js';

export type { Resolution, ResolutionFailure } from '../user/index.js';

export interface PoolUserOptions {
  /** Registrars' ASAP endpoints "IP:PORT" (port default 3863). */
  readonly registrars?: readonly string[];
  /** Learn registrars from ASAP Server Announces: off, auto or GROUP:PORT. Default auto. */
  readonly asapAnnounce?: AnnounceSetting;
  /** Local IP to use (default 0.0.0.0). */
  readonly local?: string;
  /** UDP port for SCTP over UDP; default 0 (any free port: peers learn it, RFC 6951 §5.5). */
  readonly udpPort?: number;
  /** How long a resolution may take before `resolve` rejects (the core retries registrars meanwhile). */
  readonly requestTimeoutMs?: number;
  /**
   * SCTP timers for sessions: they decide how fast a dead pool element is noticed. The default
   * (RTO.Max 1 s, 3 retransmissions) notices within a few seconds; RFC 9260 defaults take minutes.
   */
  readonly sctp?: SctpTuning;
  readonly logger?: Logger;
}

/** Failover-friendly SCTP defaults for pool users (see `PoolUserOptions.sctp`). */
export const POOL_USER_SCTP_DEFAULTS: SctpTuning = {
  rtoInitialMs: 500,
  rtoMinMs: 200,
  rtoMaxMs: 1_000,
  associationMaxRetrans: 3,
  pathMaxRetrans: 3,
  maxInitRetransmits: 3,
  heartbeatIntervalMs: 1_000,
};

export interface PoolUserEvents extends Record<string, unknown[]> {
  warning: [string];
}

export class PoolUser extends TypedEmitter<PoolUserEvents> {
  private readonly waiters = new Map<
    number,
    { resolve: (r: Resolution) => void; reject: (e: Error) => void }
  >();
  private readonly sessions = new Map<SessionId, Session>();
  /** Associations that are up and not yet shut down or lost (from the node's association events). */
  private readonly liveAssociations = new Set<number>();
  private onAllAssociationsEnded: (() => void) | undefined;
  private closed = false;

  private constructor(
    private readonly node: PoolUserNodeType,
    private runner: NodeRunner<PoolUserNodeEvent>,
  ) {
    super();
  }

  static async start(options: PoolUserOptions = {}): Promise<PoolUser> {
    const random = cryptoRandom();
    const registrars = parseRegistrars(options.registrars);
    const local = parseHostPort(options.local ?? '0.0.0.0', 'local', 0);
    const node = new PoolUserNode({
      sctp: endpointOptions(local.port || 10000 + (random.u32() % 50000), random, {
        ...POOL_USER_SCTP_DEFAULTS,
        ...options.sctp,
      }),
      random,
      user: {
        registrars,
        ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      },
    });
    const group = parseAnnounce(options.asapAnnounce ?? 'auto', ASAP_ANNOUNCE_GROUP, 'asapAnnounce');
    let self: PoolUser | undefined;
    const runner = await NodeRunner.start<PoolUserNodeEvent>(node, {
      addresses: [local.host],
      udpPort: options.udpPort ?? 0,
      ...(group
        ? { multicast: { asapAnnounce: { group: group.host, port: group.port, receive: true } } }
        : {}),
      onEvent: (e) => self?.onNodeEvent(e),
      onWarning: (message, error) => {
        options.logger?.({ level: 'warn', message, ...(error ? { error: String(error) } : {}) });
        self?.emit('warning', message);
      },
    });
    self = new PoolUser(node, runner);
    return self;
  }

  /** Resolves a pool handle to up to `items` pool elements, selected by the registrar by pool policy. */
  resolve(poolHandle: string | Uint8Array, options: { items?: number } = {}): Promise<Resolution> {
    this.checkOpen();
    const handle = toHandle(poolHandle);
    const requestId = this.node.nextRequestId();
    return new Promise((resolve, reject) => {
      this.waiters.set(requestId, { resolve, reject });
      this.runner.act(this.node.resolve(monotonicNow(), requestId, handle, options.items));
    });
  }

  /** Tells a registrar that a pool element is unreachable (RFC 5352 §3.5). */
  reportUnreachable(poolHandle: string | Uint8Array, poolElementId: number): void {
    this.checkOpen();
    this.runner.act(this.node.reportUnreachable(monotonicNow(), toHandle(poolHandle), poolElementId));
  }

  /** Opens a session to a pool; it connects to a pool element chosen by the pool policy. */
  openSession(
    poolHandle: string | Uint8Array,
    options: SessionOptions & { resendOnFailover?: boolean } = {},
  ): Session {
    this.checkOpen();
    const { resendOnFailover, ...sessionOptions } = options;
    const { session, out } = this.node.openSession(monotonicNow(), toHandle(poolHandle), sessionOptions);
    const s = new Session(this, session, resendOnFailover ?? true);
    this.sessions.set(session, s);
    this.runner.act(out);
    return s;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.runner.act(this.node.close(monotonicNow()));
    for (const w of this.waiters.values())
      w.reject(new RserpoolError('ERR_RSERPOOL_CLOSED', 'pool user closed'));
    this.waiters.clear();
    // RFC 9260 §9.2: answer each SHUTDOWN ACK with SHUTDOWN COMPLETE before the socket goes away; bounded.
    if (this.liveAssociations.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2_000);
        this.onAllAssociationsEnded = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await this.runner.close();
  }

  /** @internal Feeds a session input through the node. */
  sessionInput(session: SessionId, input: Parameters<PoolUserNodeType['sessionInput']>[1]): void {
    this.runner.act(this.node.sessionInput(session, input));
  }

  private checkOpen(): void {
    if (this.closed) throw new RserpoolError('ERR_RSERPOOL_CLOSED', 'pool user closed');
  }

  private onNodeEvent(e: PoolUserNodeEvent): void {
    if (e.kind === 'resolved') {
      const w = this.waiters.get(e.requestId);
      this.waiters.delete(e.requestId);
      if (!w) return;
      if (e.result.ok) w.resolve(e.result.value);
      else if (e.result.error.kind === 'unknownPoolHandle') {
        w.reject(new RserpoolError('ERR_RSERPOOL_UNKNOWN_POOL_HANDLE', 'unknown pool handle'));
      } else if (e.result.error.kind === 'timeout') {
        w.reject(new RserpoolError('ERR_RSERPOOL_TIMEOUT', 'no registrar answered'));
      } else {
        const cause = e.result.error.error.causes[0]?.cause ?? 0;
        w.reject(
          new RserpoolError('ERR_RSERPOOL_REGISTRAR_ERROR', `registrar error, cause 0x${cause.toString(16)}`),
        );
      }
    } else if (e.kind === 'association') {
      if (e.event.kind === 'up') this.liveAssociations.add(e.assoc);
      else if (e.event.kind === 'lost' || e.event.kind === 'shutdownComplete') {
        this.liveAssociations.delete(e.assoc);
        if (this.liveAssociations.size === 0) this.onAllAssociationsEnded?.();
      }
    } else if (e.kind === 'session') {
      const s = this.sessions.get(e.session);
      if (e.event.kind === 'closed' || e.event.kind === 'failed') this.sessions.delete(e.session);
      // Deliver after the node has finished this input: listeners may call back into the API.
      if (s) queueMicrotask(() => s.onEvent(e.event));
    }
  }
}

export interface SessionEvents extends Record<string, unknown[]> {
  /** Connected to a pool element (first time). */
  up: [{ pe: number }];
  data: [{ bytes: Uint8Array; ppid: number; stream: number }];
  cookie: [Uint8Array];
  failoverNeeded: [{ reason: string; pe: number }];
  failoverComplete: [{ pe: number; cookieEchoed: boolean }];
  closed: [];
  failed: [string];
}

export class Session extends TypedEmitter<SessionEvents> {
  private currentPe: number | undefined;
  private state: 'open' | 'closed' | 'failed' = 'open';

  constructor(
    private readonly user: PoolUser,
    readonly id: SessionId,
    private readonly resendOnFailover: boolean,
  ) {
    super();
  }

  /** The pool element currently serving the session. */
  get poolElementId(): number | undefined {
    return this.currentPe;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Sends a message; while failing over it is queued and sent to the new pool element. */
  send(
    data: Uint8Array | string,
    options: { ppid?: number; stream?: number; unordered?: boolean } = {},
  ): void {
    if (this.state !== 'open') throw new RserpoolError('ERR_RSERPOOL_CLOSED', 'session is closed');
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.user.sessionInput(this.id, {
      kind: 'send',
      now: monotonicNow(),
      ppid: options.ppid ?? 0,
      stream: options.stream ?? 0,
      ...(options.unordered ? { unordered: true } : {}),
      bytes,
    });
  }

  /** Moves to another pool element now (e.g. the application found this one too slow). */
  failover(reportUnreachable = true): void {
    if (this.state === 'open')
      this.user.sessionInput(this.id, { kind: 'failover', now: monotonicNow(), reportUnreachable });
  }

  close(): void {
    if (this.state === 'open') this.user.sessionInput(this.id, { kind: 'close', now: monotonicNow() });
  }

  /** @internal */
  onEvent(e: PoolUserSessionEvent): void {
    switch (e.kind) {
      case 'up':
        this.currentPe = e.pe;
        this.emit('up', { pe: e.pe });
        break;
      case 'data':
        this.emit('data', { bytes: e.bytes, ppid: e.ppid, stream: e.stream });
        break;
      case 'cookieReceived':
        this.emit('cookie', e.cookie);
        break;
      case 'failoverNeeded':
        this.emit('failoverNeeded', { reason: e.reason, pe: e.pe });
        break;
      case 'failoverComplete':
        this.currentPe = e.pe;
        this.emit('failoverComplete', { pe: e.pe, cookieEchoed: e.cookieEchoed });
        break;
      case 'sendFailed':
        if (this.resendOnFailover && e.reason === 'associationFailed' && this.state === 'open') {
          this.send(e.bytes, { ppid: e.ppid, stream: e.stream });
        }
        break;
      case 'closed':
        this.state = 'closed';
        this.emit('closed');
        break;
      case 'failed':
        this.state = 'failed';
        this.emit('failed', e.reason);
        break;
      default:
        break;
    }
  }
}

function toHandle(poolHandle: string | Uint8Array): Uint8Array {
  const h = typeof poolHandle === 'string' ? new TextEncoder().encode(poolHandle) : poolHandle;
  if (h.length === 0 || h.length > 32) throw new InvalidArgumentError('poolHandle must be 1 to 32 bytes');
  return h;
}
