/**
 * The router: binds sans-I/O protocol cores to SCTP endpoints, written once for every stack node.
 *
 *   datagram ─► SctpEndpoint ─► deliver ─► Channel.inbound ─► decode by PPID ─► node routes ─► core.handle
 *   core action ─► node routes ─► encode ─► Channel.outbound ─► SctpEndpoint send ─► transmit
 *
 * It demultiplexes datagrams to endpoints (by the SCTP destination port), names associations node-wide,
 * keeps the connect references of cores until their association is up or failed, decodes ASAP (PPID 11)
 * and ENRP (PPID 12) and passes application PPIDs through, encodes on send, merges deadlines and
 * collects outputs. A node only says which endpoints it has and what each message, event and core
 * action means (its routes). The `Channel` stage is where RFC 3436 TLS will sit; today it is the
 * identity (docs/architecture.md, "Router").
 */
import { type AssociationId, earliest, type Instant, type Result } from '../base/index.js';
import type { AssocId, PeerSpec, SctpEndpoint, SctpEvent } from '../sctp/index.js';
import {
  type AsapMessage,
  type DecodeError,
  decodeAsap,
  decodeEnrp,
  type EnrpMessage,
  encodeAsap,
  encodeEnrp,
} from '../wire/index.js';
import { ConnectTable } from './connect-table.js';
import {
  type MulticastChannel,
  type NodeInput,
  type NodeOutput,
  PPID_ASAP,
  PPID_ENRP,
} from './node-types.js';
import { SctpHost } from './sctp-host.js';

/** What the router needs of a protocol core: the one output convention of every core. */
export interface Core<I, A> {
  handle(input: I): readonly A[];
  nextDeadline(): Instant | undefined;
}

/**
 * The secure-channel stage between an association and the codecs. RFC 3436 TLS over SCTP goes here:
 * `inbound` would decrypt (and swallow handshake records, returning undefined), `outbound` encrypt.
 */
export interface Channel {
  inbound(id: AssociationId, ppid: number, bytes: Uint8Array): Uint8Array | undefined;
  outbound(id: AssociationId, ppid: number, bytes: Uint8Array): Uint8Array;
}

/** Today's channel: plain SCTP, bytes unchanged. */
export const PLAIN_CHANNEL: Channel = {
  inbound: (_id, _ppid, bytes) => bytes,
  outbound: (_id, _ppid, bytes) => bytes,
};

/** A message as the router hands it to a node: decoded for RSerPool PPIDs, raw for the others. */
export type RoutedMessage =
  | {
      readonly protocol: 'asap';
      readonly ppid: number;
      readonly stream: number;
      readonly result: Result<AsapMessage, DecodeError>;
    }
  | {
      readonly protocol: 'enrp';
      readonly ppid: number;
      readonly stream: number;
      readonly result: Result<EnrpMessage, DecodeError>;
    }
  | { readonly protocol: 'raw'; readonly ppid: number; readonly stream: number; readonly bytes: Uint8Array };

/** A message a core sends, before encoding. */
export type OutgoingMessage =
  | { readonly protocol: 'asap'; readonly message: AsapMessage }
  | { readonly protocol: 'enrp'; readonly message: EnrpMessage };

/** One SCTP endpoint of a node and its routes. */
export interface EndpointRoutes {
  readonly endpoint: SctpEndpoint;
  readonly channel?: Channel;
  /** PPIDs decoded on this endpoint (default ASAP and ENRP); others pass through raw. */
  readonly decodes?: readonly number[];
  /** Associations whose messages all pass through raw (a session's own transport). */
  readonly raw?: (id: AssociationId) => boolean;
  message(now: Instant, id: AssociationId, m: RoutedMessage): void;
  /** `ref`: the connect reference this event settles ('up') or fails ('lost', 'shutdownComplete'). */
  event(now: Instant, id: AssociationId, event: SctpEvent, ref: number | undefined): void;
}

/** What a node does with multicast datagrams and ticks (after the endpoints have had theirs). */
export interface InputRoutes {
  multicast?(
    now: Instant,
    channel: MulticastChannel,
    from: { ip: string; port: number },
    bytes: Uint8Array,
  ): void;
  tick?(now: Instant): void;
  /** After any input, before the endpoints are drained. */
  after?(now: Instant): void;
}

interface Slot {
  readonly routes: EndpointRoutes;
  readonly host: SctpHost;
  readonly channel: Channel;
  readonly decodes: readonly number[];
}

const DECODED = [PPID_ASAP, PPID_ENRP] as const;

export class Router<E> {
  readonly connects = new ConnectTable();
  private readonly slots: Slot[];
  private out: NodeOutput<E>[] = [];

  /**
   * `paired`: node-wide ids put the endpoint index in the low bit (SCTP ids are per endpoint); the
   * default for a node of two endpoints. A node of one endpoint may use its SCTP ids as they are.
   */
  constructor(
    endpoints: readonly EndpointRoutes[],
    private readonly paired = endpoints.length > 1,
  ) {
    this.slots = endpoints.map((routes, index) => ({
      routes,
      channel: routes.channel ?? PLAIN_CHANNEL,
      decodes: routes.decodes ?? DECODED,
      host: new SctpHost(routes.endpoint, {
        deliver: (now, assoc, ppid, stream, bytes) => this.deliver(now, index, assoc, ppid, stream, bytes),
        event: (now, assoc, event) => this.event(now, index, assoc, event),
      }),
    }));
  }

  endpoint(index: number): SctpEndpoint {
    return this.slots[index]!.host.endpoint;
  }

  get endpointCount(): number {
    return this.slots.length;
  }

  id(index: number, assoc: AssocId): AssociationId {
    return this.paired ? assoc * 2 + index : assoc;
  }

  /** The endpoint index and SCTP association id of a node-wide id. */
  resolve(id: AssociationId): { readonly index: number; readonly assoc: AssocId } {
    return this.paired ? { index: id % 2, assoc: Math.floor(id / 2) } : { index: 0, assoc: id };
  }

  /** The earliest deadline of the endpoints and of the given parts (cores, services). */
  nextDeadline(...parts: (Instant | undefined)[]): Instant | undefined {
    let next = earliest(...parts);
    for (const s of this.slots) next = earliest(next, s.host.endpoint.nextDeadline());
    return next;
  }

  /** Runs `f` (which feeds cores and endpoints) and returns what came out, endpoints drained. */
  run(now: Instant, f: () => void): NodeOutput<E>[] {
    this.out = [];
    f();
    this.drain(now);
    return this.out;
  }

  /** A node input: datagrams go to the endpoint they name, ticks to every endpoint, then the routes. */
  handle(input: NodeInput, routes: InputRoutes): NodeOutput<E>[] {
    return this.run(input.now, () => {
      const now = input.now;
      if (input.kind === 'datagram') this.hostFor(input.bytes).datagram(now, input.from, input.bytes);
      else if (input.kind === 'multicast') routes.multicast?.(now, input.channel, input.from, input.bytes);
      else {
        for (const s of this.slots) s.host.tick(now);
        routes.tick?.(now);
      }
      routes.after?.(now);
    });
  }

  emit(event: E): void {
    this.out.push({ kind: 'event', event });
  }

  multicast(channel: MulticastChannel, m: OutgoingMessage): void {
    this.out.push({ kind: 'multicast', channel, bytes: encode(m) });
  }

  /** Sends application bytes (through the channel); bundled until the end of the input. */
  send(
    now: Instant,
    id: AssociationId,
    ppid: number,
    bytes: Uint8Array,
    stream = 0,
    unordered = false,
  ): void {
    const { index, assoc } = this.resolve(id);
    const slot = this.slots[index];
    if (slot) slot.host.send(now, assoc, ppid, slot.channel.outbound(id, ppid, bytes), stream, unordered);
  }

  /** Encodes and sends an ASAP or ENRP message on stream 0. */
  sendMessage(now: Instant, id: AssociationId, m: OutgoingMessage): void {
    this.send(now, id, m.protocol === 'asap' ? PPID_ASAP : PPID_ENRP, encode(m));
  }

  /**
   * Opens (or finds) an association from endpoint `index` for a core's connect reference. Unless it
   * is already up, the reference waits for the association's 'up' or its failure.
   */
  connect(
    now: Instant,
    index: number,
    peer: PeerSpec,
    ref?: number,
  ): { id: AssociationId; established: boolean } {
    const { assoc, established } = this.slots[index]!.host.connect(now, peer);
    const id = this.id(index, assoc);
    if (ref !== undefined) this.connects.opened(ref, id, established);
    return { id, established };
  }

  shutdown(now: Instant, id: AssociationId): void {
    const { index, assoc } = this.resolve(id);
    this.slots[index]?.host.shutdown(now, assoc);
  }

  abort(now: Instant, id: AssociationId, reason: string): void {
    const { index, assoc } = this.resolve(id);
    this.slots[index]?.host.abort(now, assoc, reason);
  }

  /** SHUTDOWN on every association of every endpoint. */
  shutdownAll(now: Instant): void {
    for (const s of this.slots)
      for (const assoc of s.host.endpoint.associations()) s.host.shutdown(now, assoc);
  }

  /** The peer of an association as its endpoint knows it. */
  peerOf(id: AssociationId): { addresses: readonly string[]; port: number } {
    const { index, assoc } = this.resolve(id);
    const s = this.slots[index]?.host.endpoint.status(assoc);
    return { addresses: s?.peerAddresses ?? [], port: s?.peerPort ?? 0 };
  }

  srttMs(id: AssociationId): number | undefined {
    const { index, assoc } = this.resolve(id);
    return this.slots[index]?.host.srttMs(assoc);
  }

  private deliver(
    now: Instant,
    index: number,
    assoc: AssocId,
    ppid: number,
    stream: number,
    bytes: Uint8Array,
  ): void {
    const slot = this.slots[index]!;
    const id = this.id(index, assoc);
    const plain = slot.channel.inbound(id, ppid, bytes);
    if (plain === undefined) return;
    slot.routes.message(now, id, routed(slot, id, ppid, stream, plain));
  }

  private event(now: Instant, index: number, assoc: AssocId, event: SctpEvent): void {
    const id = this.id(index, assoc);
    let ref: number | undefined;
    if (event.kind === 'up') ref = this.connects.settle(id);
    else if (event.kind === 'lost' || event.kind === 'shutdownComplete') ref = this.connects.ended(id);
    this.slots[index]!.routes.event(now, id, event, ref);
  }

  /** The host a datagram is for: the one whose port it names, else the first. */
  private hostFor(bytes: Uint8Array): SctpHost {
    const second = this.slots[1]?.host;
    if (second && bytes.length >= 4 && ((bytes[2]! << 8) | bytes[3]!) === second.endpoint.cfg.port)
      return second;
    return this.slots[0]!.host;
  }

  /** Drains every endpoint until none has work (one may queue work on another). */
  private drain(now: Instant): void {
    do {
      for (const s of this.slots) s.host.drain(now, this.out);
    } while (this.slots.some((s) => s.host.hasWork()));
  }
}

function routed(
  slot: Slot,
  id: AssociationId,
  ppid: number,
  stream: number,
  bytes: Uint8Array,
): RoutedMessage {
  if (!slot.decodes.includes(ppid) || slot.routes.raw?.(id)) return { protocol: 'raw', ppid, stream, bytes };
  return ppid === PPID_ASAP
    ? { protocol: 'asap', ppid, stream, result: decodeAsap(bytes) }
    : { protocol: 'enrp', ppid, stream, result: decodeEnrp(bytes) };
}

function encode(m: OutgoingMessage): Uint8Array {
  return m.protocol === 'asap' ? encodeAsap(m.message) : encodeEnrp(m.message);
}
