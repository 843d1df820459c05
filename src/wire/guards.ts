/**
 * Argument guards of the codec's entry points. Untrusted bytes never throw (decoders return a
 * DecodeError); what throws here is programmer misuse: a decoder given no bytes, an encoder given
 * something that is not a message of its protocol. Both become InvalidArgumentError, never a
 * TypeError or an "assertion failed" from deep inside the encoder.
 */
import { InvalidArgumentError, RserpoolError } from '../base/errors.js';

export function requireBytes(value: unknown, fn: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new InvalidArgumentError(
      `${fn}: expected a Uint8Array, got ${value === null ? 'null' : typeof value}`,
    );
}

export function requireProtocol(value: unknown, fn: string): void {
  if (value !== 'asap' && value !== 'enrp')
    throw new InvalidArgumentError(`${fn}: protocol must be 'asap' or 'enrp', got ${String(value)}`);
}

/**
 * Runs an encoder on a caller's message: a non-object is refused at once, and whatever the encoder
 * throws on a malformed message (a missing field, an unknown policy, an oversized handle) is reported
 * as InvalidArgumentError with the original error as `cause`.
 */
export function encodeGuarded<M>(message: M, fn: string, encode: (m: M) => Uint8Array): Uint8Array {
  if (
    typeof message !== 'object' ||
    message === null ||
    typeof (message as { kind?: unknown }).kind !== 'string'
  )
    throw new InvalidArgumentError(`${fn}: expected a message object with a kind`);
  try {
    return encode(message);
  } catch (e) {
    if (e instanceof RserpoolError) throw e;
    const reason = e instanceof Error ? e.message : String(e);
    throw new InvalidArgumentError(`${fn}: not a valid message (${reason})`, { cause: e });
  }
}
