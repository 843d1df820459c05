/**
 * JSON form of messages for the CLI debug tools. The message's own fields, plus "protocol":
 *   - pool handles: {"text": "EchoPool"} when the bytes are printable UTF-8, else {"hex": "..."};
 *   - other bytes (cookie, opaque transport data, error cause data, unrecognized TLVs): hex strings;
 *   - numbers (IDs, ports, policy fields) as JSON numbers, addresses as text, flags as booleans.
 * `messageFromJson` accepts exactly what re-encodes to an equal message: it encodes the candidate,
 * decodes the bytes and compares, so every field is validated by the codec itself.
 */
import { fromHex, type Result, toHex } from '../base/index.js';
import type { AsapMessage } from './asap-messages.js';
import type { DecodeError } from './decode-error.js';
import type { EnrpMessage } from './enrp-messages.js';
import { canonicalIpAddress } from './ip-address.js';
import { decodeMessage, encodeMessage, type Protocol } from './message.js';
import { firstDifference } from './message-equal.js';
import { ErrorCause } from './types.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const HEX_KEYS = new Set(['cookie', 'data']);
const MAX_DEPTH = 16;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** {"text"} for printable UTF-8 without control characters, else {"hex"}. */
export function poolHandleToJson(handle: Uint8Array): JsonValue {
  try {
    const text = utf8.decode(handle);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
    if (text.length > 0 && !/[\u0000-\u001f\u007f-\u009f]/.test(text)) return { text };
  } catch {
    // not UTF-8: fall through to hex
  }
  return { hex: toHex(handle) };
}

function toJson(value: unknown, key: string): JsonValue | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Uint8Array) return key === 'poolHandle' ? poolHandleToJson(value) : toHex(value);
  if (Array.isArray(value)) return value.map((v) => toJson(v, key) ?? null);
  if (typeof value === 'object' && value !== null) {
    const out: { [k: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value)) {
      const j = toJson(v, k);
      if (j !== undefined) out[k] = j;
    }
    return out;
  }
  return value as JsonValue;
}

export function messageToJson(protocol: Protocol, message: AsapMessage | EnrpMessage): JsonValue {
  return { protocol, ...(toJson(message, '') as { [k: string]: JsonValue }) };
}

const CAUSE_NAMES = new Map<number, string>(Object.entries(ErrorCause).map(([n, c]) => [c, n]));

export function errorCauseName(cause: number): string {
  return CAUSE_NAMES.get(cause) ?? `0x${cause.toString(16).padStart(4, '0')}`;
}

export function decodeErrorToJson(error: DecodeError): JsonValue {
  return {
    cause: error.cause,
    causeName: errorCauseName(error.cause),
    reason: error.reason,
    silent: error.silent,
    ...(error.messageType === undefined ? {} : { messageType: error.messageType }),
    offending: toHex(error.offending),
  };
}

class JsonShapeError {
  constructor(readonly reason: string) {}
}

function hexBytes(v: unknown, path: string): Uint8Array {
  const b = typeof v === 'string' ? fromHex(v) : undefined;
  if (b === undefined) throw new JsonShapeError(`${path}: expected a hex string`);
  return b;
}

function fromJsonValue(v: unknown, key: string, path: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new JsonShapeError(`${path}: nested too deeply`);
  if (key === 'poolHandle') {
    const o = v as { text?: unknown; hex?: unknown } | null;
    if (typeof o?.text === 'string') return utf8Encoder.encode(o.text);
    if (o?.hex !== undefined) return hexBytes(o.hex, `${path}.hex`);
    throw new JsonShapeError(`${path}: expected {"text": ...} or {"hex": ...}`);
  }
  if (HEX_KEYS.has(key)) return hexBytes(v, path);
  if (key === 'unrecognized' || key === 'addresses') {
    if (!Array.isArray(v)) throw new JsonShapeError(`${path}: expected an array`);
    return v.map((x, i) => {
      if (key === 'unrecognized') return hexBytes(x, `${path}[${i}]`);
      const a = typeof x === 'string' ? canonicalIpAddress(x) : undefined;
      if (a === undefined) throw new JsonShapeError(`${path}[${i}]: expected an IP address`);
      return a;
    });
  }
  if (Array.isArray(v)) return v.map((x, i) => fromJsonValue(x, key, `${path}[${i}]`, depth + 1));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      out[k] = fromJsonValue(x, k, path === '' ? k : `${path}.${k}`, depth + 1);
    return out;
  }
  return v;
}

/** Parses the JSON form back into a message; any value that would not re-encode exactly is refused. */
export function messageFromJson(
  value: unknown,
): Result<{ protocol: Protocol; message: AsapMessage | EnrpMessage }, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail('expected a JSON object');
  const { protocol, ...rest } = value as Record<string, unknown>;
  if (protocol !== 'asap' && protocol !== 'enrp') return fail('"protocol" must be "asap" or "enrp"');
  if (typeof rest.kind !== 'string') return fail('"kind" must be a string');
  let candidate: unknown;
  let bytes: Uint8Array;
  try {
    candidate = fromJsonValue(rest, '', '', 0);
    bytes = encodeMessage(protocol, candidate as AsapMessage & EnrpMessage);
  } catch (e) {
    return fail(
      e instanceof JsonShapeError ? e.reason : `cannot encode: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const decoded = decodeMessage(protocol, bytes);
  if (!decoded.ok) return fail(`encodes to an invalid message: ${decoded.error.reason}`);
  const diff = firstDifference(candidate, decoded.value);
  if (diff !== undefined) return fail(`field "${diff}" is missing, unknown or out of range`);
  return { ok: true, value: { protocol, message: decoded.value } };
}

function fail(reason: string): { readonly ok: false; readonly error: string } {
  return { ok: false, error: reason };
}
