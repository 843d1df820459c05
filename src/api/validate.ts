/**
 * Argument checks at the API boundary (docs/architecture.md, "Errors"): JavaScript callers and `any`
 * can pass anything, and a wrong type or range must become an InvalidArgumentError here rather than a
 * TypeError, an "assertion failed" or a silent misbehaviour deep in a core. Each option has one check,
 * written once in a schema per options type; unknown option names are refused (they are typos).
 */
import { MAX_POOLHANDLESIZE, POLICY_LAYOUTS } from '../wire/index.js';
import { PORT_MAX } from './addresses.js';
import { InvalidArgumentError } from './errors.js';

/** Node's setTimeout limit: a longer delay fires after 1 ms. Every time in ms of the API is below it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** Largest u32: identifiers and 32-bit wire fields. */
export const U32_MAX = 0xffff_ffff;

export type Check = (value: unknown, what: string) => void;

const fail = (what: string, expected: string, value: unknown): never => {
  throw new InvalidArgumentError(`${what} must be ${expected}, got ${describe(value)}`);
};

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

export const integer =
  (min: number, max: number): Check =>
  (v, what) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      fail(what, `an integer from ${min} to ${max}`, v);
  };

export const finiteNumber =
  (min: number, max: number): Check =>
  (v, what) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
      fail(what, `a number from ${min} to ${max}`, v);
  };

/** A time in ms: 1 ms up to Node's timer limit. */
export const ms: Check = integer(1, MAX_TIMER_MS);
/** A time in ms where 0 means "off" or "at once". */
export const msOrZero: Check = integer(0, MAX_TIMER_MS);
export const port: Check = integer(0, PORT_MAX);
export const u32: Check = integer(0, U32_MAX);

export const string: Check = (v, what) => {
  if (typeof v !== 'string') fail(what, 'a string', v);
};

export const boolean: Check = (v, what) => {
  if (typeof v !== 'boolean') fail(what, 'true or false', v);
};

export const object: Check = (v, what) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(what, 'an object', v);
};

export const func: Check = (v, what) => {
  if (typeof v !== 'function') fail(what, 'a function', v);
};

export const stringList: Check = (v, what) => {
  if (!Array.isArray(v)) fail(what, 'an array of strings', v);
  for (const [i, x] of (v as unknown[]).entries()) string(x, `${what}[${i}]`);
};

export const oneOf =
  (values: readonly string[]): Check =>
  (v, what) => {
    if (typeof v !== 'string' || !values.includes(v)) fail(what, `one of ${values.join(', ')}`, v);
  };

/** A pool handle: text or bytes, 1 to MAX_POOLHANDLESIZE bytes. */
export function poolHandleBytes(v: unknown, what = 'poolHandle'): Uint8Array {
  const bytes = typeof v === 'string' ? new TextEncoder().encode(v) : v instanceof Uint8Array ? v : undefined;
  if (bytes === undefined) return fail(what, 'a string or a Uint8Array', v);
  if (bytes.length === 0 || bytes.length > MAX_POOLHANDLESIZE)
    fail(what, `1 to ${MAX_POOLHANDLESIZE} bytes`, bytes);
  return bytes;
}

/** A PoolPolicy object: a known policy name and each of its fields a u32 (RFC 5354 §3.8). */
export const poolPolicy: Check = (v, what) => {
  if (typeof v !== 'object' || v === null) fail(what, 'a policy spec or a PoolPolicy', v);
  const p = v as { name?: unknown } & Record<string, unknown>;
  const layout = POLICY_LAYOUTS.find((l) => l.name === p.name);
  if (layout === undefined) return fail(`${what}.name`, 'a policy name', p.name);
  for (const field of layout.fields) u32(p[field], `${what}.${field}`);
};

export type Schema<T> = { readonly [K in keyof Required<T>]: Check };

/**
 * Checks an options object against its schema: undefined is {}, anything but a plain object is
 * refused, as is an unknown option name; an option set to undefined is absent.
 */
export function checkOptions<T>(options: unknown, what: string, schema: Schema<T>): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    fail(what, 'an options object', options);
  for (const [key, value] of Object.entries(options as object)) {
    const check = (schema as Record<string, Check | undefined>)[key];
    if (check === undefined) throw new InvalidArgumentError(`${what}: unknown option '${key}'`);
    if (value !== undefined) check(value, `${what}.${key}`);
  }
  return options as T;
}

/** A nested options object as one option of a schema. */
export const nested =
  <T>(schema: Schema<T>): Check =>
  (v, what) => {
    checkOptions<T>(v, what, schema);
  };

/** The option must be present. */
export function required(options: object | undefined, key: string, what: string): void {
  if ((options as Record<string, unknown> | undefined)?.[key] === undefined)
    throw new InvalidArgumentError(`${what}.${key} is required`);
}
