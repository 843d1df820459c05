/** Defaults of the application services and clients, each with its source (RSPLIB's option of the same meaning). */
export const SERVICE_DEFAULTS = {
  /** rspserver -pppfailureafter (0 = never). */
  pingPongFailureAfter: 0,
  /** pingpongclient -interval (ms). */
  pingIntervalMs: 1000,
  /** rspserver -capcapacity (calculations/s). */
  calcAppCapacity: 1_000_000,
  /** rspserver -capmaxjobs. */
  calcAppMaxJobs: 10,
  /** rspserver -capkeepalivetransmissioninterval / calcappclient -keepalivetransmissioninterval (ms). */
  calcAppKeepAliveTransmissionIntervalMs: 2500,
  /** rspserver -capkeepalivetimeoutinterval / calcappclient -keepalivetimeoutinterval (ms). */
  calcAppKeepAliveTimeoutIntervalMs: 2500,
  /** rspserver -capcookiemaxtime (5 s). */
  calcAppCookieMaxTimeMs: 5000,
  /** rspserver -capcookiemaxcalculations. */
  calcAppCookieMaxCalculations: 5_000_000,
  /** calcappclient -jobsize (RSPLIB draws sizes at random around it; we use it as given). */
  calcAppJobSize: 10_000_000,
  /** rspserver -fgpcookiemaxpackets. */
  fractalCookieMaxPackets: 10,
  /** rspserver -fgpcookiemaxtime (ms). */
  fractalCookieMaxTimeMs: 1000,
  /** rspserver -fgpfailureafter (0 = never). */
  fractalFailureAfter: 0,
  /** Data messages a Fractal session sends per `writable` input, and at most at once after a Parameter. */
  fractalMessagesPerWritable: 8,
  /** fractalpooluser -recvtimeout: no Data for this long while an image is open → failover (ms). */
  fractalDataTimeoutMs: 5000,
} as const;

/**
 * The options with each one left out (or undefined) taken from `defaults`: how every service resolves
 * its options, written once.
 * @internal
 */
export function withDefaults<O extends object>(options: O, defaults: Required<O>): Required<O> {
  const out = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof O)[]) {
    out[key] = (options[key] ?? defaults[key]) as Required<O>[keyof O];
  }
  return out;
}
