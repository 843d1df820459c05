/**
 * CalcApp protocol codec (PPID 34; notes §2.9), checked byte-exact against RSPLIB's messages in
 * ../shared/fixtures/rsplib/C-apps.json. Every message has one layout: header, JobID u32,
 * JobSize u64, Completed u64 (24 bytes). The PE's ASAP Cookie is JobID u32, JobSize u64,
 * Completed u64 (20 bytes, no id string: see the Cookie and Cookie Echo frames of C-apps).
 */
import { ByteReader, ByteWriter, err, ok, type Result } from '../base/index.js';
import {
  type AppBodyReader,
  decodeAppMessage,
  finishAppMessage,
  isU32,
  readU64,
  type ServiceDecodeError,
  startAppMessage,
  writeU64,
} from './app-header.js';

export const CALCAPP_PPID = 34;

export const CalcAppType = {
  Request: 1,
  Accept: 2,
  Reject: 3,
  Abort: 4,
  Complete: 5,
  KeepAlive: 6,
  KeepAliveAck: 7,
} as const;

export type CalcAppMessageKind =
  | 'request'
  | 'accept'
  | 'reject'
  | 'abort'
  | 'complete'
  | 'keepAlive'
  | 'keepAliveAck';

const KIND_BY_TYPE: Record<number, CalcAppMessageKind> = {
  1: 'request',
  2: 'accept',
  3: 'reject',
  4: 'abort',
  5: 'complete',
  6: 'keepAlive',
  7: 'keepAliveAck',
};
const TYPE_BY_KIND: Record<CalcAppMessageKind, number> = {
  request: 1,
  accept: 2,
  reject: 3,
  abort: 4,
  complete: 5,
  keepAlive: 6,
  keepAliveAck: 7,
};

export interface CalcAppMessage {
  readonly kind: CalcAppMessageKind;
  readonly jobId: number;
  /** Calculations; 0 in Accept, Reject, KeepAlive and KeepAliveAck as RSPLIB sends them. */
  readonly jobSize: number;
  readonly completed: number;
}

export interface CalcAppCookie {
  readonly jobId: number;
  readonly jobSize: number;
  readonly completed: number;
}

export const CALCAPP_MESSAGE_BYTES = 24;
export const CALCAPP_COOKIE_BYTES = 20;

const fail = (reason: string): { ok: false; error: ServiceDecodeError } =>
  err({ protocol: 'calcapp', reason });

export function encodeCalcApp(m: CalcAppMessage): Uint8Array {
  if (!isU32(m.jobId)) throw new RangeError(`CalcApp JobID ${m.jobId} is not a u32`);
  const w = startAppMessage(TYPE_BY_KIND[m.kind]).u32(m.jobId);
  writeU64(w, m.jobSize);
  writeU64(w, m.completed);
  return finishAppMessage(w);
}

/** Every CalcApp type has the one layout: the body reader of each type differs only in the kind. */
function calcAppBody(kind: CalcAppMessageKind): AppBodyReader<CalcAppMessage> {
  return (reader, bytes) => {
    if (bytes.length !== CALCAPP_MESSAGE_BYTES) return fail(`${bytes.length} bytes, expected 24`);
    const jobId = reader.u32();
    const jobSize = readU64(reader);
    const completed = readU64(reader);
    if (jobSize === undefined || completed === undefined) return fail('JobSize or Completed beyond 2^53-1');
    return ok({ kind, jobId, jobSize, completed });
  };
}

const CALCAPP_BODIES: Readonly<Record<number, AppBodyReader<CalcAppMessage>>> = Object.fromEntries(
  Object.entries(KIND_BY_TYPE).map(([type, kind]) => [type, calcAppBody(kind)]),
);

export function decodeCalcApp(bytes: Uint8Array): Result<CalcAppMessage, ServiceDecodeError> {
  return decodeAppMessage('calcapp', bytes, CALCAPP_BODIES);
}

export function encodeCalcAppCookie(c: CalcAppCookie): Uint8Array {
  if (!isU32(c.jobId)) throw new RangeError(`CalcApp JobID ${c.jobId} is not a u32`);
  const w = new ByteWriter(CALCAPP_COOKIE_BYTES).u32(c.jobId);
  writeU64(w, c.jobSize);
  return writeU64(w, c.completed).finish();
}

export function decodeCalcAppCookie(bytes: Uint8Array): Result<CalcAppCookie, ServiceDecodeError> {
  if (bytes.length !== CALCAPP_COOKIE_BYTES) return fail(`cookie of ${bytes.length} bytes, expected 20`);
  const r = new ByteReader(bytes);
  const jobId = r.u32();
  const jobSize = readU64(r);
  const completed = readU64(r);
  if (jobSize === undefined || completed === undefined)
    return fail('cookie JobSize or Completed beyond 2^53-1');
  if (completed > jobSize) return fail('cookie Completed exceeds JobSize');
  return ok({ jobId, jobSize, completed });
}
