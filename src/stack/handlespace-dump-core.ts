/**
 * The protocol of a handlespace dump, as RSPLIB's hsdump speaks it: pose as a peer registrar with a
 * random id, send Presence (so that we are a known peer), List Request and Handle Table Request
 * (RFC 5353 §3.3-§3.4), follow the M flag with further requests, and end when the last response
 * arrives. A core like the others (`handle(input): Action[]`); `HandlespaceDumpNode` binds it to its
 * SCTP endpoint through the router.
 */
import type { Instant } from '../base/index.js';
import type { EnrpMessage, EnrpPoolEntry, IpAddress, RegistrarId, ServerInformation } from '../wire/index.js';

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

export interface DumpCoreConfig {
  readonly ownId: RegistrarId;
  /** Our SCTP port and addresses, named in our Presence's Server Information. */
  readonly port: number;
  readonly localAddresses: readonly IpAddress[];
  readonly timeoutMs: number;
}

export type DumpInput =
  | { readonly kind: 'start'; readonly now: Instant }
  /** The association to the registrar is up. */
  | { readonly kind: 'up'; readonly now: Instant }
  /** It ended: shut down, or `lost` (why). */
  | { readonly kind: 'ended'; readonly now: Instant; readonly lost?: string }
  | { readonly kind: 'received'; readonly now: Instant; readonly message: EnrpMessage }
  | { readonly kind: 'tick'; readonly now: Instant };

export type DumpAction =
  | { readonly kind: 'send'; readonly message: EnrpMessage }
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'notify'; readonly event: HandlespaceDumpEvent };

const RETRY_AFTER_REJECT_MS = 500;
/** RFC 5353 §3.6.2: the checksum of an empty set of PEs. */
const EMPTY_PE_CHECKSUM = 0xffff;

export class DumpCore {
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
  private out: DumpAction[] = [];

  constructor(private readonly cfg: DumpCoreConfig) {}

  nextDeadline(): Instant | undefined {
    if (this.finished) return undefined;
    if (this.deadline === undefined || this.retryAt === undefined) return this.deadline ?? this.retryAt;
    return Math.min(this.deadline, this.retryAt);
  }

  handle(input: DumpInput): DumpAction[] {
    this.out = [];
    if (input.kind === 'start') this.deadline = input.now + this.cfg.timeoutMs;
    else if (input.kind === 'up') this.ask();
    else if (input.kind === 'ended') this.onEnded(input.lost);
    else if (input.kind === 'received') this.onMessage(input.now, input.message);
    else this.onTick(input.now);
    return this.out;
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
        this.send({ kind: 'listRequest', senderId: this.cfg.ownId, receiverId: this.registrarId });
      this.listRetry = false;
      if (!this.tableDone) this.requestTable();
    }
  }

  /** Presence first: RSPLIB registrars (and ours) answer tables only to known peers. */
  private ask(): void {
    this.send(this.presence(0, true));
    this.send({ kind: 'listRequest', senderId: this.cfg.ownId, receiverId: 0 });
    this.requestTable();
  }

  private requestTable(): void {
    this.send({
      kind: 'handleTableRequest',
      senderId: this.cfg.ownId,
      receiverId: this.registrarId,
      ownChildrenOnly: false,
    });
  }

  private send(message: EnrpMessage): void {
    this.out.push({ kind: 'send', message });
  }

  private onEnded(lost: string | undefined): void {
    if (this.finished) this.out.push({ kind: 'notify', event: { kind: 'closed' } });
    else if (lost !== undefined) this.fail('lost', lost);
  }

  private onMessage(now: Instant, m: EnrpMessage): void {
    if (this.finished) return;
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
    if (this.listDone && this.tableDone) this.finish();
  }

  /**
   * A registrar in its start-up phase may take us for its mentor and ask us for our peers and table:
   * as a peer without PEs we answer with empty ones, so that its start-up ends and it answers us.
   */
  private answerAsPeer(m: EnrpMessage): void {
    const header = { senderId: this.cfg.ownId, receiverId: m.senderId };
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
      senderId: this.cfg.ownId,
      receiverId,
      replyRequired,
      peChecksum: EMPTY_PE_CHECKSUM,
      serverInformation: {
        registrarId: this.cfg.ownId,
        transport: {
          kind: 'sctp',
          port: this.cfg.port,
          transportUse: 'data',
          addresses: this.cfg.localAddresses,
        },
      },
    };
  }

  private finish(): void {
    this.finished = true;
    const dump: HandlespaceDump = {
      registrarId: this.registrarId,
      ownChecksum: this.ownChecksum,
      peers: this.peers,
      pools: mergePools(this.pools),
    };
    this.out.push({ kind: 'notify', event: { kind: 'done', dump } });
    this.out.push({ kind: 'shutdown' });
  }

  private fail(cause: 'timeout' | 'lost', reason: string): void {
    this.finished = true;
    this.out.push({ kind: 'notify', event: { kind: 'failed', cause, reason } });
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
