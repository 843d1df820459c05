/**
 * ENRP Errors (RFC 5353 §3.7, RFC 5354 §3-4): for a malformed message, and for parameters whose action
 * bits ask for a report. Ids the RFC way: ours as sender, the offender's as receiver (RSPLIB copies the
 * offending message's ids, notes quirk 16). Never an Error for an Error, nor for a silent cause.
 */
import { type DecodeError, decodeErrorCause, parametersToReport } from '../../wire/decode-error.js';
import type { EnrpMessage } from '../../wire/enrp-messages.js';
import { ErrorCause, type RegistrarId } from '../../wire/types.js';

/** The sender id of raw ENRP bytes (type, flags, length, then the sender's id, RFC 5353 §2). */
export function enrpSenderOf(bytes: Uint8Array | undefined): RegistrarId | undefined {
  if (bytes === undefined || bytes.length < 8) return undefined;
  return ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!) >>> 0;
}

/** The Error answering a malformed message; undefined when none is due. */
export function malformedReply(
  ownId: RegistrarId,
  peerId: RegistrarId | undefined,
  error: DecodeError,
  bytes: Uint8Array | undefined,
): EnrpMessage | undefined {
  if (error.silent || error.messageType === 0x0a) return undefined;
  return {
    kind: 'error',
    senderId: ownId,
    receiverId: peerId ?? enrpSenderOf(bytes) ?? 0,
    operationError: { causes: [decodeErrorCause(error)] },
  };
}

/** The Error reporting skipped parameters with action bits 11 (Unrecognized Parameter); or undefined. */
export function unrecognizedReport(
  ownId: RegistrarId,
  peerId: RegistrarId | undefined,
  m: EnrpMessage,
): EnrpMessage | undefined {
  const report = parametersToReport(m.unrecognized);
  if (report.length === 0 || m.kind === 'error') return undefined;
  const causes = report.map((tlv) => ({ cause: ErrorCause.UnrecognizedParameter, data: tlv }));
  return { kind: 'error', senderId: ownId, receiverId: peerId ?? m.senderId, operationError: { causes } };
}
