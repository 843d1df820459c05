/**
 * The SCTP wire format (RFC 9260 §3) in one import: chunk type codes, chunk codecs, CRC32c,
 * address text forms and packet framing. Pure functions over bytes; no state.
 */
export * from './chunk-types.js';
export * from './chunks.js';
export * from './crc32c.js';
export * from './ip-address.js';
export * from './packet.js';
