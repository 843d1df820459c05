/**
 * Per-pool-user rate limits of a registrar (RFC 5355 §2.13 and RFC 5352 §9.2, "threat 8": the number of
 * Endpoint Unreachable messages a PU sends SHOULD be limited; RSPLIB limits Handle Resolutions the same
 * way with `-maxhrrate`).
 *
 * Each association has 64 token buckets; a request uses the bucket of its pool handle's hash (RSPLIB
 * also keys by pool through 64 buckets, so that a PU resolving many pools is not limited by their sum,
 * and a PU cannot grow the registrar's state by inventing handles). A bucket holds up to `burst` tokens
 * and refills at `ratePerSecond`; a request without a token is refused. RSPLIB instead estimates the rate
 * from the last 16 request times; a bucket of 16 allows the same bursts and the same long-run rate.
 * State: 1 KiB per association that has made a limited request, dropped with the association.
 */
import type { AssociationId, Instant } from '../base/index.js';
import { poolHash } from '../handlespace/index.js';
import type { PoolHandle } from '../wire/types.js';

const BUCKETS = 64;
/** Requests a PU may make at once before the rate applies (RSPLIB's estimator looks at 16). */
export const RATE_LIMIT_BURST = 16;

export class RequestRateLimiter {
  /** Per association: [tokens, last refill] for each bucket. */
  private readonly state = new Map<AssociationId, Float64Array>();

  constructor(
    /** Sustained requests per second per (association, pool bucket); must be > 0. */
    private readonly ratePerSecond: number,
    private readonly burst = RATE_LIMIT_BURST,
  ) {}

  /** Whether the request may be served (and counts it). */
  allow(assoc: AssociationId, poolHandle: PoolHandle, now: Instant): boolean {
    let s = this.state.get(assoc);
    if (s === undefined) {
      s = new Float64Array(BUCKETS * 2);
      for (let b = 0; b < BUCKETS; b++) {
        s[b * 2] = this.burst;
        s[b * 2 + 1] = now;
      }
      this.state.set(assoc, s);
    }
    const i = (poolHash(poolHandle) & (BUCKETS - 1)) * 2;
    const tokens = Math.min(this.burst, s[i]! + ((now - s[i + 1]!) * this.ratePerSecond) / 1000);
    s[i + 1] = now;
    if (tokens < 1) {
      s[i] = tokens;
      return false;
    }
    s[i] = tokens - 1;
    return true;
  }

  forget(assoc: AssociationId): void {
    this.state.delete(assoc);
  }

  /** Associations with state (for tests). */
  get size(): number {
    return this.state.size;
  }
}
