/**
 * RSPLIB's standard services (notes §1.3): Echo (reflects every message, same PPID and stream),
 * Discard (drops everything), Daytime (on session start sends "%A, %d-%B-%Y %H:%M:%S.uuuuuu\n" with
 * PPID 0, then shuts the association down) and Chargen (1024-byte blocks of the bytes 30..127 in a
 * cycle, as fast as flow control lets: one block per 1024 bytes of room the glue reports).
 */
import type { Instant } from '../base/index.js';
import {
  type MessageInput,
  ServiceSessions,
  SessionService,
  type WritableInput,
} from './service-sessions.js';
import type { PoolElementService, ServiceAction, ServiceInput, WallClock } from './service-types.js';

export { closeAll } from './service-sessions.js';

export class EchoService extends SessionService<true> {
  readonly defaultPoolHandle = 'EchoPool';
  protected readonly sessions = new ServiceSessions((): true => true);

  protected override onMessage(input: MessageInput): ServiceAction[] {
    const { session, ppid, stream, bytes } = input;
    return [{ kind: 'send', session, ppid, stream, unordered: input.unordered ?? false, bytes }];
  }
}

/** Drops every message: only the session bookkeeping (for the load report and shutdown). */
export class DiscardService extends SessionService<true> {
  readonly defaultPoolHandle = 'DiscardPool';
  protected readonly sessions = new ServiceSessions((): true => true);
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** RSPLIB's daytime text: strftime "%A, %d-%B-%Y %H:%M:%S" + ".uuuuuu\n" (microseconds), local time. */
export function formatDaytime(clock: WallClock): string {
  const us = Math.floor(clock.epochUs);
  const local = new Date(Math.floor(us / 1000) + clock.utcOffsetMinutes * 60_000);
  const micro = ((us % 1_000_000) + 1_000_000) % 1_000_000;
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `${DAYS[local.getUTCDay()]}, ${two(local.getUTCDate())}-${MONTHS[local.getUTCMonth()]}-${local.getUTCFullYear()} ` +
    `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}.${String(micro).padStart(6, '0')}\n`
  );
}

export class DaytimeService implements PoolElementService {
  readonly defaultPoolHandle = 'DaytimePool';
  readonly sessionCount = 0;

  nextDeadline(): Instant | undefined {
    return undefined;
  }

  handle(input: ServiceInput): ServiceAction[] {
    if (input.kind !== 'sessionUp') return [];
    const clock = input.wallClock ?? { epochUs: 0, utcOffsetMinutes: 0 };
    const bytes = new TextEncoder().encode(formatDaytime(clock));
    return [
      { kind: 'send', session: input.session, ppid: 0, stream: 0, unordered: false, bytes },
      { kind: 'close', session: input.session },
    ];
  }
}

export const CHARGEN_BLOCK_BYTES = 1024;
const CHARGEN_FIRST = 30;
const CHARGEN_COUNT = 98; // 30..127

export interface ChargenOptions {
  /** Blocks sent at most per `writable` input (default 16). */
  readonly maxBlocksPerWritable?: number;
}

export class ChargenService extends SessionService<number> {
  readonly defaultPoolHandle = 'CharGenPool';
  /** Per session: the offset into the 30..127 cycle of the next byte. */
  protected readonly sessions = new ServiceSessions(() => 0);
  private readonly maxBlocks: number;

  constructor(options: ChargenOptions = {}) {
    super();
    this.maxBlocks = options.maxBlocksPerWritable ?? 16;
  }

  protected override onWritable(input: WritableInput): ServiceAction[] {
    const offset = this.sessions.get(input.session);
    if (offset === undefined) return [];
    const blocks = Math.min(this.maxBlocks, Math.floor(input.roomBytes / CHARGEN_BLOCK_BYTES));
    const out: ServiceAction[] = [];
    let at = offset;
    for (let b = 0; b < blocks; b++) {
      const bytes = new Uint8Array(CHARGEN_BLOCK_BYTES);
      for (let i = 0; i < bytes.length; i++) bytes[i] = CHARGEN_FIRST + ((at + i) % CHARGEN_COUNT);
      at = (at + CHARGEN_BLOCK_BYTES) % CHARGEN_COUNT;
      out.push({ kind: 'send', session: input.session, ppid: 0, stream: 0, unordered: false, bytes });
    }
    this.sessions.set(input.session, at);
    return out;
  }
}
