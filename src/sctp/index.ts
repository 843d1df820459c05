export * from './defaults.js';
export * from './endpoint.js';
export * from './types.js';
export { crc32c } from './wire/crc32c.js';
