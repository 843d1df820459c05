/**
 * Fractal Generator client (RSPLIB fractalpooluser without the GUI; notes §1.4) for one image per
 * session: sends the Parameter message, writes each Data message's points into an iteration buffer
 * and records which PE computed each point (to colour the picture by PE), and ends when every point
 * has arrived or the PE's end marker comes. After a failover with Cookie Echo the new PE continues
 * from the cookie's point; without a cookie the client sends the Parameter again and the image is
 * recomputed from the start. No Data for `dataTimeoutMs` asks for a failover with an unreachable report.
 */
import type { Instant } from '../base/index.js';
import { SERVICE_DEFAULTS } from './defaults.js';
import { decodeFgp, encodeFgp, FGP_END_MARK, FGP_PPID, type FractalParameter } from './fractal-messages.js';
import type { ClientAction, ClientInput } from './service-types.js';

export interface FractalClientOptions {
  readonly parameter: FractalParameter;
  readonly dataTimeoutMs?: number;
}

export interface FractalImage {
  readonly width: number;
  readonly height: number;
  readonly maxIterations: number;
  /** Iterations per point, row-major. */
  readonly iterations: Uint32Array;
  /** The PE identifier that computed each point (0 = not received). */
  readonly poolElementOf: Uint32Array;
  readonly missingPoints: number;
}

export type FractalClientEvent =
  | {
      readonly kind: 'progress';
      readonly receivedPoints: number;
      readonly totalPoints: number;
      readonly pe: number;
    }
  | { readonly kind: 'dataTimeout'; readonly pe: number }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'completed'; readonly image: FractalImage; readonly failovers: number };

export class FractalClient {
  private readonly parameter: FractalParameter;
  private readonly dataTimeoutMs: number;
  private readonly iterations: Uint32Array;
  private readonly owner: Uint32Array;
  private received = 0;
  private pe = 0;
  private phase: 'waiting' | 'computing' | 'failingOver' | 'done' = 'waiting';
  private dataDeadline: Instant | undefined;
  private failovers = 0;
  /** Data messages received, for statistics. */
  dataMessages = 0;

  constructor(options: FractalClientOptions) {
    this.parameter = options.parameter;
    this.dataTimeoutMs = options.dataTimeoutMs ?? SERVICE_DEFAULTS.fractalDataTimeoutMs;
    const n = this.parameter.width * this.parameter.height;
    this.iterations = new Uint32Array(n);
    this.owner = new Uint32Array(n);
  }

  get state(): 'waiting' | 'computing' | 'failingOver' | 'done' {
    return this.phase;
  }

  get receivedPoints(): number {
    return this.received;
  }

  image(): FractalImage {
    return {
      width: this.parameter.width,
      height: this.parameter.height,
      maxIterations: this.parameter.maxIterations,
      iterations: this.iterations,
      poolElementOf: this.owner,
      missingPoints: this.iterations.length - this.received,
    };
  }

  nextDeadline(): Instant | undefined {
    return this.phase === 'computing' ? this.dataDeadline : undefined;
  }

  handle(input: ClientInput): ClientAction<FractalClientEvent>[] {
    switch (input.kind) {
      case 'up':
        if (this.phase !== 'waiting') return [];
        this.pe = input.pe;
        return this.sendParameter(input.now);
      case 'message':
        return this.onMessage(input.now, input.ppid, input.bytes);
      case 'cookie':
        return [];
      case 'failoverNeeded':
        if (this.phase === 'computing') this.phase = 'failingOver';
        return [];
      case 'failoverComplete':
        if (this.phase === 'done' || this.phase === 'waiting') return [];
        this.failovers++;
        this.pe = input.pe;
        if (input.cookieEchoed) {
          this.phase = 'computing';
          this.dataDeadline = input.now + this.dataTimeoutMs;
          return [];
        }
        return this.sendParameter(input.now);
      case 'closed':
        this.phase = 'done';
        return [];
      case 'tick':
        if (this.phase === 'computing' && this.dataDeadline !== undefined && input.now >= this.dataDeadline) {
          this.phase = 'failingOver';
          return [
            { kind: 'notify', event: { kind: 'dataTimeout', pe: this.pe } },
            { kind: 'failover', reportUnreachable: true },
          ];
        }
        return [];
    }
  }

  private sendParameter(now: Instant): ClientAction<FractalClientEvent>[] {
    this.phase = 'computing';
    this.dataDeadline = now + this.dataTimeoutMs;
    return [
      { kind: 'send', ppid: FGP_PPID, stream: 0, bytes: encodeFgp({ kind: 'parameter', ...this.parameter }) },
    ];
  }

  private onMessage(now: Instant, ppid: number, bytes: Uint8Array): ClientAction<FractalClientEvent>[] {
    const d = ppid === FGP_PPID ? decodeFgp(bytes) : undefined;
    if (!d?.ok || d.value.kind !== 'data') {
      const reason = d === undefined ? `PPID ${ppid}` : d.ok ? 'Parameter sent to a PU' : d.error.reason;
      return [{ kind: 'notify', event: { kind: 'malformed', reason } }];
    }
    if (this.phase !== 'computing') return [];
    this.dataDeadline = now + this.dataTimeoutMs;
    const { startX, startY, values } = d.value;
    const { width, height } = this.parameter;
    if (startX === FGP_END_MARK && startY === FGP_END_MARK) return this.finish();
    this.dataMessages++;
    let index = startY * width + startX;
    if (startX >= width || startY >= height) {
      return [
        {
          kind: 'notify',
          event: { kind: 'malformed', reason: `Data at (${startX}, ${startY}) outside the image` },
        },
      ];
    }
    for (const v of values) {
      if (index >= this.iterations.length) break;
      if (this.owner[index] === 0) this.received++;
      this.iterations[index] = v;
      this.owner[index] = this.pe === 0 ? 0xffff_ffff : this.pe;
      index++;
    }
    const out: ClientAction<FractalClientEvent>[] = [
      {
        kind: 'notify',
        event: {
          kind: 'progress',
          receivedPoints: this.received,
          totalPoints: this.iterations.length,
          pe: this.pe,
        },
      },
    ];
    if (this.received === this.iterations.length) out.push(...this.finish());
    return out;
  }

  private finish(): ClientAction<FractalClientEvent>[] {
    if (this.phase === 'done') return [];
    this.phase = 'done';
    return [
      { kind: 'notify', event: { kind: 'completed', image: this.image(), failovers: this.failovers } },
      { kind: 'close' },
    ];
  }
}
