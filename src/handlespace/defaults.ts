/** Handlespace defaults. */
import { ErrorCause } from '../wire/types.js';

/** Longest pool handle accepted (RSPLIB `MAX_POOLHANDLESIZE`, notes §2.3); RFC 5354 §3.9 sets no limit. */
export const MAX_POOL_HANDLE_LENGTH = 32;

/**
 * Cause sent when a PE's transport protocol differs from its pool's. RFC 5354 §3.12 defines 0x0007
 * (Inconsistent Transport Type); RSPLIB sends its implementation code 0x100a (WRONG_PROTOCOL, notes §2.6).
 * We default to RSPLIB's for interoperability; `HandlespaceOptions.transportMismatchCause` selects the RFC code.
 */
export const DEFAULT_TRANSPORT_MISMATCH_CAUSE = ErrorCause.RsplibWrongProtocol;
