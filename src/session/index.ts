/** Public surface of the session layer (RFC 5352 §3.8, §3.9, §6): PU sessions with failover, PE control channel. */
export {
  CONTROL_CHANNEL_PPID,
  classifyDelivery,
  type Delivery,
  encodeControl,
} from './control-channel.js';
export * from './defaults.js';
export * from './id-allocator.js';
export * from './pool-element-session.js';
export * from './pool-user-session.js';
export type * from './pool-user-session-types.js';
export type { BusinessCard, SessionMessage } from './session-messages.js';
