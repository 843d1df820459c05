/** Option parsers shared by the commands: numbers with ranges, repeated options. */
import { UsageError } from './command.js';

export function intOption(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

export function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** Registrar ids are given in decimal or 0x hex, as RSPLIB's -identifier. */
export function idOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = value.toLowerCase().startsWith('0x') ? Number.parseInt(value.slice(2), 16) : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff)
    throw new UsageError(`--${name} must be 1 to 0xffffffff`);
  return n;
}

/** Drops undefined fields so that API defaults apply. */
export function defined<T extends Record<string, unknown>>(
  o: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(o)) if (val !== undefined) out[k] = val;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
