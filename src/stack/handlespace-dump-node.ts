/**
 * Fetches a registrar's whole handlespace over ENRP, as RSPLIB's hsdump does: it poses as a peer
 * registrar with a random id, sends Presence (so that it is a known peer), List Request and Handle
 * Table Request (RFC 5353 §3.3-§3.4), follows the M flag with further requests, and ends when the last
 * response arrives. A sans-I/O node like the others: datagrams and ticks in, transmits out.
 */
import type { AssociationId, Instant, Random } from '../base/index.js';
import { type EndpointOptions, SctpEndpoint, type SctpEvent } from '../sctp/index.js';
import type { EnrpMessage, EnrpPoolEntry, IpAddress, RegistrarId, ServerInformation } from '../wire/index.js';
import type { NodeInput, NodeOutput } from './node-types.js';
import { type RoutedMessage, Router } from './router.js';

export interface HandlespaceDump {
  readonly registrarId: RegistrarId;
  /** The PE checksum the registrar announced for its own PEs (its Presence). */
  readonly ownChecksum: number | undefined;
  readonly peers: readonly ServerInformation[];
  readonly pools: readonly EnrpPoolEntry[];
}

export type HandlespaceDumpEvent =
  | { readonly kind: 'done'; readonly dump: HandlespaceDump }
  | {
      readonly kind: 'failed';
      /** `timeout`: no complete answer in time (or only rejections); `lost`: the association failed. */
      readonly cause: 'timeout' | 'lost';
      readonly reason: string;
    }
  /** After `done`: the association's shutdown completed (or it was lost), so the registrar knows we left. */
  | { readonly kind: 'closed' };

export interface HandlespaceDumpOptions {
  readonly sctp: EndpointOptions;
  readonly registrar: { readonly addresses: readonly IpAddress[]; readonly port: number };
  /**
   * Our addresses as the registrar sees them (not a wildcard): the Server Information of our Presence
   * names them with our SCTP port. RSPLIB registrars require that parameter (notes §2.5) and, without
   * it, fail to parse the Presence and reject our Handle Table Requests as coming from an unknown peer.
   */
  readonly localAddresses: readonly IpAddress[];
  readonly random: Random;
  /** Give up after this long (ms). */
  readonly timeoutMs?: number;
}

const RETRY_AFTER_REJECT_MS = 500;
/** RFC 5353 §3.6.2: the checksum of an empty set of PEs. */
const EMPTY_PE_CHECKSUM = 0xffff;

export class HandlespaceDumpNode {
  readonly ownId: RegistrarId;
  private readonly router: Router<HandlespaceDumpEvent>;
  private assoc: AssociationId | undefined;
  private registrarId: RegistrarId = 0;
  private ownChecksum: number | undefined;
  private peers: ServerInformation[] = [];
  private readonly pools: EnrpPoolEntry[] = [];
  private listDone = false;
  private tableDone = false;
  private finished = false;
  private deadline: Instant | undefined;
  /** A rejected request (the registrar is in its start-up phase) is asked again at this instant. */
  private retryAt: Instant | undefined;
  private listRetry = false;
  private now: Instant = 0;

  constructor(private readonly options: HandlespaceDumpOptions) {
    this.ownId = 1 + (options.random.u32() % 0xfffffffe);
    this.router = new Router([
      {
        endpoint: new SctpEndpoint({ listen: false, ...options.sctp }),
        message: (now, _assoc, m) => this.onMessage(now, m),
        event: (_now, assoc, event) => this.onEvent(assoc, event),
      },
    ]);
  }

  nextDeadline(): Instant | undefined {
    return this.finished ? this.router.nextDeadline() : this.router.nextDeadline(this.deadline, this.retryAt);
  }

  start(now: Instant): NodeOutput<HandlespaceDumpEvent>[] {
    return this.run(now, () => {
      this.deadline = now + (this.options.timeoutMs ?? 10_000);
      const { id, established } = this.router.connect(now, 0, this.options.registrar);
      this.assoc = id;
      if (established) this.ask();
    });
  }

  handle(input: NodeInput): NodeOutput<HandlespaceDumpEvent>[] {
    this.now = input.now;
    return this.router.handle(input, { tick: (now) => this.onTick(now) });
  }

  private onTick(now: Instant): void {
    if (this.finished) return;
    if (this.deadline !== undefined && now >= this.deadline) {
      this.fail(
        'timeout',
        this.retryAt === undefined
          ? 'no complete answer in time'
          : 'the registrar kept rejecting the requests',
      );
    } else if (this.retryAt !== undefined && now >= this.retryAt) {
      this.retryAt = undefined;
      if (this.listRetry)
        this.send({ kind: 'listRequest', senderId: this.ownId, receiverId: this.registrarId });
      this.listRetry = false;
      if (!this.tableDone) this.requestTable();
    }
  }

  private run(now: Instant, f: () => void): NodeOutput<HandlespaceDumpEvent>[] {
    this.now = now;
    return this.router.run(now, f);
  }

  /** Presence first: RSPLIB registrars (and ours) answer tables only to known peers. */
  private ask(): void {
    this.send(this.presence(0, true));
    this.send({ kind: 'listRequest', senderId: this.ownId, receiverId: 0 });
    this.requestTable();
  }

  private requestTable(): void {
    this.send({
      kind: 'handleTableRequest',
      senderId: this.ownId,
      receiverId: this.registrarId,
      ownChildrenOnly: false,
    });
  }

  private send(m: EnrpMessage): void {
    if (this.assoc !== undefined)
      this.router.sendMessage(this.now, this.assoc, { protocol: 'enrp', message: m });
  }

  private onEvent(assoc: AssociationId, event: SctpEvent): void {
    if (assoc !== this.assoc) return;
    if (this.finished && (event.kind === 'shutdownComplete' || event.kind === 'lost'))
      this.router.emit({ kind: 'closed' });
    if (event.kind === 'up') this.ask();
    else if (event.kind === 'lost' && !this.finished)
      this.fail('lost', `association lost (${event.cause.kind})`);
  }

  private onMessage(now: Instant, routed: RoutedMessage): void {
    if (routed.protocol !== 'enrp' || !routed.result.ok || this.finished) return;
    const m = routed.result.value;
    this.answerAsPeer(m);
    if (m.kind === 'presence') {
      this.registrarId = m.senderId;
      this.ownChecksum = m.peChecksum;
    } else if (m.kind === 'listResponse') {
      this.registrarId ||= m.senderId;
      if (m.reject) {
        this.retryAt = now + RETRY_AFTER_REJECT_MS;
        this.listRetry = true;
        return;
      }
      this.peers = [...m.servers];
      this.listDone = true;
    } else if (m.kind === 'handleTableResponse') {
      this.registrarId ||= m.senderId;
      // RFC 5353 §3.2.3: a registrar in its start-up phase is not ready to hand out its table yet.
      if (m.reject) {
        this.retryAt = now + RETRY_AFTER_REJECT_MS;
        return;
      }
      this.pools.push(...m.pools);
      if (m.moreToSend) this.requestTable();
      else this.tableDone = true;
    }
    if (this.listDone && this.tableDone) this.finish(now);
  }

  /**
   * A registrar in its start-up phase may take us for its mentor and ask us for our peers and table:
   * as a peer without PEs we answer with empty ones, so that its start-up ends and it answers us.
   */
  private answerAsPeer(m: EnrpMessage): void {
    const header = { senderId: this.ownId, receiverId: m.senderId };
    if (m.kind === 'listRequest') this.send({ kind: 'listResponse', ...header, reject: false, servers: [] });
    else if (m.kind === 'handleTableRequest') {
      this.send({ kind: 'handleTableResponse', ...header, reject: false, moreToSend: false, pools: [] });
    } else if (m.kind === 'presence' && m.replyRequired) {
      this.send(this.presence(m.senderId, false));
    }
  }

  /** RFC 5353 §2.1: an empty PE checksum (we own no PEs) and our Server Information. */
  private presence(receiverId: RegistrarId, replyRequired: boolean): EnrpMessage {
    return {
      kind: 'presence',
      senderId: this.ownId,
      receiverId,
      replyRequired,
      peChecksum: EMPTY_PE_CHECKSUM,
      serverInformation: {
        registrarId: this.ownId,
        transport: {
          kind: 'sctp',
          port: this.options.sctp.port,
          transportUse: 'data',
          addresses: this.options.localAddresses,
        },
      },
    };
  }

  private finish(now: Instant): void {
    this.finished = true;
    const dump: HandlespaceDump = {
      registrarId: this.registrarId,
      ownChecksum: this.ownChecksum,
      peers: this.peers,
      pools: mergePools(this.pools),
    };
    this.router.emit({ kind: 'done', dump });
    if (this.assoc !== undefined) this.router.shutdown(now, this.assoc);
  }

  private fail(cause: 'timeout' | 'lost', reason: string): void {
    this.finished = true;
    this.router.emit({ kind: 'failed', cause, reason });
  }
}

/** Responses may split a pool over several entries; join them by handle. */
function mergePools(entries: readonly EnrpPoolEntry[]): EnrpPoolEntry[] {
  const byKey = new Map<
    string,
    { poolHandle: Uint8Array; poolElements: EnrpPoolEntry['poolElements'][number][] }
  >();
  for (const e of entries) {
    const key = Array.from(e.poolHandle).join(',');
    const m = byKey.get(key) ?? { poolHandle: e.poolHandle, poolElements: [] };
    m.poolElements.push(...e.poolElements);
    byKey.set(key, m);
  }
  return [...byKey.values()];
}
