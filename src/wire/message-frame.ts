/**
 * The common message header (RFC 5354 §4): type u8, flags u8, length u16. Shared by the ASAP and ENRP
 * decoders and encoders.
 */
import { type ByteWriter, err, ok, type Result } from '../base/index.js';
import type { DecodeError } from './decode-error.js';
import { DecodeContext, DecodeFailure, TlvReader } from './tlv-reader.js';
import { ErrorCause } from './types.js';

/** What tells the messages of one protocol apart: its type range, fixed part and parameters. */
export interface MessageGrammar<M extends object> {
  readonly protocol: string;
  /** First and last known message type. */
  readonly first: number;
  readonly last: number;
  /** Bytes before the first parameter (header included). */
  fixedLength(type: number): number;
  /** Reads the fixed part after the header and the parameters of a message of a known type. */
  parameters(ctx: DecodeContext, r: TlvReader, type: number, flags: number): M;
}

/** Decodes one message of `grammar` from untrusted bytes; never throws on them. */
export function decodeMessageFrame<M extends object>(
  bytes: Uint8Array,
  grammar: MessageGrammar<M>,
): Result<M, DecodeError> {
  return runDecoder(new DecodeContext(bytes), (ctx) => decodeFrame(ctx, grammar));
}

function decodeFrame<M extends object>(ctx: DecodeContext, grammar: MessageGrammar<M>): M {
  checkHeader(ctx);
  const type = ctx.bytes[0]!;
  if (type < grammar.first || type > grammar.last) unknownMessageType(ctx, grammar.protocol);
  const flags = ctx.bytes[1]!;
  const fixed = grammar.fixedLength(type);
  const end = messageEnd(ctx, fixed);
  const r = new TlvReader(ctx, fixed, end, 0);
  const m = grammar.parameters(ctx, r, type, flags);
  r.finish();
  return withUnrecognized(ctx, m);
}

/**
 * Checks the header against the received bytes and returns the end of the message body. As RSPLIB
 * does, a header length that does not match the data gives cause 0x0010 (D-errors.json frame 102).
 * The data may exceed the header length by the final padding (RFC 5354 §4: the length excludes it).
 */
function messageEnd(ctx: DecodeContext, minLength: number): number {
  const have = ctx.bytes.length;
  const length = ctx.u16(2);
  if (length > have) {
    ctx.fail(
      ErrorCause.RsplibInvalidMessage,
      0,
      have,
      `header length ${length} exceeds the ${have} bytes received`,
    );
  }
  if (have > ((length + 3) & ~3)) {
    ctx.fail(
      ErrorCause.RsplibInvalidMessage,
      0,
      have,
      `${have} bytes received but the header length is ${length}`,
    );
  }
  if (length < minLength) {
    ctx.fail(
      ErrorCause.RsplibInvalidMessage,
      0,
      have,
      `message of ${length} bytes is shorter than its ${minLength} fixed bytes`,
    );
  }
  return length;
}

/** Fails (before anything else) when the input cannot hold a message header. */
function checkHeader(ctx: DecodeContext): void {
  if (ctx.bytes.length > 0) ctx.messageType = ctx.bytes[0]!;
  if (ctx.bytes.length < 4) {
    ctx.fail(
      ErrorCause.RsplibInvalidMessage,
      0,
      ctx.bytes.length,
      `${ctx.bytes.length} bytes cannot hold a message header`,
    );
  }
}

/**
 * Unknown message type (RFC 5354 §4): the two high bits say whether to report it (01) or discard it
 * silently (00; 10 and 11 are reserved, also treated as silent). RSPLIB reports nothing in either case
 * (D-errors.json frame 118); a registrar that wants RSPLIB's behaviour may ignore `silent`.
 */
function unknownMessageType(ctx: DecodeContext, protocol: string): never {
  const type = ctx.bytes[0]!;
  return ctx.fail(
    ErrorCause.UnrecognizedMessage,
    0,
    ctx.bytes.length,
    `unrecognized ${protocol} message type 0x${type.toString(16).padStart(2, '0')}`,
    type >>> 6 !== 0b01,
  );
}

/** Runs a decoder, turning the internal failure sentinel into an error value. Other throws are bugs. */
function runDecoder<T>(ctx: DecodeContext, decode: (ctx: DecodeContext) => T): Result<T, DecodeError> {
  try {
    return ok(decode(ctx));
  } catch (e) {
    if (e instanceof DecodeFailure) return err(e.error);
    throw e;
  }
}

/** Adds the skipped unknown parameters to a freshly decoded message. */
function withUnrecognized<T extends object>(ctx: DecodeContext, m: T): T {
  return ctx.unrecognized === undefined ? m : { ...m, unrecognized: ctx.unrecognized };
}

/** Writes the final length into the header and returns a copy of the message. */
export function finishMessage(w: ByteWriter): Uint8Array {
  if (w.length > 0xffff) throw new RangeError(`message of ${w.length} bytes exceeds 65535`);
  w.setU16(2, w.length);
  return w.finish();
}
