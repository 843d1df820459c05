/**
 * Time is injected into every core: an `Instant` is a monotonic point in milliseconds (any origin),
 * a `Duration` a span in milliseconds. Cores never read a clock; drivers and tests pass `now`.
 */
export type Instant = number;
export type Duration = number;

/** The clock a driver reads. Tests use a virtual one; `io/` uses performance.now(). */
export interface Clock {
  now(): Instant;
}

/** The earliest of some optional instants (cores combine their timers' deadlines with it). */
export function earliest(...instants: (Instant | undefined)[]): Instant | undefined {
  let m: Instant | undefined;
  for (const v of instants) if (v !== undefined && (m === undefined || v < m)) m = v;
  return m;
}
