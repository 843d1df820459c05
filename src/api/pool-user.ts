/**
 * A pool user on real sockets: resolves pool handles through a registrar and opens sessions to pools
 * that fail over transparently (RFC 5352 §3.8). Messages that were in flight on an association that
 * died are sent again on the new pool element by the session core (unless `resendOnFailover` is
 * false), so every message reaches a pool element at least once (docs/sessions.md, delivery guarantee).
 */
import { monotonicNow, type NodeRunner } from '../io/node-runner.js';
import type { PoolUserSessionEvent } from '../session/index.js';
import {
  PoolUserNode,
  type PoolUserNodeEvent,
  type PoolUserNode as PoolUserNodeType,
  type SessionId,
} from '../stack/index.js';
import { type Resolution, USER_DEFAULTS } from '../user/index.js';
import {
  ASAP_ANNOUNCE_GROUP,
  parseAnnounce,
  parseHostPort,
  parseRegistrars,
  randomPort,
} from './addresses.js';
import { cryptoRandom, endpointOptions, type SctpTuning, TypedEmitter, within } from './common.js';
import {
  ClosedError,
  InvalidArgumentError,
  RegistrarError,
  SessionFailedError,
  TimeoutError,
  UnknownPoolHandleError,
} from './errors.js';
import {
  OPEN_SESSION_SCHEMA,
  type OpenSessionOptions,
  POOL_USER_SCHEMA,
  type PoolUserOptions,
  RESOLVE_SCHEMA,
  type ResolveOptions,
  SEND_SCHEMA,
  type SendOptions,
} from './pool-user-options.js';
import { startRunner } from './runner.js';
import { boolean, checkOptions, integer, ms, msOrZero, poolHandleBytes, U32_MAX } from './validate.js';

export type { Resolution, ResolutionFailure } from '../user/index.js';
export type {
  OpenSessionOptions,
  PoolUserOptions,
  ResolveOptions,
  SendOptions,
} from './pool-user-options.js';

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

/** Transmissions of a request within `requestTimeoutMs` (RFC 5352 §7.3: MAX-REQUEST-RETRANSMIT + 1). */
const TRANSMISSIONS = USER_DEFAULTS.maxRequestRetransmit + 1;

export const POOL_USER_DEFAULTS = {
  requestTimeoutMs: USER_DEFAULTS.requestTimeoutMs * TRANSMISSIONS,
  /** How long `close()` waits for the SCTP shutdowns to complete. */
  closeTimeoutMs: 2_000,
  /** How long a session may have no pool element before it fails (see `OpenSessionOptions.timeoutMs`). */
  sessionTimeoutMs: 30_000,
  /** How long `Session.waitUp()` waits by default. */
  waitUpTimeoutMs: 10_000,
} as const;

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
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly node: PoolUserNodeType,
    private runner: NodeRunner<PoolUserNodeEvent>,
  ) {
    super();
  }

  /** Binds the socket; rejects with InvalidArgumentError for a bad option, SocketError if the bind fails. */
  static async start(options: PoolUserOptions = {}): Promise<PoolUser> {
    checkOptions(options, 'PoolUser.start options', POOL_USER_SCHEMA);
    const random = cryptoRandom();
    const registrars = parseRegistrars(options.registrars);
    const local = parseHostPort(options.local ?? '0.0.0.0', 'local', 0);
    const requestTimeoutMs = options.requestTimeoutMs ?? POOL_USER_DEFAULTS.requestTimeoutMs;
    const node = new PoolUserNode({
      sctp: endpointOptions(local.port || randomPort(random), random, {
        ...POOL_USER_SCTP_DEFAULTS,
        ...options.sctp,
      }),
      random,
      user: {
        registrars,
        requestTimeoutMs: Math.max(1, Math.floor(requestTimeoutMs / TRANSMISSIONS)),
        resolutionTimeoutMs: requestTimeoutMs,
      },
    });
    const group = parseAnnounce(options.asapAnnounce ?? 'auto', ASAP_ANNOUNCE_GROUP, 'asapAnnounce');
    let self: PoolUser | undefined;
    const runner = await startRunner<PoolUserNodeEvent>(node, {
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

  /**
   * Resolves a pool handle to up to `items` pool elements, selected by the registrar by pool policy.
   * Settles within `requestTimeoutMs`: rejects with TimeoutError, UnknownPoolHandleError,
   * RegistrarError, or ClosedError when the pool user is closed meanwhile.
   */
  async resolve(poolHandle: string | Uint8Array, options: ResolveOptions = {}): Promise<Resolution> {
    this.checkOpen();
    const handle = poolHandleBytes(poolHandle, 'PoolUser.resolve poolHandle');
    checkOptions(options, 'PoolUser.resolve options', RESOLVE_SCHEMA);
    const requestId = this.node.nextRequestId();
    return new Promise((resolve, reject) => {
      this.waiters.set(requestId, { resolve, reject });
      this.runner.act(this.node.resolve(monotonicNow(), requestId, handle, options.items));
    });
  }

  /** Tells a registrar that a pool element is unreachable (RFC 5352 §3.5). */
  reportUnreachable(poolHandle: string | Uint8Array, poolElementId: number): void {
    this.checkOpen();
    const handle = poolHandleBytes(poolHandle, 'PoolUser.reportUnreachable poolHandle');
    integer(1, U32_MAX)(poolElementId, 'PoolUser.reportUnreachable poolElementId');
    this.runner.act(this.node.reportUnreachable(monotonicNow(), handle, poolElementId));
  }

  /** Opens a session to a pool; it connects to a pool element chosen by the pool policy. */
  openSession(poolHandle: string | Uint8Array, options: OpenSessionOptions = {}): Session {
    this.checkOpen();
    const handle = poolHandleBytes(poolHandle, 'PoolUser.openSession poolHandle');
    checkOptions(options, 'PoolUser.openSession options', OPEN_SESSION_SCHEMA);
    const { timeoutMs, ...sessionOptions } = options;
    const { session, out } = this.node.openSession(monotonicNow(), handle, {
      ...sessionOptions,
      resendOnFailover: sessionOptions.resendOnFailover ?? true,
    });
    const s = new Session(this, session, timeoutMs ?? POOL_USER_DEFAULTS.sessionTimeoutMs);
    this.sessions.set(session, s);
    this.runner.act(out);
    return s;
  }

  /**
   * Closes every session, rejects pending resolutions with ClosedError, and closes the socket once the
   * SCTP shutdowns completed or `timeoutMs` passed. Calling it again waits for the first call.
   */
  async close(timeoutMs: number = POOL_USER_DEFAULTS.closeTimeoutMs): Promise<void> {
    msOrZero(timeoutMs, 'PoolUser.close timeoutMs');
    this.closing ??= this.doClose(timeoutMs);
    return this.closing;
  }

  private async doClose(timeoutMs: number): Promise<void> {
    // Before the node closes: it would fail the pending resolutions as timed out.
    for (const w of this.waiters.values()) w.reject(new ClosedError('pool user closed'));
    this.waiters.clear();
    this.runner.act(this.node.close(monotonicNow()));
    // RFC 9260 §9.2: answer each SHUTDOWN ACK with SHUTDOWN COMPLETE before the socket goes away; bounded.
    if (this.liveAssociations.size > 0) {
      const allEnded = new Promise<void>((resolve) => {
        this.onAllAssociationsEnded = resolve;
      });
      await within(allEnded, timeoutMs);
    }
    await this.runner.close();
  }

  /** @internal Feeds a session input through the node. */
  sessionInput(session: SessionId, input: Parameters<PoolUserNodeType['sessionInput']>[1]): void {
    this.runner.act(this.node.sessionInput(session, input));
  }

  private checkOpen(): void {
    if (this.closing) throw new ClosedError('pool user closed');
  }

  private onNodeEvent(e: PoolUserNodeEvent): void {
    if (e.kind === 'resolved') {
      const w = this.waiters.get(e.requestId);
      this.waiters.delete(e.requestId);
      if (!w) return;
      if (e.result.ok) w.resolve(e.result.value);
      else if (e.result.error.kind === 'unknownPoolHandle') {
        w.reject(new UnknownPoolHandleError('unknown pool handle'));
      } else if (e.result.error.kind === 'timeout') {
        w.reject(new TimeoutError('no registrar answered within requestTimeoutMs'));
      } else {
        const cause = e.result.error.error.causes[0]?.cause ?? 0;
        w.reject(new RegistrarError(`registrar error, cause 0x${cause.toString(16)}`, cause));
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
  /**
   * A message that will not reach a pool element: the queue was full (`bufferFull`, see
   * `maxBufferedMessages`), the session ended (`closed`), or its association failed and
   * `resendOnFailover` is false (`associationFailed`).
   */
  sendFailed: [{ bytes: Uint8Array; ppid: number; stream: number; reason: string }];
  closed: [];
  failed: [string];
}

export class Session extends TypedEmitter<SessionEvents> {
  private currentPe: number | undefined;
  /** Open until the application closes it or it fails (the reason is kept for `waitUp`). */
  private state:
    | { readonly name: 'open' }
    | { readonly name: 'closed' }
    | { readonly name: 'failed'; readonly reason: string } = { name: 'open' };
  /** Runs while the session has no pool element (see `OpenSessionOptions.timeoutMs`). */
  private unservedTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly user: PoolUser,
    readonly id: SessionId,
    private readonly timeoutMs: number,
  ) {
    super();
    this.armUnservedTimer();
  }

  /** The pool element currently serving the session. */
  get poolElementId(): number | undefined {
    return this.currentPe;
  }

  get isOpen(): boolean {
    return this.state.name === 'open';
  }

  /**
   * Resolves once a pool element serves the session (at once if one does). Rejects with TimeoutError
   * after `timeoutMs`, SessionFailedError if the session fails, ClosedError if it is closed.
   */
  async waitUp(timeoutMs: number = POOL_USER_DEFAULTS.waitUpTimeoutMs): Promise<{ pe: number }> {
    ms(timeoutMs, 'Session.waitUp timeoutMs');
    if (this.state.name === 'closed') return Promise.reject(new ClosedError('session is closed'));
    if (this.state.name === 'failed') return Promise.reject(new SessionFailedError(this.state.reason));
    if (this.currentPe !== undefined && this.unservedTimer === undefined)
      return Promise.resolve({ pe: this.currentPe });
    return new Promise((resolve, reject) => {
      const settle = (error: Error | undefined, pe?: number): void => {
        clearTimeout(timer);
        this.off('up', onUp).off('failoverComplete', onUp).off('failed', onFailed).off('closed', onClosed);
        if (error) reject(error);
        else resolve({ pe: pe! });
      };
      const onUp = ({ pe }: { pe: number }): void => settle(undefined, pe);
      const onFailed = (reason: string): void => settle(new SessionFailedError(`session failed: ${reason}`));
      const onClosed = (): void => settle(new ClosedError('session is closed'));
      const timer = setTimeout(
        () => settle(new TimeoutError(`no pool element within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.on('up', onUp).on('failoverComplete', onUp).on('failed', onFailed).on('closed', onClosed);
    });
  }

  /** Sends a message; while failing over it is queued and sent to the new pool element. */
  send(data: Uint8Array | string, options: SendOptions = {}): void {
    if (this.state.name !== 'open') throw new ClosedError('session is closed');
    if (typeof data !== 'string' && !(data instanceof Uint8Array))
      throw new InvalidArgumentError(
        `Session.send data must be a string or a Uint8Array, got ${typeof data}`,
      );
    checkOptions(options, 'Session.send options', SEND_SCHEMA);
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
    boolean(reportUnreachable, 'Session.failover reportUnreachable');
    if (this.state.name === 'open')
      this.user.sessionInput(this.id, { kind: 'failover', now: monotonicNow(), reportUnreachable });
  }

  /** Ends the session (SCTP SHUTDOWN); `closed` follows. Sending afterwards throws ClosedError. */
  close(): void {
    if (this.state.name !== 'open') return;
    this.state = { name: 'closed' };
    this.clearUnservedTimer();
    this.user.sessionInput(this.id, { kind: 'close', now: monotonicNow() });
  }

  /** @internal */
  onEvent(e: PoolUserSessionEvent): void {
    switch (e.kind) {
      case 'up':
        this.currentPe = e.pe;
        this.clearUnservedTimer();
        this.emit('up', { pe: e.pe });
        break;
      case 'data':
        this.emit('data', { bytes: e.bytes, ppid: e.ppid, stream: e.stream });
        break;
      case 'cookieReceived':
        this.emit('cookie', e.cookie);
        break;
      case 'failoverNeeded':
        this.armUnservedTimer();
        this.emit('failoverNeeded', { reason: e.reason, pe: e.pe });
        break;
      case 'failoverComplete':
        this.currentPe = e.pe;
        this.clearUnservedTimer();
        this.emit('failoverComplete', { pe: e.pe, cookieEchoed: e.cookieEchoed });
        break;
      case 'sendFailed':
        this.emit('sendFailed', { bytes: e.bytes, ppid: e.ppid, stream: e.stream, reason: e.reason });
        break;
      case 'closed':
        // After our own timeout the session already ended as failed.
        if (this.state.name === 'failed') break;
        this.state = { name: 'closed' };
        this.clearUnservedTimer();
        this.emit('closed');
        break;
      case 'failed':
        this.end(e.reason);
        break;
      default:
        break;
    }
  }

  private end(reason: string): void {
    if (this.state.name === 'failed') return;
    this.state = { name: 'failed', reason };
    this.clearUnservedTimer();
    this.emit('failed', reason);
  }

  private armUnservedTimer(): void {
    this.clearUnservedTimer();
    this.unservedTimer = setTimeout(() => {
      this.unservedTimer = undefined;
      if (this.state.name !== 'open') return;
      this.end(`timeout: no pool element within ${this.timeoutMs} ms`);
      this.user.sessionInput(this.id, { kind: 'close', now: monotonicNow() });
    }, this.timeoutMs);
  }

  private clearUnservedTimer(): void {
    if (this.unservedTimer) clearTimeout(this.unservedTimer);
    this.unservedTimer = undefined;
  }
}
