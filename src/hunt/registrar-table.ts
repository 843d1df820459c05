/**
 * The list of registrars a PE or PU knows (RFC 5352 §3.6): configured ones that never expire and ones
 * learned from ASAP Server Announces, each kept for T7-ENRPoutdate after its last announce.
 */
import { type Instant, type Random, randomBelow } from '../base/index.js';
import type { IpAddress, RegistrarId, TransportParameter } from '../wire/types.js';
import { ASAP_PORT, HUNT_DEFAULTS, MAX_LEARNED_REGISTRARS } from './defaults.js';

/** Where to open an ASAP association to a registrar: its SCTP port and addresses (multi-homed). */
export interface RegistrarEndpoint {
  readonly addresses: readonly IpAddress[];
  readonly port: number;
}

export interface RegistrarEntry {
  readonly key: string;
  readonly endpoint: RegistrarEndpoint;
  readonly configured: boolean;
  registrarId: RegistrarId;
  /** When an announce-learned entry lapses; undefined for configured entries. */
  expiresAt: Instant | undefined;
  /** When the last connection attempt to it failed. */
  failedAt: Instant | undefined;
}

/** What an ASAP Server Announce tells: the sender and its (optional) ASAP transports. */
export interface AnnounceInfo {
  readonly registrarId: RegistrarId;
  readonly transports: readonly TransportParameter[];
  /** The UDP source of the announce. RSPLIB sends from its ASAP port and puts no transport in. */
  readonly source: { readonly address: IpAddress; readonly port: number };
}

export const endpointKey = (e: RegistrarEndpoint): string => `${[...e.addresses].sort().join(',')}#${e.port}`;

export class RegistrarTable {
  private readonly entries = new Map<string, RegistrarEntry>();
  private learned = 0;

  constructor(
    configured: readonly RegistrarEndpoint[],
    private readonly outdateMs: number = HUNT_DEFAULTS.enrpOutdateMs,
  ) {
    for (const endpoint of configured) {
      const key = endpointKey(endpoint);
      this.entries.set(key, {
        key,
        endpoint,
        configured: true,
        registrarId: 0,
        expiresAt: undefined,
        failedAt: undefined,
      });
    }
  }

  get size(): number {
    return this.entries.size;
  }

  all(): RegistrarEntry[] {
    return [...this.entries.values()];
  }

  get(key: string): RegistrarEntry | undefined {
    return this.entries.get(key);
  }

  /**
   * Inserts or refreshes the registrar endpoints an announce names (RFC 5352 §3.6). Announces are not
   * authenticated (RFC 5352 §9.2): at most MAX_LEARNED_REGISTRARS learned entries are kept, so a flood of
   * made-up ones cannot grow the table; known entries are still refreshed.
   */
  learn(now: Instant, announce: AnnounceInfo): RegistrarEntry[] {
    const endpoints = announcedEndpoints(announce);
    return endpoints.flatMap((endpoint) => {
      const key = endpointKey(endpoint);
      let entry = this.entries.get(key);
      if (!entry) {
        if (this.learned >= MAX_LEARNED_REGISTRARS) return [];
        this.learned++;
        entry = {
          key,
          endpoint,
          configured: false,
          registrarId: 0,
          expiresAt: undefined,
          failedAt: undefined,
        };
        this.entries.set(key, entry);
      }
      entry.registrarId = announce.registrarId;
      if (!entry.configured) entry.expiresAt = now + this.outdateMs;
      return [entry];
    });
  }

  /** Drops announce-learned entries whose T7-ENRPoutdate has passed. */
  expire(now: Instant): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) {
        this.entries.delete(key);
        this.learned--;
      }
    }
  }

  nextDeadline(): Instant | undefined {
    let next: Instant | undefined;
    for (const e of this.entries.values()) {
      if (e.expiresAt !== undefined && (next === undefined || e.expiresAt < next)) next = e.expiresAt;
    }
    return next;
  }

  markFailed(key: string, now: Instant): void {
    const entry = this.entries.get(key);
    if (entry) entry.failedAt = now;
  }

  markGood(key: string): void {
    const entry = this.entries.get(key);
    if (entry) entry.failedAt = undefined;
  }

  /**
   * Up to `max` entries to try, excluding `busy` keys: ones without a recent failure first, in random
   * order so that PEs spread over registrars (SH1, SH5.2 "a different set").
   */
  candidates(
    now: Instant,
    max: number,
    busy: ReadonlySet<string>,
    random: Random,
    includeRecentlyFailed = true,
  ): RegistrarEntry[] {
    const penalty = HUNT_DEFAULTS.failurePenaltyMs;
    const pool = [...this.entries.values()].filter((e) => !busy.has(e.key));
    shuffle(pool, random);
    const fresh = pool.filter((e) => e.failedAt === undefined || now - e.failedAt >= penalty);
    const stale = pool.filter((e) => e.failedAt !== undefined && now - e.failedAt < penalty);
    if (!includeRecentlyFailed) return fresh.slice(0, max);
    stale.sort((a, b) => (a.failedAt ?? 0) - (b.failedAt ?? 0));
    return [...fresh, ...stale].slice(0, max);
  }
}

function announcedEndpoints(announce: AnnounceInfo): RegistrarEndpoint[] {
  const sctp = announce.transports.filter((t) => t.kind === 'sctp');
  if (sctp.length > 0) return sctp.map((t) => ({ addresses: [...t.addresses], port: t.port }));
  // No transport: RFC 5352 §3.6 says the source address and the IANA port; RSPLIB announces from its
  // (often random) ASAP port, so the source port is the right one for it and equals 3863 otherwise.
  const port = announce.source.port === 0 ? ASAP_PORT : announce.source.port;
  return [{ addresses: [announce.source.address], port }];
}

function shuffle<T>(items: T[], random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomBelow(random, i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
}
