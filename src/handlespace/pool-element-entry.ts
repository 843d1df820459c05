/** What callers of the handlespace see of a PE and of a pool. */
import type { Instant } from '../base/time.js';
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

/** The one timer a PE can have pending (RSPLIB keeps one per PE as well, notes §3.1). */
export type PoolElementTimerKind = 'keepAliveTransmission' | 'keepAliveTimeout' | 'expiry';

/** Read-only view of a PE handed to callers. */
export interface PoolElementEntry {
  readonly poolHandle: PoolHandle;
  readonly id: PoolElementId;
  /** Home registrar (owner); 0 when unknown (pool user cache with a registrar that sent 0). */
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
