/**
 * Ping-Pong protocol codec (PPID 33; notes §2.9), checked byte-exact against RSPLIB's messages in
 * ../shared/fixtures/rsplib/C-apps.json. Ping (1): MessageNo u64 + data. Pong (2): MessageNo u64,
 * ReplyNo u64 + data. The PE's ASAP Cookie: the 8-byte id `<PP-TD1>` + ReplyNo u64, where ReplyNo is
 * the number the PE will give its *next* Pong (the capture shows Pong 1 followed by cookie 2).
 */
import { ByteReader, ByteWriter, bytesEqual, err, ok, type Result } from '../base/index.js';
import {
  type AppBodyReader,
  asciiBytes,
  decodeAppMessage,
  finishAppMessage,
  readU64,
  type ServiceDecodeError,
  startAppMessage,
  writeU64,
} from './app-header.js';

export const PINGPONG_PPID = 33;

export const PingPongType = { Ping: 1, Pong: 2 } as const;

export type PingPongMessage =
  | { readonly kind: 'ping'; readonly messageNo: number; readonly data: Uint8Array }
  | {
      readonly kind: 'pong';
      readonly messageNo: number;
      readonly replyNo: number;
      readonly data: Uint8Array;
    };

export interface PingPongCookie {
  /** The ReplyNo of the next Pong the PE sends. */
  readonly replyNo: number;
}

export const PINGPONG_COOKIE_ID = asciiBytes('<PP-TD1>');
export const PINGPONG_COOKIE_BYTES = 16;

const fail = (reason: string): { ok: false; error: ServiceDecodeError } =>
  err({ protocol: 'pingpong', reason });

export function encodePingPong(m: PingPongMessage): Uint8Array {
  const w = startAppMessage(m.kind === 'ping' ? PingPongType.Ping : PingPongType.Pong);
  writeU64(w, m.messageNo);
  if (m.kind === 'pong') writeU64(w, m.replyNo);
  w.bytes(m.data);
  return finishAppMessage(w);
}

const PINGPONG_BODIES: Readonly<Record<number, AppBodyReader<PingPongMessage>>> = {
  [PingPongType.Ping]: (reader) => {
    if (!reader.has(8)) return fail('Ping shorter than 12 bytes');
    const messageNo = readU64(reader);
    if (messageNo === undefined) return fail('MessageNo beyond 2^53-1');
    return ok({ kind: 'ping', messageNo, data: reader.copy(reader.remaining) });
  },
  [PingPongType.Pong]: (reader) => {
    if (!reader.has(16)) return fail('Pong shorter than 20 bytes');
    const messageNo = readU64(reader);
    const replyNo = readU64(reader);
    if (messageNo === undefined || replyNo === undefined) return fail('MessageNo or ReplyNo beyond 2^53-1');
    return ok({ kind: 'pong', messageNo, replyNo, data: reader.copy(reader.remaining) });
  },
};

export function decodePingPong(bytes: Uint8Array): Result<PingPongMessage, ServiceDecodeError> {
  return decodeAppMessage('pingpong', bytes, PINGPONG_BODIES);
}

export function encodePingPongCookie(c: PingPongCookie): Uint8Array {
  const w = new ByteWriter(PINGPONG_COOKIE_BYTES).bytes(PINGPONG_COOKIE_ID);
  return writeU64(w, c.replyNo).finish();
}

export function decodePingPongCookie(bytes: Uint8Array): Result<PingPongCookie, ServiceDecodeError> {
  if (bytes.length !== PINGPONG_COOKIE_BYTES) return fail(`cookie of ${bytes.length} bytes, expected 16`);
  if (!bytesEqual(bytes.subarray(0, 8), PINGPONG_COOKIE_ID)) return fail('cookie id is not <PP-TD1>');
  const replyNo = readU64(new ByteReader(bytes, 8));
  if (replyNo === undefined) return fail('cookie ReplyNo beyond 2^53-1');
  return ok({ replyNo });
}
