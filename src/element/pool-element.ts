/**
 * The pool element's ASAP endpoint (RFC 5352 §3.1, §3.2, §3.4, §3.6) as a sans-I/O state machine:
 * it finds a home registrar, registers, re-registers every T4, answers Endpoint Keep Alives, adopts a
 * new home registrar on a Keep Alive with H, moves to another registrar when its home is lost, and
 * deregisters on request. The driver carries out `connect`/`send`/`close` and reports back.
 */
import { type AssociationId, bytesEqual, earliest, type Instant, type Random } from '../base/index.js';
import {
  type AnnounceInfo,
  type HuntAction,
  type HuntOptions,
  type RegistrarEndpoint,
  RegistrarHunt,
  RegistrarTable,
} from '../hunt/index.js';
import type { AsapEndpointKeepAlive, AsapMessage, AsapRegistrationResponse } from '../wire/asap-messages.js';
import type {
  OperationError,
  PoolElementId,
  PoolHandle,
  PoolPolicy,
  RegistrarId,
  TransportParameter,
} from '../wire/types.js';
import { ELEMENT_DEFAULTS } from './defaults.js';

export interface PoolElementConfig {
  readonly poolHandle: PoolHandle;
  /** Chosen at random by the caller if not given (RFC 5352 R2.2); never 0. */
  readonly id: PoolElementId;
  readonly policy: PoolPolicy;
  readonly userTransport: TransportParameter;
  readonly registrars?: readonly RegistrarEndpoint[];
  readonly reregistrationIntervalMs?: number;
  /** Registration life on the wire; defaults to 3 x the re-registration interval, in ms like RSPLIB. */
  readonly registrationLife?: number;
  readonly registrationTimeoutMs?: number;
  readonly deregistrationTimeoutMs?: number;
  readonly hunt?: HuntOptions;
}

export type PoolElementInput =
  | { readonly kind: 'register'; readonly now: Instant }
  | {
      readonly kind: 'update';
      readonly now: Instant;
      readonly policy?: PoolPolicy;
      readonly userTransport?: TransportParameter;
    }
  | { readonly kind: 'deregister'; readonly now: Instant }
  | { readonly kind: 'connected'; readonly now: Instant; readonly ref: number; readonly assoc: AssociationId }
  | { readonly kind: 'connectFailed'; readonly now: Instant; readonly ref: number }
  | { readonly kind: 'announce'; readonly now: Instant; readonly announce: AnnounceInfo }
  | {
      readonly kind: 'received';
      readonly now: Instant;
      readonly assoc: AssociationId;
      readonly message: AsapMessage;
    }
  | { readonly kind: 'assocLost'; readonly now: Instant; readonly assoc: AssociationId }
  | { readonly kind: 'tick'; readonly now: Instant };

export type PoolElementEvent =
  | { readonly kind: 'registered'; readonly registrarId: RegistrarId; readonly reregistration: boolean }
  | { readonly kind: 'registrationRejected'; readonly error: OperationError | undefined }
  | { readonly kind: 'registrationTimeout'; readonly attempts: number }
  | { readonly kind: 'homeChanged'; readonly registrarId: RegistrarId }
  | { readonly kind: 'registrarLost' }
  | { readonly kind: 'deregistered' }
  | { readonly kind: 'errorReceived'; readonly error: OperationError };

export type PoolElementAction =
  | Exclude<HuntAction, { kind: 'found' }>
  | { readonly kind: 'send'; readonly assoc: AssociationId; readonly message: AsapMessage }
  | { readonly kind: 'close'; readonly assoc: AssociationId }
  | { readonly kind: 'notify'; readonly event: PoolElementEvent };

export type PoolElementPhase =
  | 'idle'
  | 'hunting'
  | 'registering'
  | 'registered'
  | 'rejected'
  | 'deregistering'
  | 'closed';

interface Home {
  readonly assoc: AssociationId;
  registrarId: RegistrarId;
}

export class PoolElement {
  private phase_: PoolElementPhase = 'idle';
  private home: Home | undefined;
  /** The current home answered a registration of ours (false while hunting or registering anew). */
  private homeAcknowledged = false;
  private policy: PoolPolicy;
  private userTransport: TransportParameter;
  private readonly hunt: RegistrarHunt;
  private responseDeadline: Instant | undefined;
  private reregisterAt: Instant | undefined;
  private everRegistered = false;
  private failedAttempts = 0;
  private readonly reregistrationIntervalMs: number;
  private readonly registrationLife: number;

  constructor(
    private readonly config: PoolElementConfig,
    random: Random,
  ) {
    if (config.id === 0) throw new RangeError('a PE identifier must not be 0 (RFC 5352 R2.2)');
    this.policy = config.policy;
    this.userTransport = config.userTransport;
    this.reregistrationIntervalMs =
      config.reregistrationIntervalMs ?? ELEMENT_DEFAULTS.reregistrationIntervalMs;
    this.registrationLife =
      config.registrationLife ?? this.reregistrationIntervalMs * ELEMENT_DEFAULTS.registrationLifeFactor;
    this.hunt = new RegistrarHunt(new RegistrarTable(config.registrars ?? []), random, config.hunt);
  }

  get phase(): PoolElementPhase {
    return this.phase_;
  }

  /** Registered with the home registrar, also while a re-registration with it is under way. */
  get registered(): boolean {
    return this.phase_ === 'registered' || (this.phase_ === 'registering' && this.homeAcknowledged);
  }

  get id(): PoolElementId {
    return this.config.id;
  }

  get homeRegistrarId(): RegistrarId | undefined {
    return this.home?.registrarId;
  }

  get homeAssociation(): AssociationId | undefined {
    return this.home?.assoc;
  }

  nextDeadline(): Instant | undefined {
    return earliest(this.hunt.nextDeadline(), this.responseDeadline, this.reregisterAt);
  }

  handle(input: PoolElementInput): PoolElementAction[] {
    switch (input.kind) {
      case 'register':
        return this.phase_ === 'idle' ? this.connectOrRegister(input.now) : [];
      case 'update':
        return this.onUpdate(input.now, input.policy, input.userTransport);
      case 'deregister':
        return this.onDeregister(input.now);
      case 'connected':
      case 'connectFailed':
        return this.onHunt(input.now, this.hunt.handle(input));
      case 'announce':
        return this.onHunt(input.now, this.hunt.handle(input));
      case 'received':
        return this.onReceived(input.now, input.assoc, input.message);
      case 'assocLost':
        return this.onAssocLost(input.now, input.assoc);
      case 'tick':
        return this.onTick(input.now);
    }
  }

  private connectOrRegister(now: Instant): PoolElementAction[] {
    if (this.home) return this.sendRegistration(now);
    this.phase_ = 'hunting';
    return this.onHunt(now, this.hunt.handle({ kind: 'start', now }));
  }

  /** Carries out hunt actions; `found` makes the association the home and registers over it. */
  private onHunt(now: Instant, actions: HuntAction[]): PoolElementAction[] {
    const out: PoolElementAction[] = [];
    for (const a of actions) {
      if (a.kind !== 'found') {
        out.push(a);
        continue;
      }
      if (this.phase_ === 'closed' || this.phase_ === 'idle') {
        out.push({ kind: 'close', assoc: a.assoc });
        continue;
      }
      this.home = { assoc: a.assoc, registrarId: a.registrar.registrarId };
      out.push(
        ...(this.phase_ === 'deregistering' ? this.sendDeregistration(now) : this.sendRegistration(now)),
      );
    }
    return out;
  }

  private sendRegistration(now: Instant): PoolElementAction[] {
    const home = this.home!;
    this.phase_ = 'registering';
    this.responseDeadline =
      now + (this.config.registrationTimeoutMs ?? ELEMENT_DEFAULTS.registrationTimeoutMs);
    this.reregisterAt = undefined;
    const message: AsapMessage = {
      kind: 'registration',
      poolHandle: this.config.poolHandle,
      poolElement: {
        id: this.config.id,
        homeRegistrarId: this.everRegistered ? home.registrarId : 0,
        registrationLife: this.registrationLife,
        userTransport: this.userTransport,
        policy: this.policy,
      },
    };
    return [{ kind: 'send', assoc: home.assoc, message }];
  }

  private sendDeregistration(now: Instant): PoolElementAction[] {
    this.responseDeadline =
      now + (this.config.deregistrationTimeoutMs ?? ELEMENT_DEFAULTS.deregistrationTimeoutMs);
    this.reregisterAt = undefined;
    const message: AsapMessage = {
      kind: 'deregistration',
      poolHandle: this.config.poolHandle,
      poolElementId: this.config.id,
    };
    return [{ kind: 'send', assoc: this.home!.assoc, message }];
  }

  private onUpdate(
    now: Instant,
    policy?: PoolPolicy,
    userTransport?: TransportParameter,
  ): PoolElementAction[] {
    if (policy) this.policy = policy;
    if (userTransport) this.userTransport = userTransport;
    if (this.phase_ === 'registered' || this.phase_ === 'rejected') return this.connectOrRegister(now);
    return []; // a registration in flight or a hunt will carry the new values
  }

  private onDeregister(now: Instant): PoolElementAction[] {
    if (this.phase_ === 'closed' || this.phase_ === 'deregistering') return [];
    const wasRegistered = this.everRegistered;
    this.phase_ = 'deregistering';
    if (this.home && wasRegistered) return this.sendDeregistration(now);
    return this.finish();
  }

  private onReceived(now: Instant, assoc: AssociationId, message: AsapMessage): PoolElementAction[] {
    switch (message.kind) {
      case 'registrationResponse':
        return assoc === this.home?.assoc ? this.onRegistrationResponse(now, message) : [];
      case 'deregistrationResponse':
        return assoc === this.home?.assoc && this.phase_ === 'deregistering' ? this.finish() : [];
      case 'endpointKeepAlive':
        return this.onKeepAlive(now, assoc, message);
      case 'error':
        return [{ kind: 'notify', event: { kind: 'errorReceived', error: message.operationError } }];
      default:
        return [];
    }
  }

  private onRegistrationResponse(now: Instant, response: AsapRegistrationResponse): PoolElementAction[] {
    if (this.phase_ !== 'registering') return [];
    if (
      response.poolElementId !== this.config.id ||
      !bytesEqual(response.poolHandle, this.config.poolHandle)
    ) {
      return [];
    }
    this.responseDeadline = undefined;
    if (response.reject) {
      // RFC 5352 §3.1: do not retry without correcting the error; an `update` input retries.
      this.phase_ = 'rejected';
      return [{ kind: 'notify', event: { kind: 'registrationRejected', error: response.operationError } }];
    }
    const reregistration = this.everRegistered;
    this.everRegistered = true;
    this.failedAttempts = 0;
    this.homeAcknowledged = true;
    this.phase_ = 'registered';
    this.reregisterAt = now + this.reregistrationIntervalMs;
    const registrarId = this.home?.registrarId ?? 0;
    return [{ kind: 'notify', event: { kind: 'registered', registrarId, reregistration } }];
  }

  /** KA1-KA2.4: check the handle, ack on the same association, adopt the sender if H is set. */
  private onKeepAlive(now: Instant, assoc: AssociationId, ka: AsapEndpointKeepAlive): PoolElementAction[] {
    // A PE that has deregistered (or never registered) is nobody's to adopt.
    if (this.phase_ === 'closed' || this.phase_ === 'idle') return [];
    if (!bytesEqual(ka.poolHandle, this.config.poolHandle)) return [];
    if (ka.poolElementId !== undefined && ka.poolElementId !== this.config.id) return [];
    const out: PoolElementAction[] = [
      {
        kind: 'send',
        assoc,
        message: {
          kind: 'endpointKeepAliveAck',
          poolHandle: this.config.poolHandle,
          poolElementId: this.config.id,
        },
      },
    ];
    if (assoc === this.home?.assoc) {
      this.home.registrarId = ka.registrarId;
      return out;
    }
    if (!ka.homeRegistrar) return out;
    // A new home registrar (takeover or takeover suggestion), or our home restarted with the same id
    // and claiming us back: move to its association. Staying on the old one would leave the registrar
    // that claims us and the one we re-register with both calling themselves our home.
    if (this.home) out.push({ kind: 'close', assoc: this.home.assoc });
    out.push(...this.stopHunt());
    this.home = { assoc, registrarId: ka.registrarId };
    out.push({ kind: 'notify', event: { kind: 'homeChanged', registrarId: ka.registrarId } });
    if (this.phase_ === 'hunting' || this.phase_ === 'registering') out.push(...this.sendRegistration(now));
    return out;
  }

  private onAssocLost(now: Instant, assoc: AssociationId): PoolElementAction[] {
    if (assoc !== this.home?.assoc) return [];
    this.home = undefined;
    this.homeAcknowledged = false;
    this.responseDeadline = undefined;
    this.reregisterAt = undefined; // the hunt registers anew; a stale T4 would spin in the past
    if (this.phase_ === 'deregistering') return this.finish();
    if (this.phase_ === 'closed' || this.phase_ === 'idle' || this.phase_ === 'rejected') return [];
    const out: PoolElementAction[] = [{ kind: 'notify', event: { kind: 'registrarLost' } }];
    this.phase_ = 'hunting';
    return [...out, ...this.onHunt(now, this.hunt.handle({ kind: 'start', now }))];
  }

  private onTick(now: Instant): PoolElementAction[] {
    const out: PoolElementAction[] = this.onHunt(now, this.hunt.handle({ kind: 'tick', now }));
    if (this.responseDeadline !== undefined && now >= this.responseDeadline) {
      out.push(...this.onResponseTimeout(now));
    }
    if (this.reregisterAt !== undefined && now >= this.reregisterAt) {
      this.reregisterAt = undefined;
      if (this.phase_ === 'registered') out.push(...this.sendRegistration(now));
    }
    return out;
  }

  /** T2/T3 expiry: give up on this registrar and hunt for another one (RFC 5352 §3.1, §3.2). */
  private onResponseTimeout(now: Instant): PoolElementAction[] {
    this.responseDeadline = undefined;
    this.reregisterAt = undefined;
    const out: PoolElementAction[] = [];
    if (this.home) out.push({ kind: 'close', assoc: this.home.assoc });
    this.home = undefined;
    this.homeAcknowledged = false;
    if (this.phase_ === 'deregistering') return [...out, ...this.finish()];
    this.failedAttempts++;
    if (this.failedAttempts === ELEMENT_DEFAULTS.maxRegistrationAttempts) {
      out.push({ kind: 'notify', event: { kind: 'registrationTimeout', attempts: this.failedAttempts } });
    }
    this.phase_ = 'hunting';
    return [...out, ...this.onHunt(now, this.hunt.handle({ kind: 'start', now }))];
  }

  /** Stopping a hunt yields only cancellations. */
  private stopHunt(): PoolElementAction[] {
    return this.hunt.handle({ kind: 'stop' }).filter((a) => a.kind !== 'found');
  }

  private finish(): PoolElementAction[] {
    const out: PoolElementAction[] = this.stopHunt();
    if (this.home) out.push({ kind: 'close', assoc: this.home.assoc });
    this.home = undefined;
    this.phase_ = 'closed';
    this.responseDeadline = undefined;
    this.reregisterAt = undefined;
    out.push({ kind: 'notify', event: { kind: 'deregistered' } });
    return out;
  }
}
