/**
 * Runs a sans-I/O stack node on real sockets: one UDP socket per local address for SCTP over UDP
 * (RFC 6951), optional multicast sockets for ASAP Server Announces and ENRP Presence, and one timer
 * armed at the node's next deadline. A bug thrown by the node for one input is reported and the node
 * goes on: no datagram stops a component.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Instant } from '../base/index.js';
import type { MulticastChannel, NodeInput, NodeOutput } from '../stack/index.js';

export interface RunnableNode<E> {
  handle(input: NodeInput): NodeOutput<E>[];
  nextDeadline(): Instant | undefined;
}

export interface MulticastOptions {
  readonly group: string;
  readonly port: number;
  /** Join the group and feed what arrives to the node. */
  readonly receive: boolean;
  /** Local interface address for sending and joining (default: the first bound address, if specific). */
  readonly interfaceAddress?: string;
  readonly ttl?: number;
}

export interface NodeRunnerOptions<E> {
  /** Local addresses, one UDP socket each (default ['0.0.0.0']). */
  readonly addresses?: readonly string[];
  /** UDP encapsulation port to bind (RFC 6951: 9899; 0 = any free port). */
  readonly udpPort: number;
  readonly multicast?: Partial<Record<MulticastChannel, MulticastOptions>>;
  readonly onEvent?: (event: E) => void;
  /** Problems that do not stop the node: a bug for one input, a failed multicast send. */
  readonly onWarning?: (message: string, error?: unknown) => void;
}

/** The monotonic clock all nodes of a process share (ms). */
export const monotonicNow = (): Instant => performance.now();

const isV6 = (ip: string): boolean => ip.includes(':');
/** Bound on the destinations remembered for warnOnce. */
const MAX_WARNED_DESTINATIONS = 1024;
const unmapped = (ip: string): string => (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);

export class NodeRunner<E> {
  private readonly sockets: { address: string; socket: Socket }[] = [];
  private readonly groups = new Map<MulticastChannel, { options: MulticastOptions; socket: Socket }>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt: Instant | undefined;
  private tickSoon: NodeJS.Immediate | undefined;
  private closed = false;
  private warnedMulticast = false;
  private readonly warnedDestinations = new Set<string>();

  private constructor(
    readonly node: RunnableNode<E>,
    private readonly options: NodeRunnerOptions<E>,
  ) {}

  /** Binds every socket, then starts feeding the node. Rejects if an address or port is taken. */
  static async start<E>(node: RunnableNode<E>, options: NodeRunnerOptions<E>): Promise<NodeRunner<E>> {
    const r = new NodeRunner(node, options);
    try {
      for (const address of options.addresses ?? ['0.0.0.0']) await r.bindUnicast(address);
      for (const [channel, m] of Object.entries(options.multicast ?? {}) as [
        MulticastChannel,
        MulticastOptions,
      ][]) {
        await r.bindMulticast(channel, m);
      }
    } catch (e) {
      await r.close();
      throw e;
    }
    r.arm();
    return r;
  }

  /** The bound UDP port (useful with udpPort 0). */
  get udpPort(): number {
    return this.sockets[0]?.socket.address().port ?? 0;
  }

  get now(): Instant {
    return monotonicNow();
  }

  /** Carries out outputs a node produced for an application call, then re-arms the timer. */
  act(outputs: NodeOutput<E>[]): void {
    for (const o of outputs) this.output(o);
    this.arm();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.tickSoon) clearImmediate(this.tickSoon);
    this.tickSoon = undefined;
    const all = [...this.sockets.map((s) => s.socket), ...[...this.groups.values()].map((g) => g.socket)];
    this.sockets.length = 0;
    this.groups.clear();
    await Promise.all(all.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private feed(input: NodeInput): void {
    if (this.closed) return;
    let outputs: NodeOutput<E>[];
    try {
      outputs = this.node.handle(input);
    } catch (e) {
      this.options.onWarning?.(`internal error while handling a ${input.kind}; input dropped`, e);
      outputs = [];
    }
    this.act(outputs);
  }

  private output(o: NodeOutput<E>): void {
    if (o.kind === 'transmit') this.transmit(o.to.ip, o.to.port, o.bytes, o.from);
    else if (o.kind === 'multicast') this.sendMulticast(o.channel, o.bytes);
    else this.options.onEvent?.(o.event);
  }

  private transmit(ip: string, port: number, bytes: Uint8Array, from?: string): void {
    const s = this.socketFor(ip, from);
    if (s === undefined) {
      this.warnOnce(ip, `no local socket can reach ${ip} (address family or link-local scope); not sent`);
      return;
    }
    s.socket.send(bytes, port, ip, (err) => {
      if (err) this.warnOnce(ip, `UDP send to ${ip}:${port} failed: ${err.message}`);
    });
  }

  /**
   * The socket to send to `ip` from: `from`'s, else one of the address family (IPv4 also over a
   * dual-stack "::" socket). None for an IPv6 address without an IPv6 socket, nor for a link-local
   * one without a zone, which names no interface (both fail with EINVAL, packet after packet).
   */
  private socketFor(ip: string, from?: string): { address: string; socket: Socket } | undefined {
    const v6 = isV6(ip);
    if (v6 && /^fe[89ab]/i.test(ip) && !ip.includes('%')) return undefined;
    return (
      (from !== undefined && this.sockets.find((x) => x.address === from)) ||
      this.sockets.find((x) => isV6(x.address) === v6) ||
      (v6 ? undefined : this.sockets.find((x) => x.address === '::'))
    );
  }

  /** One warning per destination address, not one per packet (a path is tried again and again). */
  private warnOnce(ip: string, message: string): void {
    if (this.warnedDestinations.has(ip)) return;
    if (this.warnedDestinations.size >= MAX_WARNED_DESTINATIONS) this.warnedDestinations.clear();
    this.warnedDestinations.add(ip);
    this.options.onWarning?.(message);
  }

  private sendMulticast(channel: MulticastChannel, bytes: Uint8Array): void {
    const g = this.groups.get(channel);
    if (!g) return;
    g.socket.send(bytes, g.options.port, g.options.group, (err) => {
      if (err && !this.warnedMulticast) {
        this.warnedMulticast = true;
        this.options.onWarning?.(`multicast to ${g.options.group}:${g.options.port} failed: ${err.message}`);
      }
    });
  }

  private async bindUnicast(address: string): Promise<void> {
    // 4 MiB of receive buffer: bursts of 16 KiB SCTP packets overflow the default 208 KiB (docs/sctp.md).
    const socket = createSocket({
      type: isV6(address) ? 'udp6' : 'udp4',
      recvBufferSize: 4 << 20,
      sendBufferSize: 1 << 20,
    });
    await bind(socket, this.options.udpPort, address);
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      this.feed({
        kind: 'datagram',
        now: monotonicNow(),
        from: { ip: unmapped(rinfo.address), port: rinfo.port },
        bytes,
      });
    });
    socket.on('error', (e) => this.options.onWarning?.(`UDP socket ${address}: ${e.message}`, e));
    this.sockets.push({ address, socket });
  }

  private async bindMulticast(channel: MulticastChannel, m: MulticastOptions): Promise<void> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    const iface = m.interfaceAddress ?? this.specificAddress();
    // Receivers bind the group port; a send-only socket takes any port.
    await bind(socket, m.receive ? m.port : 0, m.receive ? '0.0.0.0' : (iface ?? '0.0.0.0'));
    try {
      socket.setMulticastTTL(m.ttl ?? 30);
      socket.setMulticastLoopback(true);
      if (iface) socket.setMulticastInterface(iface);
      if (m.receive) socket.addMembership(m.group, iface);
    } catch (e) {
      this.options.onWarning?.(`multicast ${m.group} unavailable: ${(e as Error).message}`, e);
    }
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      this.feed({
        kind: 'multicast',
        now: monotonicNow(),
        channel,
        from: { ip: rinfo.address, port: rinfo.port },
        bytes,
      });
    });
    socket.on('error', (e) => this.options.onWarning?.(`multicast socket ${m.group}: ${e.message}`, e));
    this.groups.set(channel, { options: m, socket });
  }

  private specificAddress(): string | undefined {
    return this.sockets.map((s) => s.address).find((a) => !isV6(a) && a !== '0.0.0.0');
  }

  /** One real timer at the node's next deadline; an early tick is harmless. */
  private arm(): void {
    if (this.closed) return;
    const at = this.node.nextDeadline();
    if (at === this.timerAt && this.timer) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    // A tick is already queued behind the sockets: it serves a deadline that has passed.
    if (this.tickSoon && at <= monotonicNow()) return;
    const delay = Math.max(0, Math.ceil(at - monotonicNow()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      // Node runs expired timers before it reads the sockets. After a stall (a loaded machine, a long
      // input) a timeout would fire although its answer arrived in time and waits in a socket: tick
      // after the poll phase instead, so those datagrams are handled first.
      this.tickSoon ??= setImmediate(() => {
        this.tickSoon = undefined;
        this.feed({ kind: 'tick', now: monotonicNow() });
      });
    }, delay);
  }
}

function bind(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(new Error(`cannot bind UDP ${address}:${port}: ${e.message}`));
    socket.once('error', onError);
    socket.bind(port, address, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}
