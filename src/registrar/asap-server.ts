/**
 * The registrar's ASAP side (RFC 5352 §3.1-§3.6) as a sans-I/O state machine: registration,
 * re-registration and deregistration with every check and cause; handle resolution; home-registrar
 * keep-alive monitoring; Endpoint Unreachable counting; removal of the PEs of a lost association;
 * ASAP Errors for malformed messages; periodic Server Announces; optional per-PU rate limits of Handle
 * Resolutions and Endpoint Unreachables, and at most one unscheduled Keep Alive per PE and interval
 * (RFC 5352 §9.2, threats 8 and 9 of RFC 5355). Changes to the PEs it owns are
 * reported as `handlespaceChanged` notifications, which the ENRP side turns into Handle Updates.
 */
import { type AssociationId, ByteWriter, type Instant, type Random } from '../base/index.js';
import { type Handlespace, type PoolElementEntry, poolElementParameter } from '../handlespace/index.js';
import type {
  AsapDeregistration,
  AsapEndpointKeepAliveAck,
  AsapEndpointUnreachable,
  AsapHandleResolution,
  AsapMessage,
  AsapRegistration,
} from '../wire/asap-messages.js';
import { type DecodeError, decodeErrorCause, parametersToReport } from '../wire/decode-error.js';
import { writePolicy, writeTransport } from '../wire/parameter-encoder.js';
import {
  ErrorCause,
  type ErrorCauseEntry,
  type PoolHandle,
  type RegistrarId,
  type TransportParameter,
} from '../wire/types.js';
import type {
  AsapServerAction,
  AsapServerEvent,
  AsapServerInput,
  AsapServerOptions,
  PoolElementRemovalReason,
} from './asap-types.js';
import { HANDLE_RESOLUTION_ITEMS_MAX, MAX_HANDLE_RESOLUTION_ITEMS, REGISTRAR_DEFAULTS } from './defaults.js';
import { type AssociationPeer, checkRegistration } from './registration-check.js';
import { RequestRateLimiter } from './request-rate-limiter.js';

export class AsapServer {
  private readonly peers = new Map<AssociationId, AssociationPeer>();
  private nextAnnounceAt: Instant | undefined;
  private readonly resolutionLimit: RequestRateLimiter | undefined;
  private readonly unreachableLimit: RequestRateLimiter | undefined;
  /** When an Endpoint Unreachable last made us probe a PE out of turn (threat 9: bounded per PE). */
  private readonly probedAt = new WeakMap<PoolElementEntry, Instant>();
  private readonly o: Required<Omit<AsapServerOptions, 'asapTransport'>> & {
    asapTransport?: TransportParameter;
  };

  constructor(
    readonly handlespace: Handlespace,
    options: AsapServerOptions,
    private readonly random: Random,
  ) {
    this.o = {
      keepAliveIntervalMs: REGISTRAR_DEFAULTS.keepAliveIntervalMs,
      keepAliveTimeoutMs: REGISTRAR_DEFAULTS.keepAliveTimeoutMs,
      maxBadPeReports: REGISTRAR_DEFAULTS.maxBadPeReports,
      maxHResItems: REGISTRAR_DEFAULTS.maxHResItems,
      minAddressScope: REGISTRAR_DEFAULTS.minAddressScope,
      distanceStepMs: REGISTRAR_DEFAULTS.distanceStepMs,
      maxIncrement: REGISTRAR_DEFAULTS.maxIncrement,
      serverAnnounceCycleMs: REGISTRAR_DEFAULTS.serverAnnounceCycleMs,
      maxHandleResolutionRate: REGISTRAR_DEFAULTS.maxHandleResolutionRate,
      maxEndpointUnreachableRate: REGISTRAR_DEFAULTS.maxEndpointUnreachableRate,
      ...options,
    };
    const limiter = (rate: number) => (rate > 0 ? new RequestRateLimiter(rate) : undefined);
    this.resolutionLimit = limiter(this.o.maxHandleResolutionRate);
    this.unreachableLimit = limiter(this.o.maxEndpointUnreachableRate);
  }

  get registrarId(): RegistrarId {
    return this.o.registrarId;
  }

  /** Starts the Server Announces (the ENRP side calls this once its start-up phase is over). */
  startAnnouncing(now: Instant): void {
    if (this.o.serverAnnounceCycleMs > 0) this.nextAnnounceAt = now;
  }

  nextDeadline(): Instant | undefined {
    const timer = this.handlespace.nextTimer()?.deadline;
    if (timer === undefined) return this.nextAnnounceAt;
    return this.nextAnnounceAt === undefined ? timer : Math.min(timer, this.nextAnnounceAt);
  }

  handle(input: AsapServerInput): AsapServerAction[] {
    switch (input.kind) {
      case 'received':
        return this.onMessage(input.now, input.assoc, input.message, input.srttMs);
      case 'malformed':
        return this.onMalformed(input.assoc, input.error);
      case 'assocUp':
        this.peers.set(input.assoc, input.peer);
        return [];
      case 'assocLost':
        return this.onAssocLost(input.assoc);
      case 'tick':
        return this.onTick(input.now);
    }
  }

  private onMessage(now: Instant, assoc: AssociationId, m: AsapMessage, srttMs?: number): AsapServerAction[] {
    const out = this.reportUnrecognized(assoc, m);
    switch (m.kind) {
      case 'registration':
        out.push(...this.onRegistration(now, assoc, m, srttMs));
        break;
      case 'deregistration':
        out.push(...this.onDeregistration(assoc, m));
        break;
      case 'handleResolution':
        if (this.resolutionLimit?.allow(assoc, m.poolHandle, now) === false)
          out.push(...this.refuseResolution(assoc, m));
        else out.push(...this.onHandleResolution(assoc, m));
        break;
      case 'endpointKeepAliveAck':
        this.onKeepAliveAck(now, assoc, m);
        break;
      case 'endpointUnreachable':
        if (this.unreachableLimit?.allow(assoc, m.poolHandle, now) === false)
          out.push(this.rateLimited(assoc, 'endpointUnreachable', m.poolHandle));
        else out.push(...this.onUnreachable(now, m));
        break;
      default:
        // Messages for PEs and PUs (responses, cookies, announces, errors) mean nothing to a registrar.
        break;
    }
    return out;
  }

  /** RFC 5354 §2: parameters with action bits 11 were skipped; tell the sender in an ASAP Error. */
  private reportUnrecognized(assoc: AssociationId, m: AsapMessage): AsapServerAction[] {
    const report = parametersToReport(m.unrecognized);
    if (report.length === 0 || m.kind === 'error') return [];
    const causes = report.map((tlv) => ({ cause: ErrorCause.UnrecognizedParameter, data: tlv }));
    return [{ kind: 'send', assoc, message: { kind: 'error', operationError: { causes } } }];
  }

  private onMalformed(assoc: AssociationId, error: DecodeError): AsapServerAction[] {
    const out: AsapServerAction[] = [{ kind: 'notify', event: { kind: 'malformedMessage', assoc, error } }];
    // Never answer an Error with an Error, nor what the action bits say to drop silently.
    if (error.silent || error.messageType === 0x0e) return out;
    const operationError = { causes: [decodeErrorCause(error)] };
    return [...out, { kind: 'send', assoc, message: { kind: 'error', operationError } }];
  }

  private onRegistration(
    now: Instant,
    assoc: AssociationId,
    m: AsapRegistration,
    srttMs?: number,
  ): AsapServerAction[] {
    const reject = (cause: ErrorCauseEntry): AsapServerAction[] => [
      this.registrationResponse(assoc, m, cause),
      {
        kind: 'notify',
        event: {
          kind: 'registrationRejected',
          poolHandle: m.poolHandle,
          id: m.poolElement.id,
          cause: cause.cause,
        },
      },
    ];
    const peer = this.peers.get(assoc) ?? { addresses: [], port: 0 };
    const checked = checkRegistration(m, peer, { minAddressScope: this.o.minAddressScope });
    if (!checked.ok) return reject({ cause: checked.error, data: new Uint8Array(0) });
    const element = { ...checked.value, homeRegistrarId: this.o.registrarId };
    const distanceMs = 'distance' in element.policy ? this.distance(srttMs) : undefined;
    const result = this.handlespace.register({
      poolHandle: m.poolHandle,
      element,
      connection: assoc,
      now,
      ...(distanceMs === undefined ? {} : { distanceMs }),
    });
    if (!result.ok) return reject(this.consistencyCause(m.poolHandle, result.error.cause));
    const entry = result.value.element;
    this.handlespace.setTimer(entry, 'keepAliveTransmission', now + this.keepAliveDelay());
    return [this.registrationResponse(assoc, m), this.changed(result.value.kind, entry)];
  }

  private registrationResponse(
    assoc: AssociationId,
    m: AsapRegistration,
    cause?: ErrorCauseEntry,
  ): AsapServerAction {
    return {
      kind: 'send',
      assoc,
      message: {
        kind: 'registrationResponse',
        reject: cause !== undefined,
        poolHandle: m.poolHandle,
        poolElementId: m.poolElement.id,
        ...(cause ? { operationError: { causes: [cause] } } : {}),
      },
    };
  }

  /**
   * RFC 5354 §3.12.6/§3.12.8: an inconsistency cause carries the pool's policy or transport TLV (RSPLIB
   * sends none, which Wireshark calls malformed). We send the RFC form with RSPLIB's cause codes.
   */
  private consistencyCause(poolHandle: PoolHandle, cause: number): ErrorCauseEntry {
    const sample = this.handlespace.elementsOf(poolHandle)[0];
    if (!sample) return { cause, data: new Uint8Array(0) };
    const w = new ByteWriter(64);
    if (cause === ErrorCause.InconsistentPoolingPolicy) writePolicy(w, sample.policy);
    else if (cause === ErrorCause.InconsistentTransportType || cause === ErrorCause.RsplibWrongProtocol) {
      writeTransport(w, sample.userTransport);
    }
    return { cause, data: w.finish() };
  }

  /**
   * RFC 5352 §3.2: remove (granting an unknown PE too) and answer. A PE registered over another, live
   * association is not removed: the PE deregisters over the association it registered on (§3.2 D3), so
   * anyone else naming its handle and id is refused with "Rejected due to security considerations"
   * (RFC 5355 §2.3: without TLS, the association is the only proof of identity we have).
   */
  private onDeregistration(assoc: AssociationId, m: AsapDeregistration): AsapServerAction[] {
    const entry = this.handlespace.find(m.poolHandle, m.poolElementId);
    const ours = entry !== undefined && entry.homeRegistrarId === this.o.registrarId;
    const foreign = ours && entry.connection !== undefined && entry.connection !== assoc;
    const response: AsapServerAction = {
      kind: 'send',
      assoc,
      message: {
        kind: 'deregistrationResponse',
        poolHandle: m.poolHandle,
        poolElementId: m.poolElementId,
        ...(foreign
          ? {
              operationError: {
                causes: [{ cause: ErrorCause.RejectedDueToSecurityConsiderations, data: new Uint8Array(0) }],
              },
            }
          : {}),
      },
    };
    if (foreign) {
      const event: AsapServerEvent = {
        kind: 'deregistrationRefused',
        assoc,
        poolHandle: m.poolHandle,
        id: m.poolElementId,
      };
      return [response, { kind: 'notify', event }];
    }
    return ours ? [response, this.removed(entry, 'deregistered')] : [response];
  }

  /** RFC 5352 §3.3 and the Handle Resolution option: select by policy, answer with the pool's policy. */
  private onHandleResolution(assoc: AssociationId, m: AsapHandleResolution): AsapServerAction[] {
    const items = this.itemCount(m.items);
    const selected = this.handlespace.select(m.poolHandle, items, this.random, this.o.maxIncrement);
    if (!selected || selected.length === 0) return [this.unknownPoolHandle(assoc, m.poolHandle)];
    const poolElements = selected.map((e) => poolElementParameter(e));
    const message: AsapMessage = {
      kind: 'handleResolutionResponse',
      subscriptionAccepted: false,
      poolHandle: m.poolHandle,
      policy: poolElements[0]!.policy,
      poolElements,
    };
    return [{ kind: 'send', assoc, message }];
  }

  /** Over the PU's rate: "Unknown Pool Handle" without PEs, as RSPLIB answers. */
  private refuseResolution(assoc: AssociationId, m: AsapHandleResolution): AsapServerAction[] {
    return [
      this.rateLimited(assoc, 'handleResolution', m.poolHandle),
      this.unknownPoolHandle(assoc, m.poolHandle),
    ];
  }

  private unknownPoolHandle(assoc: AssociationId, poolHandle: PoolHandle): AsapServerAction {
    const causes = [{ cause: ErrorCause.UnknownPoolHandle, data: new Uint8Array(0) }];
    return {
      kind: 'send',
      assoc,
      message: {
        kind: 'handleResolutionResponse',
        subscriptionAccepted: false,
        poolHandle,
        poolElements: [],
        operationError: { causes },
      },
    };
  }

  private rateLimited(
    assoc: AssociationId,
    request: 'handleResolution' | 'endpointUnreachable',
    poolHandle: PoolHandle,
  ): AsapServerAction {
    return { kind: 'notify', event: { kind: 'rateLimited', assoc, request, poolHandle } };
  }

  private itemCount(requested: number | undefined): number {
    if (requested === undefined || requested === 0)
      return Math.min(this.o.maxHResItems, MAX_HANDLE_RESOLUTION_ITEMS);
    if (requested === HANDLE_RESOLUTION_ITEMS_MAX) return MAX_HANDLE_RESOLUTION_ITEMS;
    return Math.min(requested, MAX_HANDLE_RESOLUTION_ITEMS);
  }

  private onKeepAliveAck(now: Instant, assoc: AssociationId, m: AsapEndpointKeepAliveAck): void {
    const entry = this.handlespace.find(m.poolHandle, m.poolElementId);
    if (!entry || entry.connection !== assoc || entry.homeRegistrarId !== this.o.registrarId) return;
    this.handlespace.setTimer(entry, 'keepAliveTransmission', now + this.keepAliveDelay());
  }

  /**
   * RFC 5352 §3.5: count the report; at MAX-BAD-PE-REPORT remove the PE. A PE we own is probed at once
   * with a Keep Alive, whose timeout removes it if it is really gone; at most once per keep-alive
   * interval, so that reports cannot make us flood the PE with Keep Alives (RFC 5355 §2.14).
   */
  private onUnreachable(now: Instant, m: AsapEndpointUnreachable): AsapServerAction[] {
    const count = this.handlespace.reportUnreachable(m.poolHandle, m.poolElementId);
    const entry = this.handlespace.find(m.poolHandle, m.poolElementId);
    if (count === undefined || !entry) return [];
    if (count >= this.o.maxBadPeReports) return [this.removed(entry, 'unreachable')];
    if (entry.homeRegistrarId !== this.o.registrarId || entry.timerKind !== 'keepAliveTransmission')
      return [];
    const last = this.probedAt.get(entry);
    if (last !== undefined && now - last < this.o.keepAliveIntervalMs) return [];
    this.probedAt.set(entry, now);
    return this.sendKeepAlive(now, entry);
  }

  private onAssocLost(assoc: AssociationId): AsapServerAction[] {
    this.peers.delete(assoc);
    this.resolutionLimit?.forget(assoc);
    this.unreachableLimit?.forget(assoc);
    return this.handlespace
      .elementsByConnection(assoc)
      .filter((e) => e.homeRegistrarId === this.o.registrarId)
      .map((e) => this.removed(e, 'associationLost'));
  }

  private onTick(now: Instant): AsapServerAction[] {
    const out: AsapServerAction[] = [];
    for (const t of this.handlespace.popDueTimers(now)) {
      const e = t.element;
      if (t.kind === 'keepAliveTransmission') out.push(...this.sendKeepAlive(now, e));
      else if (t.kind === 'keepAliveTimeout') {
        if (e.connection !== undefined)
          out.push({ kind: 'abort', assoc: e.connection, reason: 'keep-alive timeout' });
        out.push(this.removed(e, 'keepAliveTimeout'));
      } else out.push(this.removed(e, 'expired'));
    }
    if (this.nextAnnounceAt !== undefined && now >= this.nextAnnounceAt) {
      out.push({ kind: 'announce', message: this.serverAnnounce() });
      const cycle = this.o.serverAnnounceCycleMs;
      this.nextAnnounceAt = now + cycle * (0.875 + 0.25 * this.random.float());
    }
    return out;
  }

  serverAnnounce(): AsapMessage {
    const transports = this.o.asapTransport ? [this.o.asapTransport] : [];
    return { kind: 'serverAnnounce', registrarId: this.o.registrarId, transports };
  }

  private sendKeepAlive(now: Instant, e: PoolElementEntry): AsapServerAction[] {
    if (e.connection === undefined) return [];
    this.handlespace.setTimer(e, 'keepAliveTimeout', now + this.o.keepAliveTimeoutMs);
    const message: AsapMessage = {
      kind: 'endpointKeepAlive',
      homeRegistrar: false,
      registrarId: this.o.registrarId,
      poolHandle: e.poolHandle,
      poolElementId: e.id,
    };
    return [{ kind: 'send', assoc: e.connection, message }];
  }

  /**
   * RFC 5352 §3.5 asks to spread keep-alives; drawing from [interval/2, interval] spreads them and still
   * detects a dead PE within interval + timeout.
   */
  private keepAliveDelay(): number {
    return this.o.keepAliveIntervalMs * (0.5 + 0.5 * this.random.float());
  }

  private distance(srttMs: number | undefined): number {
    if (srttMs === undefined) return 0;
    const step = this.o.distanceStepMs;
    return Math.round(srttMs / 2 / step) * step;
  }

  private changed(change: 'added' | 'updated', entry: PoolElementEntry): AsapServerAction {
    return {
      kind: 'notify',
      event: {
        kind: 'handlespaceChanged',
        change,
        poolHandle: entry.poolHandle,
        element: poolElementParameter(entry, true),
      },
    };
  }

  private removed(entry: PoolElementEntry, reason: PoolElementRemovalReason): AsapServerAction {
    const element = poolElementParameter(entry, true);
    const poolHandle = entry.poolHandle;
    this.handlespace.remove(entry);
    return {
      kind: 'notify',
      event: { kind: 'handlespaceChanged', change: 'removed', poolHandle, element, reason },
    };
  }
}
