/**
 * Takeover arbitration state (RFC 5353 §3.5.1): for each target we are taking over, the peers whose
 * Init Takeover Ack we still wait for, and the expiry (RSPLIB `-takeoverexpiryinterval`).
 */
import type { Instant } from '../../base/index.js';
import type { RegistrarId } from '../../wire/types.js';

export interface TakeoverProcess {
  readonly target: RegistrarId;
  readonly pending: Set<RegistrarId>;
  readonly expiresAt: Instant;
}

/**
 * Who wins when two registrars take over the same target: the lower id (RSPLIB, notes §3.7). RFC 5353
 * §3.5.1 step 2A reads the other way round (the peer with the smaller id aborts); we follow RSPLIB so that
 * mixed deployments agree on one winner (with opposite rules both sides would wait until expiry).
 */
export function winsArbitration(ownId: RegistrarId, otherId: RegistrarId): boolean {
  return ownId < otherId;
}

export class TakeoverProcesses {
  private readonly processes = new Map<RegistrarId, TakeoverProcess>();

  get(target: RegistrarId): TakeoverProcess | undefined {
    return this.processes.get(target);
  }

  has(target: RegistrarId): boolean {
    return this.processes.has(target);
  }

  start(target: RegistrarId, awaiting: Iterable<RegistrarId>, expiresAt: Instant): TakeoverProcess {
    const p: TakeoverProcess = { target, pending: new Set(awaiting), expiresAt };
    this.processes.set(target, p);
    return p;
  }

  delete(target: RegistrarId): boolean {
    return this.processes.delete(target);
  }

  /** A peer no longer has to ack (it is dead, being taken over, or acked); returns processes now complete. */
  acknowledged(by: RegistrarId, target?: RegistrarId): TakeoverProcess[] {
    const done: TakeoverProcess[] = [];
    for (const p of this.processes.values()) {
      if (target !== undefined && p.target !== target) continue;
      if (p.pending.delete(by) && p.pending.size === 0) done.push(p);
    }
    return done;
  }

  expired(now: Instant): TakeoverProcess[] {
    return [...this.processes.values()].filter((p) => now >= p.expiresAt);
  }

  nextDeadline(): Instant | undefined {
    let m: Instant | undefined;
    for (const p of this.processes.values()) if (m === undefined || p.expiresAt < m) m = p.expiresAt;
    return m;
  }

  targets(): RegistrarId[] {
    return [...this.processes.keys()];
  }
}
