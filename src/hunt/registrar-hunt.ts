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

export class RegistrarHunt {
  private hunting = false;
  private readonly attempts = new Map<number, string>();
  private nextRef = 1;
  private t5Ms: number;
  private t5Deadline: Instant | undefined;
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
    this.t5Ms = this.initialT5Ms;
  }

  get isHunting(): boolean {
    return this.hunting;
  }

  nextDeadline(): Instant | undefined {
    const t7 = this.table.nextDeadline();
    if (this.t5Deadline === undefined) return t7;
    return t7 === undefined ? this.t5Deadline : Math.min(t7, this.t5Deadline);
  }

  handle(input: HuntInput): HuntAction[] {
    switch (input.kind) {
      case 'start':
        if (this.hunting) return [];
        this.hunting = true;
        this.t5Ms = this.initialT5Ms;
        this.t5Deadline = input.now + this.t5Ms;
        return this.fill(input.now, true);
      case 'stop':
        return this.stop();
      case 'connected':
        return this.onConnected(input.ref, input.assoc);
      case 'connectFailed':
        return this.onFailed(input.now, input.ref);
      case 'announce':
        this.table.learn(input.now, input.announce);
        return this.hunting ? this.fill(input.now) : [];
      case 'tick':
        return this.onTick(input.now);
    }
  }

  /**
   * SH1/SH4: keep up to maxParallel attempts running. Within a round only registrars without a recent
   * failure are tried, so a refused connection does not turn into a reconnect loop; a new round (start,
   * T5 expiry) may retry the failed ones.
   */
  private fill(now: Instant, newRound = false): HuntAction[] {
    const busy = new Set(this.attempts.values());
    const room = this.maxParallel - this.attempts.size;
    if (room <= 0) return [];
    return this.table.candidates(now, room, busy, this.random, newRound).map((entry) => {
      const ref = this.nextRef++;
      this.attempts.set(ref, entry.key);
      return { kind: 'connect', ref, to: entry.endpoint };
    });
  }

  private onConnected(ref: number, assoc: AssociationId): HuntAction[] {
    const key = this.attempts.get(ref);
    if (key === undefined || !this.hunting) return [];
    this.attempts.delete(ref);
    const registrar = this.table.get(key);
    const actions = this.stop();
    if (!registrar) return [...actions, { kind: 'cancel', ref }];
    this.table.markGood(key);
    return [...actions, { kind: 'found', assoc, registrar }];
  }

  private onFailed(now: Instant, ref: number): HuntAction[] {
    const key = this.attempts.get(ref);
    if (key === undefined) return [];
    this.attempts.delete(ref);
    this.table.markFailed(key, now);
    return this.hunting ? this.fill(now) : [];
  }

  private onTick(now: Instant): HuntAction[] {
    this.table.expire(now);
    if (!this.hunting || this.t5Deadline === undefined || now < this.t5Deadline) return [];
    // SH5: double T5 (capped), abandon this round's attempts and try a different set.
    const actions: HuntAction[] = [];
    for (const [ref, key] of this.attempts) {
      this.table.markFailed(key, now);
      actions.push({ kind: 'cancel', ref });
    }
    this.attempts.clear();
    this.t5Ms = Math.min(this.t5Ms * 2, this.retranMaxMs);
    this.t5Deadline = now + this.t5Ms;
    return [...actions, ...this.fill(now, true)];
  }

  private stop(): HuntAction[] {
    const actions: HuntAction[] = [...this.attempts.keys()].map((ref) => ({ kind: 'cancel', ref }));
    this.attempts.clear();
    this.hunting = false;
    this.t5Deadline = undefined;
    return actions;
  }
}
