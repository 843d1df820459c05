export * from './defaults.js';
export * from './endpoint.js';
export * from './types.js';
export { CauseCode } from './wire/chunk-types.js';
export { describeCause, type ErrorCause } from './wire/chunks.js';
export { crc32c } from './wire/crc32c.js';
