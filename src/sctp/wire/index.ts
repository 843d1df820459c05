export * from './chunk-types.js';
export * from './chunks.js';
export * from './crc32c.js';
export * from './ip-address.js';
export * from './packet.js';
