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

/** The current home registrar: `acknowledged` once it answered a registration of ours. */
interface Home {
  readonly assoc: AssociationId;
  readonly registrarId: RegistrarId;
  readonly acknowledged: boolean;
}

/**
 * The element's state; each variant carries only what is valid in it (docs/state-machines.md). A hunt
 * runs only in `hunting` (the RegistrarHunt keeps its own attempts and T5).
 */
type PoolElementState =
  | { readonly phase: 'idle' }
  | { readonly phase: 'hunting' }
  /** T2 (registration) runs until `responseDeadline`. */
  | { readonly phase: 'registering'; readonly home: Home; readonly responseDeadline: Instant }
  /** T4 (re-registration) falls due at `reregisterAt`. */
  | { readonly phase: 'registered'; readonly home: Home; readonly reregisterAt: Instant }
  /** RFC 5352 §3.1: no retry until an `update`; the association stays unless it is lost. */
  | { readonly phase: 'rejected'; readonly home: Home | undefined }
  /** T3 (deregistration) runs until `responseDeadline`. */
  | { readonly phase: 'deregistering'; readonly home: Home; readonly responseDeadline: Instant }
  | { readonly phase: 'closed' };

export type PoolElementPhase = PoolElementState['phase'];

export class PoolElement {
  private state: PoolElementState = { phase: 'idle' };
  private policy: PoolPolicy;
  private userTransport: TransportParameter;
  private readonly hunt: RegistrarHunt;
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
    return this.state.phase;
  }

  /** Registered with the home registrar, also while a re-registration with it is under way. */
  get registered(): boolean {
    const s = this.state;
    return s.phase === 'registered' || (s.phase === 'registering' && s.home.acknowledged);
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

  private get home(): Home | undefined {
    return 'home' in this.state ? this.state.home : undefined;
  }

  nextDeadline(): Instant | undefined {
    const s = this.state;
    const response = 'responseDeadline' in s ? s.responseDeadline : undefined;
    const reregister = s.phase === 'registered' ? s.reregisterAt : undefined;
    return earliest(this.hunt.nextDeadline(), response, reregister);
  }

  handle(input: PoolElementInput): PoolElementAction[] {
    switch (input.kind) {
      case 'register':
        return this.state.phase === 'idle' ? this.connectOrRegister(input.now) : [];
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
    const home = this.home;
    if (home) return this.sendRegistration(now, home);
    return this.startHunt(now);
  }

  private startHunt(now: Instant): PoolElementAction[] {
    this.state = { phase: 'hunting' };
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
      if (this.state.phase === 'closed' || this.state.phase === 'idle') {
        out.push({ kind: 'close', assoc: a.assoc });
        continue;
      }
      const home = this.newHome(a.assoc, a.registrar.registrarId);
      out.push(
        ...(this.state.phase === 'deregistering'
          ? this.sendDeregistration(now, home)
          : this.sendRegistration(now, home)),
      );
    }
    return out;
  }

  /** A new home association; whether the registrar acknowledged us carries over (as before the move). */
  private newHome(assoc: AssociationId, registrarId: RegistrarId): Home {
    return { assoc, registrarId, acknowledged: this.home?.acknowledged ?? false };
  }

  private sendRegistration(now: Instant, home: Home): PoolElementAction[] {
    const responseDeadline =
      now + (this.config.registrationTimeoutMs ?? ELEMENT_DEFAULTS.registrationTimeoutMs);
    this.state = { phase: 'registering', home, responseDeadline };
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

  private sendDeregistration(now: Instant, home: Home): PoolElementAction[] {
    const responseDeadline =
      now + (this.config.deregistrationTimeoutMs ?? ELEMENT_DEFAULTS.deregistrationTimeoutMs);
    this.state = { phase: 'deregistering', home, responseDeadline };
    const message: AsapMessage = {
      kind: 'deregistration',
      poolHandle: this.config.poolHandle,
      poolElementId: this.config.id,
    };
    return [{ kind: 'send', assoc: home.assoc, message }];
  }

  private onUpdate(
    now: Instant,
    policy?: PoolPolicy,
    userTransport?: TransportParameter,
  ): PoolElementAction[] {
    if (policy) this.policy = policy;
    if (userTransport) this.userTransport = userTransport;
    const phase = this.state.phase;
    if (phase === 'registered' || phase === 'rejected') return this.connectOrRegister(now);
    return []; // a registration in flight or a hunt will carry the new values
  }

  private onDeregister(now: Instant): PoolElementAction[] {
    if (this.state.phase === 'closed' || this.state.phase === 'deregistering') return [];
    const home = this.home;
    if (home && this.everRegistered) return this.sendDeregistration(now, home);
    return this.finish(home);
  }

  private onReceived(now: Instant, assoc: AssociationId, message: AsapMessage): PoolElementAction[] {
    switch (message.kind) {
      case 'registrationResponse':
        return assoc === this.home?.assoc ? this.onRegistrationResponse(now, message) : [];
      case 'deregistrationResponse':
        return assoc === this.home?.assoc && this.state.phase === 'deregistering'
          ? this.finish(this.home)
          : [];
      case 'endpointKeepAlive':
        return this.onKeepAlive(now, assoc, message);
      case 'error':
        return [{ kind: 'notify', event: { kind: 'errorReceived', error: message.operationError } }];
      default:
        return [];
    }
  }

  private onRegistrationResponse(now: Instant, response: AsapRegistrationResponse): PoolElementAction[] {
    const s = this.state;
    if (s.phase !== 'registering') return [];
    if (
      response.poolElementId !== this.config.id ||
      !bytesEqual(response.poolHandle, this.config.poolHandle)
    ) {
      return [];
    }
    if (response.reject) {
      // RFC 5352 §3.1: do not retry without correcting the error; an `update` input retries.
      this.state = { phase: 'rejected', home: s.home };
      return [{ kind: 'notify', event: { kind: 'registrationRejected', error: response.operationError } }];
    }
    const reregistration = this.everRegistered;
    this.everRegistered = true;
    this.failedAttempts = 0;
    const home: Home = { ...s.home, acknowledged: true };
    this.state = { phase: 'registered', home, reregisterAt: now + this.reregistrationIntervalMs };
    const registrarId = home.registrarId;
    return [{ kind: 'notify', event: { kind: 'registered', registrarId, reregistration } }];
  }

  /** KA1-KA2.4: check the handle, ack on the same association, adopt the sender if H is set. */
  private onKeepAlive(now: Instant, assoc: AssociationId, ka: AsapEndpointKeepAlive): PoolElementAction[] {
    // A PE that has deregistered (or never registered) is nobody's to adopt.
    if (this.state.phase === 'closed' || this.state.phase === 'idle') return [];
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
    const home = this.home;
    if (assoc === home?.assoc) {
      this.replaceHome({ ...home, registrarId: ka.registrarId });
      return out;
    }
    if (!ka.homeRegistrar) return out;
    // A new home registrar (takeover or takeover suggestion), or our home restarted with the same id
    // and claiming us back: move to its association. Staying on the old one would leave the registrar
    // that claims us and the one we re-register with both calling themselves our home.
    if (home) out.push({ kind: 'close', assoc: home.assoc });
    out.push(...this.stopHunt());
    const next = this.newHome(assoc, ka.registrarId);
    out.push({ kind: 'notify', event: { kind: 'homeChanged', registrarId: ka.registrarId } });
    const phase = this.state.phase;
    if (phase === 'hunting' || phase === 'registering') out.push(...this.sendRegistration(now, next));
    else this.replaceHome(next);
    return out;
  }

  /** The same state over another home (registered, rejected and deregistering keep their timers). */
  private replaceHome(home: Home): void {
    const s = this.state;
    if ('home' in s) this.state = { ...s, home };
  }

  private onAssocLost(now: Instant, assoc: AssociationId): PoolElementAction[] {
    const s = this.state;
    if (!('home' in s) || assoc !== s.home?.assoc) return [];
    if (s.phase === 'deregistering') return this.finish(undefined); // lost: nothing to close
    if (s.phase === 'rejected') {
      this.state = { phase: 'rejected', home: undefined };
      return [];
    }
    // The hunt registers anew; a stale T4 would spin in the past.
    const out: PoolElementAction[] = [{ kind: 'notify', event: { kind: 'registrarLost' } }];
    return [...out, ...this.startHunt(now)];
  }

  private onTick(now: Instant): PoolElementAction[] {
    const out: PoolElementAction[] = this.onHunt(now, this.hunt.handle({ kind: 'tick', now }));
    const s = this.state;
    if ('responseDeadline' in s && now >= s.responseDeadline) out.push(...this.onResponseTimeout(now, s));
    else if (s.phase === 'registered' && now >= s.reregisterAt)
      out.push(...this.sendRegistration(now, s.home));
    return out;
  }

  /** T2/T3 expiry: give up on this registrar and hunt for another one (RFC 5352 §3.1, §3.2). */
  private onResponseTimeout(
    now: Instant,
    s: Extract<PoolElementState, { responseDeadline: Instant }>,
  ): PoolElementAction[] {
    const out: PoolElementAction[] = [{ kind: 'close', assoc: s.home.assoc }];
    if (s.phase === 'deregistering') return [...out, ...this.finish(undefined)];
    this.failedAttempts++;
    if (this.failedAttempts === ELEMENT_DEFAULTS.maxRegistrationAttempts) {
      out.push({ kind: 'notify', event: { kind: 'registrationTimeout', attempts: this.failedAttempts } });
    }
    return [...out, ...this.startHunt(now)];
  }

  /** Stopping a hunt yields only cancellations. */
  private stopHunt(): PoolElementAction[] {
    return this.hunt.handle({ kind: 'stop' }).filter((a) => a.kind !== 'found');
  }

  /** Closes `home` (unless it is gone or closed already) and stops for good. */
  private finish(home: Home | undefined): PoolElementAction[] {
    const out: PoolElementAction[] = this.stopHunt();
    if (home) out.push({ kind: 'close', assoc: home.assoc });
    this.state = { phase: 'closed' };
    out.push({ kind: 'notify', event: { kind: 'deregistered' } });
    return out;
  }
}
