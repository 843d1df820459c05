/**
 * Bounds-checked TLV walking for the decoder (RFC 5354 §2). Every length is checked against its container
 * before use, every step advances by at least the 4-byte header, and unknown parameter types follow their
 * action bits. A failure unwinds with the private `DecodeFailure` sentinel, which the message decoders
 * catch at their boundary and return as a `DecodeError` value: nothing escapes to callers.
 */
import { ParameterType } from './constants.js';
import type { DecodeError } from './decode-error.js';
import { ErrorCause } from './types.js';

/** Thrown only inside the codec; `decodeAsap`/`decodeEnrp` convert it to `err(error)`. */
export class DecodeFailure {
  constructor(readonly error: DecodeError) {}
}

const TYPE_NAMES: Record<number, string> = {};
for (const [name, code] of Object.entries(ParameterType)) TYPE_NAMES[code] = name;

export function parameterName(type: number): string {
  return TYPE_NAMES[type] ?? `0x${type.toString(16).padStart(4, '0')}`;
}

function isKnownParameter(type: number): boolean {
  return (
    (type >= ParameterType.Ipv4Address && type <= ParameterType.OpaqueTransport) ||
    type === ParameterType.HandleResolutionOption
  );
}

export class DecodeContext {
  readonly view: DataView;
  /** Copies of skipped parameters (action bits 1x), in order of appearance. */
  unrecognized: Uint8Array[] | undefined;
  messageType: number | undefined;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(cause: number, start: number, end: number, reason: string, silent = false): never {
    const error: DecodeError = {
      cause,
      offending: this.bytes.slice(start, Math.max(start, end)),
      reason,
      silent,
      ...(this.messageType === undefined ? {} : { messageType: this.messageType }),
    };
    throw new DecodeFailure(error);
  }

  u16(at: number): number {
    return this.view.getUint16(at);
  }

  u32(at: number): number {
    return this.view.getUint32(at);
  }

  i32(at: number): number {
    return this.view.getInt32(at);
  }

  skipped(start: number, end: number): void {
    const copy = this.bytes.slice(start, end);
    if (this.unrecognized === undefined) this.unrecognized = [copy];
    else this.unrecognized.push(copy);
  }
}

/**
 * Walks the TLVs of one region [pos, end): a message body or a parameter's nested part. `peek()` loads
 * the next recognised TLV (skipping unknown ones whose action bits allow it) without consuming it;
 * `take()` consumes it. The last TLV of a region may lack its padding (RFC 5354 §2: enclosing lengths
 * do not cover the last padding).
 */
export class TlvReader {
  type = -1;
  start = 0;
  valueStart = 0;
  valueEnd = 0;
  private next = 0;
  private loaded = false;

  constructor(
    readonly ctx: DecodeContext,
    private pos: number,
    readonly end: number,
    /** Start of the enclosing message or TLV, copied as the offending bytes for a missing parameter. */
    readonly parentStart: number,
  ) {}

  peek(): number {
    if (this.loaded) return this.type;
    const ctx = this.ctx;
    for (;;) {
      const pos = this.pos;
      const remaining = this.end - pos;
      if (remaining === 0) {
        this.type = -1;
        this.loaded = true;
        return -1;
      }
      if (remaining < 4)
        ctx.fail(
          ErrorCause.InvalidValues,
          pos,
          this.end,
          `${remaining} stray bytes after the last parameter`,
        );
      const type = ctx.u16(pos);
      const length = ctx.u16(pos + 2);
      if (length < 4)
        ctx.fail(
          ErrorCause.InvalidValues,
          pos,
          pos + 4,
          `parameter ${parameterName(type)} has length ${length} < 4`,
        );
      if (length > remaining) {
        ctx.fail(
          ErrorCause.InvalidValues,
          pos,
          this.end,
          `parameter ${parameterName(type)} length ${length} exceeds the ${remaining} bytes left`,
        );
      }
      const next = Math.min(pos + ((length + 3) & ~3), this.end);
      if (!isKnownParameter(type)) {
        const action = type >>> 14;
        if (action <= 1) {
          ctx.fail(
            ErrorCause.UnrecognizedParameter,
            pos,
            pos + length,
            `unrecognized parameter ${parameterName(type)}`,
            action === 0,
          );
        }
        ctx.skipped(pos, pos + length);
        this.pos = next;
        continue;
      }
      this.type = type;
      this.start = pos;
      this.valueStart = pos + 4;
      this.valueEnd = pos + length;
      this.next = next;
      this.loaded = true;
      return type;
    }
  }

  take(): void {
    this.peek();
    this.pos = this.next;
    this.loaded = false;
  }

  /** Loads the next TLV and fails unless it has the given type. */
  expect(type: number): void {
    const t = this.peek();
    if (t === type) return;
    if (t === -1)
      this.ctx.fail(
        ErrorCause.InvalidValues,
        this.parentStart,
        this.end,
        `missing ${parameterName(type)} parameter`,
      );
    this.unexpected(`expected ${parameterName(type)}`);
  }

  /** Fails unless the region holds nothing more (apart from skippable unknown parameters). */
  finish(): void {
    if (this.peek() !== -1) this.unexpected('expected no further parameter');
  }

  unexpected(what: string): never {
    return this.ctx.fail(
      ErrorCause.InvalidValues,
      this.start,
      this.valueEnd,
      `unexpected ${parameterName(this.type)} parameter: ${what}`,
    );
  }

  get valueLength(): number {
    return this.valueEnd - this.valueStart;
  }

  /** Fails with RSPLIB's Invalid Value (0x0011) unless the value has exactly n bytes. */
  exactValueLength(n: number): void {
    if (this.valueLength !== n) {
      this.ctx.fail(
        ErrorCause.RsplibInvalidValue,
        this.start,
        this.valueEnd,
        `${parameterName(this.type)} must have length ${n + 4}, not ${this.valueLength + 4}`,
      );
    }
  }
}
