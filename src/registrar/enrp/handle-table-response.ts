/**
 * Handle Table Responses (RFC 5353 §2.3, §3.2.3, §3.6.3): PEs in Handle Table order (owner, pool handle,
 * PE id), at most `maxElements` per message and at most `maxBytes` encoded (RSPLIB: 128 PEs, 1400 bytes),
 * with M set while more follow. The responder keeps a continuation per requesting peer and W flag, as
 * RSPLIB does, and resumes with nearest-next lookups, so PEs removed meanwhile do not break the download.
 */
import type { Instant } from '../../base/index.js';
import {
  type Handlespace,
  type HandleTablePosition,
  type PoolElementEntry,
  poolElementParameter,
} from '../../handlespace/index.js';
import { encodeEnrp } from '../../wire/enrp-codec.js';
import type { EnrpHandleTableResponse, EnrpPoolEntry } from '../../wire/enrp-messages.js';
import type { PoolElementParameter, RegistrarId } from '../../wire/types.js';

export interface HandleTableResponseOptions {
  readonly senderId: RegistrarId;
  readonly receiverId: RegistrarId;
  /** Only this owner's PEs (request with W); all PEs when undefined. */
  readonly owner?: RegistrarId;
  readonly after?: HandleTablePosition;
  readonly maxElements: number;
  readonly maxBytes: number;
}

export interface HandleTableResponseResult {
  readonly message: EnrpHandleTableResponse;
  readonly count: number;
  /** Where the next response resumes (undefined when `message` is the last one). */
  readonly next: HandleTablePosition | undefined;
}

/** Groups consecutive PEs of the same pool into pool entries (Handle Table order keeps them adjacent). */
export function poolEntries(elements: readonly PoolElementEntry[]): EnrpPoolEntry[] {
  const pools: { poolHandle: Uint8Array; poolElements: PoolElementParameter[] }[] = [];
  let last: { poolHandle: Uint8Array; poolElements: PoolElementParameter[] } | undefined;
  for (const e of elements) {
    if (last === undefined || last.poolHandle !== e.poolHandle) {
      last = { poolHandle: e.poolHandle, poolElements: [] };
      pools.push(last);
    }
    last.poolElements.push(poolElementParameter(e, true));
  }
  return pools;
}

/**
 * Builds one response. It starts from the byte estimate of the previous call (`bytesPerElement`) and
 * shrinks the PE count until the encoding fits, so a typical response costs one or two encodes.
 */
export class HandleTableResponder {
  private bytesPerElement = 0;
  private readonly sessions = new Map<string, { next: HandleTablePosition; at: Instant }>();

  constructor(
    private readonly handlespace: Handlespace,
    private readonly sessionTimeoutMs: number,
  ) {}

  /** Answers a request from `peer`: resumes its open download for the same W flag, or starts one. */
  respond(
    now: Instant,
    peer: RegistrarId,
    options: Omit<HandleTableResponseOptions, 'after' | 'receiverId'>,
  ): HandleTableResponseResult {
    const key = `${peer}/${options.owner === undefined ? 'all' : 'own'}`;
    const session = this.sessions.get(key);
    const after =
      session !== undefined && now - session.at < this.sessionTimeoutMs ? session.next : undefined;
    const result = this.build({ ...options, receiverId: peer, ...(after ? { after } : {}) });
    if (result.next !== undefined) this.sessions.set(key, { next: result.next, at: now });
    else this.sessions.delete(key);
    return result;
  }

  /** Drops the continuations of a peer (removed, or its association went down). */
  forget(peer: RegistrarId): void {
    this.sessions.delete(`${peer}/all`);
    this.sessions.delete(`${peer}/own`);
  }

  build(o: HandleTableResponseOptions): HandleTableResponseResult {
    const extract = this.handlespace.handleTable({
      ...(o.owner === undefined ? {} : { owner: o.owner }),
      ...(o.after === undefined ? {} : { after: o.after }),
      maxElements: o.maxElements,
    });
    const all = extract.elements;
    let k = all.length;
    if (this.bytesPerElement > 0)
      k = Math.min(k, Math.max(1, Math.floor((o.maxBytes - 12) / this.bytesPerElement)));
    for (;;) {
      const more = k < all.length || extract.more;
      const message: EnrpHandleTableResponse = {
        kind: 'handleTableResponse',
        senderId: o.senderId,
        receiverId: o.receiverId,
        reject: false,
        moreToSend: more,
        pools: poolEntries(k === all.length ? all : all.slice(0, k)),
      };
      if (k === 0) return { message, count: 0, next: undefined };
      const size = encodeEnrp(message).length;
      this.bytesPerElement = (size - 12) / k;
      if (size <= o.maxBytes || k === 1) {
        const lastEntry = all[k - 1]!;
        const next = more
          ? { owner: lastEntry.homeRegistrarId, poolHandle: lastEntry.poolHandle, id: lastEntry.id }
          : undefined;
        return { message, count: k, next };
      }
      k = Math.max(1, Math.min(k - 1, Math.floor((k * (o.maxBytes - 12)) / (size - 12))));
    }
  }
}

/** A Handle Table Response with R set and no pool entries (RFC 5353 §3.2.3). */
export function rejectHandleTable(senderId: RegistrarId, receiverId: RegistrarId): EnrpHandleTableResponse {
  return { kind: 'handleTableResponse', senderId, receiverId, reject: true, moreToSend: false, pools: [] };
}
