/**
 * The Node driver of the sans-I/O SCTP endpoint (RFC 6951 SCTP over UDP): binds one dgram socket
 * per local address (udp4 or udp6), feeds datagrams, sends and timer ticks to the endpoint, arms
 * one real timer at `nextDeadline()`, and carries out transmit actions. Sends are batched: many
 * `send` calls in one event-loop turn are bundled into as few packets as possible.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Random } from '../base/random.js';
import { SCTP_DEFAULTS } from '../sctp/defaults.js';
import { SctpEndpoint } from '../sctp/endpoint.js';
import type {
  AssocId,
  AssociationStatus,
  EndpointOptions,
  LostCause,
  PeerSpec,
  SctpAction,
  SctpEvent,
  SctpInput,
} from '../sctp/types.js';

/** HMAC-SHA256 for State Cookies. */
export const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array =>
  createHmac('sha256', key).update(data).digest();

/** Random from node:crypto (verification tags, initial TSNs, cookie secret), refilled in blocks. */
export class CryptoRandom implements Random {
  private pool = new Uint32Array(0);
  private at = 0;

  u32(): number {
    if (this.at >= this.pool.length) {
      const b = randomBytes(1024);
      this.pool = new Uint32Array(b.buffer, b.byteOffset, 256);
      this.at = 0;
    }
    return this.pool[this.at++]!;
  }

  float(): number {
    return this.u32() / 0x1_0000_0000;
  }
}

export interface SctpUdpSocketOptions extends Omit<EndpointOptions, 'random' | 'mac' | 'localAddresses'> {
  /**
   * Local IP addresses to bind, one UDP socket each (default ['0.0.0.0']). With more than one
   * specific address they are announced in INIT/INIT ACK (multi-homing).
   */
  readonly addresses?: readonly string[];
  /**
   * Local UDP encapsulation port. 'auto' (default): 9899 (RFC 6951) if free on these addresses,
   * else UDP port = SCTP port, one socket for each SCTP port served (the project's convention,
   * docs/sctp.md). 0 = any free port.
   */
  readonly udpPort?: number | 'auto';
  readonly random?: Random;
  readonly mac?: EndpointOptions['mac'];
}

export interface SctpMessage {
  readonly ppid: number;
  readonly stream: number;
  readonly unordered: boolean;
  readonly bytes: Uint8Array;
}

export interface SctpUdpSocketEvents {
  up: [assoc: AssocId, info: Extract<SctpEvent, { kind: 'up' }>];
  lost: [assoc: AssocId, cause: LostCause];
  restart: [assoc: AssocId];
  shutdownComplete: [assoc: AssocId];
  peerShutdown: [assoc: AssocId];
  sendFailed: [assoc: AssocId, event: Extract<SctpEvent, { kind: 'sendFailed' }>];
  pathChange: [assoc: AssocId, event: Extract<SctpEvent, { kind: 'pathChange' }>];
  data: [assoc: AssocId, message: SctpMessage];
  /** Every notification, whatever its kind. */
  notify: [assoc: AssocId, event: SctpEvent];
  /** A bug caught in the core for one input (logged; the socket goes on). */
  internalError: [error: unknown];
  error: [error: Error];
}

const normalize = (ip: string): string => (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);
const isV6 = (ip: string): boolean => ip.includes(':');

export class SctpUdpSocket extends EventEmitter<SctpUdpSocketEvents> {
  readonly endpoint: SctpEndpoint;
  private readonly sockets: { address: string; socket: Socket; v6: boolean }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt: number | undefined;
  private flushScheduled = false;
  private closed = false;
  private readonly origin = performance.now();

  private constructor(options: SctpUdpSocketOptions) {
    super();
    const addresses = options.addresses ?? ['0.0.0.0'];
    const specific = addresses.filter((a) => a !== '0.0.0.0' && a !== '::');
    this.endpoint = new SctpEndpoint({
      ...options,
      random: options.random ?? new CryptoRandom(),
      mac: options.mac ?? hmacSha256,
      localAddresses: specific.length > 1 ? specific : [],
      addressFamilies: [
        ...(addresses.some((a) => !isV6(a) || a === '::') ? (['ipv4'] as const) : []),
        ...(addresses.some((a) => isV6(a)) ? (['ipv6'] as const) : []),
      ],
    });
  }

  /** Binds the UDP sockets and starts the endpoint. */
  static async open(options: SctpUdpSocketOptions): Promise<SctpUdpSocket> {
    const s = new SctpUdpSocket(options);
    const wanted = options.udpPort ?? 'auto';
    // 'auto': 9899, else UDP = SCTP port for each SCTP port served (peers probe UDP = SCTP port;
    // replies leave from the first socket and peers learn that port, RFC 6951 §5.4).
    const choices: number[][] =
      wanted === 'auto'
        ? [[SCTP_DEFAULTS.udpEncapsulationPort], [...new Set([options.port, ...(options.ports ?? [])])]]
        : [[wanted]];
    for (let k = 0; k < choices.length; k++) {
      try {
        for (const port of choices[k]!) await s.bindAll(options.addresses ?? ['0.0.0.0'], port);
        return s;
      } catch (e) {
        for (const x of s.sockets) x.socket.close();
        s.sockets.length = 0;
        const inUse = (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!inUse || k === choices.length - 1) throw e;
      }
    }
    return s;
  }

  private async bindAll(addresses: readonly string[], port: number): Promise<void> {
    for (const address of addresses) {
      // All addresses share one UDP port (peers learn one port per association): with port 0,
      // the first socket's ephemeral port is reused for the others.
      if (port === 0 && this.sockets.length > 0) port = this.sockets[0]!.socket.address().port;
      if (this.sockets.some((x) => x.address === address && x.socket.address().port === port)) continue;
      const socket = createSocket({ type: isV6(address) ? 'udp6' : 'udp4', reuseAddr: false });
      this.sockets.push({ address, socket, v6: isV6(address) });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      try {
        // Bursts of a large cwnd must not overflow the default (~200 KB) socket buffers.
        socket.setRecvBufferSize(4 << 20);
        socket.setSendBufferSize(4 << 20);
      } catch {
        // Best effort: the kernel may cap buffer sizes (net.core.rmem_max).
      }
      const local = address === '0.0.0.0' || address === '::' ? undefined : address;
      socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.onMessage(msg, rinfo, local));
      socket.on('error', (e) => this.emit('error', e));
    }
  }

  /** The UDP port actually bound (useful with udpPort 0). */
  get udpPort(): number {
    return this.sockets[0]?.socket.address().port ?? 0;
  }

  get sctpPort(): number {
    return this.endpoint.cfg.port;
  }

  /** Every local SCTP port served on this UDP socket. */
  get sctpPorts(): readonly number[] {
    return this.endpoint.cfg.ports;
  }

  private now(): number {
    return performance.now() - this.origin;
  }

  private input(i: SctpInput): void {
    if (this.closed) return;
    let actions: SctpAction[];
    try {
      actions = this.endpoint.handle(i);
    } catch (e) {
      this.emit('internalError', e);
      return;
    }
    this.apply(actions);
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo, local: string | undefined): void {
    const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
    const from = { ip: normalize(rinfo.address), port: rinfo.port };
    const now = this.now();
    this.input(
      local !== undefined && this.sockets.length > 1
        ? { kind: 'datagram', now, from, bytes, local }
        : { kind: 'datagram', now, from, bytes },
    );
  }

  private socketFor(to: string, from: string | undefined): { socket: Socket; v6: boolean } | undefined {
    const v6 = isV6(to);
    if (from) {
      const exact = this.sockets.find((s) => s.address === from);
      if (exact) return exact;
    }
    return this.sockets.find((s) => s.v6 === v6) ?? this.sockets[0];
  }

  private apply(actions: SctpAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'transmit': {
          const s = this.socketFor(a.to.ip, a.from);
          if (!s) break;
          const ip = s.v6 && !isV6(a.to.ip) ? `::ffff:${a.to.ip}` : a.to.ip;
          // A failed send is a lost datagram: SCTP's timers deal with it.
          s.socket.send(a.bytes, a.to.port, ip, () => {});
          break;
        }
        case 'deliver':
          this.emit('data', a.assoc, {
            ppid: a.ppid,
            stream: a.stream,
            unordered: a.unordered,
            bytes: a.bytes,
          });
          break;
        case 'notify': {
          const e = a.event;
          this.emit('notify', a.assoc, e);
          if (e.kind === 'up') this.emit('up', a.assoc, e);
          else if (e.kind === 'lost') this.emit('lost', a.assoc, e.cause);
          else if (e.kind === 'restart') this.emit('restart', a.assoc);
          else if (e.kind === 'shutdownComplete') this.emit('shutdownComplete', a.assoc);
          else if (e.kind === 'peerShutdown') this.emit('peerShutdown', a.assoc);
          else if (e.kind === 'sendFailed') this.emit('sendFailed', a.assoc, e);
          else if (e.kind === 'pathChange') this.emit('pathChange', a.assoc, e);
          break;
        }
      }
    }
    this.arm();
  }

  private arm(): void {
    if (this.closed) return;
    const d = this.endpoint.nextDeadline();
    if (d === this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = d;
    if (d === undefined) return;
    const delay = Math.max(0, Math.ceil(d - this.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      // After the poll phase, as NodeRunner does: datagrams that arrived during a stall come first.
      setImmediate(() => {
        if (this.closed) return;
        this.input({ kind: 'tick', now: this.now() });
        this.arm();
      });
    }, delay);
    this.timer.unref?.();
  }

  /** Starts an association (or returns the existing one to that peer). */
  connect(peer: PeerSpec): AssocId {
    const r = this.endpoint.connect(this.now(), peer);
    this.apply(r.actions);
    return r.assoc;
  }

  /** Queues a message; it leaves with the others of this event-loop turn (bundled). */
  send(
    assoc: AssocId,
    bytes: Uint8Array,
    o: { ppid?: number; stream?: number; unordered?: boolean } = {},
  ): void {
    this.input({
      kind: 'send',
      now: this.now(),
      assoc,
      ppid: o.ppid ?? 0,
      stream: o.stream ?? 0,
      unordered: o.unordered ?? false,
      bytes,
      more: true,
    });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.input({ kind: 'flush', now: this.now() });
      });
    }
  }

  shutdown(assoc: AssocId): void {
    this.input({ kind: 'shutdown', now: this.now(), assoc });
  }

  abort(assoc: AssocId, reason?: string): void {
    this.input({ kind: 'abort', now: this.now(), assoc, ...(reason !== undefined ? { reason } : {}) });
  }

  status(assoc: AssocId): AssociationStatus | undefined {
    return this.endpoint.status(assoc);
  }

  /** Makes `ip` the primary path of an association; false if unknown. */
  setPrimary(assoc: AssocId, ip: string): boolean {
    return this.endpoint.setPrimary(assoc, ip);
  }

  /**
   * Shuts every association down gracefully (aborting those still open after `graceMs`), then
   * closes the sockets.
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    for (const id of this.endpoint.associations()) this.shutdown(id);
    const deadline = Date.now() + graceMs;
    while (this.endpoint.associationCount > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const id of this.endpoint.associations()) this.abort(id, 'endpoint closing');
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all(this.sockets.map((s) => new Promise<void>((r) => s.socket.close(() => r()))));
  }
}
