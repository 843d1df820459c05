/**
 * What the decoder returns for bytes it cannot accept. Enough for a registrar to answer with an ASAP or
 * ENRP Error (RFC 5354 §3.12) or to discard silently, as the action bits require.
 */
import { ErrorCause, type ErrorCauseEntry } from './types.js';

export interface DecodeError {
  /** RFC 5354 cause code, or the RSPLIB-specific code RSPLIB answers with (0x0010, 0x0011, 0x100b). */
  readonly cause: number;
  /** A copy of the offending TLV (its Length bytes, without padding) or of the whole message. */
  readonly offending: Uint8Array;
  /** Human-readable explanation, for logs. */
  readonly reason: string;
  /** True when the RFC says to discard without any report (action bits 00). */
  readonly silent: boolean;
  /** The message type byte, when the header could be read. */
  readonly messageType?: number;
}

/**
 * The error cause to put in the Operation Error of the reply, as RSPLIB does it: Unrecognized Parameter
 * and Invalid Value(s) carry the offending TLV; RSPLIB's Invalid Message (0x0010, header length wrong)
 * and Unsupported Pool Policy (0x100b) carry no data (D-errors.json frames 102 and 185).
 */
export function decodeErrorCause(error: DecodeError): ErrorCauseEntry {
  const withoutData =
    error.cause === ErrorCause.RsplibInvalidMessage || error.cause === ErrorCause.RsplibUnsupportedPoolPolicy;
  return { cause: error.cause, data: withoutData ? new Uint8Array(0) : error.offending };
}

/**
 * The copies of skipped parameters whose action bits ask for a report (11): each goes into an
 * Unrecognized Parameter cause (RFC 5354 §3.12.2).
 */
export function parametersToReport(unrecognized: readonly Uint8Array[] | undefined): Uint8Array[] {
  if (unrecognized === undefined) return [];
  return unrecognized.filter((tlv) => tlv.length >= 2 && (tlv[0]! & 0xc0) === 0xc0);
}
