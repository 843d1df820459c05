/**
 * The SCTP layer's surface to the layers above (stack, io, api): the endpoint, its inputs,
 * actions and events, the RFC 9260 defaults, and the few wire helpers they need (cause codes,
 * describing a cause, CRC32c). The association and its parts stay internal.
 */
export * from './defaults.js';
export * from './endpoint.js';
export * from './types.js';
export { CauseCode } from './wire/chunk-types.js';
export { describeCause, type ErrorCause } from './wire/chunks.js';
export { crc32c } from './wire/crc32c.js';
