/** Registration requests and results of the handlespace (RFC 5352 §3 consistency rules, RSPLIB causes). */
import type { Instant } from '../base/time.js';
import type { PoolElementParameter, PoolHandle, RegistrarId } from '../wire/types.js';
import type { PoolElementEntry } from './pool-element-entry.js';

/** A registration, a re-registration, or a PE learned over ENRP or from a handle resolution. */
export interface PoolElementRegistration {
  readonly poolHandle: PoolHandle;
  /** `homeRegistrarId` is the owner; the registrar puts its own id there for ASAP registrations. */
  readonly element: PoolElementParameter;
  /** Opaque key of the association the PE registered over (indexed for `removeByConnection`). */
  readonly connection?: number;
  /** Distance for DPF policies (ms); defaults to the policy's distance field, else 0. */
  readonly distanceMs?: number;
  readonly now: Instant;
}

export type RegistrationErrorKind =
  | 'invalidIdentifier'
  | 'invalidPoolHandle'
  | 'inconsistentPolicy'
  | 'inconsistentTransport'
  | 'inconsistentControlChannel';

/** Why a registration was refused, with the Operation Error cause to send (RSPLIB's codes, notes §2.6). */
export interface RegistrationError {
  readonly kind: RegistrationErrorKind;
  readonly cause: number;
}

export interface RegistrationOutcome {
  readonly kind: 'added' | 'updated';
  readonly element: PoolElementEntry;
  /** The owner before an update (undefined when added); differs from the new one on an ownership change. */
  readonly previousOwner: RegistrarId | undefined;
}
