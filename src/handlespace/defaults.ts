/** Handlespace defaults. */
import { ErrorCause } from '../wire/types.js';

/**
 * Cause sent when a PE's transport protocol differs from its pool's. RFC 5354 §3.12 defines 0x0007
 * (Inconsistent Transport Type); RSPLIB sends its implementation code 0x100a (WRONG_PROTOCOL, notes §2.6).
 * We default to RSPLIB's for interoperability; `HandlespaceOptions.transportMismatchCause` selects the RFC code.
 */
export const DEFAULT_TRANSPORT_MISMATCH_CAUSE = ErrorCause.RsplibWrongProtocol;
