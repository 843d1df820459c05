/** What callers of the handlespace see of a PE and of a pool. */
import type { Instant } from '../base/time.js';
import type {
  PolicyName,
  PoolElementId,
  PoolElementParameter,
  PoolHandle,
  PoolPolicy,
  RegistrarId,
  TransportKind,
  TransportParameter,
  TransportUse,
} from '../wire/types.js';

/**
 * The one timer a PE can have pending (RSPLIB keeps one per PE as well, notes §3.1): the registrar's
 * ASAP keep-alive transmission and timeout (asap-server.ts) and the ENRP expiry of a peer's PE
 * (handle-update.ts). They are named here because the handlespace indexes them in one deadline tree
 * and hands them back in `TimerEvent`s; the registrar is their only user.
 */
export type PoolElementTimerKind = 'keepAliveTransmission' | 'keepAliveTimeout' | 'expiry';

/** Read-only view of a PE handed to callers. */
export interface PoolElementEntry {
  readonly poolHandle: PoolHandle;
  readonly id: PoolElementId;
  /** Home registrar (owner); 0 when unknown (a peer or test that gave 0). */
  readonly homeRegistrarId: RegistrarId;
  /** Registration life as received (RSPLIB: ms; -1 infinite). */
  readonly registrationLife: number;
  readonly userTransport: TransportParameter;
  readonly asapTransport: TransportParameter | undefined;
  /** The policy parameters as registered (the distance of DPF policies is `distanceMs`). */
  readonly policy: PoolPolicy;
  readonly distanceMs: number;
  /** Opaque association/connection key the PE registered over, if any. */
  readonly connection: number | undefined;
  readonly degradation: number;
  readonly selectionCount: number;
  readonly unreachabilityReports: number;
  readonly timerKind: PoolElementTimerKind | undefined;
  readonly timerDeadline: Instant;
  /** When it was last registered or updated. */
  readonly lastUpdate: Instant;
}

/** A pool as callers see it. */
export interface PoolInfo {
  readonly handle: PoolHandle;
  readonly policyName: PolicyName;
  readonly transportKind: TransportKind;
  readonly transportUse: TransportUse;
  readonly size: number;
}

/** A timer that fell due (`Handlespace.popDueTimers`) or the next one (`nextTimer`). */
export interface TimerEvent {
  readonly kind: PoolElementTimerKind;
  readonly deadline: Instant;
  readonly element: PoolElementEntry;
}

/**
 * The Pool Element parameter of an entry for a Handle Resolution Response (no ASAP transport) or an ENRP
 * message (`withAsapTransport`). The distance of DPF policies is the entry's measured distance.
 */
export function poolElementParameter(
  entry: PoolElementEntry,
  withAsapTransport = false,
): PoolElementParameter {
  const policy =
    'distance' in entry.policy && entry.policy.distance !== entry.distanceMs
      ? { ...entry.policy, distance: entry.distanceMs }
      : entry.policy;
  const base = {
    id: entry.id,
    homeRegistrarId: entry.homeRegistrarId,
    registrationLife: entry.registrationLife,
    userTransport: entry.userTransport,
    policy,
  };
  return withAsapTransport && entry.asapTransport !== undefined
    ? { ...base, asapTransport: entry.asapTransport }
    : base;
}
