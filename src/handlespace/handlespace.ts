/**
 * The handlespace (RFC 5351 §2, RFC 5353): pools by pool handle and their PEs, with the indexes a
 * registrar needs (notes/rsplib-interop.md §3.1) and incremental PE checksums (RFC 5353 §3.6.2):
 *
 * - pools: open-addressing table by `poolHash(handle)` (`PoolIndex`); a pool is created by its first
 *   registration and removed with its last PE; per pool a Map PE id -> PE and its selection index (the pool
 *   is a `PoolSelection`: a queue for RoundRobin, a tree in policy order, or a Fenwick tree of weights);
 * - ownership (`OwnershipIndex`): PEs by (home registrar, pool handle [shorter first, then bytes], PE id),
 *   with per-owner checksums: Handle Table extraction (resumable), takeover, resynchronisation;
 * - connections: Map connection key -> intrusive list of its PEs: removal of all PEs of a lost association;
 * - timers: keyed tree ordered by (deadline, uid): one pending timer per PE, `nextTimer()` / `popDueTimers(now)`.
 *
 * Trees share typed-array node stores. Every operation is O(log n) in the handlespace and pool sizes (bulk
 * operations O(m log n) for m PEs affected).
 */
import { assert } from '../base/assert.js';
import type { Random } from '../base/random.js';
import type { Result } from '../base/result.js';
import { err, ok } from '../base/result.js';
import type { Instant } from '../base/time.js';
import { NIL, RedBlackTree, RingStore, TreeNodeStore, WeightArena } from '../collections/index.js';
import { SequenceCounter } from '../policy/index.js';
import { finishPeChecksum, peChecksumContribution } from '../wire/checksum.js';
import { MAX_POOLHANDLESIZE } from '../wire/constants.js';
import {
  ErrorCause,
  type PoolElementId,
  type PoolElementParameter,
  type PoolHandle,
  type RegistrarId,
} from '../wire/types.js';
import { ConnectionIndex } from './connection-index.js';
import { DEFAULT_TRANSPORT_MISMATCH_CAUSE } from './defaults.js';
import { type HandleTableExtract, type HandleTablePosition, handleTablePosition } from './handle-table.js';
import { OwnershipIndex } from './ownership-index.js';
import { type Pool, PoolElementNode, transportUseOf } from './pool.js';
import type { PoolElementEntry, PoolElementTimerKind, PoolInfo, TimerEvent } from './pool-element-entry.js';
import { PoolIndex } from './pool-index.js';
import { poolHash, poolKey } from './pool-key.js';
import type { PoolElementRegistration, RegistrationError, RegistrationOutcome } from './registration.js';

export interface HandlespaceOptions {
  /** This registrar's id: `ownChecksum` covers the PEs it owns. 0 (default) when it owns none. */
  readonly ownRegistrarId?: RegistrarId;
  /** Cause for a transport protocol mismatch: RSPLIB's 0x100a (default) or RFC 5354's 0x0007. */
  readonly transportMismatchCause?: number;
  /** Default for `select`: how many selected PEs get their policy state advanced; 0 = policy default (1). */
  readonly maxIncrement?: number;
  /** Longest pool handle accepted (default MAX_POOLHANDLESIZE, RSPLIB's limit). */
  readonly maxPoolHandleLength?: number;
}

type Node = PoolElementNode;

export class Handlespace {
  readonly ownRegistrarId: RegistrarId;
  private readonly transportMismatchCause: number;
  private readonly maxIncrement: number;
  private readonly maxPoolHandleLength: number;
  private readonly pools = new PoolIndex({
    sorted: new TreeNodeStore<Node>({ keyed: true }),
    weighted: new WeightArena<Node>(),
    queued: new RingStore<Node>(),
  });
  private readonly ownership = new OwnershipIndex();
  private readonly connections = new ConnectionIndex();
  /** Keyed by (deadline, uid). */
  private readonly timers = new RedBlackTree<Node>(undefined, new TreeNodeStore<Node>({ keyed: true }));
  private readonly sequence = new SequenceCounter();
  private checksumSum = 0;
  private elementCount = 0;
  private nextUid = 1;

  constructor(options: HandlespaceOptions = {}) {
    this.ownRegistrarId = options.ownRegistrarId ?? 0;
    this.transportMismatchCause = options.transportMismatchCause ?? DEFAULT_TRANSPORT_MISMATCH_CAUSE;
    this.maxIncrement = options.maxIncrement ?? 0;
    this.maxPoolHandleLength = options.maxPoolHandleLength ?? MAX_POOLHANDLESIZE;
  }

  /** Number of PEs. */
  get size(): number {
    return this.elementCount;
  }

  get poolCount(): number {
    return this.pools.size;
  }

  // ---- Registration ------------------------------------------------------------------------------

  /**
   * Adds a PE or updates it in place (re-registration: policy parameters, load, transports, life,
   * connection, owner; the degradation counter is reset, RFC 5356 §5.2.2). Pool consistency (RFC 5352 §3,
   * notes §3.4): policy type, transport protocol and control-channel use must equal the pool's.
   */
  register(req: PoolElementRegistration): Result<RegistrationOutcome, RegistrationError> {
    const { poolHandle, element } = req;
    const pool = this.pools.get(poolHandle);
    const invalid = this.checkRegistration(poolHandle, pool, element);
    if (invalid !== undefined) return err(invalid);
    const existing = pool?.elements.get(element.id);
    if (existing !== undefined) return ok(this.update(existing, req));
    return ok(this.add(pool ?? this.pools.create(poolHandle, element), req));
  }

  /** Identifier and handle limits, then pool consistency (policy, transport, control channel). */
  private checkRegistration(
    poolHandle: PoolHandle,
    pool: Pool | undefined,
    element: PoolElementParameter,
  ): RegistrationError | undefined {
    const id = element.id;
    if (!Number.isInteger(id) || id <= 0 || id > 0xffffffff) {
      return { kind: 'invalidIdentifier', cause: ErrorCause.RsplibInvalidId };
    }
    if (poolHandle.length === 0 || poolHandle.length > this.maxPoolHandleLength) {
      return { kind: 'invalidPoolHandle', cause: ErrorCause.RsplibInvalidPoolHandle };
    }
    if (pool === undefined) return undefined;
    const transport = element.userTransport;
    if (pool.policyName !== element.policy.name) {
      return { kind: 'inconsistentPolicy', cause: ErrorCause.InconsistentPoolingPolicy };
    }
    if (pool.transportKind !== transport.kind) {
      return { kind: 'inconsistentTransport', cause: this.transportMismatchCause };
    }
    if (pool.transportUse !== transportUseOf(transport)) {
      return { kind: 'inconsistentControlChannel', cause: ErrorCause.InconsistentDataControlConfiguration };
    }
    return undefined;
  }

  /** Re-registration: updates the PE in place and resets its degradation counter. */
  private update(existing: Node, req: PoolElementRegistration): RegistrationOutcome {
    const { element, now } = req;
    const previousOwner = existing.homeRegistrarId;
    if (previousOwner !== element.homeRegistrarId) this.changeOwner(existing, element.homeRegistrarId);
    if (existing.connection !== req.connection) {
      this.connections.unlink(existing);
      existing.connection = req.connection;
      this.connections.link(existing);
    }
    existing.registrationLife = element.registrationLife;
    existing.userTransport = element.userTransport;
    existing.asapTransport = element.asapTransport;
    existing.policy = element.policy;
    existing.distanceMs = distanceOf(req);
    existing.degradation = 0;
    existing.lastUpdate = now;
    existing.marked = false;
    existing.pool.update(existing);
    return { kind: 'updated', element: existing, previousOwner };
  }

  private add(pool: Pool, req: PoolElementRegistration): RegistrationOutcome {
    const { element, now } = req;
    const node = new PoolElementNode(
      pool,
      element.id,
      this.nextUid++,
      pool.checksumPartOf(element.id),
      element.homeRegistrarId,
      element.registrationLife,
      element.userTransport,
      element.asapTransport,
      element.policy,
      distanceOf(req),
      req.connection,
      now,
    );
    pool.elements.set(element.id, node);
    pool.add(node, this.sequence.next());
    this.ownership.add(node);
    this.connections.link(node);
    this.checksumSum += node.checksumPart;
    this.elementCount++;
    return { kind: 'added', element: node, previousOwner: undefined };
  }

  /** Removes a PE (deregistration, Handle Update delete, expiry); returns it, or undefined if unknown. */
  deregister(poolHandle: PoolHandle, id: PoolElementId): PoolElementEntry | undefined {
    const node = this.pools.get(poolHandle)?.elements.get(id);
    if (node !== undefined) this.unlink(node);
    return node;
  }

  /** Removes an entry obtained from this handlespace (no-op if already removed). */
  remove(entry: PoolElementEntry): void {
    const node = this.live(entry);
    if (node !== undefined) this.unlink(node);
  }

  /** Removes every PE registered over `connection` (association lost or shut down). */
  removeByConnection(connection: number): PoolElementEntry[] {
    const nodes = this.byConnection(connection);
    for (const n of nodes) this.unlink(n);
    return nodes;
  }

  // ---- Lookup ------------------------------------------------------------------------------------

  find(poolHandle: PoolHandle, id: PoolElementId): PoolElementEntry | undefined {
    return this.pools.get(poolHandle)?.elements.get(id);
  }

  pool(poolHandle: PoolHandle): PoolInfo | undefined {
    return this.pools.get(poolHandle);
  }

  /** All pools (unordered). */
  *poolInfos(): IterableIterator<PoolInfo> {
    yield* this.pools;
  }

  /** A pool's PEs in registration order (empty if the pool is unknown). */
  elementsOf(poolHandle: PoolHandle): PoolElementEntry[] {
    const pool = this.pools.get(poolHandle);
    return pool === undefined ? [] : [...pool.elements.values()];
  }

  /** PEs registered over a connection (unordered). */
  elementsByConnection(connection: number): PoolElementEntry[] {
    return this.byConnection(connection);
  }

  // ---- Selection (handle resolution) -------------------------------------------------------------

  /**
   * Selects up to `count` distinct PEs of a pool by its policy and advances the policy state of the first
   * `maxIncrement` (0 = policy default 1). Undefined when the pool is unknown (Unknown Pool Handle, 0x9).
   */
  select(
    poolHandle: PoolHandle,
    count: number,
    rng: Random,
    maxIncrement?: number,
  ): PoolElementEntry[] | undefined {
    const pool = this.pools.get(poolHandle);
    if (pool === undefined) return undefined;
    return pool.select(count, {
      rng,
      sequence: this.sequence,
      maxIncrement: maxIncrement ?? this.maxIncrement,
    });
  }

  /** A pool's PEs in selection-index order (policy order; PE id order for random policies). */
  selectionOrder(poolHandle: PoolHandle): PoolElementEntry[] {
    const pool = this.pools.get(poolHandle);
    return pool === undefined ? [] : [...pool];
  }

  /** Counts an Endpoint Unreachable report; returns the new count (undefined for an unknown PE). */
  reportUnreachable(poolHandle: PoolHandle, id: PoolElementId): number | undefined {
    const node = this.pools.get(poolHandle)?.elements.get(id);
    if (node === undefined) return undefined;
    return ++node.unreachabilityReports;
  }

  /** Sets the distance (ms) of a PE for DPF policies and re-positions it. */
  setDistance(entry: PoolElementEntry, distanceMs: number): void {
    const node = this.mustLive(entry);
    node.distanceMs = distanceMs;
    node.pool.update(node);
  }

  // ---- Ownership and checksums -------------------------------------------------------------------

  /** Moves a PE to another home registrar (takeover, Keep Alive with H); the owner checksums follow. */
  setOwner(entry: PoolElementEntry, owner: RegistrarId): void {
    const node = this.mustLive(entry);
    if (node.homeRegistrarId !== owner) this.changeOwner(node, owner);
  }

  /** Re-homes every PE of `from` to `to` (takeover, RFC 5353 §3.5); returns them. */
  transferOwnership(from: RegistrarId, to: RegistrarId): PoolElementEntry[] {
    const nodes = this.ownedNodes(from);
    if (from !== to) for (const n of nodes) this.changeOwner(n, to);
    return nodes;
  }

  /** PEs owned by `owner` in Handle Table order. */
  elementsOwnedBy(owner: RegistrarId): PoolElementEntry[] {
    return this.ownedNodes(owner);
  }

  /** Number of PEs owned by `owner`. */
  countOwnedBy(owner: RegistrarId): number {
    return this.ownership.owners.get(owner)?.count ?? 0;
  }

  /** Registrars owning at least one PE, ascending. */
  ownerIds(): RegistrarId[] {
    return this.ownership.ownerIds();
  }

  /** RFC 5353 §3.6.2 PE checksum over the PEs owned by `owner` (0xFFFF when none). */
  checksumOf(owner: RegistrarId): number {
    return finishPeChecksum(this.ownership.owners.get(owner)?.sum ?? 0);
  }

  /** Checksum over this registrar's own PEs: what its ENRP Presence carries. */
  get ownChecksum(): number {
    return this.checksumOf(this.ownRegistrarId);
  }

  /** Checksum over the whole handlespace. */
  get checksum(): number {
    return finishPeChecksum(this.checksumSum);
  }

  /** ENRP resynchronisation: marks all PEs of `owner`; (re-)registrations clear the mark. */
  markOwnedBy(owner: RegistrarId): number {
    const nodes = this.ownedNodes(owner);
    for (const n of nodes) n.marked = true;
    return nodes.length;
  }

  /** Removes the PEs of `owner` still marked (not refreshed since `markOwnedBy`); returns them. */
  purgeMarked(owner: RegistrarId): PoolElementEntry[] {
    const nodes = this.ownedNodes(owner).filter((n) => n.marked);
    for (const n of nodes) this.unlink(n);
    return nodes;
  }

  // ---- Handle Table order --------------------------------------------------------------------------

  /**
   * Up to `maxElements` PEs in Handle Table order (owner, pool handle, PE id), only `owner`'s if given
   * (ENRP Handle Table Request with W), starting after `after` (nearest next, so it resumes correctly
   * even when the PE at `after` has gone).
   */
  handleTable(options: {
    readonly owner?: RegistrarId;
    readonly after?: HandleTablePosition;
    readonly maxElements: number;
  }): HandleTableExtract {
    const { owner, after, maxElements } = options;
    const cursor = after && { owner: after.owner, key: poolKey(after.poolHandle), id: after.id };
    const { nodes, more } = this.ownership.extract(owner, cursor, maxElements);
    const last = nodes[nodes.length - 1];
    return { elements: nodes, more, next: last === undefined ? undefined : handleTablePosition(last) };
  }

  // ---- Timers --------------------------------------------------------------------------------------

  /** Sets (replaces) the PE's one pending timer. */
  setTimer(entry: PoolElementEntry, kind: PoolElementTimerKind, deadline: Instant): void {
    const node = this.mustLive(entry);
    if (node.timerKind !== undefined) this.timers.remove(node.timerNode);
    node.timerKind = kind;
    node.timerDeadline = deadline;
    node.timerNode = this.timers.insertKeyed(node, deadline, node.uid);
  }

  clearTimer(entry: PoolElementEntry): void {
    const node = this.live(entry);
    if (node !== undefined && node.timerKind !== undefined) this.unlinkTimer(node);
  }

  /** The earliest pending timer, if any (arm the driver's one real timer for its deadline). */
  nextTimer(): TimerEvent | undefined {
    const first = this.timers.first();
    if (first === NIL) return undefined;
    const n = this.timers.item(first);
    return { kind: n.timerKind!, deadline: n.timerDeadline, element: n };
  }

  /** Removes and returns every timer due at `now`, earliest first; the caller re-arms or removes the PEs. */
  popDueTimers(now: Instant): TimerEvent[] {
    const due: TimerEvent[] = [];
    for (;;) {
      const first = this.timers.first();
      if (first === NIL) break;
      const n = this.timers.item(first);
      if (n.timerDeadline > now) break;
      due.push({ kind: n.timerKind!, deadline: n.timerDeadline, element: n });
      this.unlinkTimer(n);
    }
    return due;
  }

  // ---- Consistency check (tests) -----------------------------------------------------------------

  /** Verifies every index and counter against a full recomputation; throws on a mismatch. O(n). */
  verify(): void {
    this.timers.verify();
    let count = 0;
    let pools = 0;
    let sum = 0;
    let withTimer = 0;
    const owners = new Map<RegistrarId, { sum: number; count: number }>();
    const connected = new Set<Node>();
    for (const pool of this.pools) {
      pools++;
      assert(pool.hash === poolHash(pool.handle) && pool.key === poolKey(pool.handle), 'pool keys');
      assert(this.pools.get(pool.handle) === pool && pool.elements.size > 0, 'pool indexed and non-empty');
      pool.verify();
      assert(pool.size === pool.elements.size, 'selection index size');
      for (const n of pool) assert(pool.elements.get(n.id) === n, 'selection index member');
      for (const n of pool.elements.values()) {
        count++;
        assert(n.checksumPart === peChecksumContribution(pool.handle, n.id), 'checksum part');
        sum += n.checksumPart;
        const o = owners.get(n.homeRegistrarId) ?? { sum: 0, count: 0 };
        o.sum += n.checksumPart;
        o.count++;
        owners.set(n.homeRegistrarId, o);
        assert(n.ownerSlot?.pool === pool && n.ownerSlot.ids.item(n.ownershipNode) === n, 'ownership node');
        if (n.connection !== undefined) connected.add(n);
        if (n.timerKind !== undefined) {
          withTimer++;
          assert(this.timers.item(n.timerNode) === n, 'timer node');
        }
      }
    }
    this.connections.verify(connected);
    assert(pools === this.pools.size, 'pool count');
    assert(count === this.elementCount, 'element count');
    assert(this.timers.size === withTimer, 'timer index size');
    assert(sum === this.checksumSum, 'handlespace checksum');
    assert(owners.size === this.ownership.owners.size, 'owner count');
    for (const [owner, o] of owners) {
      const mine = this.ownership.owners.get(owner);
      assert(mine !== undefined && mine.sum === o.sum && mine.count === o.count, 'owner checksum');
      mine.pools.verify();
      for (const slot of mine.pools) slot.ids.verify();
    }
  }

  // ---- Internals ---------------------------------------------------------------------------------

  /** The entry's record if it is still in this handlespace (O(1), no lookup by handle). */
  private live(entry: PoolElementEntry): Node | undefined {
    if (!(entry instanceof PoolElementNode) || entry.ownerSlot === undefined) return undefined;
    return this.pools.owns(entry.pool) ? entry : undefined;
  }

  private mustLive(entry: PoolElementEntry): Node {
    const node = this.live(entry);
    assert(node !== undefined, 'entry is not in this handlespace');
    return node;
  }

  private unlink(node: Node): void {
    const pool = node.pool;
    node.retiredSelectionCount = pool.removeCandidate(node);
    pool.elements.delete(node.id);
    if (pool.elements.size === 0) this.pools.delete(pool);
    this.ownership.remove(node);
    this.connections.unlink(node);
    if (node.timerKind !== undefined) this.unlinkTimer(node);
    this.checksumSum -= node.checksumPart;
    this.elementCount--;
  }

  private unlinkTimer(node: Node): void {
    this.timers.remove(node.timerNode);
    node.timerNode = NIL;
    node.timerKind = undefined;
  }

  private changeOwner(node: Node, owner: RegistrarId): void {
    this.ownership.remove(node);
    node.homeRegistrarId = owner;
    this.ownership.add(node);
  }

  private ownedNodes(owner: RegistrarId): Node[] {
    return this.ownership.extract(owner, undefined, Number.POSITIVE_INFINITY).nodes;
  }

  private byConnection(connection: number): Node[] {
    return this.connections.list(connection);
  }
}

/** DPF policies carry the distance unless the registration measured one. */
function distanceOf(req: PoolElementRegistration): number {
  const policy = req.element.policy;
  return req.distanceMs ?? ('distance' in policy ? policy.distance : 0);
}
