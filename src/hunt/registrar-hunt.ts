/**
 * ENRP server hunt (RFC 5352 §3.6, SH1-SH6) as a sans-I/O state machine: it asks its driver to open
 * associations to up to three registrars at once, adopts the first one that comes up as the home
 * registrar and cancels the rest. T5-Serverhunt doubles on expiry up to RETRAN-MAX.
 */
import type { AssociationId, Instant, Random } from '../base/index.js';
import { HUNT_DEFAULTS } from './defaults.js';
import type { AnnounceInfo, RegistrarEndpoint, RegistrarEntry, RegistrarTable } from './registrar-table.js';

export type HuntInput =
  | { readonly kind: 'start'; readonly now: Instant }
  | { readonly kind: 'stop' }
  | { readonly kind: 'connected'; readonly now: Instant; readonly ref: number; readonly assoc: AssociationId }
  | { readonly kind: 'connectFailed'; readonly now: Instant; readonly ref: number }
  | { readonly kind: 'announce'; readonly now: Instant; readonly announce: AnnounceInfo }
  | { readonly kind: 'tick'; readonly now: Instant };

/**
 * `connect` asks the driver to open an association and report `connected` or `connectFailed` with the
 * same ref. After `cancel` the driver closes that attempt (now or when it completes) and never reports it.
 */
export type HuntAction =
  | { readonly kind: 'connect'; readonly ref: number; readonly to: RegistrarEndpoint }
  | { readonly kind: 'cancel'; readonly ref: number }
  | { readonly kind: 'found'; readonly assoc: AssociationId; readonly registrar: RegistrarEntry };

export interface HuntOptions {
  readonly serverHuntTimeoutMs?: number;
  readonly retranMaxMs?: number;
  readonly maxParallelAttempts?: number;
}

/**
 * Idle, or hunting with this round's attempts (ref -> registrar key) and T5 (docs/state-machines.md).
 * T5 starts at T5-Serverhunt in each hunt and doubles per round up to RETRAN-MAX.
 */
type HuntState =
  | { readonly phase: 'idle' }
  | {
      readonly phase: 'hunting';
      readonly attempts: Map<number, string>;
      readonly t5Ms: number;
      readonly t5Deadline: Instant;
    };

export class RegistrarHunt {
  private state: HuntState = { phase: 'idle' };
  private nextRef = 1;
  private readonly initialT5Ms: number;
  private readonly retranMaxMs: number;
  private readonly maxParallel: number;

  constructor(
    readonly table: RegistrarTable,
    private readonly random: Random,
    options: HuntOptions = {},
  ) {
    this.initialT5Ms = options.serverHuntTimeoutMs ?? HUNT_DEFAULTS.serverHuntTimeoutMs;
    this.retranMaxMs = options.retranMaxMs ?? HUNT_DEFAULTS.retranMaxMs;
    this.maxParallel = options.maxParallelAttempts ?? HUNT_DEFAULTS.maxParallelAttempts;
  }

  get isHunting(): boolean {
    return this.state.phase === 'hunting';
  }

  nextDeadline(): Instant | undefined {
    const t7 = this.table.nextDeadline();
    if (this.state.phase !== 'hunting') return t7;
    const t5 = this.state.t5Deadline;
    return t7 === undefined ? t5 : Math.min(t7, t5);
  }

  handle(input: HuntInput): HuntAction[] {
    switch (input.kind) {
      case 'start':
        if (this.state.phase === 'hunting') return [];
        return this.round(input.now, new Map(), this.initialT5Ms);
      case 'stop':
        return this.stop();
      case 'connected':
        return this.onConnected(input.ref, input.assoc);
      case 'connectFailed':
        return this.onFailed(input.now, input.ref);
      case 'announce':
        this.table.learn(input.now, input.announce);
        return this.state.phase === 'hunting' ? this.fill(input.now, this.state.attempts) : [];
      case 'tick':
        return this.onTick(input.now);
    }
  }

  /** A new round (start, T5 expiry): T5 runs again and registrars that failed may be retried. */
  private round(now: Instant, attempts: Map<number, string>, t5Ms: number): HuntAction[] {
    this.state = { phase: 'hunting', attempts, t5Ms, t5Deadline: now + t5Ms };
    return this.fill(now, attempts, true);
  }

  /**
   * SH1/SH4: keep up to maxParallel attempts running. Within a round only registrars without a recent
   * failure are tried, so a refused connection does not turn into a reconnect loop; a new round (start,
   * T5 expiry) may retry the failed ones.
   */
  private fill(now: Instant, attempts: Map<number, string>, newRound = false): HuntAction[] {
    const busy = new Set(attempts.values());
    const room = this.maxParallel - attempts.size;
    if (room <= 0) return [];
    return this.table.candidates(now, room, busy, this.random, newRound).map((entry) => {
      const ref = this.nextRef++;
      attempts.set(ref, entry.key);
      return { kind: 'connect', ref, to: entry.endpoint };
    });
  }

  private onConnected(ref: number, assoc: AssociationId): HuntAction[] {
    if (this.state.phase !== 'hunting') return [];
    const key = this.state.attempts.get(ref);
    if (key === undefined) return [];
    this.state.attempts.delete(ref);
    const registrar = this.table.get(key);
    const actions = this.stop();
    if (!registrar) return [...actions, { kind: 'cancel', ref }];
    this.table.markGood(key);
    return [...actions, { kind: 'found', assoc, registrar }];
  }

  private onFailed(now: Instant, ref: number): HuntAction[] {
    if (this.state.phase !== 'hunting') return [];
    const key = this.state.attempts.get(ref);
    if (key === undefined) return [];
    this.state.attempts.delete(ref);
    this.table.markFailed(key, now);
    return this.fill(now, this.state.attempts);
  }

  private onTick(now: Instant): HuntAction[] {
    this.table.expire(now);
    const s = this.state;
    if (s.phase !== 'hunting' || now < s.t5Deadline) return [];
    // SH5: double T5 (capped), abandon this round's attempts and try a different set.
    const actions: HuntAction[] = [];
    for (const [ref, key] of s.attempts) {
      this.table.markFailed(key, now);
      actions.push({ kind: 'cancel', ref });
    }
    s.attempts.clear();
    return [...actions, ...this.round(now, s.attempts, Math.min(s.t5Ms * 2, this.retranMaxMs))];
  }

  private stop(): HuntAction[] {
    const s = this.state;
    this.state = { phase: 'idle' };
    if (s.phase !== 'hunting') return [];
    return [...s.attempts.keys()].map((ref) => ({ kind: 'cancel', ref }));
  }
}
