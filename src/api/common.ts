/** Pieces every API class shares: SCTP tuning, the runtime (clock, randomness, MACs), event emitting. */
import { EventEmitter } from 'node:events';
import type { Random } from '../base/index.js';
import { CryptoRandom, hmacSha256 } from '../io/sctp-udp-socket.js';
import type { EndpointOptions } from '../sctp/index.js';
import { boolean, integer, ms, msOrZero, type Schema } from './validate.js';

/** Retransmission limits beyond this are a mistake (RFC 9260 §16: 10, 5 and 8). */
const MAX_RETRANSMISSIONS = 1_000;
/** RFC 9260 §6.2: the SACK delay MUST NOT exceed 500 ms. */
const SACK_DELAY_MAX_MS = 500;

/** SCTP timers a component may tune (RFC 9260 §16 defaults otherwise). */
export type SctpTuning = Partial<
  Pick<
    EndpointOptions,
    | 'rtoInitialMs'
    | 'rtoMinMs'
    | 'rtoMaxMs'
    | 'heartbeatIntervalMs'
    | 'heartbeats'
    | 'associationMaxRetrans'
    | 'pathMaxRetrans'
    | 'maxInitRetransmits'
    | 'autocloseMs'
    | 'sackDelayMs'
  >
>;

/** The checks of every SCTP tuning option (RFC 9260 §16 names; 0 turns the timer off where allowed). */
export const SCTP_TUNING_SCHEMA: Schema<SctpTuning> = {
  rtoInitialMs: ms,
  rtoMinMs: ms,
  rtoMaxMs: ms,
  heartbeatIntervalMs: ms,
  heartbeats: boolean,
  associationMaxRetrans: integer(0, MAX_RETRANSMISSIONS),
  pathMaxRetrans: integer(0, MAX_RETRANSMISSIONS),
  maxInitRetransmits: integer(0, MAX_RETRANSMISSIONS),
  autocloseMs: msOrZero,
  sackDelayMs: integer(0, SACK_DELAY_MAX_MS),
};

/** Endpoint options for one SCTP port of a component. */
export function endpointOptions(
  port: number,
  random: Random,
  tuning: SctpTuning | undefined,
): EndpointOptions {
  return { port, random, mac: hmacSha256, ...tuning };
}

export const cryptoRandom = (): Random => new CryptoRandom();

/** A log line from a component: structured, for the CLI's JSON logs. */
export interface LogRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly [field: string]: unknown;
}

export type Logger = (record: LogRecord) => void;

/** A typed EventEmitter base. */
export class TypedEmitter<Events extends Record<string, unknown[]>> extends EventEmitter {
  override emit<K extends keyof Events & string>(event: K, ...args: Events[K]): boolean {
    return super.emit(event, ...args);
  }

  override on<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override once<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this {
    return super.once(event, listener as (...args: unknown[]) => void);
  }

  override off<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }
}

/** Waits for `p`, or `ms` at most; the timer does not outlive the wait. */
export async function within(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  await Promise.race([p, timeout]);
  clearTimeout(timer);
}
