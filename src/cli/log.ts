/**
 * Structured logs for long-running commands: one JSON object per line when stderr is not a terminal
 * (for log collectors), a short human line otherwise.
 */
import type { Logger, LogRecord } from '../api/index.js';
import { CLI_DEFAULTS } from './defaults.js';

export function createLogger(
  stream: { write(text: string): unknown; isTTY?: boolean },
  component: string,
  json = !stream.isTTY,
): Logger {
  return (record: LogRecord) => {
    const time = new Date().toISOString();
    if (json) {
      stream.write(`${JSON.stringify({ time, component, ...record }, replacer)}\n`);
      return;
    }
    const { level, message, ...fields } = record;
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v, replacer)}`)
      .join(' ');
    stream.write(
      `${time.slice(11, 23)} ${level.padEnd(5)} ${component}: ${message}${extra ? ` ${extra}` : ''}\n`,
    );
  };
}

/**
 * Bounds the log lines of repeated warnings, so that a flood of bad packets cannot fill a disk: the
 * first `warn`/`error` record of a kind is logged, repeats within the period are only counted, and at
 * the end of each period one line per kind says how many there were (`repeated`, `periodMs`). A kind
 * with no repeats in a period is forgotten: its next record is logged in full again. A kind is the
 * message with its numbers masked (addresses, ports, ids) plus the `cause` field; kinds beyond
 * `maxKinds` share one.
 */
export class RepeatLimiter {
  private readonly counts = new Map<string, { record: LogRecord; repeated: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly log: Logger,
    readonly periodMs: number,
    private readonly maxKinds = 256,
  ) {
    this.timer = setInterval(() => this.flush(), periodMs);
    this.timer.unref();
  }

  readonly logger: Logger = (record) => {
    if (record.level !== 'warn' && record.level !== 'error') {
      this.log(record);
      return;
    }
    const key = this.kindOf(record);
    const seen = this.counts.get(key);
    if (seen) {
      seen.repeated++;
      return;
    }
    const kept: LogRecord = key === OTHER_KINDS ? { level: record.level, message: 'other warnings' } : record;
    this.counts.set(key, { record: kept, repeated: 0 });
    this.log(record);
  };

  /** Ends the period: one summary line per kind that repeated; kinds that did not are forgotten. */
  flush(): void {
    for (const [key, { record, repeated }] of this.counts) {
      if (repeated === 0) {
        this.counts.delete(key);
        continue;
      }
      this.counts.set(key, { record, repeated: 0 });
      this.log({ ...summaryOf(record), repeated, periodMs: this.periodMs });
    }
  }

  /** Logs the last counts and stops the period timer. */
  close(): void {
    clearInterval(this.timer);
    this.flush();
    this.counts.clear();
  }

  private kindOf(record: LogRecord): string {
    const key = `${record.level} ${record.message.replace(/[0-9a-f]*[0-9][0-9a-f]*/gi, '#')} ${String(record['cause'] ?? '')}`;
    return this.counts.has(key) || this.counts.size < this.maxKinds ? key : OTHER_KINDS;
  }
}

const OTHER_KINDS = 'other';

/** The summary line of a kind: its level, message and cause, not the fields of one occurrence. */
function summaryOf(record: LogRecord): LogRecord {
  const { level, message } = record;
  return { level, message, ...(record['cause'] === undefined ? {} : { cause: record['cause'] }) };
}

/** Bytes (pool handles) as text when printable, ids as hex. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(value);
    return /^[\x20-\x7e]*$/.test(text) ? text : Buffer.from(value).toString('hex');
  }
  return value;
}

/** Resolves when the process is asked to stop (SIGINT or SIGTERM). */
/**
 * The log of a long-running command (registrar, server) on stderr: JSON lines with --log-json or when
 * stderr is not a terminal, repeated warnings bounded. `raw` bypasses the limiter; close `limiter` at exit.
 */
export function daemonLogger(
  component: string,
  logJson: boolean | undefined,
): { raw: Logger; limiter: RepeatLimiter; log: Logger } {
  const raw = createLogger(process.stderr, component, logJson === true || !process.stderr.isTTY);
  const limiter = new RepeatLimiter(raw, CLI_DEFAULTS.logRepeatPeriodMs);
  return { raw, limiter, log: limiter.logger };
}

export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export const hex32 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
