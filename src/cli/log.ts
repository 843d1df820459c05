/**
 * Structured logs for long-running commands: one JSON object per line when stderr is not a terminal
 * (for log collectors), a short human line otherwise.
 */
import type { Logger, LogRecord } from '../api/index.js';

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

/** Bytes (pool handles) as text when printable, ids as hex. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(value);
    return /^[\x20-\x7e]*$/.test(text) ? text : Buffer.from(value).toString('hex');
  }
  return value;
}

/** Resolves when the process is asked to stop (SIGINT or SIGTERM). */
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
