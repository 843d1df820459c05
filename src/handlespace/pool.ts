/**
 * A pool (its handle, the properties all its PEs share, its PEs by id and its selection index) and a PE
 * record, which is linked into up to three trees by integer node handles (its pool's selection tree, its
 * owner's id tree in the ownership index, the timer tree) and into its connection's list.
 */
import type { Instant } from '../base/time.js';
import { NIL, type RedBlackTree } from '../collections/index.js';
import { type PolicyCandidate, PoolSelection, type SelectionStores } from '../policy/index.js';
import { peChecksumContribution } from '../wire/checksum.js';
import type {
  PolicyName,
  PoolElementId,
  PoolHandle,
  PoolPolicy,
  RegistrarId,
  TransportKind,
  TransportParameter,
  TransportUse,
} from '../wire/types.js';
import type { PoolElementEntry, PoolElementTimerKind, PoolInfo } from './pool-element-entry.js';
import { handleWord, INLINE_HANDLE_BYTES, keyMatchesHandle, type PoolKey } from './pool-key.js';

/** Data-only unless an SCTP or TCP transport says data plus control channel (RFC 5354 §3.4/3.5). */
export function transportUseOf(t: TransportParameter): TransportUse {
  return t.kind === 'sctp' || t.kind === 'tcp' ? t.transportUse : 'data';
}

/** A PE's place in the ownership index (implemented by `OwnerPoolSlot`). */
export interface OwnerPoolSlotRef {
  readonly pool: Pool;
  readonly ids: RedBlackTree<PoolElementNode>;
}

/**
 * A pool is its own selection index (it extends `PoolSelection`), which saves a pointer hop on every
 * handle resolution: at 100 k PEs in 10 k pools the resolution cost is mostly cache misses.
 */
export class Pool extends PoolSelection<PoolElementNode> implements PoolInfo {
  readonly elements = new Map<PoolElementId, PoolElementNode>();
  /** The handle's length and first 18 bytes, inline: a lookup compares them without another object. */
  private readonly handleLength: number;
  private readonly w0: number;
  private readonly w1: number;
  private readonly w2: number;
  private readonly w3: number;
  private readonly w4: number;
  private readonly w5: number;
  /** The handle's part of every PE checksum contribution of this pool (RFC 5353 §3.6.2). */
  readonly handleChecksumPart: number;

  constructor(
    readonly handle: PoolHandle,
    readonly key: PoolKey,
    readonly hash: number,
    readonly policyName: PolicyName,
    readonly transportKind: TransportKind,
    readonly transportUse: TransportUse,
    selectionStores: SelectionStores<PoolElementNode>,
    /** The index this pool belongs to (liveness checks of entries without a lookup). */
    readonly index: object,
  ) {
    super(policyName, selectionStores);
    this.handleChecksumPart = peChecksumContribution(handle, 0);
    this.handleLength = handle.length;
    this.w0 = handleWord(handle, 0);
    this.w1 = handleWord(handle, 1);
    this.w2 = handleWord(handle, 2);
    this.w3 = handleWord(handle, 3);
    this.w4 = handleWord(handle, 4);
    this.w5 = handleWord(handle, 5);
  }

  /** Whether `handle` is this pool's handle. */
  matches(handle: PoolHandle): boolean {
    const n = handle.length;
    if (n !== this.handleLength) return false;
    if (n > INLINE_HANDLE_BYTES) return keyMatchesHandle(this.key, handle);
    // Words past the handle's length are 0 on both sides.
    return (
      handleWord(handle, 0) === this.w0 &&
      handleWord(handle, 1) === this.w1 &&
      handleWord(handle, 2) === this.w2 &&
      (n <= 9 ||
        (handleWord(handle, 3) === this.w3 &&
          handleWord(handle, 4) === this.w4 &&
          handleWord(handle, 5) === this.w5))
    );
  }

  /** A PE's checksum contribution: this pool's handle words plus the two halves of the id. */
  checksumPartOf(id: PoolElementId): number {
    return this.handleChecksumPart + (id >>> 16) + (id & 0xffff);
  }
}

export class PoolElementNode implements PolicyCandidate, PoolElementEntry {
  homeRegistrarId: RegistrarId;
  registrationLife: number;
  userTransport: TransportParameter;
  asapTransport: TransportParameter | undefined;
  policy: PoolPolicy;
  distanceMs: number;
  connection: number | undefined;
  lastUpdate: Instant;
  degradation = 0;
  turn = 0;
  selectionNode = NIL;
  /** The selection count once the PE left its pool (-1 while in it: the pool's stores keep it). */
  retiredSelectionCount = -1;
  unreachabilityReports = 0;
  /** Node in `ownerSlot.ids` (ownership index). */
  ownershipNode = NIL;
  ownerSlot: OwnerPoolSlotRef | undefined = undefined;
  /** Intrusive list of the PEs of one connection. */
  connectionPrev: PoolElementNode | undefined = undefined;
  connectionNext: PoolElementNode | undefined = undefined;
  timerNode = NIL;
  timerKind: PoolElementTimerKind | undefined = undefined;
  timerDeadline = 0;
  /** Set by `markOwnedBy` (ENRP resynchronisation); cleared by a (re-)registration. */
  marked = false;

  constructor(
    readonly pool: Pool,
    readonly id: PoolElementId,
    /** Unique per handlespace: the timer index's tie-breaker. */
    readonly uid: number,
    /** This PE's unfolded PE checksum contribution (RFC 5353 §3.6.2). */
    readonly checksumPart: number,
    homeRegistrarId: RegistrarId,
    registrationLife: number,
    userTransport: TransportParameter,
    asapTransport: TransportParameter | undefined,
    policy: PoolPolicy,
    distanceMs: number,
    connection: number | undefined,
    now: Instant,
  ) {
    this.homeRegistrarId = homeRegistrarId;
    this.registrationLife = registrationLife;
    this.userTransport = userTransport;
    this.asapTransport = asapTransport;
    this.policy = policy;
    this.distanceMs = distanceMs;
    this.connection = connection;
    this.lastUpdate = now;
  }

  get poolHandle(): PoolHandle {
    return this.pool.handle;
  }

  get selectionCount(): number {
    return this.retiredSelectionCount >= 0 ? this.retiredSelectionCount : this.pool.selectionCountOf(this);
  }
}
