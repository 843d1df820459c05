/**
 * The registrar's ENRP side (RFC 5353) as a sans-I/O state machine: peer list and Presence heartbeats
 * (§3.4), start-up with a mentor (§3.2), Handle Updates out and in (§3.3), audit by PE checksum with
 * mark-and-purge resynchronisation (§3.6), takeover of a dead peer (§3.5) and, behind an option, takeover
 * suggestion (draft-dreibholz-rserpool-enrp-takeover). Handle table downloads live in handle-table-sync.ts,
 * the takeover procedure in takeover.ts; this file dispatches and keeps the peer list.
 */
import type { AssociationId, Instant, Random } from '../../base/index.js';
import { earliest } from '../../base/index.js';
import type { Handlespace, PoolElementEntry } from '../../handlespace/index.js';
import type { DecodeError } from '../../wire/decode-error.js';
import type { EnrpMessage, EnrpPresence } from '../../wire/enrp-messages.js';
import type { PoolElementParameter, PoolHandle, RegistrarId } from '../../wire/types.js';
import { ConnectRefs } from './connect-refs.js';
import { ENRP_DEFAULTS, MAX_PEERS } from './defaults.js';
import type { ConnectPurpose, EnrpContext, EnrpServerOptions, ResolvedEnrpOptions } from './enrp-context.js';
import { malformedReply, unrecognizedReport } from './enrp-errors.js';
import type { EnrpAction, EnrpEvent, EnrpInput, PeerRemovalReason } from './enrp-types.js';
import { HandleTableResponder } from './handle-table-response.js';
import { HandleTableSync } from './handle-table-sync.js';
import { HandleUpdates } from './handle-update.js';
import { ListExchange } from './list-exchange.js';
import { enqueue, type Peer, PeerTable, presenceEndpoint, type StaticPeer } from './peer-table.js';
import { Takeover } from './takeover.js';

export class EnrpServer implements EnrpContext {
  readonly options: ResolvedEnrpOptions;
  readonly peers = new PeerTable();
  readonly staticPeers: StaticPeer[];
  readonly responder: HandleTableResponder;
  readonly sync: HandleTableSync;
  readonly takeover: Takeover;
  readonly updates: HandleUpdates;
  readonly lists: ListExchange;
  private readonly connects: ConnectRefs;
  private started = false;
  private stopped = false;
  private inStartup_ = false;
  private startupEndsAt: Instant | undefined;
  private nextHeartbeatAt: Instant | undefined;
  /** The UDP source of the multicast Presence being handled. */
  private multicastSource: { readonly address: string; readonly port: number } | undefined;

  constructor(
    readonly handlespace: Handlespace,
    options: EnrpServerOptions,
    private readonly random: Random,
  ) {
    this.options = {
      peerHeartbeatCycleMs: ENRP_DEFAULTS.peerHeartbeatCycleMs,
      peerMaxTimeLastHeardMs: ENRP_DEFAULTS.peerMaxTimeLastHeardMs,
      peerMaxTimeNoResponseMs: ENRP_DEFAULTS.peerMaxTimeNoResponseMs,
      mentorDiscoveryTimeoutMs: ENRP_DEFAULTS.mentorDiscoveryTimeoutMs,
      takeoverExpiryIntervalMs: ENRP_DEFAULTS.takeoverExpiryIntervalMs,
      maxElementsPerHtRequest: ENRP_DEFAULTS.maxElementsPerHtRequest,
      maxHandleTableResponseBytes: ENRP_DEFAULTS.maxHandleTableResponseBytes,
      supportTakeoverSuggestion: ENRP_DEFAULTS.supportTakeoverSuggestion,
      multicast: ENRP_DEFAULTS.multicast,
      keepAliveTimeoutMs: 5_000,
      ...options,
      enrpTransport: options.enrpTransport,
      peers: options.peers ?? [],
    };
    this.staticPeers = this.options.peers.map((endpoint) => ({
      endpoint,
      id: undefined,
      assoc: undefined,
      connectRef: undefined,
    }));
    this.responder = new HandleTableResponder(handlespace, this.options.peerMaxTimeNoResponseMs);
    this.sync = new HandleTableSync(this);
    this.takeover = new Takeover(this);
    this.updates = new HandleUpdates(this, this.takeover);
    this.lists = new ListExchange(this, this.sync);
    this.connects = new ConnectRefs(this, this.takeover);
  }

  get registrarId(): RegistrarId {
    return this.options.registrarId;
  }

  /** True from `start` until the mentor's last Handle Table Response or the discovery timer. */
  get inStartup(): boolean {
    return this.inStartup_;
  }

  nextDeadline(): Instant | undefined {
    if (!this.started || this.stopped) return undefined;
    let m = earliest(this.startupEndsAt, this.nextHeartbeatAt, this.takeover.nextDeadline());
    for (const p of this.peers.all()) {
      if (p.status !== 'takingOver') m = earliest(m, p.deadline);
      m = earliest(m, p.sync?.deadline);
    }
    return earliest(m, this.sync.nextDeadline());
  }

  handle(input: EnrpInput): EnrpAction[] {
    if (this.stopped) return [];
    const out: EnrpAction[] = [];
    switch (input.kind) {
      case 'start':
        this.onStart(input.now, out);
        break;
      case 'stop':
        this.onStop(out);
        break;
      case 'received':
        this.onMessage(input.now, input.assoc, input.message, out);
        break;
      case 'multicastReceived':
        if (input.message.kind === 'presence') {
          this.multicastSource = input.from;
          this.onMessage(input.now, undefined, input.message, out);
          this.multicastSource = undefined;
        }
        break;
      case 'malformed':
        this.onMalformed(input.assoc, input.error, input.bytes, out);
        break;
      case 'assocUp':
        this.connects.onAssocUp(input.now, input.assoc, input.ref, out);
        break;
      case 'assocLost':
        this.onAssocLost(input.now, input.assoc, out);
        break;
      case 'connectFailed':
        this.connects.onConnectFailed(input.now, input.ref, out);
        break;
      case 'ownElementChanged':
        if (
          input.change !== 'removed' ||
          !this.updates.handOver(input.now, input.poolHandle, input.element, input.reason, out)
        )
          this.announceChange(input.now, input.change, input.poolHandle, input.element, out);
        break;
      case 'tick':
        this.onTick(input.now, out);
        break;
    }
    return out;
  }

  // ---- Start-up (RFC 5353 §3.2) ---------------------------------------------------------------------

  private onStart(now: Instant, out: EnrpAction[]): void {
    if (this.started) return;
    this.started = true;
    if (this.staticPeers.length === 0 && !this.options.multicast) {
      // §3.2.2.1: no peer can be found, so we are alone and in service at once.
      this.endStartup('alone', out);
    } else {
      this.inStartup_ = true;
      this.startupEndsAt = now + this.options.mentorDiscoveryTimeoutMs;
    }
    this.heartbeat(now, out);
  }

  endStartup(reason: 'mentorSync' | 'timeout' | 'alone', out: EnrpAction[]): void {
    if (!this.inStartup_ && reason !== 'alone') return;
    this.inStartup_ = false;
    this.startupEndsAt = undefined;
    this.notify(out, { kind: 'startupDone', reason });
  }

  /**
   * RFC 5353 defines no goodbye. We close our ENRP associations and go quiet; peers take over our PEs
   * after MAX-TIME-LAST-HEARD + MAX-TIME-NO-RESPONSE (the registrar core also closes the PEs'
   * associations so that they re-register elsewhere at once).
   */
  private onStop(out: EnrpAction[]): void {
    for (const assoc of this.peers.associations()) out.push({ kind: 'close', assoc });
    for (const s of this.staticPeers) if (s.assoc !== undefined) out.push({ kind: 'close', assoc: s.assoc });
    this.stopped = true;
    this.notify(out, { kind: 'stopped' });
  }

  // ---- Messages ------------------------------------------------------------------------------------

  private onMessage(now: Instant, assoc: AssociationId | undefined, m: EnrpMessage, out: EnrpAction[]): void {
    const sender = m.senderId;
    // Hygiene (notes §5): our own messages (looped-back multicast) and sender 0 are ignored.
    if (sender === this.registrarId || sender === 0) return;
    if (assoc !== undefined) this.bindSender(assoc, m, out);
    const known = this.peers.get(sender);
    if (m.kind === 'initTakeoverAck' || m.kind === 'takeoverServer') {
      // Acks and takeover notices from registrars we do not know teach us nothing about them.
      if (known !== undefined) this.heardFrom(now, known, assoc, out);
      if (m.kind === 'initTakeoverAck') this.takeover.onAck(now, sender, m.targetId, out);
      else this.takeover.onTakeoverServer(now, sender, m.targetId, out);
      return;
    }
    if (m.kind === 'handleTableRequest' && known === undefined) {
      // RSPLIB answers a Handle Table Request from an unknown peer with R; it must send Presence first.
      if (assoc !== undefined) this.sync.rejectRequest(sender, assoc, 'unknownPeer', out);
      return;
    }
    const peer =
      known ?? this.addPeer(now, sender, m.kind === 'presence' ? 'presence' : 'message', assoc, out);
    if (peer === undefined) return;
    this.heardFrom(now, peer, assoc, out);
    this.dispatch(now, assoc, peer, m, known === undefined, out);
    if (known === undefined && m.kind !== 'presence') {
      // §3.4.1: any message from a new peer makes us ask for its Presence.
      this.sendToPeer(peer, this.presence(peer.id, true), out);
    }
  }

  /** Reports unrecognized parameters and ties the association (and a static peer on it) to the sender. */
  private bindSender(assoc: AssociationId, m: EnrpMessage, out: EnrpAction[]): void {
    this.reportUnrecognized(assoc, m, out);
    this.peers.bindAssoc(assoc, m.senderId);
    const s = this.staticPeers.find((x) => x.assoc === assoc);
    if (s !== undefined) s.id = m.senderId;
  }

  /** Liveness, and the endpoint of a peer that reached us over a static peer's association. */
  private heardFrom(now: Instant, peer: Peer, assoc: AssociationId | undefined, out: EnrpAction[]): void {
    this.heard(now, peer, out);
    if (peer.endpoint !== undefined || assoc === undefined) return;
    const s = this.staticPeers.find((x) => x.assoc === assoc);
    if (s !== undefined) peer.endpoint = s.endpoint;
  }

  private dispatch(
    now: Instant,
    assoc: AssociationId | undefined,
    peer: Peer,
    m: Exclude<EnrpMessage, { kind: 'initTakeoverAck' | 'takeoverServer' }>,
    isNew: boolean,
    out: EnrpAction[],
  ): void {
    switch (m.kind) {
      case 'presence':
        this.onPresence(now, assoc, peer, m, isNew, out);
        break;
      case 'handleUpdate':
        this.updates.onHandleUpdate(now, peer, m, out);
        break;
      case 'handleTableRequest':
        this.sync.onRequest(now, peer, assoc!, m, out);
        break;
      case 'handleTableResponse':
        this.sync.onResponse(now, peer, m, out);
        break;
      case 'listRequest':
        this.lists.onListRequest(peer, assoc, out);
        break;
      case 'listResponse':
        this.lists.onListResponse(now, m, out);
        break;
      case 'initTakeover':
        this.takeover.onInitTakeover(now, peer.id, assoc, m.targetId, out);
        break;
      case 'error':
        this.notify(out, {
          kind: 'enrpErrorReceived',
          registrarId: peer.id,
          operationError: m.operationError,
        });
        break;
    }
  }

  /** A new peer, or undefined (and a `peerRefused` event) when the table holds MAX_PEERS already. */
  addPeer(
    now: Instant,
    id: RegistrarId,
    via: 'presence' | 'listResponse' | 'message',
    assoc: AssociationId | undefined,
    out: EnrpAction[],
  ): Peer | undefined {
    if (this.peers.size >= MAX_PEERS) {
      this.notify(out, { kind: 'peerRefused', registrarId: id, reason: 'peerLimit' });
      return undefined;
    }
    const peer = this.peers.add(id, now, this.options.peerMaxTimeLastHeardMs);
    if (assoc !== undefined) this.peers.bindAssoc(assoc, id);
    this.notify(out, { kind: 'peerAdded', registrarId: id, via });
    return peer;
  }

  /** §3.4.3: any message re-arms MAX-TIME-LAST-HEARD and ends a probe. */
  private heard(now: Instant, peer: Peer, _out: EnrpAction[]): void {
    peer.lastHeard = now;
    if (peer.status === 'active' || peer.status === 'probing') {
      peer.status = 'active';
      peer.deadline = now + this.options.peerMaxTimeLastHeardMs;
    }
  }

  private onPresence(
    now: Instant,
    assoc: AssociationId | undefined,
    peer: Peer,
    m: EnrpPresence,
    isNew: boolean,
    out: EnrpAction[],
  ): void {
    const endpoint = presenceEndpoint(m, this.multicastSource);
    if (endpoint !== undefined) peer.endpoint = endpoint;
    if (peer.status === 'takingOver' || peer.status === 'takenOver') {
      // §3.5.1: a Presence from the target stops the takeover; it is alive.
      this.takeover.targetAlive(now, peer, out);
    }
    if (this.inStartup_ && this.sync.mentor === undefined) this.sync.startMentor(now, peer, out);
    if (isNew) this.sendToPeer(peer, this.presence(peer.id, true), out, assoc);
    else if (m.replyRequired) this.sendToPeer(peer, this.presence(peer.id, false), out, assoc);
    // §3.6.1 audit; like RSPLIB only for Presence over SCTP and when no download from the peer is running.
    if (assoc !== undefined && m.peChecksum !== undefined && peer.sync === undefined) {
      const ours = this.handlespace.checksumOf(peer.id);
      if (ours !== m.peChecksum) {
        this.notify(out, { kind: 'auditMismatch', registrarId: peer.id, theirs: m.peChecksum, ours });
        this.sync.startResync(now, peer, out);
      }
    }
  }

  // ---- Handle Updates and list exchange (handle-update.ts, list-exchange.ts) ------------------------

  announceChange(
    now: Instant,
    change: 'added' | 'updated' | 'removed',
    poolHandle: PoolHandle,
    element: PoolElementParameter,
    out: EnrpAction[],
  ): void {
    if (this.started) this.updates.announce(now, change, poolHandle, element, out);
  }

  learn(now: Instant, poolHandle: PoolHandle, element: PoolElementParameter): PoolElementEntry | undefined {
    return this.updates.learn(now, poolHandle, element);
  }

  reclaim(now: Instant, poolHandle: PoolHandle, element: PoolElementParameter, out: EnrpAction[]): void {
    const entry = this.learn(now, poolHandle, { ...element, homeRegistrarId: this.registrarId });
    if (entry !== undefined) this.takeover.reclaim(now, entry, out);
  }

  // ---- Errors (RFC 5353 §3.7) ------------------------------------------------------------------------

  private onMalformed(
    assoc: AssociationId,
    error: DecodeError,
    bytes: Uint8Array | undefined,
    out: EnrpAction[],
  ): void {
    this.notify(out, { kind: 'enrpMalformed', assoc, error });
    const message = malformedReply(this.registrarId, this.peers.idOfAssoc(assoc), error, bytes);
    if (message !== undefined) out.push({ kind: 'send', assoc, protocol: 'enrp', message });
  }

  private reportUnrecognized(assoc: AssociationId, m: EnrpMessage, out: EnrpAction[]): void {
    const message = unrecognizedReport(this.registrarId, this.peers.idOfAssoc(assoc), m);
    if (message !== undefined) out.push({ kind: 'send', assoc, protocol: 'enrp', message });
  }

  // ---- Associations ----------------------------------------------------------------------------------

  newRef(purpose: ConnectPurpose): number {
    return this.connects.newRef(purpose);
  }

  private onAssocLost(now: Instant, assoc: AssociationId, out: EnrpAction[]): void {
    for (const s of this.staticPeers) if (s.assoc === assoc) s.assoc = undefined;
    const peer = this.peers.unbindAssoc(assoc);
    if (peer !== undefined && peer.assoc === undefined) {
      this.responder.forget(peer.id);
      if (peer.sync !== undefined) this.sync.fail(now, peer, 'associationLost', out);
      // A peer without PEs that leaves (an hsdump when done; it sends Server Information, as RSPLIB's
      // registrars require) is forgotten at once: a takeover must not wait for its Init Takeover Ack
      // until expiry. Were it a registrar that is still alive, its next Presence makes it a peer again.
      if (this.peers.isLive(peer.id) && this.handlespace.countOwnedBy(peer.id) === 0)
        this.removePeer(now, peer.id, 'associationLost', out);
    }
  }

  // ---- Sending -----------------------------------------------------------------------------------

  /** Sends over `via` if given, else the peer's association, else connects to its endpoint and queues. */
  sendToPeer(peer: Peer, message: EnrpMessage, out: EnrpAction[], via?: AssociationId): void {
    const assoc = via ?? peer.assoc;
    if (assoc !== undefined) {
      out.push({ kind: 'send', assoc, protocol: 'enrp', message });
      return;
    }
    if (peer.endpoint === undefined) return;
    enqueue(peer, message);
    if (peer.connectRef === undefined) {
      peer.connectRef = this.newRef({ kind: 'peer', id: peer.id });
      out.push({ kind: 'connect', ref: peer.connectRef, protocol: 'enrp', to: peer.endpoint });
    }
  }

  /** RFC 5353 §2.1: our PE checksum (own PEs only) and Server Information. */
  presence(receiverId: RegistrarId, replyRequired: boolean): EnrpPresence {
    const t = this.options.enrpTransport;
    return {
      kind: 'presence',
      senderId: this.registrarId,
      receiverId,
      replyRequired,
      peChecksum: this.handlespace.ownChecksum,
      ...(t ? { serverInformation: { registrarId: this.registrarId, transport: t } } : {}),
    };
  }

  /** §3.4.2 heartbeat, and §3.5.1 step 1 (target of an Init Takeover): to the group and every peer. */
  announcePresence(out: EnrpAction[]): void {
    if (this.options.multicast)
      out.push({ kind: 'multicast', protocol: 'enrp', message: this.presence(0, false) });
    for (const peer of this.peers.live()) this.sendToPeer(peer, this.presence(peer.id, false), out);
    for (const s of this.staticPeers) {
      if (s.id !== undefined && this.peers.isLive(s.id)) continue;
      // Not (or no longer) a live peer: keep knocking, so that a restarted registrar is found again.
      if (s.assoc !== undefined) {
        out.push({ kind: 'send', assoc: s.assoc, protocol: 'enrp', message: this.presence(s.id ?? 0, true) });
      } else if (s.connectRef === undefined) {
        s.connectRef = this.newRef({ kind: 'static', entry: s });
        out.push({ kind: 'connect', ref: s.connectRef, protocol: 'enrp', to: s.endpoint });
      }
    }
  }

  /** §3.4.2: Presence every PEER-HEARTBEAT-CYCLE, randomised by +-12.5 % like RSPLIB. */
  private heartbeat(now: Instant, out: EnrpAction[]): void {
    this.announcePresence(out);
    const cycle = this.options.peerHeartbeatCycleMs;
    this.nextHeartbeatAt = now + cycle * (0.875 + 0.25 * this.random.float());
  }

  notify(out: EnrpAction[], event: EnrpEvent): void {
    out.push({ kind: 'notify', event });
  }

  // ---- Timers ------------------------------------------------------------------------------------

  private onTick(now: Instant, out: EnrpAction[]): void {
    if (!this.started) return;
    if (this.startupEndsAt !== undefined && now >= this.startupEndsAt) this.endStartup('timeout', out);
    if (this.nextHeartbeatAt !== undefined && now >= this.nextHeartbeatAt) this.heartbeat(now, out);
    for (const peer of [...this.peers.all()]) {
      if (this.peers.get(peer.id) !== peer) continue; // removed by an earlier step of this tick
      if (peer.sync !== undefined && now >= peer.sync.deadline) this.sync.fail(now, peer, 'timeout', out);
      if (peer.status === 'takingOver' || now < peer.deadline) continue;
      if (peer.status === 'active') {
        // §3.4.3: silent for MAX-TIME-LAST-HEARD: ask for a Presence, wait MAX-TIME-NO-RESPONSE.
        peer.status = 'probing';
        peer.deadline = now + this.options.peerMaxTimeNoResponseMs;
        this.notify(out, { kind: 'peerProbed', registrarId: peer.id });
        this.sendToPeer(peer, this.presence(peer.id, true), out);
      } else if (peer.status === 'probing') {
        if (this.handlespace.countOwnedBy(peer.id) > 0) this.takeover.start(now, peer, out);
        else this.removePeer(now, peer.id, 'noResponse', out);
      } else {
        // takenOver, and no Takeover Server came (RSPLIB never sends one): forget it; audits converge.
        this.removePeer(now, peer.id, 'takenOver', out);
      }
    }
    this.takeover.onTick(now, out);
    this.sync.onTick(now, out);
  }

  removePeer(now: Instant, id: RegistrarId, reason: PeerRemovalReason, out: EnrpAction[]): void {
    const peer = this.peers.remove(id);
    if (peer === undefined) return;
    this.responder.forget(id);
    this.notify(out, { kind: 'peerRemoved', registrarId: id, reason });
    this.sync.peerGone(now, id, out);
    this.takeover.peerInactive(now, id, out);
  }
}
