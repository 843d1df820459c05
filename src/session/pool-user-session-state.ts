/**
 * The state of a pool user session (pool-user-session.ts) as a discriminated union: each phase
 * carries only what is valid in it. The table of transitions is in docs/sessions.md §1.
 */
import type { AssociationId, Instant } from '../base/index.js';
import type { PoolElementId, PoolElementParameter } from '../wire/types.js';

/** One (re)connection effort: from `open` or a failover trigger until a PE is up (or `failed`). */
export interface Effort {
  /** Failed resolutions and connects so far (`maxAttempts` ends the effort). */
  attempts: number;
  /** PEs that failed in this effort: skipped while others exist. */
  readonly avoid: Set<PoolElementId>;
  /** PEs reported unreachable in this effort: once each. */
  readonly reported: Set<PoolElementId>;
  /** PEs to try before resolving again: the peer's Business Card order, or a resolution's rest. */
  candidates: PoolElementParameter[];
}

export function newEffort(): Effort {
  return { attempts: 0, avoid: new Set(), reported: new Set(), candidates: [] };
}

/** The states of one effort carry it. */
interface InEffort {
  readonly effort: Effort;
}

export type Phase =
  /** Created, `open` not yet handled. */
  | { readonly name: 'idle' }
  /** A handle resolution is out; `requestId` names its answer. */
  | (InEffort & { readonly name: 'resolving'; readonly requestId: number })
  /** Back-off after a failed attempt: resolve again at `retryAt`. */
  | (InEffort & { readonly name: 'waiting'; readonly retryAt: Instant })
  /** A connect to `pe` is out; `ref` names its answer; given up at `deadline`. */
  | (InEffort & {
      readonly name: 'connecting';
      readonly ref: number;
      readonly pe: Pe;
      readonly deadline: Instant;
    })
  /** Served by `pe` on `assoc`. */
  | { readonly name: 'up'; readonly assoc: AssociationId; readonly pe: Pe }
  /**
   * `autoFailover: false`: `failed` left, waiting for the application's `failover`;
   * `reportedFailed` tells whether the trigger already reported it unreachable.
   */
  | (InEffort & { readonly name: 'failoverPending'; readonly failed: Pe; readonly reportedFailed: boolean })
  | { readonly name: 'closed' }
  | { readonly name: 'failed' };

type Pe = PoolElementParameter;

export type PhaseOf<N extends Phase['name']> = Extract<Phase, { name: N }>;

/** Left associations whose late `sendFailed` reports are still taken (resent or passed on). */
export const MAX_FORMER_ASSOCIATIONS = 8;

/** The associations a session failed over from, newest last, at most MAX_FORMER_ASSOCIATIONS. */
export class FormerAssociations {
  private readonly assocs = new Set<AssociationId>();

  add(assoc: AssociationId): void {
    this.assocs.add(assoc);
    if (this.assocs.size > MAX_FORMER_ASSOCIATIONS) this.assocs.delete(this.assocs.values().next().value!);
  }

  has(assoc: AssociationId): boolean {
    return this.assocs.has(assoc);
  }
}
